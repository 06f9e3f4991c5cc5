#!/usr/bin/env bash
# The paper's Table 1, fixed-covariance rows (issue 5): test NLL of baseline, grid and alternating
# on the 2-D maps with dependent training rows.
#
#   benchmarks/dependence_table1.sh [SEEDS] [EPOCHS] [N] [RELATEDNESS] [MAPS] [SCHEDULES] [ROUNDS]
#   (defaults 5, 30, 1000, paper, all, baseline,grid,alternating, 4; MAPS `all` or a comma list such
#   as abs,crescent; SCHEDULES a comma list; ROUNDS the number of alternating rounds)
#
# Per map and seed: G (RELATEDNESS = paper: the dense random correlation matrix of the authors'
# released code; families: nuclear families of 5), N training rows whose latent
# U ~ MN(0, 0.5 I + 0.5 G, I_2) goes through the map's generative construction (x1 = u1,
# x2 = m(u1) + sigma u2), N i.i.d. validation rows, 2,000 i.i.d. test rows. Flow: 3 rational-quadratic
# spline couplings (64-64, 16 bins, bound 5 on z-scored rows), ActNorm; Adamax lr 0.01, weight decay
# 1e-3, batch 256. Baseline: EPOCHS epochs with C = I; grid: EPOCHS epochs per lambda of the
# 13-value grid, selected by i.i.d. validation NLL; alternating: EPOCHS/2 epochs at lambda 0.9, then
# ROUNDS rounds of (exact lambda stage, EPOCHS/4 epochs). Every flow keeps its best-validation checkpoint.
# Prints one TSV row per fit (beyond-bench table1), then mean and SD over seeds per map and schedule.
# Results: docs/benchmarks/dependence.md, "Table 1".
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-5}
epochs=${2:-30}
n=${3:-1000}
relatedness=${4:-paper}
maps=${5:-all}
[ "$maps" = all ] && maps=abs,crescent,sineWave,sign,crescentCubed
schedules=${6:-baseline,grid,alternating}
rounds=${7:-4}
out=${TABLE1_OUT:-${TMPDIR:-/tmp}/dependence-table1}
mkdir -p "$out"
swift build -c release --product beyond-bench
bin=.build/release/beyond-bench
echo "machine: $(nproc) cores, $(uname -m); load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)" | tee "$out/machine.txt"
echo "command: $0 $seeds $epochs $n $relatedness $maps $schedules $rounds" | tee -a "$out/machine.txt"
start=$(date +%s)
"$bin" table1 "$seeds" "$epochs" "$n" "$relatedness" "$maps" "$schedules" "$rounds" | tee "$out/table1.tsv"
echo "wall: $(( $(date +%s) - start )) s" | tee -a "$out/machine.txt"
# Mean and SD over seeds of the test NLL (and of lambda-hat) per map and schedule.
{ printf "map\tschedule\tseeds\ttest_nll_mean\ttest_nll_sd\ttrue_nll_mean\tlambda_hat_mean\n"
awk -F'\t' 'NR > 1 { k = $1 "\t" $2; n[k]++; s[k] += $5; q[k] += $5 * $5; t[k] += $6
    if ($4 != "NA") { l[k] += $4; m[k]++ } }
  END { for (k in n) { a = s[k] / n[k]; v = n[k] > 1 ? (q[k] - n[k] * a * a) / (n[k] - 1) : 0
          printf "%s\t%d\t%.3f\t%.3f\t%.3f\t%s\n", k, n[k], a, sqrt(v > 0 ? v : 0), t[k] / n[k],
                 m[k] ? sprintf("%.3f", l[k] / m[k]) : "NA" } }' "$out/table1.tsv" | sort; } | tee "$out/summary.tsv"
# Paired by seed (same G, data and initial weights): test NLL minus baseline's, mean and SD over
# seeds, and the number of seeds where the schedule beat baseline (only when baseline was run).
{ printf "map\tschedule\tseeds\tminus_baseline_mean\tminus_baseline_sd\twins\n"
awk -F'\t' 'NR > 1 { v[$1 "\t" $3 "\t" $2] = $5; if ($2 != "baseline") pair[$1 "\t" $2 "\t" $3] = 1 }
  END { for (p in pair) { split(p, f, "\t"); if (!((f[1] "\t" f[3] "\tbaseline") in v)) continue; d = v[f[1] "\t" f[3] "\t" f[2]] - v[f[1] "\t" f[3] "\tbaseline"]
          k = f[1] "\t" f[2]; n[k]++; s[k] += d; q[k] += d * d; w[k] += d < 0 }
        for (k in n) { a = s[k] / n[k]; x = n[k] > 1 ? (q[k] - n[k] * a * a) / (n[k] - 1) : 0
          printf "%s\t%d\t%+.3f\t%.3f\t%d/%d\n", k, n[k], a, sqrt(x > 0 ? x : 0), w[k], n[k] } }' "$out/table1.tsv" | sort
} | tee "$out/paired.tsv"
