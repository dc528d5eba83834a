/* Gazetteer build paths: the compiled block (cache file bytes) of tricky
 * lists against digests recorded from the build before its speed-ups
 * (commit 89688bf), and the fast paths of the build against the general
 * ones: a list read from data or a file vs the same entries added one by
 * one, labels that change from line to line or hold a NUL byte, fields at
 * every offset around 8-byte words, errors late in long lists, a scratch
 * shared by a compiled block and the same block loaded from its cache. */
#include "check.h"
#include "error.h"
#include "gazetteer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

static char tmpdir[] = "/tmp/quarry-gazb-XXXXXX";

/* Phrases that exercise every step of the build: non-ASCII (keys that
 * change length when folded, decomposed accents, ligatures, full-width,
 * scripts without case), padding, duplicates (same phrase, label and id;
 * same phrase, other label or id), glued tokens, possessives, a long
 * phrase, a phrase of one byte, a NUL byte in a label. */
static const char tricky_tsv[] =
    "# tricky phrases\n"
    "New York\tGPE\n"
    "new york\tGPE\n"
    "NEW YORK\tGPE\tny\n"
    "S\xC3\xA3o Paulo\tGPE\n"
    "Sao Paulo\tGPE\n"
    "\xEF\xBC\xB3\xEF\xBC\xAF\xEF\xBC\xAE\xEF\xBC\xB9\tORG\n"
    "Stra\xC3\x9F" "e\tLOC\n"
    "STRASSE\tLOC\n"
    "\xC7\x84" "emal\tPER\n"
    "\xC4\xB0stanbul\tGPE\n"
    "c++\tLANG\n"
    ".net\tLANG\n"
    "C#\tLANG\n"
    "U.S.\tGPE\n"
    "US\tGPE\n"
    "Seoul's\tGPE\n"
    "\xE6\x9D\xB1\xE4\xBA\xAC\tGPE\n"
    "\xCE\x95\xCE\xBB\xCE\xBB\xCE\xAC\xCE\xB4\xCE\xB1\tGPE\n"
    "na\xC3\xAFve caf\xC3\xA9\tMISC\n"
    "  padded   \t LAB \t id  \n"
    "e\xCC\x81" "cole\tMISC\n"
    "\xC3\xA9" "cole\tMISC\n"
    "\xC3\xA9" "cole\tMISC\n"
    "\xF0\x9F\x98\x80 smile\tEMO\n"
    "x\tONE\n"
    "New York\tGPE\n"
    "New York\tCITY\tnyc\n"
    "New York\tGPE\tnyc\n"
    "e-mail\tW\n"
    "don't stop\tW\n"
    "1,000 dollars\tNUM\n"
    "www.example.com\tURL\n"
    "\xEF\xAC\x81ne\tLIG\n"
    "A\tX\nB\tY\nC\tX\nD\tY\n"
    "nul\tA\0B\n"
    "nul2\tA\n"
    "nul3\tA\0B\n"
    "nul4\tA\n";

static const char tricky_jsonl[] =
    "{\"label\":\"ORG\",\"pattern\":\"Apple Inc.\",\"id\":\"apple\",\"attrs\":{\"z\":1,\"a\":[1,2]}}\n"
    "{\"label\":\"ORG\",\"pattern\":\"apple inc.\",\"id\":7}\n"
    "{\"label\":\"GPE\",\"pattern\":\"Z\xC3\xBCrich\"}\n"
    "{\"label\":\"GPE\",\"pattern\":\"Z\xC3\x9CRICH\",\"attrs\":{\"b\":\"\xC3\xBC\"}}\n";

static const char tricky_txt[] = "Anna\n\xC3\x89mile\nJOS\xC3\x89\njos\xC3\xA9\n";

/* FNV-1a over a file's bytes except the 8 of the key (offset 16), which
 * holds the quarry version: the digest follows the block only. */
static uint64_t file_digest(const char *path, long *size)
{
    FILE *f = fopen(path, "rb");
    uint64_t h = 0xcbf29ce484222325ULL;
    long i = 0;
    int c;
    if (!f)
        return 0;
    for (; (c = fgetc(f)) != EOF; i++)
        if (i < 16 || i >= 24)
            h = (h ^ (unsigned char)c) * 0x100000001b3ULL;
    fclose(f);
    *size = i;
    return h;
}

static void die(const char *what, qr_error *err)
{
    char buf[1600];
    fprintf(stderr, "%s: %s\n", what, qr_error_format(err, buf, sizeof buf));
    exit(1);
}

static void add_data(qr_gazetteer *g, const char *name, const char *data, size_t len,
                     const char *label, qr_gaz_case cm, int fold)
{
    qr_error err;
    qr_gazetteer_list l = {NULL, QR_GAZ_AUTO, label, cm, fold};
    if (qr_gazetteer_add_list_data(g, &l, name, data, len, &err) < 0)
        die(name, &err);
}

/* Compiles g, saves it under tmpdir/name and returns its digest. */
static uint64_t save_digest(qr_gazetteer *g, const char *name, long *size)
{
    char path[256];
    qr_error err;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    if (qr_gazetteer_compile(g, &err) != 0 || qr_gazetteer_save(g, path, &err) != 0)
        die(name, &err);
    uint64_t d = file_digest(path, size);
    remove(path);
    return d;
}

static void test_golden(void)
{
    /* case mode, fold, block size, digest: from commit 89688bf */
    static const struct {
        qr_gaz_case cm;
        int fold;
        long size;
        uint64_t digest;
    } want[] = {
        {QR_CASE_INSENSITIVE, 0, 11464, 0xa7e88676e1044aa5ULL},
        {QR_CASE_INSENSITIVE, 1, 11400, 0x847f7848f7ad491dULL},
        {QR_CASE_SENSITIVE, 0, 11760, 0x7d837cd733208176ULL},
        {QR_CASE_SENSITIVE, 1, 11720, 0x9d6f8754f4708fc9ULL},
        {QR_CASE_SMART, 0, 11904, 0x59d99fc001787ee2ULL},
        {QR_CASE_SMART, 1, 11824, 0x1efad039254cfc67ULL},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        qr_gazetteer *g = qr_gazetteer_new();
        add_data(g, "t.tsv", tricky_tsv, sizeof tricky_tsv - 1, NULL, want[i].cm, want[i].fold);
        add_data(g, "t.jsonl", tricky_jsonl, sizeof tricky_jsonl - 1, NULL, want[i].cm, want[i].fold);
        add_data(g, "t.txt", tricky_txt, sizeof tricky_txt - 1, "NAME", want[i].cm, want[i].fold);
        long size = 0;
        uint64_t d = save_digest(g, "golden.gzc", &size);
        CHECK_EQ_INT(size, want[i].size);
        if (d != want[i].digest)
            fprintf(stderr, "golden %zu: digest 0x%016llxULL, expected 0x%016llxULL\n", i,
                    (unsigned long long)d, (unsigned long long)want[i].digest);
        CHECK(d == want[i].digest);
        qr_gazetteer_free(g);
    }
}

static char *trimmed(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

/* Entries of a TSV text, added one by one with qr_gazetteer_add (phrase,
 * label and id each checked, a tokenizer call per phrase). */
static void add_one_by_one(qr_gazetteer *g, const char *tsv, qr_gaz_case cm, int fold)
{
    qr_error err;
    qr_gazetteer_list l = {NULL, QR_GAZ_AUTO, NULL, cm, fold};
    int li = qr_gazetteer_add_list(g, &l, &err);
    if (li < 0)
        die("list", &err);
    char *copy = strdup(tsv);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *f[3] = {line, NULL, NULL};
        for (int k = 1; k < 3 && f[k - 1]; k++) {
            char *tab = strchr(f[k - 1], '\t');
            if (tab)
                *tab = '\0', f[k] = tab + 1;
        }
        for (int k = 0; k < 3; k++)
            if (f[k])
                f[k] = trimmed(f[k]);
        if (qr_gazetteer_add(g, li, f[0], f[1], f[2], NULL, &err) != 0)
            die(f[0], &err);
    }
    free(copy);
}

/* Same entries through the list path and the one-by-one path: the same
 * block (the key differs: it hashes how they came). Stress data: phrases
 * and labels of every length from 1 to 20 bytes, so line breaks and tabs
 * fall at every offset of an 8-byte word; labels alternate and repeat. */
static void test_paths_agree(void)
{
    static const char *const words[] = {"Paris", "S\xC3\xA3o", "x", "Stra\xC3\x9F" "e", "new",
                                        "C++", "York", "\xE6\x9D\xB1", "a-b", "Mt."};
    char *tsv = malloc(64 * 1024);
    size_t n = 0;
    for (int i = 0; i < 400; i++) {
        int plen = 1 + i % 20, llen = 1 + (i / 3) % 20;
        for (int k = 0; k < plen; k++)
            tsv[n++] = (char)('a' + (i * 7 + k) % 26);
        n += (size_t)sprintf(tsv + n, " %s", words[i % 10]);
        tsv[n++] = '\t';
        for (int k = 0; k < llen; k++)
            tsv[n++] = (char)('A' + (i % 4 + k) % 26);
        if (i % 5 == 0)
            n += (size_t)sprintf(tsv + n, "\tid%d", i % 7);
        tsv[n++] = '\n';
    }
    tsv[n] = '\0';
    const struct {
        qr_gaz_case cm;
        int fold;
    } modes[] = {{QR_CASE_INSENSITIVE, 0}, {QR_CASE_SENSITIVE, 1}, {QR_CASE_SMART, 0}};
    const char *lists[] = {tsv, tricky_tsv};
    for (size_t li = 0; li < 2; li++) {
        const char *data = lists[li];
        /* tricky_tsv's NUL label ends its string: compare up to there */
        size_t len = strlen(data);
        for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
            qr_gazetteer *a = qr_gazetteer_new(), *b = qr_gazetteer_new();
            add_data(a, "p.tsv", data, len, NULL, modes[m].cm, modes[m].fold);
            add_one_by_one(b, data, modes[m].cm, modes[m].fold);
            CHECK_EQ_INT(qr_gazetteer_entry_count(a), qr_gazetteer_entry_count(b));
            long sa = 0, sb = 0;
            CHECK(save_digest(a, "a.gzc", &sa) == save_digest(b, "b.gzc", &sb));
            CHECK_EQ_INT(sa, sb);
            qr_gazetteer_free(a);
            qr_gazetteer_free(b);
        }
    }
    free(tsv);
}

static const char *match_str(const qr_gazetteer *g, qr_gazetteer_scratch *s, const char *text)
{
    static char out[4096];
    qr_gaz_matches m;
    qr_error err;
    qr_gaz_matches_init(&m);
    size_t o = 0;
    out[0] = '\0';
    if (qr_gazetteer_match_text(g, s, text, strlen(text), QR_GAZ_LONGEST, &m, &err) != 0)
        snprintf(out, sizeof out, "error: %s", err.message);
    for (size_t i = 0; i < m.n && o < sizeof out - 200; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%u-%u/%s/%s", i ? " " : "", m.v[i].start,
                              m.v[i].end, m.v[i].label, m.v[i].id);
    qr_gaz_matches_free(&m);
    return out;
}

/* A label with a NUL byte reads up to the NUL; the last-label shortcut
 * must not merge "A\0B" with "A" differently than the label table does. */
static void test_labels(void)
{
    qr_gazetteer *g = qr_gazetteer_new();
    add_data(g, "t.tsv", tricky_tsv, sizeof tricky_tsv - 1, NULL, QR_CASE_INSENSITIVE, 0);
    qr_error err;
    CHECK_EQ_INT(qr_gazetteer_compile(g, &err), 0);
    qr_gazetteer_scratch *s = qr_gazetteer_scratch_new();
    CHECK_EQ_STR(match_str(g, s, "nul nul2 nul3 nul4 A B C D"),
                 "0-3/A/nul 4-8/A/nul2 9-13/A/nul3 14-18/A/nul4 19-20/X/A 21-22/Y/B 23-24/X/C 25-26/Y/D");
    CHECK_EQ_STR(match_str(g, s, "new york"),
                 "0-8/GPE/New York 0-8/GPE/new york 0-8/GPE/ny 0-8/CITY/nyc 0-8/GPE/nyc");
    CHECK_EQ_STR(match_str(g, s, "padded"), "0-6/LAB/id");
    qr_gazetteer_scratch_free(s);
    qr_gazetteer_free(g);
}

/* An invalid line deep in a long list: reported at its line and column,
 * the entries before it added. Too many fields, likewise. */
static void test_late_errors(void)
{
    size_t cap = 3000 * 32, n = 0;
    char *data = malloc(cap);
    for (int i = 1; i < 2000; i++)
        n += (size_t)sprintf(data + n, "place %d\tGPE\n", i);
    memcpy(data + n, "bad \xC3(\tGPE\n", 10);
    n += 10;
    n += (size_t)sprintf(data + n, "after\tGPE\n");
    qr_gazetteer *g = qr_gazetteer_new();
    qr_gazetteer_list l = {NULL, QR_GAZ_AUTO, NULL, QR_CASE_INSENSITIVE, 0};
    qr_error err;
    char buf[1600];
    CHECK_EQ_INT(qr_gazetteer_add_list_data(g, &l, "big.tsv", data, n, &err), -1);
    CHECK_EQ_STR(qr_error_format(&err, buf, sizeof buf),
                 "big.tsv:2000:5: invalid UTF-8; re-encode the list as UTF-8");
    CHECK_EQ_INT(qr_gazetteer_entry_count(g), 1999);
    qr_gazetteer_free(g);

    n = 0;
    for (int i = 1; i < 1500; i++)
        n += (size_t)sprintf(data + n, "place %d\tGPE\n", i);
    n += (size_t)sprintf(data + n, "\tGPE\n");
    g = qr_gazetteer_new();
    CHECK_EQ_INT(qr_gazetteer_add_list_data(g, &l, "big.tsv", data, n, &err), -1);
    CHECK_EQ_STR(qr_error_format(&err, buf, sizeof buf),
                 "big.tsv:1500: empty phrase; write the phrase, or remove the entry");
    CHECK_EQ_INT(qr_gazetteer_entry_count(g), 1499);
    qr_gazetteer_free(g);

    n = 0;
    for (int i = 1; i < 700; i++)
        n += (size_t)sprintf(data + n, "place %d\tGPE\n", i);
    n += (size_t)sprintf(data + n, "a\tb\tc\td\n");
    g = qr_gazetteer_new();
    CHECK_EQ_INT(qr_gazetteer_add_list_data(g, &l, "big.tsv", data, n, &err), -1);
    CHECK_EQ_STR(qr_error_format(&err, buf, sizeof buf),
                 "big.tsv:700: expected phrase<TAB>label[<TAB>id], found 4 fields");
    CHECK_EQ_INT(qr_gazetteer_entry_count(g), 699);
    qr_gazetteer_free(g);
    free(data);
}

/* A list file (mapped) gives the block of the same bytes given as data,
 * key included; an empty file and a folder take the read path. */
static void test_files(void)
{
    char path[256], buf[1600];
    snprintf(path, sizeof path, "%s/list.tsv", tmpdir);
    FILE *f = fopen(path, "wb");
    fwrite(tricky_tsv, 1, sizeof tricky_tsv - 1, f);
    fclose(f);
    qr_error err;
    qr_gazetteer *a = qr_gazetteer_new(), *b = qr_gazetteer_new();
    qr_gazetteer_list l = {path, QR_GAZ_AUTO, NULL, QR_CASE_SMART, 1};
    CHECK_EQ_INT(qr_gazetteer_add_list(a, &l, &err), 0);
    add_data(b, "list.tsv", tricky_tsv, sizeof tricky_tsv - 1, NULL, QR_CASE_SMART, 1);
    uint64_t key;
    CHECK_EQ_INT(qr_gazetteer_sources_hash(&l, 1, &key, &err), 0);
    CHECK(qr_gazetteer_hash(a) == key);
    CHECK(qr_gazetteer_hash(b) == key);
    long sa = 0, sb = 0;
    CHECK(save_digest(a, "a.gzc", &sa) == save_digest(b, "b.gzc", &sb));
    CHECK_EQ_INT(sa, sb);
    qr_gazetteer_free(a);
    qr_gazetteer_free(b);

    f = fopen(path, "wb");
    fclose(f);
    a = qr_gazetteer_new();
    CHECK_EQ_INT(qr_gazetteer_add_list(a, &l, &err), 0);
    CHECK_EQ_INT(qr_gazetteer_compile(a, &err), 0);
    CHECK_EQ_INT(qr_gazetteer_entry_count(a), 0);
    qr_gazetteer_free(a);
    remove(path);

    snprintf(path, sizeof path, "%s/dir.tsv", tmpdir);
    mkdir(path, 0700);
    a = qr_gazetteer_new();
    CHECK_EQ_INT(qr_gazetteer_add_list(a, &l, &err), -1);
    snprintf(buf, sizeof buf, "%s: read error", path);
    char got[1600];
    CHECK_EQ_STR(qr_error_format(&err, got, sizeof got), buf);
    qr_gazetteer_free(a);
    rmdir(path);
    snprintf(path, sizeof path, "%s/missing.tsv", tmpdir);
    a = qr_gazetteer_new();
    CHECK_EQ_INT(qr_gazetteer_add_list(a, &l, &err), -1);
    CHECK_EQ_STR(err.message, "cannot open: No such file or directory");
    qr_gazetteer_free(a);
}

/* A block of more than 1 MB (mapped for huge pages) saved and loaded
 * back; one scratch used with the compiled block (checksum not yet
 * computed) and the loaded one (checksum read) in turns. */
static void test_large_block(void)
{
    size_t cap = 40000 * 40, n = 0;
    char *data = malloc(cap);
    for (int i = 0; i < 40000; i++)
        n += (size_t)sprintf(data + n, "town%d of %s\t%s\n", i, (i & 1) ? "north" : "south",
                             (i % 3) ? "GPE" : "LOC");
    qr_gazetteer *g = qr_gazetteer_new();
    add_data(g, "big.tsv", data, n, NULL, QR_CASE_INSENSITIVE, 0);
    qr_error err;
    CHECK_EQ_INT(qr_gazetteer_compile(g, &err), 0);
    CHECK(qr_gazetteer_memory(g) > (1u << 20));
    char path[256];
    snprintf(path, sizeof path, "%s/big.gzc", tmpdir);
    CHECK_EQ_INT(qr_gazetteer_save(g, path, &err), 0);
    qr_gazetteer *c = qr_gazetteer_load_cache(path, qr_gazetteer_hash(g), &err);
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ_INT(qr_gazetteer_memory(c), qr_gazetteer_memory(g));
        qr_gazetteer_scratch *s = qr_gazetteer_scratch_new();
        const char *text = "from Town17 of North to town20 of south, town3 of south";
        for (int round = 0; round < 3; round++) {
            char a[4096];
            snprintf(a, sizeof a, "%s", match_str(g, s, text));
            CHECK_EQ_STR(a, "5-20/GPE/town17 of north 24-39/GPE/town20 of south");
            CHECK_EQ_STR(match_str(c, s, text), a);
        }
        qr_gazetteer_scratch_free(s);
        qr_gazetteer_free(c);
    }
    remove(path);
    qr_gazetteer_free(g);
    free(data);
}

/* The valid UTF-8 prefix of s[0..n) as utf8proc sees it, a character at a
 * time: what the list check computed before its fast paths. */
static size_t ref_valid_prefix(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(n - i), &c);
        if (k <= 0)
            return i;
        i += (size_t)k;
    }
    return n;
}

/* Lines with two-, three- and four-byte sequences, valid or not (every
 * lead byte, continuation bytes at the edges of their ranges, sequences
 * cut by the line end): the list's check reports the column utf8proc
 * gives, or accepts the line. */
static void test_utf8_check(void)
{
    static const unsigned char second[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
    static const unsigned char third[] = {0x7F, 0x80, 0xBF, 0xC0};
    int bad = 0, cases = 0;
    for (int lead = 0x80; lead <= 0xFF; lead++)
        for (size_t a = 0; a < sizeof second; a++)
            for (size_t b = 0; b <= sizeof third; b++)
                for (int cut = 0; cut < 2; cut++) {
                    char line[32];
                    size_t n = 0;
                    line[n++] = 'x';
                    line[n++] = (char)lead;
                    line[n++] = (char)second[a];
                    if (b < sizeof third)
                        line[n++] = (char)third[b];
                    if (b < sizeof third && lead >= 0xF0)
                        line[n++] = (char)0x80;
                    if (!cut)
                        line[n++] = 'y';
                    if (memchr(line, '\n', n) || memchr(line, '\t', n) || memchr(line, '\r', n))
                        continue;
                    char data[64], want[160], got[1600];
                    memcpy(data, line, n);
                    memcpy(data + n, "\tL\n", 3);
                    size_t p = ref_valid_prefix(line, n);
                    if (p == n)
                        snprintf(want, sizeof want, "(ok)");
                    else
                        snprintf(want, sizeof want,
                                 "u.tsv:1:%zu: invalid UTF-8; re-encode the list as UTF-8", p + 1);
                    qr_gazetteer *g = qr_gazetteer_new();
                    qr_gazetteer_list l = {NULL, QR_GAZ_AUTO, NULL, QR_CASE_INSENSITIVE, 0};
                    qr_error err;
                    if (qr_gazetteer_add_list_data(g, &l, "u.tsv", data, n + 3, &err) >= 0)
                        snprintf(got, sizeof got, "(ok)");
                    else
                        qr_error_format(&err, got, sizeof got);
                    qr_gazetteer_free(g);
                    cases++;
                    if (strcmp(got, want) != 0 && bad++ < 5)
                        fprintf(stderr, "utf8 %02x %02x: got \"%s\", want \"%s\"\n", lead,
                                second[a], got, want);
                }
    CHECK_EQ_INT(bad, 0);
    CHECK(cases > 5000);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_golden();
    test_paths_agree();
    test_labels();
    test_late_errors();
    test_files();
    test_large_block();
    test_utf8_check();
    rmdir(tmpdir);
    return DONE("gazetteer_build");
}
