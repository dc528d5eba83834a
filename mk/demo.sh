#!/bin/sh
# make demo — runs the news pipeline and prints a short summary of what it
# found, read back from the SQLite output.
#
#   sh mk/demo.sh                              # samples/news/*.txt → out/news/
#   sh mk/demo.sh my/articles/ --set out=/tmp/news
#   make demo ARGS="my/articles/ --set out=/tmp/news"
#
# Arguments go to `quarry run pipelines/news.yaml`: inputs replace
# samples/news/, `--set out=DIR` moves the outputs (a relative DIR is taken
# from the current folder).
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
Q=${QUARRY:-$root/build/quarry}
out=$root/out/news
n=$#
i=0
while [ "$i" -lt "$n" ]; do   # rotate the arguments, rewriting out=DIR
    a=$1
    shift
    case "$a" in
    out=*)
        dir=${a#out=}
        case "$dir" in /*) ;; *) dir=$PWD/$dir ;; esac
        out=$dir
        a="out=$dir" ;;
    --set=out=*)
        dir=${a#--set=out=}
        case "$dir" in /*) ;; *) dir=$PWD/$dir ;; esac
        out=$dir
        a="--set=out=$dir" ;;
    esac
    set -- "$@" "$a"
    i=$((i + 1))
done
[ "$out" = "$root/out/news" ] && set -- "$@" --set "out=$out"

echo "quarry demo: running pipelines/news.yaml"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
"$Q" run "$root/pipelines/news.yaml" "$@" 2>"$log" || status=$?
grep -v -e '^  ' "$log" >&2 || true   # the summary, not the per-step table
[ "$status" -eq 0 ] || exit "$status"
db=$out/news.sqlite
[ -f "$db" ] || { echo "demo: $db was not written" >&2; exit 1; }
q() { sqlite3 -batch -noheader -separator '	' "$db" "$1"; }
# A city id "Moscow, RU" reads "Moscow" here (the data keeps the id).
name() { echo "CASE WHEN $1 GLOB '*, [A-Z][A-Z]' THEN substr($1, 1, length($1) - 4) ELSE $1 END"; }

echo
echo "== Documents: $(q 'SELECT count(*) FROM documents')"
q "SELECT d.doc_id, coalesce(d.label, '-'),
          (SELECT count(*) FROM entities e WHERE e.doc = d.id),
          (SELECT count(*) FROM quotes x WHERE x.doc = d.id)
   FROM documents d ORDER BY d.id" |
while IFS='	' read -r id label ne nq; do
    printf '  %-44s topic: %-10s %3d entities, %2d quotes\n' "${id##*/}" "$label" "$ne" "$nq"
done

echo
echo "== Entities by type (mentions, distinct; most frequent first)"
q "SELECT label, count(*), count(DISTINCT coalesce(entity_id, text)) FROM entities
   GROUP BY label ORDER BY count(*) DESC, label" |
while IFS='	' read -r label n distinct; do
    if [ "$label" = NORP ]; then   # "North Korean", not its country's id "North Korea"
        sql="SELECT text || ' (' || count(*) || ')' FROM entities WHERE label = 'NORP'
             GROUP BY text ORDER BY count(*) DESC, text LIMIT 5"
    else
        sql="SELECT $(name entity) || ' (' || mentions || ')' FROM top_entities WHERE label = '$label' LIMIT 5"
    fi
    top=$(q "$sql" |
          paste -sd ';' - | sed 's/;/, /g')
    printf '  %-7s %4d %4d  %s\n' "$label" "$n" "$distinct" "$top"
done

echo
echo "== Quotes with speakers ($(q 'SELECT count(*) FROM quotes') in all, $(q 'SELECT count(*) FROM quotes WHERE speaker IS NOT NULL') attributed; up to 3 a document)"
q "SELECT doc_id, who0 || substr('                            ', 1, max(0, 28 - length(who0))), text FROM (
     SELECT d.doc_id, coalesce(x.speaker_id, x.speaker, '(unattributed)') AS who0,
            CASE WHEN length(x.text) > 64 THEN substr(x.text, 1, 61) || '...' ELSE x.text END AS text,
            row_number() OVER (PARTITION BY x.doc ORDER BY x.speaker IS NULL, x.start) AS k, x.doc, x.start
     FROM quotes x JOIN documents d ON d.id = x.doc)
   WHERE k <= 3 ORDER BY doc, start" |
while IFS='	' read -r id who text; do
    printf '  %s “%s”\n' "$who" "$text"
done

echo
echo "== Most frequent pairs in the same sentence"
q "SELECT $(name a) || ' + ' || $(name b), sum(count) FROM cooccurrences GROUP BY a, a_label, b, b_label
   ORDER BY sum(count) DESC, a, b LIMIT 5" |
while IFS='	' read -r pair n; do
    printf '  %-50s %d sentences\n' "$pair" "$n"
done

echo
rel=${out#"$PWD"/}
echo "== Outputs in $rel/"
for f in docs.jsonl entities.csv news.sqlite report.html cooccurrences.tsv displacy.json brat; do
    [ -e "$out/$f" ] && printf '  %s\n' "$rel/$f"
done
echo "  try: sqlite3 $rel/news.sqlite 'SELECT * FROM top_entities LIMIT 10'"
