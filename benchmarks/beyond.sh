#!/usr/bin/env bash
# Localised generative flows and marginalizing flows (issue 8): docs/benchmarks/beyond.md.
#
#   benchmarks/beyond.sh iid [SEEDS] [EPOCHS] [ROWS] [K] [MODELS] [MODELS_2X] [TEST_ROWS] [TARGETS]
#                 (defaults 5, 100, 5000, 4, affine,lgf-shift,marginal-iq, MODELS; "" for none, 500, rectangles,moons)
#   benchmarks/beyond.sh table1 [SEEDS] [EPOCHS] [MODELS] [TRAININGS] [BATCH]
#                                   (defaults 3, 40, lgf-shift,marginal-iq, iid,corrected,oracle,grid, 128)
#   benchmarks/beyond.sh batch [SEEDS] [MODELS] [TRAININGS]     (defaults 3, lgf, iid,oracle)
#
# Every part runs with the learning-rate warm-up off (BEYOND_WARMUP=0: with the 50-step warm-up the
# marginalizing flows stayed at the Gaussian fit of the rectangles) and single-threaded BLAS, two
# processes at a time under `nice -n 10`; TSVs go to ${BEYOND_OUT:-${TMPDIR:-/tmp}/beyond-bench}.
#
# iid: two disjoint rectangles and two moons; ROWS training rows, 500 validation rows (best epoch kept,
#   IS with S = 8), 500 test rows per seed; Adamax lr 0.02, batch 128, EPOCHS epochs for every model;
#   affine = 8 x (affine coupling 32-32, ActNorm, swap), 9,520 parameters; lgf-shift = LGF in the
#   paper's form (4 layers x (2 couplings, then exp(s(u)) * . + t(u)), u in R^2); marginal-iq = B = 2,
#   8 couplings on R^4 with the interleaved layout and a learned proposal q(eps | x); marginal = the same
#   with random permutations and the N(0, I) proposal; widths matched to the plain flow's parameter count;
#   latent models trained on the K-draw importance-weighted bound, test NLL importance-sampled (S = 256).
#   TEST_ROWS test rows per seed (drawn after the training and validation rows, so the same for every
#   model of a seed); each fit's per-row test NLL goes to $out/rows.eEPOCHS/, and iid.paired.txt has every
#   model's difference to the plain flow (affine, when run), paired on the rows: per seed the mean and its
#   SE over the test rows, then the mean over seeds with its SE (sd / sqrt(seeds)) and the seeds won.
#   Every model is run at EPOCHS, and the MODELS_2X (default: all) again at 2 x EPOCHS (the plain flow
#   converges slowly). lgf-paper = LGF in the authors' 2-D form (one u-indexed affine map with u in R^1 and
#   its own p, q after each of 8 couplings, heads 2 x 10, the u side at PyTorch's initial scale). Runs of
#   different K can share BEYOND_OUT: the summary covers every TSV there.
# table1: the paper's Table 1 setting (dense random G, lambda = 0.5, n = 1,000 training and 1,000
#   validation rows, 2,000 test rows, all five 2-D maps): i.i.d. vs corrected (alternating lambda
#   schedule, EPOCHS/4 epochs at 0.9 then 3 x (lambda stage, EPOCHS/4 epochs)) vs oracle (true lambda)
#   vs grid (one fit per lambda in {0.2, 0.35, 0.5, 0.65, 0.8, 1}, the best validation NLL kept),
#   ELBO, lr 0.01, widths 24; test NLL with S = 64 (beyond-bench table1-latent). BEYOND_ROUNDS=R and
#   BEYOND_DRAWS=N change the alternating arm's rounds (same total epochs) and λ-stage noise draws;
#   BEYOND_STAGES=1 logs each fit's λ path and per-epoch validation NLL on stderr.
# batch: nuclear families (n = 1,000, lambda = 0.3) as in `beyond-bench dependent`: i.i.d. vs the eq. (2)
#   objective at the true lambda with batches of 128 for 40 epochs and of 1,000 (the exact objective)
#   for 320 epochs (the same 320 steps); test NLL on 1,000 i.i.d. rows, S = 128.
set -euo pipefail
cd "$(dirname "$0")/.."
part=${1:-iid}
out=${BEYOND_OUT:-${TMPDIR:-/tmp}/beyond-bench}
mkdir -p "$out"
swift build -c release --product beyond-bench
bin=$PWD/.build/release/beyond-bench
export BEYOND_WARMUP=0 OPENBLAS_NUM_THREADS=1 BIN=$bin OUT=$out
echo "machine: $(nproc) cores, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)" | tee "$out/$part.machine.txt"
case $part in
iid)
  seeds=${2:-5}; epochs=${3:-100}; rows=${4:-5000}; k=${5:-4}; models=${6:-affine,lgf-shift,marginal-iq}; twice=${7-$models}
  tests=${8:-500}; targets=${9:-rectangles,moons}; lengths="$epochs${twice:+ $((2 * epochs))}"
  export EPOCHS=$epochs ROWS=$rows K=$k MODELS=$models SEEDS=$seeds TESTS=$tests TARGETS=$targets
  # One process per seed and model, at EPOCHS and (MODELS_2X) at 2 x EPOCHS.
  { for s in $(seq 1 "$seeds"); do for m in ${models//,/ }; do echo "$epochs $s $m"; done; done
    for s in $(seq 1 "$seeds"); do for m in ${twice//,/ }; do echo "$((2 * epochs)) $s $m"; done; done; } |
    xargs -P 2 -L 1 sh -c 'mkdir -p "$OUT/rows.e$0" && BEYOND_ROWS="$OUT/rows.e$0" nice -n 10 "$BIN" iid "$SEEDS" "$0" "$K" "$1" "$2" "$ROWS" 128 \
      "$TARGETS" "$TESTS" > "$OUT/iid.e$0.$2.seed$1.tsv"'
  for e in $lengths; do
    { echo -e "target\tmodel\tseed\tparameters\ttest_nll\ttest_nll_se\ttrue_nll\tseconds\texcess_se\ttrain_nll\ttrain_true_nll"
      tail -q -n +2 "$out"/iid.e$e.*.seed*.tsv | sort -k1,1r -k2,2 -k3,3n; } > "$out/iid.e$e.tsv"
  done
  # Mean and SD over seeds of the held-out NLL per target, model and epochs.
  for e in $lengths; do
    awk -F'\t' -v e="$e" 'NR > 1 { k = $1 " " $2 " " e " epochs"; n[k]++; s[k] += $5; q[k] += $5 * $5; p[k] = $4 }
      END { for (k in n) { m = s[k] / n[k]; printf "%s\t%d params\tmean %.4f\tsd %.4f\t(%d seeds)\n", k, p[k], m, sqrt((q[k] - n[k] * m * m) / (n[k] > 1 ? n[k] - 1 : 1)), n[k] } }' \
      "$out/iid.e$e.tsv"
  done | sort | tee "$out/iid.summary.txt"
  # Each model minus the plain flow, paired on the same test rows of a seed.
  for e in $lengths; do
    for t in rectangles moons; do for m in ${models//,/ }; do
      [ "$m" = affine ] && continue
      for s in $(seq 1 "$seeds"); do
        a="$out/rows.e$e/$t.affine.seed$s.rows" b="$out/rows.e$e/$t.$m.seed$s.rows"
        [ -f "$a" ] && [ -f "$b" ] && paste "$b" "$a" | awk -v s="$s" '{ d = $1 - $2; n++; m += d; q += d * d }
          END { m /= n; printf "%s %.4f %.4f\n", s, m, sqrt((q - n * m * m) / (n - 1) / n) }'
      done | awk -v k="$t, $e epochs: $m" '{ n++; m += $2; q += $2 * $2; w += ($2 < 0); d = d sprintf(" %+.4f (%.4f)", $2, $3) }
        END { if (n) { m /= n; printf "%s - affine, per seed (SE over rows):%s; mean %+.4f, SE over seeds %.4f, won %d/%d\n",
              k, d, m, (n > 1 ? sqrt((q - n * m * m) / (n - 1) / n) : 0), w, n } }'
    done; done
  done | tee "$out/iid.paired.txt"
  ;;
table1)
  seeds=${2:-3}; epochs=${3:-40}; models=${4:-lgf-shift,marginal-iq}; trainings=${5:-iid,corrected,oracle,grid}; batch=${6:-128}
  export SEEDS=$seeds EPOCHS=$epochs MODELS=$models TRAININGS=$trainings BATCH=$batch
  # One process per map and seed, two at a time.
  for m in abs crescent sineWave sign crescentCubed; do for s in $(seq 1 "$seeds"); do echo "$m $s"; done; done |
    xargs -P 2 -L 1 sh -c \
    'nice -n 10 "$BIN" table1-latent "$1-$1" "$EPOCHS" 1000 "$0" "$MODELS" "$TRAININGS" "$BATCH" > "$OUT/table1.$0.seed$1.tsv"'
  { echo -e "map\tmodel\ttraining\tseed\tlambda_hat\ttest_nll\ttest_nll_se\ttrue_nll\tseconds"
    for m in abs crescent sineWave sign crescentCubed; do tail -q -n +2 "$out"/table1.$m.seed*.tsv; done; } | tee "$out/table1.tsv"
  ;;
batch)
  seeds=${2:-3}; models=${3:-lgf}; trainings=${4:-iid,oracle}
  export SEEDS=$seeds MODELS=$models TRAININGS=$trainings
  printf '%s\n' "40 128" "320 1000" | xargs -P 2 -L 1 sh -c \
    'nice -n 10 "$BIN" dependent "$SEEDS" "$0" abs,crescent,sineWave,sign,crescentCubed "$MODELS" "$TRAININGS" "$1" > "$OUT/batch.$1.tsv"'
  tail -n +1 "$out"/batch.128.tsv "$out"/batch.1000.tsv
  ;;
*) echo "usage: benchmarks/beyond.sh iid|table1|batch [...]" >&2; exit 2 ;;
esac
