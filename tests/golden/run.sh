#!/bin/sh
# Golden pipeline tests. Each folder tests/golden/<case>/ holds:
#   pipeline.yaml (and any input, list or script files it needs)
#   cmd              the quarry arguments (default: run pipeline.yaml --quiet);
#                    $CASE expands to the scratch copy of the folder
#   env              optional lines NAME=VALUE exported before running
#   expected.stdout  exact stdout (when present)
#   expected.stderr  exact stderr (when present), timing lines removed
#                    (the "N MB in N s" line and the per-step table)
#   expected.rc      exit status (default 0)
#   expected/...     files the run must have produced, compared exactly
#                    (paths relative to the case folder)
# The case runs in a scratch copy of its folder, so outputs never land in
# the tree. Prints "golden: N passed, N failed".
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
Q=${Q:-$PWD/$BUILD/quarry}
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/quarry-golden.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
passed=0; failed=0

fail() {
    failed=$((failed+1))
    printf 'golden: FAILED %s: %s\n' "$1" "$2" >&2
    [ -n "$3" ] && printf '%s\n' "$3" >&2
}

for dir in tests/golden/*/; do
    name=$(basename "$dir")
    [ -f "$dir/pipeline.yaml" ] || [ -f "$dir/cmd" ] || continue
    CASE="$SCRATCH/$name"
    cp -r "$dir" "$CASE"
    rm -rf "$CASE/expected"
    cmd="run pipeline.yaml --quiet"
    [ -f "$dir/cmd" ] && cmd=$(cat "$dir/cmd")
    (
        cd "$CASE" || exit 99
        if [ -f env ]; then set -a; . ./env; set +a; fi
        eval "set -- $cmd"
        "$Q" "$@" >"$CASE/.stdout" 2>"$CASE/.stderr"
        echo $? >"$CASE/.rc"
    )
    ok=1
    want_rc=0
    [ -f "$dir/expected.rc" ] && want_rc=$(cat "$dir/expected.rc")
    got_rc=$(cat "$CASE/.rc")
    if [ "$got_rc" != "$want_rc" ]; then
        ok=0; fail "$name" "exit status $got_rc, expected $want_rc" "$(cat "$CASE/.stderr")"
    fi
    if [ -f "$dir/expected.stdout" ] && ! cmp -s "$dir/expected.stdout" "$CASE/.stdout"; then
        ok=0; fail "$name" "stdout differs" "$(diff "$dir/expected.stdout" "$CASE/.stdout" | head -20)"
    fi
    if [ -f "$dir/expected.stderr" ]; then
        grep -v -e '^quarry: [0-9.]* MB in ' -e '^  ' "$CASE/.stderr" >"$CASE/.stderr.cmp"
        if ! cmp -s "$dir/expected.stderr" "$CASE/.stderr.cmp"; then
            ok=0; fail "$name" "stderr differs" "$(diff "$dir/expected.stderr" "$CASE/.stderr.cmp" | head -20)"
        fi
    fi
    if [ -d "$dir/expected" ]; then
        for f in $(cd "$dir/expected" && find . -type f | sort); do
            if [ ! -f "$CASE/$f" ]; then
                ok=0; fail "$name" "missing output $f"
            elif ! cmp -s "$dir/expected/$f" "$CASE/$f"; then
                ok=0; fail "$name" "$f differs" "$(diff "$dir/expected/$f" "$CASE/$f" | head -20)"
            fi
        done
    fi
    [ $ok = 1 ] && passed=$((passed+1))
done

# -j 1 and -j 4 give byte-identical output (and errors file) on a larger corpus
J="$SCRATCH/jobs"
mkdir -p "$J"
cp tests/golden/entities/cities.txt tests/golden/entities/countries.tsv "$J/"
awk 'BEGIN { for (i = 1; i <= 3000; i++) {
        t = (i % 7 == 0) ? "" : "In " (1890 + i % 130) " Paris and New York paid $" i ",000.50 to South Korea. "
        for (k = 0; k < i % 5; k++) t = t "Seoul, France and Lyon met again. "
        if (i % 97 == 0) printf "{\"id\":\"bad%d\",\"text\":\n", i
        else printf "{\"id\":\"d%d\",\"text\":\"%s\",\"n\":%d}\n", i, t, i } }' >"$J/input.jsonl"
cat >"$J/pipeline.yaml" <<'YAML'
input: { format: jsonl, on_error: skip }
errors: errors.jsonl
steps:
  - tokenize: {}
  - sentences: {}
  - gazetteer: { lists: [ { path: cities.txt, label: CITY }, { path: countries.tsv, label: COUNTRY } ] }
  - regex: { patterns: { YEAR: '\b(?:1[89]|20)\d\d\b', MONEY: '\$\d[\d,]*(?:\.\d\d)?' } }
  - regex: { name: fussy, on_error: skip, match_limit: 2000, patterns: { RUNAWAY: '^(\w+\s?)*$' } }
  - export: { format: jsonl, path: '${out}' }
YAML
(cd "$J" && "$Q" run pipeline.yaml input.jsonl -j 1 --quiet --set out=j1.jsonl --errors e1.jsonl; echo $? >rc1
           "$Q" run pipeline.yaml input.jsonl -j 4 --quiet --set out=j4.jsonl --errors e4.jsonl; echo $? >rc4
           grep -c '"step":"input"' e1.jsonl >n_input_errors)
if [ ! -s "$J/j1.jsonl" ] || [ "$(wc -l <"$J/j1.jsonl")" -lt 2000 ]; then
    failed=$((failed+1)); echo "golden: FAILED jobs-identical: no output from -j 1" >&2
elif cmp -s "$J/j1.jsonl" "$J/j4.jsonl" && cmp -s "$J/e1.jsonl" "$J/e4.jsonl" &&
     [ "$(cat "$J/rc1")" = 1 ] && [ "$(cat "$J/rc4")" = 1 ] && [ "$(cat "$J/n_input_errors")" = 30 ]; then
    passed=$((passed+1))
else
    failed=$((failed+1)); echo "golden: FAILED jobs-identical: -j 1 and -j 4 differ" >&2
fi

echo "golden: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
