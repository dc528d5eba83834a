/* classify step — document labels from rules or from a trained model.
 *
 *   rules:  { LABEL: { words, phrases, regex, entities, weight } … }
 *           (core/classify/rules.h), or
 *   model:  a .qrm file from `quarry train` (core/classify/nb.h).
 *   threshold: rules: minimum score to assign a label (default 1);
 *              model: minimum probability of the best label (default 0).
 *   multi:  rules: every label reaching the threshold is assigned.
 * The training options (kind, alpha, unigrams, bigrams, symbols, stopwords,
 * stopwords_file, stemmer, buckets) are read by `quarry train`; at
 * prediction the model's own options apply. `model:` is an output path for
 * validation (train writes it); init() loads it, so run/check/eval need it.
 * A relative model path is looked for in the pipeline's folder, then (if
 * not there) in the working directory, where `quarry train -o` wrote it.
 */
#include "classify/nb.h"
#include "classify/rules.h"
#include "doc.h"
#include "error.h"
#include "value.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct cls_state {
    qr_rules *rules;
    qr_nb_model *model;
    double threshold;
    int multi;
} cls_state;

typedef struct cls_thread {
    qr_rules_scratch *rs;
    qr_nb_scratch *ns;
    double *probs;
} cls_thread;

static const char *const train_keys[] = {"kind", "alpha", "unigrams", "bigrams", "symbols", "stopwords",
                                         "stopwords_file", "stemmer", "buckets"};

static void *cls_init(const qr_host_api *api, const qr_value *opt, const qr_step_ctx *ctx, qr_error *err)
{
    const qr_value *rules = qr_value_get(opt, "rules"), *model = qr_value_get(opt, "model");
    const qr_value *thr = qr_value_get(opt, "threshold");
    int has_rules = rules && rules->type != QR_VAL_NULL, has_model = model && model->type != QR_VAL_NULL;
    if (has_rules && has_model) {
        qr_value_error(model, err, "give either rules: or model:, not both (use two classify steps "
                       "with different names)");
        return NULL;
    }
    if (!has_rules && !has_model) {
        qr_value_error(opt, err, "classify needs rules: { LABEL: { words: [...] } } or model: FILE.qrm "
                       "(from 'quarry train')");
        return NULL;
    }
    if (has_rules)
        for (size_t i = 0; i < sizeof train_keys / sizeof *train_keys; i++) {
            const qr_value_entry *e = qr_value_get_entry(opt, train_keys[i]);
            if (e) {
                qr_value_mark(e->value, err);
                if (e->key_line) {
                    err->line = e->key_line;
                    err->col = e->key_col;
                }
                qr_error_set(err, "option '%s' is for trained models; rules do not use it", train_keys[i]);
                return NULL;
            }
        }
    cls_state *st = calloc(1, sizeof *st);
    if (!st) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    st->multi = qr_value_bool(qr_value_get(opt, "multi"));
    st->threshold = thr && thr->type != QR_VAL_NULL ? qr_value_number(thr) : has_rules ? 1.0 : 0.0;
    if (has_rules) {
        if (!(st->rules = qr_rules_new(rules, err))) {
            free(st);
            return NULL;
        }
        return st;
    }
    /* Relative to the pipeline's folder like every path; a model written by
     * `quarry train -o M` relative to the working directory is found too. */
    const char *given = qr_value_string(model);
    /* the training options are train's, but a mistake in them is worth
     * reporting at check time too */
    qr_nb_opts no;
    int bad = qr_nb_opts_from_value(&no, opt, ctx->base_dir, err);
    qr_nb_opts_free(&no);
    if (bad) {
        free(st);
        return NULL;
    }
    char *path = api->resolve_path(ctx, given);
    if (path && given[0] != '/' && access(path, F_OK) != 0 && access(given, F_OK) == 0) {
        free(path);
        path = strdup(given);
    }
    if (!path) {
        free(st);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    qr_error le;
    qr_error_clear(&le);
    st->model = qr_nb_load(path, &le);
    free(path);
    if (!st->model) {
        qr_value_error(model, err, "model '%s': %s", qr_value_string(model), le.message);
        free(st);
        return NULL;
    }
    return st;
}

static void *cls_thread_init(void *state, qr_error *err)
{
    cls_state *st = state;
    cls_thread *t = calloc(1, sizeof *t);
    if (!t) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    if (st->rules && !(t->rs = qr_rules_scratch_new(st->rules, err)))
        goto fail;
    if (st->model) {
        if (!(t->ns = qr_nb_scratch_new(st->model, err)))
            goto fail;
        if (!(t->probs = calloc(qr_nb_label_count(st->model), sizeof *t->probs))) {
            qr_error_set(err, "out of memory");
            goto fail;
        }
    }
    return t;
fail:
    qr_rules_scratch_free(t->rs);
    qr_nb_scratch_free(t->ns);
    free(t);
    return NULL;
}

static void cls_thread_free(void *state, void *ts)
{
    (void)state;
    cls_thread *t = ts;
    if (!t)
        return;
    qr_rules_scratch_free(t->rs);
    qr_nb_scratch_free(t->ns);
    free(t->probs);
    free(t);
}

static int cls_process(void *state, void *ts, qr_doc *doc, qr_error *err)
{
    cls_state *st = state;
    cls_thread *t = ts;
    if (st->rules)
        return qr_rules_apply(st->rules, t->rs, doc, st->threshold, st->multi, err) < -1 ? -1 : 0;
    if (qr_doc_ensure_tokens(doc, err) != 0)
        return -1;
    int best = qr_nb_predict(st->model, t->ns, &doc->tokens, t->probs, NULL, err);
    if (best < 0)
        return -1;
    for (size_t i = 0; i < qr_nb_label_count(st->model); i++)
        if (qr_doc_set_label(doc, qr_nb_label(st->model, i), t->probs[i], err) != 0)
            return -1;
    return qr_doc_choose_label(doc, t->probs[best] >= st->threshold ? qr_nb_label(st->model, (size_t)best) : NULL,
                               err);
}

static void cls_free(void *state)
{
    cls_state *st = state;
    if (!st)
        return;
    qr_rules_free(st->rules);
    qr_nb_free(st->model);
    free(st);
}

static const qr_option_def cls_options[] = {
    {"rules", QR_OPT_MAP, NULL, NULL,
     "label rules: { LABEL: { words: [...], phrases: [...], regex: [...], entities: { ORG: 0.5 }, weight: 1 } }", 0},
    {"model", QR_OPT_PATH, NULL, NULL, "a trained model (.qrm from 'quarry train'); instead of rules", QR_OPT_OUTPUT},
    {"threshold", QR_OPT_NUMBER, NULL, NULL,
     "rules: minimum score to assign a label (default 1); model: minimum probability (default 0)", 0},
    {"multi", QR_OPT_BOOL, "false", NULL, "rules: assign every label that reaches the threshold", 0},
    {"kind", QR_OPT_ENUM, NULL, "multinomial|complement", "train: Naive Bayes variant (default multinomial)", 0},
    {"alpha", QR_OPT_NUMBER, NULL, NULL, "train: Lidstone smoothing (default 1.0 = Laplace)", 0},
    {"unigrams", QR_OPT_BOOL, NULL, NULL, "train: token keys as features (default true)", 0},
    {"bigrams", QR_OPT_BOOL, NULL, NULL, "train: pairs of adjacent keys as features (default false)", 0},
    {"symbols", QR_OPT_BOOL, NULL, NULL, "train: punctuation and symbol tokens as features (default false)", 0},
    {"stopwords", QR_OPT_ENUM, NULL, "none|english", "train: drop the built-in English stop words (default none)", 0},
    {"stopwords_file", QR_OPT_PATH, NULL, NULL, "train: drop the words of this file (one a line)", 0},
    {"stemmer", QR_OPT_STRING, NULL, NULL, "train: Snowball stemmer language, e.g. english (default none)", 0},
    {"buckets", QR_OPT_INT, NULL, NULL, "train: hash features into this many buckets (default 0 = vocabulary)", 0},
    {NULL, 0, NULL, NULL, NULL, 0}
};

const qr_step_def qr_step_classify_def = {
    .size = sizeof(qr_step_def),
    .name = "classify",
    .description = "label documents with rules or a trained Naive Bayes model (quarry train)",
    .options = cls_options,
    .flags = 0,
    .init = cls_init,
    .thread_init = cls_thread_init,
    .process = cls_process,
    .thread_free = cls_thread_free,
    .free = cls_free,
};
