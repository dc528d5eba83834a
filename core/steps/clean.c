/*
 * clean — rewrites the text before anything is anchored to it
 * (docs/formats.md, "The clean step").
 *
 * In order: invalid UTF-8 repaired; control characters removed and
 * typographic quotes made ASCII (one pass over the characters); Unicode
 * normalization (nfc, nfkc or none; utf8proc through core/normalize); then
 * one pass over the lines: whitespace folded, lines matching `drop_lines`
 * removed, repeated lines removed (`dedupe_lines`).
 *
 * The text changes, so every offset made before would lie: clean refuses a
 * document that already has entities (a step before it added them); the
 * pipeline refuses a clean step placed after tokenize (QR_STEP_MODIFIES_TEXT).
 *
 * Shared state: the compiled drop_lines patterns (read-only). Per thread:
 * PCRE2 match data and the work buffers, reused from one document to the
 * next.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "quarry_module.h"
#include "doc.h"
#include "error.h"
#include "grow.h"
#include "normalize.h"
#include "io/reader.h"
#include "opt_value.h"
#include "value.h"

#include <stdlib.h>
#include <string.h>

enum { NORM_NONE = -1 };

typedef struct clean_state {
    int norm;                 /* qr_norm_form or NORM_NONE            */
    int whitespace;
    int remove_controls;
    int ascii_quotes;
    int dedupe;
    long dedupe_min;
    pcre2_code **drop;
    char **drop_src;
    size_t ndrop;
    pcre2_match_context *mctx;
} clean_state;

typedef struct wbuf {
    char *p;
    size_t n, cap;
} wbuf;

typedef struct seen_entry {
    uint64_t hash;
    size_t off, len;          /* into clean_thread.keys               */
} seen_entry;

typedef struct clean_thread {
    pcre2_match_data *md;
    wbuf a, b;                /* text passes                          */
    wbuf line;                /* the folded line                      */
    wbuf keys;                /* dedupe: lines seen                    */
    seen_entry *seen;
    size_t nseen, seen_cap;   /* open addressing, power of two        */
} clean_thread;

static int wb_reserve(wbuf *b, size_t extra)
{
    return qr_grow(&b->p, &b->cap, b->n + extra + 1, 1024);
}

static int wb_add(wbuf *b, const char *s, size_t n)
{
    if (wb_reserve(b, n) != 0)
        return -1;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

/* {==================================================================
 * Character classes on UTF-8 (the text is valid UTF-8 here)
 * =================================================================== */

/* Length of a horizontal space at s (ASCII blanks, NBSP, U+1680,
 * U+2000..200A, U+202F, U+205F, U+3000), or 0. */
static size_t hspace_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c == ' ' || c == '\t' || c == '\f' || c == '\v')
        return 1;
    if (c == 0xC2 && n >= 2 && s[1] == 0xA0)
        return 2;
    if (n >= 3) {
        if (c == 0xE2 && s[1] == 0x80 && (s[2] <= 0x8A || s[2] == 0xAF))
            return 3;
        if (c == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
            return 3;
        if (c == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
            return 3;
        if (c == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
            return 3;
    }
    return 0;
}

/* Characters pass: controls out, quotes to ASCII. Writes into out. */
static int map_chars(const clean_state *st, const char *text, size_t len, wbuf *out)
{
    const unsigned char *s = (const unsigned char *)text;
    out->n = 0;
    if (wb_reserve(out, len) != 0)
        return -1;
    char *o = out->p;
    size_t j = 0;
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        if (c >= 0x20 && c < 0x7F) {
            o[j++] = (char)c;
            i++;
            continue;
        }
        if (c < 0x80) {
            /* keep line breaks and blanks; other C0 controls and DEL go */
            if (!st->remove_controls || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v')
                o[j++] = (char)c;
            i++;
            continue;
        }
        size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + k > len)
            k = len - i;
        if (st->remove_controls) {
            if (c == 0xC2 && k == 2 && (s[i + 1] <= 0x9F || s[i + 1] == 0xAD)) {
                i += k;       /* C1 controls, soft hyphen */
                continue;
            }
            if (k == 3 && c == 0xEF && s[i + 1] == 0xBB && s[i + 2] == 0xBF) {
                i += k;       /* U+FEFF */
                continue;
            }
        }
        if (st->ascii_quotes) {
            char q = 0;
            if (c == 0xC2 && k == 2 && (s[i + 1] == 0xAB || s[i + 1] == 0xBB))
                q = '"';                                   /* « » */
            else if (c == 0xE2 && k == 3 && s[i + 1] == 0x80) {
                unsigned x = s[i + 2];
                if (x >= 0x9C && x <= 0x9F)
                    q = '"';                               /* “ ” „ ‟ */
                else if ((x >= 0x98 && x <= 0x9B) || x == 0xB9 || x == 0xBA || x == 0xB2)
                    q = '\'';                              /* ‘ ’ ‚ ‛ ‹ › ′ */
                else if (x == 0xB3)
                    q = '"';                               /* ″ */
            } else if (c == 0xE3 && k == 3 && s[i + 1] == 0x80 && (s[i + 2] == 0x9D || s[i + 2] == 0x9E))
                q = '"';                                   /* 〝 〞 */
            if (q) {
                o[j++] = q;
                i += k;
                continue;
            }
        }
        memcpy(o + j, s + i, k);
        j += k;
        i += k;
    }
    o[j] = '\0';
    out->n = j;
    return 0;
}

/* }================================================================== */

/* {==================================================================
 * Lines
 * =================================================================== */

/* line[0..n) with horizontal spaces folded to one ' ' and trimmed. */
static int fold_line(const char *line, size_t n, wbuf *out)
{
    const unsigned char *s = (const unsigned char *)line;
    out->n = 0;
    if (wb_reserve(out, n) != 0)
        return -1;
    int pending = 0;
    for (size_t i = 0; i < n;) {
        size_t k = hspace_len(s + i, n - i);
        if (k || s[i] == '\r') {
            pending = out->n > 0;
            i += k ? k : 1;
            continue;
        }
        if (pending)
            out->p[out->n++] = ' ';
        pending = 0;
        out->p[out->n++] = (char)s[i++];
    }
    out->p[out->n] = '\0';
    return 0;
}

/* line without leading and trailing spaces (and a '\r'). */
static void trim(const char **line, size_t *n)
{
    const unsigned char *s = (const unsigned char *)*line;
    size_t a = 0, b = *n, k;
    while (a < b && ((k = hspace_len(s + a, b - a)) || s[a] == '\r'))
        a += k ? k : 1;
    while (b > a) {
        if (s[b - 1] == '\r' || s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\f' || s[b - 1] == '\v') {
            b--;
            continue;
        }
        /* multi-byte spaces end in 0xA0, 0x80..0x8A, 0xAF, 0x9F */
        size_t back = 0;
        for (size_t m = 2; m <= 3 && m <= b - a; m++)
            if (hspace_len(s + b - m, m) == m) {
                back = m;
                break;
            }
        if (!back)
            break;
        b -= back;
    }
    *line += a;
    *n = b - a;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* 1 if line was seen before in this document; else remembers it and
 * returns 0. -1 on out of memory. */
static int seen_before(clean_thread *t, const char *s, size_t n)
{
    if ((t->nseen + 1) * 2 > t->seen_cap) {
        size_t cap = t->seen_cap ? t->seen_cap * 2 : 64;
        seen_entry *v = calloc(cap, sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < t->seen_cap; i++) {
            if (!t->seen[i].len)
                continue;
            size_t j = t->seen[i].hash & (cap - 1);
            while (v[j].len)
                j = (j + 1) & (cap - 1);
            v[j] = t->seen[i];
        }
        free(t->seen);
        t->seen = v;
        t->seen_cap = cap;
    }
    uint64_t h = hash_bytes(s, n);
    size_t j = h & (t->seen_cap - 1);
    for (; t->seen[j].len; j = (j + 1) & (t->seen_cap - 1))
        if (t->seen[j].hash == h && t->seen[j].len == n && memcmp(t->keys.p + t->seen[j].off, s, n) == 0)
            return 1;
    size_t off = t->keys.n;
    if (wb_add(&t->keys, s, n) != 0)
        return -1;
    t->seen[j].hash = h;
    t->seen[j].off = off;
    t->seen[j].len = n;
    t->nseen++;
    return 0;
}

static void seen_clear(clean_thread *t)
{
    if (t->nseen)
        memset(t->seen, 0, t->seen_cap * sizeof *t->seen);
    t->nseen = 0;
    t->keys.n = 0;
}

static size_t count_cp(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* 1 if a drop_lines pattern matches, 0 if none, -1 with err. */
static int dropped(const clean_state *st, clean_thread *t, const char *s, size_t n,
                   const qr_doc *d, qr_error *err)
{
    for (size_t i = 0; i < st->ndrop; i++) {
        int rc = pcre2_match(st->drop[i], (PCRE2_SPTR)s, n, 0, PCRE2_NO_UTF_CHECK, t->md, st->mctx);
        if (rc >= 0)
            return 1;
        if (rc != PCRE2_ERROR_NOMATCH) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof msg);
            return qr_error_set(err, "clean: drop_lines pattern '%s' failed on document '%s': %s",
                                st->drop_src[i], d->id ? d->id : "", (const char *)msg);
        }
    }
    return 0;
}

/* The line pass: from `in` into `out`. */
static int clean_lines(const clean_state *st, clean_thread *t, const char *in, size_t len,
                       wbuf *out, const qr_doc *d, qr_error *err)
{
    out->n = 0;
    if (wb_reserve(out, len) != 0)
        return qr_error_set(err, "out of memory");
    seen_clear(t);
    int blank_pending = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(in + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - in) : len;
        const char *line = in + pos;
        size_t n = end - pos;
        size_t raw_n = nl ? n + 1 : n;   /* with its line break */
        pos = nl ? end + 1 : len;

        const char *content = line;
        size_t cn = n;
        if (st->whitespace) {
            if (fold_line(line, n, &t->line) != 0)
                return qr_error_set(err, "out of memory");
            content = t->line.p;
            cn = t->line.n;
        } else
            trim(&content, &cn);

        if (cn == 0) {
            /* a blank line is a line too: drop_lines may remove it ('^$') */
            int rc = dropped(st, t, content, 0, d, err);
            if (rc < 0)
                return -1;
            if (rc)
                continue;
            if (st->whitespace)
                blank_pending = 1;
            else if (wb_add(out, line, raw_n) != 0)
                return qr_error_set(err, "out of memory");
            continue;
        }
        int rc = dropped(st, t, content, cn, d, err);
        if (rc < 0)
            return -1;
        if (rc)
            continue;
        if (st->dedupe && (long)count_cp(content, cn) >= st->dedupe_min) {
            rc = seen_before(t, content, cn);
            if (rc < 0)
                return qr_error_set(err, "out of memory");
            if (rc)
                continue;
        }
        if (st->whitespace) {
            if (out->n && wb_add(out, blank_pending ? "\n\n" : "\n", blank_pending ? 2 : 1) != 0)
                return qr_error_set(err, "out of memory");
            blank_pending = 0;
            if (wb_add(out, content, cn) != 0)
                return qr_error_set(err, "out of memory");
        } else if (wb_add(out, line, raw_n) != 0)
            return qr_error_set(err, "out of memory");
    }
    return 0;
}

/* }================================================================== */

static const qr_option_def clean_options[] = {
    { "normalize", QR_OPT_ENUM, "nfc", "nfc|nfkc|none",
      "Unicode normalization: nfc (composed), nfkc (also compatibility forms: ﬁ→fi), none", 0 },
    { "whitespace", QR_OPT_BOOL, "true", NULL,
      "fold runs of spaces and tabs to one space, trim lines, keep paragraph breaks as one blank line", 0 },
    { "remove_controls", QR_OPT_BOOL, "true", NULL,
      "remove control characters (but tab and line breaks), U+FEFF and soft hyphens", 0 },
    { "quotes", QR_OPT_ENUM, "keep", "keep|ascii",
      "ascii: typographic quotes “ ” „ « » ‘ ’ ‚ ‹ › to \" and '", 0 },
    { "drop_lines", QR_OPT_STRING_LIST, NULL, NULL,
      "regexes (PCRE2); a line matching any of them (after trimming; a blank line is \"\", so ^$ removes it) is removed", 0 },
    { "dedupe_lines", QR_OPT_BOOL, "false", NULL,
      "remove a line equal (after trimming) to an earlier line of the same document", 0 },
    { "dedupe_min_chars", QR_OPT_INT, "10", NULL,
      "dedupe_lines leaves lines shorter than this many characters alone", 0 },
    { NULL, 0, NULL, NULL, NULL, 0 }
};

static void clean_free(void *state)
{
    clean_state *st = state;
    if (!st)
        return;
    for (size_t i = 0; i < st->ndrop; i++) {
        pcre2_code_free(st->drop ? st->drop[i] : NULL);
        free(st->drop_src ? st->drop_src[i] : NULL);
    }
    free(st->drop);
    free(st->drop_src);
    pcre2_match_context_free(st->mctx);
    free(st);
}

static int compile_drop(clean_state *st, const qr_value *list, qr_error *err)
{
    size_t n = list->type == QR_VAL_STRING ? 1 : qr_value_len(list);
    if (!n)
        return 0;
    st->drop = calloc(n, sizeof *st->drop);
    st->drop_src = calloc(n, sizeof *st->drop_src);
    if (!st->drop || !st->drop_src)
        return qr_error_set(err, "out of memory");
    st->ndrop = n;
    for (size_t i = 0; i < n; i++) {
        const qr_value *item = list->type == QR_VAL_STRING ? list : qr_value_at(list, i);
        const char *pat = qr_value_string(item);
        if (!pat)
            return qr_value_error(item, err, "clean: drop_lines takes strings (regexes), got %s",
                                  qr_value_type_name(item ? item->type : QR_VAL_NULL));
        if (!(st->drop_src[i] = strdup(pat)))
            return qr_error_set(err, "out of memory");
        int code;
        PCRE2_SIZE at;
        st->drop[i] = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                                    PCRE2_UTF | PCRE2_UCP, &code, &at, NULL);
        if (!st->drop[i]) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof msg);
            return qr_value_error(item, err, "clean: bad regex in drop_lines: %s at offset %zu of '%s'",
                                  (const char *)msg, (size_t)at, pat);
        }
        pcre2_jit_compile(st->drop[i], PCRE2_JIT_COMPLETE); /* the interpreter if no JIT */
    }
    return 0;
}

static void *clean_init(const qr_host_api *api, const qr_value *opts,
                        const qr_step_ctx *ctx, qr_error *err)
{
    (void)api;
    (void)ctx;
    clean_state *st = calloc(1, sizeof *st);
    if (!st) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    const char *norm = opt_str(opts, "normalize", "nfc");
    st->norm = strcmp(norm, "none") == 0 ? NORM_NONE : qr_norm_form_from_name(norm);
    if (st->norm == -1 && strcmp(norm, "none") != 0)
        st->norm = QR_NORM_NFC;
    st->whitespace = opt_bool(opts, "whitespace", 1);
    st->remove_controls = opt_bool(opts, "remove_controls", 1);
    st->ascii_quotes = strcmp(opt_str(opts, "quotes", "keep"), "ascii") == 0;
    st->dedupe = opt_bool(opts, "dedupe_lines", 0);
    const qr_value *min = qr_value_get(opts, "dedupe_min_chars");
    st->dedupe_min = min ? (long)qr_value_int(min) : 10;
    if (st->dedupe_min < 0) {
        qr_value_error(min, err, "clean: dedupe_min_chars must be 0 or more, got %ld", st->dedupe_min);
        clean_free(st);
        return NULL;
    }
    if (!(st->mctx = pcre2_match_context_create(NULL))) {
        clean_free(st);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    pcre2_set_match_limit(st->mctx, 1000000);
    pcre2_set_depth_limit(st->mctx, 10000);
    const qr_value *drop = qr_value_get(opts, "drop_lines");
    if (drop && drop->type != QR_VAL_NULL && compile_drop(st, drop, err) != 0) {
        clean_free(st);
        return NULL;
    }
    return st;
}

static void *clean_thread_init(void *state, qr_error *err)
{
    (void)state;
    clean_thread *t = calloc(1, sizeof *t);
    if (!t || !(t->md = pcre2_match_data_create(1, NULL))) {
        free(t);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    return t;
}

static void clean_thread_free(void *state, void *thread_state)
{
    (void)state;
    clean_thread *t = thread_state;
    if (!t)
        return;
    pcre2_match_data_free(t->md);
    free(t->a.p);
    free(t->b.p);
    free(t->line.p);
    free(t->keys.p);
    free(t->seen);
    free(t);
}

static int clean_process(void *state, void *thread_state, qr_doc *d, qr_error *err)
{
    clean_state *st = state;
    clean_thread *t = thread_state;
    if (!t)
        return qr_error_set(err, "clean: no per-thread state (the host did not call thread_init)");
    if (d->n_spans)
        return qr_error_set(err, "clean: document '%s' already has %zu entities; clean changes the "
                                 "text, so it must come before the steps that add entities",
                            d->id ? d->id : "", d->n_spans);
    const char *s = d->text ? d->text : "";
    size_t n = d->len;

    size_t fixed_len;
    long fixed = qr_io_repair_utf8(s, n, &t->a.p, &t->a.cap, &fixed_len);
    if (fixed < 0)
        return qr_error_set(err, "out of memory");
    if (fixed > 0) {
        s = t->a.p;
        n = fixed_len;
        d->n_repaired += (int)fixed;
    }

    /* controls go before normalization, so that a removed control between
     * a letter and a combining mark still lets NFC compose them */
    if (st->remove_controls || st->ascii_quotes) {
        if (map_chars(st, s, n, &t->b) != 0)
            return qr_error_set(err, "out of memory");
        s = t->b.p;
        n = t->b.n;
    }
    char *norm = NULL;
    if (st->norm != NORM_NONE) {
        size_t i = 0;
        while (i < n && (unsigned char)s[i] < 0x80)
            i++;
        if (i < n) {
            size_t nl;
            if (qr_normalize(s, n, (qr_norm_form)st->norm, &norm, &nl, err) != 0)
                return -1;
            s = norm;
            n = nl;
        }
    }
    /* s lies in t->a (repaired), t->b (mapped), norm, or the document */
    wbuf *out = s == t->a.p ? &t->b : &t->a;
    int rc = clean_lines(st, t, s, n, out, d, err);
    if (rc == 0)
        rc = qr_doc_set_text(d, out->p ? out->p : "", out->n, err);
    free(norm);
    return rc;
}

const qr_step_def qr_step_clean_def = {
    .size = sizeof(qr_step_def),
    .name = "clean",
    .description = "normalize Unicode, fold whitespace, drop and dedupe lines (before tokenize)",
    .options = clean_options,
    .flags = QR_STEP_MODIFIES_TEXT | QR_STEP_THREAD_SAFE,
    .init = clean_init,
    .thread_init = clean_thread_init,
    .process = clean_process,
    .thread_free = clean_thread_free,
    .free = clean_free,
};
