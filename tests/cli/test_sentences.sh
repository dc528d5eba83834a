#!/bin/sh
# quarry sentences: formats, inputs, errors, and the sample article.
. tests/cli/lib.sh
ART=samples/news/korea-russia-pact.txt

# --help
out=$("$Q" sentences --help); rc=$?
check "help exit" 0 "$rc"
check "help first line" "usage: quarry sentences [--format lines|jsonl] [FILE...]" "$(printf '%s\n' "$out" | head -1)"

# lines (default): one per line, inner whitespace runs as one space, trimmed
out=$(printf '  Hello  world.\tIt is\r\nwrapped.   Mr. Smith left!  \n' | "$Q" sentences)
check "lines stdin" "Hello world.
It is wrapped.
Mr. Smith left!" "$out"
out=$(printf 'I live in the U.S. How about you?' | "$Q" sentences --format lines -)
check "lines dash" "I live in the U.S.
How about you?" "$out"
out=$(printf 'Breaking News\nSeoul said no.\n\n1. First item 2. Second item' | "$Q" sentences)
check "heading, paragraph, list" "Breaking News
Seoul said no.
1. First item
2. Second item" "$out"

# jsonl: byte offsets, end exclusive; id "-" for stdin
out=$(printf 'Caf\303\251 ok. N\303\251e ici.' | "$Q" sentences --format jsonl)
check "jsonl stdin" '{"id":"-","sentences":[{"start":0,"end":9,"text":"Café ok."},{"start":10,"end":19,"text":"Née ici."}]}' "$out"
printf 'One.\nTwo three.\n' > "$T/a.txt"
printf 'He said "stop." Then left.' > "$T/b.txt"
out=$("$Q" sentences --format=jsonl "$T/a.txt" "$T/b.txt")
check "jsonl two files" "{\"id\":\"$T/a.txt\",\"sentences\":[{\"start\":0,\"end\":4,\"text\":\"One.\"},{\"start\":5,\"end\":15,\"text\":\"Two three.\"}]}
{\"id\":\"$T/b.txt\",\"sentences\":[{\"start\":0,\"end\":15,\"text\":\"He said \\\"stop.\\\"\"},{\"start\":16,\"end\":26,\"text\":\"Then left.\"}]}" "$out"
out=$(printf 'Bad \377 byte.' | "$Q" sentences --format jsonl)
check "jsonl invalid utf-8" '{"id":"-","sentences":[{"start":0,"end":11,"text":"Bad � byte."}]}' "$out"
out=$(printf 'Two\nlines here.' | "$Q" sentences --format jsonl)
check "jsonl keeps inner newline" '{"id":"-","sentences":[{"start":0,"end":15,"text":"Two\nlines here."}]}' "$out"
out=$(printf '' | "$Q" sentences --format jsonl)
check "jsonl empty input" '{"id":"-","sentences":[]}' "$out"
out=$(printf ' \n ' | "$Q" sentences); rc=$?
check "lines blank input" "" "$out"
check "lines blank input exit" 0 "$rc"

# files and stdin mixed, "--" ends options
printf 'From stdin.' > "$T/in.txt"
out=$("$Q" sentences "$T/a.txt" - < "$T/in.txt")
check "file then stdin" "One.
Two three.
From stdin." "$out"
cp "$T/a.txt" "$T/-x"
out=$(cd "$T" && "$Q" sentences -- -x)
check "double dash" "One.
Two three." "$out"

# errors: exit 2, one line on stderr, nothing on stdout
out=$("$Q" sentences --bogus 2>"$T/err"); rc=$?
check "unknown option exit" 2 "$rc"
check "unknown option stdout" "" "$out"
check "unknown option message" "quarry sentences: unknown option '--bogus'; see 'quarry sentences --help'" "$(cat "$T/err")"
"$Q" sentences --format 2>"$T/err" </dev/null; rc=$?
check "missing format exit" 2 "$rc"
check "missing format message" "quarry sentences: --format needs a value: lines or jsonl" "$(cat "$T/err")"
"$Q" sentences --format xml 2>"$T/err" </dev/null; rc=$?
check "bad format exit" 2 "$rc"
check "bad format message" "quarry sentences: unknown format 'xml'; use lines or jsonl" "$(cat "$T/err")"
out=$("$Q" sentences "$T/missing.txt" 2>"$T/err"); rc=$?
check "missing file exit" 2 "$rc"
check "missing file stdout" "" "$out"
check "missing file message" "quarry sentences: cannot read '$T/missing.txt': No such file or directory" "$(cat "$T/err")"
"$Q" sentences "$T" 2>"$T/err"; rc=$?
check "directory exit" 2 "$rc"
check "directory message" "quarry sentences: cannot read '$T': Is a directory" "$(cat "$T/err")"

# the sample article
out=$("$Q" sentences "$ART")
check "article sentence count" 40 "$(printf '%s\n' "$out" | wc -l | tr -d ' ')"
check "article first (two short lines)" "close close" "$(printf '%s\n' "$out" | sed -n 1p)"
check "article U.N. inside" "South Korean President Yoon Suk Yeol’s office issued a statement condemning the deal, calling it a threat to the South’s security and a violation of U.N. Security Council resolutions, and warned it would have serious consequences. negative consequences on Seoul’s relations with Moscow." "$(printf '%s\n' "$out" | sed -n 11p)"
check "article stray period kept" "“It is absurd that two parties with a history of launching wars of invasion – the Korean War and the War in Ukraine – are now committing to mutual military cooperation on the basis of a pre-emptive attack by the international community which will never happen,” Yoon’s office said. ." "$(printf '%s\n' "$out" | sed -n 12p)"
check "article question inside quote" "“Is there a moment when it decides to cut or suspend diplomatic relations with Russia or to expel its ambassador?" "$(printf '%s\n' "$out" | sed -n 35p)"
check "article initial" "Associated Press writer Edith M. Lederer at the United Nations contributed." "$(printf '%s\n' "$out" | sed -n 40p)"
out=$("$Q" sentences --format jsonl "$ART")
check_contains "article jsonl last" '{"start":7166,"end":7241,"text":"Associated Press writer Edith M. Lederer at the United Nations contributed."}]}' "$out"
check_contains "article jsonl first" '{"id":"samples/news/korea-russia-pact.txt","sentences":[{"start":0,"end":11,"text":"close\nclose"},' "$out"

done_suite "cli sentences"
