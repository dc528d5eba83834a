#!/bin/sh
# What Lua costs in a pipeline: the same C pipeline (tokenize, sentences,
# regex, JSONL export) run without Lua, with the issue's `lua` step, with a
# `filter`, and driven from a Lua script with a plain-function step (ordered,
# on the calling thread) — over the Brown corpus ×10 as 500 JSONL documents
# of ~120 KB, and as 540k one-line documents (the worst case: per-document
# cost dominates). Whole-process wall time (median of 3) and peak RSS from
# /usr/bin/time -v.
# Writes bench/cache/lua-report.md.
set -e
cd "$(dirname "$0")/.."
Q=${Q:-$PWD/build/quarry}
sh bench/fetch.sh brown60 >/dev/null
sh bench/fetch.sh brown-jsonl >/dev/null 2>&1 || true
C=bench/cache
W=$C/lua
mkdir -p "$W"
JSONL=$C/brown-60mb.jsonl
LINES=$C/brown-60mb.txt

steps_base='  - tokenize: {}
  - sentences: {}
  - regex: { patterns: { YEAR: '"'"'\b(?:1[89]|20)\d\d\b'"'"', MONEY: '"'"'\$\d[\d,]*(?:\.\d\d)?'"'"' } }'
export_step="  - export: { format: jsonl, path: '\${out}' }"
lua_step='  - lua:
      code: |
        function process(doc)
          doc.fields.n_entities = #doc:entities()
        end'
filter_step="  - filter: { expr: '#doc:entities() > 0 or #doc.text > 0' }"

for fmt in jsonl lines; do
    {
        echo "input: { format: $fmt }"
        echo "steps:"
        printf '%s\n' "$steps_base"
        printf '%s\n' "$export_step"
    } >"$W/base-$fmt.yaml"
    {
        echo "input: { format: $fmt }"
        echo "steps:"
        printf '%s\n' "$steps_base"
        printf '%s\n' "$lua_step"
        printf '%s\n' "$export_step"
    } >"$W/lua-$fmt.yaml"
    {
        echo "input: { format: $fmt }"
        echo "steps:"
        printf '%s\n' "$steps_base"
        printf '%s\n' "$filter_step"
        printf '%s\n' "$export_step"
    } >"$W/filter-$fmt.yaml"
done
cat >"$W/function.lua" <<'EOF'
-- quarry lua function.lua FORMAT INPUT OUT JOBS
local q = require "quarry"
local fmt, input, out, jobs = ...
local n = 0
local p = assert(q.pipeline{
  input = { format = fmt },
  steps = {
    { tokenize = {} }, { sentences = {} },
    { regex = { patterns = { YEAR = [[\b(?:1[89]|20)\d\d\b]], MONEY = [[\$\d[\d,]*(?:\.\d\d)?]] } } },
    function(doc) doc.fields.n_entities = #doc:entities(); n = n + 1 end,
    { export = { format = "jsonl", path = out } },
  },
})
assert(p:run{ inputs = { input }, jobs = tonumber(jobs) })
EOF

measure() { # NAME CMD… ; appends a table row: median wall time of 3 runs, its RSS
    name=$1; shift
    : >"$W/runs.txt"
    for run in 1 2 3; do
        /usr/bin/time -v "$@" 2>"$W/time.txt" >/dev/null || { cat "$W/time.txt" >&2; exit 1; }
        secs=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$W/time.txt" |
               awk -F: '{ print ($1 * 60 + $2) }')
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$W/time.txt")
        echo "$secs $rss" >>"$W/runs.txt"
    done
    sort -n "$W/runs.txt" | sed -n 2p | awk -v n="$name" -v mb="$MB" \
        '{ printf "| %s | %.2f | %.1f | %.1f |\n", n, $1, mb / $1, $2 / 1024 }' >>"$W/rows.md"
}

: >"$W/rows.md"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for fmt in jsonl lines; do
    in=$JSONL; [ $fmt = lines ] && in=$LINES
    MB=$(awk -v b="$(wc -c <"$in")" 'BEGIN { print b / 1e6 }')
    for j in 1 2; do
        for kind in base lua filter; do
            measure "$fmt, $kind step, -j $j" "$Q" run "$W/$kind-$fmt.yaml" "$in" -j $j --quiet --set out="$W/out.jsonl"
        done
        measure "$fmt, Lua function step (q.pipeline), jobs $j" "$Q" lua "$W/function.lua" $fmt "$in" "$W/out.jsonl" $j
    done
done
rm -f "$W/out.jsonl"
{
    echo "load average before: $LOAD"
    echo
    echo "| run | seconds | MB/s | peak RSS (MB) |"
    echo "|---|---|---|---|"
    cat "$W/rows.md"
} >"$C/lua-report.md"
cat "$C/lua-report.md"
