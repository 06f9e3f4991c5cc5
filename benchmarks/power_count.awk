# True and false loci of one arm, recounted from the simulator's truth file and a `gwasflow loci`
# table, independently of `gwasflow compare` (used by benchmarks/power*.sh):
#   awk -F'\t' -f benchmarks/power_count.awk TRUTH.tsv ARM.loci.tsv     -> "true<TAB>false"
# A causal SNP (truth: chr in column 1, ps in column 3) is found when a locus index SNP (loci table: chr in
# column 3, position in column 4) on its chromosome lies within 250 kb; a locus is false when no causal
# SNP does.
NR == FNR { if (FNR > 1) { n++; c[n] = $1; p[n] = $3 } next }
FNR > 1 { m++; lc[m] = $3; lp[m] = $4 }
END {
  for (k = 1; k <= n; k++) for (j = 1; j <= m; j++) if (lc[j] == c[k] && (lp[j] - p[k]) ^ 2 <= 250000 ^ 2) { t++; break }
  for (j = 1; j <= m; j++) {
    near = 0
    for (k = 1; k <= n; k++) if (lc[j] == c[k] && (lp[j] - p[k]) ^ 2 <= 250000 ^ 2) near = 1
    f += !near
  }
  printf "%d\t%d", t, f
}
