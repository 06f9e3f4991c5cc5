#!/usr/bin/env bash
# The full-rank λ stage of `gwasflow normalize` (method.md §4) at n individuals (default 10,000),
# p = 4 traits: seconds of each λ stage (the batched forward pass of the flow over every training
# individual, R = QᵀU, the 1-D maximisation of l(λ), the exact objective) after the
# eigendecomposition, which is excluded: G is the expected relationship matrix of nuclear families
# (2 parents + 3 children), so its exact eigendecomposition is assembled from the 5 × 5 family
# blocks and handed to normalize as GEMMA eigen files (`--eigen`, reused since
# --validation-fraction 0 trains on everyone). Q is stored and used densely (n × n), so the λ stage
# costs what it costs for any G. Also prints the peak resident memory of the run.
#
#   benchmarks/dependence_fullrank.sh [N=10000] [THREADS=2]
#   GWASFLOW=.build/release/gwasflow benchmarks/dependence_fullrank.sh   # an existing build
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}; threads=${2:-2}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
if [ -n "${GWASFLOW:-}" ]; then bin=$GWASFLOW; else
  swift build -c release --product gwasflow >/dev/null
  bin=$(swift build -c release --show-bin-path)/gwasflow
fi

# U ~ MN(0, 0.5 I + 0.5 G, I₄) family by family, then a curved map on each pair of traits.
python3 - "$work" "$n" <<'PY'
import sys
import numpy as np
work, n = sys.argv[1], int(sys.argv[2])
block = np.full((5, 5), 0.5); block[:2, :2] = 0; np.fill_diagonal(block, 1)
rng = np.random.default_rng(5)
values, vectors = [], []
with open(f"{work}/g.eigenU.txt", "w") as eigen_u:
    for start in range(0, n, 5):
        m = min(5, n - start)
        w, v = np.linalg.eigh(block[:m, :m])
        values.extend(w)
        for r in range(m):
            row = ["0"] * n
            row[start:start + m] = ["%.10g" % x for x in v[r]]
            eigen_u.write("\t".join(row) + "\n")
np.savetxt(f"{work}/g.eigenD.txt", np.array(values), fmt="%.10g")
with open(f"{work}/pheno.txt", "w") as pheno, open(f"{work}/data.fam", "w") as fam:
    pheno.write("FID IID t1 t2 t3 t4\n")
    for start in range(0, n, 5):
        m = min(5, n - start)
        c = 0.5 * np.eye(m) + 0.5 * block[:m, :m]
        u = np.linalg.cholesky(c) @ rng.standard_normal((m, 4))
        for r in range(m):
            x = u[r].copy()
            for a in (0, 2):
                x[a + 1] = u[r, a + 1] + 0.4 * (u[r, a] ** 2 - 1)
                x[a] = u[r, a] * np.exp(0.2 * np.tanh(x[a + 1])) + 0.4 * np.sin(x[a + 1])
            i = start + r
            pheno.write(f"f{start // 5} i{i} " + " ".join("%.6f" % v for v in x) + "\n")
            fam.write(f"f{start // 5} i{i} 0 0 0 -9\n")
PY

/usr/bin/time -v "$bin" normalize --pheno "$work/pheno.txt" --fam "$work/data.fam" --eigen "$work/g" \
  --validation-fraction 0 --initial-epochs 1 --round-epochs 1 --rounds 3 --threads "$threads" --quiet \
  --out "$work/run" 2> "$work/time.txt" >/dev/null
echo "n = $n, p = 4, full-rank G (nuclear families), $(nproc) cores, --threads $threads, load $(cut -d' ' -f1-3 /proc/loadavg)"
awk -F'\t' 'NR > 1 { printf "%-8s %8s s  (epochs %s, lambda %s)\n", $1, $7, $6, $2 }' "$work/run.lambda.tsv"
grep -E "eigendecomposition|λ stage|lambda stage" "$work/run.log" | head -5 || true
awk -F': ' '/Maximum resident set size/ { printf "peak RSS %.0f MB\n", $2 / 1024 } /Elapsed \(wall clock\)/ { print "wall " $2 }' "$work/time.txt"
