/*
 * features — classifier features from tokens.
 *
 * A document's tokens (qr_tokens, keys already NFKC + case-folded) become a
 * sequence of features:
 *   - tokens of kind punct and symbol are left out unless `symbols` is set;
 *   - a token whose key is a stop word is left out (stop words compare by
 *     key, and are removed before bigrams are formed, as scikit-learn does);
 *   - with a stemmer, word tokens are reduced by Snowball (libstemmer);
 *   - unigrams: each remaining key; bigrams: "a b" for each adjacent pair
 *     of remaining keys (a space joins them: keys never contain one).
 * Each feature comes with a 64-bit hash (qr_strtab_hash of its text), so a
 * vocabulary lookup or a bucket (hash % buckets) needs no second pass.
 *
 * Ownership and threads: qr_feat_opts is built once (stop-word set, stemmer
 * name) and read-only afterwards. A qr_featurizer is per thread: it holds
 * the Snowball stemmer (sb_stemmer is not thread-safe) and the reused
 * buffers, so featurizing allocates nothing once they have grown. The
 * options must outlive every featurizer made from them.
 */
#ifndef QR_CLASSIFY_FEATURES_H
#define QR_CLASSIFY_FEATURES_H

#include "tokenize.h"
#include "classify/strtab.h"

enum {
    QR_FEAT_UNIGRAMS = 1u << 0,
    QR_FEAT_BIGRAMS  = 1u << 1,
    QR_FEAT_SYMBOLS  = 1u << 2
};

typedef struct qr_feat_opts {
    unsigned flags;        /* QR_FEAT_*; default QR_FEAT_UNIGRAMS            */
    char *stemmer;         /* Snowball language ("english"), NULL for none    */
    qr_strtab stop;        /* stop words (keys), empty for none              */
    uint32_t buckets;      /* > 0: features hashed to this many ids          */
} qr_feat_opts;

void qr_feat_opts_init(qr_feat_opts *o);
void qr_feat_opts_free(qr_feat_opts *o);
/* Deep copy into dst (initialized by this call). */
int qr_feat_opts_copy(qr_feat_opts *dst, const qr_feat_opts *src, qr_error *err);

/* Sets the stemmer language; NULL/""/"none" clears it. Refuses a language
 * libstemmer does not know, listing the ones it does. */
int qr_feat_set_stemmer(qr_feat_opts *o, const char *lang, qr_error *err);
/* Adds the built-in English stop-word list (about 170 words). */
int qr_feat_add_english_stopwords(qr_feat_opts *o, qr_error *err);
/* Adds one stop word (normalized to a key like a token's). */
int qr_feat_add_stopword(qr_feat_opts *o, const char *word, size_t len, qr_error *err);
/* Adds every line of a file (UTF-8; blank lines and lines starting with #
 * are skipped). */
int qr_feat_add_stopwords_file(qr_feat_opts *o, const char *path, qr_error *err);

typedef struct qr_feature {
    uint64_t hash;
    uint32_t off;          /* text in qr_featurizer.buf, or in the token
                              keys when in_keys (unstemmed unigrams: no copy) */
    uint32_t len : 31, in_keys : 1;
} qr_feature;

typedef struct qr_feat_count {
    uint32_t feat;         /* index of the first occurrence in v          */
    uint32_t count;
} qr_feat_count;

/* A slot of the per-document counting table: valid when gen is the
 * featurizer's gen; the hash is kept in the slot so most probes touch
 * nothing else. */
typedef struct qr_feat_slot {
    uint64_t hash;
    uint32_t gen;
    uint32_t u;            /* index into u                               */
} qr_feat_slot;

typedef struct qr_featurizer {
    const qr_feat_opts *opts;
    struct sb_stemmer *stemmer;
    const char *keys;      /* the token keys of the last document        */
    char *buf;             /* feature texts, NUL-separated               */
    size_t len, cap;
    qr_feature *v;         /* the features of the last document          */
    size_t n, vcap;
    qr_feat_count *u;      /* distinct features with their counts        */
    size_t nu, ucap;
    qr_feat_slot *slot;    /* per-document table of distinct features    */
    size_t slot_mask;
    uint32_t gen;
} qr_featurizer;

/* NULL with err when out of memory or the stemmer cannot be made. */
qr_featurizer *qr_featurizer_new(const qr_feat_opts *opts, qr_error *err);
void qr_featurizer_free(qr_featurizer *f);     /* NULL is fine */

/* Replaces f->v with the features of `toks`. 0 or -1 (out of memory). */
int qr_featurize(qr_featurizer *f, const qr_tokens *toks, qr_error *err);
/* The same, then groups them: f->u[0..nu) holds each distinct feature once
 * with its count (in order of first occurrence), counted in a small
 * per-document hash table, so a vocabulary is consulted once per distinct
 * feature rather than once per token. */
int qr_featurize_counts(qr_featurizer *f, const qr_tokens *toks, qr_error *err);

static inline const char *qr_feature_str(const qr_featurizer *f, const qr_feature *ft)
{
    return (ft->in_keys ? f->keys : f->buf) + ft->off;
}

/* NUL-terminated text of feature i; valid until the next featurize call. */
static inline const char *qr_feature_text(const qr_featurizer *f, size_t i)
{
    return qr_feature_str(f, &f->v[i]);
}

#endif
