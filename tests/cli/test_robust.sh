#!/bin/sh
# Robustness regressions found by QA (fuzzing, sanitizers, valgrind): odd
# inputs and outputs get an exact message and status, never a crash or a
# silent success.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
printf 'Hello world. Bye now.\n' >s.txt
cat >p.yaml <<'YAML'
input: { format: text }
steps:
  - tokenize: {}
  - export: { format: jsonl, path: '-', include_text: false }
YAML

# {==================================================================
# A full disk is an error for every command, not exit 0 with lost output
if [ -w /dev/full ]; then
    for c in "match -e A=o s.txt" "match --count -e A=o s.txt" "steps" "check p.yaml" "version" \
             "tokenize s.txt" "sentences s.txt"; do
        verb=${c%% *}
        # shellcheck disable=SC2086
        err=$($Q $c 2>&1 >/dev/full; echo "rc=$?")
        check "/dev/full: $c" "quarry $verb: cannot write the output: No space left on device
rc=2" "$err"
    done
    printf 'print("hi")\n' >h.lua
    check "/dev/full: lua print" "quarry lua: cannot write the output: No space left on device
rc=2" "$($Q lua h.lua 2>&1 >/dev/full; echo "rc=$?")"
fi
# }==================================================================

# {==================================================================
# Empty folders and odd files as inputs
mkdir empty
check "run: empty folder is no documents" "rc=0" "$($Q run p.yaml empty -q; echo "rc=$?")"
: >empty.txt
check "run: empty text file is one empty document" '{"id":"empty.txt","entities":[]}
rc=0' "$($Q run p.yaml empty.txt -q; echo "rc=$?")"
check "tokenize: a folder" "quarry tokenize: cannot read 'empty': Is a directory
rc=2" "$($Q tokenize empty 2>&1; echo "rc=$?")"
check "match: a folder" "quarry match: cannot read 'empty': Is a directory
rc=2" "$($Q match -e A=a empty 2>&1; echo "rc=$?")"
check "tokenize: stdin closed" "quarry tokenize: cannot read '-': Bad file descriptor
rc=2" "$($Q tokenize <&- 2>&1; echo "rc=$?")"
check "run: stdin closed" "stdin: cannot read standard input: Bad file descriptor
rc=2" "$($Q run p.yaml - -q <&- 2>&1; echo "rc=$?")"
check "tokenize: /dev/null" "rc=0" "$($Q tokenize /dev/null 2>&1; echo "rc=$?")"
# }==================================================================

# {==================================================================
# A huge CSV header line keeps its hint
head -c 5000 /dev/zero | tr '\0' x >wide.csv
sed 's/format: text/format: csv/' p.yaml >pc.yaml
check "csv: huge header" "wide.csv:1: no column \"text\" in the header (columns: \
xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...); set input.text_column
rc=2" "$($Q run pc.yaml wide.csv -q 2>&1; echo "rc=$?")"
# }==================================================================

done_suite "cli robust"
