/* regex — labeled PCRE2 patterns; see regex.h for semantics and ownership. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

typedef struct pattern {
    char *label;
    char *source;
    size_t source_len;
    pcre2_code *code;
    uint32_t group;        /* capture group giving the span, 0 = whole match */
    int jit;
} pattern;

struct qr_regex_set {
    pattern *v;
    size_t n, cap;
    qr_regex_limits limits;
    uint32_t max_pairs;    /* largest capture count + 1 over the patterns */
};

enum { CUR_SEARCH, CUR_HAVE, CUR_DONE };

/* Where one pattern stands in the current text. */
typedef struct cursor {
    size_t pos;            /* next search starts here                    */
    size_t start, end;     /* the pending span when state == CUR_HAVE    */
    int state;
    int notempty_atstart;  /* the last match was empty at pos            */
} cursor;

struct qr_regex_scratch {
    const qr_regex_set *set;
    size_t n;              /* patterns in the set when this was made     */
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit_stack;
    cursor *cur;
};

/* {==================================================================
 * Building
 * =================================================================== */

static char *dup_mem(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

qr_regex_set *qr_regex_set_new(const qr_regex_limits *limits, qr_error *err)
{
    qr_regex_set *set = calloc(1, sizeof *set);
    if (!set) {
        qr_error_set(err, "regex: out of memory");
        return NULL;
    }
    if (limits)
        set->limits = *limits;
    if (!set->limits.match_limit)
        set->limits.match_limit = QR_REGEX_DEFAULT_MATCH_LIMIT;
    if (!set->limits.depth_limit)
        set->limits.depth_limit = QR_REGEX_DEFAULT_DEPTH_LIMIT;
    if (!set->limits.heap_limit_kb)
        set->limits.heap_limit_kb = QR_REGEX_DEFAULT_HEAP_LIMIT_KB;
    if (!set->limits.jit_stack_kb)
        set->limits.jit_stack_kb = QR_REGEX_DEFAULT_JIT_STACK_KB;
    set->max_pairs = 1;
    return set;
}

void qr_regex_set_free(qr_regex_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++) {
        free(set->v[i].label);
        free(set->v[i].source);
        pcre2_code_free(set->v[i].code);
    }
    free(set->v);
    free(set);
}

static void pcre2_message(int code, char *buf, size_t n)
{
    if (pcre2_get_error_message(code, (PCRE2_UCHAR *)buf, n) < 0)
        snprintf(buf, n, "PCRE2 error %d", code);
}

/* Resolves def->group into a group number of `code`. */
static int resolve_group(pcre2_code *code, const qr_regex_def *def, uint32_t *group,
                         qr_error *err)
{
    const char *g = def->group;
    *group = 0;
    if (!g || !*g)
        return 0;
    uint32_t ncap = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ncap);
    if (strspn(g, "0123456789") == strlen(g)) {
        unsigned long n = strtoul(g, NULL, 10);
        if (strlen(g) > 9 || n > ncap)
            return qr_error_set(err, "regex '%s': group %s does not exist; the pattern has "
                                "%u capture group%s", def->label, g, (unsigned)ncap,
                                ncap == 1 ? "" : "s");
        *group = (uint32_t)n;
        return 0;
    }
    int rc = pcre2_substring_number_from_name(code, (PCRE2_SPTR)g);
    if (rc == PCRE2_ERROR_NOUNIQUESUBSTRING)
        return qr_error_set(err, "regex '%s': the group name '%s' is used more than once; "
                            "give the group's number instead", def->label, g);
    if (rc < 0)
        return qr_error_set(err, "regex '%s': no group named '%s' in the pattern; name a "
                            "group with (?<%s>...) or give its number", def->label, g, g);
    *group = (uint32_t)rc;
    return 0;
}

int qr_regex_set_add(qr_regex_set *set, const qr_regex_def *def, qr_error *err)
{
    size_t index = set->n;
    if (!def->label || !*def->label)
        return qr_error_set(err, "regex pattern %zu has no label; give every pattern a label",
                            index + 1);
    if (!def->pattern)
        return qr_error_set(err, "regex '%s': no pattern given", def->label);
    size_t plen = def->pattern_len == (size_t)-1 ? strlen(def->pattern) : def->pattern_len;

    /* MATCH_INVALID_UTF: invalid UTF-8 in a subject never matches any item
     * (a barrier no match crosses) instead of failing the whole call, and
     * PCRE2 does no up-front UTF check of the subject. */
    uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C;
    if (!(def->flags & QR_RE_NO_UCP))
        options |= PCRE2_UCP;
    if (def->flags & QR_RE_CASELESS)
        options |= PCRE2_CASELESS;
    if (def->flags & QR_RE_MULTILINE)
        options |= PCRE2_MULTILINE;
    if (def->flags & QR_RE_DOTALL)
        options |= PCRE2_DOTALL;
    if (def->flags & QR_RE_EXTENDED)
        options |= PCRE2_EXTENDED;
    if (def->flags & QR_RE_UNGREEDY)
        options |= PCRE2_UNGREEDY;

    int errcode;
    PCRE2_SIZE erroffset;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)def->pattern, plen, options, &errcode,
                                     &erroffset, NULL);
    if (!code) {
        char msg[256];
        pcre2_message(errcode, msg, sizeof msg);
        qr_error_set(err, "regex '%s': %s at pattern offset %zu", def->label, msg,
                     (size_t)erroffset);
        if (err)
            err->offset = (int64_t)erroffset;
        return -1;
    }
    uint32_t group;
    if (resolve_group(code, def, &group, err) < 0) {
        pcre2_code_free(code);
        return -1;
    }
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 4;
        pattern *v = realloc(set->v, cap * sizeof *v);
        if (!v) {
            pcre2_code_free(code);
            return qr_error_set(err, "regex '%s': out of memory", def->label);
        }
        set->v = v;
        set->cap = cap;
    }
    pattern *p = &set->v[set->n];
    p->label = strdup(def->label);
    p->source = dup_mem(def->pattern, plen);
    if (!p->label || !p->source) {
        free(p->label);
        free(p->source);
        pcre2_code_free(code);
        return qr_error_set(err, "regex '%s': out of memory", def->label);
    }
    p->source_len = plen;
    p->code = code;
    p->group = group;
    /* Without JIT support (or on failure) the interpreter runs the pattern. */
    size_t jit_size = 0;
    if (pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0)
        pcre2_pattern_info(code, PCRE2_INFO_JITSIZE, &jit_size);
    p->jit = jit_size > 0;

    uint32_t ncap = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ncap);
    if (ncap + 1 > set->max_pairs)
        set->max_pairs = ncap + 1;
    set->n++;
    return (int)index;
}

static const struct { const char *name; unsigned flag; } flag_names[] = {
    { "caseless", QR_RE_CASELESS }, { "multiline", QR_RE_MULTILINE },
    { "dotall", QR_RE_DOTALL },     { "extended", QR_RE_EXTENDED },
    { "ungreedy", QR_RE_UNGREEDY }, { "no_ucp", QR_RE_NO_UCP },
    { "ascii", QR_RE_NO_UCP },      { "ucp", 0 },
};

static int letter_flag(char c, unsigned *flag)
{
    switch (c) {
    case 'i': *flag = QR_RE_CASELESS; return 1;
    case 'm': *flag = QR_RE_MULTILINE; return 1;
    case 's': *flag = QR_RE_DOTALL; return 1;
    case 'x': *flag = QR_RE_EXTENDED; return 1;
    case 'U': *flag = QR_RE_UNGREEDY; return 1;
    default: return 0;
    }
}

int qr_regex_parse_flags(const char *text, unsigned *flags, qr_error *err)
{
    const char *seps = ", \t|";
    size_t n = strlen(text);
    unsigned f = 0, acc = 0;
    if (n > 0 && strspn(text, "imsxU") == n) {
        for (size_t i = 0; i < n; i++) {
            letter_flag(text[i], &f);
            acc |= f;
        }
        *flags |= acc;
        return 0;
    }
    for (const char *s = text + strspn(text, seps); *s; s += strspn(s, seps)) {
        size_t len = strcspn(s, seps);
        size_t i, count = sizeof flag_names / sizeof flag_names[0];
        for (i = 0; i < count; i++)
            if (strlen(flag_names[i].name) == len && memcmp(flag_names[i].name, s, len) == 0)
                break;
        if (i == count)
            return qr_error_set(err, "unknown regex flag '%.*s'; use caseless, multiline, "
                                "dotall, extended, ungreedy, no_ucp, or letters imsxU",
                                (int)len, s);
        acc |= flag_names[i].flag;
        s += len;
    }
    *flags |= acc;
    return 0;
}

/* }================================================================== */

size_t qr_regex_set_count(const qr_regex_set *set)
{
    return set->n;
}

const char *qr_regex_set_label(const qr_regex_set *set, size_t i)
{
    return i < set->n ? set->v[i].label : NULL;
}

int qr_regex_set_jit(const qr_regex_set *set, size_t i)
{
    return i < set->n ? set->v[i].jit : 0;
}

/* {==================================================================
 * Matching
 * =================================================================== */

qr_regex_scratch *qr_regex_scratch_new(const qr_regex_set *set, qr_error *err)
{
    qr_regex_scratch *s = calloc(1, sizeof *s);
    if (!s)
        goto oom;
    s->set = set;
    s->n = set->n;
    s->cur = calloc(set->n ? set->n : 1, sizeof *s->cur);
    s->md = pcre2_match_data_create(set->max_pairs, NULL);
    s->mctx = pcre2_match_context_create(NULL);
    if (!s->cur || !s->md || !s->mctx)
        goto oom;
    pcre2_set_match_limit(s->mctx, set->limits.match_limit);
    pcre2_set_depth_limit(s->mctx, set->limits.depth_limit);
    pcre2_set_heap_limit(s->mctx, set->limits.heap_limit_kb);
    int any_jit = 0;
    for (size_t i = 0; i < set->n; i++)
        any_jit |= set->v[i].jit;
    if (any_jit) {
        size_t max = (size_t)set->limits.jit_stack_kb * 1024;
        s->jit_stack = pcre2_jit_stack_create(max < 32768 ? max : 32768, max, NULL);
        if (!s->jit_stack)
            goto oom;
        pcre2_jit_stack_assign(s->mctx, NULL, s->jit_stack);
    }
    return s;
oom:
    qr_regex_scratch_free(s);
    qr_error_set(err, "regex: out of memory for match data");
    return NULL;
}

void qr_regex_scratch_free(qr_regex_scratch *s)
{
    if (!s)
        return;
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mctx);
    pcre2_jit_stack_free(s->jit_stack);
    free(s->cur);
    free(s);
}

static int match_error(const pattern *p, int rc, size_t pos, qr_error *err)
{
    const char *what = NULL, *limit = NULL;
    switch (rc) {
    case PCRE2_ERROR_MATCHLIMIT: what = "match limit"; limit = "match_limit"; break;
    case PCRE2_ERROR_DEPTHLIMIT: what = "depth limit"; limit = "depth_limit"; break;
    case PCRE2_ERROR_HEAPLIMIT: what = "heap limit"; limit = "heap_limit"; break;
    case PCRE2_ERROR_JIT_STACKLIMIT: what = "JIT stack limit"; limit = "jit_stack"; break;
    default: break;
    }
    if (what) {
        qr_error_set(err, "regex %s: %s exceeded at byte offset %zu in this document; "
                     "simplify the pattern or raise %s", p->label, what, pos, limit);
    } else {
        char msg[256];
        pcre2_message(rc, msg, sizeof msg);
        if (rc == PCRE2_ERROR_NOMEMORY) {
            qr_error_set(err, "regex %s: out of memory at byte offset %zu in this document",
                         p->label, pos);
        } else {
            qr_error_set(err, "regex %s: PCRE2 match error at byte offset %zu in this "
                         "document: %s", p->label, pos, msg);
        }
    }
    if (err)
        err->offset = (int64_t)pos;
    return -1;
}

static size_t next_char(const char *text, size_t len, size_t pos)
{
    pos++;
    while (pos < len && ((unsigned char)text[pos] & 0xC0) == 0x80)
        pos++;
    return pos;
}

/* Finds the next non-empty span of pattern p from its cursor. Patterns are
 * compiled with PCRE2_MATCH_INVALID_UTF: PCRE2 checks no subject up front
 * and invalid UTF-8 simply never matches. */
static int advance(const qr_regex_set *set, qr_regex_scratch *s, size_t ip,
                   const char *text, size_t len, qr_error *err)
{
    const pattern *p = &set->v[ip];
    cursor *c = &s->cur[ip];
    for (;;) {
        if (c->pos > len) {
            c->state = CUR_DONE;
            return 0;
        }
        uint32_t opts = c->notempty_atstart ? PCRE2_NOTEMPTY_ATSTART : 0;
        int rc = pcre2_match(p->code, (PCRE2_SPTR)text, len, c->pos, opts, s->md, s->mctx);
        if (rc == PCRE2_ERROR_NOMATCH) {
            c->state = CUR_DONE;
            return 0;
        }
        if (rc < 0)
            return match_error(p, rc, c->pos, err);

        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        size_t ms = ov[0], me = ov[1];
        if (me > ms) {
            c->pos = me;
            c->notempty_atstart = 0;
        } else if (me == ms) {
            c->pos = me;
            c->notempty_atstart = 1;
        } else {
            /* \K moved the start past the end: step over one character. */
            if (ms >= len) {
                c->state = CUR_DONE;
                return 0;
            }
            c->pos = next_char(text, len, ms);
            c->notempty_atstart = 0;
        }
        uint32_t g = p->group;
        if ((uint32_t)rc <= g || ov[2 * g] == PCRE2_UNSET)
            continue;
        size_t start = ov[2 * g], end = ov[2 * g + 1];
        if (end <= start)
            continue;
        c->start = start;
        c->end = end;
        c->state = CUR_HAVE;
        return 0;
    }
}

int qr_regex_set_match(const qr_regex_set *set, qr_regex_scratch *s,
                       const char *text, size_t len, unsigned mflags,
                       qr_regex_span_fn fn, void *ud, qr_error *err)
{
    if (s->set != set || s->n != set->n)
        return qr_error_set(err, "regex: this scratch was made for another set (or before "
                            "the last pattern was added); make one per set and thread");
    (void)mflags; /* QR_RE_TEXT_VALID_UTF8 is accepted; nothing depends on it now */
    for (size_t i = 0; i < set->n; i++) {
        s->cur[i] = (cursor){ .state = CUR_SEARCH };
        if (advance(set, s, i, text, len, err) < 0)
            return -1;
    }
    for (;;) {
        size_t best = set->n;
        for (size_t i = 0; i < set->n; i++) {
            if (s->cur[i].state != CUR_HAVE)
                continue;
            if (best == set->n || s->cur[i].start < s->cur[best].start)
                best = i;
        }
        if (best == set->n)
            return 0;
        qr_regex_span span = { s->cur[best].start, s->cur[best].end, set->v[best].label,
                               (uint32_t)best };
        if (fn(ud, &span))
            return 0;
        if (advance(set, s, best, text, len, err) < 0)
            return -1;
    }
}

typedef struct collect {
    qr_regex_spans *out;
    int oom;
} collect;

static int collect_span(void *ud, const qr_regex_span *span)
{
    collect *c = ud;
    qr_regex_spans *out = c->out;
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 64;
        qr_regex_span *v = realloc(out->v, cap * sizeof *v);
        if (!v) {
            c->oom = 1;
            return 1;
        }
        out->v = v;
        out->cap = cap;
    }
    out->v[out->n++] = *span;
    return 0;
}

int qr_regex_set_match_all(const qr_regex_set *set, qr_regex_scratch *scratch,
                           const char *text, size_t len, unsigned mflags,
                           qr_regex_spans *out, qr_error *err)
{
    collect c = { out, 0 };
    if (qr_regex_set_match(set, scratch, text, len, mflags, collect_span, &c, err) < 0)
        return -1;
    if (c.oom)
        return qr_error_set(err, "regex: out of memory for %zu spans", out->n + 1);
    return 0;
}

void qr_regex_spans_init(qr_regex_spans *spans)
{
    spans->v = NULL;
    spans->n = spans->cap = 0;
}

void qr_regex_spans_free(qr_regex_spans *spans)
{
    free(spans->v);
    qr_regex_spans_init(spans);
}

/* }================================================================== */
