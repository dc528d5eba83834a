#include "classify/rules.h"
#include "classify/strtab.h"
#include "error.h"
#include "gazetteer.h"
#include "regex.h"
#include "registry.h"

#include <stdlib.h>
#include <string.h>

typedef struct ent_cond {
    uint32_t rule;
    char *label;
    double weight;
} ent_cond;

typedef struct word_link {
    uint32_t rule, next;   /* next: index + 1 into links, 0 ends */
} word_link;

struct qr_rules {
    size_t n;
    char **labels;
    double *weight;
    qr_strtab words;
    uint32_t *wfirst;      /* per word id: index + 1 into links */
    word_link *links;
    size_t n_links;
    qr_gazetteer *gaz;     /* NULL without phrases */
    uint32_t *list_rule;   /* gazetteer list -> rule */
    qr_regex_set *re;      /* NULL without patterns */
    uint32_t *re_rule;     /* pattern -> rule */
    size_t n_re;
    ent_cond *ents;
    size_t n_ents;
};

struct qr_rules_scratch {
    qr_gazetteer_scratch *gs;
    qr_gaz_matches gm;
    qr_regex_scratch *rs;
    qr_regex_spans sp;
    double *scores;
};

static const char *const rule_keys[] = {"words", "phrases", "regex", "entities", "weight"};

void qr_rules_free(qr_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->labels && i < r->n; i++)
        free(r->labels[i]);
    free(r->labels);
    free(r->weight);
    qr_strtab_free(&r->words);
    free(r->wfirst);
    free(r->links);
    qr_gazetteer_free(r->gaz);
    free(r->list_rule);
    qr_regex_set_free(r->re);
    free(r->re_rule);
    for (size_t i = 0; i < r->n_ents; i++)
        free(r->ents[i].label);
    free(r->ents);
    free(r);
}

size_t qr_rules_count(const qr_rules *r) { return r->n; }
const char *qr_rules_label(const qr_rules *r, size_t i) { return i < r->n ? r->labels[i] : NULL; }

static int check_rule_keys(const qr_value *rule, const char *name, qr_error *err)
{
    for (size_t i = 0; i < rule->u.map.n; i++) {
        const qr_value_entry *e = &rule->u.map.v[i];
        size_t j = 0;
        while (j < 5 && strcmp(rule_keys[j], e->key))
            j++;
        if (j < 5)
            continue;
        const char *best = qr_closest_name(e->key, rule_keys, 5);
        qr_value_mark(rule, err);
        if (e->key_line) {
            err->line = e->key_line;
            err->col = e->key_col;
        }
        if (best)
            return qr_error_set(err, "rule '%s' has no key '%s'; did you mean '%s'?", name, e->key, best);
        return qr_error_set(err, "rule '%s' has no key '%s'; a rule takes words, phrases, regex, entities "
                            "and weight", name, e->key);
    }
    return 0;
}

/* A list of strings (a single string is accepted). */
static int string_items(const qr_value *v, const char *rule, const char *key, qr_error *err)
{
    if (!v || v->type == QR_VAL_NULL || v->type == QR_VAL_STRING)
        return 0;
    if (v->type != QR_VAL_LIST)
        return qr_value_error(v, err, "rule '%s': '%s' must be a list of strings, got %s", rule, key,
                              qr_value_type_name(v->type));
    for (size_t i = 0; i < v->u.list.n; i++)
        if (v->u.list.v[i]->type != QR_VAL_STRING || !v->u.list.v[i]->u.str.len)
            return qr_value_error(v->u.list.v[i], err, "rule '%s': each item of '%s' must be a non-empty string",
                                  rule, key);
    return 0;
}

static size_t items_len(const qr_value *v)
{
    return !v || v->type == QR_VAL_NULL ? 0 : v->type == QR_VAL_STRING ? 1 : v->u.list.n;
}

static const qr_value *item_at(const qr_value *v, size_t i)
{
    return v->type == QR_VAL_STRING ? v : v->u.list.v[i];
}

static int add_word_link(qr_rules *r, size_t id, uint32_t rule, qr_error *err)
{
    /* a word listed twice in one rule counts once */
    for (uint32_t k = r->wfirst[id]; k; k = r->links[k - 1].next)
        if (r->links[k - 1].rule == rule)
            return 0;
    word_link *l = realloc(r->links, (r->n_links + 1) * sizeof *l);
    if (!l)
        return qr_error_set(err, "out of memory");
    r->links = l;
    l[r->n_links] = (word_link){rule, r->wfirst[id]};
    r->wfirst[id] = (uint32_t)++r->n_links;
    return 0;
}

static int ensure_gaz(qr_rules *r, qr_error *err)
{
    if (r->gaz)
        return 0;
    if (!(r->gaz = qr_gazetteer_new()) || !(r->list_rule = calloc(r->n, sizeof *r->list_rule)))
        return qr_error_set(err, "out of memory");
    for (size_t i = 0; i < r->n; i++) {
        qr_gazetteer_list l = {.path = NULL, .label = r->labels[i], .case_mode = QR_CASE_INSENSITIVE};
        int li = qr_gazetteer_add_list(r->gaz, &l, err);
        if (li < 0)
            return -1;
        r->list_rule[li] = (uint32_t)i;
    }
    return 0;
}

static int add_rule(qr_rules *r, uint32_t ri, const qr_value *rule, qr_tokens *toks, qr_error *err)
{
    const char *name = r->labels[ri];
    const qr_value *words = qr_value_get(rule, "words"), *phrases = qr_value_get(rule, "phrases");
    const qr_value *regex = qr_value_get(rule, "regex"), *ents = qr_value_get(rule, "entities");
    const qr_value *weight = qr_value_get(rule, "weight");
    if (check_rule_keys(rule, name, err) != 0 || string_items(words, name, "words", err) != 0 ||
        string_items(phrases, name, "phrases", err) != 0 || string_items(regex, name, "regex", err) != 0)
        return -1;
    r->weight[ri] = 1.0;
    if (weight && weight->type != QR_VAL_NULL) {
        if (weight->type != QR_VAL_INT && weight->type != QR_VAL_NUMBER)
            return qr_value_error(weight, err, "rule '%s': 'weight' must be a number", name);
        r->weight[ri] = qr_value_number(weight);
    }
    if (!items_len(words) && !items_len(phrases) && !items_len(regex) && !qr_value_len(ents))
        return qr_value_error(rule, err, "rule '%s' has nothing to match: give words, phrases, regex or entities",
                              name);
    for (size_t i = 0; i < items_len(words); i++) {
        const qr_value *w = item_at(words, i);
        if (qr_tokenize(w->u.str.s, w->u.str.len, toks, err) != 0)
            return -1;
        if (toks->n == 0)
            return qr_value_error(w, err, "rule '%s': word '%s' has no token in it", name, w->u.str.s);
        if (toks->n > 1) {
            qr_error ge;
            if (ensure_gaz(r, err) != 0 || qr_gazetteer_add(r->gaz, (int)ri, w->u.str.s, NULL, NULL, NULL, &ge) != 0)
                return qr_value_error(w, err, "rule '%s': word '%s': %s", name, w->u.str.s, ge.message);
            continue;
        }
        const char *key = qr_token_key(toks, 0);
        size_t klen = toks->v[0].key_len;
        int64_t id = qr_strtab_intern(&r->words, key, klen, qr_strtab_hash(key, klen), err);
        if (id < 0)
            return -1;
        if ((size_t)id >= r->words.n - 1) {
            uint32_t *f = realloc(r->wfirst, r->words.n * sizeof *f);
            if (!f)
                return qr_error_set(err, "out of memory");
            r->wfirst = f;
            f[id] = 0;
        }
        if (add_word_link(r, (size_t)id, ri, err) != 0)
            return -1;
    }
    for (size_t i = 0; i < items_len(phrases); i++) {
        const qr_value *p = item_at(phrases, i);
        qr_error ge;
        qr_error_clear(&ge);
        if (ensure_gaz(r, err) != 0)
            return -1;
        if (qr_gazetteer_add(r->gaz, (int)ri, p->u.str.s, NULL, NULL, NULL, &ge) != 0)
            return qr_value_error(p, err, "rule '%s': phrase '%s': %s", name, p->u.str.s, ge.message);
    }
    for (size_t i = 0; i < items_len(regex); i++) {
        const qr_value *p = item_at(regex, i);
        if (!r->re && !(r->re = qr_regex_set_new(NULL, err)))
            return -1;
        qr_regex_def d = {.label = name, .pattern = p->u.str.s, .pattern_len = p->u.str.len,
                          .flags = QR_RE_CASELESS};
        qr_error re;
        qr_error_clear(&re);
        int idx = qr_regex_set_add(r->re, &d, &re);
        if (idx < 0)
            return qr_value_error(p, err, "rule '%s': %s", name, re.message);
        uint32_t *m = realloc(r->re_rule, ((size_t)idx + 1) * sizeof *m);
        if (!m)
            return qr_error_set(err, "out of memory");
        r->re_rule = m;
        m[idx] = ri;
        r->n_re = (size_t)idx + 1;
    }
    if (ents && ents->type != QR_VAL_NULL) {
        if (ents->type != QR_VAL_MAP && ents->type != QR_VAL_LIST && ents->type != QR_VAL_STRING)
            return qr_value_error(ents, err, "rule '%s': 'entities' must be a map { LABEL: weight } or a list "
                                  "of entity labels", name);
        size_t n = ents->type == QR_VAL_STRING ? 1 : qr_value_len(ents);
        ent_cond *v = realloc(r->ents, (r->n_ents + n) * sizeof *v);
        if (!v)
            return qr_error_set(err, "out of memory");
        r->ents = v;
        for (size_t i = 0; i < n; i++) {
            const char *label;
            double w = r->weight[ri];
            if (ents->type == QR_VAL_MAP) {
                const qr_value *wv = ents->u.map.v[i].value;
                label = ents->u.map.v[i].key;
                if (wv->type != QR_VAL_INT && wv->type != QR_VAL_NUMBER)
                    return qr_value_error(wv, err, "rule '%s': the weight of entity '%s' must be a number",
                                          name, label);
                w = qr_value_number(wv);
            } else {
                const qr_value *it = item_at(ents, i);
                if (it->type != QR_VAL_STRING || !it->u.str.len)
                    return qr_value_error(it, err, "rule '%s': each item of 'entities' must be an entity label",
                                          name);
                label = it->u.str.s;
            }
            if (!(v[r->n_ents].label = strdup(label)))
                return qr_error_set(err, "out of memory");
            v[r->n_ents].rule = ri;
            v[r->n_ents].weight = w;
            r->n_ents++;
        }
    }
    return 0;
}

qr_rules *qr_rules_new(const qr_value *rules, qr_error *err)
{
    if (!rules || rules->type != QR_VAL_MAP || rules->u.map.n == 0) {
        if (rules)
            qr_value_error(rules, err, "'rules' must be a map of label: { words: [...], phrases: [...], "
                           "regex: [...], entities: {...}, weight: N }");
        else
            qr_error_set(err, "no rules given");
        return NULL;
    }
    qr_rules *r = calloc(1, sizeof *r);
    qr_tokens toks;
    qr_tokens_init(&toks);
    if (!r) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    qr_strtab_init(&r->words);
    r->n = rules->u.map.n;
    if (!(r->labels = calloc(r->n, sizeof *r->labels)) || !(r->weight = calloc(r->n, sizeof *r->weight))) {
        qr_error_set(err, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < r->n; i++)
        if (!(r->labels[i] = strdup(rules->u.map.v[i].key))) {
            qr_error_set(err, "out of memory");
            goto fail;
        }
    for (size_t i = 0; i < r->n; i++) {
        const qr_value *rule = rules->u.map.v[i].value;
        if (!rule || rule->type != QR_VAL_MAP) {
            qr_value_error(rule ? rule : rules, err, "rule '%s' must be a map such as { words: [a, b], weight: 1 }",
                           r->labels[i]);
            goto fail;
        }
        if (!*r->labels[i]) {
            qr_value_error(rule, err, "a rule needs a non-empty label");
            goto fail;
        }
        if (add_rule(r, (uint32_t)i, rule, &toks, err) != 0)
            goto fail;
    }
    if (r->gaz && qr_gazetteer_compile(r->gaz, err) != 0)
        goto fail;
    qr_tokens_free(&toks);
    return r;
fail:
    qr_tokens_free(&toks);
    qr_rules_free(r);
    return NULL;
}

qr_rules_scratch *qr_rules_scratch_new(const qr_rules *r, qr_error *err)
{
    qr_rules_scratch *s = calloc(1, sizeof *s);
    if (!s || !(s->scores = calloc(r->n, sizeof *s->scores))) {
        free(s);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    qr_gaz_matches_init(&s->gm);
    qr_regex_spans_init(&s->sp);
    if ((r->gaz && !(s->gs = qr_gazetteer_scratch_new())) ||
        (r->re && !(s->rs = qr_regex_scratch_new(r->re, err)))) {
        if (!s->rs && r->re && !err->message[0])
            qr_error_set(err, "out of memory");
        if (!s->gs && r->gaz)
            qr_error_set(err, "out of memory");
        qr_rules_scratch_free(s);
        return NULL;
    }
    return s;
}

void qr_rules_scratch_free(qr_rules_scratch *s)
{
    if (!s)
        return;
    qr_gazetteer_scratch_free(s->gs);
    qr_gaz_matches_free(&s->gm);
    qr_regex_scratch_free(s->rs);
    qr_regex_spans_free(&s->sp);
    free(s->scores);
    free(s);
}

int qr_rules_score(const qr_rules *r, qr_rules_scratch *s, qr_doc *doc, double *scores, qr_error *err)
{
    for (size_t i = 0; i < r->n; i++)
        scores[i] = 0;
    if (qr_doc_ensure_tokens(doc, err) != 0)
        return -1;
    const qr_tokens *t = &doc->tokens;
    if (r->words.n)
        for (size_t i = 0; i < t->n; i++) {
            const char *key = qr_token_key(t, i);
            size_t klen = t->v[i].key_len;
            int64_t id = qr_strtab_find(&r->words, key, klen, qr_strtab_hash(key, klen));
            if (id < 0)
                continue;
            for (uint32_t k = r->wfirst[id]; k; k = r->links[k - 1].next)
                scores[r->links[k - 1].rule] += r->weight[r->links[k - 1].rule];
        }
    const char *text = doc->text ? doc->text : "";
    if (r->gaz) {
        if (qr_gazetteer_match(r->gaz, s->gs, text, t, QR_GAZ_LONGEST, &s->gm, err) != 0)
            return -1;
        for (size_t i = 0; i < s->gm.n; i++) {
            uint32_t rule = r->list_rule[s->gm.v[i].list];
            scores[rule] += r->weight[rule];
        }
    }
    if (r->re) {
        s->sp.n = 0;
        if (qr_regex_set_match_all(r->re, s->rs, text, doc->len, 0, &s->sp, err) != 0)
            return -1;
        for (size_t i = 0; i < s->sp.n; i++) {
            uint32_t rule = r->re_rule[s->sp.v[i].pattern];
            scores[rule] += r->weight[rule];
        }
    }
    if (r->n_ents)
        for (size_t i = 0; i < doc->n_spans; i++)
            for (size_t k = 0; k < r->n_ents; k++)
                if (!strcmp(doc->spans[i].label, r->ents[k].label))
                    scores[r->ents[k].rule] += r->ents[k].weight;
    return 0;
}

int qr_rules_apply(const qr_rules *r, qr_rules_scratch *s, qr_doc *doc, double threshold, int multi,
                   qr_error *err)
{
    if (qr_rules_score(r, s, doc, s->scores, err) != 0)
        return -2;
    int best = -1;
    for (size_t i = 0; i < r->n; i++)
        if (s->scores[i] > 0 && s->scores[i] >= threshold && (best < 0 || s->scores[i] > s->scores[best]))
            best = (int)i;
    for (size_t i = 0; i < r->n; i++)
        if (best >= 0 && (multi ? s->scores[i] > 0 && s->scores[i] >= threshold : (int)i == best) &&
            qr_doc_set_label(doc, r->labels[i], s->scores[i], err) != 0)
            return -2;
    if (qr_doc_choose_label(doc, best >= 0 ? r->labels[best] : NULL, err) != 0)
        return -2;
    return best;
}
