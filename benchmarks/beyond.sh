#!/usr/bin/env bash
# Localised generative flows and marginalizing flows against a plain affine flow (issue 8).
#
#   benchmarks/beyond.sh [SEEDS] [EPOCHS] [K] [DEPENDENT_SEEDS] [DEPENDENT_EPOCHS]   (defaults 5, 30, 4, 2 and 40)
#
# Part 1 (iid, one process per seed in parallel): plain affine flow (8 couplings, 32-32, ActNorm, alternating
# halves) vs LGF in the paper's form (4 layers x (2 plain affine couplings, then exp(s(u)) * . + t(u)), u in R^2;
# "lgf-shift") vs marginalizing flow (B = 2, 8 couplings on R^4), the latter two at the parameter count closest
# to the plain flow's (every coupling's output layer starts small, not zero) and trained on the K-draw
# importance-weighted bound; two disjoint rectangles and two moons; 1,000 training, 500 validation (best
# epoch kept), 500 test rows per seed; Adamax lr 0.02, batch 64, no weight decay; held-out NLL exact for the
# plain flow, importance-sampled with S = 256 for LGF and marginal, +- its standard error across test rows.
# Part 2 (dependent): the paper's 2-D maps with training rows U ~ MN(0, 0.3 I + 0.7 G, I) (nuclear families
# of 5, n = 1,000) pushed through each map; LGF and marginal trained i.i.d. vs with the alternating
# lambda schedule on the base latent (same total epochs, lambda stages over 4 noise draws); held-out NLL
# on 1,000 i.i.d. rows of the map (S = 128) next to the true NLL of those rows.
# Results: docs/benchmarks/beyond.md (tables written from the TSVs this script prints).
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-5}
epochs=${2:-30}
k=${3:-4}
dependent_seeds=${4:-2}
dependent_epochs=${5:-40}
out=${BEYOND_OUT:-${TMPDIR:-/tmp}/beyond-bench}
mkdir -p "$out"
swift build -c release --product beyond-bench
bin=.build/release/beyond-bench
echo "machine: $(nproc) cores, $(uname -m); $(date -u +%FT%TZ)" | tee "$out/machine.txt"
for s in $(seq 1 "$seeds"); do
  "$bin" iid "$seeds" "$epochs" "$k" "$s" affine,lgf-shift,marginal > "$out/iid.seed$s.tsv" &
done
wait
{ head -n 1 "$out/iid.seed1.tsv"; for s in $(seq 1 "$seeds"); do tail -n +2 "$out/iid.seed$s.tsv"; done; } | tee "$out/iid.tsv"
# Mean and SD over seeds of the held-out NLL per target and model.
awk -F'\t' 'NR > 1 { k = $1 " " $2; n[k]++; s[k] += $5; q[k] += $5 * $5; p[k] = $4 }
  END { for (k in n) { m = s[k] / n[k]; printf "%s\t%d params\tmean %.4f\tsd %.4f\t(%d seeds)\n", k, p[k], m, sqrt((q[k] - n[k] * m * m) / (n[k] > 1 ? n[k] - 1 : 1)), n[k] } }' \
  "$out/iid.tsv" | sort | tee "$out/iid.summary.txt"
"$bin" dependent "$dependent_seeds" "$dependent_epochs" | tee "$out/dependent.tsv"
