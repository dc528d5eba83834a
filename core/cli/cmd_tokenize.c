/* quarry tokenize — print the tokens of files (or stdin) as TSV, JSONL or counts. */
#include "cli.h"
#include "cli_input.h"
#include "cli_num.h"
#include "json_out.h"
#include "tokenize.h"
#include "utf8.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { FMT_TSV, FMT_JSONL, FMT_COUNT };

/* Inputs are read in chunks cut after a line break: no token spans a line
 * break, so tokens come out the same as for the whole text, offsets shifted
 * by the chunk's base. Small chunks keep the token and key buffers in
 * cache and memory bounded for files of any size. */
#define CHUNK (256u << 10)

static const char usage_text[] =
    "usage: quarry tokenize [--format tsv|jsonl|count] [--offsets bytes|chars] [FILE...]\n"
    "\n"
    "Splits each FILE (stdin when none is given, or for '-') into tokens.\n"
    "\n"
    "Formats:\n"
    "  tsv    (default) one token per line: start<TAB>end<TAB>kind<TAB>text;\n"
    "         offsets are 0-based, end exclusive; in text, tab, newline, CR and\n"
    "         backslash are written \\t \\n \\r \\\\ and NUL as \\0\n"
    "  jsonl  one line per input: {\"id\":FILE,\"tokens\":[{\"start\",\"end\",\"kind\",\n"
    "         \"text\",\"key\"}...]}; invalid UTF-8 in text is written as U+FFFD\n"
    "  count  one line per input: FILE<TAB>number of tokens\n"
    "\n"
    "Options:\n"
    "  --format F     tsv, jsonl or count\n"
    "  --offsets O    bytes (default) or chars (code points; an invalid byte\n"
    "                 counts as one) for tsv and jsonl\n"
    "  -h, --help     this text\n"
    "\n"
    "Kinds: word number punct symbol url email hashtag mention emoji cjk.\n"
    "Keys are NFKC + case-folded. See docs/tokenizer.md for the rules.\n"
    "Exit status: 0 success, 2 usage error or unreadable input.\n";

/* {==================================================================
 * Buffered stdout
 * =================================================================== */
typedef struct outbuf {
    char buf[1 << 18];
    size_t n;
} outbuf;

static void out_flush(outbuf *o)
{
    if (o->n)
        fwrite(o->buf, 1, o->n, stdout);
    o->n = 0;
}

static void out_mem(outbuf *o, const char *p, size_t n)
{
    if (o->n + n > sizeof o->buf) {
        out_flush(o);
        if (n > sizeof o->buf) {
            fwrite(p, 1, n, stdout);
            return;
        }
    }
    memcpy(o->buf + o->n, p, n);
    o->n += n;
}

static void out_char(outbuf *o, char c)
{
    if (o->n == sizeof o->buf)
        out_flush(o);
    o->buf[o->n++] = c;
}

static void out_uint(outbuf *o, uint64_t v)
{
    char tmp[20];
    out_mem(o, tmp, (size_t)(cli_put_uint(tmp, v) - tmp));
}

/* Writes the escaped token text at p (room for 2 * n bytes). */
static char *put_tsv_text(char *p, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        switch (c) {
        case '\t': *p++ = '\\'; *p++ = 't'; break;
        case '\n': *p++ = '\\'; *p++ = 'n'; break;
        case '\r': *p++ = '\\'; *p++ = 'r'; break;
        case '\\': *p++ = '\\'; *p++ = '\\'; break;
        case '\0': *p++ = '\\'; *p++ = '0'; break;
        default: *p++ = c; break;
        }
    }
    return p;
}

static void out_tsv_text(outbuf *o, const char *p, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = NULL;
        switch (p[i]) {
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\\': esc = "\\\\"; break;
        case '\0': esc = "\\0"; break;
        default: continue;
        }
        out_mem(o, p + run, i - run);
        out_mem(o, esc, 2);
        run = i + 1;
    }
    out_mem(o, p + run, n - run);
}

static void out_json(outbuf *o, json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s) {
        out_mem(o, s, strlen(s));
        free(s);
    }
}

/* }================================================================== */

typedef struct run_state {
    int format;
    int chars;          /* code-point offsets                        */
    outbuf out;
    qr_tokens toks;
} run_state;

/* Appends p[0..n) as a JSON string, quotes included, escaped by json_out a
 * piece at a time (a byte that starts no well-formed UTF-8 sequence
 * becomes U+FFFD, one per byte, as in every other JSON quarry writes). */
static void out_json_string(outbuf *o, const char *p, size_t n)
{
    out_char(o, '"');
    while (n) {
        if (sizeof o->buf - o->n < 64)
            out_flush(o);
        size_t k = qr_json_piece(p, n, (sizeof o->buf - o->n) / 6);
        o->n += qr_json_escape(o->buf + o->n, p, k, NULL);
        p += k;
        n -= k;
    }
    out_char(o, '"');
}

/* Code points in p[0..n): every byte that is not a continuation byte. */
static uint64_t count_chars(const char *p, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)p[i] & 0xC0) != 0x80;
    return c;
}

/* Emits the tokens of one chunk whose first byte is at `base` (bytes) and
 * `cbase` (code points) in the input; adds their number to *count.
 * Returns 0 or 2. */
static int emit_chunk(run_state *st, const char *text, size_t len, uint64_t base,
                      uint64_t cbase, uint64_t *count, int *first, const char *name)
{
    qr_error err;
    qr_tokens *t = &st->toks;
    if (qr_tokenize(text, len, t, &err) != 0)
        return cli_usage_error("tokenize", "%s: %s", name, err.message);
    *count += t->n;
    if (st->format == FMT_COUNT)
        return 0;
    outbuf *o = &st->out;
    size_t at = 0;
    uint64_t cat = cbase;
    for (size_t i = 0; i < t->n; i++) {
        const qr_token *k = &t->v[i];
        uint64_t s = base + k->start, e = base + k->end;
        if (st->chars) {
            cat += count_chars(text + at, k->start - at);
            s = cat;
            e = cat + count_chars(text + k->start, k->end - k->start);
            at = k->start;
        }
        const char *kind = qr_token_kind_name(k->kind);
        if (st->format == FMT_TSV) {
            size_t tl = k->end - k->start, need = 2 * 20 + 3 + 8 + 2 * tl + 1;
            if (o->n + need > sizeof o->buf)
                out_flush(o);
            if (need > sizeof o->buf) {     /* a huge token: the careful way */
                out_uint(o, s);
                out_char(o, '\t');
                out_uint(o, e);
                out_char(o, '\t');
                out_mem(o, kind, strlen(kind));
                out_char(o, '\t');
                out_tsv_text(o, text + k->start, tl);
                out_char(o, '\n');
                continue;
            }
            char *p = o->buf + o->n;
            p = cli_put_uint(p, s);
            *p++ = '\t';
            p = cli_put_uint(p, e);
            *p++ = '\t';
            while (*kind)
                *p++ = *kind++;
            *p++ = '\t';
            p = put_tsv_text(p, text + k->start, tl);
            *p++ = '\n';
            o->n = (size_t)(p - o->buf);
            continue;
        }
        const char *tx = text + k->start;
        size_t tn = k->end - k->start;
        if (o->n + 80 > sizeof o->buf)
            out_flush(o);
        char *p = o->buf + o->n;
        if (!*first)
            *p++ = ',';
        *first = 0;
        memcpy(p, "{\"start\":", 9);
        p = cli_put_uint(p + 9, s);
        memcpy(p, ",\"end\":", 7);
        p = cli_put_uint(p + 7, e);
        memcpy(p, ",\"kind\":\"", 9);
        p += 9;
        while (*kind)
            *p++ = *kind++;
        memcpy(p, "\",\"text\":", 9);
        o->n = (size_t)(p + 9 - o->buf);
        out_json_string(o, tx, tn);
        out_mem(o, ",\"key\":", 7);
        out_json_string(o, qr_token_key(t, i), k->key_len);
        out_char(o, '}');
    }
    return 0;
}

/* Tokenizes one input (path, or stdin for "-"). Returns 0 or 2. */
static int run_input(run_state *st, const char *path, char **bufp, size_t *capp)
{
    const char *name = path;
    struct stat sb;
    int fd = cli_input_open("tokenize", path, &sb);
    if (fd < 0)
        return 2;
    outbuf *o = &st->out;
    if (st->format == FMT_JSONL) {
        json_t *id = json_string(name);
        out_mem(o, "{\"id\":", 6);
        if (id)
            out_json(o, id);
        else
            out_mem(o, "null", 4);
        json_decref(id);
        out_mem(o, ",\"tokens\":[", 11);
    }
    char *buf = *bufp;
    size_t cap = *capp, have = 0;
    uint64_t base = 0, cbase = 0, count = 0;
    int first = 1, eof = 0, rc = 0;
    /* a regular file is mapped and tokenized in place, chunk by chunk */
    void *map = MAP_FAILED;
    size_t size = (size_t)sb.st_size;
    if (S_ISREG(sb.st_mode) && sb.st_size > 0 && (off_t)size == sb.st_size)
        map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED) {
        const char *text = map;
        madvise(map, size, MADV_SEQUENTIAL);
        while (base < size) {
            size_t end = size - base > CHUNK ? (size_t)base + CHUNK : size;
            if (end < size) {
                const char *nl = memrchr(text + base, '\n', end - base);
                if (!nl)
                    nl = memchr(text + end, '\n', size - end);
                end = nl ? (size_t)(nl - text) + 1 : size;
            }
            size_t n = end - (size_t)base;
            if ((rc = emit_chunk(st, text + base, n, base, cbase, &count, &first, name)) != 0)
                break;
            if (st->chars && st->format != FMT_COUNT)
                cbase += count_chars(text + base, n);
            /* drop the pages done with, so resident memory stays one chunk */
            size_t page = 4096, done = end & ~(page - 1);
            size_t from = (size_t)base & ~(page - 1);
            if (done > from)
                madvise((char *)map + from, done - from, MADV_DONTNEED);
            base = end;
        }
        munmap(map, size);
        eof = 1;
    }
    while (!eof) {
        ssize_t r = cli_input_read("tokenize", path, fd, &buf, &cap, have, CHUNK);
        if (r < 0) {
            rc = 2;
            break;
        }
        if (r == 0)
            eof = 1;
        have += (size_t)r;
        size_t cut = have;
        if (!eof) {
            if (have < cap)
                continue;
            while (cut > 0 && buf[cut - 1] != '\n')
                cut--;
            if (cut == 0)
                continue;       /* one long line: read on */
        }
        if ((rc = emit_chunk(st, buf, cut, base, cbase, &count, &first, name)) != 0)
            break;
        if (st->chars && st->format != FMT_COUNT)
            cbase += count_chars(buf, cut);
        base += cut;
        memmove(buf, buf + cut, have - cut);
        have -= cut;
    }
    cli_input_close(fd, path);
    *bufp = buf;
    *capp = cap;
    if (rc)
        return rc;
    if (st->format == FMT_JSONL) {
        out_mem(o, "]}\n", 3);
    } else if (st->format == FMT_COUNT) {
        out_mem(o, name, strlen(name));
        out_char(o, '\t');
        out_uint(o, count);
        out_char(o, '\n');
    }
    return 0;
}

int cmd_tokenize(int argc, char **argv)
{
    run_state st;
    memset(&st, 0, sizeof st);
    st.format = FMT_TSV;
    int nfiles = 0, i;
    char **files = calloc((size_t)argc + 1, sizeof *files);
    if (!files)
        return cli_usage_error("tokenize", "out of memory");
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (cli_is_help(a)) {
            fputs(usage_text, stdout);
            free(files);
            return 0;
        }
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++)
                files[nfiles++] = argv[i];
            break;
        }
        if (strncmp(a, "--format", 8) == 0 || strncmp(a, "--offsets", 9) == 0) {
            int is_fmt = a[2] == 'f';
            size_t n = is_fmt ? 8 : 9;
            if (a[n] == '=')
                val = a + n + 1;
            else if (a[n] == '\0' && i + 1 < argc)
                val = argv[++i];
            else if (a[n] == '\0') {
                free(files);
                return cli_usage_error("tokenize", "option '%s' needs a value; run "
                                       "'quarry tokenize --help'", a);
            }
            if (val && is_fmt) {
                if (strcmp(val, "tsv") == 0)
                    st.format = FMT_TSV;
                else if (strcmp(val, "jsonl") == 0)
                    st.format = FMT_JSONL;
                else if (strcmp(val, "count") == 0)
                    st.format = FMT_COUNT;
                else {
                    free(files);
                    return cli_usage_error("tokenize", "unknown format '%s' (expected tsv, "
                                           "jsonl or count)", val);
                }
                continue;
            }
            if (val) {
                if (strcmp(val, "bytes") == 0 || strcmp(val, "chars") == 0) {
                    st.chars = val[0] == 'c';
                    continue;
                }
                free(files);
                return cli_usage_error("tokenize", "unknown offsets '%s' (expected bytes or "
                                       "chars)", val);
            }
        }
        if (a[0] == '-' && a[1] != '\0') {
            free(files);
            return cli_unknown_option("tokenize", a, (const char *const[]){"--format", "--offsets", "--help", NULL});
        }
        files[nfiles++] = argv[i];
    }
    if (nfiles == 0)
        files[nfiles++] = "-";
    qr_tokens_init(&st.toks);
    char *buf = NULL;
    size_t cap = 0;
    int rc = 0;
    for (i = 0; i < nfiles && rc == 0; i++) {
        rc = run_input(&st, files[i], &buf, &cap);
        out_flush(&st.out);
    }
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0)
        rc = cli_usage_error("tokenize", "cannot write the output: %s", strerror(errno));
    free(buf);
    free(files);
    qr_tokens_free(&st.toks);
    return rc;
}
