/*
 * keywords — per-document key terms with RAKE (Rose et al., 2010, "Automatic
 * keyword extraction from individual documents").
 *
 * Candidate phrases are runs of content words inside a sentence (runs
 * longer than max_words are dropped, as rake-nltk does), split at stop words (the built-in English list plus an optional
 * `stopwords` file), punctuation, numbers and quote marks. Without a
 * part-of-speech tagger, phrases also end at common verb forms
 * (qr_news_is_verb_form: "needs", "pushed", "sold"; `cut_verbs: false`
 * turns this off), so "developing countries need" gives "developing
 * countries"; a past form may start a phrase before a content word
 * ("processed metals"). Each word gets
 * degree/frequency (its degree: the summed length of the candidates it
 * appears in); a phrase scores the sum of its words' scores. As a variant
 * for news, where a phrase repeated across the article matters more than a
 * long one said once, the score is multiplied by the number of times the
 * phrase occurs (`repeat_weight: false` gives plain RAKE).
 * Words inside spans whose label is in skip_labels split candidates too
 * (entities are reported on their own). Terms are token keys (NFKC +
 * case-folded) joined by spaces.
 *
 * Output: doc field `field` (default "keywords"): the top `top` phrases as
 * [{"term", "score", "count"}], best first; ties broken by count, then term.
 */
#include "doc.h"
#include "error.h"
#include "news_words.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct kw_state {
    qr_wordset *stop, *skip;
    char field[64];
    int top, max_words, repeat_weight, min_len, cut_verbs;
} kw_state;

typedef struct wref {          /* one candidate word occurrence */
    const char *key;
    uint32_t len, phrase_len;
    double score;
} wref;

typedef struct phrase {
    uint32_t first, n;         /* index of its first word in words[], length */
    char *term;                /* points into the arena */
    double score;
    int count;
} phrase;

typedef struct kw_scratch {
    wref *w, **sorted;
    size_t n_w, cap_w, cap_sorted;
    phrase *p;
    size_t n_p, cap_p;
    char *arena;
    size_t n_arena, cap_arena;
    uint8_t *skip;             /* per token: inside a span with a skip label */
    size_t cap_skip;
} kw_scratch;

/* Grows array `v` (of *cap items) to hold `need`; returns the new pointer
 * or NULL (v untouched) on out of memory. */
static void *grow(void *v, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return v;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *p = realloc(v, c * size);
    if (p)
        *cap = c;
    return p;
}
#define GROW(arr, cap, need) \
    ((need) <= (cap) ? 1 : ((tmp = grow((arr), &(cap), (need), sizeof *(arr))) ? ((arr) = tmp, 1) : 0))

static int content_word(const kw_state *st, const kw_scratch *sc, const qr_doc *d, size_t i)
{
    const qr_token *t = &d->tokens.v[i];
    if (sc->skip[i] || t->kind != QR_TOK_WORD || t->key_len < (uint32_t)st->min_len)
        return 0;
    const char *k = qr_token_key(&d->tokens, i);
    int letters = 0;
    for (uint32_t j = 0; j < t->key_len; j++)
        letters += (unsigned char)k[j] >= 0x80 || ((k[j] | 0x20) >= 'a' && (k[j] | 0x20) <= 'z');
    return letters > 0 && !qr_news_is_stopword(k, t->key_len) && !qr_wordset_has(st->stop, k, t->key_len);
}

static int verb_at(const qr_doc *d, size_t i)
{
    return qr_news_is_verb_form(qr_token_key(&d->tokens, i), d->tokens.v[i].key_len);
}

/* "processed metals", "the shared environmental standards": a past form
 * after a sentence start, punctuation, an article, possessive or
 * preposition and before a content word that is no verb modifies it ("it
 * has provided aid", "Kestrel reported revenue": a verb). */
static int participle_modifier(const kw_state *st, const kw_scratch *sc, const qr_doc *d, size_t i,
                               size_t lo, size_t end)
{
    static const char *const before[] = {"a", "an", "and", "by", "for", "from", "her", "his", "in",
                                         "its", "of", "on", "or", "our", "the", "their", "with", NULL};
    const qr_token *t = &d->tokens.v[i];
    const char *k = qr_token_key(&d->tokens, i);
    int ok = i == lo || d->tokens.v[i - 1].kind != QR_TOK_WORD;
    for (size_t b = 0; !ok && before[b]; b++)
        ok = d->tokens.v[i - 1].key_len == strlen(before[b])
             && memcmp(qr_token_key(&d->tokens, i - 1), before[b], strlen(before[b])) == 0;
    return ok && t->key_len > 3 && memcmp(k + t->key_len - 2, "ed", 2) == 0 && i + 1 < end
           && !(d->tokens.v[i + 1].flags & QR_TF_NEWLINE_BEFORE) && content_word(st, sc, d, i + 1)
           && !verb_at(d, i + 1);
}

static int cmp_wref(const void *a, const void *b)
{
    const wref *x = *(wref *const *)a, *y = *(wref *const *)b;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int cmp_term(const void *a, const void *b)
{
    return strcmp(((const phrase *)a)->term, ((const phrase *)b)->term);
}

static int cmp_rank(const void *a, const void *b)
{
    const phrase *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    if (x->count != y->count)
        return y->count - x->count;
    return strcmp(x->term, y->term);
}

static int kw_process(void *state, void *ts, qr_doc *d, qr_error *err)
{
    const kw_state *st = state;
    kw_scratch local = {0}, *sc = ts ? ts : &local;
    int rc = 0;
    void *tmp;
    if (qr_doc_ensure_sentences(d, err) != 0)
        return -1;
    sc->n_w = sc->n_p = sc->n_arena = 0;
    if (!GROW(sc->skip, sc->cap_skip, d->tokens.n + 1))
        goto oom;
    memset(sc->skip, 0, d->tokens.n + 1);
    for (size_t s = 0; s < d->n_spans; s++) {   /* entity words are not key phrases */
        const qr_span *sp = &d->spans[s];
        if (!qr_wordset_has(st->skip, sp->label, strlen(sp->label)))
            continue;
        size_t lo = 0, hi = d->tokens.n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (d->tokens.v[mid].end <= sp->start)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t i = lo; i < d->tokens.n && d->tokens.v[i].start < sp->end; i++)
            sc->skip[i] = 1;
    }

    /* candidates: word runs split at stop words, punctuation, sentences */
    for (size_t s = 0; s < d->sentences.n; s++) {
        size_t i = d->sentences.v[s].tok_start, end = d->sentences.v[s].tok_end;
        while (i < end) {
            if (!content_word(st, sc, d, i)) {
                i++;
                continue;
            }
            if (st->cut_verbs && verb_at(d, i)
                && !participle_modifier(st, sc, d, i, d->sentences.v[s].tok_start, end)) {
                i++;
                continue;
            }
            size_t j = i;
            while (j < end && content_word(st, sc, d, j)
                   && (j == i || !(d->tokens.v[j].flags & QR_TF_NEWLINE_BEFORE))
                   && (j == i || !st->cut_verbs || !verb_at(d, j)))
                j++;
            if (j - i > (size_t)st->max_words) {   /* too long to be a key phrase */
                i = j;
                continue;
            }
            if (!GROW(sc->w, sc->cap_w, sc->n_w + (j - i)) || !GROW(sc->p, sc->cap_p, sc->n_p + 1))
                goto oom;
            sc->p[sc->n_p++] = (phrase){(uint32_t)sc->n_w, (uint32_t)(j - i), NULL, 0, 1};
            for (size_t k = i; k < j; k++)
                sc->w[sc->n_w++] = (wref){qr_token_key(&d->tokens, k), d->tokens.v[k].key_len,
                                          (uint32_t)(j - i), 0};
            i = j;
        }
    }
    /* word scores: degree / frequency, computed over equal keys */
    if (!GROW(sc->sorted, sc->cap_sorted, sc->n_w + 1))
        goto oom;
    for (size_t i = 0; i < sc->n_w; i++)
        sc->sorted[i] = &sc->w[i];
    if (sc->n_w > 1)
        qsort(sc->sorted, sc->n_w, sizeof *sc->sorted, cmp_wref);
    for (size_t i = 0; i < sc->n_w;) {
        size_t j = i;
        double deg = 0;
        while (j < sc->n_w && cmp_wref(&sc->sorted[i], &sc->sorted[j]) == 0)
            deg += sc->sorted[j++]->phrase_len;
        for (size_t k = i; k < j; k++)
            sc->sorted[k]->score = deg / (double)(j - i);
        i = j;
    }
    /* phrase terms and scores, then merge equal terms */
    for (size_t i = 0; i < sc->n_p; i++) {
        phrase *p = &sc->p[i];
        size_t need = 0;
        for (uint32_t k = 0; k < p->n; k++)
            need += sc->w[p->first + k].len + 1;
        sc->n_arena += need + 1;
    }
    if (!GROW(sc->arena, sc->cap_arena, sc->n_arena))
        goto oom;
    sc->n_arena = 0;
    for (size_t i = 0; i < sc->n_p; i++) {
        phrase *p = &sc->p[i];
        char *t = sc->arena + sc->n_arena;
        size_t n = 0;
        for (uint32_t k = 0; k < p->n; k++) {
            const wref *w = &sc->w[p->first + k];
            if (k)
                t[n++] = ' ';
            memcpy(t + n, w->key, w->len);
            n += w->len;
            p->score += w->score;
        }
        t[n] = '\0';
        p->term = t;
        sc->n_arena += n + 1;
    }
    if (sc->n_p > 1)
        qsort(sc->p, sc->n_p, sizeof *sc->p, cmp_term);
    size_t m = 0;
    for (size_t i = 0; i < sc->n_p; i++) {
        if (m && strcmp(sc->p[m - 1].term, sc->p[i].term) == 0)
            sc->p[m - 1].count++;
        else
            sc->p[m++] = sc->p[i];
    }
    sc->n_p = m;
    if (st->repeat_weight)
        for (size_t i = 0; i < m; i++)
            sc->p[i].score *= sc->p[i].count;
    if (sc->n_p > 1)
        qsort(sc->p, sc->n_p, sizeof *sc->p, cmp_rank);

    json_t *list = json_array();
    if (!list)
        goto oom;
    for (size_t i = 0; i < sc->n_p && i < (size_t)st->top; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "term", json_string(sc->p[i].term));
        json_object_set_new(o, "score", json_real(round(sc->p[i].score * 1000) / 1000));
        json_object_set_new(o, "count", json_integer(sc->p[i].count));
        json_array_append_new(list, o);
    }
    rc = qr_doc_set_field(d, st->field, list, err);
    goto out;
oom:
    rc = qr_error_set(err, "out of memory");
out:
    if (!ts) {
        free(local.w);
        free(local.sorted);
        free(local.p);
        free(local.arena);
        free(local.skip);
    }
    return rc;
}

static void kw_free(void *state)
{
    kw_state *st = state;
    if (st) {
        qr_wordset_free(st->stop);
        qr_wordset_free(st->skip);
    }
    free(st);
}

static void *kw_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx, qr_error *err)
{
    kw_state *st = calloc(1, sizeof *st);
    if (!st || !(st->stop = qr_wordset_new()) || !(st->skip = qr_wordset_new())) {
        kw_free(st);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    const qr_value *v;
    st->top = (v = api->opt(opts, "top")) ? (int)api->value_int(v) : 10;
    st->max_words = (v = api->opt(opts, "max_words")) ? (int)api->value_int(v) : 3;
    st->min_len = (v = api->opt(opts, "min_length")) ? (int)api->value_int(v) : 2;
    st->repeat_weight = (v = api->opt(opts, "repeat_weight")) ? api->value_bool(v) : 1;
    st->cut_verbs = (v = api->opt(opts, "cut_verbs")) ? api->value_bool(v) : 1;
    const char *f = (v = api->opt(opts, "field")) ? api->value_string(v) : "keywords";
    if (st->top < 1 || st->max_words < 1 || st->min_len < 1 || !f || !*f || strlen(f) >= sizeof st->field) {
        qr_error_set(err, "keywords: `top`, `max_words` and `min_length` must be at least 1 and "
                          "`field` a non-empty name");
        kw_free(st);
        return NULL;
    }
    memcpy(st->field, f, strlen(f) + 1);
    if ((v = api->opt(opts, "skip_labels")) != NULL && qr_wordset_add_opt(st->skip, api, v) != 0) {
        qr_error_set(err, "out of memory");
        kw_free(st);
        return NULL;
    }
    if (qr_wordset_load_opt(st->stop, api, ctx, api->opt(opts, "stopwords"), err) != 0) {
        kw_free(st);
        return NULL;
    }
    return st;
}

static void *kw_thread_init(void *state, qr_error *err)
{
    (void)state;
    kw_scratch *sc = calloc(1, sizeof *sc);
    if (!sc)
        qr_error_set(err, "out of memory");
    return sc;
}

static void kw_thread_free(void *state, void *ts)
{
    (void)state;
    kw_scratch *sc = ts;
    if (!sc)
        return;
    free(sc->w);
    free(sc->sorted);
    free(sc->p);
    free(sc->arena);
    free(sc->skip);
    free(sc);
}

static const qr_option_def kw_options[] = {
    {"top", QR_OPT_INT, "10", NULL, "how many key phrases to keep", 0},
    {"max_words", QR_OPT_INT, "3", NULL, "longest candidate phrase, in words", 0},
    {"min_length", QR_OPT_INT, "2", NULL, "shortest word kept, in bytes of its key", 0},
    {"repeat_weight", QR_OPT_BOOL, "true", NULL,
     "multiply a phrase's RAKE score by its count (false: plain RAKE)", 0},
    {"cut_verbs", QR_OPT_BOOL, "true", NULL,
     "common verb forms (needs, pushed, sold) end a phrase; a past form may start one (processed metals)", 0},
    {"stopwords", QR_OPT_PATH, NULL, NULL, "extra stop words, one a line (added to the English list)", 0},
    {"skip_labels", QR_OPT_STRING_LIST, NULL, NULL,
     "words inside spans with these labels (PERSON, GPE…) are left out of key phrases", 0},
    {"field", QR_OPT_STRING, "keywords", NULL, "doc field for [{term, score, count}]", 0},
    {NULL, 0, NULL, NULL, NULL, 0}};

const qr_step_def qr_step_keywords_def = {
    .size = sizeof(qr_step_def),
    .name = "keywords",
    .description = "key phrases of each document (RAKE: degree/frequency of content words)",
    .options = kw_options,
    .flags = QR_STEP_THREAD_SAFE,
    .init = kw_init,
    .thread_init = kw_thread_init,
    .process = kw_process,
    .thread_free = kw_thread_free,
    .free = kw_free,
};
