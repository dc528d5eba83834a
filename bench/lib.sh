# bench/lib.sh — shared by the benchmark scripts (sourced after they cd to
# the repository root and define die). Reads /usr/bin/time -v logs and
# writes a script's section of bench/RESULTS.md.

# timed LOG CMD...: runs CMD under /usr/bin/time -v, the log in LOG.time,
# stdout in LOG.out, stderr in LOG.err; a failure shows LOG.err and dies.
timed() {
    log=$1
    shift
    /usr/bin/time -v -o "$log.time" "$@" > "$log.out" 2> "$log.err" || {
        cat "$log.err" >&2; die "failed: $*"; }
}
# wall LOG.time: elapsed seconds ("h:mm:ss" or "m:ss" in the log)
wall() {
    sed -n "s/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p" "$1" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}
# cpu LOG.time: user + system seconds
cpu() { awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$1"; }
# rss LOG.time: peak resident memory in MB
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1" | awk '{ printf "%.1f", $1 / 1024 }'; }
# median3 LOG / median3cpu LOG: the median over LOG-1.time .. LOG-3.time
median3() { for r in 1 2 3; do wall "$1-$r.time"; echo; done | sort -n | sed -n 2p; }
median3cpu() { for r in 1 2 3; do cpu "$1-$r.time"; echo; done | sort -n | sed -n 2p; }
# ratio A B: A / B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# results_section TITLE REPORT RES: replaces the "## TITLE" section of RES
# (bench/RESULTS.md) with the file REPORT, or appends it.
results_section() {
    [ -f "$3" ] || printf '# Benchmark results\n\nMeasured numbers only, each with the command that produced them.\n' > "$3"
    awk -v report="$2" -v title="## $1" '
        BEGIN { while ((getline line < report) > 0) rep = rep line "\n" }
        /^## / { if (skip) skip = 0; if ($0 == title) { skip = 1; if (!done) { printf "%s\n", rep; done = 1 }; next } }
        !skip { print }
        END { if (!done) printf "\n%s", rep }
    ' "$3" > "$3.tmp" && mv "$3.tmp" "$3"
}
