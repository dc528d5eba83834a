#!/bin/sh
# Readers and export through `quarry run`: stdin to stdout (streaming, as a
# Hadoop/GNU parallel mapper), gzip on stdin, several inputs in order, and
# the export's all-or-nothing output files.
. tests/cli/lib.sh

cat > "$T/p.yaml" <<'YAML'
input: { format: jsonl }
steps:
  - regex: { patterns: { YEAR: '\b\d{4}\b' } }
  - export: { path: '-', include_text: false }
YAML

out=$(printf '%s\n' '{"id":"a","text":"in 1999"}' '{"id":"b","text":"none"}' | "$Q" run "$T/p.yaml" - --quiet)
check "stdin to stdout" '{"id":"a","entities":[{"start":3,"end":7,"text":"1999","label":"YEAR","id":null}]}
{"id":"b","entities":[]}' "$out"

out=$(printf '%s\n' '{"text":"gz 2024"}' | gzip -c | "$Q" run "$T/p.yaml" - --quiet)
check "gzip on stdin, default id" '{"id":"stdin:1","entities":[{"start":3,"end":7,"text":"2024","label":"YEAR","id":null}]}' "$out"

printf '%s\n' '{"id":"f1","text":"x"}' > "$T/1.jsonl"
printf '%s\n' '{"id":"f2","text":"y"}' | gzip -c > "$T/2.jsonl.gz"
out=$(printf '%s\n' '{"id":"s","text":"z"}' | "$Q" run "$T/p.yaml" "$T/2.jsonl.gz" - "$T/1.jsonl" --quiet | cut -c1-11)
check "inputs in command-line order" '{"id":"f2",
{"id":"s","
{"id":"f1",' "$out"

# -j 1 and -j 3 give the same bytes on stdout
awk 'BEGIN { for (i = 0; i < 2000; i++) printf "{\"id\":\"d%d\",\"text\":\"year %d and %d\"}\n", i, 1900 + i % 100, 2000 + i % 20 }' > "$T/many.jsonl"
a=$("$Q" run "$T/p.yaml" "$T/many.jsonl" -j 1 --quiet | cksum)
b=$("$Q" run "$T/p.yaml" "$T/many.jsonl" -j 3 --quiet | cksum)
check "stdout identical for -j 1 and -j 3" "$a" "$b"

# A run that stops on a bad record leaves neither the output file nor a
# temporary file; an earlier complete output stays as it was.
cat > "$T/f.yaml" <<'YAML'
input: { format: jsonl }
steps:
  - export: { path: out/sub/docs.jsonl }
YAML
printf '%s\n' '{"id":"ok","text":"fine"}' > "$T/good.jsonl"
"$Q" run "$T/f.yaml" "$T/good.jsonl" --quiet
check "complete output written" '{"id":"ok","text":"fine","entities":[]}' "$(cat "$T/out/sub/docs.jsonl")"
printf '%s\n' '{"id":"a","text":"new"}' '{"id":"b","text":' > "$T/bad.jsonl"
err=$("$Q" run "$T/f.yaml" "$T/bad.jsonl" --quiet 2>&1)
check "stopped run: exit status" 1 "$?"
check_contains "stopped run: message" "bad.jsonl:2" "$err"
check "stopped run: old output kept" '{"id":"ok","text":"fine","entities":[]}' "$(cat "$T/out/sub/docs.jsonl")"
check "stopped run: no temporary file" "docs.jsonl" "$(ls -A "$T/out/sub")"

# The bytes read are counted for standard input too (a pipe has no size).
printf 'input: { format: lines }\nsteps: [ tokenize ]\n' > "$T/n.yaml"
seq 1 1000 > "$T/n.txt"
check "bytes read from a file" '  "bytes": 3893,' "$("$Q" run "$T/n.yaml" "$T/n.txt" --stats - --quiet 2>&1 | grep '"bytes"')"
check "bytes read from stdin" '  "bytes": 3893,' "$(seq 1 1000 | "$Q" run "$T/n.yaml" - --stats - --quiet 2>&1 | grep '"bytes"')"
check "bytes read from gzip on stdin (uncompressed)" '  "bytes": 3893,' \
    "$(seq 1 1000 | gzip | "$Q" run "$T/n.yaml" - --stats - --quiet 2>&1 | grep '"bytes"')"

# Streams (stdin, pipes, FIFOs) are read as their bytes arrive: a record is
# run as soon as its line has come, and its output is written while the
# input waits. The writer of the pipe sends a record, then waits (up to
# 10 s) for its output before it sends the next one or closes the pipe.
for j in 1 3; do
    rm -f "$T/live.out" "$T/gave-up"
    ( for rec in '{"id":"a","text":"in 1999"}' '{"id":"b","text":"in 2000"}'; do
          printf '%s\n' "$rec"
          id=$(printf '%s' "$rec" | cut -c8)
          i=0; while [ $i -lt 100 ] && ! grep -q "\"id\":\"$id\"" "$T/live.out" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
          [ $i -lt 100 ] || touch "$T/gave-up"
      done ) | "$Q" run "$T/p.yaml" - -j $j --quiet > "$T/live.out"
    check "a live pipe, -j $j: every record's output came before the next record" "no" "$([ -f "$T/gave-up" ] && echo yes || echo no)"
    check "a live pipe, -j $j: output" '{"id":"a","entities":[{"start":3,"end":7,"text":"1999","label":"YEAR","id":null}]}
{"id":"b","entities":[{"start":3,"end":7,"text":"2000","label":"YEAR","id":null}]}' "$(cat "$T/live.out")"
done
# Writing out while the input waits can fail like any write (here stdout
# is /dev/full): the run stops with the export's message.
for j in 1 2; do
    out=$( (printf '%s\n' '{"id":"a","text":"in 1999"}'; sleep 0.3; printf '%s\n' '{"id":"b","text":"x"}') |
           "$Q" run "$T/p.yaml" - -j $j --quiet 2>&1 >/dev/full); rc=$?
    check "a live pipe to a full disk, -j $j: exit 2" 2 "$rc"
    check "a live pipe to a full disk, -j $j: message" "$T/p.yaml:4:5: step 'export': export: cannot write standard output: No space left on device" "$out"
done

# gzip on a pipe is inflated as it comes: members one after the other (cat
# a.gz b.gz), bytes after the last member ignored (as gzip does), and a cut
# stream reported.
printf '%s\n' '{"id":"g1","text":"in 1999"}' | gzip -c > "$T/g1.gz"
printf '%s\n' '{"id":"g2","text":"in 2000"}' | gzip -c > "$T/g2.gz"
check "gzip members on a pipe" "g1 g2" "$(cat "$T/g1.gz" "$T/g2.gz" | "$Q" run "$T/p.yaml" - --quiet | cut -c8-9 | tr '\n' ' ' | sed 's/ $//')"
check "bytes after the last gzip member" "g1" "$( (cat "$T/g1.gz"; echo trailing) | "$Q" run "$T/p.yaml" - --quiet | cut -c8-9)"
head -c 20 "$T/g1.gz" > "$T/cut.gz"
out=$("$Q" run "$T/p.yaml" - --quiet < "$T/cut.gz" 2>&1); rc=$?
check "a cut gzip stream: exit 2" 2 "$rc"
check "a cut gzip stream: message" "stdin:1: read error: unexpected end of file (is the .gz file truncated?)" "$out"
out=$(head -c 20 "$T/g1.gz" | "$Q" run "$T/p.yaml" - --quiet 2>&1)
check "a cut gzip stream from a pipe: message" "stdin:1: read error: unexpected end of file (is the .gz file truncated?)" "$out"
{ head -c -8 "$T/g1.gz"; printf '\000\000\000\000'; tail -c 4 "$T/g1.gz"; } > "$T/badcrc.gz"   # CRC-32 zeroed
out=$(cat "$T/badcrc.gz" | "$Q" run "$T/p.yaml" - --quiet 2>&1); rc=$?
check "corrupt gzip data on a pipe: exit 2" 2 "$rc"
check "corrupt gzip data on a pipe: message" "stdin:1: read error: incorrect data check" "$out"
mkfifo "$T/fifo"
cat "$T/g1.gz" "$T/g2.gz" > "$T/fifo" &
check "a FIFO given by path" "g1 g2" "$("$Q" run "$T/p.yaml" "$T/fifo" --quiet | cut -c8-9 | tr '\n' ' ' | sed 's/ $//')"
wait

# A file output of a few megabytes is the same whoever writes it: the
# export's writer thread (a core to spare: -j 1 on two cores; 4 jobs or
# more) or the ordered thread itself (as many jobs as cores).
awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "{\"id\":\"m%d\",\"text\":\"In %d Paris paid $%d,000.50 to Seoul; the rest of this line is filler text for a larger output.\"}\n", i, 1900 + i % 120, i }' > "$T/mb.jsonl"
printf 'input: { format: jsonl }\nsteps:\n  - regex: { patterns: { YEAR: "\\\\b\\\\d{4}\\\\b" } }\n  - export: { format: jsonl, path: "${out}" }\n' > "$T/mb.yaml"
for j in 1 2 3 4; do
    "$Q" run "$T/mb.yaml" "$T/mb.jsonl" -j $j --quiet --set out="$T/mb-$j.jsonl"
done
check "a 4 MB output: -j 1 wrote it whole" '4486788 {"id":"m20000","text":"In 1980 Paris paid $20000,000.50 to Seoul; the rest of this line is filler text for a larger output.","entities":[{"start":3,"end":7,"text":"1980","label":"YEAR","id":null}]}' \
    "$(wc -c < "$T/mb-1.jsonl") $(tail -1 "$T/mb-1.jsonl")"
check "a 4 MB output: the same bytes for -j 1, 2, 3, 4" "same" \
    "$(cmp -s "$T/mb-1.jsonl" "$T/mb-2.jsonl" && cmp -s "$T/mb-1.jsonl" "$T/mb-3.jsonl" && cmp -s "$T/mb-1.jsonl" "$T/mb-4.jsonl" && echo same)"

# A run never reads its own outputs: a folder walk or a glob passes over the
# export's file (from an earlier run), its temporary file (this run's, or
# one a killed run left) and the errors file, and the summary names what
# it passed over; a file named on the command line is read.
mkdir -p "$T/self/data/brat"
printf 'first\n' > "$T/self/data/a.txt"
printf 'second\n' > "$T/self/data/b.txt"
cat > "$T/self/p.yaml" <<'YAML'
errors: data/errors.jsonl
input: { format: text, paths: [ data ] }
steps:
  - export: { format: jsonl, path: data/out.jsonl, include_text: false }
  - export_brat: { path: data/brat }
YAML
printf 'left by a killed run\n' > "$T/self/data/out.jsonl.tmp-99999-abc"
(cd "$T/self" && "$Q" run p.yaml -q)    # the outputs now exist
for j in 1 2; do
    err=$(cd "$T/self" && "$Q" run p.yaml -j $j 2>&1 >/dev/null)
    check "own outputs not read, -j $j: output" '{"id":"data/a.txt","entities":[]}
{"id":"data/b.txt","entities":[]}' "$(cat "$T/self/data/out.jsonl")"
    check "own outputs not read, -j $j: summary" "quarry: read 2 = written 2 + dropped 0 + failed 0
quarry: not read, as outputs or files of the pipeline: data/brat, data/errors.jsonl, data/out.jsonl" \
        "$(echo "$err" | head -2)"
done
err=$(cd "$T/self" && "$Q" run p.yaml 'data/*.*' -j 2 2>&1 >/dev/null)
check "own outputs not read, glob: summary" "quarry: read 2 = written 2 + dropped 0 + failed 0
quarry: not read, as outputs or files of the pipeline: data/errors.jsonl, data/out.jsonl" "$(echo "$err" | head -2)"
cat > "$T/self/run.lua" <<'LUA'
local q = require "quarry"
local s = assert(assert(q.pipeline.load("p.yaml")):run{ inputs = { "data" } })
print(s.read, table.concat(s.not_read, " "))
LUA
check "own outputs not read, Lua summary" "2	data/brat data/errors.jsonl data/out.jsonl" \
    "$(cd "$T/self" && "$Q" lua run.lua 2>&1)"
err=$(cd "$T/self" && "$Q" run p.yaml data/a.txt data/out.jsonl 2>&1 >/dev/null)
check "an output named as an input is read" "quarry: read 2 = written 2 + dropped 0 + failed 0" "$(echo "$err" | head -1)"

# A gazetteer's cache is written when the pipeline is loaded, before the
# input is walked: inside an input folder, it is passed over too (before,
# a JSONL run stopped on it: "data/gaz.cache:1:7: invalid JSON"), and two
# gazetteers may share one cache, but an export may not write it.
mkdir -p "$T/gc/data"
printf 'Paris\tCITY\n' > "$T/gc/cities.tsv"
printf 'Seoul\tCITY\n' > "$T/gc/more.tsv"
printf '{"id":"1","text":"Paris and Seoul."}\n' > "$T/gc/data/a.jsonl"
cat > "$T/gc/p.yaml" <<'YAML'
input: { format: jsonl }
steps:
  - tokenize: {}
  - gazetteer: { lists: [ { path: cities.tsv } ], cache: data/gaz.cache, name: g1 }
  - gazetteer: { lists: [ { path: more.tsv } ], cache: data/gaz.cache, name: g2 }
  - export: { format: jsonl, path: out.jsonl, include_text: false }
YAML
for run in first second; do
    err=$(cd "$T/gc" && "$Q" run p.yaml data 2>&1 >/dev/null)
    check "gazetteer cache in the input folder, $run run: summary" "quarry: read 1 = written 1 + dropped 0 + failed 0
quarry: not read, as outputs or files of the pipeline: data/gaz.cache" "$(echo "$err" | head -2)"
    check "gazetteer cache in the input folder, $run run: output" \
        '{"id":"1","entities":[{"start":0,"end":5,"text":"Paris","label":"CITY","id":"Paris"},{"start":10,"end":15,"text":"Seoul","label":"CITY","id":"Seoul"}]}' \
        "$(cat "$T/gc/out.jsonl")"
done
sed 's|path: out.jsonl|path: data/gaz.cache|' "$T/gc/p.yaml" > "$T/gc/clash.yaml"
out=$(cd "$T/gc" && "$Q" run clash.yaml data 2>&1); rc=$?
check "an export writing a gazetteer's cache: refused" "2 clash.yaml:6:36: step 'export' writes data/gaz.cache, as does step 'g1' (line 4): the one to finish last would replace the other's output; give each its own path" "$rc $out"

# Nor does it read the pipeline's own files: with the pipeline, its list, its
# Lua script and its model in the folder it walks, a text run took each of
# them for a document (a binary model too, its bytes repaired to U+FFFD).
mkdir -p "$T/own"
printf 'Paris\tCITY\n' > "$T/own/cities.tsv"
printf 'function process(doc) doc.fields.n = #doc.text end\n' > "$T/own/n.lua"
printf 'a text about Paris\n' > "$T/own/a.txt"
cat > "$T/own/p.yaml" <<'YAML'
input: { format: text }
steps:
  - tokenize: {}
  - gazetteer: { lists: [ { path: cities.tsv } ] }
  - lua: { script: n.lua }
  - export: { format: jsonl, path: ../own-out.jsonl, include_text: false }
YAML
err=$(cd "$T/own" && "$Q" run p.yaml . 2>&1 >/dev/null); rc=$?
check "the pipeline's own files in the walked folder: summary" "0 quarry: read 1 = written 1 + dropped 0 + failed 0
quarry: not read, as outputs or files of the pipeline: cities.tsv, n.lua, p.yaml" "$rc $(echo "$err" | head -2)"
check "the pipeline's own files in the walked folder: output" '{"id":"a.txt","entities":[{"start":13,"end":18,"text":"Paris","label":"CITY","id":"Paris"}],"fields":{"n":19}}' \
    "$(cat "$T/own-out.jsonl")"
err=$(cd "$T/own" && "$Q" run p.yaml ./*.tsv 2>&1 >/dev/null); rc=$?
check "a list named as an input is read" "0 quarry: read 1 = written 1 + dropped 0 + failed 0" "$rc $(echo "$err" | head -1)"

# Malformed JSONL: a line that is plain text gets a hint about input.format;
# a record without the text field names the members it has.
mkdir -p "$T/hint"
printf 'input: { format: jsonl }\nsteps:\n  - export: { format: jsonl, path: "-" }\n' > "$T/hint/p.yaml"
printf 'Just some plain text.\n' > "$T/hint/plain.txt"
out=$("$Q" run "$T/hint/p.yaml" "$T/hint/plain.txt" -q 2>&1); rc=$?
check "plain text read as JSONL: hint" "1 $T/hint/plain.txt:1:4: invalid JSON: invalid token near 'Just' (the input is read as JSONL, a JSON object a line; for plain text set input: { format: text } or { format: lines }); set input: { on_error: skip } to log malformed records and go on" "$rc $out"
printf '{"id":"a","body":"x","lang":"en"}\n{}\n' > "$T/hint/fields.jsonl"
printf 'input: { format: jsonl, on_error: skip }\nsteps:\n  - export: { format: jsonl, path: "-" }\n' > "$T/hint/skip.yaml"
out=$("$Q" run "$T/hint/skip.yaml" "$T/hint/fields.jsonl" --errors - -q 2>&1 >/dev/null)
check "no text field: the record's members" '{"id":"a","step":"input","message":"'"$T"'/hint/fields.jsonl:1: no \"text\" field in this record (its members: id, body, lang; set input.text_field to the member that holds the text)","file":"'"$T"'/hint/fields.jsonl","line":1}
{"id":"'"$T"'/hint/fields.jsonl:2","step":"input","message":"'"$T"'/hint/fields.jsonl:2: no \"text\" field in this record (it has no members; set input.text_field to the member that holds the text)","file":"'"$T"'/hint/fields.jsonl","line":2}' "$out"

# Binary files among text inputs (a NUL byte in the first 8000 bytes, as git
# and grep tell them): a malformed record with a clear message, not a
# document of U+FFFD; UTF-16 is named as such; a NUL further on is text.
mkdir -p "$T/bin/data"
printf 'plain text\n' > "$T/bin/data/a.txt"
printf 'PK\003\004\000\000junk' > "$T/bin/data/b.docx"
printf '\377\376h\000i\000' > "$T/bin/data/c.txt"
awk 'BEGIN { for (i = 0; i < 900; i++) printf "0123456789"; printf "%c", 0; print " tail" }' > "$T/bin/data/d.txt"
printf 'input: { format: text }\nsteps:\n  - export: { format: jsonl, path: "-", include_text: false }\n' > "$T/bin/p.yaml"
out=$("$Q" run "$T/bin/p.yaml" "$T/bin/data/b.docx" 2>&1 >/dev/null | head -1)
check "a binary file as text: refused" "$T/bin/data/b.docx: binary data or UTF-16, not UTF-8 text (a NUL byte at byte 4); leave such files out of the input; set input: { on_error: skip } to log malformed records and go on" "$out"
printf 'input: { format: text, on_error: skip }\nsteps:\n  - export: { format: jsonl, path: "-", include_text: false }\n' > "$T/bin/skip.yaml"
out=$(cd "$T/bin" && "$Q" run skip.yaml data --errors - 2>&1); rc=$?
check "binary and UTF-16 files skipped, text read" '1 {"id":"data/b.docx","step":"input","message":"data/b.docx: binary data or UTF-16, not UTF-8 text (a NUL byte at byte 4); leave such files out of the input","file":"data/b.docx","line":null}
{"id":"data/c.txt","step":"input","message":"data/c.txt: UTF-16 text (it starts with the byte order mark FF FE), not UTF-8: convert it first, as in iconv -f UTF-16 -t UTF-8","file":"data/c.txt","line":null}
{"id":"data/a.txt","entities":[]}
{"id":"data/d.txt","entities":[]}
quarry: read 4 = written 2 + dropped 0 + failed 2 (see stderr)' "$rc $(echo "$out" | grep -v -e '^quarry: [0-9.]* MB' -e '^  ')"
printf 'input: { format: lines }\nsteps:\n  - export: { format: jsonl, path: "-", include_text: false }\n' > "$T/bin/lines.yaml"
printf 'first line\nsec\000ond\n' > "$T/bin/l.txt"
out=$("$Q" run "$T/bin/lines.yaml" "$T/bin/l.txt" 2>&1 >/dev/null | head -1)
check "a line with a NUL byte: refused with its column" "$T/bin/l.txt:2:4: binary data or UTF-16, not UTF-8 text (a NUL byte); leave such files out of the input; set input: { on_error: skip } to log malformed records and go on" "$out"
printf 'id,te\000xt\n1,hello\n' > "$T/bin/t.csv"
printf 'input: { format: csv }\nsteps:\n  - export: { format: jsonl, path: "-" }\n' > "$T/bin/csv.yaml"
out=$("$Q" run "$T/bin/csv.yaml" "$T/bin/t.csv" 2>&1); rc=$?
check "a CSV header with a NUL byte: refused" "2 $T/bin/t.csv:1: binary data or UTF-16, not UTF-8 text (a NUL byte in the header); leave such files out of the input" "$rc $out"

# A folder given that holds no file to read is said in the summary (not an
# error: a drop folder may be empty), in Lua's summary too.
mkdir -p "$T/ef/empty" "$T/ef/hidden" "$T/ef/full"
printf 'x\n' > "$T/ef/hidden/.notes"
printf 'a text\n' > "$T/ef/full/a.txt"
printf 'input: { format: text }\nsteps:\n  - export: { format: jsonl, path: "-", include_text: false }\n' > "$T/ef/p.yaml"
err=$(cd "$T/ef" && "$Q" run p.yaml empty full hidden 2>&1 >/dev/null); rc=$?
check "folders with no file to read: summary" "0 quarry: read 1 = written 1 + dropped 0 + failed 0
quarry: no file to read in the folders empty, hidden (hidden files are passed over)" "$rc $(echo "$err" | head -2)"
err=$(cd "$T/ef" && "$Q" run p.yaml empty 2>&1 >/dev/null); rc=$?
check "an empty folder: summary" "0 quarry: read 0 = written 0 + dropped 0 + failed 0
quarry: no file to read in the folder empty (hidden files are passed over)" "$rc $(echo "$err" | head -2)"
cat > "$T/ef/run.lua" <<'LUA'
local q = require "quarry"
local s = assert(assert(q.pipeline.load("p.yaml")):run{ inputs = { "empty", "full" } })
print(s.read, table.concat(s.empty_folders, " "))
LUA
check "an empty folder: Lua summary" "1	empty" "$(cd "$T/ef" && "$Q" lua run.lua 2>&1 | tail -1)"

# numbers jansson cannot hold (an integer past 64 bits, 1e400) are kept
# exactly, as strings; the record is not malformed (it was)
printf '{"id":"x","text":"t","tweet_id":12345678901234567890,"big":1e400,"n":-3,"f":2.5}\n{"id":18446744073709551616,"text":"u"}\n' >"$T/big.jsonl"
printf 'input: { format: jsonl }\nsteps:\n  - export: { path: "-" }\n' >"$T/bj.yaml"
check "jsonl: numbers beyond 64 bits kept as their digits" '{"id":"x","text":"t","meta":{"tweet_id":"12345678901234567890","big":"1e400","n":-3,"f":2.5},"entities":[]}
{"id":"18446744073709551616","text":"u","entities":[]}' "$("$Q" run "$T/bj.yaml" "$T/big.jsonl" -q 2>&1)"

done_suite "cli io"
