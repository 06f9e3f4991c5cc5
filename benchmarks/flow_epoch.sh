#!/usr/bin/env bash
# Seconds per training epoch of the paper's GWAS flow (16 affine couplings, 128-128 MLPs,
# ActNorm, batch 256, Adamax) on n = 10,000 individuals, p = 4 traits:
# `gwasflow density` (release build) against the same model in plain PyTorch when `torch`
# imports. Runs alternate (gwasflow, torch, gwasflow, …) so that machine load hits both alike.
#
#   benchmarks/flow_epoch.sh [REPEATS=3] [EPOCHS=7] [THREADS=2]
#   PYTHON=/path/to/python benchmarks/flow_epoch.sh      # a python with torch
#   GWASFLOW=.build/release/gwasflow benchmarks/flow_epoch.sh   # an existing build
#   OPENBLAS_CORETYPE=SkylakeX benchmarks/flow_epoch.sh   # where OpenBLAS misdetects the CPU
#                                                         # (OPENBLAS_VERBOSE=2 prints "Core: Prescott")
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}; epochs=${2:-7}; threads=${3:-2}
python=${PYTHON:-python3}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
if [ -n "${GWASFLOW:-}" ]; then bin=$GWASFLOW; else
  swift build -c release --product gwasflow >/dev/null
  bin=$(swift build -c release --show-bin-path)/gwasflow
fi

# n = 10,000, p = 4: a crescent in the first two traits, Gaussian noise in the others.
awk 'BEGIN { srand(7); print "FID IID t1 t2 t3 t4";
  for (i = 1; i <= 10000; i++) {
    for (k = 1; k <= 4; k++) { u = rand(); v = rand(); e[k] = sqrt(-2 * log(1 - u)) * cos(6.283185307179586 * v) }
    printf "f%d i%d %.6f %.6f %.6f %.6f\n", i, i, e[1], 0.5 * e[1] * e[1] + 0.5 * e[2], e[3], e[4] } }' > "$work/traits.txt"

have_torch=0
if "$python" -c 'import torch' 2>/dev/null; then have_torch=1; fi
ours=(); ours_cpu=(); theirs=(); theirs_cpu=()
for r in $(seq "$repeats"); do
  "$bin" density --pheno "$work/traits.txt" --model affine --layers 16 --hidden 128,128 --batch 256 \
    --epochs "$epochs" --validation 0 --threads "$threads" --quiet --out "$work/run$r" >/dev/null
  ours+=("$(awk '$1 == "seconds_per_epoch" { print $2 }' "$work/run$r.metrics.tsv")")
  ours_cpu+=("$(awk '$1 == "cpu_seconds_per_epoch" { print $2 }' "$work/run$r.metrics.tsv")")
  if [ "$have_torch" = 1 ]; then
    line=$(OMP_NUM_THREADS=$threads "$python" benchmarks/flow_epoch_torch.py 10000 4 "$epochs" "$threads" 2>/dev/null | tail -1)
    theirs+=("$(echo "$line" | awk '{ print $4 }')")
    theirs_cpu+=("$(echo "$line" | awk '{ print $6 }')")
  fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
m_ours=$(median "${ours[@]}"); c_ours=$(median "${ours_cpu[@]}")
echo "machine: $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2 }'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), threads $threads, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
echo "gwasflow density: per-run median s/epoch: ${ours[*]}; median $m_ours s wall, $c_ours s CPU"
if [ "$have_torch" = 1 ]; then
  m_theirs=$(median "${theirs[@]}"); c_theirs=$(median "${theirs_cpu[@]}")
  echo "pytorch $("$python" -c 'import torch; print(torch.__version__)' 2>/dev/null): per-run median s/epoch: ${theirs[*]}; median $m_theirs s wall, $c_theirs s CPU"
  awk -v a="$m_ours" -v b="$m_theirs" -v c="$c_ours" -v d="$c_theirs" \
    'BEGIN { printf "ratio pytorch / gwasflow: %.2f wall, %.2f CPU\n", b / a, d / c }'
else
  echo "pytorch: not importable with $python (pip install torch --index-url https://download.pytorch.org/whl/cpu)"
fi
