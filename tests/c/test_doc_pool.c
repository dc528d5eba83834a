/* The document's string pool (core/doc.c): interning across chunk edges,
 * strings larger than a chunk, the recent-pointer cache when the caller's
 * buffer changes, and reuse after qr_doc_reset. */
#include "check.h"
#include "doc.h"
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

static void test_same_and_distinct(void)
{
    qr_doc *d = qr_doc_new();
    char a[] = "CITY", b[] = "CITY";
    const char *x = qr_doc_intern(d, a), *y = qr_doc_intern(d, b);
    CHECK(x != NULL && x == y);
    CHECK(x != a && x != b);
    CHECK_EQ_STR(x, "CITY");
    CHECK(qr_doc_intern(d, "COUNTRY") != x);
    CHECK(qr_doc_intern(d, "") != NULL);
    CHECK_EQ_STR(qr_doc_intern(d, ""), "");

    /* the caller's buffer changes between calls at the same address */
    char buf[32];
    strcpy(buf, "PERSON");
    const char *p = qr_doc_intern(d, buf);
    strcpy(buf, "PLACE");
    const char *q = qr_doc_intern(d, buf);
    CHECK_EQ_STR(p, "PERSON");
    CHECK_EQ_STR(q, "PLACE");
    strcpy(buf, "PERSON");
    CHECK(qr_doc_intern(d, buf) == p);
    strcpy(buf, "PERS");      /* a prefix of the cached string */
    CHECK_EQ_STR(qr_doc_intern(d, buf), "PERS");
    qr_doc_free(d);
}

/* Many strings (several chunks), one larger than a chunk, all kept; after
 * a reset the pool starts over and interns again. */
static void test_many_and_reset(void)
{
    qr_doc *d = qr_doc_new();
    enum { N = 3000 };
    static const char *got[N];
    char s[64];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            snprintf(s, sizeof s, "id-%d-%s", i, i % 7 ? "x" : "a longer id with some words");
            got[i] = qr_doc_intern(d, s);
        }
        size_t big_n = 10000;
        char *big = malloc(big_n + 1);
        memset(big, 'b', big_n);
        big[big_n] = '\0';
        const char *bg = qr_doc_intern(d, big);
        CHECK(bg != NULL && strlen(bg) == big_n && bg[0] == 'b');
        int bad = 0;
        for (int i = 0; i < N; i++) {
            snprintf(s, sizeof s, "id-%d-%s", i, i % 7 ? "x" : "a longer id with some words");
            bad += !got[i] || strcmp(got[i], s) != 0 || qr_doc_intern(d, s) != got[i];
        }
        CHECK_EQ_INT(bad, 0);
        CHECK(qr_doc_intern(d, big) == bg);
        free(big);
        qr_doc_reset(d);
    }
    qr_doc_free(d);
}

/* Spans: label, id and source are interned (equal strings, one pointer). */
static void test_spans(void)
{
    qr_doc *d = qr_doc_new();
    qr_error err;
    CHECK_EQ_INT(qr_doc_set_text(d, "Paris and Rome", 14, &err), 0);
    d->current_step = "gazetteer";
    char label[8] = "CITY";
    CHECK_EQ_INT(qr_doc_add_span(d, 0, 5, label, "Paris", 1.0, NULL, &err), 0);
    CHECK_EQ_INT(qr_doc_add_span(d, 10, 14, "CITY", "Rome", 1.0, NULL, &err), 0);
    strcpy(label, "TOWN");
    CHECK_EQ_INT(qr_doc_add_span(d, 10, 14, label, NULL, 1.0, NULL, &err), 0);
    CHECK_EQ_INT(d->n_spans, 3);
    CHECK(d->spans[0].label == d->spans[1].label);
    CHECK_EQ_STR(d->spans[2].label, "TOWN");
    CHECK_EQ_STR(d->spans[0].id, "Paris");
    CHECK(d->spans[2].id == NULL);
    CHECK(d->spans[0].source == d->spans[2].source);
    CHECK_EQ_STR(d->spans[1].source, "gazetteer");
    qr_doc_reset(d);
    CHECK_EQ_INT(d->n_spans, 0);
    CHECK_EQ_INT(qr_doc_set_text(d, "Oslo", 4, &err), 0);
    CHECK_EQ_INT(qr_doc_add_span(d, 0, 4, "CITY", "Oslo", 1.0, NULL, &err), 0);
    CHECK_EQ_STR(d->spans[0].label, "CITY");
    CHECK_EQ_STR(d->spans[0].id, "Oslo");
    qr_doc_free(d);
}

/* Scores are finite numbers: NaN and infinity would be written as null. */
static void test_scores_finite(void)
{
    qr_doc *d = qr_doc_new();
    qr_error err;
    CHECK_EQ_INT(qr_doc_set_text(d, "Oslo", 4, &err), 0);
    CHECK_EQ_INT(qr_doc_add_span(d, 0, 4, "CITY", NULL, NAN, NULL, &err), -1);
    CHECK_EQ_STR(err.message, "the score of a span (label CITY) must be a finite number, got NaN");
    CHECK_EQ_INT(qr_doc_add_span(d, 0, 4, "CITY", NULL, -INFINITY, NULL, &err), -1);
    CHECK_EQ_STR(err.message, "the score of a span (label CITY) must be a finite number, got -infinity");
    CHECK_EQ_INT(qr_doc_set_label(d, "news", INFINITY, &err), -1);
    CHECK_EQ_STR(err.message, "the score of label 'news' must be a finite number, got infinity");
    CHECK_EQ_INT(d->n_spans, 0);
    CHECK_EQ_INT(d->n_labels, 0);
    CHECK_EQ_INT(qr_doc_set_label(d, "news", 0.5, &err), 0);
    CHECK_EQ_INT(d->n_labels, 1);
    qr_doc_free(d);
}

int main(void)
{
    test_same_and_distinct();
    test_many_and_reset();
    test_spans();
    test_scores_finite();
    return DONE("doc_pool");
}
