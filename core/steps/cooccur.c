/*
 * cooccur — entity pairs that appear in the same sentence.
 *
 * An entity is a span whose label is in `labels`, named by its id (its
 * text when it has none); mentions of the same entity count once per
 * sentence. For each document the doc field `field` lists the pairs, most
 * frequent first: [{"a", "a_label", "b", "b_label", "count"}] where count is
 * the number of sentences with both (a before b in label, then name order).
 * The step runs in input order (QR_STEP_ORDERED) and also adds the pairs up
 * over the corpus; with `path` set it writes them at the end as TSV
 * (a, a_label, b, b_label, sentences, documents; most sentences first), or
 * as a JSON array of objects with those keys when the path ends in .json,
 * through a temporary file renamed into place.
 */
#include "doc.h"
#include "error.h"
#include "outfile.h"
#include "registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct ent {
    uint32_t sent;
    const char *label, *name;
} ent;

typedef struct pair {
    const char *al, *a, *bl, *b;   /* doc-interned (per doc) or owned (corpus) */
    long sentences, docs;
    uint64_t last_doc;
} pair;

typedef struct co_state {
    char **labels;
    size_t n_labels;
    char field[64];
    int top;
    char *path;
    /* corpus totals: open addressing on the four strings */
    pair *tab;
    size_t cap, count;
    uint64_t doc_no;
    ent *e;
    size_t cap_e;
    pair *dp;
    size_t cap_dp;
} co_state;

static int wanted(const co_state *st, const char *label)
{
    for (size_t i = 0; i < st->n_labels; i++)
        if (strcmp(st->labels[i], label) == 0)
            return 1;
    return 0;
}

static int cmp_ent(const void *x, const void *y)
{
    const ent *a = x, *b = y;
    if (a->sent != b->sent)
        return a->sent < b->sent ? -1 : 1;
    int c = strcmp(a->label, b->label);
    return c ? c : strcmp(a->name, b->name);
}

static int cmp_pair_names(const pair *a, const pair *b)
{
    int c;
    if ((c = strcmp(a->al, b->al)) || (c = strcmp(a->a, b->a)) || (c = strcmp(a->bl, b->bl)))
        return c;
    return strcmp(a->b, b->b);
}

static int cmp_pair(const void *x, const void *y)
{
    return cmp_pair_names(x, y);
}

static int cmp_pair_rank(const void *x, const void *y)
{
    const pair *a = x, *b = y;
    if (a->sentences != b->sentences)
        return a->sentences < b->sentences ? 1 : -1;
    if (a->docs != b->docs)
        return a->docs < b->docs ? 1 : -1;
    return cmp_pair_names(a, b);
}

static uint32_t hash_pair(const pair *p)
{
    uint32_t h = 2166136261u;
    const char *s[4] = {p->al, p->a, p->bl, p->b};
    for (int i = 0; i < 4; i++) {
        for (const char *c = s[i]; *c; c++)
            h = (h ^ (unsigned char)*c) * 16777619u;
        h = (h ^ 0x1f) * 16777619u;
    }
    return h;
}

static pair *corpus_slot(pair *tab, size_t cap, const pair *p)
{
    size_t i = hash_pair(p) & (cap - 1);
    while (tab[i].a && cmp_pair_names(&tab[i], p) != 0)
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

static int corpus_add(co_state *st, const pair *p)
{
    if ((st->count + 1) * 2 > st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 256;
        pair *t = calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < st->cap; i++)
            if (st->tab[i].a)
                *corpus_slot(t, cap, &st->tab[i]) = st->tab[i];
        free(st->tab);
        st->tab = t;
        st->cap = cap;
    }
    pair *s = corpus_slot(st->tab, st->cap, p);
    if (!s->a) {
        char *al = strdup(p->al), *a = strdup(p->a), *bl = strdup(p->bl), *b = strdup(p->b);
        if (!al || !a || !bl || !b) {
            free(al), free(a), free(bl), free(b);
            return -1;
        }
        *s = (pair){al, a, bl, b, 0, 0, 0};
        st->count++;
    }
    s->sentences += p->sentences;
    if (s->last_doc != st->doc_no) {
        s->docs++;
        s->last_doc = st->doc_no;
    }
    return 0;
}

static int co_process(void *state, void *ts, qr_doc *d, qr_error *err)
{
    (void)ts;
    co_state *st = state;
    size_t ne = 0, np = 0;
    st->doc_no++;
    if (qr_doc_ensure_sentences(d, err) != 0)
        return -1;
    if (st->cap_e < d->n_spans + 1) {
        ent *e = realloc(st->e, (d->n_spans + 1) * sizeof *e);
        if (!e)
            return qr_error_set(err, "out of memory");
        st->e = e;
        st->cap_e = d->n_spans + 1;
    }
    for (size_t i = 0; i < d->n_spans; i++) {
        const qr_span *s = &d->spans[i];
        if (!wanted(st, s->label))
            continue;
        size_t lo = 0, hi = d->sentences.n;   /* the sentence holding s->start */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (d->sentences.v[mid].end <= s->start)
                lo = mid + 1;
            else
                hi = mid;
        }
        const char *name = s->id;
        if (!name) {
            char buf[512];
            size_t n = s->end - s->start < sizeof buf ? s->end - s->start : sizeof buf - 1;
            memcpy(buf, d->text + s->start, n);
            buf[n] = '\0';
            if (!(name = qr_doc_intern(d, buf)))
                return qr_error_set(err, "out of memory");
        }
        st->e[ne++] = (ent){(uint32_t)lo, s->label, name};
    }
    if (ne > 1)
        qsort(st->e, ne, sizeof *st->e, cmp_ent);
    for (size_t i = 0; i < ne;) {               /* each sentence: its distinct entities */
        size_t j = i;
        while (j < ne && st->e[j].sent == st->e[i].sent)
            j++;
        for (size_t a = i; a < j; a++) {
            if (a > i && cmp_ent(&st->e[a - 1], &st->e[a]) == 0)
                continue;
            for (size_t b = a + 1; b < j; b++) {
                if (cmp_ent(&st->e[b - 1], &st->e[b]) == 0)
                    continue;
                if (np == st->cap_dp) {
                    size_t cap = st->cap_dp ? st->cap_dp * 2 : 64;
                    pair *v = realloc(st->dp, cap * sizeof *v);
                    if (!v)
                        return qr_error_set(err, "out of memory");
                    st->dp = v;
                    st->cap_dp = cap;
                }
                st->dp[np++] = (pair){st->e[a].label, st->e[a].name, st->e[b].label, st->e[b].name, 1, 1, 0};
            }
        }
        i = j;
    }
    if (np > 1)
        qsort(st->dp, np, sizeof *st->dp, cmp_pair);
    size_t m = 0;
    for (size_t i = 0; i < np; i++) {
        if (m && cmp_pair_names(&st->dp[m - 1], &st->dp[i]) == 0)
            st->dp[m - 1].sentences++;
        else
            st->dp[m++] = st->dp[i];
    }
    for (size_t i = 0; i < m; i++)
        if (st->path && corpus_add(st, &st->dp[i]) != 0)
            return qr_error_set(err, "out of memory");
    if (!*st->field)
        return 0;
    if (m > 1)
        qsort(st->dp, m, sizeof *st->dp, cmp_pair_rank);
    json_t *list = json_array();
    for (size_t i = 0; i < m && i < (size_t)st->top; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "a", json_string(st->dp[i].a));
        json_object_set_new(o, "a_label", json_string(st->dp[i].al));
        json_object_set_new(o, "b", json_string(st->dp[i].b));
        json_object_set_new(o, "b_label", json_string(st->dp[i].bl));
        json_object_set_new(o, "count", json_integer(st->dp[i].sentences));
        json_array_append_new(list, o);
    }
    return qr_doc_set_field(d, st->field, list, err);
}

static void put_tsv(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static int co_finish(void *state, qr_error *err)
{
    co_state *st = state;
    if (!st->path)
        return 0;
    pair *v = malloc((st->count + 1) * sizeof *v);
    if (!v)
        return qr_error_set(err, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < st->cap; i++)
        if (st->tab[i].a)
            v[n++] = st->tab[i];
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_pair_rank);
    char *tmp;
    FILE *f = qr_outfile_open(st->path, &tmp);
    if (!f) {
        if (tmp)
            qr_error_set(err, "cannot write %s (creating %s): %s", st->path, tmp, strerror(errno));
        else
            qr_error_set(err, "out of memory");
        free(tmp);
        free(v);
        return -1;
    }
    size_t pl = strlen(st->path);
    int json = pl > 5 && strcmp(st->path + pl - 5, ".json") == 0;
    if (!json)
        fputs("a\ta_label\tb\tb_label\tsentences\tdocuments\n", f);
    else
        fputs("[", f);
    for (size_t i = 0; i < n; i++) {
        if (json) {   /* one object per line, as the TSV has one row per line */
            json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I}", "a", v[i].a, "a_label", v[i].al, "b", v[i].b,
                                  "b_label", v[i].bl, "sentences", (json_int_t)v[i].sentences,
                                  "documents", (json_int_t)v[i].docs);
            char *js = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
            fprintf(f, "%s\n%s", i ? "," : "", js ? js : "null");
            free(js);
            json_decref(o);
            continue;
        }
        put_tsv(f, v[i].a);
        fputc('\t', f);
        put_tsv(f, v[i].al);
        fputc('\t', f);
        put_tsv(f, v[i].b);
        fputc('\t', f);
        put_tsv(f, v[i].bl);
        fprintf(f, "\t%ld\t%ld\n", v[i].sentences, v[i].docs);
    }
    if (json)
        fputs("\n]\n", f);
    free(v);
    int rc = qr_outfile_commit(f, tmp, st->path) == 0
                 ? 0 : qr_error_set(err, "cannot write %s: %s", st->path, strerror(errno));
    free(tmp);
    return rc;
}

static void co_free(void *state)
{
    co_state *st = state;
    if (!st)
        return;
    for (size_t i = 0; i < st->n_labels; i++)
        free(st->labels[i]);
    free(st->labels);
    for (size_t i = 0; i < st->cap; i++)
        if (st->tab[i].a) {
            free((char *)st->tab[i].al);
            free((char *)st->tab[i].a);
            free((char *)st->tab[i].bl);
            free((char *)st->tab[i].b);
        }
    free(st->tab);
    free(st->path);
    free(st->e);
    free(st->dp);
    free(st);
}

static void *co_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx, qr_error *err)
{
    co_state *st = calloc(1, sizeof *st);
    const qr_value *v;
    if (!st)
        goto oom;
    static const char *const def_labels[] = {"PERSON", "ORG", "GPE", "LOC", NULL};
    v = api->opt(opts, "labels");
    size_t n = !v ? 4 : api->value_type(v) == QR_VAL_LIST ? api->value_len(v) : 1;
    if (!(st->labels = calloc(n + 1, sizeof *st->labels)))
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const char *s = !v ? def_labels[i]
                        : api->value_string(api->value_type(v) == QR_VAL_LIST ? api->value_at(v, i) : v);
        if (!s) {
            qr_error_set(err, "cooccur: `labels` must be a list of strings");
            api->value_mark(v, err);
            co_free(st);
            return NULL;
        }
        if (!(st->labels[st->n_labels++] = strdup(s)))
            goto oom;
    }
    st->top = (v = api->opt(opts, "top")) ? (int)api->value_int(v) : 20;
    const char *f = (v = api->opt(opts, "field")) ? api->value_string(v) : "cooccurrences";
    if (!f || strlen(f) >= sizeof st->field || st->top < 0) {
        qr_error_set(err, "cooccur: `field` must be a name of under 64 bytes and `top` >= 0");
        co_free(st);
        return NULL;
    }
    memcpy(st->field, f, strlen(f) + 1);
    if ((v = api->opt(opts, "path")) && api->value_string(v) && *api->value_string(v)) {
        if (!(st->path = api->resolve_path(ctx, api->value_string(v))))
            goto oom;
        char *dir = strdup(st->path);   /* create the folder, as exports do */
        if (!dir)
            goto oom;
        if (!qr_step_ctx_checking(ctx))
            (void)qr_mkdirs(dir, 0);    /* a failure shows when the totals are written */
        free(dir);
        struct stat sb;     /* written by renaming over path: never /dev/null */
        if (lstat(st->path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
            qr_error_set(err, "cannot write %s: it is not a regular file (a folder, "
                         "device, pipe or symbolic link) and the totals replace what is at "
                         "that path; give a file path", st->path);
            co_free(st);
            return NULL;
        }
    }
    return st;
oom:
    co_free(st);
    qr_error_set(err, "out of memory");
    return NULL;
}

static const qr_option_def co_options[] = {
    {"labels", QR_OPT_STRING_LIST, "[PERSON, ORG, GPE, LOC]", NULL, "labels of the entities to pair", 0},
    {"field", QR_OPT_STRING, "cooccurrences", NULL,
     "doc field for [{a, a_label, b, b_label, count}]; \"\" for none", 0},
    {"top", QR_OPT_INT, "20", NULL, "most pairs kept in the doc field", 0},
    {"path", QR_OPT_PATH, NULL, NULL, "file for the corpus totals, written at the end: TSV, or JSON for a .json name",
     QR_OPT_OUTPUT | QR_OPT_WRITTEN},
    {NULL, 0, NULL, NULL, NULL, 0}};

const qr_step_def qr_step_cooccur_def = {
    .size = sizeof(qr_step_def),
    .name = "cooccur",
    .description = "entity pairs in the same sentence, per document and over the corpus",
    .options = co_options,
    .flags = QR_STEP_ORDERED,
    .init = co_init,
    .process = co_process,
    .finish = co_finish,
    .free = co_free,
};
