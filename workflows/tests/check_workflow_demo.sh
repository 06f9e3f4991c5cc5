#!/bin/sh
# Checks a finished workflow run (make workflow-demo): the report exists and is a full HTML page,
# and every trait group's comparison table has exactly one row per arm (single, baseline,
# alternating), each with a locus count. Usage: check_workflow_demo.sh OUTDIR
set -eu
out=${1:?usage: check_workflow_demo.sh OUTDIR}
fail() { echo "check_workflow_demo: $*" >&2; exit 1; }

[ -s "$out/report.html" ] || fail "$out/report.html is missing or empty"
grep -q '</html>' "$out/report.html" || fail "$out/report.html is not a complete page"
grep -q '<svg class="plot"' "$out/report.html" || fail "$out/report.html has no plots"

tables=$(find "$out" -name '*.compare.tsv' -not -path '*/logs/*' | sort)
[ -n "$tables" ] || fail "no *.compare.tsv under $out"
for table in $tables; do
    # Header names the columns; find `method` and `loci` by name.
    awk -F'\t' -v table="$table" '
        NR == 1 {
            for (i = 1; i <= NF; i++) { name = tolower($i); sub(/^#/, "", name); column[name] = i }
            if (!("method" in column) || !("loci" in column)) { print table ": header lacks method or loci: " $0; bad = 1; exit }
            next
        }
        NF > 0 {
            arm = tolower($column["method"]); rows[arm]++; total++
            if ($column["loci"] !~ /^[0-9]+$/) { print table ": arm " arm " has loci \"" $column["loci"] "\", not a count"; bad = 1 }
        }
        END {
            if (bad) exit 1
            n = split("single baseline alternating", arms, " ")
            for (k = 1; k <= n; k++) if (rows[arms[k]] != 1) { print table ": " rows[arms[k]] + 0 " rows for arm " arms[k] ", expected 1"; exit 1 }
            if (total != n) { print table ": " total " rows, expected " n " (one per arm)"; exit 1 }
        }' "$table" || fail "bad comparison table $table"
    echo "check_workflow_demo: $table has one row per arm"
done
echo "check_workflow_demo: $out/report.html written; all comparison tables complete"
