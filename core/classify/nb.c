#include "classify/nb.h"
#include "error.h"
#include "grow.h"
#include "outfile.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* vocabulary lookups hinted this many features ahead (qr_strtab_prefetch) */
enum { PREFETCH_AHEAD = 8 };

static const unsigned char MAGIC[8] = {0x89, 'Q', 'R', 'M', '\r', '\n', 0x1a, '\n'};

/* {==================================================================
 * Options
 * =================================================================== */
void qr_nb_opts_init(qr_nb_opts *o)
{
    o->kind = QR_NB_MULTINOMIAL;
    o->alpha = 1.0;
    qr_feat_opts_init(&o->feat);
}

void qr_nb_opts_free(qr_nb_opts *o)
{
    if (o)
        qr_feat_opts_free(&o->feat);
}

int qr_nb_kind_parse(const char *s)
{
    if (s && !strcmp(s, "multinomial"))
        return QR_NB_MULTINOMIAL;
    if (s && !strcmp(s, "complement"))
        return QR_NB_COMPLEMENT;
    return -1;
}

const char *qr_nb_kind_name(qr_nb_kind k)
{
    return k == QR_NB_COMPLEMENT ? "complement" : "multinomial";
}

static const qr_value *opt(const qr_value *o, const char *key)
{
    const qr_value *v = qr_value_get(o, key);
    return v && v->type != QR_VAL_NULL ? v : NULL;
}

int qr_nb_opts_from_value(qr_nb_opts *o, const qr_value *opts, const char *base_dir, qr_error *err)
{
    qr_nb_opts_init(o);
    const qr_value *v;
    if ((v = opt(opts, "kind"))) {
        int k = qr_nb_kind_parse(qr_value_string(v));
        if (k < 0)
            return qr_value_error(v, err, "kind must be multinomial or complement");
        o->kind = (qr_nb_kind)k;
    }
    if ((v = opt(opts, "alpha"))) {
        o->alpha = qr_value_number(v);
        if ((v->type != QR_VAL_INT && v->type != QR_VAL_NUMBER) || !(o->alpha > 0) || !isfinite(o->alpha))
            return qr_value_error(v, err, "alpha must be a number greater than 0 (1.0 is Laplace smoothing)");
    }
    static const struct { const char *key; unsigned flag; } bools[] = {
        {"unigrams", QR_FEAT_UNIGRAMS}, {"bigrams", QR_FEAT_BIGRAMS}, {"symbols", QR_FEAT_SYMBOLS}};
    for (size_t i = 0; i < 3; i++)
        if ((v = opt(opts, bools[i].key))) {
            if (v->type != QR_VAL_BOOL)
                return qr_value_error(v, err, "%s must be true or false", bools[i].key);
            o->feat.flags = v->u.b ? o->feat.flags | bools[i].flag : o->feat.flags & ~bools[i].flag;
        }
    if (!(o->feat.flags & (QR_FEAT_UNIGRAMS | QR_FEAT_BIGRAMS)))
        return qr_value_error(opts, err, "no features: set unigrams: true or bigrams: true");
    if ((v = opt(opts, "stopwords"))) {
        const char *s = qr_value_string(v);
        if (!s || (strcmp(s, "english") && strcmp(s, "none")))
            return qr_value_error(v, err, "stopwords must be english or none (use stopwords_file for a list)");
        if (!strcmp(s, "english") && qr_feat_add_english_stopwords(&o->feat, err) != 0)
            return -1;
    }
    if ((v = opt(opts, "stopwords_file"))) {
        const char *s = qr_value_string(v);
        if (!s)
            return qr_value_error(v, err, "stopwords_file must be a file path");
        char *full = NULL;
        if (s[0] != '/' && base_dir && strcmp(base_dir, ".")) {
            size_t n = strlen(base_dir) + strlen(s) + 2;
            if ((full = malloc(n)))
                snprintf(full, n, "%s/%s", base_dir, s);
        } else {
            full = strdup(s);
        }
        if (!full)
            return qr_error_set(err, "out of memory");
        qr_error fe;
        qr_error_clear(&fe);
        int rc = qr_feat_add_stopwords_file(&o->feat, full, &fe);
        free(full);
        if (rc != 0) {
            if (fe.line)
                return qr_error_at(err, fe.file, fe.line, fe.col, "%s", fe.message);
            return qr_value_error(v, err, "%s", fe.message);
        }
    }
    if ((v = opt(opts, "stemmer"))) {
        qr_error se;
        qr_error_clear(&se);
        if (!qr_value_string(v) || qr_feat_set_stemmer(&o->feat, qr_value_string(v), &se) != 0)
            return qr_value_error(v, err, "%s", se.message[0] ? se.message : "stemmer must be a language name");
    }
    if ((v = opt(opts, "buckets"))) {
        if (v->type != QR_VAL_INT || v->u.i < 0 || v->u.i > 0x7fffffff)
            return qr_value_error(v, err, "buckets must be 0 (no hashing) or a number of buckets up to 2^31-1");
        o->feat.buckets = (uint32_t)v->u.i;
    }
    return 0;
}

/* }================================================================== */

struct qr_nb_model {
    qr_nb_opts opts;
    size_t n_labels;
    char **labels;         /* byte order                            */
    double *docs;          /* documents per label                   */
    size_t n_feat;         /* vocabulary size, or buckets           */
    qr_strtab vocab;       /* empty when hashing                    */
    double *counts;        /* [f * n_labels + c]                    */
    double *w;             /* per-feature weights, same layout      */
    double *prior;         /* per label (0 for complement)          */
};

struct qr_nb_scratch {
    qr_featurizer *fz;
};

/* {==================================================================
 * Training
 * =================================================================== */
typedef struct label_counts {
    char *label;
    double docs;
    double *counts;
    size_t cap;
} label_counts;

struct qr_nb_trainer {
    qr_nb_opts opts;
    qr_featurizer *fz;
    qr_strtab vocab;
    label_counts *labels;
    size_t n_labels, cap_labels;
    size_t n_docs;
    size_t last;           /* index of the last label seen (runs of one label are common) */
};

qr_nb_trainer *qr_nb_trainer_new(const qr_nb_opts *opts, qr_error *err)
{
    if (!(opts->alpha > 0) || !isfinite(opts->alpha)) {
        qr_error_set(err, "alpha must be a number greater than 0 (1.0 is Laplace smoothing), got %g",
                     opts->alpha);
        return NULL;
    }
    if (!(opts->feat.flags & (QR_FEAT_UNIGRAMS | QR_FEAT_BIGRAMS))) {
        qr_error_set(err, "no features: turn on unigrams or bigrams (or both)");
        return NULL;
    }
    qr_nb_trainer *t = calloc(1, sizeof *t);
    if (!t) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    t->opts = *opts;
    qr_strtab_init(&t->vocab);
    if (qr_feat_opts_copy(&t->opts.feat, &opts->feat, err) != 0) {
        free(t);
        return NULL;
    }
    if (!(t->fz = qr_featurizer_new(&t->opts.feat, err))) {
        qr_feat_opts_free(&t->opts.feat);
        free(t);
        return NULL;
    }
    return t;
}

void qr_nb_trainer_free(qr_nb_trainer *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_labels; i++) {
        free(t->labels[i].label);
        free(t->labels[i].counts);
    }
    free(t->labels);
    qr_featurizer_free(t->fz);
    qr_strtab_free(&t->vocab);
    qr_nb_opts_free(&t->opts);
    free(t);
}

size_t qr_nb_trainer_docs(const qr_nb_trainer *t)
{
    return t->n_docs;
}

size_t qr_nb_trainer_label_count(const qr_nb_trainer *t)
{
    return t->n_labels;
}

const char *qr_nb_trainer_label(const qr_nb_trainer *t, size_t i, double *docs)
{
    if (i >= t->n_labels)
        return NULL;
    if (docs)
        *docs = t->labels[i].docs;
    return t->labels[i].label;
}

size_t qr_nb_trainer_feature_count(const qr_nb_trainer *t)
{
    return t->opts.feat.buckets ? t->opts.feat.buckets : t->vocab.n;
}

int qr_nb_trainer_reserve(qr_nb_trainer *t, size_t n, qr_error *err)
{
    return t->opts.feat.buckets || n == 0 ? 0 : qr_strtab_reserve(&t->vocab, n, err);
}

static label_counts *find_label(qr_nb_trainer *t, const char *label, qr_error *err)
{
    if (t->n_labels && !strcmp(t->labels[t->last].label, label))
        return &t->labels[t->last];
    for (size_t i = 0; i < t->n_labels; i++)
        if (!strcmp(t->labels[i].label, label)) {
            t->last = i;
            return &t->labels[i];
        }
    if (t->n_labels == t->cap_labels) {
        size_t cap = t->cap_labels ? t->cap_labels * 2 : 8;
        label_counts *v = realloc(t->labels, cap * sizeof *v);
        if (!v) {
            qr_error_set(err, "out of memory");
            return NULL;
        }
        t->labels = v;
        t->cap_labels = cap;
    }
    label_counts *lc = &t->labels[t->n_labels];
    memset(lc, 0, sizeof *lc);
    if (!(lc->label = strdup(label))) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    t->last = t->n_labels++;
    return lc;
}

static int grow_counts(label_counts *lc, size_t need, qr_error *err)
{
    size_t cap = lc->cap ? lc->cap : 1024;
    while (cap < need)
        cap *= 2;
    double *c = realloc(lc->counts, cap * sizeof *c);
    if (!c)
        return qr_error_set(err, "out of memory");
    memset(c + lc->cap, 0, (cap - lc->cap) * sizeof *c);
    lc->counts = c;
    lc->cap = cap;
    return 0;
}

int qr_nb_trainer_add(qr_nb_trainer *t, const qr_tokens *toks, const char *label, qr_error *err)
{
    if (!label || !*label)
        return qr_error_set(err, "a training document needs a non-empty label");
    label_counts *lc = find_label(t, label, err);
    if (!lc || qr_featurize_counts(t->fz, toks, err) != 0)
        return -1;
    uint32_t buckets = t->opts.feat.buckets;
    if (buckets && lc->cap < buckets && grow_counts(lc, buckets, err) != 0)
        return -1;
    const qr_featurizer *fz = t->fz;
    for (size_t i = 0; i < fz->nu; i++) {
        const qr_feature *ft = &fz->v[fz->u[i].feat];
        size_t id;
        if (!buckets && i + PREFETCH_AHEAD < fz->nu)
            qr_strtab_prefetch(&t->vocab, fz->v[fz->u[i + PREFETCH_AHEAD].feat].hash);
        if (!buckets && i + PREFETCH_AHEAD / 2 < fz->nu)
            qr_strtab_prefetch_entry(&t->vocab, fz->v[fz->u[i + PREFETCH_AHEAD / 2].feat].hash);
        if (buckets) {
            id = ft->hash % buckets;
        } else {
            int64_t r = qr_strtab_intern(&t->vocab, qr_feature_str(fz, ft), ft->len, ft->hash, err);
            if (r < 0)
                return -1;
            id = (size_t)r;
            if (id >= lc->cap && grow_counts(lc, id + 1, err) != 0)
                return -1;
        }
        lc->counts[id] += fz->u[i].count;
    }
    lc->docs += 1;
    t->n_docs++;
    return 0;
}

/* map[f] = dst's id of src's feature f, or UINT32_MAX when dst lacks it,
 * for f in [from, to): lookups only, so two ranges can run at once. */
typedef struct lookup_job {
    const qr_strtab *dst, *src;
    uint32_t *map;
    size_t from, to;
} lookup_job;

static void *lookup_range(void *arg)
{
    const lookup_job *j = arg;
    const qr_strtab *d = j->dst, *s = j->src;
    for (size_t f = j->from; f < j->to; f++) {
        if (f + PREFETCH_AHEAD < j->to)
            qr_strtab_prefetch(d, s->ent[f + PREFETCH_AHEAD].hash);
        if (f + PREFETCH_AHEAD / 2 < j->to)
            qr_strtab_prefetch_entry(d, s->ent[f + PREFETCH_AHEAD / 2].hash);
        size_t len;
        const char *str = qr_strtab_str(s, f, &len);
        int64_t id = qr_strtab_find(d, str, len, s->ent[f].hash);
        j->map[f] = id < 0 ? UINT32_MAX : (uint32_t)id;
    }
    return NULL;
}

/* vocabularies this large are looked up on two threads when merged */
enum { MERGE_SPLIT_MIN = 32768 };

int qr_nb_trainer_merge(qr_nb_trainer *dst, const qr_nb_trainer *src, qr_error *err)
{
    uint32_t buckets = dst->opts.feat.buckets;
    size_t nf = buckets ? buckets : src->vocab.n;
    uint32_t *map = NULL;
    if (!buckets && nf) {
        if (!(map = malloc(nf * sizeof *map)))
            return qr_error_set(err, "out of memory");
        lookup_job jobs[2] = {{&dst->vocab, &src->vocab, map, 0, nf}, {&dst->vocab, &src->vocab, map, nf, nf}};
        pthread_t helper;
        int split = nf >= MERGE_SPLIT_MIN;
        if (split) {
            jobs[0].to = jobs[1].from = nf / 2;
            if (pthread_create(&helper, NULL, lookup_range, &jobs[1]) != 0) {
                jobs[0].to = nf;
                split = 0;
            }
        }
        lookup_range(&jobs[0]);
        if (split)
            pthread_join(helper, NULL);
        /* the features dst lacks, appended in src's order (they are
         * distinct: nothing added here is looked up again) */
        for (size_t f = 0; f < nf; f++) {
            if (map[f] != UINT32_MAX)
                continue;
            size_t len;
            const char *s = qr_strtab_str(&src->vocab, f, &len);
            int64_t id = qr_strtab_intern(&dst->vocab, s, len, src->vocab.ent[f].hash, err);
            if (id < 0) {
                free(map);
                return -1;
            }
            map[f] = (uint32_t)id;
        }
    }
    for (size_t i = 0; i < src->n_labels; i++) {
        const label_counts *sl = &src->labels[i];
        if (sl->docs == 0)
            continue;
        label_counts *dl = find_label(dst, sl->label, err);
        if (!dl) {
            free(map);
            return -1;
        }
        size_t need = buckets ? buckets : dst->vocab.n;
        if (dl->cap < need && grow_counts(dl, need, err) != 0) {
            free(map);
            return -1;
        }
        size_t n = sl->cap < nf ? sl->cap : nf;
        for (size_t f = 0; f < n; f++)
            dl->counts[map ? map[f] : f] += sl->counts[f];
        dl->docs += sl->docs;
    }
    dst->n_docs += src->n_docs;
    free(map);
    return 0;
}

void qr_nb_trainer_reset(qr_nb_trainer *t)
{
    for (size_t i = 0; i < t->n_labels; i++) {
        free(t->labels[i].label);
        free(t->labels[i].counts);
    }
    t->n_labels = 0;
    t->last = 0;
    t->n_docs = 0;
    if (t->vocab.slots)
        memset(t->vocab.slots, 0, (t->vocab.mask + 1) * sizeof *t->vocab.slots);
    t->vocab.n = 0;
    t->vocab.pool_len = 0;
}

static int cmp_label(const void *a, const void *b)
{
    const label_counts *x = *(const label_counts *const *)a, *y = *(const label_counts *const *)b;
    return strcmp(x->label, y->label);
}

/* log(x + alpha), from a table when x is a small whole number (most
 * counts are): the very same value as the call, since the table holds
 * log((double)k + alpha) and x == k. */
enum { LOG_TABLE = 64 };

static inline double log_plus(const double *table, double x, double alpha)
{
    if (x >= 0 && x < LOG_TABLE) {
        int k = (int)x;
        if ((double)k == x)
            return table[k];
    }
    return log(x + alpha);
}

/* Turns counts into weights and priors. */
static int finalize(qr_nb_model *m, qr_error *err)
{
    double lt[LOG_TABLE];
    for (int k = 0; k < LOG_TABLE; k++)
        lt[k] = log((double)k + m->opts.alpha);
    size_t L = m->n_labels, V = m->n_feat;
    double alpha = m->opts.alpha;
    m->w = malloc((V ? V : 1) * L * sizeof *m->w);
    m->prior = calloc(L, sizeof *m->prior);
    double *tot = calloc(L, sizeof *tot);
    if (!m->w || !m->prior || !tot) {
        free(tot);
        return qr_error_set(err, "out of memory");
    }
    double all_docs = 0;
    for (size_t c = 0; c < L; c++)
        all_docs += m->docs[c];
    for (size_t f = 0; f < V; f++)
        for (size_t c = 0; c < L; c++)
            tot[c] += m->counts[f * L + c];
    if (m->opts.kind == QR_NB_MULTINOMIAL) {
        for (size_t c = 0; c < L; c++) {
            m->prior[c] = log(m->docs[c] / all_docs);
            tot[c] = log(tot[c] + alpha * (double)V);
        }
        for (size_t f = 0; f < V; f++)
            for (size_t c = 0; c < L; c++)
                m->w[f * L + c] = log_plus(lt, m->counts[f * L + c], alpha) - tot[c];
    } else {
        /* complement of c: every other class; its total is Σc' tot[c'] - tot[c] */
        double grand = 0;
        for (size_t c = 0; c < L; c++)
            grand += tot[c];
        for (size_t c = 0; c < L; c++)
            tot[c] = log(grand - tot[c] + alpha * (double)V);
        for (size_t f = 0; f < V; f++) {
            double row = 0;
            for (size_t c = 0; c < L; c++)
                row += m->counts[f * L + c];
            for (size_t c = 0; c < L; c++)
                m->w[f * L + c] = -(log_plus(lt, row - m->counts[f * L + c], alpha) - tot[c]);
        }
    }
    free(tot);
    return 0;
}

int qr_nb_trainer_check(const qr_nb_trainer *t, qr_error *err)
{
    if (t->n_docs == 0)
        return qr_error_set(err, "no training documents");
    if (t->n_labels < 2)
        return qr_error_set(err, "training data has only one label ('%s'): a classifier needs examples of at "
                            "least two labels", t->labels[0].label);
    return 0;
}

qr_nb_model *qr_nb_trainer_model(qr_nb_trainer *t, qr_error *err)
{
    if (qr_nb_trainer_check(t, err) != 0)
        return NULL;
    qr_nb_model *m = calloc(1, sizeof *m);
    label_counts **order = calloc(t->n_labels, sizeof *order);
    if (!m || !order) {
        free(m);
        free(order);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    qr_strtab_init(&m->vocab);
    m->opts = t->opts;
    if (qr_feat_opts_copy(&m->opts.feat, &t->opts.feat, err) != 0) {
        qr_feat_opts_init(&m->opts.feat);
        goto fail;
    }
    for (size_t i = 0; i < t->n_labels; i++)
        order[i] = &t->labels[i];
    qsort(order, t->n_labels, sizeof *order, cmp_label);
    size_t L = m->n_labels = t->n_labels;
    m->n_feat = t->opts.feat.buckets ? t->opts.feat.buckets : t->vocab.n;
    m->labels = calloc(L, sizeof *m->labels);
    m->docs = calloc(L, sizeof *m->docs);
    m->counts = calloc((m->n_feat ? m->n_feat : 1) * L, sizeof *m->counts);
    if (!m->labels || !m->docs || !m->counts) {
        qr_error_set(err, "out of memory");
        goto fail;
    }
    for (size_t c = 0; c < L; c++) {
        if (!(m->labels[c] = strdup(order[c]->label))) {
            qr_error_set(err, "out of memory");
            goto fail;
        }
        m->docs[c] = order[c]->docs;
        size_t n = order[c]->cap < m->n_feat ? order[c]->cap : m->n_feat;
        for (size_t f = 0; f < n; f++)
            m->counts[f * L + c] = order[c]->counts[f];
    }
    if (!t->opts.feat.buckets && qr_strtab_copy(&m->vocab, &t->vocab, err) != 0)
        goto fail;
    if (finalize(m, err) != 0)
        goto fail;
    free(order);
    return m;
fail:
    free(order);
    qr_nb_free(m);
    return NULL;
}

void qr_nb_free(qr_nb_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; m->labels && i < m->n_labels; i++)
        free(m->labels[i]);
    free(m->labels);
    free(m->docs);
    free(m->counts);
    free(m->w);
    free(m->prior);
    qr_strtab_free(&m->vocab);
    qr_nb_opts_free(&m->opts);
    free(m);
}

/* }================================================================== */

/* {==================================================================
 * Inspecting and predicting
 * =================================================================== */
size_t qr_nb_label_count(const qr_nb_model *m) { return m->n_labels; }
const char *qr_nb_label(const qr_nb_model *m, size_t i) { return i < m->n_labels ? m->labels[i] : NULL; }
size_t qr_nb_feature_count(const qr_nb_model *m) { return m->n_feat; }
const qr_nb_opts *qr_nb_options(const qr_nb_model *m) { return &m->opts; }
double qr_nb_doc_count(const qr_nb_model *m, size_t i) { return i < m->n_labels ? m->docs[i] : 0; }

int qr_nb_label_index(const qr_nb_model *m, const char *label)
{
    for (size_t i = 0; i < m->n_labels; i++)
        if (!strcmp(m->labels[i], label))
            return (int)i;
    return -1;
}

qr_nb_scratch *qr_nb_scratch_new(const qr_nb_model *m, qr_error *err)
{
    qr_nb_scratch *s = calloc(1, sizeof *s);
    if (!s) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    if (!(s->fz = qr_featurizer_new(&m->opts.feat, err))) {
        free(s);
        return NULL;
    }
    return s;
}

void qr_nb_scratch_free(qr_nb_scratch *s)
{
    if (!s)
        return;
    qr_featurizer_free(s->fz);
    free(s);
}

int qr_nb_predict(const qr_nb_model *m, qr_nb_scratch *s, const qr_tokens *toks,
                  double *probs, double *scores, qr_error *err)
{
    size_t L = m->n_labels;
    double local[16];
    double *sc = scores ? scores : L <= 16 ? local : NULL;
    if (!sc && !(sc = malloc(L * sizeof *sc)))
        return qr_error_set(err, "out of memory");
    if (qr_featurize_counts(s->fz, toks, err) != 0) {
        if (sc != scores && sc != local)
            free(sc);
        return -1;
    }
    memcpy(sc, m->prior, L * sizeof *sc);
    const qr_featurizer *fz = s->fz;
    uint32_t buckets = m->opts.feat.buckets;
    for (size_t i = 0; i < fz->nu; i++) {
        const qr_feature *ft = &fz->v[fz->u[i].feat];
        size_t id;
        if (!buckets && i + PREFETCH_AHEAD < fz->nu)
            qr_strtab_prefetch(&m->vocab, fz->v[fz->u[i + PREFETCH_AHEAD].feat].hash);
        if (!buckets && i + PREFETCH_AHEAD / 2 < fz->nu)
            qr_strtab_prefetch_entry(&m->vocab, fz->v[fz->u[i + PREFETCH_AHEAD / 2].feat].hash);
        if (buckets) {
            id = ft->hash % buckets;
        } else {
            int64_t r = qr_strtab_find(&m->vocab, qr_feature_str(fz, ft), ft->len, ft->hash);
            if (r < 0)
                continue;
            id = (size_t)r;
        }
        const double *w = m->w + id * L;
        double n = fz->u[i].count;
        for (size_t c = 0; c < L; c++)
            sc[c] += n * w[c];
    }
    size_t best = 0;
    for (size_t c = 1; c < L; c++)
        if (sc[c] > sc[best])
            best = c;
    if (probs) {
        double sum = 0;
        for (size_t c = 0; c < L; c++)
            sum += (probs[c] = exp(sc[c] - sc[best]));
        for (size_t c = 0; c < L; c++)
            probs[c] /= sum;
    }
    if (sc != scores && sc != local)
        free(sc);
    return (int)best;
}

/* }================================================================== */

/* {==================================================================
 * Model file
 * =================================================================== */
/* The file is written through a buffer of WBUF_BYTES, its CRC-32 kept as
 * it goes: no copy of the whole model in memory. */
enum { WBUF_BYTES = 1 << 20 };
/* models with this many bytes of counts or more are written with a writer thread */
#define SAVE_SPLIT_MIN ((size_t)1 << 20)

typedef struct wbuf {
    char *p;                   /* the buffer being filled                    */
    size_t len, cap;
    FILE *f;
    uLong crc;
    /* Large models: full buffers go to a background writer (outfile.h),
     * which checksums and writes them while the next one fills; crc and f
     * are then the writer's until it is stopped. */
    qr_bgwriter *bg;
    char *spare;               /* the second buffer, until the first swap */
    int failed;                /* a write failed: the rest is dropped and
                                  the commit reports it (ferror)           */
} wbuf;

static void wbuf_crc(void *ud, const char *p, size_t n)
{
    wbuf *b = ud;
    b->crc = crc32(b->crc, (const Bytef *)p, (uInt)n);
}

static void wbuf_write(wbuf *b, const void *p, size_t n)
{
    wbuf_crc(b, p, n);
    fwrite(p, 1, n, b->f);
}

static void wbuf_flush(wbuf *b)
{
    if (!b->len)
        return;
    if (!b->bg || b->failed) {
        if (!b->failed)
            wbuf_write(b, b->p, b->len);
        b->len = 0;
        return;
    }
    /* hands the buffer over and takes back the one the writer finished
     * with (none the first time: the spare); on a failed write the buffer
     * stays ours */
    if (qr_bgwriter_give(b->bg, &b->p, &b->cap, &b->len) != 0) {
        b->failed = 1;
        b->len = 0;
    } else if (!b->p) {
        b->p = b->spare;
        b->cap = WBUF_BYTES;
        b->spare = NULL;
    }
}

/* Starts the writer thread (with a second buffer); stays unthreaded when
 * either cannot be had. */
static void wbuf_start(wbuf *b, const char *path)
{
    if (!(b->spare = malloc(WBUF_BYTES)))
        return;
    if (!(b->bg = qr_bgwriter_new(b->f, path, wbuf_crc, b))) {
        free(b->spare);
        b->spare = NULL;
    }
}

/* Writes what is left and stops the writer: crc and f are the caller's
 * again after. */
static void wbuf_finish(wbuf *b)
{
    wbuf_flush(b);
    if (b->bg && qr_bgwriter_wait(b->bg) != 0)
        b->failed = 1;
    qr_bgwriter_free(b->bg);
    b->bg = NULL;
    free(b->spare);
    b->spare = NULL;
}

static inline void put(wbuf *b, const void *src, size_t n)
{
    if (__builtin_expect(b->len + n > WBUF_BYTES, 0)) {
        wbuf_flush(b);
        if (n > WBUF_BYTES) {
            if (b->bg && qr_bgwriter_wait(b->bg) != 0)  /* f is ours while idle */
                b->failed = 1;
            if (!b->failed)
                wbuf_write(b, src, n);
            return;
        }
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static inline void put_u32(wbuf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(b, x, 4);
}

static inline void put_u64(wbuf *b, uint64_t v)
{
    unsigned char x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    put(b, x, 8);
}

static inline void put_f64(wbuf *b, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    put_u64(b, v);
}

static inline void put_str(wbuf *b, const char *s, size_t len)
{
    put_u32(b, (uint32_t)len);
    put(b, s, len);
}

/* What a model file holds. The counts come either as one table
 * [f * L + c] (a model) or as one column per label, cols[c][0..col_n[c])
 * and zero beyond (a trainer's). */
typedef struct model_parts {
    const qr_nb_opts *opts;
    size_t L;
    const char *const *labels;     /* byte order */
    const double *docs;
    size_t n_feat;
    const qr_strtab *vocab;        /* NULL when hashing */
    const double *counts;
    const double *const *cols;
    const size_t *col_n;
} model_parts;

static int save_parts(const model_parts *m, const char *path, qr_error *err)
{
    struct stat sb;     /* written by renaming over path: never /dev/null */
    if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        return qr_error_set(err, "cannot write the model '%s': it is not a regular file (a "
                            "folder, device, pipe or symbolic link) and the model replaces what "
                            "is at that path; give a file path", path);
    wbuf b = {.p = malloc(WBUF_BYTES), .cap = WBUF_BYTES, .crc = crc32(0L, Z_NULL, 0)};
    if (!b.p)
        return qr_error_set(err, "out of memory");
    char *tmp;
    if (!(b.f = qr_outfile_open(path, &tmp))) {
        int e = errno;
        free(b.p);
        int rc = tmp ? qr_error_set(err, "cannot write the model '%s': %s", path, strerror(e))
                     : qr_error_set(err, "out of memory");
        free(tmp);
        return rc;
    }
    size_t L = m->L;
    if (m->n_feat * L * 8 >= SAVE_SPLIT_MIN)
        wbuf_start(&b, path);
    put(&b, MAGIC, 8);
    put_u32(&b, QR_NB_FORMAT_VERSION);
    put_u32(&b, (uint32_t)m->opts->kind);
    put_f64(&b, m->opts->alpha);
    put_u32(&b, m->opts->feat.flags);
    put_u32(&b, m->opts->feat.buckets);
    const char *stem = m->opts->feat.stemmer ? m->opts->feat.stemmer : "";
    put_str(&b, stem, strlen(stem));
    put_u32(&b, (uint32_t)m->opts->feat.stop.n);
    for (size_t i = 0; i < m->opts->feat.stop.n; i++) {
        size_t len;
        const char *s = qr_strtab_str(&m->opts->feat.stop, i, &len);
        put_str(&b, s, len);
    }
    put_u32(&b, (uint32_t)L);
    for (size_t c = 0; c < L; c++) {
        put_str(&b, m->labels[c], strlen(m->labels[c]));
        put_f64(&b, m->docs[c]);
    }
    put_u64(&b, m->n_feat);
    if (m->vocab)
        for (size_t f = 0; f < m->n_feat; f++) {
            size_t len;
            const char *s = qr_strtab_str(m->vocab, f, &len);
            put_str(&b, s, len);
        }
    if (m->counts)
        for (size_t i = 0; i < m->n_feat * L; i++)
            put_f64(&b, m->counts[i]);
    else
        for (size_t f = 0; f < m->n_feat; f++)
            for (size_t c = 0; c < L; c++)
                put_f64(&b, f < m->col_n[c] ? m->cols[c][f] : 0.0);
    wbuf_finish(&b);
    unsigned char crc[4];
    for (int k = 0; k < 4; k++)
        crc[k] = (unsigned char)((uint32_t)b.crc >> (8 * k));
    fwrite(crc, 1, 4, b.f);
    int rc = qr_outfile_commit(b.f, tmp, path);
    int e = errno;
    free(b.p);
    if (rc != 0)
        rc = qr_error_set(err, "cannot write the model '%s': %s", path, strerror(e));
    free(tmp);
    return rc;
}

int qr_nb_save(const qr_nb_model *m, const char *path, qr_error *err)
{
    model_parts p = {&m->opts, m->n_labels, (const char *const *)m->labels, m->docs, m->n_feat,
                     m->opts.feat.buckets ? NULL : &m->vocab, m->counts, NULL, NULL};
    return save_parts(&p, path, err);
}

int qr_nb_trainer_save(qr_nb_trainer *t, const char *path, qr_error *err)
{
    if (qr_nb_trainer_check(t, err) != 0)
        return -1;
    size_t L = t->n_labels;
    label_counts **order = calloc(L, sizeof *order);
    const char **labels = calloc(L, sizeof *labels);
    double *docs = calloc(L, sizeof *docs);
    const double **cols = calloc(L, sizeof *cols);
    size_t *col_n = calloc(L, sizeof *col_n);
    int rc = -1;
    if (!order || !labels || !docs || !cols || !col_n) {
        qr_error_set(err, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < L; i++)
        order[i] = &t->labels[i];
    qsort(order, L, sizeof *order, cmp_label);
    for (size_t c = 0; c < L; c++) {
        labels[c] = order[c]->label;
        docs[c] = order[c]->docs;
        cols[c] = order[c]->counts;
        col_n[c] = order[c]->cap;
    }
    model_parts p = {&t->opts, L, labels, docs, t->opts.feat.buckets ? t->opts.feat.buckets : t->vocab.n,
                     t->opts.feat.buckets ? NULL : &t->vocab, NULL, cols, col_n};
    rc = save_parts(&p, path, err);
done:
    free(order);
    free(labels);
    free(docs);
    free(cols);
    free(col_n);
    return rc;
}

typedef struct rbuf {
    const unsigned char *p;
    size_t len, pos;
    int bad;
} rbuf;

static uint32_t get_u32(rbuf *r)
{
    if (r->bad || r->len - r->pos < 4) {
        r->bad = 1;
        return 0;
    }
    const unsigned char *x = r->p + r->pos;
    r->pos += 4;
    return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}

static uint64_t get_u64(rbuf *r)
{
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}

static double get_f64(rbuf *r)
{
    uint64_t v = get_u64(r);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static const char *get_str(rbuf *r, size_t *len)
{
    uint32_t n = get_u32(r);
    if (r->bad || r->len - r->pos < n) {
        r->bad = 1;
        *len = 0;
        return "";
    }
    const char *s = (const char *)r->p + r->pos;
    r->pos += n;
    *len = n;
    return s;
}

/* Loading a large model on three threads: the checksum, the counts and
 * weights, and (the caller's) the vocabulary table. */
enum { LOAD_SPLIT_MIN = 1 << 20 };

typedef struct crc_job {
    const unsigned char *data;
    size_t len;
    uint32_t crc;
} crc_job;

static void *crc_main(void *arg)
{
    crc_job *j = arg;
    j->crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), j->data, (uInt)j->len);
    return NULL;
}

typedef struct counts_job {
    qr_nb_model *m;
    rbuf r;
    int rc;
    qr_error err;
} counts_job;

static void *counts_main(void *arg)
{
    counts_job *j = arg;
    qr_nb_model *m = j->m;
    size_t n = m->n_feat * m->n_labels;
    qr_error_clear(&j->err);
    if (!(m->counts = malloc((n ? n : 1) * sizeof *m->counts))) {
        j->rc = qr_error_set(&j->err, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        m->counts[i] = get_f64(&j->r);
    j->rc = finalize(m, &j->err);
    return NULL;
}

typedef struct load_threads {
    pthread_t crc_tid, counts_tid;
    int crc_running, counts_running;
} load_threads;

static void join_crc(load_threads *lt)
{
    if (lt->crc_running)
        pthread_join(lt->crc_tid, NULL);
    lt->crc_running = 0;
}

static void join_counts(load_threads *lt)
{
    if (lt->counts_running)
        pthread_join(lt->counts_tid, NULL);
    lt->counts_running = 0;
}

qr_nb_model *qr_nb_load_data(const unsigned char *data, size_t len, const char *name, qr_error *err)
{
    if (len < 12 || memcmp(data, MAGIC, 8) != 0) {
        qr_error_at(err, name, 0, 0, "not a quarry model file (no .qrm signature at the start); "
                    "train one with 'quarry train PIPELINE DATA -o MODEL'");
        return NULL;
    }
    rbuf r = {data, len, 8, 0};
    uint32_t version = get_u32(&r);
    if (version != QR_NB_FORMAT_VERSION) {
        qr_error_at(err, name, 0, 0, "model format version %u is not supported by this quarry (it reads "
                    "version %d); retrain the model with this quarry's 'quarry train'",
                    version, QR_NB_FORMAT_VERSION);
        return NULL;
    }
    /* A large file's checksum is computed on a second thread while the
     * rest is read; a mismatch still wins over any other complaint. */
    load_threads lt = {0};
    crc_job cj = {data, len - 4, 0};
    counts_job kj = {0};
    if (len >= 16) {
        if (len >= LOAD_SPLIT_MIN && pthread_create(&lt.crc_tid, NULL, crc_main, &cj) == 0)
            lt.crc_running = 1;
        else
            crc_main(&cj);
    }
    uint32_t stored = len < 16 ? 0 : (uint32_t)data[len - 4] | (uint32_t)data[len - 3] << 8 |
                                     (uint32_t)data[len - 2] << 16 | (uint32_t)data[len - 1] << 24;
    if (len < 16 || (!lt.crc_running && cj.crc != stored))
        goto bad_crc;
    r.len = len - 4;
    qr_nb_model *m = calloc(1, sizeof *m);
    if (!m) {
        join_crc(&lt);
        if (cj.crc != stored)
            goto bad_crc;
        qr_error_set(err, "out of memory");
        return NULL;
    }
    qr_nb_opts_init(&m->opts);
    qr_strtab_init(&m->vocab);
    const char *why = "a field runs past the end";
    uint32_t kind = get_u32(&r);
    m->opts.alpha = get_f64(&r);
    m->opts.feat.flags = get_u32(&r);
    m->opts.feat.buckets = get_u32(&r);
    size_t slen;
    const char *stem = get_str(&r, &slen);
    if (r.bad)
        goto corrupt;
    if (kind > QR_NB_COMPLEMENT || !(m->opts.alpha > 0)) {
        why = "unknown classifier kind or bad alpha";
        goto corrupt;
    }
    m->opts.kind = (qr_nb_kind)kind;
    if (slen && !(m->opts.feat.stemmer = strndup(stem, slen)))
        goto oom;
    uint32_t n_stop = get_u32(&r);
    for (uint32_t i = 0; i < n_stop && !r.bad; i++) {
        const char *s = get_str(&r, &slen);
        if (!r.bad && qr_strtab_intern(&m->opts.feat.stop, s, slen, qr_strtab_hash(s, slen), err) < 0)
            goto fail;
    }
    uint32_t L = get_u32(&r);
    if (r.bad)
        goto corrupt;
    if (L < 2 || L > r.len - r.pos) {
        why = "bad label count";
        goto corrupt;
    }
    m->n_labels = L;
    if (!(m->labels = calloc(L, sizeof *m->labels)) || !(m->docs = calloc(L, sizeof *m->docs)))
        goto oom;
    for (uint32_t c = 0; c < L; c++) {
        const char *s = get_str(&r, &slen);
        m->docs[c] = get_f64(&r);
        if (r.bad)
            goto corrupt;
        if (!(m->labels[c] = strndup(s, slen)))
            goto oom;
    }
    uint64_t V = get_u64(&r);
    if (r.bad || V > (r.len - r.pos) / 8 || (m->opts.feat.buckets && V != m->opts.feat.buckets)) {
        why = "bad feature count";
        goto corrupt;
    }
    m->n_feat = (size_t)V;
    int hashed = m->opts.feat.buckets != 0;
    /* where the counts start: past the vocabulary (a first pass over its
     * lengths, which also sizes the string pool: 8 more bytes a string) */
    rbuf after = r;
    size_t text = 0;
    for (size_t f = 0; !hashed && f < m->n_feat && !after.bad; f++) {
        get_str(&after, &slen);
        text += slen + 1;
    }
    if (after.bad) {
        r = after;
        goto corrupt;
    }
    int counts_fit = (after.len - after.pos) / 8 / L >= m->n_feat && (after.len - after.pos) == m->n_feat * L * 8;
    if (counts_fit) {
        /* the counts and weights on another thread while the table fills */
        kj.m = m;
        kj.r = after;
        if (m->n_feat * L * 8 >= LOAD_SPLIT_MIN && pthread_create(&lt.counts_tid, NULL, counts_main, &kj) == 0)
            lt.counts_running = 1;
        else
            counts_main(&kj);
    }
    if (!hashed && qr_strtab_reserve(&m->vocab, m->n_feat, err) != 0)
        goto fail;
    if (!hashed && m->n_feat) {
        if (qr_grow(&m->vocab.pool, &m->vocab.pool_cap, text + 8 * m->n_feat, 4096) != 0)
            goto oom;
        /* each string is hashed PREFETCH_AHEAD strings before it is added,
         * and its slot hinted: the table is large, lookups wait on memory */
        uint64_t ring[PREFETCH_AHEAD];
        size_t lens[PREFETCH_AHEAD];
        const char *strs[PREFETCH_AHEAD];
        rbuf ahead = r;
        for (size_t f = 0; f < m->n_feat + PREFETCH_AHEAD; f++) {
            size_t k = f % PREFETCH_AHEAD;    /* string f - AHEAD's, then f's */
            if (f >= PREFETCH_AHEAD) {
                size_t g = f - PREFETCH_AHEAD;
                int64_t id = qr_strtab_intern(&m->vocab, strs[k], lens[k], ring[k], err);
                if (id < 0)
                    goto fail;
                if ((size_t)id != g) {
                    r.pos = (size_t)(strs[k] - (const char *)r.p) + lens[k];
                    why = "a vocabulary entry appears twice";
                    goto corrupt;
                }
            }
            if (f < m->n_feat) {
                strs[k] = get_str(&ahead, &lens[k]);
                ring[k] = qr_strtab_hash(strs[k], lens[k]);
                qr_strtab_prefetch(&m->vocab, ring[k]);
            }
        }
    }
    r.pos = after.pos;
    if (!counts_fit) {
        why = "the counts do not fill the rest of the file";
        goto corrupt;
    }
    join_counts(&lt);
    join_crc(&lt);
    if (cj.crc != stored) {
        qr_nb_free(m);
        goto bad_crc;
    }
    if (kj.rc != 0) {
        *err = kj.err;
        qr_nb_free(m);
        return NULL;
    }
    return m;
corrupt:
    qr_error_at(err, name, 0, 0, "the model file is corrupt (%s at byte %zu); train it again", why, r.pos);
    goto fail;
oom:
    qr_error_set(err, "out of memory");
fail:
    join_counts(&lt);
    join_crc(&lt);
    qr_nb_free(m);
    if (cj.crc == stored)
        return NULL;
bad_crc:
    qr_error_at(err, name, 0, 0, "the model file is corrupt or truncated (checksum mismatch over %zu "
                "bytes); train it again or copy it again", len);
    return NULL;
}

qr_nb_model *qr_nb_load(const char *path, qr_error *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        qr_error_at(err, path, 0, 0, "cannot open the model: %s%s", strerror(errno),
                    errno == ENOENT ? "; train one with 'quarry train PIPELINE DATA -o MODEL'" : "");
        return NULL;
    }
    /* a regular file is mapped (no copy, and pages come from the cache
     * 16 at a time); anything else is read */
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        qr_error_at(err, path, 0, 0, "the model path is a folder; give the model file (.qrm) from "
                    "'quarry train'");
        return NULL;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size < SIZE_MAX) {
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map != MAP_FAILED) {
            close(fd);
            qr_nb_model *m = qr_nb_load_data(map, (size_t)st.st_size, path, err);
            munmap(map, (size_t)st.st_size);
            return m;
        }
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    unsigned char *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            unsigned char *p = realloc(data, cap);
            if (!p) {
                free(data);
                fclose(f);
                qr_error_set(err, "out of memory");
                return NULL;
            }
            data = p;
        }
        size_t n = fread(data + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(data);
        qr_error_at(err, path, 0, 0, "cannot read the model: read error");
        return NULL;
    }
    qr_nb_model *m = qr_nb_load_data(data, len, path, err);
    free(data);
    return m;
}

/* }================================================================== */
