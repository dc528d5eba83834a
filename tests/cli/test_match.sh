#!/bin/sh
# quarry match: gazetteers (-g), regexes (-e), case modes, overlaps, cache, errors.
. "$(dirname "$0")/lib.sh"

printf '# places\nNew York\tGPE\tnyc\nYork\tGPE\nUS\tGPE\nSão Paulo\tGPE\n' > "$T/places.tsv"
printf 'Anna Karenina\nLevin\n' > "$T/people.txt"
printf '{"label":"ORG","pattern":"Apple","id":"apple"}\n{"label":"TECH","pattern":"c++"}\n' \
    > "$T/orgs.jsonl"
printf 'Distributed Super Computing\tORG\nDistributed Super Computing Institute\tORG\n' > "$T/dsc.tsv"

out=$(printf 'I love New York and the US, us.' | $Q match -g "$T/places.tsv")
check "stdin, insensitive by default" \
'{"doc":"-","start":7,"end":15,"text":"New York","label":"GPE","id":"nyc"}
{"doc":"-","start":24,"end":26,"text":"US","label":"GPE","id":"US"}
{"doc":"-","start":28,"end":30,"text":"us","label":"GPE","id":"US"}' "$out"

out=$(printf 'I love New York and the US, us.' | $Q match -g "$T/places.tsv" --case smart)
check "smart case: US only in capitals" \
'{"doc":"-","start":7,"end":15,"text":"New York","label":"GPE","id":"nyc"}
{"doc":"-","start":24,"end":26,"text":"US","label":"GPE","id":"US"}' "$out"

out=$(printf 'new york, NEW YORK, New York' | $Q match -g "$T/places.tsv" --case sensitive)
check "sensitive case" '{"doc":"-","start":20,"end":28,"text":"New York","label":"GPE","id":"nyc"}' "$out"

printf 'Sao Paulo and São Paulo\n' > "$T/doc.txt"
out=$($Q match -g "$T/places.tsv" "$T/doc.txt")
check "accents kept by default" \
"{\"doc\":\"$T/doc.txt\",\"start\":14,\"end\":24,\"text\":\"São Paulo\",\"label\":\"GPE\",\"id\":\"São Paulo\"}" "$out"
out=$(cd "$T" && $Q match -g places.tsv --fold-accents doc.txt)
check "--fold-accents" \
'{"doc":"doc.txt","start":0,"end":9,"text":"Sao Paulo","label":"GPE","id":"São Paulo"}
{"doc":"doc.txt","start":14,"end":24,"text":"São Paulo","label":"GPE","id":"São Paulo"}' "$out"

out=$(printf 'the Distributed Super Computing Institute' | $Q match -g "$T/dsc.tsv")
check "leftmost-longest" \
'{"doc":"-","start":4,"end":41,"text":"Distributed Super Computing Institute","label":"ORG","id":"Distributed Super Computing Institute"}' "$out"
out=$(printf 'the Distributed Super Computing Institute' | $Q match -g "$T/dsc.tsv" --overlaps)
check "--overlaps" \
'{"doc":"-","start":4,"end":41,"text":"Distributed Super Computing Institute","label":"ORG","id":"Distributed Super Computing Institute"}
{"doc":"-","start":4,"end":31,"text":"Distributed Super Computing","label":"ORG","id":"Distributed Super Computing"}' "$out"

out=$(printf 'Levin met anna karenina; Apple ships C++ code' | \
      $Q match -g "$T/people.txt" --label PERSON -g "$T/orgs.jsonl")
check "plain list with --label, JSONL patterns" \
'{"doc":"-","start":0,"end":5,"text":"Levin","label":"PERSON","id":"Levin"}
{"doc":"-","start":10,"end":23,"text":"anna karenina","label":"PERSON","id":"Anna Karenina"}
{"doc":"-","start":25,"end":30,"text":"Apple","label":"ORG","id":"apple"}
{"doc":"-","start":37,"end":40,"text":"C++","label":"TECH","id":"c++"}' "$out"

out=$(printf 'York in 1999, "York"\tand New York 2001' | \
      $Q match -g "$T/places.tsv" -e 'YEAR=\b(?:19|20)\d\d\b' -e 'CITYYEAR=York \d+')
check "regex and gazetteer merged by start, longer first; JSON escapes" \
'{"doc":"-","start":0,"end":4,"text":"York","label":"GPE","id":"York"}
{"doc":"-","start":8,"end":12,"text":"1999","label":"YEAR","id":null}
{"doc":"-","start":15,"end":19,"text":"York","label":"GPE","id":"York"}
{"doc":"-","start":25,"end":33,"text":"New York","label":"GPE","id":"nyc"}
{"doc":"-","start":29,"end":38,"text":"York 2001","label":"CITYYEAR","id":null}
{"doc":"-","start":34,"end":38,"text":"2001","label":"YEAR","id":null}' "$out"

printf 'x "q"\\ y\n' > "$T/esc.txt"
printf 'q\tQ\n' > "$T/q.tsv"
out=$($Q match -g "$T/q.tsv" -e 'QUOTED="q"\\' "$T/esc.txt" | sed "s|$T/||")
check "JSON escaping of text" \
'{"doc":"esc.txt","start":2,"end":6,"text":"\"q\"\\","label":"QUOTED","id":null}
{"doc":"esc.txt","start":3,"end":4,"text":"q","label":"Q","id":"q"}' "$out"

out=$(printf 'New York, York\n\nYork' | $Q match -g "$T/places.tsv" --count)
check "--count" '{"doc":"-","matches":3}' "$out"

# Cache: built on first use, reused, rebuilt when the options change.
printf 'New York and US' > "$T/in.txt"
out1=$($Q match -g "$T/places.tsv" --cache "$T/g.cache" "$T/in.txt")
[ -s "$T/g.cache" ] && made=yes || made=no
check "cache written" yes "$made"
out2=$($Q match -g "$T/places.tsv" --cache "$T/g.cache" "$T/in.txt")
check "cache reused: same output" "$out1" "$out2"
out3=$($Q match -g "$T/places.tsv" --case sensitive --cache "$T/g.cache" "$T/in.txt" 2>"$T/g.err" | wc -l)
check "cache rebuilt for other options" 2 "$(echo $out3)"
check "cache rebuilt: said" "quarry match: $T/g.cache: gazetteer cache refused: built from other sources or options; it is rebuilt" "$(cat "$T/g.err")"
head -c 100 "$T/g.cache" > "$T/g.cut" && mv "$T/g.cut" "$T/g.cache"
out4=$($Q match -g "$T/places.tsv" --cache "$T/g.cache" "$T/in.txt" 2>"$T/g.err")
check "truncated cache rebuilt" "$out1" "$out4"
check_contains "truncated cache: said" "gazetteer cache refused" "$(cat "$T/g.err")"
check "truncated cache: rewritten whole" yes "$([ "$(wc -c < "$T/g.cache")" -gt 100 ] && echo yes || echo no)"
head -c 4 "$T/g.cache" > "$T/g.cut" && mv "$T/g.cut" "$T/g.cache"
out4=$($Q match -g "$T/places.tsv" --cache "$T/g.cache" "$T/in.txt" 2>"$T/g.err")
check "cache cut inside its magic: rebuilt" "$out1" "$out4"
check "cache cut inside its magic: said" "quarry match: $T/g.cache: gazetteer cache refused: truncated or resized; it is rebuilt" "$(cat "$T/g.err")"
printf 'garbage' > "$T/g.cache"
out4=$($Q match -g "$T/places.tsv" --cache "$T/g.cache" "$T/in.txt" 2>/dev/null)
check "a file that is no cache: matches as without one" "$out1" "$out4"
check "a file that is no cache: left alone" "garbage" "$(cat "$T/g.cache")"

# Errors: one line, exit status 2.
printf 'Paris\tGPE\nLyon\tGPE\tlyon\tx\ty\n' > "$T/cities.tsv"
err=$(cd "$T" && $Q match -g cities.tsv </dev/null 2>&1); rc=$?
check "malformed TSV: file and line" \
"quarry match: cities.tsv:2: expected phrase<TAB>label[<TAB>id], found 5 fields" "$err"
check "malformed TSV: status" 2 "$rc"
err=$($Q match -g "$T/people.txt" </dev/null 2>&1); rc=$?
check "plain list without label" \
"quarry match: $T/people.txt: a plain list (one phrase per line) needs a label: add --label LABEL" "$err"
check "plain list without label: status" 2 "$rc"
printf '{"label":"X","pattern":[{"LOWER":"apple"}]}\n' > "$T/tok.jsonl"
err=$(cd "$T" && $Q match -g tok.jsonl </dev/null 2>&1)
check "token-list pattern refused" \
'quarry match: tok.jsonl:1: token-list patterns are not supported; write "pattern" as a string' "$err"
err=$($Q match -g "$T/missing.tsv" </dev/null 2>&1); rc=$?
check "missing list" "quarry match: $T/missing.tsv: cannot open: No such file or directory" "$err"
check "missing list: status" 2 "$rc"
err=$($Q match -g "$T/x.csv" </dev/null 2>&1)
check "unknown list format" \
"quarry match: $T/x.csv: unknown gazetteer format: name the file .tsv, .txt (one phrase per line) or .jsonl" "$err"
err=$($Q match -e 'MONEY=(\d+' </dev/null 2>&1); rc=$?
check "bad regex with offset" "quarry match: regex 'MONEY': missing closing parenthesis at pattern offset 4" "$err"
check "bad regex: status" 2 "$rc"
err=$($Q match -e 'MONEY' </dev/null 2>&1)
check "-e without =" "quarry match: -e expects LABEL=REGEX, got 'MONEY'" "$err"
err=$($Q match </dev/null 2>&1); rc=$?
check "nothing to match" \
"quarry match: nothing to match: give a gazetteer (-g FILE) or a pattern (-e LABEL=REGEX); run 'quarry match --help'" "$err"
check "nothing to match: status" 2 "$rc"
err=$($Q match -g "$T/places.tsv" --case upper </dev/null 2>&1)
check "bad --case" "quarry match: unknown case mode 'upper' (expected sensitive, insensitive or smart)" "$err"
err=$($Q match -g "$T/places.tsv" --frobnicate </dev/null 2>&1)
check "unknown option" "quarry match: unknown option '--frobnicate'; see 'quarry match --help'" "$err"
err=$($Q match -g 2>&1)
check "option without value" "quarry match: option '-g' needs a value; run 'quarry match --help'" "$err"
err=$($Q match -g "$T/places.tsv" "$T/nope.txt" 2>&1); rc=$?
check "unreadable input" "quarry match: cannot open '$T/nope.txt': No such file or directory" "$err"
check "unreadable input: status" 2 "$rc"
err=$(printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab' | \
      $Q match -e 'BAD=(a+)+$' 2>&1 >/dev/null); rc=$?
check_contains "catastrophic regex bounded" "quarry match: -: regex BAD: match limit exceeded" "$err"
check "catastrophic regex: status 1" 1 "$rc"

# -j: pieces matched in parallel, printed in order, offsets of the whole input.
i=0; : > "$T/many.txt"
while [ $i -lt 40 ]; do printf 'Line %d in New York.\nAnd York\n\n' $i >> "$T/many.txt"; i=$((i+1)); done
one=$($Q match -g "$T/places.tsv" "$T/many.txt")
three=$($Q match -j 3 -g "$T/places.tsv" "$T/many.txt")
check "-j 3 prints what -j 1 prints" "$one" "$three"
check "-j 3 match count" 80 "$(printf '%s\n' "$three" | wc -l | tr -d ' ')"
check "-j 3 last match offset" \
"{\"doc\":\"$T/many.txt\",\"start\":1224,\"end\":1228,\"text\":\"York\",\"label\":\"GPE\",\"id\":\"York\"}" \
"$(printf '%s\n' "$three" | tail -1)"
err=$($Q match -j 0 -g "$T/places.tsv" 2>&1 </dev/null)
check "bad -j" "quarry match: -j needs a number of threads from 1 to 64, got '0'" "$err"

out=$($Q match --help | head -1)
check "--help" "usage: quarry match [-g FILE]... [--label L] [-e LABEL=REGEX]..." "$out"

# invalid UTF-8: regex matches around the bad byte, gazetteer matches kept, exit 0
printf 'Paris ab\377cd 1999\n' > "$T/bad.txt"
printf 'Paris\tCITY\n' > "$T/bad.tsv"
out=$($Q match -g "$T/bad.tsv" -e YEAR='\d{4}' -e W='[a-z]+' "$T/bad.txt" 2>&1; echo "rc=$?")
check "invalid UTF-8: regex and gazetteer matches" '{"doc":"'"$T"'/bad.txt","start":0,"end":5,"text":"Paris","label":"CITY","id":"Paris"}
{"doc":"'"$T"'/bad.txt","start":1,"end":5,"text":"aris","label":"W","id":null}
{"doc":"'"$T"'/bad.txt","start":6,"end":8,"text":"ab","label":"W","id":null}
{"doc":"'"$T"'/bad.txt","start":9,"end":11,"text":"cd","label":"W","id":null}
{"doc":"'"$T"'/bad.txt","start":12,"end":16,"text":"1999","label":"YEAR","id":null}
rc=0' "$out"

# --cache naming a file that is no cache (the input, a list) leaves it alone
# (it replaced it: the input was then read as the cache's bytes)
printf 'Paris and the US\n' > "$T/doc.txt"
out=$($Q match -g "$T/places.tsv" --cache "$T/doc.txt" "$T/doc.txt" 2>&1; echo "rc=$?")
check "--cache naming the input: left alone" "quarry match: warning: $T/doc.txt: not replaced by the gazetteer cache: the file is there and is no gazetteer cache (a list, a text?); give the cache another path
{\"doc\":\"$T/doc.txt\",\"start\":14,\"end\":16,\"text\":\"US\",\"label\":\"GPE\",\"id\":\"US\"}
rc=0" "$out"
check "--cache naming the input: intact" "Paris and the US" "$(cat "$T/doc.txt")"

# a regex that hits its match limit ends the document, but the spans found
# before the failing search are reported (all were dropped)
python3 -c "print('Paris 1999 x ' + 'a' * 40 + 'b')" > "$T/lim.txt"
printf 'Paris\tGPE\n' > "$T/pl.tsv"
out=$($Q match -g "$T/pl.tsv" -e 'E=(a+)+$' "$T/lim.txt" 2>"$T/lim.err"; echo "rc=$?")
check "match limit: spans before it kept" "{\"doc\":\"$T/lim.txt\",\"start\":0,\"end\":5,\"text\":\"Paris\",\"label\":\"GPE\",\"id\":\"Paris\"}
rc=1" "$out"
check "match limit: message" "quarry match: $T/lim.txt: regex E: match limit exceeded at byte offset 0 in this document; simplify the pattern or raise match_limit" "$(cat "$T/lim.err")"

done_suite "cli match"
