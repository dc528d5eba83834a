/* classify: rules, features, Naive Bayes (multinomial, complement), model
 * files, metrics. */
#include "check.h"
#include "classify/features.h"
#include "classify/metrics.h"
#include "classify/nb.h"
#include "classify/rules.h"
#include "doc.h"
#include "error.h"
#include "yaml_load.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <unistd.h>

#define CHECK_NEAR(a, b) do { double a_ = (a), b_ = (b); \
    if (fabs(a_ - b_) < 1e-9) check_passed++; else { check_failed++; \
    fprintf(stderr, "%s:%d: %s == %.12g, expected %.12g\n", __FILE__, __LINE__, #a, a_, b_); } } while (0)

static char tmpdir[256];

/* {==================================================================
 * Rules
 * =================================================================== */
static qr_rules *rules_from(const char *yaml, qr_error *err)
{
    qr_value *v = qr_yaml_load_string(yaml, strlen(yaml), "rules.yaml", err);
    if (!v)
        return NULL;
    qr_rules *r = qr_rules_new(v, err);
    qr_value_free(v);
    return r;
}

static double label_score(const qr_doc *d, const char *label)
{
    for (size_t i = 0; i < d->n_labels; i++)
        if (!strcmp(d->labels[i].label, label))
            return d->labels[i].score;
    return -1;
}

static void set_text(qr_doc *d, const char *text)
{
    qr_error err;
    qr_doc_reset(d);
    qr_doc_set_text(d, text, strlen(text), &err);
}

static void test_rules(void)
{
    qr_error err;
    qr_error_clear(&err);
    qr_rules *r = rules_from(
        "military:  { words: [weapons, military, Missile], phrases: ['armed forces'], weight: 1 }\n"
        "diplomacy: { words: [treaty, summit], regex: ['\\bforeign minister\\b'] }\n"
        "economy:   { words: [trade, sanctions, 'e-mail address'], entities: { ORG: 0.5 }, weight: 2 }\n", &err);
    CHECK(r != NULL);
    if (!r) {
        fprintf(stderr, "%s\n", err.message);
        return;
    }
    CHECK_EQ_INT(qr_rules_count(r), 3);
    CHECK_EQ_STR(qr_rules_label(r, 1), "diplomacy");
    qr_rules_scratch *s = qr_rules_scratch_new(r, &err);
    qr_doc *d = qr_doc_new();
    double sc[3];

    /* words by key (case-folded), phrases, regex (caseless), entities */
    set_text(d, "The ARMED forces fired a MISSILE; the Foreign Minister signed a treaty. "
                "Trade! Acme trade, e-mail address.");
    qr_doc_add_span(d, 80, 84, "ORG", NULL, 1, NULL, &err);
    CHECK_EQ_INT(qr_rules_score(r, s, d, sc, &err), 0);
    CHECK_NEAR(sc[0], 2);          /* armed forces + missile            */
    CHECK_NEAR(sc[1], 2);          /* foreign minister + treaty         */
    CHECK_NEAR(sc[2], 2 * 3 + 0.5);/* trade ×2, e-mail address; ORG 0.5 */

    /* threshold 2, single label: the best; economy wins */
    CHECK_EQ_INT(qr_rules_apply(r, s, d, 2, 0, &err), 2);
    CHECK_EQ_INT(d->n_labels, 1);
    CHECK_EQ_STR(d->label, "economy");
    CHECK_NEAR(label_score(d, "economy"), 6.5);

    /* multi: every label reaching the threshold, in rule order */
    set_text(d, "The ARMED forces fired a MISSILE; the Foreign Minister signed a treaty. Trade.");
    CHECK_EQ_INT(qr_rules_apply(r, s, d, 2, 1, &err), 0);
    CHECK_EQ_INT(d->n_labels, 3);
    CHECK_EQ_STR(d->labels[0].label, "military");
    CHECK_EQ_STR(d->labels[1].label, "diplomacy");
    CHECK_EQ_STR(d->labels[2].label, "economy");
    /* tie (military 2, diplomacy 2, economy 2): the rule declared first */
    CHECK_EQ_STR(d->label, "military");

    /* threshold 3: nobody reaches it (economy has 2): no label at all */
    set_text(d, "The ARMED forces fired a MISSILE; the Foreign Minister signed a treaty. Trade.");
    CHECK_EQ_INT(qr_rules_apply(r, s, d, 3, 1, &err), -1);
    CHECK_EQ_INT(d->n_labels, 0);
    CHECK(d->label == NULL);

    /* threshold met by a single label with multi: only it */
    set_text(d, "weapons weapons military treaty");
    CHECK_EQ_INT(qr_rules_apply(r, s, d, 2, 1, &err), 0);
    CHECK_EQ_INT(d->n_labels, 1);
    CHECK_NEAR(label_score(d, "military"), 3);

    /* empty document: no label */
    set_text(d, "");
    CHECK_EQ_INT(qr_rules_apply(r, s, d, 1, 1, &err), -1);
    CHECK_EQ_INT(d->n_labels, 0);
    CHECK(d->label == NULL);

    qr_doc_free(d);
    qr_rules_scratch_free(s);
    qr_rules_free(r);

    /* errors */
    CHECK(rules_from("a: { word: [x] }\n", &err) == NULL);
    CHECK_EQ_STR(err.message, "rule 'a' has no key 'word'; did you mean 'words'?");
    CHECK_EQ_INT(err.line, 1);
    CHECK(rules_from("a: { words: [x], regex: ['(unclosed'] }\n", &err) == NULL);
    CHECK(strstr(err.message, "rule 'a': regex 'a': missing closing parenthesis") != NULL);
    CHECK(rules_from("a: { weight: 2 }\n", &err) == NULL);
    CHECK_EQ_STR(err.message, "rule 'a' has nothing to match: give words, phrases, regex or entities");
    CHECK(rules_from("a: { words: x, entities: { ORG: high } }\n", &err) == NULL);
    CHECK_EQ_STR(err.message, "rule 'a': the weight of entity 'ORG' must be a number");
}

/* }================================================================== */

/* {==================================================================
 * Features
 * =================================================================== */
static void test_features(void)
{
    qr_error err;
    qr_feat_opts o;
    qr_feat_opts_init(&o);
    o.flags = QR_FEAT_UNIGRAMS | QR_FEAT_BIGRAMS;
    CHECK_EQ_INT(qr_feat_add_english_stopwords(&o, &err), 0);
    CHECK_EQ_INT(qr_feat_set_stemmer(&o, "english", &err), 0);
    qr_featurizer *f = qr_featurizer_new(&o, &err);
    qr_tokens t;
    qr_tokens_init(&t);
    const char *text = "The Runners were running, FAST!";
    qr_tokenize(text, strlen(text), &t, &err);
    CHECK_EQ_INT(qr_featurize(f, &t, &err), 0);
    /* the, were: stop words; "," and "!": symbols off; stems */
    CHECK_EQ_INT(f->n, 5);
    CHECK_EQ_STR(qr_feature_text(f, 0), "runner");
    CHECK_EQ_STR(qr_feature_text(f, 1), "run");
    CHECK_EQ_STR(qr_feature_text(f, 2), "runner run");
    CHECK_EQ_STR(qr_feature_text(f, 3), "fast");
    CHECK_EQ_STR(qr_feature_text(f, 4), "run fast");
    qr_featurizer_free(f);

    CHECK_EQ_INT(qr_feat_set_stemmer(&o, "klingon", &err), -1);
    CHECK(strncmp(err.message, "unknown stemmer language 'klingon'; libstemmer knows: ", 54) == 0);
    qr_feat_opts_free(&o);

    /* bigrams only, symbols on */
    qr_feat_opts_init(&o);
    o.flags = QR_FEAT_BIGRAMS | QR_FEAT_SYMBOLS;
    f = qr_featurizer_new(&o, &err);
    qr_tokenize("a $ b", 5, &t, &err);
    qr_featurize(f, &t, &err);
    CHECK_EQ_INT(f->n, 2);
    CHECK_EQ_STR(qr_feature_text(f, 0), "a $");
    CHECK_EQ_STR(qr_feature_text(f, 1), "$ b");
    qr_featurizer_free(f);
    qr_feat_opts_free(&o);
    qr_tokens_free(&t);
}

/* }================================================================== */

/* {==================================================================
 * Naive Bayes
 * =================================================================== */
typedef struct ex {
    const char *text, *label;
} ex;

static qr_nb_model *train(const qr_nb_opts *o, const ex *xs, size_t n, qr_error *err)
{
    qr_nb_trainer *t = qr_nb_trainer_new(o, err);
    qr_tokens toks;
    qr_tokens_init(&toks);
    for (size_t i = 0; t && i < n; i++) {
        qr_tokenize(xs[i].text, strlen(xs[i].text), &toks, err);
        if (qr_nb_trainer_add(t, &toks, xs[i].label, err) != 0) {
            qr_nb_trainer_free(t);
            t = NULL;
        }
    }
    qr_nb_model *m = t ? qr_nb_trainer_model(t, err) : NULL;
    qr_nb_trainer_free(t);
    qr_tokens_free(&toks);
    return m;
}

static int predict(const qr_nb_model *m, const char *text, double *probs, double *scores)
{
    qr_error err;
    qr_tokens toks;
    qr_tokens_init(&toks);
    qr_tokenize(text, strlen(text), &toks, &err);
    qr_nb_scratch *s = qr_nb_scratch_new(m, &err);
    int best = qr_nb_predict(m, s, &toks, probs, scores, &err);
    qr_nb_scratch_free(s);
    qr_tokens_free(&toks);
    return best;
}

static const ex tiny[] = {
    {"buy cheap pills", "spam"},
    {"cheap cheap offer", "spam"},
    {"meeting today", "ham"},
    {"lunch meeting offer", "ham"},
};

static void test_multinomial(void)
{
    /* Vocabulary V = {buy, cheap, pills, offer, meeting, today, lunch}: 7.
     * spam: buy 1, cheap 3, pills 1, offer 1 -> N(spam) = 6
     * ham:  meeting 2, today 1, lunch 1, offer 1 -> N(ham) = 5
     * priors 2/4 = 1/2 each. alpha = 1.
     * "cheap meeting zebra" (zebra unseen: ignored):
     *   spam: (3+1)/(6+7) * (0+1)/(6+7) = 4/169
     *   ham:  (0+1)/(5+7) * (2+1)/(5+7) = 3/144 = 1/48
     *   P(spam) = (4/169) / (4/169 + 1/48) = 192/361 = 0.531855955679
     *   P(ham)  = 169/361 = 0.468144044321
     *   s(spam) = log 1/2 + log 4/13 + log 1/13 = -4.436751534363 */
    qr_error err;
    qr_nb_opts o;
    qr_nb_opts_init(&o);
    qr_nb_model *m = train(&o, tiny, 4, &err);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_EQ_INT(qr_nb_label_count(m), 2);
    CHECK_EQ_STR(qr_nb_label(m, 0), "ham");    /* labels in byte order */
    CHECK_EQ_STR(qr_nb_label(m, 1), "spam");
    CHECK_EQ_INT(qr_nb_feature_count(m), 7);
    double p[2], s[2];
    CHECK_EQ_INT(predict(m, "Cheap meeting zebra", p, s), 1);
    CHECK_NEAR(p[1], 192.0 / 361);
    CHECK_NEAR(p[0], 169.0 / 361);
    CHECK_NEAR(s[1], log(0.5) + log(4.0 / 13) + log(1.0 / 13));

    /* empty document: the priors (equal here), tie -> first label "ham" */
    CHECK_EQ_INT(predict(m, "", p, NULL), 0);
    CHECK_NEAR(p[0], 0.5);
    CHECK_NEAR(p[1], 0.5);

    /* save / load round trip: same labels, features, probabilities */
    char path[300];
    snprintf(path, sizeof path, "%s/m.qrm", tmpdir);
    CHECK_EQ_INT(qr_nb_save(m, path, &err), 0);
    qr_nb_model *m2 = qr_nb_load(path, &err);
    CHECK(m2 != NULL);
    if (m2) {
        double q[2];
        CHECK_EQ_INT(qr_nb_feature_count(m2), 7);
        CHECK_EQ_STR(qr_nb_label(m2, 1), "spam");
        CHECK_EQ_INT(predict(m2, "Cheap meeting zebra", q, NULL), 1);
        predict(m, "Cheap meeting zebra", p, NULL);
        CHECK(q[0] == p[0] && q[1] == p[1]);   /* bit for bit */
        CHECK_NEAR(qr_nb_doc_count(m2, 0), 2);
        qr_nb_free(m2);
    }

    /* Lidstone alpha = 0.5: spam (3.5/9.5)(0.5/9.5), ham (0.5/8.5)(2.5/8.5) */
    o.alpha = 0.5;
    qr_nb_model *m3 = train(&o, tiny, 4, &err);
    double ps = 3.5 / 9.5 * 0.5 / 9.5, ph = 0.5 / 8.5 * 2.5 / 8.5;
    CHECK_EQ_INT(predict(m3, "cheap meeting", p, NULL), 1);
    CHECK_NEAR(p[1], ps / (ps + ph));
    qr_nb_free(m3);

    /* one class only */
    o.alpha = 1;
    CHECK(train(&o, tiny, 2, &err) == NULL);
    CHECK_EQ_STR(err.message, "training data has only one label ('spam'): a classifier needs examples of at "
                              "least two labels");
    /* bad alpha */
    o.alpha = 0;
    CHECK(qr_nb_trainer_new(&o, &err) == NULL);
    CHECK_EQ_STR(err.message, "alpha must be a number greater than 0 (1.0 is Laplace smoothing), got 0");
    qr_nb_opts_free(&o);
    qr_nb_free(m);
}

static void test_complement(void)
{
    /* a: red red green; b: green blue; c: blue blue blue red; alpha 1, V 3.
     * complement counts and weights w(c,f) = -log((N(~c,f)+1)/(N(~c)+3)):
     *   ~a = b+c: red 1, green 1, blue 4 (6) -> red 2/9, green 2/9
     *   ~b = a+c: red 3, green 1, blue 3 (7) -> red 4/10, green 2/10
     *   ~c = a+b: red 2, green 2, blue 1 (5) -> red 3/8, green 3/8
     * "red green": s(a) = log 81/4, s(b) = log 100/8, s(c) = log 64/9
     * softmax = (81/4, 25/2, 64/9) / 1435/36 = 729/1435, 450/1435, 256/1435 */
    static const ex corpus[] = {
        {"red red green", "a"}, {"green blue", "b"}, {"blue blue blue red", "c"},
    };
    qr_error err;
    qr_nb_opts o;
    qr_nb_opts_init(&o);
    o.kind = QR_NB_COMPLEMENT;
    qr_nb_model *m = train(&o, corpus, 3, &err);
    CHECK(m != NULL);
    if (!m)
        return;
    double p[3], s[3];
    CHECK_EQ_INT(predict(m, "red green", p, s), 0);
    CHECK_NEAR(p[0], 729.0 / 1435);
    CHECK_NEAR(p[1], 450.0 / 1435);
    CHECK_NEAR(p[2], 256.0 / 1435);
    CHECK_NEAR(s[0], log(81.0 / 4));
    /* empty document: all scores 0, equal probabilities, first label */
    CHECK_EQ_INT(predict(m, "", p, NULL), 0);
    CHECK_NEAR(p[2], 1.0 / 3);
    /* kind survives a round trip */
    char path[300];
    snprintf(path, sizeof path, "%s/c.qrm", tmpdir);
    CHECK_EQ_INT(qr_nb_save(m, path, &err), 0);
    qr_nb_model *m2 = qr_nb_load(path, &err);
    CHECK(m2 && qr_nb_options(m2)->kind == QR_NB_COMPLEMENT);
    if (m2) {
        CHECK_EQ_INT(predict(m2, "red green", p, NULL), 0);
        CHECK_NEAR(p[1], 450.0 / 1435);
    }
    qr_nb_free(m2);
    qr_nb_free(m);
    qr_nb_opts_free(&o);
}

static void test_options_round_trip(void)
{
    qr_error err;
    qr_nb_opts o;
    qr_nb_opts_init(&o);
    o.feat.flags = QR_FEAT_UNIGRAMS | QR_FEAT_BIGRAMS;
    qr_feat_add_english_stopwords(&o.feat, &err);
    qr_feat_set_stemmer(&o.feat, "english", &err);
    o.feat.buckets = 64;
    o.alpha = 0.25;
    qr_nb_model *m = train(&o, tiny, 4, &err);
    CHECK(m != NULL);
    CHECK_EQ_INT(qr_nb_feature_count(m), 64);
    char path[300];
    snprintf(path, sizeof path, "%s/o.qrm", tmpdir);
    CHECK_EQ_INT(qr_nb_save(m, path, &err), 0);
    qr_nb_model *m2 = qr_nb_load(path, &err);
    CHECK(m2 != NULL);
    if (m && m2) {
        const qr_nb_opts *o2 = qr_nb_options(m2);
        CHECK_EQ_INT(o2->feat.flags, QR_FEAT_UNIGRAMS | QR_FEAT_BIGRAMS);
        CHECK_EQ_STR(o2->feat.stemmer, "english");
        CHECK_EQ_INT(o2->feat.stop.n, o.feat.stop.n);
        CHECK_EQ_INT(o2->feat.buckets, 64);
        CHECK_NEAR(o2->alpha, 0.25);
        double p[2], q[2];
        CHECK_EQ_INT(predict(m, "the cheapest pills", p, NULL), predict(m2, "the cheapest pills", q, NULL));
        CHECK_NEAR(p[0], q[0]);
    }
    qr_nb_free(m2);
    qr_nb_free(m);
    qr_nb_opts_free(&o);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*len);
    if (b && fread(b, 1, *len, f) != *len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

/* A model with 2 MB of counts is written through the background writer
 * (checksummed there): it loads back, predicts the same, and saving it
 * again over the first file gives the same bytes. */
static void test_large_save(void)
{
    qr_error err;
    qr_nb_opts o;
    qr_nb_opts_init(&o);
    o.feat.buckets = 1u << 17;
    qr_nb_model *m = train(&o, tiny, 4, &err);
    CHECK(m != NULL);
    char path[300], copy[300];
    snprintf(path, sizeof path, "%s/large.qrm", tmpdir);
    snprintf(copy, sizeof copy, "%s/large-copy.qrm", tmpdir);
    CHECK_EQ_INT(qr_nb_save(m, path, &err), 0);
    CHECK_EQ_INT(qr_nb_save(m, copy, &err), 0);
    CHECK_EQ_INT(qr_nb_save(m, copy, &err), 0);    /* replaces the first copy */
    size_t n1 = 0, n2 = 0;
    unsigned char *a = slurp(path, &n1), *b = slurp(copy, &n2);
    CHECK(a != NULL && b != NULL && n1 > ((size_t)1 << 21) && n1 == n2 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);
    qr_nb_model *m2 = qr_nb_load(path, &err);
    CHECK(m2 != NULL);
    if (m && m2) {
        double p[2], q[2];
        CHECK_EQ_INT(predict(m, "cheap pills now", p, NULL), predict(m2, "cheap pills now", q, NULL));
        CHECK_NEAR(p[0], q[0]);
    }
    qr_nb_free(m2);
    qr_nb_free(m);
    qr_nb_opts_free(&o);
}

static void test_bad_files(void)
{
    qr_error err;
    qr_nb_opts o;
    qr_nb_opts_init(&o);
    qr_nb_model *m = train(&o, tiny, 4, &err);
    char path[300];
    snprintf(path, sizeof path, "%s/good.qrm", tmpdir);
    qr_nb_save(m, path, &err);
    qr_nb_free(m);
    qr_nb_opts_free(&o);
    size_t len;
    unsigned char *b = slurp(path, &len);
    CHECK(b != NULL && len > 100);
    if (!b)
        return;

    CHECK(qr_nb_load_data((const unsigned char *)"hello, world", 12, "x.qrm", &err) == NULL);
    CHECK_EQ_STR(err.message, "not a quarry model file (no .qrm signature at the start); train one with "
                              "'quarry train PIPELINE DATA -o MODEL'");
    CHECK_EQ_STR(err.file, "x.qrm");

    b[8] = 2;
    CHECK(qr_nb_load_data(b, len, "v2.qrm", &err) == NULL);
    CHECK_EQ_STR(err.message, "model format version 2 is not supported by this quarry (it reads version 1); "
                              "retrain the model with this quarry's 'quarry train'");
    b[8] = 1;

    b[len / 2] ^= 0x40;
    CHECK(qr_nb_load_data(b, len, "flip.qrm", &err) == NULL);
    char want[200];
    snprintf(want, sizeof want, "the model file is corrupt or truncated (checksum mismatch over %zu bytes); "
             "train it again or copy it again", len);
    CHECK_EQ_STR(err.message, want);
    b[len / 2] ^= 0x40;

    CHECK(qr_nb_load_data(b, len - 9, "short.qrm", &err) == NULL);
    snprintf(want, sizeof want, "the model file is corrupt or truncated (checksum mismatch over %zu bytes); "
             "train it again or copy it again", len - 9);
    CHECK_EQ_STR(err.message, want);

    m = qr_nb_load_data(b, len, "good.qrm", &err);
    CHECK(m != NULL);
    qr_nb_free(m);

    /* a vocabulary entry twice ("pills" made "cheap"), with a good checksum */
    size_t at = 0;
    for (size_t i = 0; i + 9 <= len && !at; i++)
        if (!memcmp(b + i, "\x05\0\0\0pills", 9))
            at = i + 4;
    CHECK(at > 0);
    if (at) {
        unsigned char *d = malloc(len);
        memcpy(d, b, len);
        memcpy(d + at, "cheap", 5);
        uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), d, (uInt)(len - 4));
        for (int k = 0; k < 4; k++)
            d[len - 4 + k] = (unsigned char)(crc >> (8 * k));
        CHECK(qr_nb_load_data(d, len, "dup.qrm", &err) == NULL);
        snprintf(want, sizeof want, "the model file is corrupt (a vocabulary entry appears twice at byte %zu); "
                 "train it again", at + 5);
        CHECK_EQ_STR(err.message, want);
        free(d);
    }

    snprintf(path, sizeof path, "%s/missing.qrm", tmpdir);
    CHECK(qr_nb_load(path, &err) == NULL);
    CHECK_EQ_STR(err.message, "cannot open the model: No such file or directory; train one with "
                              "'quarry train PIPELINE DATA -o MODEL'");
    free(b);
}

/* }================================================================== */

static void test_metrics(void)
{
    /* gold -> predicted: ham->ham ×2, spam->spam, spam->ham, eggs->spam,
     * ham->(none). eggs is unknown to the classifier.
     *   ham:  predicted 3 (2 right), support 3: P 2/3, R 2/3, F1 2/3
     *   spam: predicted 2 (1 right), support 2: P 1/2, R 1/2, F1 1/2
     *   eggs: predicted 0, support 1: 0, 0, 0
     *   accuracy 3/6; macro-F1 (2/3 + 1/2 + 0) / 3 = 7/18 */
    qr_error err;
    qr_confusion *c = qr_confusion_new();
    qr_confusion_add_known(c, "ham", &err);
    qr_confusion_add_known(c, "spam", &err);
    qr_confusion_add(c, "ham", "ham", &err);
    qr_confusion_add(c, "ham", "ham", &err);
    qr_confusion_add(c, "spam", "spam", &err);
    qr_confusion_add(c, "spam", "ham", &err);
    qr_confusion_add(c, "eggs", "spam", &err);
    qr_confusion_add(c, "ham", NULL, &err);
    CHECK_EQ_INT(qr_confusion_label_count(c), 3);
    CHECK_EQ_INT(qr_confusion_total(c), 6);
    CHECK_EQ_INT(qr_confusion_unpredicted(c), 1);
    CHECK_NEAR(qr_confusion_accuracy(c), 0.5);
    CHECK_NEAR(qr_confusion_macro_f1(c), 7.0 / 18);
    qr_label_metrics m;
    qr_confusion_metrics(c, 0, &m);
    CHECK_EQ_STR(m.label, "ham");
    CHECK_NEAR(m.precision, 2.0 / 3);
    CHECK_NEAR(m.recall, 2.0 / 3);
    CHECK_EQ_INT(m.support, 3);
    CHECK_EQ_INT(m.known, 1);
    qr_confusion_metrics(c, 2, &m);
    CHECK_EQ_STR(m.label, "eggs");
    CHECK_EQ_INT(m.known, 0);
    CHECK_NEAR(m.f1, 0);
    CHECK_EQ_INT(m.support, 1);
    CHECK_EQ_INT(qr_confusion_cell(c, 2, 1), 1);   /* eggs -> spam */
    CHECK_EQ_INT(qr_confusion_cell(c, 0, 3), 1);   /* ham -> (none) */
    CHECK_EQ_INT(qr_confusion_cell(c, 1, 0), 1);   /* spam -> ham */
    qr_confusion_free(c);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/quarry-classify-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_rules();
    test_features();
    test_multinomial();
    test_complement();
    test_options_round_trip();
    test_large_save();
    test_bad_files();
    test_metrics();
    const char *files[] = {"m.qrm", "c.qrm", "o.qrm", "good.qrm"};
    char path[300];
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, files[i]);
        remove(path);
    }
    rmdir(tmpdir);
    return DONE("classify");
}
