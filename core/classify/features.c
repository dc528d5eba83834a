#include "classify/features.h"
#include "error.h"
#include "grow.h"
#include "normalize.h"

#include <errno.h>
#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Function words of English, written for quarry (keys: lower case). */
static const char *const english_stop[] = {
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
    "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but",
    "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for",
    "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself",
    "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just",
    "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once",
    "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "same",
    "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them",
    "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too",
    "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which",
    "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself",
    "yourselves", "'s", "’s", "'re", "'ve", "'ll", "'d", "'m", "n't", "also", "may", "might",
    "must", "shall", "upon", "yet", "ever", "every", "either", "neither", "whether", "within",
    "without", "among", "around", "across", "along", "onto", "per", "via", "since", "though",
    "although", "unless", "whereas", "hence", "thus", "therefore", "however", "else", "etc",
    NULL
};

void qr_feat_opts_init(qr_feat_opts *o)
{
    memset(o, 0, sizeof *o);
    o->flags = QR_FEAT_UNIGRAMS;
    qr_strtab_init(&o->stop);
}

void qr_feat_opts_free(qr_feat_opts *o)
{
    if (!o)
        return;
    free(o->stemmer);
    qr_strtab_free(&o->stop);
    qr_feat_opts_init(o);
}

int qr_feat_opts_copy(qr_feat_opts *dst, const qr_feat_opts *src, qr_error *err)
{
    qr_feat_opts_init(dst);
    dst->flags = src->flags;
    dst->buckets = src->buckets;
    if (src->stemmer && !(dst->stemmer = strdup(src->stemmer)))
        return qr_error_set(err, "out of memory");
    for (size_t i = 0; i < src->stop.n; i++) {
        size_t len;
        const char *s = qr_strtab_str(&src->stop, i, &len);
        if (qr_strtab_intern(&dst->stop, s, len, src->stop.ent[i].hash, err) < 0) {
            qr_feat_opts_free(dst);
            return -1;
        }
    }
    return 0;
}

int qr_feat_set_stemmer(qr_feat_opts *o, const char *lang, qr_error *err)
{
    free(o->stemmer);
    o->stemmer = NULL;
    if (!lang || !*lang || !strcmp(lang, "none"))
        return 0;
    struct sb_stemmer *s = sb_stemmer_new(lang, "UTF_8");
    if (!s) {
        char all[1024] = "";
        size_t n = 0;
        for (const char **l = sb_stemmer_list(); *l && n + strlen(*l) + 3 < sizeof all; l++)
            n += (size_t)snprintf(all + n, sizeof all - n, "%s%s", n ? ", " : "", *l);
        return qr_error_set(err, "unknown stemmer language '%s'; libstemmer knows: %s", lang, all);
    }
    sb_stemmer_delete(s);
    if (!(o->stemmer = strdup(lang)))
        return qr_error_set(err, "out of memory");
    return 0;
}

int qr_feat_add_stopword(qr_feat_opts *o, const char *word, size_t len, qr_error *err)
{
    char *key;
    size_t klen;
    qr_error ne;
    if (qr_normalize(word, len, QR_NORM_CASEFOLD, &key, &klen, &ne) != 0)
        return qr_error_set(err, "stop word '%.*s': %s", (int)len, word, ne.message);
    int64_t id = qr_strtab_intern(&o->stop, key, klen, qr_strtab_hash(key, klen), err);
    free(key);
    return id < 0 ? -1 : 0;
}

int qr_feat_add_english_stopwords(qr_feat_opts *o, qr_error *err)
{
    for (size_t i = 0; english_stop[i]; i++)
        if (qr_feat_add_stopword(o, english_stop[i], strlen(english_stop[i]), err) != 0)
            return -1;
    return 0;
}

int qr_feat_add_stopwords_file(qr_feat_opts *o, const char *path, qr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return qr_error_set(err, "cannot open the stop-word file '%s': %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0, lineno = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            n--;
        char *s = line;
        if (lineno == 1 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
            s += 3;
            n -= 3;
        }
        while (n > 0 && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        if (n == 0 || *s == '#')
            continue;
        if (qr_feat_add_stopword(o, s, (size_t)n, err) != 0) {
            qr_error_at(err, path, lineno, 1, "%s", err->message);
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

qr_featurizer *qr_featurizer_new(const qr_feat_opts *opts, qr_error *err)
{
    qr_featurizer *f = calloc(1, sizeof *f);
    if (!f) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    f->opts = opts;
    if (opts->stemmer && !(f->stemmer = sb_stemmer_new(opts->stemmer, "UTF_8"))) {
        free(f);
        qr_error_set(err, "cannot create the '%s' stemmer", opts->stemmer);
        return NULL;
    }
    return f;
}

void qr_featurizer_free(qr_featurizer *f)
{
    if (!f)
        return;
    if (f->stemmer)
        sb_stemmer_delete(f->stemmer);
    free(f->buf);
    free(f->v);
    free(f->u);
    free(f->slot);
    free(f);
}

static int reserve(qr_featurizer *f, size_t bytes, size_t feats, qr_error *err)
{
    if (qr_grow(&f->buf, &f->cap, f->len + bytes, 4096) != 0)
        return qr_error_set(err, "out of memory");
    if (f->n + feats > f->vcap) {
        size_t cap = f->vcap ? f->vcap : 256;
        while (cap < f->n + feats)
            cap *= 2;
        qr_feature *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return qr_error_set(err, "out of memory");
        f->v = v;
        f->vcap = cap;
    }
    return 0;
}

int qr_featurize(qr_featurizer *f, const qr_tokens *toks, qr_error *err)
{
    const qr_feat_opts *o = f->opts;
    int uni = (o->flags & QR_FEAT_UNIGRAMS) != 0, bi = (o->flags & QR_FEAT_BIGRAMS) != 0;
    int has_stop = o->stop.n > 0;
    f->len = f->n = 0;
    f->keys = toks->keys;
    /* at most one unigram and one bigram per token */
    if (reserve(f, 0, 2 * toks->n, err) != 0)
        return -1;
    /* the previous kept key, for bigrams: in the keys or in buf */
    int have_prev = 0, prev_in_keys = 0;
    uint32_t prev_off = 0, prev_len = 0;
    for (size_t i = 0; i < toks->n; i++) {
        const qr_token *t = &toks->v[i];
        if ((t->kind == QR_TOK_PUNCT || t->kind == QR_TOK_SYMBOL) && !(o->flags & QR_FEAT_SYMBOLS))
            continue;
        const char *key = toks->keys + t->key;
        size_t klen = t->key_len;
        uint64_t khash = has_stop || !f->stemmer || t->kind != QR_TOK_WORD ? qr_strtab_hash(key, klen) : 0;
        if (has_stop && qr_strtab_find(&o->stop, key, klen, khash) >= 0)
            continue;
        int in_keys = 1;
        uint32_t off = t->key;
        if (f->stemmer && t->kind == QR_TOK_WORD) {
            const sb_symbol *s = sb_stemmer_stem(f->stemmer, (const sb_symbol *)key, (int)klen);
            if (!s)
                return qr_error_set(err, "out of memory");
            klen = (size_t)sb_stemmer_length(f->stemmer);
            if (reserve(f, klen + 1, 0, err) != 0)
                return -1;
            memcpy(f->buf + f->len, s, klen);
            f->buf[f->len + klen] = '\0';
            in_keys = 0;
            off = (uint32_t)f->len;
            f->len += klen + 1;
            key = f->buf + off;
            khash = qr_strtab_hash(key, klen);
        }
        if (uni) {
            qr_feature *ft = &f->v[f->n++];
            ft->hash = khash;
            ft->off = off;
            ft->len = (uint32_t)klen;
            ft->in_keys = (uint32_t)in_keys;
        }
        if (bi && have_prev) {
            uint32_t blen = prev_len + 1 + (uint32_t)klen;
            if (reserve(f, (size_t)blen + 1, 0, err) != 0)
                return -1;
            if (!in_keys)
                key = f->buf + off;          /* buf may have moved */
            const char *prev = (prev_in_keys ? toks->keys : f->buf) + prev_off;
            char *d = f->buf + f->len;
            memcpy(d, prev, prev_len);
            d[prev_len] = ' ';
            memcpy(d + prev_len + 1, key, klen);
            d[blen] = '\0';
            qr_feature *ft = &f->v[f->n++];
            ft->off = (uint32_t)f->len;
            ft->len = blen;
            ft->in_keys = 0;
            ft->hash = qr_strtab_hash(d, blen);
            f->len += (size_t)blen + 1;
        }
        prev_in_keys = in_keys;
        prev_off = off;
        prev_len = (uint32_t)klen;
        have_prev = 1;
    }
    return 0;
}

int qr_featurize_counts(qr_featurizer *f, const qr_tokens *toks, qr_error *err)
{
    if (qr_featurize(f, toks, err) != 0)
        return -1;
    f->nu = 0;
    if (f->n == 0)
        return 0;
    if (f->n > f->ucap) {
        qr_feat_count *u = realloc(f->u, f->n * sizeof *u);
        if (!u)
            return qr_error_set(err, "out of memory");
        f->u = u;
        f->ucap = f->n;
    }
    if (!f->slot || f->n * 2 > f->slot_mask + 1) {
        size_t n = 1024;
        while (n < f->n * 2)
            n *= 2;
        qr_feat_slot *slot = malloc(n * sizeof *slot);   /* written first: see strtab.c rehash */
        if (!slot)
            return qr_error_set(err, "out of memory");
        __asm__ volatile("" : : "r"(slot) : "memory");
        memset(slot, 0, n * sizeof *slot);
        free(f->slot);
        f->slot = slot;
        f->slot_mask = n - 1;
        f->gen = 0;
    }
    if (++f->gen == 0) {   /* wrapped: every stamp is stale from here */
        for (size_t k = 0; k <= f->slot_mask; k++)
            f->slot[k].gen = 0;
        f->gen = 1;
    }
    const uint32_t gen = (uint32_t)f->gen;
    const size_t mask = f->slot_mask;
    qr_feat_slot *slot = f->slot;
    qr_feat_count *u = f->u;
    size_t nu = 0;
    for (size_t i = 0; i < f->n; i++) {
        const qr_feature *ft = &f->v[i];
        uint64_t h = ft->hash;
        if (i + 8 < f->n)
            __builtin_prefetch(&slot[f->v[i + 8].hash & mask]);
        for (size_t k = h & mask;; k = (k + 1) & mask) {
            qr_feat_slot *sl = &slot[k];
            if (sl->gen != gen) {
                sl->gen = gen;
                sl->hash = h;
                sl->u = (uint32_t)nu;
                u[nu++] = (qr_feat_count){(uint32_t)i, 1};
                break;
            }
            if (sl->hash != h)
                continue;
            qr_feat_count *c = &u[sl->u];
            const qr_feature *o = &f->v[c->feat];
            if (o->len == ft->len && qr_bytes_equal(qr_feature_str(f, o), qr_feature_str(f, ft), ft->len)) {
                c->count++;
                break;
            }
        }
    }
    f->nu = nu;
    return 0;
}
