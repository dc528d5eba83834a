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
# Unknown commands and options: exit 2, the command's name and where to look
check "no command" "2" "$($Q >/dev/null 2>&1; echo $?)"
check "unknown command" "quarry: unknown command 'frobnicate'; run 'quarry --help' for the list
rc=2" "$($Q frobnicate 2>&1; echo "rc=$?")"
for c in check train eval; do
    check "$c: unknown option" "quarry $c: unknown option '--bogus'; see 'quarry $c --help'
rc=2" "$($Q $c p.yaml --bogus 2>&1; echo "rc=$?")"
done
check "steps: unknown option" "quarry steps: unknown option '--bogus'; see 'quarry steps --help'
rc=2" "$($Q steps --bogus 2>&1; echo "rc=$?")"
# a misspelt command or option: the closest one is suggested
check "misspelt command" "quarry: unknown command 'rn'; did you mean 'run'? (run 'quarry --help' for the list)
rc=2" "$($Q rn p.yaml 2>&1; echo "rc=$?")"
check "run: misspelt option" "quarry run: unknown option '--qiet'; did you mean '--quiet'? (see 'quarry run --help')
rc=2" "$($Q run p.yaml --qiet 2>&1; echo "rc=$?")"
check "run: misspelt option with a value" "quarry run: unknown option '--jbos=2'; did you mean '--jobs'? (see 'quarry run --help')
rc=2" "$($Q run p.yaml --jbos=2 2>&1; echo "rc=$?")"
check "check: an option of run only" "quarry check: unknown option '--quiet'; see 'quarry check --help'
rc=2" "$($Q check p.yaml --quiet 2>&1; echo "rc=$?")"
check "train: misspelt option" "quarry train: unknown option '--lable-field'; did you mean '--label-field'? (see 'quarry train --help')
rc=2" "$($Q train p.yaml --lable-field x 2>&1; echo "rc=$?")"
check "eval: misspelt option" "quarry eval: unknown option '--jsno'; did you mean '--json'? (see 'quarry eval --help')
rc=2" "$($Q eval p.yaml --jsno 2>&1; echo "rc=$?")"
check "match: misspelt option" "quarry match: unknown option '--overlap'; did you mean '--overlaps'? (see 'quarry match --help')
rc=2" "$($Q match --overlap 2>&1; echo "rc=$?")"
check "tokenize: misspelt option" "quarry tokenize: unknown option '--ofsets'; did you mean '--offsets'? (see 'quarry tokenize --help')
rc=2" "$($Q tokenize --ofsets chars 2>&1; echo "rc=$?")"
check "sentences: misspelt option" "quarry sentences: unknown option '--fromat'; did you mean '--format'? (see 'quarry sentences --help')
rc=2" "$($Q sentences --fromat lines 2>&1; echo "rc=$?")"
check "steps: misspelt option" "quarry steps: unknown option '--markdwn'; did you mean '--markdown'? (see 'quarry steps --help')
rc=2" "$($Q steps --markdwn 2>&1; echo "rc=$?")"
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

# an input that cannot be read (EIO, even as root): an exact message, exit 2
for c in tokenize sentences; do
    check "$c: unreadable input" "quarry $c: cannot read '/proc/self/mem': Input/output error
rc=2" "$($Q $c /proc/self/mem 2>&1; echo "rc=$?")"
done
check "run: unreadable input" "/proc/self/mem:1: read error: Input/output error
rc=2" "$($Q run p.yaml /proc/self/mem -q 2>&1; echo "rc=$?")"
# a missing input named on the command line is relative to the working
# folder; one of input.paths, to the pipeline's folder, which its hint says
check "run: missing input" "nothere.txt: no such file or folder
rc=2" "$($Q run p.yaml nothere.txt -q 2>&1; echo "rc=$?")"
mkdir -p sub && printf 'input: { format: lines, paths: [nothere.txt] }\nsteps:\n  - tokenize: {}\n' >sub/ip.yaml
check "run: missing input.paths entry" "sub/nothere.txt: no such file or folder (relative input.paths are resolved against the pipeline's folder)
rc=2" "$($Q run sub/ip.yaml -q 2>&1; echo "rc=$?")"
# }==================================================================

# {==================================================================
# A corrupt gazetteer cache is rebuilt, whatever the damage
printf 'Paris\tCITY\nNew York\tCITY\n' >cities.tsv
printf 'Paris and New York\n' >c.txt
printf 'input: { format: text }\nsteps:\n  - tokenize: {}\n  - gazetteer: { lists: [ { path: cities.tsv } ], cache: c.bin }\n  - export: { format: jsonl, path: "-", include_text: false }\n' >pg.yaml
good=$($Q run pg.yaml c.txt -q)
check "cache: first run finds both" 2 "$(printf '%s' "$good" | grep -o CITY | wc -l)"
size=$(wc -c <c.bin)
for cut in 0 7 100 $((size - 1)); do
    head -c "$cut" c.bin >c.cut && mv c.cut c.bin
    check "cache truncated to $cut bytes: rebuilt" "$good" "$($Q run pg.yaml c.txt -q 2>&1)"
done
printf '\377\377\377\377' | dd of=c.bin bs=1 seek=40 conv=notrunc 2>/dev/null
check "cache with flipped bytes: rebuilt" "$good" "$($Q run pg.yaml c.txt -q 2>&1)"
check "cache: rewritten whole" "$size" "$(wc -c <c.bin)"
# }==================================================================

# {==================================================================
# --errors naming an input: it was emptied before it was read (exit 0, no documents)
printf '{"id":"1","text":"abc"}\n' >same.jsonl
check "errors file = input: refused" "the errors file same.jsonl is also an input: writing it would empty it before it is read; give the errors another path
rc=2" "$($Q run p.yaml same.jsonl -q --errors same.jsonl 2>&1; echo "rc=$?")"
check "errors file = input: the input is intact" '{"id":"1","text":"abc"}' "$(cat same.jsonl)"
# --errors naming an export's output (written whole at the end, it would
# replace the errors): refused before anything is read or written
printf 'input: { format: jsonl }\nsteps:\n  - export: { format: jsonl, path: out/docs.jsonl }\n' >eo.yaml
check "errors file = an output: refused" "the errors file ./out/docs.jsonl is also the output of step 'export': one would replace the other; give the errors another path
rc=2" "$($Q run eo.yaml same.jsonl -q --errors ./out/docs.jsonl 2>&1; echo "rc=$?")"
check "errors file = an output: nothing written" "" "$(ls -A out 2>/dev/null)"
# --errors naming the pipeline file
check "errors file = the pipeline: refused" "the errors file eo.yaml is the pipeline file: writing the errors there would replace it; give the errors another path
rc=2" "$($Q run eo.yaml same.jsonl -q --errors eo.yaml 2>&1; echo "rc=$?")"
check "errors file = the pipeline: intact" "input: { format: jsonl }" "$(head -1 eo.yaml)"
# --stats FILE: checked as the errors file is, before anything is read
# (it used to overwrite whatever it named, the input included, exit 0)
check "stats file = input: refused" "the stats file same.jsonl is also an input: writing it would empty it before it is read; give the stats another path
rc=2" "$($Q run eo.yaml same.jsonl -q --stats same.jsonl 2>&1; echo "rc=$?")"
check "stats file = input: the input is intact" '{"id":"1","text":"abc"}' "$(cat same.jsonl)"
check "stats file = an output: refused" "the stats file out/docs.jsonl is also the output of step 'export': one would replace the other; give the stats another path
rc=2" "$($Q run eo.yaml same.jsonl -q --stats out/docs.jsonl 2>&1; echo "rc=$?")"
check "stats file = the pipeline: refused" "the stats file eo.yaml is the pipeline file: writing the stats there would replace it; give the stats another path
rc=2" "$($Q run eo.yaml same.jsonl -q --stats eo.yaml 2>&1; echo "rc=$?")"
check "stats file = the pipeline: intact" "input: { format: jsonl }" "$(head -1 eo.yaml)"
check "stats file = the errors file: refused" "the stats file e.jsonl is also the errors file; give the stats another path
rc=2" "$($Q run eo.yaml same.jsonl -q --errors e.jsonl --stats e.jsonl 2>&1; echo "rc=$?")"
check "stats file = a folder: refused" "the stats file out is a folder; give a file, as in --stats out/stats.json
rc=2" "$(mkdir -p out; $Q run eo.yaml same.jsonl -q --stats out 2>&1; echo "rc=$?")"
$Q run eo.yaml same.jsonl -q --stats st/a/s.json; rc=$?
check "stats file: its folder is made" "0 1" "$rc $(sed -n 's/^ *"read": \([0-9]*\),$/\1/p' st/a/s.json)"
rm -rf out
# An export writing a file the pipeline reads (its YAML, a list) would
# replace it at the end of the run: refused by check and run, exit 2
printf 'input: { format: lines }\nsteps:\n  - export: { format: jsonl, path: self.yaml }\n' >self.yaml
check "export over the pipeline file: refused" "self.yaml:3:36: step 'export' writes self.yaml, which is the pipeline file: the output would replace it; give the output another path
rc=2" "$($Q run self.yaml same.jsonl -q 2>&1; echo "rc=$?")"
mkdir -p gz && printf 'Paris\nLondon\n' >gz/cities.txt && ln -sf gz/cities.txt link.txt
printf 'input: { format: lines }\nsteps:\n  - gazetteer: { lists: [ { path: gz/cities.txt, label: CITY } ] }\n  - export: { format: tsv, what: entities, path: link.txt }\n' >gl.yaml
check "export over a gazetteer list (through a link): refused" "gl.yaml:4:50: step 'export' writes link.txt, which is read by step 'gazetteer' (lists, line 3): the output would replace it; give the output another path
rc=2" "$($Q check gl.yaml 2>&1; echo "rc=$?")"
check "export over a gazetteer list: intact" "Paris" "$(head -1 gz/cities.txt)"
printf 'errors: ee.yaml\ninput: { format: lines }\nsteps:\n  - export: { path: "-" }\n' >ee.yaml
check "errors: naming the pipeline file: refused" "ee.yaml:1:9: the errors file ee.yaml is the pipeline file: writing the errors there would replace it; give the errors another path
rc=2" "$($Q check ee.yaml 2>&1; echo "rc=$?")"
# }==================================================================

# {==================================================================
# An output that can no longer be written (here /dev/full, as a full disk)
# stops the run whatever on_error says (skip used to fail every later
# document alike): exit 2, the document it stopped at, nothing published
if [ -w /dev/full ]; then
    i=0; while [ $i -lt 2000 ]; do echo "line $i with words enough to fill the export's 64 KB buffer"; i=$((i + 1)); done >many.txt
    for pol in fail skip; do
        printf 'input: { format: lines }\nsteps:\n  - export: { format: jsonl, path: /dev/full, on_error: %s }\n' $pol >full.yaml
        out=$($Q run full.yaml many.txt -j 2 2>&1); rc=$?
        check "full output, on_error: $pol: stops, exit 2" "full.yaml:3:5: step 'export' cannot go on (at document 'many.txt:621'): export: cannot write /dev/full: No space left on device; the run stops and publishes no file
quarry: read 621 = written 620 + dropped 0 + failed 1 (use --errors FILE to keep the details)
rc=2" "$(printf '%s\n' "$out" | head -2)
rc=$rc"
    done
fi
# }==================================================================

# {==================================================================
# A huge CSV header line keeps its hint
head -c 5000 /dev/zero | tr '\0' x >wide.csv
sed 's/format: text/format: csv/' p.yaml >pc.yaml
check "csv: huge header" "wide.csv:1: no column \"text\" in the header (columns: \
xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...); set input.text_column
rc=2" "$($Q run pc.yaml wide.csv -q 2>&1; echo "rc=$?")"
# }==================================================================

# {==================================================================
# Outputs that are not regular files. Exports publish by renaming a
# temporary file over the path; over a device node that replaced /dev/null
# itself (as root). These tests use links and FIFOs in $T, never /dev.
printf '{"id":"1","text":"abc"}\n{"id":"2","text":"a"}\n' >in.jsonl
cat >pe.yaml <<'YAML'
input: { format: jsonl }
steps:
  - tokenize: {}
  - export: { format: jsonl, path: '${out}', include_text: false }
YAML
want='{"id":"1","entities":[]}
{"id":"2","entities":[]}'
ln -s real.jsonl link.jsonl
$Q run pe.yaml in.jsonl -q --set out=link.jsonl
check "export: a symbolic link stays a link" "link.jsonl -> real.jsonl" \
    "$(ls -l link.jsonl | sed 's/.* link/link/')"
check "export: written through the link" "$want" "$(cat real.jsonl)"
ln -s /proc/self/fd/1 so
check "export: a link to our own stdout is stdout" "$want" "$($Q run pe.yaml in.jsonl -q --set out=so)"
if mkfifo ff 2>/dev/null; then
    timeout 20 cat ff >fifo.out &      # bounded: a regression must not hang the suite
    $Q run pe.yaml in.jsonl -q --set out=ff
    wait
    check "export: a FIFO is written in place" "$want" "$(cat fifo.out)"
    check "export: the FIFO is still a FIFO" "yes" "$([ -p ff ] && echo yes)"
fi
mkdir outdir
check "export: a folder" "pe.yaml:4:5: step 'export': export: $T/outdir is a folder; give a file path, as in $T/outdir/docs.jsonl
rc=2" "$($Q run pe.yaml in.jsonl -q --set out="$T/outdir" 2>&1; echo "rc=$?")"
check "export: a folder, written with a slash" "pe.yaml:4:5: step 'export': export: $T/outdir/ is a folder; give a file path, as in $T/outdir/docs.jsonl
rc=2" "$($Q run pe.yaml in.jsonl -q --set out="$T/outdir/" 2>&1; echo "rc=$?")"
for s in export_sqlite export_html export_displacy export_brat; do
    printf 'input: { format: jsonl }\nsteps:\n  - tokenize: {}\n  - %s: { path: link.jsonl }\n' "$s" >pn.yaml
    check "$s: never renamed over a link" "pn.yaml:4:5: step '$s': cannot write link.jsonl: it is a device, pipe or symbolic link, and the finished output replaces what is at that path; give a file path
rc=2" "$($Q run pn.yaml in.jsonl -q 2>&1; echo "rc=$?")"
done
printf 'input: { format: jsonl }\nsteps:\n  - tokenize: {}\n  - sentences: {}\n  - cooccur: { path: link.jsonl }\n' >pn.yaml
check "cooccur: never renamed over a link" "pn.yaml:5:5: step 'cooccur': cannot write link.jsonl: it is not a regular file (a folder, device, pipe or symbolic link) and the totals replace what is at that path; give a file path
rc=2" "$($Q run pn.yaml in.jsonl -q 2>&1; echo "rc=$?")"
# a temporary file that cannot be made names the output, and the temporary name
: > afile
printf 'input: { format: jsonl }\nsteps:\n  - tokenize: {}\n  - sentences: {}\n  - cooccur: { path: afile/pairs.tsv }\n' >pt.yaml
out=$($Q run pt.yaml in.jsonl -q 2>&1); rc=$?
check "cooccur: temporary file cannot be made" "pt.yaml:5:5: step 'cooccur': cannot write afile/pairs.tsv (creating afile/pairs.tsv.tmp-PID-X): Not a directory
rc=2" "$(printf '%s\n' "$out" | sed 's/tmp-[0-9]*-[0-9a-f]*/tmp-PID-X/')
rc=$rc"
# export: a name one temporary suffix too long for the file system
long=$(printf 'x%.0s' $(seq 1 245))
printf 'input: { format: jsonl }\nsteps:\n  - export: { format: jsonl, path: "o/%s.jsonl" }\n' "$long" >pl.yaml
check "export: temporary file cannot be made" "pl.yaml:3:5: step 'export': export: cannot create a temporary file next to o/$long.jsonl: File name too long
rc=2" "$($Q run pl.yaml in.jsonl -q 2>&1; echo "rc=$?")"
printf 'Paris\tCITY\n' >g.tsv
printf 'input: { format: jsonl }\nsteps:\n  - tokenize: {}\n  - gazetteer: { lists: [ { path: g.tsv } ], cache: link.jsonl }\n' >pn.yaml
check "gazetteer cache: never renamed over a link" "pn.yaml:4:53: step 'gazetteer': cannot write the gazetteer cache: it is not a regular file (a folder, device, pipe or symbolic link); give a file path
rc=2" "$($Q run pn.yaml in.jsonl -q 2>&1; echo "rc=$?")"
check "match --cache: a link is left alone" "quarry match: warning: link.jsonl: cannot write the gazetteer cache: it is not a regular file (a folder, device, pipe or symbolic link); give a file path
rc=0" "$($Q match -g g.tsv --cache link.jsonl s.txt 2>&1; echo "rc=$?")"
printf '{"text":"buy now","label":"spam"}\n{"text":"meeting today","label":"ham"}\n' >train.jsonl
printf 'input: { format: jsonl }\nsteps:\n  - tokenize: {}\n  - classify: { model: m.qrm }\n' >pt.yaml
check "train -o: never renamed over a link" "cannot write the model 'link.jsonl': it is not a regular file (a folder, device, pipe or symbolic link) and the model replaces what is at that path; give a file path
rc=2" "$($Q train pt.yaml train.jsonl -o link.jsonl -q 2>&1; echo "rc=$?")"
check "the link survived it all" "link.jsonl -> real.jsonl" "$(ls -l link.jsonl | sed 's/.* link/link/')"
# }==================================================================

# {==================================================================
# A message that echoes a long input keeps its hint (the middle is cut)
head -c 3000 /dev/zero | tr '\0' z >long.tsv; echo >>long.tsv
printf 'steps:\n  - tokenize: {}\n  - gazetteer: { lists: [ { path: long.tsv } ] }\n' >pl.yaml
out=$($Q check pl.yaml 2>&1)
check "long phrase: the hint survives" "zzz\": give the entry one (a TSV line's second column, a JSONL entry's \"label\") or the list a default label" "$(printf '%s' "$out" | tail -c 106)"
check "long phrase: the start survives" "long.tsv:1: step 'gazetteer': no label for \"zzz" "$(printf '%s' "$out" | head -c 47)"
check "long phrase: one line of about 1 KB" "1" "$(printf '%s\n' "$out" | wc -l | tr -d ' ')"
# }==================================================================

# {==================================================================
# train: an empty label says what to do
printf 'input: { format: jsonl }\nsteps:\n  - tokenize: {}\n  - classify: { model: m.qrm }\n' >pm.yaml
printf '{"text":"a","label":"x"}\n{"text":"b","label":""}\n' >lab.jsonl
check "train: empty label" "lab.jsonl:2: document 'lab.jsonl:2' has an empty 'label'; give it its label, or leave the record out
rc=2" "$($Q train pm.yaml lab.jsonl -o m.qrm -q 2>&1; echo "rc=$?")"
# }==================================================================

# {==================================================================
# Lua: labels and ids must be UTF-8 (CSV/TSV exports wrote the raw bytes)
cat >u.lua <<'LUA'
local q = require "quarry"
local d = q.doc("Paris and Lyon")
print(select(2, pcall(function() d:add_entity(1, 5, "\255L") end)))
print(select(2, pcall(function() d:add_entity(1, 5, "CITY", "\255") end)))
print(select(2, pcall(function() d:set_label("\255x") end)))
d:add_entity(1, 5, "CITY", "Paris")
print(#d:entities())
LUA
check "lua: labels and ids are UTF-8" "u.lua:3: bad argument #3 to 'add_entity' (label is not valid UTF-8)
u.lua:4: bad argument #4 to 'add_entity' (id is not valid UTF-8)
u.lua:5: bad argument #1 to 'set_label' (label is not valid UTF-8)
1" "$($Q lua u.lua 2>&1)"
# the errors file keeps a message that quotes bytes that are not UTF-8
printf "input: { format: lines }\nsteps:\n  - tokenize: {}\n  - lua: { on_error: skip, code: 'function process(d) d.fields[\"k\\\\255\"] = 1 end' }\n" >pu.yaml
check "errors file: message with a non-UTF-8 byte" '{"id":"s.txt:1","step":"lua","message":"pu.yaml:4: cannot set field '"'k\\\\xFF'"' (is the key valid UTF-8?)","file":"s.txt","line":1}' \
    "$($Q run pu.yaml s.txt -q --errors - 2>&1)"
# }==================================================================

# {==================================================================
# Ctrl-C stops a run cleanly: exit 130, and nothing half-written published
mkdir -p int && cd int || exit 1
awk 'BEGIN { for (i = 1; i <= 2000; i++) printf "{\"id\":\"d%d\",\"text\":\"doc %d\"}\n", i, i }' >in.jsonl
cat >p.yaml <<'YAML'
input: { format: jsonl }
steps:
  - tokenize: {}
  - lua:
      code: |
        local started = false
        function process(doc)
          if not started then started = true; io.open("started", "w"):close() end
          local t = os.clock() + 0.01
          while os.clock() < t do end
        end
  - export: { format: jsonl, path: out/docs.jsonl }
YAML
$Q run p.yaml in.jsonl -j 2 2>err.txt &
pid=$!
i=0
while [ ! -f started ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT $pid
wait $pid
check "interrupt: exit 130" 130 "$?"
check_contains "interrupt: says so" "no output file was published" "$(cat err.txt)"
check "interrupt: no output, no temporary file" "" "$(ls -A out 2>/dev/null)"

# Ctrl-C while a Lua step never returns (every document loops forever, so
# with -j 2 both threads are stuck in Lua): the step is interrupted.
cat > loop.yaml <<'YAML'
input: { format: jsonl }
steps:
  - tokenize: {}
  - lua:
      code: |
        function process(doc)
          io.open("looping", "w"):close()
          while true do end
        end
  - export: { format: jsonl, path: out/loop.jsonl }
YAML
for j in 1 2; do
    rm -f looping
    $Q run loop.yaml in.jsonl -j $j 2>err.txt &
    pid=$!
    i=0; while [ ! -f looping ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    sleep 0.2
    kill -INT $pid
    i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -0 $pid 2>/dev/null && { kill -9 $pid; echo "still running 10 s after Ctrl-C" >> err.txt; }
    wait $pid
    check "interrupt a Lua loop, -j $j: exit 130" 130 "$?"
    check_contains "interrupt a Lua loop, -j $j: says so" "no output file was published" "$(head -1 err.txt)"
    check "interrupt a Lua loop, -j $j: no output" "" "$(ls -A out 2>/dev/null)"
    # records read but not yet through every step are said, not lost from
    # the count (-j 1 holds one at a time: it failed, interrupted)
    if [ $j = 2 ]; then
        check_contains "interrupt a Lua loop, -j 2: records in flight said" \
            "more records had been read but not yet accounted for when the run stopped" "$(cat err.txt)"
    fi
done

# Ctrl-C while the run waits for input from a pipe that stays open: the run
# stops then (the wait gives up), not when the writer of the pipe is done.
# The writer sends one record, waits until its output shows (the output
# does not wait for more input), then holds the pipe open for up to 10 s.
cat > s.yaml <<'YAML'
input: { format: jsonl }
steps:
  - regex: { patterns: { YEAR: '\b\d{4}\b' } }
  - export: { format: jsonl, path: '-' }
YAML
for j in 1 2; do
    rm -f s.out held gave-up
    ( printf '%s\n' '{"id":"a","text":"in 1999"}'
      i=0; while [ $i -lt 100 ] && [ ! -s s.out ]; do sleep 0.1; i=$((i + 1)); done
      i=0; while [ $i -lt 100 ] && [ ! -f held ]; do sleep 0.1; i=$((i + 1)); done
      [ -f held ] || touch gave-up ) | $Q run s.yaml - -j $j >s.out 2>s.err &
    pid=$!
    i=0; while [ $i -lt 100 ] && [ ! -s s.out ]; do sleep 0.1; i=$((i + 1)); done
    qpid=$(pgrep -P $$ -x quarry)
    kill -INT $qpid
    i=0; while [ $i -lt 100 ] && kill -0 $qpid 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
    touch held
    wait $pid
    check "interrupt while waiting for a pipe, -j $j: exit 130" 130 "$?"
    check "interrupt while waiting for a pipe, -j $j: the record that came" \
        '{"id":"a","text":"in 1999","entities":[{"start":3,"end":7,"text":"1999","label":"YEAR","id":null}]}' "$(cat s.out)"
    check "interrupt while waiting for a pipe, -j $j: message" "interrupted after 1 records; no output file was published" "$(head -1 s.err)"
    check "interrupt while waiting for a pipe, -j $j: before the writer was done" "no" "$([ -f gave-up ] && echo yes || echo no)"
done

# The reader of standard output goes away (| head): the run stops as on
# Ctrl-C, so the export to a file publishes nothing and leaves no
# temporary file behind; exit 141 (SIGPIPE), and the message says why.
awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "{\"id\":\"d%d\",\"text\":\"document number %d\"}\n", i, i }' >big.jsonl
cat > bp.yaml <<'YAML'
input: { format: jsonl }
steps:
  - export: { format: jsonl, path: '-' }
  - export: { format: jsonl, path: out/all.jsonl }
YAML
for j in 1 2; do
    { $Q run bp.yaml big.jsonl -j $j 2>bp.err; echo $? >bp.rc; } | head -c 10 >bp.out
    check "stdout closed (| head), -j $j: exit 141" 141 "$(cat bp.rc)"
    check "stdout closed (| head), -j $j: what head read" '{"id":"d1"' "$(cat bp.out)"
    check "stdout closed (| head), -j $j: message" \
        "standard output was closed (broken pipe) after N records; no output file was published" \
        "$(head -1 bp.err | sed 's/after [0-9]* records/after N records/')"
    check "stdout closed (| head), -j $j: no output file, no temporary file" "" "$(ls -A out 2>/dev/null)"
done

# quarry lua: Ctrl-C stops a run the script started (p:run), cleanly, and
# then the script, as lua5.4 does; exit 130. p.yaml's Lua step takes 10 ms
# a document; fn.lua's function step never returns.
cat > run.lua <<'LUA'
local q = require "quarry"
local p = assert(q.pipeline.load("p.yaml"))
local s, err = p:run{ inputs = { "in.jsonl" }, jobs = tonumber(arg[1]) }
print("after the run", s, err)
LUA
cat > fn.lua <<'LUA'
local q = require "quarry"
local p = assert(q.pipeline{ input = { format = "jsonl" }, steps = {
  { tokenize = {} },
  function(doc) io.open("looping", "w"):close(); while true do end end,
  { export = { format = "jsonl", path = "out/fn.jsonl" } } } })
p:run{ inputs = { "in.jsonl" }, jobs = 2 }
print("after the run")
LUA
cat > top.lua <<'LUA'
io.open("looping", "w"):close()
local n = 0
while true do n = n + 1 end
LUA
# lua_ctrl_c NAME SIGNAL FLAG SCRIPT ARGS…: starts quarry lua, waits for
# FLAG (a file the script makes), sends SIGNAL, waits (10 s at most)
lua_ctrl_c() {
    name=$1 sig=$2 flag=$3
    shift 3
    rm -f "$flag"
    $Q lua "$@" >lua.out 2>lua.err &
    pid=$!
    i=0; while [ ! -f "$flag" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    sleep 0.1
    kill -"$sig" $pid
    i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -0 $pid 2>/dev/null && { kill -9 $pid; echo "still running 10 s after $sig" >> lua.err; }
    wait $pid
    lua_status=$?
}
for j in 1 2; do
    lua_ctrl_c "p:run -j $j" INT started run.lua $j
    check "quarry lua, Ctrl-C in p:run, jobs = $j: exit 130" 130 "$lua_status"
    check "quarry lua, Ctrl-C in p:run, jobs = $j: message" \
        "quarry lua: interrupted after N records; no output file was published" \
        "$(head -1 lua.err | sed 's/after [0-9]* records/after N records/')"
    check "quarry lua, Ctrl-C in p:run, jobs = $j: where" "	run.lua:3: in main chunk" "$(sed -n 4p lua.err)"
    check "quarry lua, Ctrl-C in p:run, jobs = $j: the script stops" "" "$(cat lua.out)"
    check "quarry lua, Ctrl-C in p:run, jobs = $j: no output, no temporary file" "" "$(ls -A out 2>/dev/null)"
done
lua_ctrl_c "function step" INT looping fn.lua
check "quarry lua, Ctrl-C in a function step that loops: exit 130" 130 "$lua_status"
check_contains "quarry lua, Ctrl-C in a function step that loops: message" \
    "records; no output file was published" "$(head -1 lua.err)"
check "quarry lua, Ctrl-C in a function step that loops: no output" "" "$(ls -A out 2>/dev/null)$(cat lua.out)"
lua_ctrl_c "script" INT looping top.lua
check "quarry lua, Ctrl-C in the script's own loop: exit 130" 130 "$lua_status"
check "quarry lua, Ctrl-C in the script's own loop: message" "quarry lua: interrupted!
stack traceback:
	top.lua:3: in main chunk" "$(cat lua.err)"
lua_ctrl_c "script" TERM looping top.lua
check "quarry lua, SIGTERM: exit 143" 143 "$lua_status"
check "quarry lua, SIGTERM: message" "quarry lua: interrupted!" "$(head -1 lua.err)"
cd "$T" || exit 1
# }==================================================================

done_suite "cli robust"
