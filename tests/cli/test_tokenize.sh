#!/bin/sh
# quarry tokenize: tsv, jsonl, count, offsets, several inputs, stdin, errors.
. tests/cli/lib.sh

TAB=$(printf '\t')

out=$(printf 'Dr. Kim said: "Seoul\342\200\231s $1,000.00."\n' | "$Q" tokenize)
check "tsv from stdin" "0	3	word	Dr.
4	7	word	Kim
8	12	word	said
12	13	punct	:
14	15	punct	\"
15	20	word	Seoul
20	24	word	’s
25	26	symbol	\$
26	34	number	1,000.00
34	35	punct	.
35	36	punct	\"" "$out"

out=$(printf 'a\\b\000c\n' | "$Q" tokenize --format tsv)
check "tsv escapes backslash and NUL" "0	1	word	a
1	2	punct	\\\\
2	3	word	b
3	4	symbol	\\0
4	5	word	c" "$out"

printf 'Caf\303\251 \377!\n' > "$T/latin.txt"
out=$("$Q" tokenize --format jsonl "$T/latin.txt")
check "jsonl with repaired text" "{\"id\":\"$T/latin.txt\",\"tokens\":[{\"start\":0,\"end\":5,\"kind\":\"word\",\"text\":\"Café\",\"key\":\"café\"},{\"start\":6,\"end\":7,\"kind\":\"symbol\",\"text\":\"�\",\"key\":\"�\"},{\"start\":7,\"end\":8,\"kind\":\"punct\",\"text\":\"!\",\"key\":\"!\"}]}" "$out"

out=$(printf 'Caf\303\251 Stra\303\237e' | "$Q" tokenize --format=jsonl --offsets chars -)
check "jsonl code-point offsets and keys" '{"id":"-","tokens":[{"start":0,"end":4,"kind":"word","text":"Café","key":"café"},{"start":5,"end":11,"kind":"word","text":"Straße","key":"strasse"}]}' "$out"

out=$(printf 'Caf\303\251 ok' | "$Q" tokenize --offsets chars)
check "tsv code-point offsets" "0	4	word	Café
5	7	word	ok" "$out"

printf 'one two\nthree.\n' > "$T/a.txt"
: > "$T/empty.txt"
out=$(printf 'x y z' | "$Q" tokenize --format count "$T/a.txt" - "$T/empty.txt")
check "count per input" "$T/a.txt	4
-	3
$T/empty.txt	0" "$out"

out=$("$Q" tokenize --format jsonl "$T/empty.txt")
check "jsonl of an empty input" "{\"id\":\"$T/empty.txt\",\"tokens\":[]}" "$out"

out=$("$Q" tokenize "$T/a.txt" "$T/a.txt" | wc -l | tr -d ' ')
check "tsv of two files" "8" "$out"

# A file of many read chunks (256 KiB): offsets continue across chunks.
# 45,000 lines of 99 spaces + "word." (105 bytes): 4,725,000 bytes, 90,000 tokens.
awk 'BEGIN { pad = sprintf("%99s", ""); for (i = 0; i < 45000; i++) print pad "word." }' > "$T/big.txt"
out=$("$Q" tokenize --format count "$T/big.txt")
check "count across chunks" "$T/big.txt	90000" "$out"
out=$("$Q" tokenize "$T/big.txt" | tail -n 2)
check "last offsets across chunks" "4724994	4724998	word	word
4724998	4724999	punct	." "$out"
out=$("$Q" tokenize --format count < "$T/big.txt")
check "count across chunks from stdin" "-	90000" "$out"
out=$("$Q" tokenize < "$T/big.txt" | sed -n '45001p;$p')
check "offsets across chunks from stdin" "2362599	2362603	word	word
4724998	4724999	punct	." "$out"
out=$("$Q" tokenize --format jsonl "$T/big.txt" | grep -o '"start":[0-9]*' | tail -n 1)
check "jsonl last offset across chunks" '"start":4724998' "$out"

# errors: one line on stderr, exit 2, nothing on stdout
out=$("$Q" tokenize "$T/missing.txt" 2>"$T/err"); rc=$?
check "missing file exit" "2" "$rc"
check "missing file message" "quarry tokenize: cannot open '$T/missing.txt': No such file or directory" "$(cat "$T/err")"
check "missing file no output" "" "$out"

out=$("$Q" tokenize "$T" 2>&1 >/dev/null); rc=$?
check "directory" "2 quarry tokenize: cannot read '$T': Is a directory" "$rc $out"

if [ -w /dev/full ]; then
    out=$(printf 'x y' | "$Q" tokenize 2>&1 >/dev/full); rc=$?
    check "write error" "2 quarry tokenize: cannot write the output: No space left on device" "$rc $out"
fi

out=$("$Q" tokenize --bogus 2>&1 >/dev/null); rc=$?
check "unknown option" "2 quarry tokenize: unknown option '--bogus'; see 'quarry tokenize --help'" "$rc $out"

out=$("$Q" tokenize --format xml 2>&1 >/dev/null); rc=$?
check "unknown format" "2 quarry tokenize: unknown format 'xml' (expected tsv, jsonl or count)" "$rc $out"

out=$("$Q" tokenize --format 2>&1 >/dev/null); rc=$?
check "format without value" "2 quarry tokenize: option '--format' needs a value; run 'quarry tokenize --help'" "$rc $out"

out=$("$Q" tokenize --offsets lines 2>&1 >/dev/null); rc=$?
check "unknown offsets" "2 quarry tokenize: unknown offsets 'lines' (expected bytes or chars)" "$rc $out"

out=$("$Q" tokenize --help); rc=$?
check "help exit" "0" "$rc"
check_contains "help usage line" "usage: quarry tokenize [--format tsv|jsonl|count] [--offsets bytes|chars] [FILE...]" "$out"
check_contains "help formats" "count  one line per input: FILE<TAB>number of tokens" "$out"

# "--" ends options: a file named like an option
printf 'ok' > "$T/-x"
out=$(cd "$T" && "$Q" tokenize --format count -- -x)
check "-- ends options" "-x${TAB}1" "$out"

done_suite "cli tokenize"
