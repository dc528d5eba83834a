#!/bin/sh
# Before/after: two quarry binaries on the same commands, runs interleaved
# (A B A B ...) so that both see the same machine load.
#
#   sh bench/compare.sh OLD_QUARRY [NEW_QUARRY] [ROUNDS]
#
# OLD_QUARRY is typically an older commit built in its own tree:
#   git worktree add /tmp/before <commit> && make -C /tmp/before build/quarry
#   sh bench/compare.sh /tmp/before/build/quarry
# NEW_QUARRY defaults to build/quarry, ROUNDS to 5. Commands (over the Brown
# JSONL of bench/fetch.sh brown-jsonl): the issue-4 pipeline with -j 1 and
# -j 2 (bench/pipeline/entities.yaml) and read + write JSONL
# (bench/io/export.yaml). Whole process under /usr/bin/time; prints the
# median wall clock (each run into a new output) and the median CPU (user +
# system) of each, as a Markdown table, and checks that both binaries write
# identical output.
set -e
cd "$(dirname "$0")/.."
die() { echo "bench/compare.sh: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: sh bench/compare.sh OLD_QUARRY [NEW_QUARRY] [ROUNDS]"
A=$1
B=${2:-$PWD/build/quarry}
N=${3:-5}
[ -x "$A" ] || die "$A is not an executable"
[ -x "$B" ] || die "$B is missing; run make first"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
CORPUS=$(sh bench/fetch.sh brown-jsonl | tail -1)
[ -s "$CORPUS" ] || die "no corpus: '$CORPUS' is missing or empty"
OUT=bench/cache/compare
rm -rf "$OUT"
mkdir -p "$OUT"
cat "$CORPUS" > /dev/null

# one LABEL BIN YAML JOBS ROUND: appends "wall cpu" to $OUT/LABEL-BIN.txt.
# Each run writes a new output (the last one deleted and the disk synced
# first, untimed, as in bench/pipeline.sh); wall clock in ms from date.
one() {
    o="$OUT/out-$2-$1"
    rm -rf "$o"
    sync
    s=$(date +%s%N)
    /usr/bin/time -f "%U %S" -o "$OUT/t" "$3" run "$4" "$CORPUS" -j "$5" --quiet \
        --set out="$PWD/$o" 2> "$OUT/err" || { cat "$OUT/err" >&2; die "failed: $3 run $4"; }
    e=$(date +%s%N)
    awk -v w=$(((e - s) / 1000)) '{ printf "%.3f %.2f\n", w / 1e6, $1 + $2 }' "$OUT/t" >> "$OUT/$1-$2.txt"
}
CASES="pipeline-j1:bench/pipeline/entities.yaml:1 pipeline-j2:bench/pipeline/entities.yaml:2 io-j1:bench/io/export.yaml:1"
r=1
while [ "$r" -le "$N" ]; do
    echo "round $r of $N..." >&2
    for c in $CASES; do
        label=${c%%:*}; rest=${c#*:}; yaml=${rest%:*}; jobs=${rest##*:}
        one "$label" a "$A" "$yaml" "$jobs"
        one "$label" b "$B" "$yaml" "$jobs"
    done
    r=$((r + 1))
done
for c in $CASES; do
    label=${c%%:*}
    cmp -s "$OUT/out-a-$label/docs.jsonl" "$OUT/out-b-$label/docs.jsonl" \
        || die "$label: the two binaries wrote different output"
done

med() { sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "| command | before: wall (CPU) s | after: wall (CPU) s | speed-up (wall) |"
echo "|---|---:|---:|---:|"
for c in $CASES; do
    label=${c%%:*}; rest=${c#*:}; yaml=${rest%:*}; jobs=${rest##*:}
    aw=$(cut -d' ' -f1 "$OUT/$label-a.txt" | med); ac=$(cut -d' ' -f2 "$OUT/$label-a.txt" | med)
    bw=$(cut -d' ' -f1 "$OUT/$label-b.txt" | med); bc=$(cut -d' ' -f2 "$OUT/$label-b.txt" | med)
    echo "| \`quarry run $yaml -j $jobs\` | $aw ($ac) | $bw ($bc) | $(awk -v a="$aw" -v b="$bw" 'BEGIN { printf "%.2fx", a / b }') |"
done
echo "Medians of $N interleaved rounds; outputs identical. $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)."
