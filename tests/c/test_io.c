/* Readers: every format, paths (folders, globs, stdin), .gz, UTF-8 repair,
 * malformed records with their exact messages. */
#include "check.h"
#include "io/reader.h"
#include "io/paths.h"
#include "io/jsonl_fast.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char tmp[256];

static const char *at(const char *rel)
{
    static char bufs[8][512];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 512, "%s/%s", tmp, rel);
    return b;
}

static void write_file(const char *rel, const char *data, size_t len)
{
    FILE *f = fopen(at(rel), "wb");
    fwrite(data, 1, len, f);
    fclose(f);
}
#define WRITE(rel, lit) write_file(rel, lit, sizeof lit - 1)

static void write_gz(const char *rel, const char *data)
{
    gzFile g = gzopen(at(rel), "wb");
    gzwrite(g, data, (unsigned)strlen(data));
    gzclose(g);
}

static qr_reader *open1(qr_input_format f, const char *path, qr_error *err)
{
    qr_input_opts o;
    qr_input_opts_init(&o);
    o.format = f;
    const char *p[1] = { path };
    return qr_reader_new(&o, p, 1, err);
}

static const char *fmt(const qr_error *err)
{
    static char b[2048];
    return qr_error_format(err, b, sizeof b);
}

/* "id|text" of the next document, or "END", or "ERR -1 message" */
static const char *next_str(qr_reader *r, qr_doc *d)
{
    static char b[4096];
    qr_error err;
    qr_error_clear(&err);
    int rc = qr_reader_next(r, d, &err);
    if (rc == 1)
        snprintf(b, sizeof b, "%s|%s", d->id, d->text);
    else if (rc == 0)
        snprintf(b, sizeof b, "END");
    else
        snprintf(b, sizeof b, "ERR %d %s", rc, fmt(&err));
    return b;
}

static void test_repair(void)
{
    char *buf = NULL;
    size_t cap = 0, n = 0;
    CHECK_EQ_INT(qr_io_repair_utf8("plain ascii", 11, &buf, &cap, &n), 0);
    CHECK_EQ_INT(qr_io_repair_utf8("caf\xC3\xA9 \xE2\x80\x9C", 10, &buf, &cap, &n), 0);
    CHECK_EQ_INT(qr_io_repair_utf8("a\xFF" "b", 3, &buf, &cap, &n), 1);
    CHECK_EQ_MEM(buf, n, "a\xEF\xBF\xBD" "b");
    /* a truncated 3-byte sequence is one maximal subpart */
    CHECK_EQ_INT(qr_io_repair_utf8("\xE2\x82" "A", 3, &buf, &cap, &n), 1);
    CHECK_EQ_MEM(buf, n, "\xEF\xBF\xBD" "A");
    /* a surrogate: ED A0 80 is three subparts */
    CHECK_EQ_INT(qr_io_repair_utf8("\xED\xA0\x80", 3, &buf, &cap, &n), 3);
    CHECK_EQ_INT(n, 9);
    /* overlong C0 AF: two */
    CHECK_EQ_INT(qr_io_repair_utf8("\xC0\xAFx", 3, &buf, &cap, &n), 2);
    CHECK_EQ_MEM(buf, n, "\xEF\xBF\xBD\xEF\xBF\xBDx");
    /* truncated 4-byte at the end, after valid text longer than 8 bytes */
    CHECK_EQ_INT(qr_io_repair_utf8("0123456789\xF0\x9F\x98", 13, &buf, &cap, &n), 1);
    CHECK_EQ_MEM(buf, n, "0123456789\xEF\xBF\xBD");
    CHECK_EQ_INT(qr_io_repair_utf8("\xF0\x9F\x98\x80\xF4\x90\x80\x80", 8, &buf, &cap, &n), 4);
    CHECK_EQ_MEM(buf, n, "\xF0\x9F\x98\x80\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    free(buf);
}

static void test_text_dir(qr_doc *d)
{
    mkdir(at("docs"), 0755);
    mkdir(at("docs/sub"), 0755);
    mkdir(at("docs/.git"), 0755);
    WRITE("docs/b.txt", "Bee");
    WRITE("docs/a.txt", "\xEF\xBB\xBF" "Ay\n");
    WRITE("docs/sub/c.txt", "C\xFF");
    WRITE("docs/.hidden", "no");
    WRITE("docs/.git/x", "no");
    WRITE("docs/Z.txt", "zed");
    qr_error err;
    qr_reader *r = open1(QR_INPUT_TEXT, at("docs"), &err);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_EQ_INT(qr_reader_file_count(r), 4);
    CHECK_EQ_INT(qr_reader_bytes_total(r), 3 + 6 + 2 + 3);
    char want[600];
    snprintf(want, sizeof want, "%s|zed", at("docs/Z.txt"));
    CHECK_EQ_STR(next_str(r, d), want);
    CHECK_EQ_INT(d->seq, 0);
    CHECK_EQ_INT(d->source_line, 0);
    CHECK_EQ_STR(d->source_file, at("docs/Z.txt"));
    snprintf(want, sizeof want, "%s|Ay\n", at("docs/a.txt"));
    CHECK_EQ_STR(next_str(r, d), want);
    snprintf(want, sizeof want, "%s|Bee", at("docs/b.txt"));
    CHECK_EQ_STR(next_str(r, d), want);
    snprintf(want, sizeof want, "%s|C\xEF\xBF\xBD", at("docs/sub/c.txt"));
    CHECK_EQ_STR(next_str(r, d), want);
    CHECK_EQ_INT(d->n_repaired, 1);
    CHECK_EQ_INT(d->len, 4);
    CHECK_EQ_INT(d->seq, 3);
    CHECK_EQ_STR(next_str(r, d), "END");
    CHECK_EQ_INT(qr_reader_bytes_read(r), 14);
    CHECK_EQ_STR(next_str(r, d), "END");
    qr_reader_free(r);

    /* a symbolic link back to a folder being walked (a loop) is passed
     * over: its files are read once (it used to stop the run: "folders
     * nested deeper than 32 levels"); a broken link is named as such */
    CHECK_EQ_INT(symlink("..", at("docs/sub/up")), 0);
    r = open1(QR_INPUT_TEXT, at("docs"), &err);
    CHECK(r != NULL);
    CHECK_EQ_INT(r ? qr_reader_file_count(r) : 0, 4);
    qr_reader_free(r);
    CHECK_EQ_INT(symlink("gone.txt", at("docs/sub/dangling.txt")), 0);
    CHECK(open1(QR_INPUT_TEXT, at("docs"), &err) == NULL);
    snprintf(want, sizeof want, "%s: a symbolic link to gone.txt, which does not exist; remove the link, "
             "or give the input files or folders by name", at("docs/sub/dangling.txt"));
    CHECK_EQ_STR(fmt(&err), want);
    unlink(at("docs/sub/dangling.txt"));
    unlink(at("docs/sub/up"));
}

/* An empty folder (or one with only hidden entries) is no documents, not a
 * crash: qsort must not see the NULL list (UBSan: nonnull argument). */
static void test_empty_dir(qr_doc *d)
{
    mkdir(at("empty"), 0755);
    mkdir(at("hidden_only"), 0755);
    WRITE("hidden_only/.x", "no");
    const char *dirs[2] = { "empty", "hidden_only" };
    for (int i = 0; i < 2; i++) {
        qr_error err;
        qr_error_clear(&err);
        qr_reader *r = open1(QR_INPUT_TEXT, at(dirs[i]), &err);
        CHECK(r != NULL);
        if (!r)
            continue;
        CHECK_EQ_INT(qr_reader_file_count(r), 0);
        CHECK_EQ_STR(next_str(r, d), "END");
        qr_reader_free(r);
    }
}

static void test_glob(qr_doc *d)
{
    qr_error err;
    char pat[600];
    snprintf(pat, sizeof pat, "%s/docs/*.txt", tmp);
    qr_reader *r = open1(QR_INPUT_TEXT, pat, &err);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(qr_reader_file_count(r), 3);
        CHECK_EQ_STR(qr_reader_file(r, 0), at("docs/Z.txt"));
        CHECK_EQ_STR(qr_reader_file(r, 2), at("docs/b.txt"));
        CHECK_EQ_STR(next_str(r, d) + strlen(tmp), "/docs/Z.txt|zed");
        qr_reader_free(r);
    }
    snprintf(pat, sizeof pat, "%s/docs/*.csv", tmp);
    CHECK(open1(QR_INPUT_TEXT, pat, &err) == NULL);
    char want[700];
    snprintf(want, sizeof want, "%s: no file matches this pattern", pat);
    CHECK_EQ_STR(fmt(&err), want);
    CHECK(open1(QR_INPUT_TEXT, at("nope.txt"), &err) == NULL);
    snprintf(want, sizeof want, "%s: no such file or folder", at("nope.txt"));
    CHECK_EQ_STR(fmt(&err), want);
    qr_input_opts o;
    qr_input_opts_init(&o);
    CHECK(qr_reader_new(&o, NULL, 0, &err) == NULL);
    CHECK_EQ_STR(err.message, "no input: give files, folders or - on the command line, "
                              "or set input.paths");
}

static void test_lines(qr_doc *d)
{
    WRITE("l.txt", "one\n\n  \r\ntwo\r\nthree");
    qr_error err;
    qr_reader *r = open1(QR_INPUT_LINES, at("l.txt"), &err);
    char want[600];
    snprintf(want, sizeof want, "%s:1|one", at("l.txt"));
    CHECK_EQ_STR(next_str(r, d), want);
    CHECK_EQ_INT(d->source_line, 1);
    snprintf(want, sizeof want, "%s:4|two", at("l.txt"));
    CHECK_EQ_STR(next_str(r, d), want);
    snprintf(want, sizeof want, "%s:5|three", at("l.txt"));
    CHECK_EQ_STR(next_str(r, d), want);
    CHECK_EQ_INT(d->seq, 2);
    CHECK_EQ_INT(d->source_line, 5);
    CHECK_EQ_STR(next_str(r, d), "END");
    qr_reader_free(r);
}

static void test_jsonl(qr_doc *d)
{
    WRITE("d.jsonl",
          "{\"id\":\"a1\",\"text\":\"Seoul \xE2\x80\x94 hi\",\"src\":\"x\",\"n\":2}\n"
          "\n"
          "{\"text\":\"no id\"}\r\n"
          "{\"id\":42,\"text\":\"num\"}\n"
          "{\"id\":\"b\",\"text\":\"bad \xFF byte\"}\n"
          "{\"id\":\"c\",\"text\":\"unterminated}\n"
          "[1,2]\n"
          "{\"id\":\"e\",\"body\":\"x\"}\n"
          "{\"id\":\"f\",\"text\":7}\n"
          "{\"id\":{\"x\":1},\"text\":\"t\"}\n"
          "{\"id\":\"g\",\"text\":\"nul\\u0000in\"}\n"
          "{\"id\":\"last\",\"text\":\"end\"}");
    qr_error err;
    qr_reader *r = open1(QR_INPUT_JSONL, at("d.jsonl"), &err);
    const char *f = at("d.jsonl");
    char want[800];
    CHECK_EQ_STR(next_str(r, d), "a1|Seoul \xE2\x80\x94 hi");
    char *meta = d->meta ? json_dumps(d->meta, JSON_COMPACT) : NULL;
    CHECK_EQ_STR(meta, "{\"src\":\"x\",\"n\":2}");
    free(meta);
    CHECK_EQ_INT(d->source_line, 1);
    snprintf(want, sizeof want, "%s:3|no id", f);
    CHECK_EQ_STR(next_str(r, d), want);
    CHECK(d->meta == NULL);
    CHECK_EQ_STR(next_str(r, d), "42|num");
    CHECK_EQ_STR(next_str(r, d), "b|bad \xEF\xBF\xBD byte");
    CHECK_EQ_INT(d->n_repaired, 1);
    snprintf(want, sizeof want, "ERR -1 %s:6:31: invalid JSON: premature end of input "
             "near '\"unterminated}'", f);
    CHECK_EQ_STR(next_str(r, d), want);
    snprintf(want, sizeof want, "%s:6", f);
    CHECK_EQ_STR(d->id, want);
    CHECK_EQ_INT(d->source_line, 6);
    CHECK_EQ_INT(d->seq, 4);
    snprintf(want, sizeof want, "ERR -1 %s:7: a JSONL record must be a JSON object, "
             "this line holds an array", f);
    CHECK_EQ_STR(next_str(r, d), want);
    snprintf(want, sizeof want, "ERR -1 %s:8: no \"text\" field in this record (its members: "
             "id, body; set input.text_field to the member that holds the text)", f);
    CHECK_EQ_STR(next_str(r, d), want);
    CHECK_EQ_STR(d->id, "e");
    snprintf(want, sizeof want, "ERR -1 %s:9: field \"text\" is a number, not a string", f);
    CHECK_EQ_STR(next_str(r, d), want);
    snprintf(want, sizeof want, "ERR -1 %s:10: field \"id\" is an object; an id must be a "
             "string or a number (set input.id_field to use another field)", f);
    CHECK_EQ_STR(next_str(r, d), want);
    qr_error_clear(&err);
    CHECK_EQ_INT(qr_reader_next(r, d, &err), 1);
    CHECK_EQ_INT(d->len, 6);
    CHECK(memcmp(d->text, "nul\0in", 6) == 0);
    CHECK_EQ_STR(next_str(r, d), "last|end");
    CHECK_EQ_INT(d->seq, 10);
    CHECK_EQ_STR(next_str(r, d), "END");
    qr_reader_free(r);

    /* other field names */
    qr_input_opts o;
    qr_input_opts_init(&o);
    CHECK_EQ_INT(qr_input_opts_set(&o, "format", "jsonl", &err), 0);
    CHECK_EQ_INT(qr_input_opts_set(&o, "text_field", "body", &err), 0);
    CHECK_EQ_INT(qr_input_opts_set(&o, "id_field", "key", &err), 0);
    CHECK_EQ_INT(qr_input_opts_set(&o, "format", "xml", &err), -1);
    CHECK_EQ_STR(err.message, "unknown input format 'xml' (use text, lines, jsonl, csv or tsv)");
    CHECK_EQ_INT(qr_input_opts_set(&o, "delimiter", "ab", &err), -1);
    CHECK_EQ_STR(err.message, "input.delimiter must be one byte other than a quote or a line "
                              "break, got 'ab' (write \"\\t\" for tabs)");
    CHECK_EQ_INT(qr_input_opts_set(&o, "colour", "x", &err), -1);
    const char *rec = "{\"key\":\"k\",\"body\":\"B\",\"id\":\"kept\"}\n";
    r = qr_reader_new_memory(&o, "mem", rec, strlen(rec), &err);
    CHECK_EQ_STR(next_str(r, d), "k|B");
    meta = d->meta ? json_dumps(d->meta, JSON_COMPACT) : NULL;
    CHECK_EQ_STR(meta, "{\"id\":\"kept\"}");
    free(meta);
    CHECK(d->source_file && strcmp(d->source_file, "mem") == 0);
    CHECK_EQ_STR(next_str(r, d), "END");
    qr_reader_free(r);
}

static void test_csv(qr_doc *d)
{
    WRITE("t.csv",
          "id,text,src\r\n"
          "1,plain,a\r\n"
          "2,\"with, comma and \"\"quotes\"\"\",b\r\n"
          "\r\n"
          ",\"two\r\nlines\",c\r\n"
          "4,short\r\n"
          "5,\"caf\xC3\xA9\",\xFF\r\n"
          "6,\"never closed,d\r\n"
          "7,x,y\r\n");
    qr_error err;
    qr_reader *r = open1(QR_INPUT_CSV, at("t.csv"), &err);
    const char *f = at("t.csv");
    char want[800];
    CHECK_EQ_STR(next_str(r, d), "1|plain");
    CHECK_EQ_INT(d->source_line, 2);
    char *meta = d->meta ? json_dumps(d->meta, JSON_COMPACT) : NULL;
    CHECK_EQ_STR(meta, "{\"src\":\"a\"}");
    free(meta);
    CHECK_EQ_STR(next_str(r, d), "2|with, comma and \"quotes\"");
    snprintf(want, sizeof want, "%s:5|two\r\nlines", f);
    CHECK_EQ_STR(next_str(r, d), want);
    CHECK_EQ_INT(d->source_line, 5);
    snprintf(want, sizeof want, "ERR -1 %s:7: this row has 2 fields, the header has 3 "
             "(a missing quote, or a wrong input.delimiter?)", f);
    CHECK_EQ_STR(next_str(r, d), want);
    snprintf(want, sizeof want, "%s:7", f);
    CHECK_EQ_STR(d->id, want);
    CHECK_EQ_STR(next_str(r, d), "5|caf\xC3\xA9");
    CHECK_EQ_INT(d->n_repaired, 1);
    meta = d->meta ? json_dumps(d->meta, JSON_COMPACT) : NULL;
    CHECK_EQ_STR(meta, "{\"src\":\"\xEF\xBF\xBD\"}");
    free(meta);
    snprintf(want, sizeof want, "ERR -1 %s:9: a quoted field opened on this line is never "
             "closed (a stray \" in the field?)", f);
    CHECK_EQ_STR(next_str(r, d), want);
    CHECK_EQ_INT(d->seq, 5);
    CHECK_EQ_STR(next_str(r, d), "END");
    qr_reader_free(r);

    WRITE("t.tsv", "title\tbody\nA\tfirst \"q\"\nB\tsecond\n");
    qr_input_opts o;
    qr_input_opts_init(&o);
    o.format = QR_INPUT_CSV;
    qr_input_opts_set(&o, "delimiter", "\t", &err);
    qr_input_opts_set(&o, "text_column", "body", &err);
    qr_input_opts_set(&o, "id_column", "title", &err);
    const char *p[1] = { f = at("t.tsv") };
    r = qr_reader_new(&o, p, 1, &err);
    CHECK_EQ_STR(next_str(r, d), "A|first \"q\"");
    CHECK(d->meta == NULL);
    CHECK_EQ_STR(next_str(r, d), "B|second");
    CHECK_EQ_STR(next_str(r, d), "END");
    qr_reader_free(r);

    /* tsv: backslash escapes, no quoting */
    WRITE("u.tsv", "id\ttext\tsrc\n1\tline\\nbreak, \\ttab \\\\ \\q \"as is\"\tx\n\n2\tplain\t\r\n3\tshort\n");
    r = open1(QR_INPUT_TSV, at("u.tsv"), &err);
    CHECK_EQ_STR(next_str(r, d), "1|line\nbreak, \ttab \\ \\q \"as is\"");
    meta = d->meta ? json_dumps(d->meta, JSON_COMPACT) : NULL;
    CHECK_EQ_STR(meta, "{\"src\":\"x\"}");
    free(meta);
    CHECK_EQ_STR(next_str(r, d), "2|plain");
    CHECK_EQ_INT(d->source_line, 4);
    snprintf(want, sizeof want, "ERR -1 %s:5: this row has 2 fields, the header has 3 "
             "(tabs inside a field must be written \\t)", at("u.tsv"));
    CHECK_EQ_STR(next_str(r, d), want);
    CHECK_EQ_STR(next_str(r, d), "END");
    qr_reader_free(r);

    WRITE("nocol.csv", "a,b\n1,2\n");
    r = open1(QR_INPUT_CSV, at("nocol.csv"), &err);
    snprintf(want, sizeof want, "ERR -2 %s:1: no column \"text\" in the header (columns: a, b); "
             "set input.text_column", at("nocol.csv"));
    CHECK_EQ_STR(next_str(r, d), want);
    CHECK_EQ_STR(next_str(r, d), "ERR -2 the reader stopped after an earlier error");
    qr_reader_free(r);

    /* A huge header line (a text file read as CSV): names are cut so the
     * hint "set input.text_column" still fits the 1 KB message. */
    char big[3000];
    memset(big, 'a', 2000);
    memcpy(big + 2000, ",b\n", 4);
    write_file("wide.csv", big, 2003);
    r = open1(QR_INPUT_CSV, at("wide.csv"), &err);
    snprintf(want, sizeof want, "ERR -2 %s:1: no column \"text\" in the header (columns: "
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..., b); set input.text_column",
             at("wide.csv"));
    CHECK_EQ_STR(next_str(r, d), want);
    qr_reader_free(r);
    char many[2400] = "c0";
    for (int i = 1; i < 300; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), ",c%d", i);
    strcat(many, "\n");
    write_file("many.csv", many, strlen(many));
    r = open1(QR_INPUT_CSV, at("many.csv"), &err);
    const char *got = next_str(r, d);
    const char *tail = strstr(got, ", ...); set input.text_column");
    CHECK(tail != NULL && tail[strlen(", ...); set input.text_column")] == '\0');
    qr_reader_free(r);
}

static void test_gz(qr_doc *d)
{
    write_gz("g.jsonl.gz", "{\"id\":\"z1\",\"text\":\"zipped\"}\n{\"id\":\"z2\",\"text\":\"two\"}\n");
    qr_error err;
    qr_reader *r = open1(QR_INPUT_JSONL, at("g.jsonl.gz"), &err);
    CHECK_EQ_STR(next_str(r, d), "z1|zipped");
    CHECK_EQ_STR(next_str(r, d), "z2|two");
    CHECK_EQ_STR(next_str(r, d), "END");
    struct stat st;
    stat(at("g.jsonl.gz"), &st);
    CHECK_EQ_INT(qr_reader_bytes_read(r), st.st_size);
    qr_reader_free(r);

    /* a truncated .gz is fatal */
    FILE *g = fopen(at("g.jsonl.gz"), "rb");
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf, g);
    fclose(g);
    write_file("cut.txt.gz", buf, n - 12);
    r = open1(QR_INPUT_LINES, at("cut.txt.gz"), &err);
    /* what could be decompressed comes first */
    char want[700];
    snprintf(want, sizeof want, "%s:1|{\"id\":\"z1\",\"text\":\"zipped\"}", at("cut.txt.gz"));
    CHECK_EQ_STR(next_str(r, d), want);
    const char *s = next_str(r, d);
    snprintf(want, sizeof want, "ERR -2 %s:2: read error: unexpected end of file "
             "(is the .gz file truncated?)", at("cut.txt.gz"));
    CHECK_EQ_STR(s, want);
    qr_reader_free(r);
}

static void test_stdin(qr_doc *d)
{
    int fds[2];
    if (pipe(fds) != 0) {
        CHECK(0);
        return;
    }
    const char *data = "first line\nsecond \xC3\n";
    CHECK_EQ_INT(write(fds[1], data, strlen(data)), (long long)strlen(data));
    close(fds[1]);
    int saved = dup(0);
    dup2(fds[0], 0);
    close(fds[0]);
    qr_error err;
    qr_reader *r = open1(QR_INPUT_LINES, "-", &err);
    CHECK_EQ_INT(qr_reader_bytes_total(r), -1);
    CHECK_EQ_STR(next_str(r, d), "stdin:1|first line");
    CHECK(d->source_file == NULL);
    CHECK_EQ_STR(next_str(r, d), "stdin:2|second \xEF\xBF\xBD");
    CHECK_EQ_INT(d->n_repaired, 1);
    CHECK_EQ_STR(next_str(r, d), "END");
    qr_reader_free(r);
    dup2(saved, 0);
    close(saved);
}

/* Lines and quoted CSV fields longer than the 256 KiB read buffer. */
static void test_long_records(qr_doc *d)
{
    size_t big = 700 * 1024;
    char *buf = malloc(big * 2 + 64);
    size_t n = 0;
    for (size_t i = 0; i < big; i++)
        buf[n++] = (char)('a' + i % 26);
    buf[n++] = '\n';
    memcpy(buf + n, "short\n", 6);
    n += 6;
    write_file("long.txt", buf, n);
    qr_error err;
    qr_reader *r = open1(QR_INPUT_LINES, at("long.txt"), &err);
    CHECK_EQ_INT(qr_reader_next(r, d, &err), 1);
    CHECK_EQ_INT(d->len, big);
    CHECK(d->text[0] == 'a' && d->text[big - 1] == (char)('a' + (big - 1) % 26));
    CHECK_EQ_INT(qr_reader_next(r, d, &err), 1);
    CHECK_EQ_STR(d->text, "short");
    CHECK_EQ_INT(d->source_line, 2);
    CHECK_EQ_INT(qr_reader_next(r, d, &err), 0);
    qr_reader_free(r);

    /* a quoted text over two lines of 300 KiB, with "" inside */
    memcpy(buf, "id,text\nX,\"", 11);
    n = 11;
    for (int part = 0; part < 2; part++) {
        for (size_t i = 0; i < 300 * 1024; i++)
            buf[n++] = part == 0 && (i == 1000 || i == 1001) ? '"' : 'x';
        if (part == 0)
            buf[n++] = '\n';
    }
    memcpy(buf + n, "\"\nY,end\n", 8);
    n += 8;
    write_file("long.csv", buf, n);
    r = open1(QR_INPUT_CSV, at("long.csv"), &err);
    CHECK_EQ_INT(qr_reader_next(r, d, &err), 1);
    CHECK_EQ_STR(d->id, "X");
    CHECK_EQ_INT(d->len, 2 * 300 * 1024 - 1 + 1);
    CHECK(d->text[1000] == '"' && d->text[1001] == 'x' && d->text[300 * 1024 - 1] == '\n');
    CHECK_EQ_INT(qr_reader_next(r, d, &err), 1);
    CHECK_EQ_STR(d->text, "end");
    CHECK_EQ_INT(d->source_line, 4);
    CHECK_EQ_INT(qr_reader_next(r, d, &err), 0);
    qr_reader_free(r);
    free(buf);
}

static void test_path_clean(qr_doc *d)
{
    static const char *const cases[][2] = {
        { "pipelines/../samples/news/a.txt", "samples/news/a.txt" },
        { "./a//b/./c/", "a/b/c" }, { "../x/../../y", "../../y" }, { "/../a/..", "/" },
        { "a/..", "." }, { "", "." }, { "/a/b/../../c", "/c" }, { "-", "-" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *c = qr_path_clean(cases[i][0]);
        CHECK_EQ_STR(c, cases[i][1]);
        free(c);
    }
    /* ids use the cleaned path; the file is opened as given */
    qr_error err;
    char path[600];
    snprintf(path, sizeof path, "%s/docs/sub/.././b.txt", tmp);
    qr_reader *r = open1(QR_INPUT_TEXT, path, &err);
    char want[600];
    snprintf(want, sizeof want, "%s|Bee", at("docs/b.txt"));
    CHECK_EQ_STR(next_str(r, d), want);
    CHECK_EQ_STR(d->source_file, at("docs/b.txt"));
    CHECK_EQ_STR(qr_reader_file(r, 0), at("docs/b.txt"));
    qr_reader_free(r);
}

static void test_encoding(qr_doc *d)
{
    qr_error err;
    qr_input_opts o;
    qr_input_opts_init(&o);
    o.format = QR_INPUT_CSV;
    CHECK_EQ_INT(qr_input_opts_set(&o, "encoding", "cp1252", &err), 0);
    WRITE("w.csv", "id,text,caf\xE9\n1,\"\x93" "Caf\xE9\x94, na\xEFve \x81\",cr\xE8me\n");
    const char *p[1] = { at("w.csv") };
    qr_reader *r = qr_reader_new(&o, p, 1, &err);
    CHECK(r != NULL);
    CHECK_EQ_STR(next_str(r, d), "1|\xE2\x80\x9C" "Caf\xC3\xA9\xE2\x80\x9D, na\xC3\xAFve \xEF\xBF\xBD");
    CHECK_EQ_INT(d->n_repaired, 1);
    char *meta = d->meta ? json_dumps(d->meta, JSON_COMPACT) : NULL;
    CHECK_EQ_STR(meta, "{\"caf\xC3\xA9\":\"cr\xC3\xA8me\"}");
    free(meta);
    qr_reader_free(r);

    o.format = QR_INPUT_JSONL;
    qr_input_opts_set(&o, "encoding", "latin1", &err);
    WRITE("l1.jsonl", "{\"id\":\"\xE9t\xE9\",\"text\":\"Z\xFCrich\"}\n");
    p[0] = at("l1.jsonl");
    r = qr_reader_new(&o, p, 1, &err);
    CHECK_EQ_STR(next_str(r, d), "\xC3\xA9t\xC3\xA9|Z\xC3\xBCrich");
    CHECK_EQ_INT(d->n_repaired, 0);
    qr_reader_free(r);

    /* refused when set (so `quarry check` reports it at its line), and by
     * the reader when the field is filled in directly */
    CHECK_EQ_INT(qr_input_opts_set(&o, "encoding", "klingon", &err), -1);
    CHECK_EQ_STR(err.message, "unknown input.encoding 'klingon' (see `iconv -l`; e.g. latin1, "
                              "cp1252, iso-8859-15)");
    CHECK_EQ_STR(o.encoding, "latin1");
    o.encoding = "klingon";
    CHECK(qr_reader_new(&o, p, 1, &err) == NULL);
    CHECK_EQ_STR(err.message, "unknown input.encoding 'klingon' (see `iconv -l`; e.g. latin1, "
                              "cp1252, iso-8859-15)");
    CHECK_EQ_INT(qr_input_opts_set(&o, "encoding", "UTF-16", &err), -1);
    CHECK_EQ_STR(err.message, "input.encoding 'UTF-16' is not ASCII-compatible; convert the files "
                              "to UTF-8 first (iconv -f UTF-16 -t UTF-8)");
    o.encoding = "UTF-16";
    CHECK(qr_reader_new(&o, p, 1, &err) == NULL);
    CHECK_EQ_STR(err.message, "input.encoding 'UTF-16' is not ASCII-compatible; convert the files "
                              "to UTF-8 first (iconv -f UTF-16 -t UTF-8)");
    qr_input_opts_set(&o, "encoding", "UTF-8", &err);
    r = qr_reader_new(&o, p, 1, &err);
    CHECK_EQ_STR(next_str(r, d), "\xEF\xBF\xBDt\xEF\xBF\xBD|Z\xEF\xBF\xBDrich");
    qr_reader_free(r);
}

static void test_defs(void)
{
    size_t n = 0;
    int has_paths = 0;
    for (; qr_input_option_defs[n].name; n++)
        has_paths |= strcmp(qr_input_option_defs[n].name, "paths") == 0;
    CHECK_EQ_INT(n, 8);
    CHECK(has_paths);
    CHECK_EQ_STR(qr_input_option_defs[0].name, "format");
    CHECK_EQ_STR(qr_input_option_defs[0].choices, "text|lines|jsonl|csv|tsv");
    CHECK_EQ_STR(qr_input_format_name(QR_INPUT_TSV), "tsv");
    CHECK_EQ_STR(qr_input_format_name(QR_INPUT_CSV), "csv");
}

/* The simdjson fast path and the jansson path read records alike: escapes,
 * surrogate pairs, repair, duplicates, meta of every type, exact numbers;
 * lines a lenient parser would accept but JSON does not still fail with jansson's
 * message. */
/* The next record is `want` (as next_str writes it) with `meta` (compact JSON). */
static void next_meta(qr_reader *r, qr_doc *d, const char *want, const char *meta)
{
    CHECK_EQ_STR(next_str(r, d), want);
    char *m = d->meta ? json_dumps(d->meta, JSON_COMPACT) : NULL;
    CHECK_EQ_STR(m ? m : "(none)", meta);
    free(m);
}

static void test_jsonl_fast(qr_doc *d)
{
    WRITE("f.jsonl",
          "{\"id\":\"u1\",\"text\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" a\\\\b\\/\\t.\"}\n"
          "{\"id\":\"u2\",\"text\":\"\xC3\xA9 \xE2\x82 \xF0\x9F\x98\x80\"}\r\n"
          "{\"text\":\"first\",\"id\":\"u3\",\"text\":\"second\"}\n"
          "{\"id\":null,\"text\":\"m\",\"tags\":[\"a\",true,null,{\"k\":false}],\"o\":{\"x\":\"y\"},"
          "\"e\":{},\"z\":\"\\u00fc\",\"e\":[]}\n"
          "{\"id\":\"n1\",\"text\":\"n\",\"r\":1.0,\"big\":9007199254740993,\"l\":[1,2.5e3]}\n"
          "{\"id\":\"t\",\"text\":\"raw\ttab\"}\n"
          "{\"id\":\"g\",\"text\":\"x\"} junk\n"
          "{\"id\":\"s\",\"text\":\"lone \\udc00\"}\n"
          "{\"id\":\"w\",\"text\":\"x\"}  \t\n"
          "{\"id\":\"k\",\"text\":\"x\",\"n\":01}\n"
          "{\"id\":\"last\",\"text\":\"end\"}\n");
    qr_error err;
    qr_reader *r = open1(QR_INPUT_JSONL, at("f.jsonl"), &err);
    const char *f = at("f.jsonl");
    char want[800];
    char *meta;
    CHECK_EQ_STR(next_str(r, d), "u1|caf\xC3\xA9 \xF0\x9F\x98\x80 \"q\" a\\b/\t.");
    CHECK(d->meta == NULL);
    CHECK_EQ_STR(next_str(r, d), "u2|\xC3\xA9 \xEF\xBF\xBD \xF0\x9F\x98\x80");
    CHECK_EQ_INT(d->n_repaired, 1);
    CHECK_EQ_STR(next_str(r, d), "u3|second");
    CHECK(d->meta == NULL);
    snprintf(want, sizeof want, "%s:4|m", f);
    CHECK_EQ_STR(next_str(r, d), want);
    meta = d->meta ? json_dumps(d->meta, JSON_COMPACT) : NULL;
    CHECK_EQ_STR(meta, "{\"tags\":[\"a\",true,null,{\"k\":false}],\"o\":{\"x\":\"y\"},\"e\":[],"
                       "\"z\":\"\xC3\xBC\"}");
    free(meta);
    CHECK_EQ_STR(next_str(r, d), "n1|n");
    meta = d->meta ? json_dumps(d->meta, JSON_COMPACT) : NULL;
    CHECK_EQ_STR(meta, "{\"r\":1.0,\"big\":9007199254740993,\"l\":[1,2500.0]}");
    free(meta);
    snprintf(want, sizeof want, "ERR -1 %s:6:21: invalid JSON: control character 0x9 near "
             "'\"raw'", f);
    CHECK_EQ_STR(next_str(r, d), want);
    snprintf(want, sizeof want, "ERR -1 %s:7:26: invalid JSON: end of file expected near "
             "'junk'", f);
    CHECK_EQ_STR(next_str(r, d), want);
    snprintf(want, sizeof want, "ERR -1 %s:8:30: invalid JSON: invalid Unicode '\\uDC00' "
             "near '\"lone \\udc00\"'", f);
    CHECK_EQ_STR(next_str(r, d), want);
    CHECK_EQ_STR(next_str(r, d), "w|x");
    snprintf(want, sizeof want, "ERR -1 %s:10:26: invalid JSON: invalid token near '0'", f);
    CHECK_EQ_STR(next_str(r, d), want);
    CHECK_EQ_STR(next_str(r, d), "last|end");
    CHECK_EQ_STR(next_str(r, d), "END");
    qr_reader_free(r);

    /* numbers: each read by jansson from its own characters, in order, past
     * strings holding digits, quotes and backslashes */
    WRITE("n.jsonl",
          "{\"a\":-3,\"text\":\"12 \\\"34\\\" 5\\\\\",\"id\":7,\"b\":[1e2,{\"c\":-0.5}],\"d\":\"9\"}\n"
          "{\"id\":1.5,\"text\":\"r\",\"big\":-9223372036854775807}\n"
          "{\"id\":1,\"text\":\"t\",\"id\":\"s2\",\"n\":3}\n"
          "{\"id\":true,\"text\":\"t\"}\n"
          "{\"id\":\"x\",\"text\":\"t\",\"n\":1.}\n"
          "{\"id\":\"y\",\"text\":\"t\",\"n\":99999999999999999999}\n"
          "{\"id\":\"z\",\"text\":\"t\",\"n\":1e999}\n");
    r = open1(QR_INPUT_JSONL, at("n.jsonl"), &err);
    f = at("n.jsonl");
    next_meta(r, d, "7|12 \"34\" 5\\", "{\"a\":-3,\"b\":[100.0,{\"c\":-0.5}],\"d\":\"9\"}");
    next_meta(r, d, "1.5|r", "{\"big\":-9223372036854775807}");
    next_meta(r, d, "s2|t", "{\"n\":3}");
    snprintf(want, sizeof want, "ERR -1 %s:4: field \"id\" is a boolean; an id must be a "
             "string or a number (set input.id_field to use another field)", f);
    CHECK_EQ_STR(next_str(r, d), want);
    snprintf(want, sizeof want, "ERR -1 %s:5:27: invalid JSON: invalid token near '1.'", f);
    CHECK_EQ_STR(next_str(r, d), want);
    /* beyond what jansson holds: kept as the number's characters (these
     * made the record malformed: a 20-digit tweet id, say) */
    next_meta(r, d, "y|t", "{\"n\":\"99999999999999999999\"}");
    next_meta(r, d, "z|t", "{\"n\":\"1e999\"}");
    CHECK_EQ_STR(next_str(r, d), "END");
    qr_reader_free(r);
}

/* The simdjson path itself: what it takes (and gives exactly), and what it
 * leaves to jansson (-1, no reference kept). */
static int fast1(qr_jsonl_fast *p, const char *line, qr_jsonl_record *rec)
{
    /* each line twice: copied, and in place with zeroed padding after it;
     * both readings must agree (text compared, references dropped) */
    size_t n = strlen(line);
    char *pad = calloc(1, n + QR_JSONL_PADDING);
    memcpy(pad, line, n);
    qr_jsonl_record in_place;
    int rc2 = qr_jsonl_fast_parse(p, pad, n, 1, "text", "id", &in_place);
    size_t n2 = rc2 == 0 ? in_place.text_len : 0;
    char *t2 = malloc(n2 + 1);
    if (t2 && n2)
        memcpy(t2, in_place.text, n2);
    json_decref(in_place.id);
    json_decref(in_place.meta);
    free(pad);
    int rc = qr_jsonl_fast_parse(p, line, n, 0, "text", "id", rec);
    CHECK_EQ_INT(rc2, rc);
    if (rc == 0)
        CHECK(t2 && rec->text_len == n2 && memcmp(rec->text, t2, n2) == 0);
    free(t2);
    return rc;
}

static char *dump(json_t *j)
{
    return j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static void test_jsonl_fast_direct(void)
{
    qr_jsonl_fast *p = qr_jsonl_fast_new();
    qr_jsonl_record rec;
    char *m;
    CHECK(p != NULL);
    CHECK_EQ_INT(fast1(p, "{\"id\":\"a\",\"text\":\"x\\\"y\\n\\u00e9\\ud83d\\ude00\"}", &rec), 0);
    CHECK_EQ_MEM(rec.text, rec.text_len, "x\"y\n\xC3\xA9\xF0\x9F\x98\x80");
    m = dump(rec.id);
    CHECK_EQ_STR(m, "\"a\"");
    free(m);
    CHECK(rec.meta == NULL);
    json_decref(rec.id);
    /* meta of every type, numbers exact, duplicates: the last wins */
    CHECK_EQ_INT(fast1(p, "{\"text\":\"1\",\"id\":7,\"k\\u00fc\":[1,2.5e3,-0,true,null,{}],"
                          "\"big\":9007199254740993,\"o\":{\"x\":{\"y\":[]}},\"k\\u00fc\":false,"
                          "\"text\":\"2\",\"id\":\"s\"}  ", &rec), 0);
    CHECK_EQ_MEM(rec.text, rec.text_len, "2");
    m = dump(rec.id);
    CHECK_EQ_STR(m, "\"s\"");
    free(m);
    m = dump(rec.meta);
    CHECK_EQ_STR(m, "{\"k\xC3\xBC\":false,\"big\":9007199254740993,\"o\":{\"x\":{\"y\":[]}}}");
    free(m);
    json_decref(rec.id);
    json_decref(rec.meta);
    CHECK_EQ_INT(fast1(p, "{\"text\":\"\",\"r\":[1.0,-2,1e2]}", &rec), 0);
    CHECK_EQ_INT(rec.text_len, 0);
    m = dump(rec.meta);
    CHECK_EQ_STR(m, "{\"r\":[1.0,-2,100.0]}");
    free(m);
    json_decref(rec.meta);
    /* \u0000 in a string is kept (as jansson does with JSON_ALLOW_NUL); a
     * tab between tokens is white space */
    CHECK_EQ_INT(fast1(p, "{\"text\":\t\"a\\u0000b\",\"m\":\"\\u0000\"}", &rec), 0);
    CHECK_EQ_INT(rec.text_len, 3);
    CHECK(rec.text_len == 3 && memcmp(rec.text, "a\0b", 3) == 0);
    CHECK(rec.meta && json_string_length(json_object_get(rec.meta, "m")) == 1);
    json_decref(rec.meta);
    /* a number jansson cannot hold, in the JSON grammar: its characters, as a string */
    CHECK_EQ_INT(fast1(p, "{\"text\":\"x\",\"n\":99999999999999999999,\"r\":-1.5e999 }", &rec), 0);
    m = dump(rec.meta);
    CHECK_EQ_STR(m, "{\"n\":\"99999999999999999999\",\"r\":\"-1.5e999\"}");
    free(m);
    json_decref(rec.meta);
    /* left to jansson */
    static const char *const bad[] = {
        "{\"text\":\"raw\ttab\"}", "{\"text\":\"a\x01\"}", "{\"text\":\x01\"a\"}",
        "{\"text\":\"a\",\x01\"b\":1}", "{\"te\\u0000xt\":\"a\"}", "{\"text\":\"a\",\"o\":{\"k\\u0000\":1}}",
        "{\"id\":\"g\",\"text\":\"x\"} junk", "{\"text\":\"x\",\"n\":01}",
        "{\"text\":\"x\",\"n\":1.}", "{\"text\":\"x\",\"n\":-01}", "{\"text\":\"x\",\"n\":1e}",
        "{\"text\":\"lone \\udc00\"}", "{\"text\":\"lone \\ud800 x\"}", "{\"text\":7}",
        "{\"id\":\"x\"}", "[\"text\"]", "{\"text\":\"x\",}", "{\"text\":\"x\"", "{\"text\":tru}",
        "{\"text\":\"x\",\"a\":[1,]}", "{\"text\":\"x\",\"a\":nul}", "{\"text\":\"x\" \"y\":1}",
        "{\"text\":\"bad \\q escape\"}", "{\"id\":[1,2],\"text\":\"x\",\"id\":{\"a\":01}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rec.id = json_true();   /* cleared on failure */
        int rc = fast1(p, bad[i], &rec);
        if (rc != -1 || rec.id || rec.meta)
            fprintf(stderr, "fast path took: %s\n", bad[i]);
        CHECK_EQ_INT(rc, -1);
        CHECK(rec.id == NULL && rec.meta == NULL && rec.text == NULL);
    }
    /* a long record after short ones: the padded buffer grows */
    size_t n = 300000;
    char *big = malloc(n + 32);
    memcpy(big, "{\"text\":\"", 9);
    memset(big + 9, 'w', n);
    memcpy(big + 9 + n, "\"}", 3);
    CHECK_EQ_INT(qr_jsonl_fast_parse(p, big, n + 11, 0, "text", "id", &rec), 0);
    CHECK_EQ_INT(rec.text_len, n);
    CHECK(rec.text_len == n && rec.text[0] == 'w' && rec.text[n - 1] == 'w');
    free(big);
    qr_jsonl_fast_free(p);
    qr_jsonl_fast_free(NULL);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/quarry-test-io-XXXXXX");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    qr_doc *d = qr_doc_new();
    test_repair();
    test_text_dir(d);
    test_empty_dir(d);
    test_glob(d);
    test_lines(d);
    test_jsonl(d);
    test_jsonl_fast(d);
    test_jsonl_fast_direct();
    test_csv(d);
    test_gz(d);
    test_stdin(d);
    test_long_records(d);
    test_path_clean(d);
    test_encoding(d);
    test_defs();
    qr_doc_free(d);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
    return DONE("io");
}
