#!/usr/bin/env bash
# Association benchmark (issue 6): LMM score tests at N individuals x M SNPs (default 5,000 x 100,000) with the
# eigendecomposition given, gwasflow assoc vs gemma 0.98.5, same files, one run of everything:
#   univariate    gwasflow assoc --columns 1     vs  gemma -lmm 3 -n 1      (-d/-u eigen files)
#   multivariate  gwasflow assoc --columns 1,2,3 vs  gemma -lmm 3 -n 1 2 3
# prints each run's wall seconds, medians, ratios, and the largest |Δ log10 p| between the tools' tables.
# Usage: benchmarks/assoc.sh   (from the repository root, after `swift build -c release`)
# Settings (environment): WORK (scratch, default /tmp/gwasflow-bench-assoc), N, M, REPS (gwasflow runs, default 3),
# GEMMA_REPS (default 1), PRECISION (float or double, default float). Every tool gets 2 BLAS threads.
# OpenBLAS: Debian's 0.3.21 misdetects this machine's CPU as Prescott (SSE3 kernels, about 1/5 of the
# AVX-512 speed; OPENBLAS_VERBOSE=2 shows it). Run once as is and once with OPENBLAS_CORETYPE=SkylakeX
# exported (both tools then get the AVX-512 kernels); the script prints which applies.
# Wall seconds depend on the load of a shared machine; CPU seconds (user + sys) are printed beside them.
# The eigendecomposition (gwasflow grm + eigen, untimed) and the data (gwasflow simulate, independent SNPs;
# the first three simulated traits, missing values set to the trait mean so every individual is analysed,
# as -d/-u require) are made once and reused.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$root/.build/release/gwasflow}
WORK=${WORK:-/tmp/gwasflow-bench-assoc}
N=${N:-5000} M=${M:-100000} REPS=${REPS:-3} GEMMA_REPS=${GEMMA_REPS:-1} PRECISION=${PRECISION:-float}
export OPENBLAS_NUM_THREADS=2
[ -x "$BIN" ] || { echo "assoc.sh: $BIN not found; run swift build -c release first" >&2; exit 1; }
mkdir -p "$WORK/out"
cd "$WORK"

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
echo "# versions: $("$BIN" --version); $(gemma 2>&1 | grep -m1 GEMMA || true)"

if [ ! -f "sim$N.bed" ]; then
  echo "# simulating $N x $M (gwasflow simulate, independent SNPs)"
  "$BIN" simulate --n "$N" --snps "$M" --chromosomes 10 --pcs 0 --ld-decay 0 --out "sim$N" --quiet > /dev/null
fi
ln -sf "sim$N.bed" g.bed; ln -sf "sim$N.bim" g.bim
awk '{ $6 = 1; print }' "sim$N.fam" > g.fam
python3 - "sim$N.pheno.tsv" > ph.txt <<'PY'
import sys, numpy as np
rows = [l.split() for l in open(sys.argv[1])][1:]
y = np.array([[float("nan") if v in ("NA", "nan") else float(v) for v in r[2:5]] for r in rows])
y = np.where(np.isnan(y), np.nanmean(y, axis=0), y)
for r in y: print(" ".join(f"{v:.8g}" for v in r))
PY
if [ ! -f out/k.eigenU.txt ]; then
  echo "# relatedness: gwasflow grm + eigen (not timed)"
  "$BIN" grm --bfile g --out out/k --threads 2 --quiet
  "$BIN" eigen --grm out/k.cXX.txt --out out/k --threads 2 --quiet
fi

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure LABEL REPS COMMAND...: runs COMMAND REPS times; sets MEDIAN (wall s), CPU (median user + sys s)
# and RSS (peak MB of the last run).
measure() {
  local label=$1 reps=$2; shift 2
  local times=() cpus=()
  for _ in $(seq "$reps"); do
    if ! /usr/bin/time -f "%e %M %U %S" -o time.txt "$@" > "out/$label.stdout" 2>&1; then
      echo "assoc.sh: $label failed:" >&2; tail -5 "out/$label.stdout" >&2; exit 1
    fi
    read -r seconds kb user sys < time.txt
    times+=("$seconds")
    cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')")
    RSS=$((kb / 1024))
  done
  MEDIAN=$(printf '%s\n' "${times[@]}" | median)
  CPU=$(printf '%s\n' "${cpus[@]}" | median)
  echo "$label: wall ${times[*]} s (median $MEDIAN); cpu ${cpus[*]} s (median $CPU); peak RSS $RSS MB; load $(cut -d' ' -f1 /proc/loadavg)"
}

# agreement OURS GEMMA: largest |Δ log10 p| over the SNPs both tables hold, and the row counts.
agreement() {
  python3 - "$1" "$2" <<'PY'
import sys, math
def read(p):
    lines = [l.rstrip("\n").split("\t") for l in open(p)]
    return {r[1]: float(r[-1]) for r in lines[1:]}
a, b = read(sys.argv[1]), read(sys.argv[2])
common = a.keys() & b.keys()
worst = max(abs(math.log10(a[k]) - math.log10(b[k])) for k in common)
print(f"agreement: {len(a)} vs {len(b)} SNPs tested, {len(common)} in common; max |dlog10 p| = {worst:.2e}")
PY
}

for mode in uni multi; do
  if [ $mode = uni ]; then cols=1; n="1"; else cols=1,2,3; n="1 2 3"; fi
  echo; echo "## $mode, $N individuals x $M SNPs (-n $n)"
  measure "gwasflow-$mode" "$REPS" "$BIN" assoc --bfile g --pheno ph.txt --columns "$cols" --eigen out/k \
    --precision "$PRECISION" --threads 2 --quiet --out "out/gf-$mode"; gf=$MEDIAN gfc=$CPU
  grep -E '^(read eigendecomposition|read genotypes|null model|multivariate null model|score tests): [0-9]' "out/gf-$mode.log" | tr '\n' ' '; echo
  # shellcheck disable=SC2086
  measure "gemma-$mode" "$GEMMA_REPS" gemma -bfile g -d out/k.eigenD.txt -u out/k.eigenU.txt -p ph.txt -n $n -lmm 3 \
    -o "gm-$mode" -outdir out; gm=$MEDIAN gmc=$CPU
  awk -v gf="$gf" -v t="$gm" -v gfc="$gfc" -v tc="$gmc" 'BEGIN { printf "gemma / gwasflow: wall %.2fx, cpu %.2fx\n", t / gf, tc / gfc }'
  agreement "out/gf-$mode.assoc.txt" "out/gm-$mode.assoc.txt"
done
