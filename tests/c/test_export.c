/* The export step: exact JSONL bytes (code points and bytes), CSV/TSV
 * quoting, atomic rename, stdout. */
#include "check.h"
#include "doc.h"
#include "error.h"
#include "host.h"
#include "registry.h"
#include "value.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const qr_step_def qr_step_export_def;

static char tmp[256];
static qr_step_ctx_host ctx_host;
#define ctx (ctx_host.ctx)

static const char *at(const char *rel)
{
    static char bufs[8][512];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 512, "%s/%s", tmp, rel);
    return b;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char b[65536];
    size_t n = fread(b, 1, sizeof b - 1, f);
    b[n] = '\0';
    fclose(f);
    return b;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Files in dir whose name starts with prefix. */
static int count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

/* opts: "key=value" pairs; "true"/"false" become booleans. */
static qr_value *opts(const char *const *kv)
{
    qr_value *m = qr_value_new_map();
    for (; *kv; kv++) {
        const char *eq = strchr(*kv, '=');
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(eq - *kv), *kv);
        const char *v = eq + 1;
        qr_value *x;
        if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
            x = qr_value_new_bool(v[0] == 't');
        else if (strchr(v, '|')) {
            x = qr_value_new_list();
            char item[64];
            const char *p = v;
            while (*p) {
                size_t n = strcspn(p, "|");
                snprintf(item, sizeof item, "%.*s", (int)n, p);
                qr_value_list_push(x, qr_value_new_string(item));
                p += n + (p[n] == '|');
            }
        } else
            x = qr_value_new_string(v);
        qr_value_map_set(m, key, x);
    }
    return m;
}

static qr_doc *sample_doc(void)
{
    qr_error err;
    qr_doc *d = qr_doc_new();
    const char *text = "Caf\xC3\xA9 in \xEC\x84\x9C\xEC\x9A\xB8 \xF0\x9F\x98\x80 \"q\"\t\x01\n";
    qr_doc_set_id(d, "d\"1", &err);
    qr_doc_set_text(d, text, strlen(text), &err);
    d->current_step = "gazetteer";
    qr_doc_add_span(d, 16, 20, "EMOJI", NULL, 1.0, NULL, &err);
    qr_doc_add_span(d, 9, 15, "CITY", "Q8684", 1.0, json_pack("{s:s}", "country", "KR"), &err);
    qr_doc_add_span(d, 0, 5, "X", NULL, 0.5, NULL, &err);
    qr_doc_set_meta(d, json_pack("{s:s}", "src", "x"));
    qr_doc_set_label(d, "news", 0.75, &err);
    qr_doc_set_label(d, "spam", 0.1, &err);
    qr_doc_choose_label(d, "news", &err);
    qr_doc_set_field(d, "n", json_integer(2), &err);
    qr_doc_set_field(d, "ok", json_true(), &err);
    qr_doc_set_field(d, "list", json_pack("[i,s,f]", 1, "a", 2.0), &err);
    return d;
}

/* init + process(doc) + finish (if `finish`), then free. Returns init's
 * state status: 0 ok, -1 init failed (message in err). */
static int run_export(qr_value *o, qr_doc *d, int finish, qr_error *err)
{
    const qr_host_api *api = qr_host_api_get();
    qr_error_clear(err);
    void *st = qr_step_export_def.init(api, o, &ctx, err);
    qr_value_free(o);
    if (!st)
        return -1;
    int rc = 0;
    if (d)
        rc = qr_step_export_def.process(st, NULL, d, err);
    if (rc == 0 && finish)
        rc = qr_step_export_def.finish(st, err);
    qr_step_export_def.free(st);
    return rc;
}

static void test_jsonl(void)
{
    qr_error err;
    qr_doc *d = sample_doc();
    CHECK_EQ_INT(run_export(opts((const char *[]){ "format=jsonl", "path=out/a/b/docs.jsonl",
                                                   NULL }), d, 1, &err), 0);
    CHECK_EQ_STR(slurp(at("out/a/b/docs.jsonl")),
                 "{\"id\":\"d\\\"1\",\"text\":\"Caf\xC3\xA9 in \xEC\x84\x9C\xEC\x9A\xB8 "
                 "\xF0\x9F\x98\x80 \\\"q\\\"\\t\\u0001\\n\",\"meta\":{\"src\":\"x\"},"
                 "\"entities\":[{\"start\":0,\"end\":4,\"text\":\"Caf\xC3\xA9\",\"label\":\"X\","
                 "\"id\":null,\"score\":0.5},"
                 "{\"start\":8,\"end\":10,\"text\":\"\xEC\x84\x9C\xEC\x9A\xB8\",\"label\":\"CITY\","
                 "\"id\":\"Q8684\",\"attrs\":{\"country\":\"KR\"}},"
                 "{\"start\":11,\"end\":12,\"text\":\"\xF0\x9F\x98\x80\",\"label\":\"EMOJI\","
                 "\"id\":null}],"
                 "\"labels\":{\"news\":0.75,\"spam\":0.1},\"label\":\"news\","
                 "\"fields\":{\"n\":2,\"ok\":true,\"list\":[1,\"a\",2.0]}}\n");
    CHECK_EQ_INT(count_files(at("out/a/b"), "docs.jsonl.tmp"), 0);

    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=bytes.jsonl", "offsets=bytes",
                                                   "include_text=false", "include_meta=false",
                                                   "include_fields=false", NULL }), d, 1, &err), 0);
    CHECK_EQ_STR(slurp(at("bytes.jsonl")),
                 "{\"id\":\"d\\\"1\","
                 "\"entities\":[{\"start\":0,\"end\":5,\"text\":\"Caf\xC3\xA9\",\"label\":\"X\","
                 "\"id\":null,\"score\":0.5},"
                 "{\"start\":9,\"end\":15,\"text\":\"\xEC\x84\x9C\xEC\x9A\xB8\",\"label\":\"CITY\","
                 "\"id\":\"Q8684\",\"attrs\":{\"country\":\"KR\"}},"
                 "{\"start\":16,\"end\":20,\"text\":\"\xF0\x9F\x98\x80\",\"label\":\"EMOJI\","
                 "\"id\":null}],"
                 "\"labels\":{\"news\":0.75,\"spam\":0.1},\"label\":\"news\"}\n");

    /* a bare document: only id, text and entities; invalid UTF-8 in an id */
    qr_doc *bare = qr_doc_new();
    qr_doc_set_id(bare, "bad\xFFid", &err);
    qr_doc_set_text(bare, "", 0, &err);
    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=bare.jsonl", NULL }), bare, 1, &err), 0);
    CHECK_EQ_STR(slurp(at("bare.jsonl")),
                 "{\"id\":\"bad\xEF\xBF\xBDid\",\"text\":\"\",\"entities\":[]}\n");
    qr_doc_free(bare);
    qr_doc_free(d);
}

static void test_nested_spans(void)
{
    /* nested and overlapping spans: ends are counted from each start */
    qr_error err;
    qr_doc *d = qr_doc_new();
    const char *text = "\xC3\xA9\xC3\xA9 New York City \xC3\xA9";
    qr_doc_set_id(d, "n", &err);
    qr_doc_set_text(d, text, strlen(text), &err);
    qr_doc_add_span(d, 5, 13, "CITY", NULL, 1.0, NULL, &err);        /* New York */
    qr_doc_add_span(d, 5, 18, "CITY", NULL, 1.0, NULL, &err);        /* New York City */
    qr_doc_add_span(d, 9, 21, "X", NULL, 1.0, NULL, &err);           /* York City é */
    qr_doc_add_span(d, 0, 2, "E", NULL, 1.0, NULL, &err);
    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=ents.csv", "format=csv",
                                                   "what=entities", NULL }), d, 1, &err), 0);
    CHECK_EQ_STR(slurp(at("ents.csv")),
                 "doc_id,start,end,text,label,id\n"
                 "n,0,1,\xC3\xA9,E,\n"
                 "n,3,16,New York City,CITY,\n"
                 "n,3,11,New York,CITY,\n"
                 "n,7,18,York City \xC3\xA9,X,\n");
    qr_doc_free(d);
}

/* Long strings go 16 and 8 bytes at a time: escapes and multi-byte
 * characters at every position around those blocks, checked against a
 * byte-by-byte writer and code-point counter here. */
static void test_long_strings(void)
{
    static const char *const pieces[] = { "a", "\"", "\\", "\n", "\x01", "\xC3\xA9",
                                          "\xF0\x9F\x98\x80", "\x7F", " " };
    char text[2048], want[8192];
    size_t n = 0;
    unsigned seed = 12345;
    for (int k = 0; k < 400; k++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 16) % 40;
        const char *p = r < 9 ? pieces[r] : "b";   /* mostly plain runs */
        size_t l = strlen(p);
        memcpy(text + n, p, l);
        n += l;
    }
    text[n] = '\0';
    qr_error err;
    qr_doc *d = qr_doc_new();
    qr_doc_set_id(d, "L", &err);
    qr_doc_set_text(d, text, n, &err);
    size_t s1 = n / 3, e1 = n - 5;
    while ((text[s1] & 0xC0) == 0x80)
        s1++;
    while ((text[e1] & 0xC0) == 0x80)
        e1++;
    qr_doc_add_span(d, (uint32_t)s1, (uint32_t)e1, "X", NULL, 1.0, NULL, &err);
    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=long.jsonl", NULL }), d, 1, &err), 0);
    /* the expected line, one byte at a time */
    size_t w = 0, cps = 0, cpe = 0;
    for (size_t i = 0; i < n; i++) {
        cps += i < s1 && (text[i] & 0xC0) != 0x80;
        cpe += i < e1 && (text[i] & 0xC0) != 0x80;
    }
    char *esc[2] = { NULL, NULL };
    for (int part = 0; part < 2; part++) {
        const char *t = part ? text + s1 : text;
        size_t tl = part ? e1 - s1 : n;
        char *o = malloc(tl * 6 + 1), *q = o;
        for (size_t i = 0; i < tl; i++) {
            unsigned char c = (unsigned char)t[i];
            if (c == '"' || c == '\\') {
                *q++ = '\\';
                *q++ = (char)c;
            } else if (c == '\n') {
                *q++ = '\\';
                *q++ = 'n';
            } else if (c < 0x20) {
                q += sprintf(q, "\\u%04x", c);
            } else {
                *q++ = (char)c;
            }
        }
        *q = '\0';
        esc[part] = o;
    }
    w = (size_t)snprintf(want, sizeof want, "{\"id\":\"L\",\"text\":\"%s\",\"entities\":[{\"start\":%zu,"
                         "\"end\":%zu,\"text\":\"%s\",\"label\":\"X\",\"id\":null}]}\n",
                         esc[0], cps, cpe, esc[1]);
    CHECK(w < sizeof want);
    CHECK_EQ_STR(slurp(at("long.jsonl")), want);
    free(esc[0]);
    free(esc[1]);
    qr_doc_free(d);
}

/* Code-point offsets of a text that is ASCII up to a late character, and
 * of one that is all ASCII (offsets taken from the bytes without counting),
 * in one file: what one document finds must not carry over to the next. */
static void test_ascii_and_not(void)
{
    qr_error err;
    const qr_host_api *api = qr_host_api_get();
    qr_doc *d[2];
    const char *texts[2] = { "Plain words, all ASCII, for a while; then caf\xC3\xA9 in Paris.",
                             "Plain words, all ASCII, for a while; then cafe in Paris." };
    for (int k = 0; k < 2; k++) {
        d[k] = qr_doc_new();
        qr_doc_set_id(d[k], k ? "ascii" : "late", &err);
        qr_doc_set_text(d[k], texts[k], strlen(texts[k]), &err);
        qr_doc_add_span(d[k], 17, 22, "X", NULL, 1.0, NULL, &err);
        qr_doc_add_span(d[k], 51 - (uint32_t)k, 56 - (uint32_t)k, "CITY", NULL, 1.0, NULL, &err);
    }
    for (int order = 0; order < 2; order++) {
        qr_value *o = opts((const char *[]){ "path=ascii.jsonl", "include_sentences=true", NULL });
        void *st = qr_step_export_def.init(api, o, &ctx, &err);
        qr_value_free(o);
        CHECK(st != NULL);
        if (!st)
            break;
        CHECK_EQ_INT(qr_step_export_def.process(st, NULL, d[order], &err), 0);
        CHECK_EQ_INT(qr_step_export_def.process(st, NULL, d[!order], &err), 0);
        CHECK_EQ_INT(qr_step_export_def.finish(st, &err), 0);
        qr_step_export_def.free(st);
        char want[1024];
        const char *line[2] = {
            "{\"id\":\"late\",\"text\":\"Plain words, all ASCII, for a while; then caf\xC3\xA9 in "
            "Paris.\",\"entities\":[{\"start\":17,\"end\":22,\"text\":\"ASCII\",\"label\":\"X\","
            "\"id\":null},{\"start\":50,\"end\":55,\"text\":\"Paris\",\"label\":\"CITY\","
            "\"id\":null}],\"sentences\":[[0,56]]}\n",
            "{\"id\":\"ascii\",\"text\":\"Plain words, all ASCII, for a while; then cafe in "
            "Paris.\",\"entities\":[{\"start\":17,\"end\":22,\"text\":\"ASCII\",\"label\":\"X\","
            "\"id\":null},{\"start\":50,\"end\":55,\"text\":\"Paris\",\"label\":\"CITY\","
            "\"id\":null}],\"sentences\":[[0,56]]}\n" };
        snprintf(want, sizeof want, "%s%s", line[order], line[!order]);
        CHECK_EQ_STR(slurp(at("ascii.jsonl")), want);
    }
    /* without the text, the late character is still counted, with or
     * without ranges (which make the export look for it first) */
    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=late.jsonl", "include_text=false", NULL }),
                            d[0], 1, &err), 0);
    CHECK_EQ_STR(slurp(at("late.jsonl")),
                 "{\"id\":\"late\",\"entities\":[{\"start\":17,\"end\":22,\"text\":\"ASCII\","
                 "\"label\":\"X\",\"id\":null},{\"start\":50,\"end\":55,\"text\":\"Paris\","
                 "\"label\":\"CITY\",\"id\":null}]}\n");
    for (int k = 0; k < 2; k++) {
        CHECK_EQ_INT(run_export(opts((const char *[]){ "path=ranges.jsonl", "include_text=false",
                                                       "include_sentences=true", NULL }), d[k], 1, &err), 0);
        char want[512];
        snprintf(want, sizeof want,
                 "{\"id\":\"%s\",\"entities\":[{\"start\":17,\"end\":22,\"text\":\"ASCII\","
                 "\"label\":\"X\",\"id\":null},{\"start\":50,\"end\":55,\"text\":\"Paris\","
                 "\"label\":\"CITY\",\"id\":null}],\"sentences\":[[0,56]]}\n", k ? "ascii" : "late");
        CHECK_EQ_STR(slurp(at("ranges.jsonl")), want);
    }
    qr_doc_free(d[0]);
    qr_doc_free(d[1]);
}

/* Integers in fields are written by hand (no snprintf): each edge of the
 * two-digits-at-a-time writer, signs and the extremes, as printf has them. */
static void test_integers(void)
{
    static const long long vals[] = { 0, 1, -1, 9, 10, 11, 99, 100, 101, 999, 1000, -1000,
                                      1234567890123LL, 9223372036854775807LL,
                                      -9223372036854775807LL - 1 };
    qr_error err;
    qr_doc *d = qr_doc_new();
    qr_doc_set_id(d, "i", &err);
    qr_doc_set_text(d, "x", 1, &err);
    char want[4096];
    size_t w = (size_t)snprintf(want, sizeof want, "{\"id\":\"i\",\"text\":\"x\",\"entities\":[],"
                                "\"fields\":{");
    size_t nv = sizeof vals / sizeof *vals;
    long long p = 1;
    for (size_t i = 0; i < nv + 2 * 19; i++) {       /* then 10^k - 1 and 10^k */
        long long v = i < nv ? vals[i] : (i - nv) % 2 ? p : p - 1;
        if (i >= nv && (i - nv) % 2)
            p = p <= 100000000000000000LL ? p * 10 : p;
        char key[8];
        snprintf(key, sizeof key, "k%02zu", i);
        qr_doc_set_field(d, key, json_integer(v), &err);
        w += (size_t)snprintf(want + w, sizeof want - w, "%s\"%s\":%lld", i ? "," : "", key, v);
    }
    snprintf(want + w, sizeof want - w, "}}\n");
    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=ints.jsonl", NULL }), d, 1, &err), 0);
    CHECK_EQ_STR(slurp(at("ints.jsonl")), want);
    qr_doc_free(d);
}

/* An output of megabytes goes through the background writer: every line
 * in order; a run that stops before finish leaves no file and no thread. */
static void test_big_output(void)
{
    qr_error err;
    const qr_host_api *api = qr_host_api_get();
    enum { DOCS = 3000, LEN = 1500 };
    char *text = malloc(LEN);
    for (size_t i = 0; i < LEN; i++)      /* a '"' now and then, never in an entity */
        text[i] = i % 50 == 49 && i > 110 ? '"' : (char)('a' + i % 26);
    for (int finish = 1; finish >= 0; finish--) {
        qr_value *o = opts((const char *[]){ "path=big/docs.jsonl", "include_text=true", NULL });
        void *st = qr_step_export_def.init(api, o, &ctx, &err);
        qr_value_free(o);
        CHECK(st != NULL);
        if (!st)
            break;
        int ok = 1;
        for (int k = 0; k < DOCS; k++) {
            qr_doc *d = qr_doc_new();
            char id[16];
            snprintf(id, sizeof id, "%d", k);
            qr_doc_set_id(d, id, &err);
            qr_doc_set_text(d, text, LEN - (size_t)k % 7, &err);
            qr_doc_add_span(d, (uint32_t)k % 100, (uint32_t)k % 100 + 5, "X", NULL, 1.0, NULL, &err);
            ok &= qr_step_export_def.process(st, NULL, d, &err) == 0;
            qr_doc_free(d);
        }
        CHECK(ok);
        if (finish)
            CHECK_EQ_INT(qr_step_export_def.finish(st, &err), 0);
        qr_step_export_def.free(st);
        CHECK_EQ_INT(count_files(at("big"), "docs.jsonl.tmp"), 0);
    }
    /* the lines, checked one by one from the finished file */
    FILE *f = fopen(at("big/docs.jsonl"), "rb");
    CHECK(f != NULL);
    size_t cap = 8 * LEN;
    char *line = malloc(cap), *want = malloc(cap), *esc = malloc(cap);
    int k = 0, same = 1;
    while (f && fgets(line, (int)cap, f)) {
        size_t len = LEN - (size_t)k % 7, e = 0;
        for (size_t i = 0; i < len; i++) {
            if (text[i] == '"')
                esc[e++] = '\\';
            esc[e++] = text[i];
        }
        size_t s = (size_t)k % 100;
        snprintf(want, cap, "{\"id\":\"%d\",\"text\":\"%.*s\",\"entities\":[{\"start\":%zu,"
                 "\"end\":%zu,\"text\":\"%.*s\",\"label\":\"X\",\"id\":null}]}\n",
                 k, (int)e, esc, s, s + 5, 5, text + s);
        same &= strcmp(line, want) == 0;
        k++;
    }
    if (f)
        fclose(f);
    CHECK_EQ_INT(k, DOCS);
    CHECK(same);
    free(line);
    free(want);
    free(esc);
    free(text);
}

static void test_csv_tsv(void)
{
    qr_error err;
    qr_doc *d = qr_doc_new();
    const char *text = "He said \"hi, there\"\nand\tleft \\ now";
    qr_doc_set_id(d, "a,1", &err);
    qr_doc_set_text(d, text, strlen(text), &err);
    qr_doc_add_span(d, 8, 19, "QUOTE", "q\"1", 1.0, NULL, &err);
    qr_doc_choose_label(d, "talk", &err);
    qr_doc_set_field(d, "n", json_integer(3), &err);
    qr_doc_set_field(d, "tags", json_pack("[s,s]", "a", "b"), &err);
    qr_doc_set_meta(d, json_pack("{s:s,s:s}", "src", "wire", "n", "meta-loses"));

    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=e.csv", "format=csv", "what=entities",
                                                   NULL }), d, 1, &err), 0);
    CHECK_EQ_STR(slurp(at("e.csv")),
                 "doc_id,start,end,text,label,id\n"
                 "\"a,1\",8,19,\"\"\"hi, there\"\"\",QUOTE,\"q\"\"1\"\n");

    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=d.csv", "format=csv",
                                                   "columns=n|src|tags|none", NULL }), d, 1, &err), 0);
    CHECK_EQ_STR(slurp(at("d.csv")),
                 "id,label,n_entities,text,n,src,tags,none\n"
                 "\"a,1\",talk,1,\"He said \"\"hi, there\"\"\nand\tleft \\ now\",3,wire,"
                 "\"[\"\"a\"\",\"\"b\"\"]\",\n");

    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=d.tsv", "format=tsv", "header=false",
                                                   NULL }), d, 1, &err), 0);
    CHECK_EQ_STR(slurp(at("d.tsv")),
                 "a,1\ttalk\t1\tHe said \"hi, there\"\\nand\\tleft \\\\ now\n");

    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=e.tsv", "format=tsv", "what=entities",
                                                   "offsets=bytes", "include_text=false", NULL }),
                            d, 1, &err), 0);
    CHECK_EQ_STR(slurp(at("e.tsv")),
                 "doc_id\tstart\tend\ttext\tlabel\tid\n"
                 "a,1\t8\t19\t\"hi, there\"\tQUOTE\tq\"1\n");

    /* no documents: the header alone */
    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=empty.csv", "format=csv",
                                                   "include_text=false", NULL }), NULL, 1, &err), 0);
    CHECK_EQ_STR(slurp(at("empty.csv")), "id,label,n_entities\n");

    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=x.jsonl", "columns=a", NULL }), d, 1, &err), -1);
    CHECK_EQ_STR(err.message, "export: columns apply to format csv or tsv with what: documents; "
                              "remove it or change format/what");
    CHECK(!exists(at("x.jsonl")));
    /* an option of the other format, away from its default, would be
     * ignored: refused (format: jsonl, what: entities wrote documents) */
    static const char *const misplaced[][3] = {
        {"format=jsonl", "what=entities", "what: entities applies to format csv or tsv only, and this export writes jsonl; remove it or change the format"},
        {"format=jsonl", "header=false", "header: false applies to format csv or tsv only, and this export writes jsonl; remove it or change the format"},
        {"format=csv", "include_tokens=true", "include_tokens: true applies to format jsonl only, and this export writes csv; remove it or change the format"},
        {"format=tsv", "include_sentences=true", "include_sentences: true applies to format jsonl only, and this export writes tsv; remove it or change the format"},
        {"format=csv", "include_meta=false", "include_meta: false applies to format jsonl only, and this export writes csv; remove it or change the format"},
        {"format=tsv", "include_fields=false", "include_fields: false applies to format jsonl only, and this export writes tsv; remove it or change the format"},
    };
    for (size_t i = 0; i < sizeof misplaced / sizeof misplaced[0]; i++) {
        CHECK_EQ_INT(run_export(opts((const char *[]){ "path=m.out", misplaced[i][0], misplaced[i][1], NULL }),
                                d, 1, &err), -1);
        CHECK_EQ_STR(err.message, misplaced[i][2]);
        CHECK(!exists(at("m.out")));
    }
    qr_doc_free(d);
}

static void test_tokens_sentences_filter(void)
{
    qr_error err;
    qr_doc *d = qr_doc_new();
    const char *text = "H\xC3\xA9 ran. Bo sat.";
    qr_doc_set_id(d, "t", &err);
    qr_doc_set_text(d, text, strlen(text), &err);
    qr_doc_add_span(d, 0, 3, "PERSON", NULL, 1.0, NULL, &err);
    qr_doc_add_span(d, 9, 11, "PERSON", NULL, 1.0, NULL, &err);
    qr_doc_add_span(d, 4, 7, "VERB", NULL, 1.0, NULL, &err);
    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=ts.jsonl", "include_text=false",
                                                   "include_sentences=true", "include_tokens=true",
                                                   "entity_labels=PERSON", NULL }), d, 1, &err), 0);
    CHECK_EQ_STR(slurp(at("ts.jsonl")),
                 "{\"id\":\"t\",\"entities\":[{\"start\":0,\"end\":2,\"text\":\"H\xC3\xA9\","
                 "\"label\":\"PERSON\",\"id\":null},{\"start\":8,\"end\":10,\"text\":\"Bo\","
                 "\"label\":\"PERSON\",\"id\":null}],"
                 "\"sentences\":[[0,7],[8,15]],"
                 "\"tokens\":[[0,2],[3,6],[6,7],[8,10],[11,14],[14,15]]}\n");
    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=ts-bytes.jsonl", "include_text=false",
                                                   "include_sentences=true", "offsets=bytes",
                                                   "entity_labels=VERB|NONE", NULL }), d, 1, &err), 0);
    CHECK_EQ_STR(slurp(at("ts-bytes.jsonl")),
                 "{\"id\":\"t\",\"entities\":[{\"start\":4,\"end\":7,\"text\":\"ran\","
                 "\"label\":\"VERB\",\"id\":null}],\"sentences\":[[0,8],[9,16]]}\n");
    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=ts.csv", "format=csv", "include_text=false",
                                                   "entity_labels=PERSON", NULL }), d, 1, &err), 0);
    CHECK_EQ_STR(slurp(at("ts.csv")), "id,label,n_entities\nt,,2\n");
    qr_doc_free(d);
}

static void test_atomic(void)
{
    qr_error err;
    const qr_host_api *api = qr_host_api_get();
    qr_doc *d = sample_doc();
    qr_value *o = opts((const char *[]){ "path=atomic/out.jsonl", NULL });
    void *st = qr_step_export_def.init(api, o, &ctx, &err);
    CHECK(st != NULL);
    CHECK(!exists(at("atomic/out.jsonl")));
    CHECK_EQ_INT(count_files(at("atomic"), "out.jsonl.tmp-"), 1);
    CHECK_EQ_INT(qr_step_export_def.process(st, NULL, d, &err), 0);
    CHECK(!exists(at("atomic/out.jsonl")));
    CHECK_EQ_INT(qr_step_export_def.finish(st, &err), 0);
    CHECK(exists(at("atomic/out.jsonl")));
    CHECK_EQ_INT(count_files(at("atomic"), "out.jsonl.tmp-"), 0);
    qr_step_export_def.free(st);
    CHECK(exists(at("atomic/out.jsonl")));

    /* a failed run: free without finish leaves the old file, removes the temp */
    st = qr_step_export_def.init(api, o, &ctx, &err);
    qr_value_free(o);
    CHECK_EQ_INT(qr_step_export_def.process(st, NULL, d, &err), 0);
    CHECK_EQ_INT(count_files(at("atomic"), "out.jsonl.tmp-"), 1);
    qr_step_export_def.free(st);
    CHECK_EQ_INT(count_files(at("atomic"), "out.jsonl.tmp-"), 0);
    CHECK_EQ_INT(count_files(at("atomic"), "out.jsonl"), 1);

    /* a folder that cannot be created */
    CHECK_EQ_INT(run_export(opts((const char *[]){ "path=atomic/out.jsonl/x/y.jsonl", NULL }),
                            d, 1, &err), -1);
    char want[700];
    snprintf(want, sizeof want, "export: cannot create folder %s: Not a directory",
             at("atomic/out.jsonl/x"));
    CHECK_EQ_STR(err.message, want);
    qr_doc_free(d);
}

static void test_stdout(void)
{
    qr_error err;
    qr_doc *d = qr_doc_new();
    qr_doc_set_id(d, "s", &err);
    qr_doc_set_text(d, "hi", 2, &err);
    fflush(stdout);
    int saved = dup(1);
    FILE *f = fopen(at("stdout.txt"), "w");
    dup2(fileno(f), 1);
    int rc = run_export(opts((const char *[]){ "path=-", NULL }), d, 1, &err);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    fclose(f);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(slurp(at("stdout.txt")), "{\"id\":\"s\",\"text\":\"hi\",\"entities\":[]}\n");
    qr_doc_free(d);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/quarry-test-export-XXXXXX");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    ctx.pipeline_name = "test";
    ctx.pipeline_file = "";
    ctx.base_dir = tmp;
    ctx.step_name = "export";
    ctx.jobs = 1;
    CHECK(qr_step_export_def.flags & QR_STEP_ORDERED);
    test_jsonl();
    test_nested_spans();
    test_long_strings();
    test_ascii_and_not();
    test_integers();
    test_big_output();
    test_csv_tsv();
    test_tokens_sentences_filter();
    test_atomic();
    test_stdout();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
    return DONE("export");
}
