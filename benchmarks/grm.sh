#!/usr/bin/env bash
# Relatedness benchmark (issue 3), all tools in one run on the same files:
#   1. GRM at N individuals x M SNPs (default 5,000 x 100,000): gwasflow grm and plink2 --make-rel square
#      --threads 2 (later plink1.9 --make-rel square and gemma -gk 1); median wall seconds and ratios.
#   2. gwasflow eigen on that GRM (its read / decomposition / write phases) vs a bare LAPACK dsyevd call
#      (benchmarks/dsyevd_bare.c) on the same OpenBLAS kernel, and gemma -eigen.
#   3. PC relatedness at PC_N individuals (default 100,000) x 40 PCs: wall seconds and peak RSS.
#   4. The slower GRM tools, plink1.9 and gemma -gk 1, and the full-size comparison with GEMMA's matrix.
# Usage: benchmarks/grm.sh   (from the repository root, after `swift build -c release`)
# Settings (environment): WORK (scratch folder, default /tmp/gwasflow-bench-grm), N, M, REPS (runs per
# GRM tool, default 3), SLOW_REPS (runs of plink1.9 and gemma, default REPS), EIGEN_REPS (default 1),
# GEMMA_EIGEN=0 skips gemma -eigen, PC_N, CHECK=0 skips the full-size comparison with GEMMA's matrix.
# Every tool gets 2 threads (OPENBLAS_NUM_THREADS=2, --threads 2 where the tool has it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$root/.build/release/gwasflow}
WORK=${WORK:-/tmp/gwasflow-bench-grm}
N=${N:-5000} M=${M:-100000} REPS=${REPS:-3} SLOW_REPS=${SLOW_REPS:-$REPS} EIGEN_REPS=${EIGEN_REPS:-1}
PC_N=${PC_N:-100000} GEMMA_EIGEN=${GEMMA_EIGEN:-1} CHECK=${CHECK:-1}
export OPENBLAS_NUM_THREADS=2
[ -x "$BIN" ] || { echo "grm.sh: $BIN not found; run swift build -c release first" >&2; exit 1; }
mkdir -p "$WORK/out"
cc -O2 "$root/benchmarks/dsyevd_bare.c" -o "$WORK/dsyevd_bare" -llapacke -lopenblas
cd "$WORK"

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# versions: $("$BIN" --version); $(plink2 --version | head -1); $(plink1.9 --version | head -1); $(gemma 2>&1 | grep -m1 GEMMA || true)"

if [ ! -f "sim$N.bed" ]; then
  echo "# simulating $N x $M (gwasflow simulate, independent SNPs)"
  "$BIN" simulate --n "$N" --snps "$M" --chromosomes 10 --pcs 0 --ld-decay 0 --out "sim$N" --quiet > /dev/null
fi
# GEMMA analyses only individuals with a .fam phenotype: give everyone one. PLINK estimates allele
# frequencies from founders and stops on a rare SNP seen only in non-founders: make everyone a founder.
# Every tool reads these same files and drops SNPs with MAF < 0.01 or > 5% missing (GEMMA's defaults).
ln -sf "sim$N.bed" g.bed; ln -sf "sim$N.bim" g.bim
awk '{ $3 = 0; $4 = 0; $6 = 1; print }' "sim$N.fam" > g.fam

# measure LABEL REPS COMMAND...: runs COMMAND REPS times; sets MEDIAN (wall s) and RSS (peak MB of the last run).
measure() {
  local label=$1 reps=$2; shift 2
  local times=()
  for _ in $(seq "$reps"); do
    if ! /usr/bin/time -f "%e %M" -o time.txt "$@" > "out/$label.stdout" 2>&1; then
      echo "grm.sh: $label failed:" >&2; tail -5 "out/$label.stdout" >&2; exit 1
    fi
    read -r seconds kb < time.txt
    times+=("$seconds")
    RSS=$((kb / 1024))
  done
  MEDIAN=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  echo "$label: runs ${times[*]} s; median $MEDIAN s; peak RSS $RSS MB"
}

echo; echo "## GRM, $N individuals x $M SNPs"
measure gwasflow "$REPS" "$BIN" grm --bfile g --out out/gf --threads 2 --quiet; gf=$MEDIAN
grep -E '^(open genotypes|GRM|write): [0-9]' out/gf.log | tr '\n' ' '; echo
measure plink2 "$REPS" plink2 --bfile g --maf 0.01 --geno 0.05 --make-rel square --threads 2 --out out/p2; p2=$MEDIAN
awk -v gf="$gf" -v t="$p2" 'BEGIN { printf "plink2 / gwasflow: %.2fx\n", t / gf }'

echo; echo "## eigen, n = $N"
measure gwasflow-eigen "$EIGEN_REPS" "$BIN" eigen --grm out/gf.cXX.txt --out out/ge --threads 2 --quiet; ge=$MEDIAN
# The phases of the last run, from its log.
phase() { sed -n "s/^$1: \([0-9.]*\)$/\1/p" out/ge.log; }
read_s=$(phase "read GRM") decomp_s=$(phase eigendecomposition) write_s=$(phase write)
kernel=$(sed -n 's/^BLAS kernel: //p' out/ge.log)
echo "gwasflow eigen phases: read GRM $read_s s, eigendecomposition $decomp_s s, write $write_s s; OpenBLAS kernel $kernel"
# The bare call gets the kernel gwasflow ran with (gwasflow restarts itself with OPENBLAS_CORETYPE
# set where OpenBLAS falls back to its generic Prescott kernels).
OPENBLAS_CORETYPE=$kernel measure dsyevd-bare "$EIGEN_REPS" ./dsyevd_bare out/gf.cXX.txt; cat out/dsyevd-bare.stdout
bare=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' out/dsyevd-bare.stdout)
awk -v ge="$ge" -v d="$decomp_s" -v r="$read_s" -v w="$write_s" -v bare="$bare" 'BEGIN {
  printf "gwasflow eigen (whole command) / bare dsyevd call: %.2fx (target <= 1.3x)\n", ge / bare
  printf "gwasflow eigendecomposition step / bare dsyevd call: %.2fx; text read + write: %.1f s (%.0f%% of the command)\n", d / bare, r + w, 100 * (r + w) / ge }'
if [ "$GEMMA_EIGEN" = 1 ]; then
  measure gemma-eigen 1 gemma -bfile g -k out/gf.cXX.txt -eigen -o gme -outdir out
fi

echo; echo "## PC relatedness, $PC_N individuals x 40 PCs"
if [ ! -f "pcs$PC_N.eigenvec" ]; then
  python3 - "$PC_N" <<'EOF'
import sys, numpy as np
n = int(sys.argv[1]); rng = np.random.default_rng(1)
scores = rng.standard_normal((n, 40)) / np.sqrt(n)
with open(f"pcs{n}.eigenvec", "w") as f:
    f.write("#FID\tIID\t" + "\t".join(f"PC{k + 1}" for k in range(40)) + "\n")
    for i in range(n):
        f.write(f"f{i}\ti{i}\t" + "\t".join(f"{v:.6g}" for v in scores[i]) + "\n")
np.savetxt(f"pcs{n}.eigenval", np.sort(rng.uniform(1, 50, 40))[::-1], fmt="%.6g")
EOF
fi
measure pc-factor "$REPS" "$BIN" grm --pcs "pcs$PC_N.eigenvec" --n-pcs 40 --out out/pc --quiet
grep -E '^(read PCs|write): [0-9]' out/pc.log | tr '\n' ' '; echo
measure pc-factor-eigenvalue "$REPS" "$BIN" grm --pcs "pcs$PC_N.eigenvec" --n-pcs 40 --pc-scale eigenvalue --out out/pce --quiet
echo; echo "## GRM (slower tools), $N individuals x $M SNPs"
measure plink1.9 "$SLOW_REPS" plink1.9 --bfile g --maf 0.01 --geno 0.05 --make-rel square --threads 2 --out out/p1; p1=$MEDIAN
awk -v gf="$gf" -v t="$p1" 'BEGIN { printf "plink1.9 / gwasflow: %.2fx\n", t / gf }'
measure gemma "$SLOW_REPS" gemma -bfile g -gk 1 -o gm -outdir out; gm=$MEDIAN
awk -v gf="$gf" -v t="$gm" 'BEGIN { printf "gemma / gwasflow: %.2fx\n", t / gf }'
if [ "$CHECK" = 1 ]; then
  python3 - <<'PY'
import numpy as np
a = np.fromfile("out/gf.cXX.txt", sep=" ")
b = np.fromfile("out/gm.cXX.txt", sep=" ")
print(f"max |gwasflow - gemma| over {a.size} entries: {np.abs(a - b).max():.3g}")
PY
fi
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
