#!/bin/sh
# Runs representative quarry commands and every golden case under valgrind
# (memcheck, leaks included) and reports any error. Not part of `make test`
# (about a minute); run it after `make`:
#     sh tests/valgrind.sh            # uses build/quarry
# tests/valgrind.supp silences only PCRE2 JIT false positives (frames in
# anonymous JIT pages); every report in a named object is a real one.
cd "$(dirname "$0")/.." || exit 2
R=$PWD
Q=${Q:-$R/${BUILD:-build}/quarry}
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 2; }
[ -x "$Q" ] || { echo "valgrind: no $Q; run make first" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/quarry-vg.XXXXXX")
trap 'rm -rf "$W"' EXIT
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99
    --suppressions=$R/tests/valgrind.supp"
passed=0; failed=0; n=0

vg_report() {   # vg_report WHAT: counts the run whose log is vg.$n.log
    if [ -s "$W/vg.$n.log" ]; then
        failed=$((failed + 1))
        echo "valgrind: FAILED: $1" >&2
        head -40 "$W/vg.$n.log" >&2
    else
        passed=$((passed + 1))
    fi
}
vg() {   # vg DIR ARGS...: runs quarry ARGS in DIR under valgrind
    dir=$1; shift
    n=$((n + 1))
    (cd "$dir" && $VG --log-file="$W/vg.$n.log" "$Q" "$@" >/dev/null 2>&1)
    vg_report "quarry $*  (in $dir)"
}
vgcmd() {   # vgcmd NAME COMMAND: runs the shell COMMAND in $W, where $VGQ is quarry under valgrind
    n=$((n + 1))
    VGQ="$VG --log-file=$W/vg.$n.log $Q"
    (cd "$W" && eval "$2") >/dev/null 2>&1
    vg_report "$1"
}

cd "$W" || exit 2
printf 'Dr. Smith went to Paris.\nHe paid $30 in 1999!\n' >in.txt
printf '{"id":"t1","text":"buy cheap pills now","label":"spam"}\n{"id":"t2","text":"meeting at noon","label":"ham"}\n' >train.jsonl
printf 'input: { format: jsonl }\nsteps:\n  - tokenize: {}\n  - classify: { model: m.qrm }\n  - export: { format: jsonl, path: out.jsonl }\n' >p.yaml
vg "$W" tokenize in.txt
vg "$W" tokenize --format jsonl --offsets chars in.txt
vg "$W" sentences --format jsonl in.txt
vg "$W" match -g "$R/samples/gazetteers/cities.tsv" -e 'YEAR=\d{4}' in.txt
vg "$W" match -g "$R/samples/gazetteers/cities.tsv" --cache c.bin --overlaps -j 2 in.txt
vg "$W" match -g "$R/samples/gazetteers/cities.tsv" --cache c.bin in.txt
vg "$W" match -e 'X=(' in.txt
vg "$W" run "$R/pipelines/news.yaml" --set out="$W/news" -j 2 --quiet
vg "$W" check "$R/pipelines/news.yaml"
vg "$W" steps
vg "$W" steps gazetteer
vg "$W" lua "$R/samples/lua/find_money.lua"
vg "$W" train p.yaml train.jsonl -o m.qrm -j 2 -q
vg "$W" eval p.yaml train.jsonl --json
vg "$W" run p.yaml train.jsonl -q
# folder walks that pass over the model and a gazetteer cache in the data
mkdir -p own/data
cp train.jsonl own/data/
printf 'input: { format: jsonl }\nsteps:\n  - tokenize: {}\n  - gazetteer: { lists: [ { path: "%s/samples/gazetteers/countries.tsv", label: C } ], cache: data/g.cache }\n  - classify: { model: data/m.qrm }\n' "$R" >own/p.yaml
vg "$W/own" train p.yaml data -j 2 -q
vg "$W/own" train p.yaml data -j 2 -q
vg "$W/own" eval p.yaml data
vg "$W/own" run p.yaml data -j 2 -q
# streams: a live pipe (outputs flushed while the input waits), and a
# reader that goes away (| head: the run stops on SIGPIPE, exports clean up)
printf 'input: { format: jsonl }\nsteps:\n  - regex: { patterns: { YEAR: "\\\\d{4}" } }\n  - export: { format: jsonl, path: "-" }\n  - export: { format: jsonl, path: out/all.jsonl }\n' >live.yaml
vgcmd "run from a live pipe, -j 2" \
    '(echo "{\"id\":\"a\",\"text\":\"in 1999\"}"; sleep 1; echo "{\"id\":\"b\",\"text\":\"x\"}") | $VGQ run live.yaml - -j 2 -q'
awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "{\"id\":\"d%d\",\"text\":\"doc %d\"}\n", i, i }' >big.jsonl
vgcmd "run | head (broken pipe), -j 2" '$VGQ run live.yaml big.jsonl -j 2 -q | head -c 10'
for d in "$R"/tests/golden/*/; do
    [ -f "$d/pipeline.yaml" ] || [ -f "$d/cmd" ] || continue
    name=$(basename "$d")
    rm -rf "$W/g"; cp -r "$d" "$W/g"; rm -rf "$W/g/expected"
    cmd="run pipeline.yaml --quiet"
    [ -f "$d/cmd" ] && cmd=$(cat "$d/cmd")
    (cd "$W/g" && if [ -f env ]; then set -a; . ./env; set +a; fi
     CASE="$W/g"; eval "set -- $cmd"; vg "$W/g" "$@"; echo "$passed $failed" >"$W/counts")
    read -r passed failed <"$W/counts"
done
echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
