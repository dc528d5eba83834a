#!/bin/sh
# quarry lua: running scripts, `arg`, errors; the samples in samples/lua.
. tests/cli/lib.sh

out=$("$Q" lua samples/lua/top_entities.lua tests/lua/fixtures/news 5 2>&1)
check "top_entities on fixtures" "2 documents, 8 distinct entities
   3  GPE  Russia
   2  ORG  EU
   1  GPE  Nairobi
   1  GPE  Osaka
   1  GPE  Seoul" "$out"

out=$("$Q" lua samples/lua/find_money.lua tests/lua/fixtures/news 2>&1)
check "find_money on fixtures" "a-trade.txt:68-71	PERCENT 3.5%
a-trade.txt:76-86	MONEY   \$28 billion
a-trade.txt:137-147	MONEY   €1,200.50
a-trade.txt:153-156	MONEY   £3m
a-trade.txt:184-193	PERCENT 12 percent
b-talks.txt:110-115	MONEY   \$1,000
b-talks.txt:124-135	PERCENT 0.5 per cent
2 documents read, 2 written" "$out"

# stock lua5.4 with the module on LUA_CPATH gives the same (not under ASan:
# a sanitized quarry.so cannot load into an uninstrumented lua5.4)
if [ -z "$QUARRY_ASAN" ]; then
    out=$(LUA_CPATH="$(dirname "$Q")/?.so;;" lua5.4 samples/lua/top_entities.lua tests/lua/fixtures/news 2 2>&1)
    check "top_entities under lua5.4" "2 documents, 8 distinct entities
   3  GPE  Russia
   2  ORG  EU" "$out"
fi

# the samples' defaults: samples/news
out=$("$Q" lua samples/lua/top_entities.lua 2>&1)
check_contains "top_entities on samples/news" "  11  GPE  Russia" "$out"
out=$("$Q" lua samples/lua/find_money.lua 2>&1)
check_contains "find_money on samples/news" "nairobi-climate-talks.txt:1364-1374	MONEY   \$28 billion" "$out"

# the money step from YAML too
cat > "$T/money.yaml" <<YAML
steps:
  - lua: { script: $PWD/samples/lua/money.lua }
  - export: { format: tsv, what: entities, path: '-' }
YAML
out=$("$Q" run "$T/money.yaml" tests/lua/fixtures/news/b-talks.txt -j 2 --quiet 2>&1 | cut -f 2-)
check_contains "money.lua as a YAML lua step" "\$1,000" "$out"

cat > "$T/args.lua" <<'LUA'
local q = require "quarry"
print(type(q.pipeline), arg[-2], arg[-1], arg[0], arg[1], arg[2], select("#", ...), ...)
LUA
out=$("$Q" lua "$T/args.lua" one "two words" 2>&1)
check "arg and ..." "table	quarry	lua	$T/args.lua	one	two words	2	one	two words" "$out"

out=$(echo 'print(#arg, (require "quarry").version ~= nil)' | "$Q" lua - x 2>&1)
check "script from stdin" "1	true" "$out"

printf 'local x = 1\nerror("boom")\n' > "$T/err.lua"
out=$("$Q" lua "$T/err.lua" 2>&1); rc=$?
check "runtime error: exit 1" 1 "$rc"
check "runtime error: message" "quarry lua: $T/err.lua:2: boom" "$(printf '%s\n' "$out" | head -1)"
check "runtime error: traceback" "stack traceback:" "$(printf '%s\n' "$out" | sed -n 2p)"

printf 'local x = = 1\n' > "$T/syntax.lua"
out=$("$Q" lua "$T/syntax.lua" 2>&1); rc=$?
check "syntax error: exit 1" 1 "$rc"
check "syntax error: message" "quarry lua: $T/syntax.lua:1: unexpected symbol near '='" "$out"

out=$("$Q" lua "$T/missing.lua" 2>&1); rc=$?
check "missing script: exit 2" 2 "$rc"
check "missing script: message" "quarry lua: cannot open $T/missing.lua: No such file or directory" "$out"

out=$("$Q" lua 2>&1); rc=$?
check "no script: exit 2" 2 "$rc"
check_contains "no script: usage" "usage: quarry lua SCRIPT.lua [ARGS…]" "$out"

out=$(echo 'os.exit(3)' | "$Q" lua - 2>&1); rc=$?
check "os.exit status" 3 "$rc"
# os.exit closes the state: a pipeline's export leaves no temporary file
mkdir -p "$T/ox" && cat > "$T/ox/x.lua" <<'LUA'
local q = require "quarry"
local p = assert(q.pipeline{ steps = { { export = { path = "out/x.jsonl" } } } })
p:process("hello")
os.exit(3)
LUA
(cd "$T/ox" && "$Q" lua x.lua); rc=$?
check "os.exit after p:process: status, no temporary file" "3:" "$rc:$(ls -A "$T/ox/out")"

# Lua errors name the YAML line of the code: a one-line or block (|) code is
# padded to the file's lines; a quoted string with \n escapes is not the
# file's lines: its step's line, then the line within the code
cat > "$T/lines.yaml" <<'EOF'
input: { format: jsonl }
steps:
  - lua: { name: a, code: "function process(doc) error('a1') end", on_error: skip }
  - lua: { name: b, code: "function process(doc)\n\nerror('b3') end", on_error: skip }
  - lua:
      name: c
      on_error: skip
      code: |
        function process(doc)
          error('c10')
        end
EOF
out=$(echo '{"id":"1","text":"x"}' | "$Q" run "$T/lines.yaml" - --errors - -q 2>&1 | sed 's/.*"message":"\([^"]*\)".*/\1/')
check "lua error lines: one line, quoted with escapes, block" "$T/lines.yaml:3: a1
$T/lines.yaml:4: code line:3: b3
$T/lines.yaml:10: c10" "$out"

done_suite "cli lua"
