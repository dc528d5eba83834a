/*
 * quarry sentences [--format lines|jsonl] [FILE…]
 *
 * Splits each input (FILE, or stdin when none or "-") into sentences.
 *   lines  one sentence per line; runs of whitespace (newlines included)
 *          become one space
 *   jsonl  one line per input: {"id":FILE,"sentences":[{"start":S,"end":E,
 *          "text":T}…]}, 0-based byte offsets, end exclusive; invalid UTF-8
 *          in `text` is shown as U+FFFD (offsets still count the raw bytes)
 */
#include "cli.h"
#include "error.h"
#include "grow.h"
#include "sentences.h"
#include "utf8.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum { FMT_LINES, FMT_JSONL };

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static int buf_reserve(buf *b, size_t extra)
{
    return qr_grow(&b->p, &b->cap, b->len + extra, 65536);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: quarry sentences [--format lines|jsonl] [FILE...]\n\n"
               "Splits text into sentences (rules: docs/sentences.md). Reads each FILE,\n"
               "or standard input when there is none or FILE is '-'.\n\n"
               "Options:\n"
               "  --format lines  one sentence per line, inner whitespace as single spaces\n"
               "                  (default)\n"
               "  --format jsonl  one JSON line per input:\n"
               "                  {\"id\":FILE,\"sentences\":[{\"start\":S,\"end\":E,\"text\":T},...]}\n"
               "                  with 0-based byte offsets, end exclusive\n"
               "  -h, --help      show this help\n"
               "\n"
               "Exit status: 0 success, 2 usage error or unreadable input.\n");
}

/* Reads all of f into b (replacing its contents). Returns 0 or errno. */
static int read_all(FILE *f, buf *b)
{
    b->len = 0;
    for (;;) {
        if (buf_reserve(b, 65536) != 0)
            return ENOMEM;
        size_t n = fread(b->p + b->len, 1, b->cap - b->len, f);
        b->len += n;
        if (n == 0) {
            if (ferror(f))
                return errno ? errno : EIO;
            return 0;
        }
    }
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void print_lines(const char *text, const qr_sentences *s, FILE *out)
{
    for (size_t i = 0; i < s->n; i++) {
        const char *p = text + s->v[i].start, *end = text + s->v[i].end;
        while (p < end) {
            const char *q = p;
            while (q < end && !is_space(*q))
                q++;
            if (q > p)
                fwrite(p, 1, (size_t)(q - p), out);
            if (q == end)
                break;
            while (q < end && is_space(*q))
                q++;
            fputc(' ', out);
            p = q;
        }
        fputc('\n', out);
    }
}

/* A JSON string of text[0..n); invalid UTF-8 bytes become U+FFFD. */
static json_t *json_text(const char *text, size_t n, buf *scratch)
{
    json_t *j = json_stringn(text, n);
    if (j)
        return j;
    scratch->len = 0;
    if (buf_reserve(scratch, n * 3 + 1) != 0)
        return NULL;
    scratch->len = qr_utf8_replace_bad(text, n, scratch->p);
    return json_stringn(scratch->p, scratch->len);
}

static int print_json(FILE *out, json_t *j)
{
    int rc = j ? json_dumpf(j, out, JSON_COMPACT | JSON_ENCODE_ANY) : -1;
    json_decref(j);
    return rc;
}

static int print_jsonl(const char *id, const char *text, const qr_sentences *s, FILE *out,
                       buf *scratch)
{
    fputs("{\"id\":", out);
    if (print_json(out, json_text(id, strlen(id), scratch)) != 0)
        return -1;
    fputs(",\"sentences\":[", out);
    for (size_t i = 0; i < s->n; i++) {
        const qr_sentence *v = &s->v[i];
        json_t *o = json_object();
        if (!o)
            return -1;
        json_object_set_new(o, "start", json_integer(v->start));
        json_object_set_new(o, "end", json_integer(v->end));
        json_object_set_new(o, "text", json_text(text + v->start, v->end - v->start, scratch));
        if (i)
            fputc(',', out);
        if (print_json(out, o) != 0)
            return -1;
    }
    fputs("]}\n", out);
    return 0;
}

int cmd_sentences(int argc, char **argv)
{
    int format = FMT_LINES, i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        if (cli_is_help(a)) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == 0)
            break;
        if (strncmp(a, "--format=", 9) == 0) {
            val = a + 9;
        } else if (strcmp(a, "--format") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("sentences", "--format needs a value: lines or jsonl");
            val = argv[++i];
        } else {
            return cli_unknown_option("sentences", a, (const char *const[]){"--format", "--help", NULL});
        }
        if (strcmp(val, "lines") == 0)
            format = FMT_LINES;
        else if (strcmp(val, "jsonl") == 0)
            format = FMT_JSONL;
        else
            return cli_usage_error("sentences", "unknown format '%s'; use lines or jsonl", val);
    }

    static char *const stdin_only[] = {"-"};
    char *const *files = i < argc ? argv + i : stdin_only;
    int nfiles = i < argc ? argc - i : 1;

    buf text = {0}, scratch = {0};
    qr_tokens toks;
    qr_sentences sents;
    qr_error err;
    qr_tokens_init(&toks);
    qr_sentences_init(&sents);
    int status = 0;
    for (int k = 0; k < nfiles && status == 0; k++) {
        const char *name = files[k];
        int is_stdin = strcmp(name, "-") == 0;
        FILE *f = is_stdin ? stdin : fopen(name, "rb");
        int e = f ? read_all(f, &text) : errno;
        if (f && !is_stdin)
            fclose(f);
        if (e) {
            status = cli_usage_error("sentences", "cannot read '%s': %s", name, strerror(e));
            break;
        }
        if (buf_reserve(&text, 1) != 0) {
            status = cli_usage_error("sentences", "%s: out of memory", name);
            break;
        }
        text.p[text.len] = 0;
        if (qr_tokenize(text.p, text.len, &toks, &err) != 0
            || qr_sentences_split(text.p, text.len, &toks, &sents, &err) != 0) {
            status = cli_usage_error("sentences", "%s: %s", name, err.message);
            break;
        }
        if (format == FMT_LINES)
            print_lines(text.p, &sents, stdout);
        else if (print_jsonl(name, text.p, &sents, stdout, &scratch) != 0)
            status = cli_usage_error("sentences", "%s: out of memory writing JSON", name);
    }
    free(text.p);
    free(scratch.p);
    qr_tokens_free(&toks);
    qr_sentences_free(&sents);
    if (fflush(stdout) != 0 && status == 0)
        status = cli_usage_error("sentences", "cannot write the output: %s", strerror(errno));
    return status;
}
