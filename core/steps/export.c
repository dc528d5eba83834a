/*
 * export — writes documents as JSONL, CSV or TSV (docs/formats.md).
 *
 * Runs on the ordered (writer) thread, so output follows input order for
 * any number of workers. A file output is written to "<path>.tmp-…" in the
 * same folder (folders created as needed) and renamed over <path> by
 * finish(); free() without finish() (a failed or interrupted run) removes
 * the temporary file, so a complete-looking file is always a complete one.
 * That file is written by a background writer (outfile.h), a megabyte at a
 * time, while the next documents are formatted. A path that exists as a
 * device, pipe or symbolic link is written in place, in step.
 * No fsync: the rename protects against the run being stopped, which is
 * what happens in practice; against the machine losing power it would
 * cost a wait for the whole file at the end of every run.
 *
 * The fixed keys of a JSONL line are written here rather than built as a
 * jansson tree per document: no allocation per entity, and one pass over
 * the text for code-point offsets (none when the text is ASCII). Strings
 * are escaped by json_out.c straight into room reserved for them. meta,
 * fields and attrs (jansson values) are written by the same writer, so
 * every number and string in a line is formatted the same way.
 */
#include "quarry_module.h"
#include "doc.h"
#include "error.h"
#include "grow.h"
#include "json_out.h"
#include "outfile.h"
#include "registry.h"
#include "utf8.h"
#include "opt_value.h"
#include "value.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { FMT_JSONL, FMT_CSV, FMT_TSV };

typedef struct obuf {
    char *p;
    size_t n, cap;
} obuf;

typedef struct export_state {
    int format;
    int checking;            /* quarry check: validate the path, open nothing */
    int cp_offsets;
    int include_text, include_meta, include_fields;
    int include_sentences, include_tokens;
    char **labels;           /* entity_labels: only these, or all    */
    size_t nlabels;
    int entities;            /* csv/tsv: a row per entity            */
    int header;
    char **columns;          /* csv/tsv documents: extra columns     */
    size_t ncolumns;
    char *path;              /* final path, NULL for stdout          */
    char *tmp;               /* temporary path while writing         */
    FILE *f;
    qr_bgwriter *bg;         /* writes f while the next chunk fills  */
    int bg_failed;           /* no thread: f is written here         */
    int write_here;          /* no thread wanted: no core for it (below) */
    int header_done;
    int finished;
    obuf out;
    obuf scratch;            /* a JSON cell before quoting           */
} export_state;

/* {==================================================================
 * Output buffer and JSON writing
 * =================================================================== */
#define OB_RESERVE(b, k) do { if ((b)->n + (k) > (b)->cap && qr_grow(&(b)->p, &(b)->cap, (b)->n + (k), 4096) != 0) \
                                     return -1; } while (0)

static inline int ob_add(obuf *b, const char *s, size_t n)
{
    OB_RESERVE(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
    return 0;
}

static int ob_str(obuf *b, const char *s)
{
    return ob_add(b, s, strlen(s));
}

#define OB_LIT(b, lit) ob_add((b), (lit), sizeof(lit) - 1)

/* Writers into room already reserved (OB_RESERVE once for a group of
 * them): no check and no call per key or number. */
static inline char *put(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

#define PUT_LIT(o, lit) put((o), (lit), sizeof(lit) - 1)

/* At most 20 digits, written from the last, two at a time, straight into
 * o: their number comes from the bit length (log10(2) ~ 1233/4096) and
 * one compare. No snprintf: two numbers per entity, ~700 instructions
 * each. */
static char *put_uint(char *o, uint64_t v)
{
    static const char pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    static const uint64_t pow10[20] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
        10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
        100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
    };
    if (v < 10) {
        *o = (char)('0' + v);
        return o + 1;
    }
    unsigned t = (unsigned)(64 - __builtin_clzll(v)) * 1233 >> 12;   /* 1..19 */
    char *end = o + t + (v >= pow10[t]), *q = end;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        q -= 2;
        memcpy(q, pairs + 2 * r, 2);
    }
    if (v >= 10)
        memcpy(q - 2, pairs + 2 * v, 2);
    else
        q[-1] = (char)('0' + v);
    return end;
}

/* A JSON integer (jansson's json_int_t, a long long). */
static int ob_int(obuf *b, long long v)
{
    OB_RESERVE(b, 21);
    char *o = b->p + b->n;
    uint64_t mag = (uint64_t)v;
    if (v < 0) {
        *o++ = '-';
        mag = 0 - mag;      /* also right for LLONG_MIN */
    }
    b->n = (size_t)(put_uint(o, mag) - b->p);
    return 0;
}

/* Shortest text that reads back as x; reals keep a '.' or an exponent. */
static int ob_double(obuf *b, double x)
{
    char t[40];
    if (!isfinite(x))
        return ob_str(b, "null");
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(t, sizeof t, "%.*g", prec, x);
        if (strtod(t, NULL) == x)
            break;
    }
    if (!strpbrk(t, ".eE"))
        n += snprintf(t + n, sizeof t - (size_t)n, ".0");
    return ob_add(b, t, (size_t)n);
}

/* Longest piece of a string escaped at once: the room reserved for it is
 * six times its length, which must stay small for a long text. */
#define JSON_PIECE ((size_t)1 << 16)

/* A string too long for one reservation, a piece at a time. */
static int ob_json_pieces(obuf *b, const char *str, size_t len, int *ascii)
{
    int all = 1;
    OB_RESERVE(b, 1);
    b->p[b->n++] = '"';
    while (len) {
        size_t k = qr_json_piece(str, len, JSON_PIECE);
        int a;
        OB_RESERVE(b, QR_JSON_ESCAPE_ROOM(k));
        b->n += qr_json_escape(b->p + b->n, str, k, &a);
        all &= a;
        str += k;
        len -= k;
    }
    if (ascii)
        *ascii = all;
    OB_RESERVE(b, 1);
    b->p[b->n++] = '"';
    return 0;
}

/* A JSON string (json_out.h: escapes, invalid UTF-8 as U+FFFD). *ascii,
 * when not NULL, is set to whether every byte of str is ASCII. */
static inline int ob_json_str_ascii(obuf *b, const char *str, size_t len, int *ascii)
{
    if (len > JSON_PIECE)
        return ob_json_pieces(b, str, len, ascii);
    OB_RESERVE(b, QR_JSON_ESCAPE_ROOM(len) + 2);
    char *o = b->p + b->n;
    *o++ = '"';
    o += qr_json_escape(o, str, len, ascii);
    *o++ = '"';
    b->n = (size_t)(o - b->p);
    return 0;
}

static inline int ob_json_str(obuf *b, const char *str, size_t len)
{
    return ob_json_str_ascii(b, str, len, NULL);
}

static int ob_json_value(obuf *b, const json_t *v, int depth)
{
    if (depth > 64)
        return ob_str(b, "null");
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        int first = 1;
        if (ob_add(b, "{", 1) != 0)
            return -1;
        json_object_foreach((json_t *)v, k, x) {
            if ((!first && ob_add(b, ",", 1) != 0) || ob_json_str(b, k, strlen(k)) != 0 ||
                ob_add(b, ":", 1) != 0 || ob_json_value(b, x, depth + 1) != 0)
                return -1;
            first = 0;
        }
        return ob_add(b, "}", 1);
    }
    case JSON_ARRAY: {
        if (ob_add(b, "[", 1) != 0)
            return -1;
        for (size_t i = 0; i < json_array_size(v); i++)
            if ((i && ob_add(b, ",", 1) != 0) || ob_json_value(b, json_array_get(v, i), depth + 1) != 0)
                return -1;
        return ob_add(b, "]", 1);
    }
    case JSON_STRING:
        return ob_json_str(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER: return ob_int(b, (long long)json_integer_value(v));
    case JSON_REAL: return ob_double(b, json_real_value(v));
    case JSON_TRUE: return ob_str(b, "true");
    case JSON_FALSE: return ob_str(b, "false");
    default: return ob_str(b, "null");
    }
}

/* }================================================================== */

/* Offsets of every span, in the export's unit, in one pass over the text.
 * Spans are sorted by start, so the cursor only moves forward: from the
 * end of the last span when the next starts after it (tokens, sentences,
 * most entities), else from the last start (nested spans), and each end
 * is counted from its own start. */
typedef struct offset_cursor {
    size_t start, start_cp;  /* the last span's start, in bytes and in code points */
    size_t end, end_cp;      /* and its end                                       */
    int count;      /* 0: offsets are bytes (offsets: bytes, or ASCII text) */
} offset_cursor;

static offset_cursor cursor_start(const export_state *st, int text_ascii)
{
    offset_cursor c = { 0, 0, 0, 0, st->cp_offsets && !text_ascii };
    return c;
}

/* Code points in t[0..n), as qr_utf8_count_cp counts them (every byte but
 * a continuation byte 10xxxxxx): the few bytes within and between tokens
 * are counted here, where a call would cost more than the count. */
static inline size_t count_cp(const char *t, size_t n)
{
    if (n >= 16)
        return qr_utf8_count_cp(t, n);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)t[i] & 0xC0) != 0x80;
    return k;
}

static void unit_offsets(const qr_doc *d, uint32_t bstart, uint32_t bend,
                         offset_cursor *c, uint64_t *start, uint64_t *end)
{
    if (!c->count) {
        *start = bstart;
        *end = bend;
        return;
    }
    size_t cp;
    if (bstart >= c->end)
        cp = c->end_cp + count_cp(d->text + c->end, bstart - c->end);
    else if (bstart >= c->start)
        cp = c->start_cp + count_cp(d->text + c->start, bstart - c->start);
    else                                /* out of order (not after a sort) */
        cp = c->start_cp - count_cp(d->text + bstart, c->start - bstart);
    c->start = bstart;
    c->start_cp = cp;
    c->end = bend;
    c->end_cp = cp + count_cp(d->text + bstart, bend - bstart);
    *start = cp;
    *end = c->end_cp;
}

static int keep_span(const export_state *st, const qr_span *s)
{
    if (!st->nlabels)
        return 1;
    for (size_t i = 0; i < st->nlabels; i++)
        if (strcmp(st->labels[i], s->label) == 0)
            return 1;
    return 0;
}

static size_t kept_spans(const export_state *st, const qr_doc *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_spans; i++)
        n += keep_span(st, &d->spans[i]);
    return n;
}

/* "key":[[start,end],…] for n items of `stride` bytes that begin with
 * uint32_t start, end (qr_token, qr_sentence). */
_Static_assert(offsetof(qr_token, end) == sizeof(uint32_t) && offsetof(qr_sentence, end) == sizeof(uint32_t)
               && offsetof(qr_token, start) == 0 && offsetof(qr_sentence, start) == 0,
               "write_ranges reads start, end at the head of each item");
static int write_ranges(export_state *st, const qr_doc *d, int text_ascii, const char *key,
                        size_t n, const void *items, size_t stride)
{
    obuf *b = &st->out;
    offset_cursor cur = cursor_start(st, text_ascii);
    if (ob_str(b, key) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint64_t so, eo;
        const uint32_t *se = (const uint32_t *)((const char *)items + i * stride);
        unit_offsets(d, se[0], se[1], &cur, &so, &eo);
        OB_RESERVE(b, 4 + 2 * 20);
        char *o = b->p + b->n;
        o = i ? PUT_LIT(o, ",[") : PUT_LIT(o, "[");
        o = put_uint(o, so);
        *o++ = ',';
        o = put_uint(o, eo);
        *o++ = ']';
        b->n = (size_t)(o - b->p);
    }
    return OB_LIT(b, "]");
}

/* ,{"start":N,"end":N,"text": */
#define ENTITY_HEAD (sizeof ",{\"start\":,\"end\":,\"text\":" - 1 + 2 * 20)

static int write_jsonl(export_state *st, qr_doc *d)
{
    obuf *b = &st->out;
    const char *text = d->text ? d->text : "";
    if (ob_str(b, "{\"id\":") != 0 || ob_json_str(b, d->id ? d->id : "", d->id ? strlen(d->id) : 0) != 0)
        return -1;
    /* Escaping the text tells whether it is all ASCII, and then code-point
     * offsets are byte offsets: no counting. (Strictly, it is enough that
     * no byte is a continuation byte, which the count below checks.) */
    int text_ascii = 0;
    if (st->include_text &&
        (ob_str(b, ",\"text\":") != 0 || ob_json_str_ascii(b, text, d->len, &text_ascii) != 0))
        return -1;
    /* Without the text, one count over it pays when there are many ranges
     * to write: none is needed when it finds no continuation byte. */
    if (!st->include_text && st->cp_offsets && (st->include_tokens || st->include_sentences))
        text_ascii = qr_utf8_count_cp(text, d->len) == d->len;
    if (st->include_meta && d->meta && json_object_size(d->meta) > 0 &&
        (ob_str(b, ",\"meta\":") != 0 || ob_json_value(b, d->meta, 0) != 0))
        return -1;
    if (ob_str(b, ",\"entities\":[") != 0)
        return -1;
    offset_cursor cur = cursor_start(st, text_ascii);
    int first = 1;
    for (size_t i = 0; i < d->n_spans; i++) {
        const qr_span *s = &d->spans[i];
        if (!keep_span(st, s))
            continue;
        uint64_t so, eo;
        unit_offsets(d, s->start, s->end, &cur, &so, &eo);
        OB_RESERVE(b, ENTITY_HEAD);
        char *o = b->p + b->n;
        o = first ? PUT_LIT(o, "{\"start\":") : PUT_LIT(o, ",{\"start\":");
        o = put_uint(o, so);
        o = PUT_LIT(o, ",\"end\":");
        o = put_uint(o, eo);
        o = PUT_LIT(o, ",\"text\":");
        b->n = (size_t)(o - b->p);
        if (ob_json_str(b, text + s->start, s->end - s->start) != 0 ||
            OB_LIT(b, ",\"label\":") != 0 || ob_json_str(b, s->label, strlen(s->label)) != 0 ||
            OB_LIT(b, ",\"id\":") != 0 ||
            (s->id ? ob_json_str(b, s->id, strlen(s->id)) : OB_LIT(b, "null")) != 0)
            return -1;
        if (s->score != 1.0 && (ob_str(b, ",\"score\":") != 0 || ob_double(b, s->score) != 0))
            return -1;
        if (s->attrs && json_object_size(s->attrs) > 0 &&
            (ob_str(b, ",\"attrs\":") != 0 || ob_json_value(b, s->attrs, 0) != 0))
            return -1;
        if (ob_add(b, "}", 1) != 0)
            return -1;
        first = 0;
    }
    if (ob_add(b, "]", 1) != 0)
        return -1;
    if (st->include_sentences &&
        write_ranges(st, d, text_ascii, ",\"sentences\":[", d->sentences.n, d->sentences.v, sizeof *d->sentences.v) != 0)
        return -1;
    if (st->include_tokens &&
        write_ranges(st, d, text_ascii, ",\"tokens\":[", d->tokens.n, d->tokens.v, sizeof *d->tokens.v) != 0)
        return -1;
    if (d->n_labels) {
        if (ob_str(b, ",\"labels\":{") != 0)
            return -1;
        for (size_t i = 0; i < d->n_labels; i++)
            if ((i && ob_add(b, ",", 1) != 0) ||
                ob_json_str(b, d->labels[i].label, strlen(d->labels[i].label)) != 0 ||
                ob_add(b, ":", 1) != 0 || ob_double(b, d->labels[i].score) != 0)
                return -1;
        if (ob_add(b, "}", 1) != 0)
            return -1;
    }
    if (d->label && (ob_str(b, ",\"label\":") != 0 || ob_json_str(b, d->label, strlen(d->label)) != 0))
        return -1;
    if (st->include_fields && d->fields && json_object_size(d->fields) > 0 &&
        (ob_str(b, ",\"fields\":") != 0 || ob_json_value(b, d->fields, 0) != 0))
        return -1;
    return ob_str(b, "}\n");
}

/* {==================================================================
 * CSV / TSV
 * =================================================================== */
static int cell(export_state *st, const char *s, size_t n, int first)
{
    obuf *b = &st->out;
    char sep = st->format == FMT_TSV ? '\t' : ',';
    if (!first && ob_add(b, &sep, 1) != 0)
        return -1;
    if (st->format == FMT_TSV) {
        size_t i = 0;
        while (i < n) {
            size_t j = i;
            while (j < n && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' && s[j] != '\\')
                j++;
            if (ob_add(b, s + i, j - i) != 0)
                return -1;
            if (j == n)
                break;
            const char *e = s[j] == '\t' ? "\\t" : s[j] == '\n' ? "\\n" : s[j] == '\r' ? "\\r" : "\\\\";
            if (ob_add(b, e, 2) != 0)
                return -1;
            i = j + 1;
        }
        return 0;
    }
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote)
        return ob_add(b, s, n);
    if (ob_add(b, "\"", 1) != 0)
        return -1;
    size_t i = 0;
    while (i < n) {
        const char *q = memchr(s + i, '"', n - i);
        size_t j = q ? (size_t)(q - s) + 1 : n;
        if (ob_add(b, s + i, j - i) != 0 || (q && ob_add(b, "\"", 1) != 0))
            return -1;
        i = j;
    }
    return ob_add(b, "\"", 1);
}

static int cell_str(export_state *st, const char *s, int first)
{
    return cell(st, s ? s : "", s ? strlen(s) : 0, first);
}

static int cell_uint(export_state *st, uint64_t v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    return cell(st, t, (size_t)n, 0);
}

/* A field or meta value as a cell: strings as they are, others as JSON. */
static int cell_json(export_state *st, const json_t *v)
{
    if (!v || json_is_null(v))
        return cell(st, "", 0, 0);
    if (json_is_string(v))
        return cell(st, json_string_value(v), json_string_length(v), 0);
    st->scratch.n = 0;
    if (ob_json_value(&st->scratch, v, 0) != 0)
        return -1;
    return cell(st, st->scratch.p, st->scratch.n, 0);
}

static int write_header(export_state *st)
{
    if (st->entities) {
        static const char *const cols[] = { "doc_id", "start", "end", "text", "label", "id" };
        for (size_t i = 0; i < 6; i++)
            if (cell_str(st, cols[i], i == 0) != 0)
                return -1;
    } else {
        if (cell_str(st, "id", 1) != 0 || cell_str(st, "label", 0) != 0 ||
            cell_str(st, "n_entities", 0) != 0)
            return -1;
        if (st->include_text && cell_str(st, "text", 0) != 0)
            return -1;
        for (size_t i = 0; i < st->ncolumns; i++)
            if (cell_str(st, st->columns[i], 0) != 0)
                return -1;
    }
    return ob_add(&st->out, "\n", 1);
}

static int write_table(export_state *st, qr_doc *d)
{
    const char *text = d->text ? d->text : "";
    if (st->entities) {
        offset_cursor cur = cursor_start(st, 0);
        for (size_t i = 0; i < d->n_spans; i++) {
            const qr_span *s = &d->spans[i];
            if (!keep_span(st, s))
                continue;
            uint64_t so, eo;
            unit_offsets(d, s->start, s->end, &cur, &so, &eo);
            if (cell_str(st, d->id, 1) != 0 || cell_uint(st, so) != 0 || cell_uint(st, eo) != 0 ||
                cell(st, text + s->start, s->end - s->start, 0) != 0 ||
                cell_str(st, s->label, 0) != 0 || cell_str(st, s->id, 0) != 0 ||
                ob_add(&st->out, "\n", 1) != 0)
                return -1;
        }
        return 0;
    }
    if (cell_str(st, d->id, 1) != 0 || cell_str(st, d->label, 0) != 0 ||
        cell_uint(st, kept_spans(st, d)) != 0)
        return -1;
    if (st->include_text && cell(st, text, d->len, 0) != 0)
        return -1;
    for (size_t i = 0; i < st->ncolumns; i++) {
        const json_t *v = d->fields ? json_object_get(d->fields, st->columns[i]) : NULL;
        if (!v && d->meta)
            v = json_object_get(d->meta, st->columns[i]);
        if (cell_json(st, v) != 0)
            return -1;
    }
    return ob_add(&st->out, "\n", 1);
}

/* }================================================================== */

/* {==================================================================
 * Files
 * =================================================================== */
static int mkdir_p(const char *path, int checking, qr_error *err)
{
    char *p = strdup(path);
    if (!p)
        return qr_error_set(err, "out of memory");
    int rc = (checking ? qr_mkdirs_check(p, 0) : qr_mkdirs(p, 0)) == 0 ? 0
             : qr_error_set(err, "export: cannot create folder %s: %s", p, strerror(errno));
    free(p);
    return rc;
}

static int open_output(export_state *st, qr_error *err)
{
    if (!st->path) {
        st->f = stdout;
        return 0;
    }
    if (mkdir_p(st->path, st->checking, err) != 0)
        return -1;
    struct stat sb, out;
    if (lstat(st->path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        if (stat(st->path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            size_t n = strlen(st->path);
            while (n > 1 && st->path[n - 1] == '/')
                n--;
            return qr_error_set(err, "export: %s is a folder; give a file path, as in "
                                "%.*s/docs.jsonl", st->path, (int)n, st->path);
        }
        if (fstat(STDOUT_FILENO, &out) == 0 && sb.st_dev == out.st_dev &&
            sb.st_ino == out.st_ino) {          /* /dev/stdout: same as '-' */
            free(st->path);
            st->path = NULL;
            st->f = stdout;
            return 0;
        }
        /* A device, pipe or symbolic link (/dev/null, a FIFO) is written in
         * place: renaming over it would replace the node itself. */
        if (st->checking)
            return 0;
        if (!(st->f = fopen(st->path, "w")))
            return qr_error_set(err, "export: cannot write %s: %s", st->path, strerror(errno));
        return 0;
    }
    if (st->checking) {     /* quarry check: the folder must take the temporary file */
        char *dir = strdup(st->path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash)
            *slash = '\0';
        const char *d = slash ? (*dir ? dir : "/") : ".";
        /* a folder still to be made was checked above; one that is there must take it */
        int ok = dir && (access(d, F_OK) != 0 || access(d, W_OK | X_OK) == 0);
        int e = dir ? errno : ENOMEM;
        free(dir);
        return ok ? 0 : qr_error_set(err, "export: cannot create a temporary file next to %s: %s",
                                     st->path, strerror(e));
    }
    if (!(st->f = qr_outfile_open(st->path, &st->tmp))) {
        int e = errno;
        if (!st->tmp)
            return qr_error_set(err, "out of memory");
        free(st->tmp);
        st->tmp = NULL;
        return qr_error_set(err, "export: cannot create a temporary file next to %s: %s", st->path,
                            strerror(e));
    }
    setvbuf(st->f, NULL, _IOFBF, 1 << 16);
    return 0;
}

static int write_error(export_state *st, qr_error *err)
{
    return qr_error_set(err, "export: cannot write %s: %s",
                        st->path ? st->path : "standard output", strerror(errno));
}

/* A temporary file is written by a background writer (outfile.h) a
 * megabyte at a time, so copying the output into the page cache overlaps
 * making the next megabyte; its thread starts with the first megabyte, so
 * a small output never starts one. That pays when a core is free for the
 * thread: fewer jobs than cores (-j 1 on two cores). When every core runs
 * a job already, the thread only takes time from them, and copying a
 * buffer made on another core costs more: the megabytes are then written
 * here (-j 2 on two cores; bench/RESULTS.md, "Output cost"). From 4 jobs
 * on the thread is kept anyway, so that the ordered stage, which runs on
 * one thread for all the jobs, stays short. (The jobs are those the
 * pipeline was loaded for: quarry run's -j, the core count for a Lua
 * pipeline whatever p:run's jobs.) Standard output, devices and
 * pipes are written here, 64 KB at a time, in step with anything else
 * written to them. */
#define HANDOFF_AT ((size_t)1 << 20)
#define FLUSH_AT ((size_t)1 << 16)

static int flush_out(export_state *st, qr_error *err)
{
    if (!st->out.n)
        return 0;
    if (st->tmp && !st->bg && !st->bg_failed && !st->write_here && st->out.n >= HANDOFF_AT &&
        !(st->bg = qr_bgwriter_new(st->f, st->path, NULL, NULL)))
        st->bg_failed = 1;
    if (st->bg)
        return qr_bgwriter_give(st->bg, &st->out.p, &st->out.cap, &st->out.n) == 0
               ? 0 : write_error(st, err);
    if (fwrite(st->out.p, 1, st->out.n, st->f) != st->out.n)
        return write_error(st, err);
    st->out.n = 0;
    return 0;
}

/* Everything handed to the background writer is written, and the thread
 * is gone: f is the caller's again. */
static int stop_bg(export_state *st, qr_error *err)
{
    if (!st->bg)
        return 0;
    int rc = qr_bgwriter_wait(st->bg) == 0 ? 0 : write_error(st, err);
    qr_bgwriter_free(st->bg);
    st->bg = NULL;
    st->bg_failed = 1;
    return rc;
}

/* }================================================================== */

static const qr_option_def export_options[] = {
    { "format", QR_OPT_ENUM, "jsonl", "jsonl|csv|tsv", "output format", 0 },
    { "path", QR_OPT_PATH, "-", NULL,
      "output file, '-' for standard output; folders are created, the file appears when the run ends",
      QR_OPT_OUTPUT | QR_OPT_WRITTEN },
    { "offsets", QR_OPT_ENUM, "codepoints", "codepoints|bytes",
      "entity offsets in Unicode code points (as Python, spaCy, brat) or UTF-8 bytes", 0 },
    { "include_text", QR_OPT_BOOL, "true", NULL, "write the document text", 0 },
    { "include_meta", QR_OPT_BOOL, "true", NULL, "jsonl: write meta (other input fields)", 0 },
    { "include_fields", QR_OPT_BOOL, "true", NULL, "jsonl: write fields set by steps", 0 },
    { "include_sentences", QR_OPT_BOOL, "false", NULL,
      "jsonl: write \"sentences\": [[start, end], …] (splitting the text if no step did)", 0 },
    { "include_tokens", QR_OPT_BOOL, "false", NULL,
      "jsonl: write \"tokens\": [[start, end], …] (tokenizing if no step did)", 0 },
    { "entity_labels", QR_OPT_STRING_LIST, NULL, NULL,
      "write only the entities with these labels (all when absent)", 0 },
    { "what", QR_OPT_ENUM, "documents", "documents|entities",
      "csv/tsv: a row per document (id,label,n_entities,text,columns…) or per entity "
      "(doc_id,start,end,text,label,id)", 0 },
    { "columns", QR_OPT_STRING_LIST, NULL, NULL,
      "csv/tsv documents: extra columns, each a field name (or a meta key)", 0 },
    { "header", QR_OPT_BOOL, "true", NULL, "csv/tsv: write a header row", 0 },
    { NULL, 0, NULL, NULL, NULL, 0 }
};

static void export_free(void *state);

static void *export_init(const qr_host_api *api, const qr_value *opts,
                         const qr_step_ctx *ctx, qr_error *err)
{
    export_state *st = calloc(1, sizeof *st);
    if (!st) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    const char *format = opt_str(opts, "format", "jsonl");
    st->format = strcmp(format, "csv") == 0 ? FMT_CSV : strcmp(format, "tsv") == 0 ? FMT_TSV : FMT_JSONL;
    st->checking = qr_step_ctx_checking(ctx);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    st->write_here = ctx && ctx->jobs >= (cores > 0 ? cores : 1) && ctx->jobs < 4;
    st->cp_offsets = strcmp(opt_str(opts, "offsets", "codepoints"), "bytes") != 0;
    st->include_text = opt_bool(opts, "include_text", 1);
    st->include_meta = opt_bool(opts, "include_meta", 1);
    st->include_fields = opt_bool(opts, "include_fields", 1);
    st->include_sentences = opt_bool(opts, "include_sentences", 0);
    st->include_tokens = opt_bool(opts, "include_tokens", 0);
    const qr_value *labels = qr_value_get(opts, "entity_labels");
    if (labels && (labels->type == QR_VAL_STRING || labels->type == QR_VAL_LIST)) {
        st->nlabels = labels->type == QR_VAL_STRING ? 1 : qr_value_len(labels);
        if (st->nlabels && !(st->labels = calloc(st->nlabels, sizeof *st->labels)))
            goto oom;
        for (size_t i = 0; i < st->nlabels; i++) {
            const char *l = qr_value_string(labels->type == QR_VAL_STRING ? labels : qr_value_at(labels, i));
            if (!(st->labels[i] = strdup(l ? l : "")))
                goto oom;
        }
    }
    st->entities = strcmp(opt_str(opts, "what", "documents"), "entities") == 0;
    st->header = opt_bool(opts, "header", 1);
    /* an option of the other format, set to something else than its
     * default, would be ignored without a word: refused */
    int jsonl = st->format == FMT_JSONL;
    const struct { int set; const char *key, *as; } other_format[] = {
        {jsonl && st->entities, "what", "what: entities"},
        {jsonl && !st->header, "header", "header: false"},
        {!jsonl && st->include_tokens, "include_tokens", "include_tokens: true"},
        {!jsonl && st->include_sentences, "include_sentences", "include_sentences: true"},
        {!jsonl && !st->include_meta, "include_meta", "include_meta: false"},
        {!jsonl && !st->include_fields, "include_fields", "include_fields: false"},
    };
    for (size_t i = 0; i < sizeof other_format / sizeof *other_format; i++)
        if (other_format[i].set) {
            qr_value_error(qr_value_get(opts, other_format[i].key), err, "%s applies to format %s only, "
                           "and this export writes %s; remove it or change the format", other_format[i].as,
                           jsonl ? "csv or tsv" : "jsonl", format);
            export_free(st);
            return NULL;
        }
    const qr_value *cols = qr_value_get(opts, "columns");
    if (cols && cols->type == QR_VAL_STRING)
        st->ncolumns = 1;
    else if (cols && cols->type == QR_VAL_LIST)
        st->ncolumns = qr_value_len(cols);
    if (st->ncolumns) {
        if (st->format == FMT_JSONL || st->entities) {
            qr_value_error(cols, err, "export: columns apply to format csv or tsv with "
                                      "what: documents; remove it or change format/what");
            export_free(st);
            return NULL;
        }
        if (!(st->columns = calloc(st->ncolumns, sizeof *st->columns)))
            goto oom;
        for (size_t i = 0; i < st->ncolumns; i++) {
            const char *c = qr_value_string(cols->type == QR_VAL_STRING ? cols : qr_value_at(cols, i));
            if (!(st->columns[i] = strdup(c ? c : "")))
                goto oom;
        }
    }
    const char *path = opt_str(opts, "path", "-");
    if (strcmp(path, "-") != 0) {
        if (!(st->path = api->resolve_path(ctx, path)))
            goto oom;
    }
    if (open_output(st, err) != 0) {
        export_free(st);
        return NULL;
    }
    return st;
oom:
    export_free(st);
    qr_error_set(err, "out of memory");
    return NULL;
}

static int export_process(void *state, void *thread_state, qr_doc *d, qr_error *err)
{
    (void)thread_state;
    export_state *st = state;
    qr_doc_sort_spans(d);
    if (st->format == FMT_JSONL &&
        ((st->include_sentences && qr_doc_ensure_sentences(d, err) != 0) ||
         (st->include_tokens && qr_doc_ensure_tokens(d, err) != 0)))
        return -1;
    int rc;
    if (st->format == FMT_JSONL)
        rc = write_jsonl(st, d);
    else {
        rc = 0;
        if (st->header && !st->header_done) {
            rc = write_header(st);
            st->header_done = 1;
        }
        if (rc == 0)
            rc = write_table(st, d);
    }
    if (rc != 0) {
        st->out.n = 0;
        return qr_error_set(err, "out of memory writing document '%s'", d->id ? d->id : "");
    }
    /* an output that can no longer be written (a full disk) fails every
     * later document alike: the run stops, whatever on_error */
    if (st->out.n >= (st->tmp && !st->bg_failed ? HANDOFF_AT : FLUSH_AT) && flush_out(st, err) != 0)
        return QR_PROCESS_STOP;
    return 0;
}

static int export_finish(void *state, qr_error *err)
{
    export_state *st = state;
    if (st->format != FMT_JSONL && st->header && !st->header_done) {
        st->header_done = 1;
        if (write_header(st) != 0)
            return qr_error_set(err, "out of memory");
    }
    if (stop_bg(st, err) != 0 || flush_out(st, err) != 0)
        return -1;
    if (!st->path) {
        if (fflush(stdout) != 0)
            return write_error(st, err);
        st->finished = 1;
        return 0;
    }
    FILE *f = st->f;
    st->f = NULL;
    int bad = fflush(f) != 0;
    int saved = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (bad) {
        errno = saved;
        write_error(st, err);
        if (st->tmp)
            unlink(st->tmp);
        return -1;
    }
    if (st->tmp && rename(st->tmp, st->path) != 0) {
        qr_error_set(err, "export: cannot rename %s to %s: %s", st->tmp, st->path, strerror(errno));
        unlink(st->tmp);
        return -1;
    }
    st->finished = 1;
    return 0;
}

/* When the input waits (a stream with nothing ready): an output that is
 * not a temporary file (standard output, a pipe, a device) gets what is
 * buffered, so a stream's results show as its records come. */
static int export_flush(void *state, qr_error *err)
{
    export_state *st = state;
    if (st->tmp || !st->f)
        return 0;
    if (flush_out(st, err) != 0)
        return -1;
    return fflush(st->f) == 0 ? 0 : write_error(st, err);
}

static void export_free(void *state)
{
    export_state *st = state;
    if (!st)
        return;
    qr_bgwriter_free(st->bg);
    if (st->f && st->f != stdout) {
        fclose(st->f);
        if (st->tmp)
            unlink(st->tmp);
    } else if (st->tmp && !st->finished)
        unlink(st->tmp);
    for (size_t i = 0; i < st->ncolumns; i++)
        free(st->columns ? st->columns[i] : NULL);
    free(st->columns);
    for (size_t i = 0; i < st->nlabels; i++)
        free(st->labels ? st->labels[i] : NULL);
    free(st->labels);
    free(st->path);
    free(st->tmp);
    free(st->out.p);
    free(st->scratch.p);
    free(st);
}

const qr_step_def qr_step_export_def = {
    .size = sizeof(qr_step_def),
    .name = "export",
    .description = "write documents as JSONL, CSV or TSV (entities, labels, fields)",
    .options = export_options,
    .flags = QR_STEP_ORDERED,
    .init = export_init,
    .process = export_process,
    .finish = export_finish,
    .free = export_free,
    .flush = export_flush,
};
