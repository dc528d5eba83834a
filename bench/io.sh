#!/bin/sh
# Reader and export benchmark: the Brown corpus as JSONL x10 (~62 MB, 5,000
# records, bench/fetch.sh brown-jsonl) read and written back, with no
# analysis steps, so the numbers are the I/O layer's own cost:
#   export.yaml   read JSONL -> export JSONL
#   clean.yaml    read JSONL -> clean (NFC, whitespace, drop_lines, dedupe) -> JSONL
#   csv.yaml      read JSONL -> export a CSV document table
# and, side by side, Python's json module doing the same read + write
# (bench/io/peer.py). Also a gzip-compressed copy of the input.
#
#   sh bench/io.sh          (from the repository root, after make)
#
# Whole process, /usr/bin/time -v; quarry: median of 3 runs, -j 1; Python:
# one run. Writes the "## Readers and export" section of bench/RESULTS.md.
set -e
cd "$(dirname "$0")/.."
Q=${Q:-$PWD/build/quarry}
OUT=bench/cache/io
mkdir -p "$OUT"
die() { echo "bench/io.sh: $*" >&2; exit 1; }
[ -x "$Q" ] || die "$Q is missing; run make first"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed for the peer"

CORPUS=$(sh bench/fetch.sh brown-jsonl | tail -1)
[ -s "$CORPUS" ] || die "no corpus: '$CORPUS' is missing or empty"
GZ=$OUT/brown-60mb.jsonl.gz
[ -s "$GZ" ] || gzip -c -1 "$CORPUS" > "$GZ"

. bench/lib.sh

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
BYTES=$(wc -c < "$CORPUS")
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
cat "$CORPUS" "$GZ" > /dev/null

for name in export clean csv; do
    for r in 1 2 3; do
        echo "quarry $name.yaml, run $r..." >&2
        timed "$OUT/$name-$r" "$Q" run bench/io/$name.yaml "$CORPUS" -j 1 --quiet \
            --set out="$PWD/$OUT/out-$name"
    done
done
for r in 1 2 3; do
    echo "quarry export.yaml -j 2, run $r..." >&2
    timed "$OUT/j2-$r" "$Q" run bench/io/export.yaml "$CORPUS" -j 2 --quiet --set out="$PWD/$OUT/out-j2"
done
for r in 1 2 3; do
    echo "quarry export.yaml over .gz, run $r..." >&2
    timed "$OUT/gz-$r" "$Q" run bench/io/export.yaml "$GZ" -j 1 --quiet --set out="$PWD/$OUT/out-gz"
done
cmp -s "$OUT/out-export/docs.jsonl" "$OUT/out-gz/docs.jsonl" || die ".gz and plain outputs differ"
echo "python3 json..." >&2
timed "$OUT/python" python3 bench/io/peer.py "$CORPUS" "$OUT/python.jsonl"

J2=$(median3 "$OUT/j2"); E=$(median3 "$OUT/export"); C=$(median3 "$OUT/clean"); V=$(median3 "$OUT/csv"); G=$(median3 "$OUT/gz")
P=$(wall "$OUT/python.time")
rate() { awk -v b="$BYTES" -v s="$1" 'BEGIN { if (s > 0) printf "%.1f", b / s / 1e6; else print "n/a" }'; }
CPU=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
PYV=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')

REPORT=$OUT/report.md
cat > "$REPORT" <<MDEOF
## Readers and export

Command: \`sh bench/io.sh\` ($(date -u +%Y-%m-%d), $CPU, $(nproc) cores shared with other jobs).
Corpus: \`$CORPUS\`, $BYTES bytes, 5000 records (\`bench/fetch.sh brown-jsonl\`); the .gz copy
is \`gzip -1\` of it ($(wc -c < "$GZ") bytes). No analysis step: the I/O layer's own cost.
Whole process, \`/usr/bin/time -v\`; quarry: median of 3 runs; Python: one run. Load average
before the runs: $LOAD.

| run | wall (s) | MB/s | CPU user+sys (s) | max RSS (MB) |
|---|---:|---:|---:|---:|
| quarry \`run bench/io/export.yaml\` (JSONL in, JSONL out) | $E | $(rate "$E") | $(median3cpu "$OUT/export") | $(rss "$OUT/export-1.time") |
| same, \`-j 2\` (reader thread, worker, ordered writer) | $J2 | $(rate "$J2") | $(median3cpu "$OUT/j2") | $(rss "$OUT/j2-1.time") |
| same \`-j 1\`, input \`.jsonl.gz\` | $G | $(rate "$G") | $(median3cpu "$OUT/gz") | $(rss "$OUT/gz-1.time") |
| quarry \`run bench/io/clean.yaml\` (+ clean: NFC, whitespace, drop_lines, dedupe_lines) | $C | $(rate "$C") | $(median3cpu "$OUT/clean") | $(rss "$OUT/clean-1.time") |
| quarry \`run bench/io/csv.yaml\` (JSONL in, CSV document table out) | $V | $(rate "$V") | $(median3cpu "$OUT/csv") | $(rss "$OUT/csv-1.time") |
| Python $PYV \`json\` loads + dumps per line (\`bench/io/peer.py\`) | $P | $(rate "$P") | $(cpu "$OUT/python.time") | $(rss "$OUT/python.time") |

- JSONL read + write, wall time quarry / Python: **$(ratio "$E" "$P")** with \`-j 1\`, **$(ratio "$J2" "$P")**
  with \`-j 2\` (above 1: Python is faster); CPU time quarry / Python: **$(ratio "$(median3cpu "$OUT/export")" "$(cpu "$OUT/python.time")")** (\`-j 1\`). The machine is shared with other jobs: the CPU column
  (median run's user + system time) is steadier than the wall clock. MB/s are over the uncompressed size,
  also for the .gz run. Records are parsed with simdjson (many times faster than jansson on these long
  text fields; jansson still handles numbers, \\u0000, control bytes and every malformed line, see
  core/io/reader.c); quarry does not hand-write a JSON parser. In a pipeline with analysis steps and
  \`-j 2\` or more, reading runs on its own thread.
- The .gz input gives byte-identical output (checked by the script).
MDEOF
cat "$REPORT"

RES=bench/RESULTS.md
results_section "Readers and export" "$REPORT" "$RES"
echo "bench/io.sh: wrote the Readers and export section of $RES" >&2
