#!/bin/sh
# quarry run / check / steps: arguments, exit codes, summary, stdin, --errors, progress.
. tests/cli/lib.sh

cat > "$T/p.yaml" <<'EOF'
input: { format: lines }
steps:
  - regex: { patterns: { YEAR: '\b\d{4}\b' } }
  - regex: { name: strict, on_error: '${policy:-drop}', match_limit: 3000, patterns: { RUNAWAY: '^(\w+\s?)*$' } }
  - export: { format: tsv, path: '-', what: entities, header: false }
EOF
printf 'in 1999\nthis line is long enough that the nested quantifier blows the match limit.\n2020\n' > "$T/in.txt"

# stdin ('-') as input, drop policy, summary accounting, exit 1
out=$(cd "$T" && "$Q" run p.yaml - < in.txt 2> err.txt); rc=$?
check "drop: exit 1" 1 "$rc"
check "drop: output" "$(printf 'stdin:1\t0\t7\tin 1999\tRUNAWAY\t\nstdin:1\t3\t7\t1999\tYEAR\t\nstdin:3\t0\t4\t2020\tRUNAWAY\t\nstdin:3\t0\t4\t2020\tYEAR\t')" "$out"
check "drop: summary" "quarry: read 3 = written 2 + dropped 0 + failed 1 (use --errors FILE to keep the details)" "$(head -1 "$T/err.txt")"
check_contains "drop: step table" "  strict " "$(cat "$T/err.txt")"
check "drop: no progress line when stderr is not a terminal" "" "$(grep -c "$(printf '\r')" "$T/err.txt" | grep -v '^0$')"

# --errors FILE (relative to the working directory), --set wins over the default
(cd "$T" && "$Q" run p.yaml in.txt --quiet --set policy=skip --errors logs/e.jsonl > out2.txt 2> err2.txt); rc=$?
check "skip: exit 1" 1 "$rc"
check "skip: quiet" "" "$(cat "$T/err2.txt")"
check "skip: errors file" '{"id":"in.txt:2","step":"strict","message":"regex RUNAWAY: match limit exceeded at byte offset 0 in this document; simplify the pattern or raise match_limit","file":"in.txt","line":2}' "$(cat "$T/logs/e.jsonl")"
check "skip: doc kept" "4" "$(wc -l < "$T/out2.txt" | tr -d ' ')"

# --stats: the summary as JSON
(cd "$T" && "$Q" run p.yaml in.txt --quiet --stats st.json > /dev/null 2>&1)
st=$(tr -d ' \n' < "$T/st.json" | sed 's/"seconds":[0-9.e-]*//g')
check_contains "stats: counts" '"status":1,"read":3,"written":2,"dropped":0,"failed":1,"skipped":0,' "$st"
check_contains "stats: steps" '{"name":"strict",,"errors":1}' "$st"

# -j: same output for 1 and 3 workers
(cd "$T" && "$Q" run p.yaml in.txt -j 1 --quiet --set policy=skip > j1.txt 2>/dev/null
           "$Q" run p.yaml in.txt -j3 --quiet --set policy=skip > j3.txt 2>/dev/null)
check "jobs: identical" "" "$(cmp "$T/j1.txt" "$T/j3.txt")"

# fail policy: exit 1 and the message
(cd "$T" && "$Q" run p.yaml in.txt --quiet --set policy=fail > /dev/null 2> err3.txt); rc=$?
check "fail: exit 1" 1 "$rc"
check "fail: message" "p.yaml:4:5: document 'in.txt:2' (in.txt:2) failed at step 'strict': regex RUNAWAY: match limit exceeded at byte offset 0 in this document; simplify the pattern or raise match_limit (set on_error: skip or drop on the step to go on)" "$(cat "$T/err3.txt")"
# the documents before the one that failed are on standard output (counted
# as written), for every -j; a file output is not published, and says so
for j in 1 2 3; do
    out=$(cd "$T" && "$Q" run p.yaml in.txt -j $j --set policy=fail 2> err4.txt)
    check "fail, -j $j: what was exported before is on stdout" "$(printf 'stdin:1\t0\t7\tin 1999\tRUNAWAY\t\nstdin:1\t3\t7\t1999\tYEAR\t' | sed 's/stdin/in.txt/g')" "$out"
    check "fail, -j $j: summary" "quarry: read 2 = written 1 + dropped 0 + failed 1 (use --errors FILE to keep the details)
quarry: the run stopped: no output file was published (what was written to standard output stays)" "$(sed -n 2,3p "$T/err4.txt")"
done

# usage errors: exit 2
"$Q" run > /dev/null 2>&1; check "run: no pipeline" 2 "$?"
# quarry check creates nothing: no output folder, no temporary file, no
# gazetteer cache (it made the folders, and wrote the cache); it still
# refuses an output that cannot be made
mkdir -p "$T/ck" && printf 'Paris\n' > "$T/ck/c.txt" && : > "$T/ck/afile"
cat > "$T/ck/p.yaml" <<'YAML'
input: { format: lines }
steps:
  - gazetteer: { lists: [ { path: c.txt, label: CITY } ], cache: cache/g.bin }
  - export: { path: new/sub/d.jsonl }
  - export_html: { path: html/r.html }
  - export_sqlite: { path: db/n.sqlite }
  - export_brat: { path: brat }
  - export_displacy: { path: dx/d.json }
  - cooccur: { path: co/c.tsv }
YAML
"$Q" check "$T/ck/p.yaml" > /dev/null; rc=$?
check "check: creates nothing" "0:afile c.txt p.yaml" "$rc:$(ls "$T/ck" | tr '\n' ' ' | sed 's/ $//')"
printf 'input: { format: lines }\nsteps:\n  - export: { path: afile/x/d.jsonl }\n' > "$T/ck/bad.yaml"
check "check: an output under a file" "$T/ck/bad.yaml:3:5: step 'export': export: cannot create folder $T/ck/afile: Not a directory
rc=2" "$("$Q" check "$T/ck/bad.yaml" 2>&1; echo "rc=$?")"
check "run: a folder as the pipeline" "$T: this is a folder, not a pipeline: give the pipeline's YAML file (the inputs come after it)
rc=2" "$("$Q" run "$T" 2>&1; echo "rc=$?")"
msg=$("$Q" run "$T/p.yaml" -j 0 2>&1); rc=$?
check "run -j 0" "2:quarry run: -j needs a number of threads from 1 to 1024, got '0'" "$rc:$msg"
msg=$("$Q" run "$T/p.yaml" -j 2>&1); rc=$?
check "run -j without a number" "2:quarry run: -j needs a number of threads from 1 to 1024, got nothing" "$rc:$msg"
msg=$("$Q" run "$T/p.yaml" --jobs=two 2>&1); rc=$?
check "run --jobs=two" "2:quarry run: -j needs a number of threads from 1 to 1024, got 'two'" "$rc:$msg"
msg=$("$Q" run "$T/p.yaml" --set x 2>&1); rc=$?
check "run --set x" "2:quarry run: --set needs NAME=VALUE, as in --set out=/tmp/out" "$rc:$msg"
printf 'vars: { out: def }\ninput: { format: lines }\nsteps:\n  - export: { path: "${out}/d.jsonl" }\n' > "$T/sv.yaml"
check "--set twice: the last wins" "  - export: { format: jsonl, path: second/d.jsonl," \
    "$("$Q" check "$T/sv.yaml" --set out=first --set=out=second | grep -o '  - export: { format: jsonl, path: [^ ]*')"
msg=$("$Q" run "$T/p.yaml" --frobnicate 2>&1); rc=$?
check "run unknown option" "2:quarry run: unknown option '--frobnicate'; see 'quarry run --help'" "$rc:$msg"
msg=$("$Q" run "$T/p.yaml" "$T/missing.txt" 2>&1); rc=$?
check "run: missing input" 2 "$rc"
check_contains "run: missing input names it" "missing.txt" "$msg"
msg=$("$Q" run "$T/nope.yaml" 2>&1); rc=$?
check "run: missing pipeline" "2:$T/nope.yaml: cannot open the pipeline: No such file or directory" "$rc:$msg"
"$Q" run --help | grep -q '^usage: quarry run PIPELINE'; check "run --help" 0 "$?"

# check
msg=$("$Q" check "$T/p.yaml" --set policy=skip); rc=$?
check "check: exit 0" 0 "$rc"
check_contains "check: resolved step" "  - regex: { patterns: { RUNAWAY: ^(\\w+\\s?)*\$ }, match_limit: 3000, name: strict, on_error: skip }    # parallel workers" "$(printf '%s' "$msg" | sed "s/ flags: '',//")"
check_contains "check: ordered step" "  - export: { format: tsv, path: '-'" "$msg"
msg=$("$Q" check "$T/p.yaml" "$T/in.txt" 2>&1); rc=$?
check "check: one pipeline only" 2 "$rc"

# steps
msg=$("$Q" steps); rc=$?
check "steps: exit 0" 0 "$rc"
check_contains "steps: tokenize" "tokenize " "$msg"
check_contains "steps: regex line" "regex " "$msg"
msg=$("$Q" steps regex)
check_contains "steps regex: option" "  match_limit  int" "$msg"
check_contains "steps regex: on_error" "  on_error " "$msg"
msg=$("$Q" steps tokenise 2>&1); rc=$?
check "steps: unknown" "2:quarry steps: unknown step 'tokenise'; did you mean 'tokenize'?" "$rc:$msg"
msg=$("$Q" steps input)
check_contains "steps input" "  text_field" "$msg"

msg=$("$Q" steps --markdown)
check_contains "steps --markdown: section" "$(printf '\n## regex\n\nFind regular-expression matches')" "$msg"
check_contains "steps --markdown: row" "| \`match_limit\` | int | \`10000000\` | PCRE2 match limit per search" "$msg"
check_contains "steps --markdown: enum escaped" "| \`on_error\` | fail\\|skip\\|drop | \`fail\` |" "$msg"

# gazetteer cache: built on the first run, used on the second, rebuilt when a list changes
mkdir -p "$T/gz"
printf 'Paris\tCITY\nLyon\tCITY\n' > "$T/gz/cities.tsv"
cat > "$T/gz/p.yaml" <<'EOF2'
input: { format: lines }
steps:
  - gazetteer: { lists: [ { path: cities.tsv } ], cache: cache/cities.bin }
  - export: { format: tsv, path: '-', what: entities, header: false, include_text: false }
EOF2
printf 'Paris and Lyon and Nice\n' > "$T/gz/in.txt"
first=$("$Q" run "$T/gz/p.yaml" "$T/gz/in.txt" --quiet | cut -f5 | tr '\n' ' ')
check "cache: first run" "CITY CITY " "$first"
check "cache: file written" "yes" "$([ -s "$T/gz/cache/cities.bin" ] && echo yes)"
stamp1=$(stat -c %y "$T/gz/cache/cities.bin")
second=$("$Q" run "$T/gz/p.yaml" "$T/gz/in.txt" --quiet | cut -f5 | tr '\n' ' ')
check "cache: second run" "$first" "$second"
check "cache: not rewritten when valid" "$stamp1" "$(stat -c %y "$T/gz/cache/cities.bin")"
printf 'Paris\tCITY\nLyon\tCITY\nNice\tCITY\n' > "$T/gz/cities.tsv"
third=$("$Q" run "$T/gz/p.yaml" "$T/gz/in.txt" --quiet | cut -f5 | tr '\n' ' ')
check "cache: rebuilt after a change" "CITY CITY CITY " "$third"

# The threaded runner (-j N: the calling thread and N - 1 workers, reading as
# a role): the same bytes for every -j over 20,000 one-line records (many
# small hand-offs), over records larger than the in-flight window, and over
# a stream from a pipe (the calling thread then leaves reading to the
# workers); a failure deep in the input stops every -j with the same message.
mkdir -p "$T/thr"
awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "{\"id\":\"t%d\",\"text\":\"In %d, $%d.50 went to %s.\"}\n", i, 1800 + i % 300, i, (i % 3 ? "Paris" : "Lyon") }' > "$T/thr/tiny.jsonl"
awk 'BEGIN { for (d = 1; d <= 6; d++) { printf "{\"id\":\"big%d\",\"text\":\"", d
             for (k = 0; k < 30000 * d; k++) printf "In %d Paris paid $%d. ", 1900 + k % 120, k
             printf "\"}\n" } }' > "$T/thr/big.jsonl"
cat > "$T/thr/p.yaml" <<'EOF2'
input: { format: jsonl }
steps:
  - tokenize: {}
  - sentences: {}
  - regex: { patterns: { YEAR: '\b(?:1[89]|20)\d\d\b', MONEY: '\$\d[\d,]*(?:\.\d\d)?' } }
  - lua:
      code: |
        function process(doc)
          if doc.id == "${boom:-none}" then error("boom in " .. doc.id) end
          doc.fields.n = #doc:entities()
        end
  - export: { format: jsonl, path: '${out}', include_text: false }
EOF2
for f in tiny big; do
    (cd "$T/thr" && "$Q" run p.yaml $f.jsonl -j 1 --quiet --set out=$f-1.jsonl)
    check "threads: $f: -j 1 wrote every record" "$(wc -l < "$T/thr/$f.jsonl")" "$(wc -l < "$T/thr/$f-1.jsonl")"
    for j in 2 3 8; do
        (cd "$T/thr" && "$Q" run p.yaml $f.jsonl -j $j --quiet --set out=$f-$j.jsonl)
        check "threads: $f: -j $j = -j 1" "" "$(cmp "$T/thr/$f-1.jsonl" "$T/thr/$f-$j.jsonl" 2>&1)"
    done
done
(cd "$T/thr" && cat tiny.jsonl | "$Q" run p.yaml - -j 3 --quiet --set out=pipe-3.jsonl)
check "threads: from a pipe, -j 3 = -j 1" "" "$(cmp "$T/thr/tiny-1.jsonl" "$T/thr/pipe-3.jsonl" 2>&1)"
check "threads: last record" '{"id":"t20000","entities":[{"start":3,"end":7,"text":"2000","label":"YEAR","id":null},{"start":9,"end":18,"text":"$20000.50","label":"MONEY","id":null}],"fields":{"n":2}}' "$(tail -1 "$T/thr/pipe-3.jsonl")"
for j in 1 2 8; do
    out=$(cd "$T/thr" && "$Q" run p.yaml tiny.jsonl -j $j --quiet --set out=boom.jsonl --set boom=t17777 2>&1); rc=$?
    check "threads: fail at record 17777, -j $j: exit 1" 1 "$rc"
    check "threads: fail at record 17777, -j $j: message" "p.yaml:6:5: document 't17777' (tiny.jsonl:17777) failed at step 'lua': p.yaml:9: boom in t17777 (set on_error: skip or drop on the step to go on)" "$out"
    check "threads: fail, -j $j: nothing published" "no" "$([ -e "$T/thr/boom.jsonl" ] && echo yes || echo no)"
done

# Threads lend their token and sentence buffers to the documents they run
# and take them back (runner.c): an ordered step that reads tokens or
# sentences (here the export) gets them made again, with the same bytes.
cat > "$T/thr/tok.yaml" <<'EOF2'
input: { format: jsonl }
steps:
  - tokenize: {}
  - sentences: {}
  - regex: { patterns: { YEAR: '\b(?:1[89]|20)\d\d\b' } }
  - export: { format: jsonl, path: '${out}', include_tokens: true, include_sentences: true }
EOF2
(cd "$T/thr" && "$Q" run tok.yaml tiny.jsonl -j 1 --quiet --set out=tok-1.jsonl)
check "threads: tokens exported, last record" '{"id":"t20000","text":"In 2000, $20000.50 went to Paris.","entities":[{"start":3,"end":7,"text":"2000","label":"YEAR","id":null}],"sentences":[[0,33]],"tokens":[[0,2],[3,7],[7,8],[9,10],[10,18],[19,23],[24,26],[27,32],[32,33]]}' "$(tail -1 "$T/thr/tok-1.jsonl")"
for j in 2 3; do
    (cd "$T/thr" && "$Q" run tok.yaml tiny.jsonl big.jsonl -j $j --quiet --set out=tok-$j.jsonl)
    (cd "$T/thr" && "$Q" run tok.yaml tiny.jsonl big.jsonl -j 1 --quiet --set out=tok-all-1.jsonl)
    check "threads: tokens exported, -j $j = -j 1" "" "$(cmp "$T/thr/tok-all-1.jsonl" "$T/thr/tok-$j.jsonl" 2>&1)"
done

done_suite "cli run"
