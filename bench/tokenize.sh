#!/bin/sh
# Tokenizer benchmark: quarry tokenize vs NLTK's WordPunctTokenizer (Debian
# python3-nltk) over the same file, Brown x10 (~61 MB, bench/fetch.sh brown60).
#
#   sh bench/tokenize.sh            (from the repository root, after make)
#   sh bench/tokenize.sh FILE       (any other text file)
#   BUILD=build-x sh bench/tokenize.sh   (binaries of another build folder)
#
# Whole process, measured with /usr/bin/time -v (wall clock, max RSS):
#   quarry: build/quarry tokenize --format count FILE   (offsets, kinds, flags and
#           NFKC+casefold keys are all computed; best of 5 runs)
#           build/quarry tokenize --format tsv FILE > /dev/null   (best of 3)
#   NLTK:   python3: WordPunctTokenizer().tokenize(line) for each line, summing
#           the counts (streams the file like quarry does; best of 3; reading
#           the whole file into one string was slower and took 900 MB)
# and the core alone: bench/cache/tokspeed (built here from bench/tokspeed.c)
# calls qr_tokenize on the whole file in memory, best of 5.
# Prints a report and writes it to bench/RESULTS.md under "## Tokenizer".
set -e
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
Q=${Q:-$BUILD/quarry}
CACHE=bench/cache
PY=/usr/bin/python3
mkdir -p "$CACHE"

die() { echo "bench/tokenize.sh: $*" >&2; exit 1; }
. bench/lib.sh
[ -x "$Q" ] || die "$Q is missing; run make first"
[ -f "$BUILD/libquarry.a" ] || die "$BUILD/libquarry.a is missing; run make first"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"

if [ $# -gt 0 ]; then
    CORPUS=$1
    ABOUT="given on the command line"
else
    CORPUS=$(sh bench/fetch.sh brown60 | tail -1)
    ABOUT="Brown corpus x10, from \`bench/fetch.sh brown60\`"
fi
[ -s "$CORPUS" ] || die "no corpus: '$CORPUS' is missing or empty"

if ! $PY -c 'import nltk.tokenize' 2>/dev/null; then
    [ "$(id -u)" = 0 ] || die "python3-nltk is missing; as root: apt-get install python3-nltk"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-nltk >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-nltk >/dev/null; } \
        || die "apt-get install python3-nltk failed"
fi

PKG_CFLAGS=$(pkg-config --cflags libutf8proc)
PKG_LIBS=$(pkg-config --libs libutf8proc jansson yaml-0.1 libpcre2-8 sqlite3 zlib)
cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Icore $PKG_CFLAGS -o "$CACHE/tokspeed" bench/tokspeed.c \
    "$BUILD/libquarry.a" $PKG_LIBS -lm \
    || die "cannot build bench/tokspeed.c"

cat > "$CACHE/nltk_wordpunct.py" <<'PYEOF'
import sys
from nltk.tokenize import WordPunctTokenizer
tok = WordPunctTokenizer()
n = 0
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        n += len(tok.tokenize(line))
print(n)
PYEOF

# timed LOG CMD... : runs CMD with /usr/bin/time -v, stdout to LOG.out (stderr
# stays on the terminal: this replaces bench/lib.sh's timed)
timed() {
    log=$1
    shift
    /usr/bin/time -v -o "$log.time" "$@" > "$log.out"
}
# best LOG N: the run (1..N) of LOGi.time with the shortest wall time
best() {
    log=$1 n=$2
    i=1
    while [ $i -le $n ]; do echo "$(wall "$log$i.time") $i"; i=$((i + 1)); done | sort -n | head -n 1 | cut -d' ' -f2
}

BYTES=$(wc -c < "$CORPUS")
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "corpus: $CORPUS ($MB MB)" >&2

cat "$CORPUS" > /dev/null    # warm the page cache for everyone alike
LOAD=$(cut -d' ' -f1 /proc/loadavg)

echo "quarry tokenize --format count (5 runs)..." >&2
for r in 1 2 3 4 5; do
    timed "$CACHE/tok-q$r" "$Q" tokenize --format count "$CORPUS"
done
b=$CACHE/tok-q$(best "$CACHE/tok-q" 5).time
Q_WALL=$(wall "$b") Q_CPU=$(cpu "$b") Q_RSS=$(rss "$b")
Q_N=$(cut -f2 "$CACHE/tok-q1.out")

echo "quarry tokenize --format tsv (3 runs)..." >&2
for r in 1 2 3; do
    /usr/bin/time -v -o "$CACHE/tok-tsv$r.time" "$Q" tokenize --format tsv "$CORPUS" > /dev/null
done
b=$CACHE/tok-tsv$(best "$CACHE/tok-tsv" 3).time
T_WALL=$(wall "$b") T_CPU=$(cpu "$b") T_RSS=$(rss "$b")

echo "NLTK WordPunctTokenizer (3 runs)..." >&2
for r in 1 2 3; do
    timed "$CACHE/tok-nltk$r" $PY "$CACHE/nltk_wordpunct.py" "$CORPUS"
done
b=$CACHE/tok-nltk$(best "$CACHE/tok-nltk" 3).time
N_WALL=$(wall "$b") N_CPU=$(cpu "$b") N_RSS=$(rss "$b")
N_N=$(cat "$CACHE/tok-nltk1.out")

echo "core alone (tokspeed, best of 5)..." >&2
CORE=$("$CACHE/tokspeed" "$CORPUS" 5)
CORE_MBS=$(echo "$CORE" | sed -n 's/.* \([0-9.]*\) MB\/s.*/\1/p')
CORE_S=$(echo "$CORE" | sed -n 's/.*best \([0-9.]*\) s.*/\1/p')

# News-like text with ordinary punctuation (the Brown text has spaces around every
# punctuation mark): the sample articles in samples/news/ (written for quarry), 4096 times.
NEWS=$CACHE/news-x4096.txt
cat samples/news/*.txt > "$NEWS.tmp"
i=0
while [ $i -lt 12 ]; do cat "$NEWS.tmp" "$NEWS.tmp" > "$NEWS"; mv "$NEWS" "$NEWS.tmp"; i=$((i + 1)); done
mv "$NEWS.tmp" "$NEWS"
NEWS_BYTES=$(wc -c < "$NEWS")
NEWS_CORE=$("$CACHE/tokspeed" "$NEWS" 5)
NEWS_MBS=$(echo "$NEWS_CORE" | sed -n 's/.* \([0-9.]*\) MB\/s.*/\1/p')
NEWS_TOK=$(echo "$NEWS_CORE" | sed -n 's/.*tokens \([0-9]*\) .*/\1/p')

rate() { awk -v b="$BYTES" -v s="$1" 'BEGIN { if (s > 0) printf "%.0f", b / s / 1e6; else print "n/a" }'; }
RATIO=$(awk -v n="$N_WALL" -v q="$Q_WALL" 'BEGIN { if (q > 0) printf "%.1f", n / q; else print "n/a" }')
RATIO_TSV=$(awk -v n="$N_WALL" -v q="$T_WALL" 'BEGIN { if (q > 0) printf "%.1f", n / q; else print "n/a" }')
RATIO_CPU=$(awk -v n="$N_CPU" -v q="$Q_CPU" 'BEGIN { if (q > 0) printf "%.1f", n / q; else print "n/a" }')
CPU=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
NLTK_VERSION=$($PY -c 'import nltk; print(nltk.__version__)')

CMD_ENV=
[ "$BUILD" = build ] || CMD_ENV="BUILD=$BUILD "
REPORT=$CACHE/tokenize-report.md
cat > "$REPORT" <<MDEOF
## Tokenizer

Command: \`${CMD_ENV}sh bench/tokenize.sh\` ($(date -u +%Y-%m-%d), $CPU, $(nproc) cores shared).
Corpus: \`$CORPUS\`, $BYTES bytes ($ABOUT).
Whole process, \`/usr/bin/time -v\`, the run with the best wall time of 5 (quarry count) or 3
(the others), on a machine shared with other jobs (load average $LOAD when the run started);
CPU is user + system time of that run. quarry computes offsets, kinds, flags and NFKC+casefold
keys for every token even when only counting.

| tool | command | tokens | wall (s) | CPU (s) | MB/s (wall) | max RSS (MB) |
|---|---|---:|---:|---:|---:|---:|
| quarry | \`$Q tokenize --format count FILE\` | $Q_N | $Q_WALL | $Q_CPU | $(rate "$Q_WALL") | $Q_RSS |
| quarry | \`$Q tokenize --format tsv FILE > /dev/null\` | $Q_N | $T_WALL | $T_CPU | $(rate "$T_WALL") | $T_RSS |
| NLTK $NLTK_VERSION WordPunctTokenizer | \`python3 nltk_wordpunct.py FILE\` (per line) | $N_N | $N_WALL | $N_CPU | $(rate "$N_WALL") | $N_RSS |

- quarry count is **${RATIO}x** faster than NLTK WordPunct in wall time (CPU time: ${RATIO_CPU}x;
  tsv output: ${RATIO_TSV}x), whole process.
- Core alone (\`bench/cache/tokspeed FILE 5\`: \`qr_tokenize\` on the whole file in memory, best of 5):
  **$CORE_MBS MB/s** ($CORE_S s). On news-like text with ordinary punctuation
  (\`samples/news/*.txt\` x4096, $NEWS_BYTES bytes, $NEWS_TOK tokens): **$NEWS_MBS MB/s**.
- Token counts differ by design: WordPunct splits \`don't\` into \`don ' t\` and \`U.S.\` into
  \`U . S .\`; quarry keeps inner apostrophes, abbreviations and decimals together and splits
  possessives (docs/tokenizer.md).
MDEOF

cat "$REPORT"

# Replace (or append) the "## Tokenizer" section of bench/RESULTS.md.
RES=bench/RESULTS.md
results_section "Tokenizer" "$REPORT" "$RES"
echo "bench/tokenize.sh: wrote the Tokenizer section of $RES" >&2
