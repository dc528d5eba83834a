#!/bin/sh
# What writing the output costs -j 1 and -j 2: the issue-4 pipeline
# (bench/pipeline/entities.yaml) over the Brown JSONL x10, its export to a
# new file (as bench/pipeline.sh runs it) against the same export to
# standard output sent to /dev/null (no page cache to fill).
#
#   sh bench/output_cost.sh          (from the repository root, after make)
#   RUNS=31 sh bench/output_cost.sh
#
# Whole process, runs interleaved (file -j 1, file -j 2, null -j 1, null
# -j 2, ...), each file run into a new output (the previous one deleted
# and the disk synced, untimed). Wall clock from date +%s%N; CPU (user +
# system) from /usr/bin/time. Medians of RUNS (default 21). Writes the
# "Output cost" section of bench/RESULTS.md.
set -e
cd "$(dirname "$0")/.."
Q=${Q:-$PWD/build/quarry}
OUT=bench/cache/output_cost
die() { echo "bench/output_cost.sh: $*" >&2; exit 1; }
[ -x "$Q" ] || die "$Q is missing; run make first"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
CORPUS=$(sh bench/fetch.sh brown-jsonl | tail -1)
[ -s "$CORPUS" ] || die "no corpus: '$CORPUS' is missing or empty"
. bench/lib.sh
rm -rf "$OUT"
mkdir -p "$OUT"
# the same pipeline, exporting to standard output
sed "s#path: '\${out}/docs.jsonl'#path: '-'#" bench/pipeline/entities.yaml > bench/pipeline/.stdout.yaml
trap 'rm -f bench/pipeline/.stdout.yaml' EXIT
grep -q "path: '-'" bench/pipeline/.stdout.yaml || die "could not make the standard-output variant"
cat "$CORPUS" > /dev/null

RUNS=${RUNS:-21}
one() {   # one NAME YAML JOBS [file]: a timed run, NAME-r.us and NAME-r.time
    if [ "$4" = file ]; then rm -rf "$OUT/o"; sync; fi
    s=$(date +%s%N)
    /usr/bin/time -v -o "$OUT/$1-$r.time" "$Q" run "$2" "$CORPUS" -j "$3" --quiet \
        --set out="$PWD/$OUT/o" > /dev/null 2> "$OUT/$1.err" || { cat "$OUT/$1.err" >&2; die "failed: $1"; }
    e=$(date +%s%N)
    echo $(((e - s) / 1000)) > "$OUT/$1-$r.us"
}
for r in $(seq 1 "$RUNS"); do
    echo "round $r of $RUNS..." >&2
    one file1 bench/pipeline/entities.yaml 1 file
    one file2 bench/pipeline/entities.yaml 2 file
    one null1 bench/pipeline/.stdout.yaml 1
    one null2 bench/pipeline/.stdout.yaml 2
done
med() {   # med NAME: median wall (s) and CPU (s)
    w=$(for r in $(seq 1 "$RUNS"); do cat "$OUT/$1-$r.us"; done | sort -n |
        awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] / 1e6 }')
    c=$(for r in $(seq 1 "$RUNS"); do cpu "$OUT/$1-$r.time"; echo; done | sort -n |
        awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }')
    echo "$w $c"
}
set -- $(med file1) $(med file2) $(med null1) $(med null2)
REPORT=$OUT/report.md
cat > "$REPORT" <<EOF
## Output cost

Command: \`RUNS=$RUNS sh bench/output_cost.sh\` ($(date -u +%Y-%m-%d), $(git rev-parse --short HEAD 2>/dev/null || echo '?'),
load average before: $(cut -d' ' -f1-3 /proc/loadavg)). The pipeline of bench/pipeline.sh over
\`$CORPUS\`, its export to a new file against the same export to standard output sent to
/dev/null; medians of $RUNS interleaved runs, whole process.

| export to | \`-j 1\` wall (CPU) s | \`-j 2\` wall (CPU) s | \`-j 2\` vs \`-j 1\` |
|---|---:|---:|---:|
| a new file | $1 ($2) | $3 ($4) | $(ratio "$1" "$3")x |
| /dev/null (standard output) | $5 ($6) | $7 ($8) | $(ratio "$5" "$7")x |

Copying the output into the page cache costs CPU time. With \`-j 1\` the export's writer thread
does it on the second core, beside the run; with \`-j 2\` both cores are already busy, so the
ordered thread does it itself (cheaper than a third busy thread) and it comes out of the run's
time.
EOF
cat "$REPORT"
results_section "Output cost" "$REPORT" bench/RESULTS.md
echo "bench/output_cost.sh: wrote the Output cost section of bench/RESULTS.md" >&2
