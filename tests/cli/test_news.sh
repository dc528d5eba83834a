#!/bin/sh
# The news pipeline end to end: the SQLite output checked by queries, atomic
# replacement on re-runs, the demo summary, and the HTML report rendered in
# headless Chromium (DOM and screenshot).
. tests/cli/lib.sh
ROOT=$PWD
OUT=$T/out
"$Q" run pipelines/news.yaml --set "out=$OUT" --quiet 2>"$T/err"
check "run exit status" "0" "$?"
DB=$OUT/news.sqlite
sq() { sqlite3 -batch -noheader -separator '|' "$DB" "$1"; }

check "documents" "5" "$(sq 'SELECT count(*) FROM documents')"
check "tables" "cooccurrences|documents|entities|keywords|labels|quotes" \
    "$(sq "SELECT group_concat(name, '|') FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)")"
check "indexes" "cooccurrences_doc|cooccurrences_pair|entities_doc|entities_label|keywords_doc|keywords_term|quotes_doc|quotes_speaker" \
    "$(sq "SELECT group_concat(name, '|') FROM (SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name)")"
check "foreign keys declared" "cooccurrences>documents|entities>documents|keywords>documents|labels>documents|quotes>documents" \
    "$(sq "SELECT group_concat(t || '>' || f, '|') FROM (SELECT m.name AS t, p.\"table\" AS f FROM sqlite_master m, pragma_foreign_key_list(m.name) p WHERE m.type = 'table' ORDER BY m.name)")"
check "foreign keys hold" "" "$(sq 'PRAGMA foreign_key_check')"
check "no entity without a document" "0" "$(sq 'SELECT count(*) FROM entities WHERE doc NOT IN (SELECT id FROM documents)')"

K="(SELECT id FROM documents WHERE doc_id LIKE '%korea-russia-pact.txt')"
check "people in the Korea article" \
    "Ankit Panda|Chang Ho-jin|Cho Tae-yul|Edith M. Lederer|Jenny Town|Kim Jong Un|Vladimir Putin|Yoon Suk Yeol" \
    "$(sq "SELECT group_concat(e, '|') FROM (SELECT DISTINCT entity_id AS e FROM entities WHERE doc = $K AND label = 'PERSON' ORDER BY e)")"
check "short mentions resolve to the full name" "Kim|Kim Jong Un|6
Putin|Vladimir Putin|5
Yoon|Yoon Suk Yeol|2" \
    "$(sq "SELECT text, entity_id, count(*) FROM entities WHERE doc = $K AND label = 'PERSON' AND text IN ('Kim', 'Putin', 'Yoon') GROUP BY text ORDER BY text")"
check "places in the Korea article" \
    "Japan|Kyiv, UA|Moscow, RU|New York City, US|North Korea|Pyongyang, KP|Russia|Seoul, KR|South Korea|Soviet Union|Ukraine|United States|Washington D.C., US" \
    "$(sq "SELECT group_concat(e, '|') FROM (SELECT DISTINCT entity_id AS e FROM entities WHERE doc = $K AND label = 'GPE' ORDER BY e)")"
check "organizations in the Korea article" \
    "38 North|Associated Press|Carnegie Endowment for International Peace|Korean Central News Agency|Stimson Center|U.N. Security Council|UN Charter|United Nations" \
    "$(sq "SELECT group_concat(e, '|') FROM (SELECT DISTINCT entity_id AS e FROM entities WHERE doc = $K AND label = 'ORG' ORDER BY e)")"
check "dates" "1961|2000|Thursday|Wednesday" \
    "$(sq "SELECT group_concat(text, '|') FROM (SELECT text FROM entities WHERE doc = $K AND label = 'DATE' ORDER BY text)")"
check "quote speakers" "deplorable|Cho Tae-yul|Cho Tae-yul
revolutionary document|Putin|Vladimir Putin
core interests|KCNA|Korean Central News Agency" \
    "$(sq "SELECT text, speaker, speaker_id FROM quotes WHERE doc = $K AND text IN ('deplorable', 'revolutionary document', 'core interests') ORDER BY start")"
check "office as speaker" "Yoon’s office|Yoon Suk Yeol" \
    "$(sq "SELECT speaker, speaker_id FROM quotes WHERE doc = $K AND text LIKE 'It is absurd%'")"
check "quotes attributed" "38|35" "$(sq 'SELECT count(*), count(speaker_id) FROM quotes')"
check "topic labels" "eu-chile-lithium-deal.txt|economy
korea-russia-pact.txt|conflict
nairobi-climate-talks.txt|climate
osaka-port-strike.txt|labor
rotterdam-ai-ports.txt|economy" \
    "$(sq "SELECT replace(d.doc_id, rtrim(d.doc_id, replace(d.doc_id, '/', '')), ''), l.label FROM labels l JOIN documents d ON d.id = l.doc WHERE l.chosen ORDER BY d.doc_id")"
check "cooccurrence pair" "Kim Jong Un|Vladimir Putin|3" \
    "$(sq "SELECT a, b, count FROM cooccurrences WHERE doc = $K AND a = 'Kim Jong Un' AND b = 'Vladimir Putin'")"
check "top_entities view" "GPE|Russia|10|1" "$(sq 'SELECT * FROM top_entities LIMIT 1')"
check "offsets are code points" "Cho Tae-yul" \
    "$(sq "SELECT substr(d.text, e.start + 1, e.end - e.start) FROM entities e JOIN documents d ON d.id = e.doc WHERE e.doc = $K AND e.entity_id = 'Cho Tae-yul' LIMIT 1")"

# re-running replaces the database whole; a failed run leaves it as it was
"$Q" run pipelines/news.yaml samples/news/osaka-port-strike.txt --set "out=$OUT" --quiet 2>"$T/err"
check "re-run exit status" "0" "$?"
check "re-run replaced the database" "1" "$(sq 'SELECT count(*) FROM documents')"
check "no temporary files left" "brat cooccurrences.tsv displacy.json docs.jsonl entities.csv news.sqlite report.html" \
    "$(ls "$OUT" | tr '\n' ' ' | sed 's/ $//')"
"$Q" run pipelines/news.yaml samples/news/osaka-port-strike.txt samples/news/osaka-port-strike.txt \
    --set "out=$OUT" --quiet 2>"$T/err"
check "duplicate ids fail" "1" "$?"
check_contains "duplicate id message" "two documents have the id 'samples/news/osaka-port-strike.txt'; ids must be unique" "$(cat "$T/err")"
check "failed run kept the old database" "1" "$(sq 'SELECT count(*) FROM documents')"
check "failed run left no temporary files" "brat cooccurrences.tsv displacy.json docs.jsonl entities.csv news.sqlite report.html" \
    "$(ls "$OUT" | tr '\n' ' ' | sed 's/ $//')"

# US states give way to names like cities do; a place inside "X-based"
printf 'Virginia Knauer, a consumer adviser, met officials in Virginia and at a New York-based bank.\n' >"$T/va.txt"
"$Q" run pipelines/news.yaml "$T/va.txt" --set "out=$T/va" --quiet
check "states, names and compounds" "0,15,Virginia Knauer,PERSON,Virginia Knauer
54,62,Virginia,GPE,\"Virginia, US\"
72,80,New York,GPE,New York" "$(tail -n +2 "$T/va/entities.csv" | cut -d, -f2-)"

# the report's table names a demonym by its text, a city by its name
printf 'Russian diplomats met Russian traders in Moscow.\n' >"$T/norp.txt"
"$Q" run pipelines/news.yaml "$T/norp.txt" --set "out=$T/norp" --quiet
check_contains "report demonym row" '<tr><td>Russian</td>' "$(cat "$T/norp/report.html")"
check_contains "report city row" '<tr><td><span title="Moscow, RU">Moscow</span></td>' "$(cat "$T/norp/report.html")"

# the demo: a readable summary read back from the database
sh mk/demo.sh --set "out=$T/demo" >"$T/demo.txt" 2>&1
check "demo exit status" "0" "$?"
check_contains "demo documents" "== Documents: 5" "$(cat "$T/demo.txt")"
check_contains "demo persons" "Kim Jong Un (7), Vladimir Putin (6)" "$(cat "$T/demo.txt")"
check_contains "demo quote" "Cho Tae-yul                  “deplorable”" "$(cat "$T/demo.txt")"
check_contains "demo topic" "korea-russia-pact.txt                        topic: conflict" "$(cat "$T/demo.txt")"
check_contains "demo outputs" "$T/demo/report.html" "$(cat "$T/demo.txt")"
# city ids read as their name, demonyms as written; the data keeps the ids
check_contains "demo city name" "Russia (10), Ukraine (9), Moscow (8), North Korea (8)" "$(cat "$T/demo.txt")"
check_contains "demo pair names" "Moscow + Pyongyang " "$(cat "$T/demo.txt")"
check_contains "demo demonyms" "North Korean (3), Russian (3)" "$(cat "$T/demo.txt")"
check "city id kept in the database" "Moscow, RU" \
    "$(sqlite3 -batch -noheader "$T/demo/news.sqlite" "SELECT DISTINCT entity_id FROM entities WHERE text = 'Moscow'")"
check_contains "report table city name" '<tr><td><span title="Moscow, RU">Moscow</span></td>' "$(cat "$T/demo/report.html")"

# displaCy JSON and brat standoff agree with the text
check "displacy" "5|South Korea|GPE" "$(sqlite3 -batch -noheader -separator '|' :memory: "
    SELECT json_array_length(readfile('$T/demo/displacy.json')),
           substr(json_extract(d.value, '$.text'), json_extract(d.value, '$.ents[0].start') + 1,
                  json_extract(d.value, '$.ents[0].end') - json_extract(d.value, '$.ents[0].start')),
           json_extract(d.value, '$.ents[0].label')
    FROM json_each(readfile('$T/demo/displacy.json')) d
    WHERE json_extract(d.value, '$.title') LIKE '%korea-russia-pact.txt'")"
check "brat" "T1	GPE 0 11	South Korea" "$(head -1 "$T/demo/brat/korea-russia-pact.ann")"

# the HTML page: self-contained, rendered by headless Chromium
HTML=$T/demo/report.html
check "no external resources" "0" "$(grep -c -E '<(script|link|img|iframe)|src=|@import|url\(' "$HTML")"
if command -v chromium >/dev/null 2>&1; then
    CH="chromium --headless --no-sandbox --disable-gpu --disable-background-networking
        --disable-component-update --disable-sync --no-first-run --user-data-dir=$T/chrome"
    timeout 120 $CH --dump-dom "file://$HTML" >"$T/dom.html" 2>"$T/chrome.log"
    check "chromium dump-dom" "0" "$?"
    DOM=$(cat "$T/dom.html")
    check_contains "rendered PERSON mark" '<mark class="entity" data-label="PERSON" data-id="Kim Jong Un" title="Kim Jong Un" style="background:#aa9cfc">Kim Jong Un<span class="label">PERSON</span></mark>' "$DOM"
    check_contains "rendered short mention" 'data-id="Vladimir Putin" title="Vladimir Putin" style="background:#aa9cfc">Putin<span class="label">PERSON</span></mark>' "$DOM"
    check_contains "rendered GPE mark" 'data-label="GPE" data-id="Kyiv, UA" title="Kyiv, UA" style="background:#feca74">kyiv<span' "$DOM"
    check_contains "rendered quote" '<span class="speaker">Cho Tae-yul</span> <q>deplorable</q>' "$DOM"
    check_contains "rendered inline quote" '<span class="quote" data-speaker="Cho Tae-yul" title="Cho Tae-yul">deplorable</span><span class="said">Cho Tae-yul</span>' "$DOM"
    check "inline quotes in the page" "38" "$(printf '%s' "$DOM" | grep -o '<span class="quote"' | wc -l | tr -d ' ')"
    check_contains "rendered chart" '<svg class="chart"' "$DOM"
    check "marks in the page" "218" "$(printf '%s' "$DOM" | grep -o '<mark class="entity"' | wc -l | tr -d ' ')"
    timeout 120 $CH --window-size=1200,1800 --screenshot="$T/shot.png" "file://$HTML" >>"$T/chrome.log" 2>&1
    check "chromium screenshot" "0" "$?"
    check "screenshot is a PNG" "PNG" "$(head -c 4 "$T/shot.png" | tail -c 3)"
    # a blank page of this size compresses to a few kB; the report is far larger
    check "screenshot is not blank" "1" "$([ "$(wc -c <"$T/shot.png")" -gt 60000 ] && echo 1 || echo 0)"
else
    check "chromium is installed (make deps)" "yes" "no"
fi
done_suite "news cli"
