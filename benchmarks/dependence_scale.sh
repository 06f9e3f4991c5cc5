#!/usr/bin/env bash
# Scale of `gwasflow normalize` on the low-rank path (method.md §2): n individuals, p = 4 traits,
# PC relatedness from k = 40 PCs (Woodbury, never n × n). Prints the seconds of stage 0 (one
# flow epoch), of the λ stage and of flow stage 1 (one epoch) from PREFIX.lambda.tsv, and the
# peak resident memory of the whole run (/usr/bin/time -v).
#
#   benchmarks/dependence_scale.sh [N=100000] [THREADS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}; threads=${2:-2}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
swift build -c release --product gwasflow >/dev/null
bin=$(swift build -c release --show-bin-path)/gwasflow

# Families of 4 sharing PC-score offsets (so PC relatedness is informative), a crescent in t1/t2.
awk -v n="$n" 'BEGIN { srand(11);
  print "FID IID t1 t2 t3 t4" > "'"$work"'/pheno.txt"; printf "FID IID" > "'"$work"'/pcs.eigenvec";
  for (k = 1; k <= 40; k++) printf " PC%d", k > "'"$work"'/pcs.eigenvec"; print "" > "'"$work"'/pcs.eigenvec";
  for (i = 1; i <= n; i++) {
    f = int((i - 1) / 4);
    for (k = 1; k <= 4; k++) { u = rand(); v = rand(); e[k] = sqrt(-2 * log(1 - u)) * cos(6.283185307179586 * v) }
    printf "f%d i%d %.6f %.6f %.6f %.6f\n", f, i, e[1], 0.5 * e[1] * e[1] + 0.5 * e[2], e[3], e[4] > "'"$work"'/pheno.txt";
    print "f" f, "i" i, 0, 0, 0, -9 > "'"$work"'/data.fam";
    printf "f%d i%d", f, i > "'"$work"'/pcs.eigenvec";
    srand(1000 + f); for (k = 1; k <= 40; k++) base[k] = rand() - 0.5; srand(11 + i);
    for (k = 1; k <= 40; k++) printf " %.6f", base[k] + 0.3 * (rand() - 0.5) > "'"$work"'/pcs.eigenvec";
    print "" > "'"$work"'/pcs.eigenvec" } }'

/usr/bin/time -v "$bin" normalize --pheno "$work/pheno.txt" --fam "$work/data.fam" --pcs "$work/pcs.eigenvec" --n-pcs 40 \
  --initial-epochs 1 --round-epochs 1 --rounds 1 --threads "$threads" --quiet --out "$work/run" 2> "$work/time.txt" >/dev/null
echo "n = $n, p = 4, k = 40 (PC relatedness, low rank), $(nproc) cores, --threads $threads"
awk -F'\t' 'NR > 1 { printf "%-8s %8s s  (epochs %s, lambda %s)\n", $1, $7, $6, $2 }' "$work/run.lambda.tsv"
awk -F': ' '/Maximum resident set size/ { printf "peak RSS %.0f MB\n", $2 / 1024 } /Elapsed \(wall clock\)/ { print "wall " $2 }' "$work/time.txt"
