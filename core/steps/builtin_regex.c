/* regex step — labeled PCRE2 patterns (core/regex.h) as entities.
 *
 *   patterns:    { LABEL: 'pattern', LABEL2: { pattern, group, flags } }
 *                or [ { label, pattern, group, flags } … ]
 *   flags:       added to every pattern (imsxU letters or names)
 *   match_limit: PCRE2 match limit per search
 * Each match (or the chosen group) becomes a span with the pattern's label. */
#include "doc.h"
#include "error.h"
#include "regex.h"
#include "registry.h"
#include "value.h"

#include <stdlib.h>
#include <string.h>

typedef struct re_thread {
    qr_regex_scratch *s;
    qr_regex_spans spans;
} re_thread;

static const char *const pattern_keys[] = {"label", "pattern", "group", "flags"};

static int check_keys(const qr_value *map, qr_error *err)
{
    for (size_t i = 0; i < qr_value_len(map); i++) {
        const char *k = qr_value_key_at(map, i);
        size_t j = 0;
        while (j < 4 && strcmp(pattern_keys[j], k) != 0)
            j++;
        if (j < 4)
            continue;
        const char *best = qr_closest_name(k, pattern_keys, 4);
        const qr_value_entry *e = qr_value_get_entry(map, k);
        qr_value_mark(map, err);
        if (e->key_line) {
            err->line = e->key_line;
            err->col = e->key_col;
        }
        if (best)
            return qr_error_set(err, "a regex pattern has no key '%s'; did you mean '%s'?", k, best);
        return qr_error_set(err, "a regex pattern has no key '%s'; its keys are: label, pattern, group, flags", k);
    }
    return 0;
}

/* group: a number or a name */
static int group_text(const qr_value *g, char *buf, size_t n, const char **out, qr_error *err)
{
    *out = NULL;
    if (!g || g->type == QR_VAL_NULL)
        return 0;
    if (g->type == QR_VAL_INT) {
        if (g->u.i < 0)
            return qr_value_error(g, err, "group must be a group number (0 for the whole match, 1 for "
                                  "the first group…) or a name, got %lld", (long long)g->u.i);
        snprintf(buf, n, "%lld", (long long)g->u.i);
        *out = buf;
        return 0;
    }
    if (g->type == QR_VAL_STRING) {
        *out = g->u.str.s;
        return 0;
    }
    return qr_value_error(g, err, "group must be a group number or a name");
}

static int add_one(qr_regex_set *set, const char *label, const qr_value *spec, unsigned base_flags,
                   const qr_value *at, qr_error *err)
{
    qr_regex_def d = {.label = label, .pattern_len = (size_t)-1, .flags = base_flags};
    char gbuf[32];
    const qr_value *pv = spec;
    if (spec->type == QR_VAL_MAP) {
        if (check_keys(spec, err) != 0)
            return -1;
        pv = qr_value_get(spec, "pattern");
        const qr_value *fl = qr_value_get(spec, "flags");
        if (fl && fl->type != QR_VAL_NULL) {
            qr_error fe;
            qr_error_clear(&fe);
            if (fl->type != QR_VAL_STRING || qr_regex_parse_flags(fl->u.str.s, &d.flags, &fe) != 0)
                return qr_value_error(fl, err, "regex '%s': %s", label,
                                      fe.message[0] ? fe.message : "flags must be a string such as 'im'");
        }
        if (group_text(qr_value_get(spec, "group"), gbuf, sizeof gbuf, &d.group, err) != 0)
            return -1;
    }
    if (!pv || pv->type != QR_VAL_STRING)
        return qr_value_error(pv ? pv : at, err, "regex '%s' needs a pattern (a string; quote it with '…')", label);
    d.pattern = pv->u.str.s;
    d.pattern_len = pv->u.str.len;
    qr_error ce;
    qr_error_clear(&ce);
    if (qr_regex_set_add(set, &d, &ce) < 0)
        return qr_value_error(pv, err, "%s", ce.message);
    return 0;
}

static void *re_init(const qr_host_api *api, const qr_value *opt, const qr_step_ctx *ctx, qr_error *err)
{
    (void)api;
    (void)ctx;
    const qr_value *pats = qr_value_get(opt, "patterns");
    unsigned flags = 0;
    const char *fl = qr_value_string(qr_value_get(opt, "flags"));
    if (fl && *fl) {
        qr_error fe;
        qr_error_clear(&fe);
        if (qr_regex_parse_flags(fl, &flags, &fe) != 0) {
            qr_value_error(qr_value_get(opt, "flags"), err, "%s", fe.message);
            return NULL;
        }
    }
    int64_t limit = qr_value_int(qr_value_get(opt, "match_limit"));
    if (limit < 1 || limit > UINT32_MAX) {
        qr_value_error(qr_value_get(opt, "match_limit"), err, "match_limit must be between 1 and %u", UINT32_MAX);
        return NULL;
    }
    qr_regex_limits lim = {.match_limit = (uint32_t)limit};
    qr_regex_set *set = qr_regex_set_new(&lim, err);
    if (!set)
        return NULL;
    if (pats->type == QR_VAL_MAP) {
        for (size_t i = 0; i < pats->u.map.n; i++)
            if (add_one(set, pats->u.map.v[i].key, pats->u.map.v[i].value, flags, pats, err) != 0)
                goto fail;
    } else if (pats->type == QR_VAL_LIST) {
        for (size_t i = 0; i < pats->u.list.n; i++) {
            const qr_value *it = pats->u.list.v[i];
            const char *label = qr_value_string(qr_value_get(it, "label"));
            if (it->type != QR_VAL_MAP || !label || !*label) {
                qr_value_error(it, err, "each item of 'patterns' needs a label and a pattern: "
                               "{ label: YEAR, pattern: '\\d{4}' }");
                goto fail;
            }
            if (add_one(set, label, it, flags, it, err) != 0)
                goto fail;
        }
    } else {
        qr_value_error(pats, err, "'patterns' must be a map (LABEL: pattern) or a list of { label, pattern, group, flags }");
        goto fail;
    }
    if (qr_regex_set_count(set) == 0) {
        qr_value_error(pats, err, "'patterns' is empty; give at least one LABEL: pattern");
        goto fail;
    }
    return set;
fail:
    qr_regex_set_free(set);
    return NULL;
}

static void *re_thread_init(void *state, qr_error *err)
{
    re_thread *t = calloc(1, sizeof *t);
    if (!t) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    if (!(t->s = qr_regex_scratch_new(state, err))) {
        free(t);
        return NULL;
    }
    qr_regex_spans_init(&t->spans);
    return t;
}

static void re_thread_free(void *state, void *ts)
{
    (void)state;
    re_thread *t = ts;
    if (!t)
        return;
    qr_regex_scratch_free(t->s);
    qr_regex_spans_free(&t->spans);
    free(t);
}

static int re_process(void *state, void *ts, qr_doc *doc, qr_error *err)
{
    re_thread *t = ts;
    t->spans.n = 0;
    if (qr_regex_set_match_all(state, t->s, doc->text ? doc->text : "", doc->len, 0, &t->spans, err) != 0)
        return -1;
    for (size_t i = 0; i < t->spans.n; i++) {
        const qr_regex_span *s = &t->spans.v[i];
        if (qr_doc_add_span(doc, (uint32_t)s->start, (uint32_t)s->end, s->label, NULL, 1.0, NULL, err) != 0)
            return -1;
    }
    return 0;
}

static void re_free(void *state)
{
    qr_regex_set_free(state);
}

static const qr_option_def re_options[] = {
    {"patterns", QR_OPT_ANY, NULL, NULL,
     "{ LABEL: 'pattern' } or [ { label, pattern, group, flags } ] (PCRE2, UTF + UCP)", QR_OPT_REQUIRED},
    {"flags", QR_OPT_STRING, "", NULL, "flags for every pattern: i m s x U, or names (caseless, …)", 0},
    {"match_limit", QR_OPT_INT, "10000000", NULL, "PCRE2 match limit per search (stops runaway patterns)", 0},
    {NULL, 0, NULL, NULL, NULL, 0}
};

const qr_step_def qr_step_regex_def = {
    .size = sizeof(qr_step_def),
    .name = "regex",
    .description = "find regular-expression matches (years, amounts, codes…) as labeled entities",
    .options = re_options,
    .flags = 0,
    .init = re_init,
    .thread_init = re_thread_init,
    .process = re_process,
    .thread_free = re_thread_free,
    .free = re_free,
};
