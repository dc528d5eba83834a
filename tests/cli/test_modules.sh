#!/bin/sh
# C modules: refusals with exact messages, a failing module step under each
# on_error policy, the sentiment example's values, quarry steps --module,
# QUARRY_MODULE_PATH, news-sentiment.yaml, and an out-of-tree build against
# `make install` with pkg-config. Test modules: tests/modules/*.c.
. tests/cli/lib.sh
B=${BUILD:-build}
M=$PWD/$B/tests/modules
S=$PWD/$B/modules/sentiment.so

# {==================================================================
# Refusals (quarry check: exit 2, file:line:col of the entry)
refuse() {
    printf 'modules: [%s]\nsteps: [tokenize]\n' "$2" >"$T/r.yaml"
    out=$("$Q" check "$T/r.yaml" 2>&1)
    rc=$?
    check "$1" "$3" "$out"
    check "$1: exit" 2 "$rc"
}
refuse "ABI major mismatch" "$M/abi_future.so" \
"$T/r.yaml:1:11: module '$M/abi_future.so' was built for module ABI 2.4, but this quarry has ABI 1.2: rebuild it against this quarry's quarry_module.h (pkg-config --cflags quarry)"
refuse "init failure" "$M/init_fails.so" \
"$T/r.yaml:1:11: module '$M/init_fails.so' (init_fails 0.1, ABI 1.2; this quarry has ABI 1.2) failed to initialize: cannot read the model 'missing.bin': No such file or directory"
refuse "missing entry point" "$M/no_entry.so" \
"$T/r.yaml:1:11: module '$M/no_entry.so' (no_entry 0.1, ABI 1.2) has no entry point 'quarry_module_init': define int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)"
refuse "no ABI declared" "$M/no_info.so" \
"$T/r.yaml:1:11: module '$M/no_info.so' does not say which ABI it was built for (no 'quarry_module_info' symbol): add QR_MODULE_DECLARE(\"name\", \"version\"); from quarry_module.h and rebuild it; this quarry has module ABI 1.2"
refuse "duplicate of a built-in step" "$M/dup_builtin.so" \
"$T/r.yaml:1:11: module '$M/dup_builtin.so': step 'tokenize' is already defined (by built-in); rename one of them"
cp "$M/flaky.so" "$T/flaky2.so"
refuse "duplicate between modules" "$M/flaky.so, $T/flaky2.so" \
"$T/r.yaml:1:$((11 + ${#M} + 11)): module '$T/flaky2.so': step 'flaky' is already defined (by module $M/flaky.so); rename one of them"
refuse "missing file (relative to the YAML file)" "nothere.so" \
"$T/r.yaml:1:11: cannot load module '$T/nothere.so': No such file or directory"
echo "this is not a shared object, only a line of text longer than an ELF header" >"$T/junk.so"
refuse "not a shared object" "junk.so" \
"$T/r.yaml:1:11: cannot load module '$T/junk.so': $T/junk.so: invalid ELF header (a module is a shared object built with cc -shared -fPIC; see docs/modules.md)"
refuse "bare name without QUARRY_MODULE_PATH" "flaky" \
"$T/r.yaml:1:11: module 'flaky' is a bare name, looked up as flaky.so in the folders of QUARRY_MODULE_PATH, which is not set: set it (as in QUARRY_MODULE_PATH=build/modules) or give the file's path, as in ./flaky.so"
out=$(QUARRY_MODULE_PATH="$T:/nonexistent" "$Q" check "$T/r.yaml" 2>&1)
check "bare name not in QUARRY_MODULE_PATH" \
"$T/r.yaml:1:11: module 'flaky' not found: no flaky.so in QUARRY_MODULE_PATH ($T:/nonexistent); build it into one of those folders or give the file's path" "$out"
out=$(QUARRY_MODULE_PATH="/nonexistent:$M" "$Q" check "$T/r.yaml" 2>&1)
check "bare name found in QUARRY_MODULE_PATH" "# $T/r.yaml: valid, 1 step
steps:
  - tokenize: {}    # parallel workers
# reads besides its input: $T/r.yaml, $B/tests/modules/flaky.so" "$out"
printf 'modules: [%s]\nsteps:\n  - flaky: { marker: 7 }\n' "$M/flaky.so" >"$T/o.yaml"
out=$("$Q" check "$T/o.yaml" 2>&1)
check "module step options are validated" \
"$T/o.yaml:3:22: step 'flaky': option 'marker' must be a string, got an integer (7)" "$out"
printf 'modules: [%s]\nsteps:\n  - flaky: { markr: x }\n' "$M/flaky.so" >"$T/o.yaml"
out=$("$Q" check "$T/o.yaml" 2>&1)
check "unknown module step option" \
"$T/o.yaml:3:14: step 'flaky' has no option 'markr'; did you mean 'marker'?" "$out"
# }==================================================================

# {==================================================================
# A step that fails on one document, under each on_error policy
printf 'one good doc\nthis one is bad\nfine too\n' >"$T/in.txt"
policy() {
    cat >"$T/p_$1.yaml" <<EOF
modules: [$M/flaky.so]
input: { format: lines }
steps:
  - flaky: { on_error: $1 }
  - export: { format: jsonl, path: out_$1.jsonl, include_text: false }
EOF
    (cd "$T" && "$Q" run "p_$1.yaml" in.txt -j "$2" --errors "err_$1.jsonl" >"out_$1.stdout" 2>"out_$1.stderr")
    echo $?
}
GOOD1='{"id":"in.txt:1","entities":[{"start":0,"end":1,"text":"o","label":"FLAKY","id":null}],"fields":{"flaky":"seen"}}'
GOOD3='{"id":"in.txt:3","entities":[{"start":0,"end":1,"text":"f","label":"FLAKY","id":null}],"fields":{"flaky":"seen"}}'
ERR='{"id":"in.txt:2","step":"flaky","message":"found '"'bad'"' at byte 12","file":"in.txt","line":2}'

rc=$(policy skip 2)
check "skip: exit 1" 1 "$rc"
check "skip: the document is kept as before the step" "$GOOD1
{\"id\":\"in.txt:2\",\"entities\":[]}
$GOOD3" "$(cat "$T/out_skip.jsonl")"
check "skip: errors file" "$ERR" "$(cat "$T/err_skip.jsonl")"
check_contains "skip: summary" "read 3 = written 3 + dropped 0 + failed 0; 1 step error skipped" "$(cat "$T/out_skip.stderr")"
cp "$T/out_skip.jsonl" "$T/skip_j2.jsonl"
rc=$(policy skip 1)
check "skip: -j 1 = -j 2" "$(cat "$T/skip_j2.jsonl")" "$(cat "$T/out_skip.jsonl")"

rc=$(policy drop 2)
check "drop: exit 1" 1 "$rc"
check "drop: the document is removed" "$GOOD1
$GOOD3" "$(cat "$T/out_drop.jsonl")"
check "drop: errors file" "$ERR" "$(cat "$T/err_drop.jsonl")"
check_contains "drop: summary" "written 2 + dropped 0 + failed 1" "$(cat "$T/out_drop.stderr")"

rc=$(policy fail 1)
check "fail: exit 1 (stopped)" 1 "$rc"
check "fail: errors file" "$ERR" "$(cat "$T/err_fail.jsonl")"
check_contains "fail: message names the document" "document 'in.txt:2'" "$(cat "$T/out_fail.stderr")"
check_contains "fail: message has the module's error" "failed at step 'flaky': found 'bad' at byte 12" "$(cat "$T/out_fail.stderr")"
check "fail: no output file (the export is discarded)" "no" "$([ -f "$T/out_fail.jsonl" ] && echo yes || echo no)"

printf '{"id":"bad-1","text":"all fine"}\n{"id":"ok-2","text":"fine"}\n' >"$T/ids.jsonl"
cat >"$T/ids.yaml" <<EOF
modules: [$M/flaky.so]
input: { format: jsonl }
steps:
  - flaky: { on_error: drop }
  - export: { format: jsonl, path: '-', include_text: false }
EOF
out=$("$Q" run "$T/ids.yaml" "$T/ids.jsonl" --quiet --errors - 2>&1)
check "a failing id, errors on stderr" "{\"id\":\"bad-1\",\"step\":\"flaky\",\"message\":\"found 'bad' in the id\",\"file\":\"$T/ids.jsonl\",\"line\":1}
{\"id\":\"ok-2\",\"entities\":[{\"start\":0,\"end\":1,\"text\":\"f\",\"label\":\"FLAKY\",\"id\":null}],\"fields\":{\"flaky\":\"seen\"}}" "$out"

# a module built for a later minor (larger qr_step_def) still runs
printf 'modules: [%s]\nsteps: [newer, {export: {format: jsonl, path: "-", include_text: false}}]\n' \
    "$M/newer_minor.so" >"$T/n.yaml"
out=$(echo "x" | "$Q" run "$T/n.yaml" - --quiet 2>&1)
check "newer minor module" '{"id":"stdin","entities":[],"fields":{"newer":1.5}}' "$out"
# a module built for ABI 1.0 (qr_step_def without flush) still runs, on a
# live pipe too (its step is ordered: the host looks for its flush)
printf 'modules: [%s]\ninput: { format: lines }\nsteps: [older, {export: {format: jsonl, path: "-", include_text: false}}]\n' \
    "$M/older_minor.so" >"$T/o10.yaml"
out=$( (echo x; sleep 0.3; echo y) | "$Q" run "$T/o10.yaml" - --quiet 2>&1)
check "ABI 1.0 module" '{"id":"stdin:1","entities":[],"fields":{"older":"1.0"}}
{"id":"stdin:2","entities":[],"fields":{"older":"1.0"}}' "$out"

# ABI 1.1 flush: an ordered module step that holds its output back writes
# it out when the input waits, so each record's line shows before the next
# record is sent (the writer of the pipe waits up to 10 s for it)
printf 'modules: [%s]\ninput: { format: jsonl }\nsteps:\n  - lines_out: {}\n' "$M/lines_out.so" >"$T/lo.yaml"
for j in 1 3; do
    rm -f "$T/lo.out" "$T/gave-up"
    ( for id in a b; do
          printf '{"id":"%s","text":"x"}\n' $id
          i=0; while [ $i -lt 100 ] && ! grep -qx "$id" "$T/lo.out" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
          [ $i -lt 100 ] || touch "$T/gave-up"
      done ) | "$Q" run "$T/lo.yaml" - -j $j --quiet >"$T/lo.out"
    check "module flush on a live pipe, -j $j: each line before the next record" no \
        "$([ -f "$T/gave-up" ] && echo yes || echo no)"
    check "module flush on a live pipe, -j $j: output" "a
b" "$(cat "$T/lo.out")"
done
# flush is called only while a stream waits: a file runs to finish()
printf 'modules: [%s]\ninput: { format: jsonl }\nsteps:\n  - lines_out: { fail_flush: true }\n' \
    "$M/lines_out.so" >"$T/lf.yaml"
printf '{"id":"a","text":"x"}\n{"id":"b","text":"x"}\n' >"$T/ab.jsonl"
out=$("$Q" run "$T/lf.yaml" "$T/ab.jsonl" --quiet 2>&1)
check "module flush, file input: not called" "a
b" "$out"
for j in 1 2; do
    out=$( (printf '{"id":"a","text":"x"}\n'; sleep 0.3; printf '{"id":"b","text":"x"}\n') |
           "$Q" run "$T/lf.yaml" - -j $j --quiet 2>&1 >/dev/null); rc=$?
    check "module flush fails, -j $j: exit 2" 2 "$rc"
    check "module flush fails, -j $j: message" \
        "$T/lf.yaml:4:5: step 'lines_out': lines_out: flush failed, as asked (fail_flush)" "$out"
done
# }==================================================================

# {==================================================================
# The sentiment example: exact values
cat >"$T/s.yaml" <<EOF
modules: [$S]
input: { format: lines }
steps:
  - sentiment: { spans: true }
  - export: { format: jsonl, path: '-', include_text: false }
EOF
cat >"$T/s.txt" <<'EOF'
This is not good.
This is good. I love it!
Not bad at all, but the food was terrible.
I don't like it. I can't stand this.
no fun. It is no good. Never happy, always sad.
The meeting is on Tuesday.
EOF
out=$("$Q" run "$T/s.yaml" "$T/s.txt" --quiet -j 2 2>&1 | sed "s|$T/||")
check "sentiment values" \
'{"id":"s.txt:1","entities":[{"start":0,"end":17,"text":"This is not good.","label":"SENTIMENT","id":"negative","score":-2.0}],"fields":{"sentiment":{"score":-2,"comparative":-0.5,"positive":[],"negative":["not good"],"sentences":[{"score":-2,"comparative":-0.5}]}}}
{"id":"s.txt:2","entities":[{"start":0,"end":13,"text":"This is good.","label":"SENTIMENT","id":"positive","score":3.0},{"start":14,"end":24,"text":"I love it!","label":"SENTIMENT","id":"positive","score":3.0}],"fields":{"sentiment":{"score":6,"comparative":1,"positive":["good","love"],"negative":[],"sentences":[{"score":3,"comparative":1},{"score":3,"comparative":1}]}}}
{"id":"s.txt:3","entities":[],"fields":{"sentiment":{"score":0,"comparative":0,"positive":["not bad"],"negative":["terrible"],"sentences":[{"score":0,"comparative":0}]}}}
{"id":"s.txt:4","entities":[{"start":0,"end":16,"text":"I don'"'"'t like it.","label":"SENTIMENT","id":"negative","score":-2.0},{"start":17,"end":36,"text":"I can'"'"'t stand this.","label":"SENTIMENT","id":"negative","score":-3.0}],"fields":{"sentiment":{"score":-5,"comparative":-0.625,"positive":[],"negative":["don'"'"'t like","can'"'"'t stand"],"sentences":[{"score":-2,"comparative":-0.5},{"score":-3,"comparative":-0.75}]}}}
{"id":"s.txt:5","entities":[{"start":0,"end":7,"text":"no fun.","label":"SENTIMENT","id":"negative","score":-3.0},{"start":8,"end":22,"text":"It is no good.","label":"SENTIMENT","id":"negative","score":-3.0},{"start":23,"end":47,"text":"Never happy, always sad.","label":"SENTIMENT","id":"negative","score":-5.0}],"fields":{"sentiment":{"score":-11,"comparative":-1.1,"positive":[],"negative":["no fun","no good","never happy","sad"],"sentences":[{"score":-3,"comparative":-1.5},{"score":-3,"comparative":-0.75},{"score":-5,"comparative":-1.25}]}}}
{"id":"s.txt:6","entities":[],"fields":{"sentiment":{"score":0,"comparative":0,"positive":[],"negative":[],"sentences":[{"score":0,"comparative":0}]}}}' "$out"

printf 'good\t-4\n# a comment\n\nvery bad   day\t-1\n' >"$T/lex.tsv"
cat >"$T/s2.yaml" <<EOF
modules: [$S]
steps:
  - sentiment: { lexicon: lex.tsv, negation_window: 0, field: tone }
  - export: { format: jsonl, path: '-', include_text: false }
EOF
out=$(printf 'Not good. A very bad day!' | "$Q" run "$T/s2.yaml" - --quiet 2>&1)
check "sentiment: own lexicon, no negation, own field" \
'{"id":"stdin","entities":[],"fields":{"tone":{"score":-5,"comparative":-0.8333,"positive":[],"negative":["good","very bad day"],"sentences":[{"score":-4,"comparative":-2},{"score":-1,"comparative":-0.25}]}}}' "$out"
printf 'good 3\n' >"$T/lex.tsv"
out=$(printf 'x' | "$Q" run "$T/s2.yaml" - --quiet 2>&1)
check "sentiment: bad lexicon line" \
"$T/s2.yaml:3:27: step 'sentiment': lexicon lex.tsv, line 1: expected WORD<TAB>VALENCE (a number), got 'good 3'" "$out"
# }==================================================================

# {==================================================================
# quarry steps --module, quarry check and run of pipelines/news-sentiment.yaml
out=$("$Q" steps --module "$S" 2>&1 | grep '^sentiment ' | tr -s ' ')
check "steps --module lists the module's steps" \
"sentiment valence-lexicon sentiment (AFINN-165) of each document and sentence, with negation" "$out"
out=$(cd "$B" && QUARRY_MODULE_PATH=modules "$Q" steps --module sentiment sentiment 2>&1 | head -5)
check "steps --module NAME (bare name) shows the options" \
"sentiment: valence-lexicon sentiment (AFINN-165) of each document and sentence, with negation
(module modules/sentiment.so)

  option           type            default       
  lexicon          path            -             TSV of WORD<TAB>VALENCE lines to use instead of the built-in AFINN-165" "$out"
out=$("$Q" steps --module "$T/nope.so" 2>&1)
check "steps --module missing file" "quarry steps: cannot load module '$T/nope.so': No such file or directory" "$out"
out=$("$Q" steps sentiment 2>&1)
check "without the module, sentiment is unknown" \
"quarry steps: unknown step 'sentiment'; run 'quarry steps' for the list" "$out"

out=$("$Q" check pipelines/news-sentiment.yaml 2>&1)
check_contains "news-sentiment.yaml is valid" "# pipelines/news-sentiment.yaml: valid, 5 steps" "$out"
check_contains "news-sentiment.yaml: module step with defaults" \
"  - sentiment: { negation_window: 3, field: sentiment, spans: true }    # parallel workers" "$out"
"$Q" run pipelines/news-sentiment.yaml --set out="$T/ns" --quiet -j 2
check "news-sentiment.yaml runs" 0 $?
n=$(ls samples/news/*.txt | wc -l)
check "news-sentiment.yaml: one line per article" "$n" "$(grep -c '"sentiment":{"score":' "$T/ns/docs.jsonl")"
# }==================================================================

# {==================================================================
# make install + pkg-config + out-of-tree modules (not under ASan: the
# install target would relink the sanitized build)
if [ -z "$QUARRY_ASAN" ]; then
    P="$T/prefix"
    make --no-print-directory -s install PREFIX="$P" BUILD="$B" >"$T/install.log" 2>&1
    check "make install" 0 $?
    check "installed header" "yes" "$([ -f "$P/include/quarry_module.h" ] && echo yes)"
    cflags=$(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags quarry)
    check_contains "pkg-config --cflags quarry" "-I$P/include" "$cflags"
    libs=$(echo $(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --libs quarry))
    check "pkg-config --libs quarry" "-L$P/lib -lquarry" "$libs"
    mkdir -p "$T/oot"
    sed -n '/<!-- minimal-module -->/,/<!-- \/minimal-module -->/p' docs/modules.md | sed '1,2d;$d' | sed '$d' \
        >"$T/oot/wordcount.c"
    check "the minimal module of docs/modules.md is under 40 lines" "yes" \
        "$([ "$(wc -l <"$T/oot/wordcount.c")" -lt 40 ] && echo yes)"
    cc -std=c11 -Wall -Wextra -Werror -shared -fPIC $cflags "$T/oot/wordcount.c" -o "$T/oot/wordcount.so"
    check "out-of-tree build of the minimal module" 0 $?
    cc -std=c11 -Wall -Wextra -Werror -shared -fPIC $cflags samples/modules/sentiment/sentiment.c \
        samples/modules/sentiment/afinn165.c -o "$T/oot/sentiment.so"
    check "out-of-tree build of the sentiment module" 0 $?
    printf 'modules: [wordcount, sentiment]\nsteps: [wordcount, sentiment, {export: {format: jsonl, path: "-", include_text: false}}]\n' \
        >"$T/oot/wc.yaml"
    out=$(echo "I am not happy." | QUARRY_MODULE_PATH="$T/oot" "$P/bin/quarry" run "$T/oot/wc.yaml" - --quiet 2>&1)
    check "installed quarry runs out-of-tree modules" \
'{"id":"stdin","entities":[],"fields":{"words":4,"sentiment":{"score":-3,"comparative":-0.75,"positive":[],"negative":["not happy"],"sentences":[{"score":-3,"comparative":-0.75}]}}}' "$out"
fi
# }==================================================================

# A module kept in the folder a run walks is one of the pipeline's files:
# passed over, not read as a (binary) document.
mkdir -p "$T/modwalk"
cp "$S" "$T/modwalk/sentiment.so"
printf 'a good day\n' > "$T/modwalk/a.txt"
printf 'modules: [sentiment.so]\ninput: { format: text }\nsteps:\n  - tokenize: {}\n  - export: { format: jsonl, path: "-", include_text: false }\n' > "$T/modwalk/p.yaml"
out=$(cd "$T/modwalk" && "$Q" run p.yaml . 2>"$T/modwalk.err"); rc=$?
check "a module in the walked folder: output" '0 {"id":"a.txt","entities":[]}' "$rc $out"
check "a module in the walked folder: summary" "quarry: read 1 = written 1 + dropped 0 + failed 0
quarry: not read, as outputs or files of the pipeline: p.yaml, sentiment.so" "$(head -2 "$T/modwalk.err")"

# {==================================================================
# A step that changes the text must say so (QR_STEP_MODIFIES_TEXT): then
# on_error: skip takes the change back; without it doc_set_text refuses
# (the change used to stay, and the entities before it were lost)
for st in settext_plain settext_flagged; do
    printf 'modules: [%s]\ninput: { format: lines }\nsteps:\n  - regex: { patterns: { YEAR: "\\\\d{4}" } }\n  - %s: { on_error: skip }\n  - export: { format: jsonl, path: "-" }\n' \
        "$M/settext.so" $st >"$T/st.yaml"
    out=$(echo "Founded in 1999" | "$Q" run "$T/st.yaml" - --errors "$T/st.err" -q)
    check "$st, skipped: the document as it was" '{"id":"stdin:1","text":"Founded in 1999","entities":[{"start":11,"end":15,"text":"1999","label":"YEAR","id":null}]}' "$out"
done
check "settext_plain: doc_set_text refused" "doc_set_text: step 'settext_plain' does not declare QR_STEP_MODIFIES_TEXT; add it to the step's flags (the text is then kept for on_error: skip)" \
    "$(printf 'modules: [%s]\ninput: { format: lines }\nsteps:\n  - settext_plain: { on_error: skip }\n' "$M/settext.so" >"$T/sp.yaml"; echo x | "$Q" run "$T/sp.yaml" - --errors - -q 2>&1 | sed 's/.*"message":"\([^"]*\)".*/\1/')"
# }==================================================================

# {==================================================================
# Definitions are checked when registered, and copied then: one built on
# the stack of quarry_module_init loads (it crashed the host)
check "a definition on the stack: loads" "baddef: a definition built on the stack" \
    "$("$Q" steps --module "$M/baddef.so" baddef 2>&1 | head -1)"
pre="quarry steps: module '$M/baddef.so' (baddef 0.1, ABI 1.2; this quarry has ABI 1.2) failed to initialize:"
for c in "twice:step 'baddef': option 'x' is declared twice" \
         "reserved:step 'baddef': option 'on_error' is a key of every step (name:, on_error:); give the option another name" \
         "badname:step 'baddef': option 'Bad-Name' is not a valid name: use lower-case letters, digits and '_', starting with a letter" \
         "baddefault:step 'baddef': option 'n' has a default that does not fit its type: abc" \
         "badenum:step 'baddef': option 'm' has a default that does not fit its type: medium" \
         "reqdefault:step 'baddef': option 't' is required and has a default; keep one of the two" \
         "input:step name 'input' is the pipeline's input: section; rename the step"; do
    out=$(QR_BADDEF=${c%%:*} "$Q" steps --module "$M/baddef.so" 2>&1); rc=$?
    check "definition refused: ${c%%:*}" "$pre ${c#*:}
rc=2" "$out
rc=$rc"
done
# }==================================================================

# {==================================================================
# Host API misuse: each fails the document with what went wrong
printf 'modules: [%s]\ninput: { format: lines }\nsteps:\n  - misuse: { on_error: skip }\n' "$M/misuse.so" >"$T/mu.yaml"
out=$(printf 'ret3\nsilent\nreversed x\nh\303\251llo\nnulljson\n' | "$Q" run "$T/mu.yaml" - --errors - -q 2>&1 |
      sed 's/.*"message":"\([^"]*\)".*/\1/')
check "host API misuse: messages" "process() returned 3, which is none of 0, -1, QR_PROCESS_DROP (1) and QR_PROCESS_STOP (2)
process() returned -1 without filling err
span 5..2 (label X) ends before it starts
span 1..2 (label X): byte 2 is inside a character; give offsets at character boundaries
doc_set_field_json: the JSON is NULL" "$out"
# }==================================================================

done_suite modules
