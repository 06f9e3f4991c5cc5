#!/usr/bin/env bash
# Power on simulated non-Gaussian traits with known causal SNPs (issue 6): `gwasflow compare --truth`
# (Single / Baseline flow + mvLMM / Alternating flow + mvLMM) on one simulated cohort per seed.
#
#   benchmarks/power.sh [SEED...]          (default seeds 1 2 3 4 5; from anywhere, after swift build -c release)
#
# Per seed: gwasflow simulate (settings below) -> gwasflow grm (GEMMA -gk 1) -> gwasflow compare --truth
# with the defaults (Baseline 250 epochs; Alternating 100 + 4 x 25 epochs; 16 couplings; loci p1 = 0.05 /
# tested SNPs, r2 0.1, 250 kb; a locus is true when a causal SNP lies within 250 kb of its index SNP).
# Prints one row per seed (loci, true loci, false loci per arm; lambda_GC; the Alternating flow's final
# lambda against the simulation's truth, see below; wall and CPU seconds of the seed; the checkpoint
# Alternating kept) and mean +- sd over the seeds; writes them to
# $WORK/power.tsv and $WORK/power.summary.tsv. Each step's files and logs stay under $WORK/seedS/.
# Settings (environment; defaults chosen before the seeds 1-5 were run, on pilot seed 101):
#   N=1500 individuals, M=10000 SNPs on CHROMOSOMES=5, TRAITS=4 (the simulator's hormonal maps: TSH
#   log-normal, FT4 crescent on TSH, T3 heavy-tailed, cortisol heteroscedastic on TSH), CAUSAL=8 causal
#   SNPs per trait of which SHARED=4 act on two traits (28 causal SNPs), latent variance CAUSAL_VAR=0.16
#   per trait (0.02 per causal SNP), POLYGENIC=0.3, RELATED=0.8 of individuals in families (family
#   environment 0.05, residual 0.49: latent h2 0.46, so lambda = 1 - h2 = 0.54). COMPARE_ARGS is appended to
#   the compare command (e.g. "--epochs 20 --initial-epochs 10 --round-epochs 5" for a quick smoke run).
# Run it niced in the background on a shared machine, e.g.
#   nice -n 10 benchmarks/power.sh > /tmp/power.out 2>&1 &
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$root/.build/release/gwasflow}
WORK=${WORK:-/tmp/gwasflow-bench-power}
N=${N:-1500} M=${M:-10000} CHROMOSOMES=${CHROMOSOMES:-5} TRAITS=${TRAITS:-4}
CAUSAL=${CAUSAL:-8} SHARED=${SHARED:-4} CAUSAL_VAR=${CAUSAL_VAR:-0.16} POLYGENIC=${POLYGENIC:-0.3} RELATED=${RELATED:-0.8}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2}
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5)
[ -x "$BIN" ] || { echo "power.sh: $BIN not found; run swift build -c release first" >&2; exit 1; }
mkdir -p "$WORK"
cd "$WORK"

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# $("$BIN" --version); $(date -u +%FT%TZ); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# compare defaults${COMPARE_ARGS:+ plus $COMPARE_ARGS}; simulate --n $N --snps $M --chromosomes $CHROMOSOMES --traits $TRAITS --causal-per-trait $CAUSAL --shared-causal $SHARED --causal-variance $CAUSAL_VAR --polygenic $POLYGENIC --related-fraction $RELATED; seeds ${seeds[*]}"

header="seed\tcausal\tsingle_loci\tsingle_true\tsingle_false\tbaseline_loci\tbaseline_true\tbaseline_false\talternating_loci\talternating_true\talternating_false\tsingle_lgc\tbaseline_lgc\talternating_lgc\tlambda_hat\tlambda_iid\tlambda_h2\tseconds\tcpu_seconds\talternating_kept"
printf "$header\n" > power.tsv
for seed in "${seeds[@]}"; do
  d=seed$seed
  mkdir -p "$d"
  start=$(date +%s)
  rm -f "$d/time.txt"
  timed() { /usr/bin/time -a -o "$d/time.txt" -f "%U %S" "$@"; }
  timed "$BIN" simulate --n "$N" --snps "$M" --chromosomes "$CHROMOSOMES" --traits "$TRAITS" --causal-per-trait "$CAUSAL" \
    --shared-causal "$SHARED" --causal-variance "$CAUSAL_VAR" --polygenic "$POLYGENIC" --related-fraction "$RELATED" \
    --pcs 0 --seed "$seed" --out "$d/sim" --quiet > /dev/null
  timed "$BIN" grm --bfile "$d/sim" --out "$d/grm" --quiet > /dev/null
  timed "$BIN" compare --bfile "$d/sim" --pheno "$d/sim.pheno.tsv" --covar "$d/sim.covar.tsv" --grm "$d/grm.cXX.txt" \
    --truth "$d/sim.truth.tsv" --seed "$seed" --out "$d/cmp" --quiet ${COMPARE_ARGS:-} > "$d/compare.stdout"
  seconds=$(( $(date +%s) - start ))
  cpu=$(awk '{ s += $1 + $2 } END { printf "%.0f", s }' "$d/time.txt")
  causal=$(( $(wc -l < "$d/sim.truth.tsv") - 1 ))
  # The Alternating flow's lambda after its last lambda stage, against two readings of the truth (means over
  # traits): lambda_iid = residual / (polygenic + causal + family + residual), the share of latent variance that
  # is i.i.d., and lambda_h2 = 1 - h2. The family environment is shared by relatives (so it looks like
  # relatedness to C = lambda I + (1 - lambda) G) but is not shaped like G; the fitted lambda should lie
  # near or between the two.
  lambda_hat=$(awk -F'\t' '$1 ~ /^lambda/ { v = $2 } END { printf "%.4f", v }' "$d/cmp.alternating.lambda.tsv")
  lambda_true=$(awk -F'\t' 'NR == 1 { for (k = 1; k <= NF; k++) c[$k] = k; next }
    { v = $c["polygenic"] + $c["causal"] + $c["family"] + $c["residual"]; i += $c["residual"] / v; h += 1 - $c["heritability"]; n++ }
    END { printf "%.4f\t%.4f", i / n, h / n }' "$d/sim.truth.variance.tsv")
  row=$(awk -F'\t' 'NR > 1 { m[$1] = $2 "\t" $5 "\t" $6; l[$1] = $3 }
    END { print m["single"] "\t" m["baseline"] "\t" m["alternating"] "\t" l["single"] "\t" l["baseline"] "\t" l["alternating"] }' "$d/cmp.compare.tsv")
  # An independent recount of true and false loci from each arm's loci table and the truth file
  # (power_count.awk); it must agree with compare's own counts.
  for arm in single baseline alternating; do
    mine=$(awk -F'\t' -f "$root/benchmarks/power_count.awk" "$d/sim.truth.tsv" "$d/cmp.$arm.loci.tsv")
    theirs=$(awk -F'\t' -v a="$arm" '$1 == a { printf "%s\t%s", $5, $6 }' "$d/cmp.compare.tsv")
    [ "$mine" = "$theirs" ] || { echo "power.sh: seed $seed $arm: compare counts true/false $theirs, the recount $mine" >&2; exit 1; }
  done
  # The checkpoint Alternating kept (best i.i.d. validation NLL over its stages: stage0 or flow1-4).
  kept=$(sed -n 's/^selected checkpoint: //p' "$d/cmp.log" | tail -n 1)
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$seed" "$causal" "$row" "$lambda_hat" "$lambda_true" "$seconds" "$cpu" "$kept" >> power.tsv
  tail -n 1 power.tsv
done

# Mean and sd (n - 1) of every numeric column over the seeds (all but the first and the last).
awk -F'\t' 'NR == 1 { for (k = 2; k < NF; k++) name[k] = $k; cols = NF - 1; next }
  { n++; for (k = 2; k <= cols; k++) { s[k] += $k; q[k] += $k * $k } }
  END { print "column\tmean\tsd\tseeds"
        for (k = 2; k <= cols; k++) { m = s[k] / n; v = n > 1 ? (q[k] - n * m * m) / (n - 1) : 0
          printf "%s\t%.3f\t%.3f\t%d\n", name[k], m, sqrt(v > 0 ? v : 0), n } }' power.tsv > power.summary.tsv
echo
cat power.tsv
echo
cat power.summary.tsv
