#!/bin/sh
# Runs the benchmarks one after another (they share 2 cores: never in parallel).
#   bench/run.sh              every bench/*.sh benchmark script present
#   bench/run.sh tokenize gazetteer   only bench/tokenize.sh and bench/gazetteer.sh
#   bench/run.sh --help       lists them
# Each script fetches what it needs (bench/fetch.sh), runs quarry and its peer side by side,
# and prints its numbers; the recorded figures live in bench/RESULTS.md.
# Exit status 1 if any script failed; the others still run.
cd "$(dirname "$0")/.." || exit 1
# the benchmark scripts: every bench/*.sh but helpers and the analysis scripts
benchmarks() {
    ls bench/*.sh 2>/dev/null | grep -v -e '^bench/fetch\.sh$' -e '^bench/run\.sh$' -e '^bench/lib\.sh$' \
        -e '^bench/compare\.sh$' -e '^bench/output_cost\.sh$'
}
case "$1" in
-h|--help)
    echo "usage: sh bench/run.sh [NAME...]"
    echo "Runs bench/NAME.sh for each NAME (without .sh), or every benchmark:"
    benchmarks | sed 's#bench/\(.*\)\.sh#  \1#'
    echo "Analysis scripts run by hand: bench/compare.sh, bench/output_cost.sh (see bench/README.md)."
    echo "Figures are recorded in bench/RESULTS.md."
    exit 0 ;;
esac
[ -x build/quarry ] || { echo "bench/run.sh: build/quarry is missing; run make first" >&2; exit 1; }

if [ $# -gt 0 ]; then
    scripts=""
    for name in "$@"; do
        name=${name%.sh}
        [ -f "bench/$name.sh" ] || { echo "bench/run.sh: no benchmark bench/$name.sh" >&2; exit 1; }
        scripts="$scripts bench/$name.sh"
    done
else
    scripts=$(benchmarks)
fi
[ -n "$scripts" ] || { echo "bench/run.sh: no benchmark scripts in bench/" >&2; exit 0; }

status=0
for s in $scripts; do
    echo "=== $s ($(date -u +%H:%M:%S) UTC)"
    sh "$s" || { echo "bench/run.sh: $s failed (exit $?)" >&2; status=1; }
done
exit $status
