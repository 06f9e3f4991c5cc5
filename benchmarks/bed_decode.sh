#!/usr/bin/env bash
# .bed decoding benchmark (issue 2): decode every SNP block of an N x M .bed (default 5,000 x 100,000,
# 125 MB) with `gwasflow decode-benchmark` (one thread, blocks of 1, 16 and 256 SNPs into a Float
# buffer), and run `plink2 --freq --threads 1` on the same file; medians of REPS runs and the ratio.
# The machine may be shared, so besides wall seconds every figure has CPU seconds (user + sys for a
# process, the decoding thread's own CPU time for a pass): GB/s per core = .bed bytes / CPU seconds.
# Usage: benchmarks/bed_decode.sh   (from the repository root, after `swift build -c release`)
# Settings (environment): WORK (scratch folder, default /tmp/gwasflow-bench-bed), N, M, REPS (default 5).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$root/.build/release/gwasflow}
WORK=${WORK:-/tmp/gwasflow-bench-bed}
N=${N:-5000} M=${M:-100000} REPS=${REPS:-5}
[ -x "$BIN" ] || { echo "bed_decode.sh: $BIN not found; run swift build -c release first" >&2; exit 1; }
mkdir -p "$WORK/out"
cd "$WORK"

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# versions: $("$BIN" --version); $(plink2 --version | head -1)"
if [ ! -f "sim$N.bed" ]; then
  echo "# simulating $N x $M (gwasflow simulate, independent SNPs)"
  "$BIN" simulate --n "$N" --snps "$M" --chromosomes 10 --pcs 0 --ld-decay 0 --out "sim$N" --quiet > /dev/null
fi
bytes=$(stat -L -c %s "sim$N.bed")
cat "sim$N.bed" > /dev/null   # into the page cache, for every tool alike
echo "# .bed: $bytes bytes"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure LABEL COMMAND...: REPS runs; sets WALL and CPU (medians, seconds) and prints them.
measure() {
  local label=$1; shift
  local walls=() cpus=()
  for _ in $(seq "$REPS"); do
    if ! /usr/bin/time -f "%e %U %S" -o time.txt "$@" > "out/$label.stdout" 2>&1; then
      echo "bed_decode.sh: $label failed:" >&2; tail -5 "out/$label.stdout" >&2; exit 1
    fi
    read -r wall user sys < time.txt
    walls+=("$wall"); cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')")
  done
  WALL=$(printf '%s\n' "${walls[@]}" | median); CPU=$(printf '%s\n' "${cpus[@]}" | median)
  echo "$label: wall ${walls[*]} s (median $WALL); cpu ${cpus[*]} s (median $CPU)"
}

echo; echo "## decode passes inside one process (file opened once), $REPS passes each"
for block in 1 16 256; do
  "$BIN" decode-benchmark --bfile "sim$N" --passes "$REPS" --block-snps "$block" --threads 1 > "out/pass$block.txt"
  awk -v b="$block" -F': ' '/^median cpu seconds/ { c = $2 } /^median wall seconds/ { w = $2 } /^median GB\/s per core/ { g = $2 }
    END { printf "block %s SNPs: median pass %s s cpu, %s s wall; %s GB/s of .bed per core\n", b, c, w, g }' "out/pass$block.txt"
done

echo; echo "## whole processes, $REPS runs each: open .bed/.bim/.fam and go through every SNP once"
measure gwasflow "$BIN" decode-benchmark --bfile "sim$N" --passes 1 --block-snps 16 --threads 1; gw=$WALL; gc=$CPU
measure plink2-freq plink2 --bfile "sim$N" --freq --threads 1 --out out/p2; pw=$WALL; pc=$CPU
awk -v gw="$gw" -v gc="$gc" -v pw="$pw" -v pc="$pc" -v b="$bytes" 'BEGIN {
  printf "gwasflow: %.2f GB/s per cpu second, %.2f GB/s wall\n", b / gc / 1e9, b / gw / 1e9
  printf "plink2 --freq: %.2f GB/s per cpu second, %.2f GB/s wall\n", b / pc / 1e9, b / pw / 1e9
  printf "plink2 / gwasflow: %.2fx cpu, %.2fx wall\n", pc / gc, pw / gw }'
