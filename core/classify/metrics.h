/*
 * metrics — evaluation of predicted labels against gold labels: confusion
 * matrix, accuracy, per-label precision / recall / F1, macro-F1.
 *
 * Labels: the `known` labels given at creation (those a model or rules can
 * predict) come first, in that order; gold labels outside them ("unknown":
 * the model was never trained on them, so every such document counts as an
 * error) are appended in order of first appearance and flagged. A document
 * with no prediction (rules under their threshold) counts in the column
 * "(none)". Precision of a label never predicted and recall of a label with
 * no support are 0; F1 is 0 when precision + recall is 0. Macro-F1 is the
 * mean F1 over labels that occur as gold or as prediction (scikit-learn's
 * default), so unknown labels lower it.
 */
#ifndef QR_CLASSIFY_METRICS_H
#define QR_CLASSIFY_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "quarry_module.h"

typedef struct qr_confusion qr_confusion;

typedef struct qr_label_metrics {
    const char *label;
    double precision, recall, f1;
    uint64_t support;      /* gold documents with this label  */
    uint64_t predicted;    /* documents predicted as it        */
    int known;             /* 0: an unknown gold label         */
} qr_label_metrics;

qr_confusion *qr_confusion_new(void);
void qr_confusion_free(qr_confusion *c);        /* NULL is fine */
/* Adds a known label (ignored when already there). */
int qr_confusion_add_known(qr_confusion *c, const char *label, qr_error *err);
/* pred NULL: no prediction. A predicted label not known yet becomes known. */
int qr_confusion_add(qr_confusion *c, const char *gold, const char *pred, qr_error *err);

size_t qr_confusion_label_count(const qr_confusion *c);
void qr_confusion_metrics(const qr_confusion *c, size_t i, qr_label_metrics *out);
/* cell (gold i, predicted j); j == label_count is the "(none)" column. */
uint64_t qr_confusion_cell(const qr_confusion *c, size_t i, size_t j);
uint64_t qr_confusion_total(const qr_confusion *c);
uint64_t qr_confusion_unpredicted(const qr_confusion *c);   /* docs in "(none)" */
double qr_confusion_accuracy(const qr_confusion *c);
double qr_confusion_macro_f1(const qr_confusion *c);

#endif
