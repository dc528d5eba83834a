#!/bin/sh
# Sentiment benchmark: the example C module samples/modules/sentiment/ in a
# pipeline (tokenize, sentences, sentiment, JSONL export;
# bench/sentiment/sentiment.yaml) over the Brown corpus as JSONL x10 (~62 MB,
# 5,000 records, bench/fetch.sh brown-jsonl), against the npm package
# `sentiment` (AFINN-165 with negation too; bench/sentiment/peer.js).
#
#   sh bench/sentiment.sh          (from the repository root, after make)
#
# Whole process, /usr/bin/time -v: median wall clock of 3 runs, max RSS of
# the first.
# Also reports how often both tools give a document the same sign.
set -e
cd "$(dirname "$0")/.."
Q=${Q:-$PWD/build/quarry}
CACHE=bench/cache
OUT=$CACHE/sentiment
NPM=$CACHE/npm
mkdir -p "$OUT"
die() { echo "bench/sentiment.sh: $*" >&2; exit 1; }
[ -x "$Q" ] || die "$Q is missing; run make first"
[ -f build/modules/sentiment.so ] || die "build/modules/sentiment.so is missing; run make first"
command -v node >/dev/null 2>&1 || die "node is needed for the peer (apt-get install nodejs npm)"
CORPUS=$(sh bench/fetch.sh brown-jsonl | tail -1)
[ -s "$CORPUS" ] || die "no corpus: '$CORPUS' is missing or empty"
if [ ! -d "$NPM/node_modules/sentiment" ]; then
    npm install --silent --no-audit --no-fund --prefix "$NPM" sentiment >&2 || die "npm install sentiment failed"
fi
. bench/lib.sh
MB=$(wc -c < "$CORPUS" | awk '{ printf "%.1f", $1 / 1e6 }')
cat "$CORPUS" > /dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in 1 2 3; do
    for j in 1 2; do
        /usr/bin/time -v -o "$OUT/q$j-$r.time" "$Q" run bench/sentiment/sentiment.yaml "$CORPUS" -j $j --quiet \
            --set out="$PWD/$OUT/quarry.jsonl" || die "quarry -j $j failed"
    done
    /usr/bin/time -v -o "$OUT/node-$r.time" node bench/sentiment/peer.js "$PWD/$NPM/node_modules/sentiment" \
        "$CORPUS" "$OUT/node.jsonl" || die "the peer failed"
done
agree=$(node -e '
const fs = require("fs");
const rd = (f) => fs.readFileSync(f, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const q = rd(process.argv[1]), n = rd(process.argv[2]);
let same = 0;
for (let i = 0; i < q.length; i++) same += Math.sign(q[i].fields.sentiment.score) === Math.sign(n[i].score);
console.log(same + "/" + q.length);' "$OUT/quarry.jsonl" "$OUT/node.jsonl")
printf '| tool | wall (s, median of 3) | MB/s | CPU user+sys (s, run 1) | max RSS (MB) |\n|---|---:|---:|---:|---:|\n'
for r in "quarry -j 1:q1" "quarry -j 2:q2" "npm sentiment (node):node"; do
    name=${r%%:*}; f=$OUT/${r##*:}-1.time
    w=$(for k in 1 2 3; do wall "$OUT/${r##*:}-$k.time"; echo; done | sort -n | sed -n 2p)
    printf '| %s | %s | %s | %s | %s |\n' "$name" "$w" "$(awk -v m="$MB" -v w="$w" 'BEGIN { printf "%.1f", m / w }')" \
        "$(cpu "$f")" "$(rss "$f")"
done
echo "corpus: $CORPUS ($MB MB); same sign of the document score: $agree"
