/*
 * nb — Naive Bayes text classifiers: Multinomial NB and Complement NB.
 *
 * Features come from classify/features.h (unigrams, bigrams, stop words,
 * Snowball stemming, optional hashing to a fixed number of buckets).
 * Counting uses a hash table of feature ids: no allocation per token.
 *
 * With N(c,f) the count of feature f in documents of class c, N(c) = Σf
 * N(c,f), V the number of features (vocabulary size, or buckets when
 * hashing), D(c) the number of documents of class c and α the Lidstone
 * smoothing (1.0 = Laplace), a document with counts n_f scores:
 *   multinomial  s(c) = log(D(c)/D) + Σf n_f · log((N(c,f)+α) / (N(c)+αV))
 *   complement   s(c) = Σf n_f · −log((N(~c,f)+α) / Σg (N(~c,g)+α))
 *                where N(~c,f) counts f in every class but c (Rennie et al.
 *                2003; scikit-learn's ComplementNB with norm=False)
 * Probabilities are softmax(s): exp(s(c) − max) / Σ exp(s(k) − max).
 * Features never seen in training are ignored. An empty document gets the
 * class priors (multinomial) or equal probabilities (complement).
 * Ties: equal scores go to the label that sorts first (labels are kept in
 * byte order).
 *
 * Model file (.qrm): see docs/classify.md — magic, format version, options,
 * labels, vocabulary, counts, CRC-32. Loading checks all of it; a file from
 * another format version, truncated or corrupt is refused with a message
 * saying which and what to do.
 *
 * Ownership and threads: a trainer is used by one thread. A model is
 * read-only after it is built or loaded; predict from any number of
 * threads, each with its own qr_nb_scratch.
 */
#ifndef QR_CLASSIFY_NB_H
#define QR_CLASSIFY_NB_H

#include "classify/features.h"
#include "value.h"

#define QR_NB_FORMAT_VERSION 1

typedef enum qr_nb_kind { QR_NB_MULTINOMIAL = 0, QR_NB_COMPLEMENT = 1 } qr_nb_kind;

typedef struct qr_nb_opts {
    qr_nb_kind kind;       /* default multinomial */
    double alpha;          /* default 1.0; > 0     */
    qr_feat_opts feat;
} qr_nb_opts;

void qr_nb_opts_init(qr_nb_opts *o);
void qr_nb_opts_free(qr_nb_opts *o);
/* "multinomial" / "complement" -> kind, -1 otherwise. */
int qr_nb_kind_parse(const char *s);
const char *qr_nb_kind_name(qr_nb_kind k);
/* Reads the training options of a `classify` step (kind, alpha, unigrams,
 * bigrams, symbols, stopwords, stopwords_file, stemmer, buckets; absent keys
 * keep their defaults) into o (initialized first). stopwords_file resolves
 * against base_dir. Errors point at the offending value. */
int qr_nb_opts_from_value(qr_nb_opts *o, const qr_value *opts, const char *base_dir, qr_error *err);

typedef struct qr_nb_model qr_nb_model;
typedef struct qr_nb_trainer qr_nb_trainer;
typedef struct qr_nb_scratch qr_nb_scratch;

/* ---- training ---- */
/* Copies opts. NULL with err on bad options (alpha <= 0) or OOM. */
qr_nb_trainer *qr_nb_trainer_new(const qr_nb_opts *opts, qr_error *err);
void qr_nb_trainer_free(qr_nb_trainer *t);     /* NULL is fine */
/* Counts one labeled document (its tokens). label: non-empty UTF-8. */
int qr_nb_trainer_add(qr_nb_trainer *t, const qr_tokens *toks, const char *label, qr_error *err);
size_t qr_nb_trainer_docs(const qr_nb_trainer *t);
/* Room for about n distinct features without growing the vocabulary (a
 * hint: more still fit). Changes no result. 0, or -1 with err. */
int qr_nb_trainer_reserve(qr_nb_trainer *t, size_t n, qr_error *err);
/* Adds src's counts to dst (same options): for training on several
 * threads, one trainer each. Features new to dst are appended in src's
 * order, so merging in input order gives the model a single thread would. */
int qr_nb_trainer_merge(qr_nb_trainer *dst, const qr_nb_trainer *src, qr_error *err);
/* Forgets every count, label and feature, keeping the buffers. */
void qr_nb_trainer_reset(qr_nb_trainer *t);
/* Builds the model from the counts so far (the trainer stays usable).
 * Errors: no documents; one label only ("training data has only one label
 * ('spam'): a classifier needs examples of at least two labels"). */
qr_nb_model *qr_nb_trainer_model(qr_nb_trainer *t, qr_error *err);

/* 0 when the counts so far make a model; else -1 with the error
 * qr_nb_trainer_model would give. */
int qr_nb_trainer_check(const qr_nb_trainer *t, qr_error *err);
/* Writes the model the counts so far make, as qr_nb_trainer_model then
 * qr_nb_save would (the same bytes), without building it in memory: the
 * same errors. */
int qr_nb_trainer_save(qr_nb_trainer *t, const char *path, qr_error *err);
/* Labels in the order first seen, with their document counts; features:
 * the vocabulary size, or buckets. */
size_t qr_nb_trainer_label_count(const qr_nb_trainer *t);
const char *qr_nb_trainer_label(const qr_nb_trainer *t, size_t i, double *docs);
size_t qr_nb_trainer_feature_count(const qr_nb_trainer *t);

/* ---- files ---- */
/* Writes atomically (a temporary file renamed over path). */
int qr_nb_save(const qr_nb_model *m, const char *path, qr_error *err);
qr_nb_model *qr_nb_load(const char *path, qr_error *err);
/* The same from memory; `name` is used in messages. */
qr_nb_model *qr_nb_load_data(const unsigned char *data, size_t len, const char *name, qr_error *err);

void qr_nb_free(qr_nb_model *m);               /* NULL is fine */

/* ---- inspecting ---- */
size_t qr_nb_label_count(const qr_nb_model *m);
const char *qr_nb_label(const qr_nb_model *m, size_t i);
int qr_nb_label_index(const qr_nb_model *m, const char *label);  /* -1 if absent */
size_t qr_nb_feature_count(const qr_nb_model *m);
const qr_nb_opts *qr_nb_options(const qr_nb_model *m);
double qr_nb_doc_count(const qr_nb_model *m, size_t label);

/* ---- predicting ---- */
qr_nb_scratch *qr_nb_scratch_new(const qr_nb_model *m, qr_error *err);
void qr_nb_scratch_free(qr_nb_scratch *s);     /* NULL is fine */
/* Fills probs[0..label_count) (may be NULL) and, when scores is not NULL,
 * the raw scores s(c). Returns the best label's index, or -1 with err. */
int qr_nb_predict(const qr_nb_model *m, qr_nb_scratch *s, const qr_tokens *toks,
                  double *probs, double *scores, qr_error *err);

#endif
