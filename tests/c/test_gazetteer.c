/* Gazetteer: sources, case modes, overlaps, duplicates, scripts, cache, scale. */
#include "check.h"
#include "error.h"
#include "gazetteer.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/quarry-gaz-XXXXXX";

/* One list from in-memory data; aborts the test run on failure. */
static qr_gazetteer *build(const char *name, const char *data, qr_gaz_case cm, int fold,
                           const char *label)
{
    qr_error err;
    qr_error_clear(&err);
    qr_gazetteer *g = qr_gazetteer_new();
    qr_gazetteer_list l = {NULL, QR_GAZ_AUTO, label, cm, fold};
    if (qr_gazetteer_add_list_data(g, &l, name, data, strlen(data), &err) < 0 ||
        qr_gazetteer_compile(g, &err) != 0) {
        char buf[1600];
        fprintf(stderr, "build %s: %s\n", name, qr_error_format(&err, buf, sizeof buf));
        exit(1);
    }
    return g;
}

/* Matches as "start-end:text/LABEL/id" joined by " | ". */
static const char *run(const qr_gazetteer *g, const char *text, qr_gaz_overlaps ov)
{
    static char out[8192];
    qr_gazetteer_scratch *s = qr_gazetteer_scratch_new();
    qr_gaz_matches m;
    qr_gaz_matches_init(&m);
    qr_error err;
    out[0] = '\0';
    if (qr_gazetteer_match_text(g, s, text, strlen(text), ov, &m, &err) != 0) {
        snprintf(out, sizeof out, "error: %s", err.message);
    } else {
        size_t o = 0;
        for (size_t i = 0; i < m.n && o < sizeof out - 200; i++)
            o += (size_t)snprintf(out + o, sizeof out - o, "%s%u-%u:%.*s/%s/%s", i ? " | " : "",
                                  m.v[i].start, m.v[i].end, (int)(m.v[i].end - m.v[i].start),
                                  text + m.v[i].start, m.v[i].label, m.v[i].id);
    }
    qr_gaz_matches_free(&m);
    qr_gazetteer_scratch_free(s);
    return out;
}

/* The error message (formatted with its position) of building from data. */
static const char *build_error(const char *name, const char *data, const char *label)
{
    static char buf[1600];
    qr_error err;
    qr_error_clear(&err);
    qr_gazetteer *g = qr_gazetteer_new();
    qr_gazetteer_list l = {NULL, QR_GAZ_AUTO, label, QR_CASE_INSENSITIVE, 0};
    if (qr_gazetteer_add_list_data(g, &l, name, data, strlen(data), &err) >= 0)
        snprintf(buf, sizeof buf, "(no error)");
    else
        qr_error_format(&err, buf, sizeof buf);
    qr_gazetteer_free(g);
    return buf;
}

static void test_case_modes(void)
{
    const char *tsv = "New York\tGPE\nYork\tGPE\n";
    qr_gazetteer *g = build("c.tsv", tsv, QR_CASE_INSENSITIVE, 0, NULL);
    CHECK_EQ_STR(run(g, "I love new york and YORK.", QR_GAZ_LONGEST),
                 "7-15:new york/GPE/New York | 20-24:YORK/GPE/York");
    CHECK_EQ_STR(run(g, "Yorkshire", QR_GAZ_LONGEST), "");
    qr_gazetteer_free(g);

    g = build("c.tsv", tsv, QR_CASE_SENSITIVE, 0, NULL);
    CHECK_EQ_STR(run(g, "I love new york and New York, York.", QR_GAZ_LONGEST),
                 "20-28:New York/GPE/New York | 30-34:York/GPE/York");
    CHECK_EQ_STR(run(g, "new York", QR_GAZ_LONGEST), "4-8:York/GPE/York");
    qr_gazetteer_free(g);

    g = build("s.tsv", "US\tGPE\nParis\tGPE\nNATO\tORG\nUK\tGPE\tuk\n", QR_CASE_SMART, 0, NULL);
    CHECK_EQ_STR(run(g, "us and US in PARIS or paris; nato NATO Nato, uk", QR_GAZ_LONGEST),
                 "7-9:US/GPE/US | 13-18:PARIS/GPE/Paris | 22-27:paris/GPE/Paris | "
                 "34-38:NATO/ORG/NATO");
    qr_gazetteer_free(g);

    /* Sensitive compares NFC text: a decomposed "é" equals the composed one. */
    g = build("n.tsv", "Café\tPLACE\n", QR_CASE_SENSITIVE, 0, NULL);
    CHECK_EQ_STR(run(g, "Cafe\xcc\x81 or Café or café", QR_GAZ_LONGEST),
                 "0-6:Cafe\xcc\x81/PLACE/Café | 10-15:Café/PLACE/Café");
    qr_gazetteer_free(g);

    CHECK_EQ_INT(qr_gaz_case_parse("smart"), QR_CASE_SMART);
    CHECK_EQ_INT(qr_gaz_case_parse("Smart"), -1);
    CHECK_EQ_STR(qr_gaz_case_name(QR_CASE_SENSITIVE), "sensitive");
}

static void test_overlaps(void)
{
    const char *tsv = "Distributed Super Computing\tORG\tdsc\n"
                      "Distributed Super Computing Institute\tORG\tdsci\n"
                      "Super Computing\tFIELD\n";
    qr_gazetteer *g = build("o.tsv", tsv, QR_CASE_INSENSITIVE, 0, NULL);
    CHECK_EQ_STR(run(g, "the Distributed Super Computing Institute opened", QR_GAZ_LONGEST),
                 "4-41:Distributed Super Computing Institute/ORG/dsci");
    CHECK_EQ_STR(run(g, "the Distributed Super Computing Centre", QR_GAZ_LONGEST),
                 "4-31:Distributed Super Computing/ORG/dsc");
    /* A partial prefix must not hide the full match that starts later. */
    CHECK_EQ_STR(run(g, "distributed super distributed super computing", QR_GAZ_LONGEST),
                 "18-45:distributed super computing/ORG/dsc");
    CHECK_EQ_STR(run(g, "distributed super computing", QR_GAZ_ALL),
                 "0-27:distributed super computing/ORG/dsc | "
                 "12-27:super computing/FIELD/Super Computing");
    CHECK_EQ_STR(run(g, "Distributed Super Computing Institute", QR_GAZ_ALL),
                 "0-37:Distributed Super Computing Institute/ORG/dsci | "
                 "0-27:Distributed Super Computing/ORG/dsc | "
                 "12-27:Super Computing/FIELD/Super Computing");
    CHECK_EQ_STR(run(g, "super computing distributed", QR_GAZ_LONGEST),
                 "0-15:super computing/FIELD/Super Computing");
    qr_gazetteer_free(g);
}

static void test_special_characters(void)
{
    const char *tsv = ".net\tTECH\nc++\tTECH\npython.\tTECH\tpython-dot\nIRE1\tGENE\nXBP1s\tGENE\n"
                      "C#\tTECH\n";
    qr_gazetteer *g = build("t.tsv", tsv, QR_CASE_INSENSITIVE, 0, NULL);
    CHECK_EQ_STR(run(g, "We use .net and C++ daily.", QR_GAZ_LONGEST),
                 "7-11:.net/TECH/.net | 16-19:C++/TECH/c++");
    CHECK_EQ_STR(run(g, "IRE1/XBP1s signalling", QR_GAZ_LONGEST),
                 "0-4:IRE1/GENE/IRE1 | 5-10:XBP1s/GENE/XBP1s");
    CHECK_EQ_STR(run(g, "I like python. It is fine", QR_GAZ_LONGEST),
                 "7-14:python./TECH/python-dot");
    CHECK_EQ_STR(run(g, "netbooks, c and python are not entries", QR_GAZ_LONGEST), "");
    CHECK_EQ_STR(run(g, "IRE1a and XXBP1s", QR_GAZ_LONGEST), "");
    /* Where the phrase has no space, the text must have none either. */
    CHECK_EQ_STR(run(g, "Growth. Net income rose; c + + and c ++ are not C++", QR_GAZ_LONGEST),
                 "48-51:C++/TECH/c++");
    CHECK_EQ_STR(run(g, "IRE1 / XBP1s", QR_GAZ_LONGEST), "0-4:IRE1/GENE/IRE1 | 7-12:XBP1s/GENE/XBP1s");
    qr_gazetteer_free(g);
    g = build("t.tsv", "IRE1/XBP1s\tPATHWAY\nNew York\tGPE\n", QR_CASE_INSENSITIVE, 0, NULL);
    CHECK_EQ_STR(run(g, "IRE1/XBP1s, IRE1 /XBP1s, New\n  York", QR_GAZ_LONGEST),
                 "0-10:IRE1/XBP1s/PATHWAY/IRE1/XBP1s | 25-35:New\n  York/GPE/New York");
    qr_gazetteer_free(g);
}

static void test_scripts_and_accents(void)
{
    const char *tsv = "Москва\tGPE\nΟδυσσεύς\tPER\n東京\tGPE\nالقاهرة\tGPE\nSão Paulo\tGPE\n";
    qr_gazetteer *g = build("u.tsv", tsv, QR_CASE_INSENSITIVE, 0, NULL);
    CHECK_EQ_STR(run(g, "В МОСКВА и москва", QR_GAZ_LONGEST),
                 "3-15:МОСКВА/GPE/Москва | 19-31:москва/GPE/Москва");
    CHECK_EQ_STR(run(g, "ο ΟΔΥΣΣΕΎΣ", QR_GAZ_LONGEST), "3-19:ΟΔΥΣΣΕΎΣ/PER/Οδυσσεύς");
    CHECK_EQ_STR(run(g, "我去東京了", QR_GAZ_LONGEST), "6-12:東京/GPE/東京");
    CHECK_EQ_STR(run(g, "زرت القاهرة أمس", QR_GAZ_LONGEST), "7-21:القاهرة/GPE/القاهرة");
    CHECK_EQ_STR(run(g, "Sao Paulo", QR_GAZ_LONGEST), "");
    CHECK_EQ_STR(run(g, "SÃO PAULO", QR_GAZ_LONGEST), "0-10:SÃO PAULO/GPE/São Paulo");
    qr_gazetteer_free(g);

    g = build("a.tsv", "São Paulo\tGPE\nZürich\tGPE\n", QR_CASE_INSENSITIVE, 1, NULL);
    CHECK_EQ_STR(run(g, "Sao Paulo, SAO PAULO, São Paulo, Sa\xcc\x83o Paulo", QR_GAZ_LONGEST),
                 "0-9:Sao Paulo/GPE/São Paulo | 11-20:SAO PAULO/GPE/São Paulo | "
                 "22-32:São Paulo/GPE/São Paulo | 34-45:Sa\xcc\x83o Paulo/GPE/São Paulo");
    CHECK_EQ_STR(run(g, "zurich ZÜRICH", QR_GAZ_LONGEST),
                 "0-6:zurich/GPE/Zürich | 7-14:ZÜRICH/GPE/Zürich");
    qr_gazetteer_free(g);

    g = build("a.tsv", "São Paulo\tGPE\n", QR_CASE_SENSITIVE, 1, NULL);
    CHECK_EQ_STR(run(g, "Sao Paulo sao paulo", QR_GAZ_LONGEST), "0-9:Sao Paulo/GPE/São Paulo");
    qr_gazetteer_free(g);
}

static void test_duplicates(void)
{
    qr_gazetteer *g = build("d.tsv",
                            "Apple\tORG\tapple_inc\nApple\tFRUIT\tapple\n"
                            "apple\tORG\tapple_inc\nApple\tORG\tapple_records\n",
                            QR_CASE_INSENSITIVE, 0, NULL);
    CHECK_EQ_INT(qr_gazetteer_entry_count(g), 3);
    CHECK_EQ_STR(run(g, "an apple", QR_GAZ_LONGEST),
                 "3-8:apple/ORG/apple_inc | 3-8:apple/FRUIT/apple | 3-8:apple/ORG/apple_records");
    qr_gazetteer_free(g);

    /* Two lists in one automaton, each with its own case mode. */
    qr_error err;
    g = qr_gazetteer_new();
    qr_gazetteer_list cities = {NULL, QR_GAZ_TSV, "CITY", QR_CASE_INSENSITIVE, 0};
    qr_gazetteer_list people = {NULL, QR_GAZ_PLAIN, "PERSON", QR_CASE_SENSITIVE, 0};
    const char *cdata = "Paris\nParis Hilton\t\tph\n", *pdata = "Paris\nParis Hilton\n";
    CHECK_EQ_INT(qr_gazetteer_add_list_data(g, &cities, "cities", cdata, strlen(cdata), &err), 0);
    CHECK_EQ_INT(qr_gazetteer_add_list_data(g, &people, "people", pdata, strlen(pdata), &err), 1);
    CHECK_EQ_INT(qr_gazetteer_compile(g, &err), 0);
    CHECK_EQ_STR(run(g, "Paris, paris hilton, Paris Hilton", QR_GAZ_LONGEST),
                 "0-5:Paris/CITY/Paris | 0-5:Paris/PERSON/Paris | "
                 "7-19:paris hilton/CITY/ph | "
                 "21-33:Paris Hilton/CITY/ph | 21-33:Paris Hilton/PERSON/Paris Hilton");
    qr_gazetteer_free(g);
}

/* One scratch used with several gazetteers in turn (its memo must follow). */
static void test_shared_scratch(void)
{
    qr_gazetteer *a = build("a.tsv", "Paris\tCITY\nthe\tDET\n", QR_CASE_INSENSITIVE, 0, NULL);
    qr_gazetteer *b = build("b.tsv", "Rome\tCITY\n", QR_CASE_INSENSITIVE, 0, NULL);
    qr_gazetteer_scratch *s = qr_gazetteer_scratch_new();
    qr_gaz_matches m;
    qr_gaz_matches_init(&m);
    qr_error err;
    const char *text = "the Paris and Rome trip";
    for (int round = 0; round < 2; round++) {
        CHECK_EQ_INT(qr_gazetteer_match_text(a, s, text, strlen(text), QR_GAZ_LONGEST, &m, &err), 0);
        CHECK_EQ_INT(m.n, 2);
        if (m.n == 2)
            CHECK_EQ_STR(m.v[1].id, "Paris");
        CHECK_EQ_INT(qr_gazetteer_match_text(b, s, text, strlen(text), QR_GAZ_LONGEST, &m, &err), 0);
        CHECK_EQ_INT(m.n, 1);
        if (m.n == 1)
            CHECK_EQ_STR(m.v[0].id, "Rome");
    }
    qr_gaz_matches_free(&m);
    qr_gazetteer_scratch_free(s);
    qr_gazetteer_free(a);
    qr_gazetteer_free(b);
}

static void test_empty(void)
{
    qr_gazetteer *g = build("e.tsv", "", QR_CASE_INSENSITIVE, 0, NULL);
    CHECK_EQ_INT(qr_gazetteer_entry_count(g), 0);
    CHECK_EQ_STR(run(g, "anything at all", QR_GAZ_LONGEST), "");
    qr_gazetteer_free(g);
    g = build("e.tsv", "\xEF\xBB\xBF# only a comment\n\n   \n", QR_CASE_INSENSITIVE, 0, NULL);
    CHECK_EQ_INT(qr_gazetteer_entry_count(g), 0);
    CHECK_EQ_STR(run(g, "", QR_GAZ_ALL), "");
    qr_gazetteer_free(g);

    qr_error err;
    g = qr_gazetteer_new();
    CHECK_EQ_INT(qr_gazetteer_compile(g, &err), 0);
    CHECK_EQ_STR(run(g, "no lists", QR_GAZ_LONGEST), "");
    CHECK_EQ_INT(qr_gazetteer_list_count(g), 0);
    qr_gazetteer_free(g);
}

static void test_sources(void)
{
    /* BOM, CRLF, comments, default label, empty label column, id column. */
    qr_gazetteer *g = build("b.tsv",
                            "\xEF\xBB\xBF# cities\r\nBerlin\r\n  Rome  \t\tcity-rome\r\n"
                            "Oslo\tCAPITAL\r\n",
                            QR_CASE_INSENSITIVE, 0, "CITY");
    CHECK_EQ_STR(run(g, "Berlin, Rome, Oslo", QR_GAZ_LONGEST),
                 "0-6:Berlin/CITY/Berlin | 8-12:Rome/CITY/city-rome | 14-18:Oslo/CAPITAL/Oslo");
    qr_gazetteer_free(g);

    CHECK_EQ_STR(build_error("cities.tsv", "Paris\tGPE\n# ok\nLyon\tGPE\tlyon\tx\ty\n", NULL),
                 "cities.tsv:3: expected phrase<TAB>label[<TAB>id], found 5 fields");
    CHECK_EQ_STR(build_error("cities.tsv", "Paris\tGPE\nLyon\n", NULL),
                 "cities.tsv:2: no label for \"Lyon\": give the entry one (a TSV line's second "
                 "column, a JSONL entry's \"label\") or the list a default label");
    CHECK_EQ_STR(build_error("cities.tsv", "\tGPE\n", NULL),
                 "cities.tsv:1: empty phrase; write the phrase, or remove the entry");
    CHECK_EQ_STR(build_error("bad.tsv", "ok\tX\nd\xe9j\xe0\tX\n", NULL),
                 "bad.tsv:2:2: invalid UTF-8; re-encode the list as UTF-8");
    CHECK_EQ_STR(build_error("names.txt", "Anna\n", NULL),
                 "names.txt: a plain list (one phrase per line) needs a label: give the list a "
                 "label");
    CHECK_EQ_STR(build_error("names.csv", "Anna\n", "X"),
                 "names.csv: unknown gazetteer format: name the file .tsv, .txt (one phrase per "
                 "line) or .jsonl");

    g = build("names.txt", "# people\nAnna Karenina\n  Levin\n#hashtag is a comment\n",
              QR_CASE_INSENSITIVE, 0, "PERSON");
    CHECK_EQ_INT(qr_gazetteer_entry_count(g), 2);
    CHECK_EQ_STR(run(g, "anna karenina met Levin", QR_GAZ_LONGEST),
                 "0-13:anna karenina/PERSON/Anna Karenina | 18-23:Levin/PERSON/Levin");
    qr_gazetteer_free(g);

    g = build("p.jsonl",
              "{\"label\":\"ORG\",\"pattern\":\"Apple\",\"id\":\"apple\"}\n"
              "{\"label\":\"GPE\",\"pattern\":\"San Francisco\"}\n"
              "{\"label\":\"ORG\",\"pattern\":\"IBM\",\"id\":7,\"attrs\":{\"b\":1,\"a\":\"x\"}}\n"
              "{\"label\":\"ORG\",\"pattern\":\"Oracle\",\"id\":\"\"}\n",
              QR_CASE_INSENSITIVE, 0, NULL);
    qr_gazetteer_scratch *s = qr_gazetteer_scratch_new();
    qr_gaz_matches m;
    qr_gaz_matches_init(&m);
    qr_error err;
    const char *text = "Apple opened in San Francisco with IBM and Oracle";
    CHECK_EQ_INT(qr_gazetteer_match_text(g, s, text, strlen(text), QR_GAZ_LONGEST, &m, &err), 0);
    CHECK_EQ_INT(m.n, 4);
    if (m.n == 4) {
        CHECK_EQ_STR(m.v[3].id, "Oracle");
        CHECK_EQ_STR(m.v[0].id, "apple");
        CHECK(m.v[0].attrs == NULL);
        CHECK_EQ_STR(m.v[1].id, "San Francisco");
        CHECK_EQ_INT(m.v[1].start_tok, 3);
        CHECK_EQ_INT(m.v[1].end_tok, 5);
        CHECK_EQ_STR(m.v[2].id, "7");
        CHECK_EQ_STR(m.v[2].attrs, "{\"a\":\"x\",\"b\":1}");
        CHECK_EQ_INT(m.v[2].entry, 2);
    }
    qr_gaz_matches_free(&m);
    qr_gazetteer_scratch_free(s);
    qr_gazetteer_free(g);

    CHECK_EQ_STR(build_error("p.jsonl", "{\"label\":\"X\",\"pattern\":[{\"LOWER\":\"apple\"}]}\n", NULL),
                 "p.jsonl:1: token-list patterns are not supported; write \"pattern\" as a string");
    CHECK_EQ_STR(build_error("p.jsonl", "{\"label\":\"X\",\"pattern\":\"a\"}\n{\"label\":\"X\",}\n", NULL),
                 "p.jsonl:2:14: invalid JSON: string or '}' expected near '}'");
    CHECK_EQ_STR(build_error("p.jsonl", "{\"label\":\"X\"}\n", NULL),
                 "p.jsonl:1: \"pattern\" must be a string");

    /* Entries given directly. */
    g = qr_gazetteer_new();
    qr_gazetteer_list direct = {NULL, QR_GAZ_AUTO, "GPE", QR_CASE_SMART, 0};
    int li = qr_gazetteer_add_list(g, &direct, &err);
    CHECK_EQ_INT(li, 0);
    CHECK_EQ_INT(qr_gazetteer_add(g, li, "Big Apple", NULL, "nyc", NULL, &err), 0);
    CHECK_EQ_INT(qr_gazetteer_add(g, li, "WHO", "ORG", NULL, "{\"x\":[1,2]}", &err), 0);
    CHECK_EQ_INT(qr_gazetteer_add(g, li, "x", "ORG", NULL, "[1]", &err), -1);
    CHECK_EQ_STR(err.message, "attrs must be a JSON object");
    CHECK_EQ_INT(qr_gazetteer_add(g, 3, "x", "ORG", NULL, NULL, &err), -1);
    CHECK_EQ_STR(err.message, "no list 3 in this gazetteer");
    CHECK_EQ_INT(qr_gazetteer_compile(g, &err), 0);
    CHECK_EQ_STR(run(g, "who lives in the big apple? WHO", QR_GAZ_LONGEST),
                 "17-26:big apple/GPE/nyc | 28-31:WHO/ORG/WHO");
    CHECK_EQ_INT(qr_gazetteer_add(g, li, "y", NULL, NULL, NULL, &err), -1);
    CHECK_EQ_STR(err.message, "gazetteer already compiled: entries can no longer be added");
    qr_gazetteer_free(g);
}

static int write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fwrite(data, 1, n, f);
    return fclose(f);
}

static void test_cache(void)
{
    char tsv[300], cache[300], buf[1600];
    snprintf(tsv, sizeof tsv, "%s/c.tsv", tmpdir);
    snprintf(cache, sizeof cache, "%s/c.gzc", tmpdir);
    const char *data = "New York\tGPE\tnyc\nYork\tGPE\nNYC\tGPE\tnyc\n";
    CHECK_EQ_INT(write_file(tsv, data, strlen(data)), 0);

    qr_error err;
    qr_gazetteer_list l = {tsv, QR_GAZ_AUTO, NULL, QR_CASE_SMART, 1};
    qr_gazetteer *g = qr_gazetteer_new();
    CHECK_EQ_INT(qr_gazetteer_add_list(g, &l, &err), 0);
    CHECK_EQ_INT(qr_gazetteer_compile(g, &err), 0);
    uint64_t h = 0, h2 = 0;
    CHECK_EQ_INT(qr_gazetteer_sources_hash(&l, 1, &h, &err), 0);
    CHECK(h == qr_gazetteer_hash(g));
    qr_gazetteer_list l2 = l;
    l2.case_mode = QR_CASE_INSENSITIVE;
    CHECK_EQ_INT(qr_gazetteer_sources_hash(&l2, 1, &h2, &err), 0);
    CHECK(h2 != h);
    CHECK_EQ_INT(qr_gazetteer_save(g, cache, &err), 0);
    {   /* a folder that is not there: a message naming the cache, no file left */
        char bad[400];
        snprintf(bad, sizeof bad, "%s/no-such-folder/c.gzc", tmpdir);
        CHECK_EQ_INT(qr_gazetteer_save(g, bad, &err), -1);
        snprintf(buf, sizeof buf, "%s: cannot write the gazetteer cache: No such file or directory", bad);
        char got[1600];
        CHECK_EQ_STR(qr_error_format(&err, got, sizeof got), buf);
        /* saved twice: one file, no temporary left beside it */
        CHECK_EQ_INT(qr_gazetteer_save(g, cache, &err), 0);
        int tmps = 0;
        DIR *d = opendir(tmpdir);
        for (struct dirent *de; d && (de = readdir(d));)
            tmps += strncmp(de->d_name, "c.gzc.tmp", 9) == 0;
        if (d)
            closedir(d);
        CHECK(d != NULL);
        CHECK_EQ_INT(tmps, 0);
    }
    const char *text = "new york, NYC and nyc in York";
    char expect[1024];
    snprintf(expect, sizeof expect, "%s", run(g, text, QR_GAZ_ALL));
    CHECK_EQ_STR(expect, "0-8:new york/GPE/nyc | 4-8:york/GPE/York | 10-13:NYC/GPE/nyc | "
                         "25-29:York/GPE/York");
    size_t mem = qr_gazetteer_memory(g);
    qr_gazetteer_free(g);

    g = qr_gazetteer_load_cache(cache, h, &err);
    CHECK(g != NULL);
    if (g) {
        CHECK_EQ_STR(run(g, text, QR_GAZ_ALL), expect);
        CHECK_EQ_INT(qr_gazetteer_entry_count(g), 3);
        CHECK_EQ_INT(qr_gazetteer_memory(g), mem);
        CHECK(qr_gazetteer_hash(g) == h);
        qr_gazetteer_free(g);
    }
    CHECK(qr_gazetteer_load_cache(cache, h2, &err) == NULL);
    snprintf(expect, sizeof expect,
             "%s: gazetteer cache refused: built from other sources or options; rebuild it", cache);
    CHECK_EQ_STR(qr_error_format(&err, buf, sizeof buf), expect);

    /* Flip one byte in the body: refused by the checksum. */
    FILE *f = fopen(cache, "r+b");
    fseek(f, (long)mem - 5, SEEK_SET);
    int c = fgetc(f);
    fseek(f, (long)mem - 5, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
    CHECK(qr_gazetteer_load_cache(cache, h, &err) == NULL);
    CHECK_EQ_STR(err.message, "gazetteer cache refused: corrupt (checksum mismatch); rebuild it");
    CHECK_EQ_INT(truncate(cache, (off_t)mem - 8), 0);
    CHECK(qr_gazetteer_load_cache(cache, h, &err) == NULL);
    CHECK_EQ_STR(err.message, "gazetteer cache refused: truncated or resized; rebuild it");
    /* cut inside its first bytes: still a cache, cut short */
    CHECK_EQ_INT(truncate(cache, 3), 0);
    CHECK(qr_gazetteer_load_cache(cache, h, &err) == NULL);
    CHECK_EQ_STR(err.message, "gazetteer cache refused: truncated or resized; rebuild it");
    CHECK_EQ_INT(qr_gazetteer_is_cache_file(cache), 1);
    CHECK_EQ_INT(qr_gazetteer_is_cache_file(tsv), 0);
    CHECK(qr_gazetteer_load_cache(tsv, h, &err) == NULL);
    CHECK_EQ_STR(err.message, "gazetteer cache refused: not a quarry gazetteer cache; rebuild it");
    snprintf(buf, sizeof buf, "%s/missing.gzc", tmpdir);
    CHECK(qr_gazetteer_load_cache(buf, h, &err) == NULL);
    CHECK_EQ_STR(err.message, "cannot open: No such file or directory");
    remove(tsv);
    remove(cache);
}

/* Deterministic pseudo-words, so the test needs no data files. */
static void word(unsigned x, char *out)
{
    static const char *syl[] = {"ka", "lo", "mi", "ter", "san", "vo", "ril", "den",
                                "ba", "quo", "nex", "ul", "far", "zi", "pol", "gra"};
    int n = 0;
    x = x * 2654435761u + 12345u;
    for (int i = 0; i < 4; i++) {
        const char *s = syl[x & 15];
        x >>= 4;
        while (*s)
            out[n++] = *s++;
    }
    out[n] = '\0';
}

static void test_scale(void)
{
    /* QUARRY_TEST_GAZ_N shrinks it for valgrind runs. */
    unsigned N = getenv("QUARRY_TEST_GAZ_N") ? (unsigned)atoi(getenv("QUARRY_TEST_GAZ_N")) : 1000000;
    if (N < 100000)
        N = 100000;
    char *data = malloc((size_t)N * 40);
    size_t n = 0;
    char a[32], b[32];
    for (unsigned i = 0; i < N; i++) {
        word(i, a);
        word(i / 7 + 3000000u, b);
        n += (size_t)sprintf(data + n, "%s %s %u\t%s\n", a, b, i, (i & 1) ? "ODD" : "EVEN");
    }
    clock_t t0 = clock();
    qr_gazetteer *g = build("big.tsv", data, QR_CASE_INSENSITIVE, 0, NULL);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK_EQ_INT(qr_gazetteer_entry_count(g), N);
    fprintf(stderr, "gazetteer: %u entries (%zu bytes of text) built in %.2f s, %zu bytes compiled\n",
            N, n, secs, qr_gazetteer_memory(g));
    CHECK(qr_gazetteer_memory(g) < 8 * n);

    char text[256], expect[512];
    word(77777, a);
    word(77777 / 7 + 3000000u, b);
    snprintf(text, sizeof text, "see %s %s 77777 and %s %s 77776", a, b, a, b);
    size_t la = strlen(a), lb = strlen(b);
    snprintf(expect, sizeof expect, "4-%zu:%s %s 77777/ODD/%s %s 77777", 4 + la + lb + 7, a, b, a,
             b);
    CHECK_EQ_STR(run(g, text, QR_GAZ_LONGEST), expect);
    qr_gazetteer_free(g);
    free(data);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_case_modes();
    test_overlaps();
    test_special_characters();
    test_scripts_and_accents();
    test_duplicates();
    test_empty();
    test_shared_scratch();
    test_sources();
    test_cache();
    test_scale();
    rmdir(tmpdir);
    return DONE("gazetteer");
}
