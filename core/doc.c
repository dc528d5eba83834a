#include "doc.h"
#include "error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* {==================================================================
 * String pool: interned labels and ids, freed all at once on reset.
 * Entries are carved from chunks (no malloc per string; a reset keeps the
 * first chunk for the next document). A few recent (caller's pointer ->
 * interned string) pairs spare the hash for the label, id and source
 * pointers a step hands in again and again; a hit is still compared with
 * strcmp, since the caller's buffer may hold another string by now.
 * =================================================================== */
typedef struct pool_entry {
    struct pool_entry *next;
    uint32_t hash;
    char s[];
} pool_entry;

typedef struct pool_chunk {
    struct pool_chunk *next;   /* older chunks */
    size_t used, cap;
    _Alignas(pool_entry) unsigned char data[];
} pool_chunk;

#define POOL_CHUNK 4096
#define POOL_RECENT 16

struct qr_strpool {
    pool_entry **buckets;
    size_t nbuckets, count;
    pool_chunk *chunk;         /* the one being filled, then older ones */
    const char *recent_key[POOL_RECENT], *recent_val[POOL_RECENT];
};

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void pool_clear(qr_strpool *p)
{
    if (!p)
        return;
    if (p->count)
        memset(p->buckets, 0, p->nbuckets * sizeof *p->buckets);
    p->count = 0;
    memset(p->recent_key, 0, sizeof p->recent_key);
    pool_chunk *c = p->chunk;
    if (!c)
        return;
    /* keep the oldest chunk (the first one made, POOL_CHUNK bytes unless
     * its first string was larger), free the rest */
    while (c->next) {
        pool_chunk *next = c->next;
        free(c);
        c = next;
    }
    c->used = 0;
    p->chunk = c;
}

static void pool_free(qr_strpool *p)
{
    pool_clear(p);
    free(p->chunk);
    free(p->buckets);
    free(p);
}

/* Room for an entry of n string bytes (NUL included); NULL on OOM. */
static pool_entry *pool_alloc(qr_strpool *p, size_t n)
{
    size_t need = (sizeof(pool_entry) + n + sizeof(pool_entry) - 1) & ~(sizeof(pool_entry) - 1);
    pool_chunk *c = p->chunk;
    if (!c || c->cap - c->used < need) {
        size_t cap = need > POOL_CHUNK ? need : POOL_CHUNK;
        pool_chunk *nc = malloc(sizeof *nc + cap);
        if (!nc)
            return NULL;
        nc->next = c;
        nc->used = 0;
        nc->cap = cap;
        p->chunk = c = nc;
    }
    pool_entry *e = (pool_entry *)(c->data + c->used);
    c->used += need;
    return e;
}

static int pool_grow(qr_strpool *p)
{
    size_t nb = p->nbuckets ? p->nbuckets * 2 : 64;
    pool_entry **b = calloc(nb, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < p->nbuckets; i++) {
        pool_entry *e = p->buckets[i];
        while (e) {
            pool_entry *next = e->next;
            e->next = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
            e = next;
        }
    }
    free(p->buckets);
    p->buckets = b;
    p->nbuckets = nb;
    return 0;
}

const char *qr_doc_intern(qr_doc *doc, const char *s)
{
    qr_strpool *p = doc->pool;
    uintptr_t a = (uintptr_t)s;
    size_t r = (size_t)((a >> 3) ^ (a >> 9)) & (POOL_RECENT - 1);
    if (p->recent_key[r] == s && strcmp(p->recent_val[r], s) == 0)
        return p->recent_val[r];
    uint32_t h = hash_str(s);
    const char *found = NULL;
    if (p->nbuckets) {
        for (pool_entry *e = p->buckets[h & (p->nbuckets - 1)]; e && !found; e = e->next)
            if (e->hash == h && strcmp(e->s, s) == 0)
                found = e->s;
    }
    if (!found) {
        if (p->count >= p->nbuckets && pool_grow(p) != 0)
            return NULL;
        size_t n = strlen(s);
        pool_entry *e = pool_alloc(p, n + 1);
        if (!e)
            return NULL;
        e->hash = h;
        memcpy(e->s, s, n + 1);
        e->next = p->buckets[h & (p->nbuckets - 1)];
        p->buckets[h & (p->nbuckets - 1)] = e;
        p->count++;
        found = e->s;
    }
    p->recent_key[r] = s;
    p->recent_val[r] = found;
    return found;
}

/* }================================================================== */

qr_doc *qr_doc_new(void)
{
    qr_doc *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->pool = calloc(1, sizeof *d->pool);
    if (!d->pool) {
        free(d);
        return NULL;
    }
    qr_tokens_init(&d->tokens);
    qr_sentences_init(&d->sentences);
    return d;
}

static void clear_spans(qr_doc *d)
{
    for (size_t i = 0; i < d->n_spans; i++)
        json_decref(d->spans[i].attrs);
    d->n_spans = 0;
}

void qr_doc_reset(qr_doc *d)
{
    if (!d)
        return;
    free(d->id);
    d->id = NULL;
    d->len = 0;
    if (d->text)
        d->text[0] = '\0';
    d->has_tokens = d->has_sentences = 0;
    d->tokens.n = 0;
    d->sentences.n = 0;
    clear_spans(d);
    d->n_labels = 0;
    d->label = NULL;
    json_decref(d->fields);
    d->fields = NULL;
    json_decref(d->meta);
    d->meta = NULL;
    pool_clear(d->pool);
    free(d->source_file);
    d->source_file = NULL;
    d->source_line = 0;
    d->seq = 0;
    d->n_repaired = 0;
    d->current_step = NULL;
}

void qr_doc_free(qr_doc *d)
{
    if (!d)
        return;
    qr_doc_reset(d);
    free(d->text);
    qr_tokens_free(&d->tokens);
    qr_sentences_free(&d->sentences);
    free(d->spans);
    free(d->labels);
    pool_free(d->pool);
    free(d);
}

int qr_doc_set_id(qr_doc *d, const char *id, qr_error *err)
{
    char *c = strdup(id ? id : "");
    if (!c)
        return qr_error_set(err, "out of memory");
    free(d->id);
    d->id = c;
    return 0;
}

int qr_doc_set_text(qr_doc *d, const char *text, size_t len, qr_error *err)
{
    if (len >= UINT32_MAX)
        return qr_error_set(err, "document '%s' is %zu bytes; the limit is 4 GiB",
                            d->id ? d->id : "", len);
    if (len + 1 > d->text_cap) {
        size_t cap = len + 1;
        char *t = realloc(d->text, cap);
        if (!t)
            return qr_error_set(err, "out of memory for a %zu-byte document", len);
        d->text = t;
        d->text_cap = cap;
    }
    if (text != d->text)
        memmove(d->text, text, len);
    d->text[len] = '\0';
    d->len = len;
    d->has_tokens = d->has_sentences = 0;
    d->tokens.n = 0;
    d->sentences.n = 0;
    clear_spans(d);
    return 0;
}

void qr_doc_set_meta(qr_doc *d, json_t *meta)
{
    json_decref(d->meta);
    d->meta = meta;
}

int qr_doc_ensure_tokens(qr_doc *d, qr_error *err)
{
    if (d->has_tokens)
        return 0;
    if (qr_tokenize(d->text ? d->text : "", d->len, &d->tokens, err) != 0)
        return -1;
    d->has_tokens = 1;
    return 0;
}

int qr_doc_ensure_sentences(qr_doc *d, qr_error *err)
{
    if (d->has_sentences)
        return 0;
    if (qr_doc_ensure_tokens(d, err) != 0)
        return -1;
    if (qr_sentences_split(d->text ? d->text : "", d->len, &d->tokens, &d->sentences, err) != 0)
        return -1;
    d->has_sentences = 1;
    return 0;
}

void qr_doc_buffers_init(qr_doc_buffers *b)
{
    qr_tokens_init(&b->tokens);
    qr_sentences_init(&b->sentences);
}

void qr_doc_buffers_free(qr_doc_buffers *b)
{
    qr_tokens_free(&b->tokens);
    qr_sentences_free(&b->sentences);
}

void qr_doc_swap_buffers(qr_doc *d, qr_doc_buffers *b)
{
    qr_tokens t = d->tokens;
    d->tokens = b->tokens;
    b->tokens = t;
    qr_sentences s = d->sentences;
    d->sentences = b->sentences;
    b->sentences = s;
    d->tokens.n = 0;
    d->sentences.n = 0;
    d->has_tokens = d->has_sentences = 0;
}

int qr_doc_add_span(qr_doc *d, uint32_t start, uint32_t end, const char *label,
                    const char *id, double score, json_t *attrs, qr_error *err)
{
    if (!label || !*label) {
        json_decref(attrs);
        return qr_error_set(err, "a span needs a non-empty label");
    }
    if (!isfinite(score)) {
        json_decref(attrs);
        return qr_error_set(err, "the score of a span (label %s) must be a finite number, got %s",
                            label, isnan(score) ? "NaN" : score > 0 ? "infinity" : "-infinity");
    }
    if (start > end) {
        json_decref(attrs);
        return qr_error_set(err, "span %u..%u (label %s) ends before it starts", start, end, label);
    }
    if (end > d->len) {
        json_decref(attrs);
        return qr_error_set(err, "span %u..%u (label %s) lies outside the %zu-byte text of document '%s'",
                            start, end, label, d->len, d->id ? d->id : "");
    }
    if (d->n_spans == d->cap_spans) {
        size_t cap = d->cap_spans ? d->cap_spans * 2 : 16;
        qr_span *s = realloc(d->spans, cap * sizeof *s);
        if (!s) {
            json_decref(attrs);
            return qr_error_set(err, "out of memory");
        }
        d->spans = s;
        d->cap_spans = cap;
    }
    qr_span *s = &d->spans[d->n_spans];
    s->label = qr_doc_intern(d, label);
    s->id = id ? qr_doc_intern(d, id) : NULL;
    s->source = d->current_step ? qr_doc_intern(d, d->current_step) : NULL;
    if (!s->label || (id && !s->id) || (d->current_step && !s->source)) {
        json_decref(attrs);
        return qr_error_set(err, "out of memory");
    }
    s->start = start;
    s->end = end;
    s->score = score;
    s->attrs = attrs;
    d->n_spans++;
    return 0;
}

static int span_cmp(const void *a, const void *b)
{
    const qr_span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    int c = strcmp(x->label, y->label);
    if (c)
        return c;
    /* stable by insertion for equal spans: compare addresses */
    return x < y ? -1 : x > y;
}

void qr_doc_sort_spans(qr_doc *d)
{
    if (d->n_spans > 1)
        qsort(d->spans, d->n_spans, sizeof *d->spans, span_cmp);
}

int qr_doc_set_label(qr_doc *d, const char *label, double score, qr_error *err)
{
    if (!isfinite(score))
        return qr_error_set(err, "the score of label '%s' must be a finite number, got %s", label,
                            isnan(score) ? "NaN" : score > 0 ? "infinity" : "-infinity");
    const char *l = qr_doc_intern(d, label);
    if (!l)
        return qr_error_set(err, "out of memory");
    for (size_t i = 0; i < d->n_labels; i++)
        if (d->labels[i].label == l) {
            d->labels[i].score = score;
            return 0;
        }
    if (d->n_labels == d->cap_labels) {
        size_t cap = d->cap_labels ? d->cap_labels * 2 : 8;
        qr_label *v = realloc(d->labels, cap * sizeof *v);
        if (!v)
            return qr_error_set(err, "out of memory");
        d->labels = v;
        d->cap_labels = cap;
    }
    d->labels[d->n_labels].label = l;
    d->labels[d->n_labels].score = score;
    d->n_labels++;
    return 0;
}

int qr_doc_choose_label(qr_doc *d, const char *label, qr_error *err)
{
    if (!label) {
        d->label = NULL;
        return 0;
    }
    d->label = qr_doc_intern(d, label);
    return d->label ? 0 : qr_error_set(err, "out of memory");
}

int qr_doc_set_field(qr_doc *d, const char *key, json_t *value, qr_error *err)
{
    if (!value)
        return qr_error_set(err, "out of memory");
    if (!d->fields && !(d->fields = json_object())) {
        json_decref(value);
        return qr_error_set(err, "out of memory");
    }
    if (json_object_set_new(d->fields, key, value) != 0)
        return qr_error_set(err, "cannot set field '%s' (is the key valid UTF-8?)", key);
    return 0;
}
