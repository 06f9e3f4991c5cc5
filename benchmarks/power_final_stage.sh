#!/usr/bin/env bash
# Follow-up of benchmarks/power.sh (issue 6): the two flow arms again on the same simulated cohorts, with no
# validation hold-out (normalize --validation-fraction 0), so every flow is trained on all individuals and
# the flow of the LAST stage is kept (compare holds out 15% and keeps the stage with the best i.i.d.
# validation NLL, which for Alternating can be stage 0, trained at λ = 0.9 before any λ stage).
#
#   benchmarks/power_final_stage.sh [SEED...]     (default 1 2 3 4 5; run benchmarks/power.sh first)
#
# Per seed, in $WORK/seedS (the same WORK as power.sh): normalize (compare's defaults otherwise) -> assoc
# (multivariate LMM, all traits; PREFIX.mv.*) -> loci (defaults; PREFIX.mv.clump.*) for baseline and alternating; true and false loci from
# power_count.awk. Prints one row per seed and writes $WORK/final_stage.tsv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$root/.build/release/gwasflow}
WORK=${WORK:-/tmp/gwasflow-bench-power}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2}
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5)
cd "$WORK"
printf "seed\tbaseline_loci\tbaseline_true\tbaseline_false\talternating_loci\talternating_true\talternating_false\tlambda_final\n" > final_stage.tsv
for seed in "${seeds[@]}"; do
  d=seed$seed
  [ -f "$d/grm.cXX.txt" ] || { echo "power_final_stage.sh: $WORK/$d has no grm.cXX.txt; run benchmarks/power.sh $seed first" >&2; exit 1; }
  row=$seed
  for kind in baseline alternating; do
    q=$d/final.$kind
    "$BIN" normalize --pheno "$d/sim.pheno.tsv" --bfile "$d/sim" --covar "$d/sim.covar.tsv" --grm "$d/grm.cXX.txt" \
      --schedule "$kind" --validation-fraction 0 --seed "$seed" --out "$q" --quiet > /dev/null
    "$BIN" assoc --bfile "$d/sim" --pheno "$q.pheno.txt" --grm "$d/grm.cXX.txt" --out "$q.mv" --quiet > /dev/null
    "$BIN" loci --assoc "$q.mv.assoc.txt" --bfile "$d/sim" --out "$q.mv.clump" --quiet > /dev/null
    loci=$q.mv.clump.loci.tsv
    row+=$'\t'$(( $(wc -l < "$loci") - 1 ))$'\t'$(awk -F'\t' -f "$root/benchmarks/power_count.awk" "$d/sim.truth.tsv" "$loci")
  done
  row+=$'\t'$(awk -F'\t' '$1 ~ /^lambda/ { v = $2 } END { printf "%.4f", v }' "$d/final.alternating.lambda.tsv")
  kept=$(sed -n 's/^selected checkpoint: //p' "$d/final.alternating.log")
  [ "$kept" = flow4 ] || { echo "power_final_stage.sh: seed $seed kept $kept, expected the last stage (flow4)" >&2; exit 1; }
  echo "$row" | tee -a final_stage.tsv
done
