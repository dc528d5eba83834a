#include "classify/metrics.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

struct qr_confusion {
    char **labels;
    int *known;
    size_t n, cap;
    uint64_t *cells;       /* cap x (cap + 1), row-major by gold */
    uint64_t total, none;
};

qr_confusion *qr_confusion_new(void)
{
    return calloc(1, sizeof(qr_confusion));
}

void qr_confusion_free(qr_confusion *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->labels[i]);
    free(c->labels);
    free(c->known);
    free(c->cells);
    free(c);
}

static int find(const qr_confusion *c, const char *label)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->labels[i], label))
            return (int)i;
    return -1;
}

static int add_label(qr_confusion *c, const char *label, int known, qr_error *err)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        char **l = realloc(c->labels, cap * sizeof *l);
        if (l)
            c->labels = l;
        int *k = l ? realloc(c->known, cap * sizeof *k) : NULL;
        if (k)
            c->known = k;
        uint64_t *cells = k ? calloc(cap * (cap + 1), sizeof *cells) : NULL;
        if (!cells)
            return qr_error_set(err, "out of memory");
        for (size_t i = 0; i < c->n; i++)
            for (size_t j = 0; j <= c->n; j++)
                cells[i * (cap + 1) + (j == c->n ? cap : j)] = c->cells[i * (c->cap + 1) + (j == c->n ? c->cap : j)];
        free(c->cells);
        c->cells = cells;
        c->cap = cap;
    }
    if (!(c->labels[c->n] = strdup(label)))
        return qr_error_set(err, "out of memory");
    c->known[c->n] = known;
    return (int)c->n++;
}

int qr_confusion_add_known(qr_confusion *c, const char *label, qr_error *err)
{
    int i = find(c, label);
    if (i >= 0) {
        c->known[i] = 1;
        return 0;
    }
    return add_label(c, label, 1, err) < 0 ? -1 : 0;
}

int qr_confusion_add(qr_confusion *c, const char *gold, const char *pred, qr_error *err)
{
    if (pred && qr_confusion_add_known(c, pred, err) != 0)
        return -1;
    int g = find(c, gold);
    if (g < 0 && (g = add_label(c, gold, 0, err)) < 0)
        return -1;
    size_t j = pred ? (size_t)find(c, pred) : c->cap;
    c->cells[(size_t)g * (c->cap + 1) + j]++;
    c->total++;
    if (!pred)
        c->none++;
    return 0;
}

size_t qr_confusion_label_count(const qr_confusion *c) { return c->n; }
uint64_t qr_confusion_total(const qr_confusion *c) { return c->total; }
uint64_t qr_confusion_unpredicted(const qr_confusion *c) { return c->none; }

uint64_t qr_confusion_cell(const qr_confusion *c, size_t i, size_t j)
{
    if (i >= c->n || j > c->n)
        return 0;
    return c->cells[i * (c->cap + 1) + (j == c->n ? c->cap : j)];
}

void qr_confusion_metrics(const qr_confusion *c, size_t i, qr_label_metrics *m)
{
    memset(m, 0, sizeof *m);
    if (i >= c->n)
        return;
    m->label = c->labels[i];
    m->known = c->known[i];
    for (size_t j = 0; j <= c->n; j++)
        m->support += qr_confusion_cell(c, i, j);
    for (size_t g = 0; g < c->n; g++)
        m->predicted += qr_confusion_cell(c, g, i);
    uint64_t tp = qr_confusion_cell(c, i, i);
    m->precision = m->predicted ? (double)tp / (double)m->predicted : 0;
    m->recall = m->support ? (double)tp / (double)m->support : 0;
    m->f1 = m->precision + m->recall > 0 ? 2 * m->precision * m->recall / (m->precision + m->recall) : 0;
}

double qr_confusion_accuracy(const qr_confusion *c)
{
    uint64_t ok = 0;
    for (size_t i = 0; i < c->n; i++)
        ok += qr_confusion_cell(c, i, i);
    return c->total ? (double)ok / (double)c->total : 0;
}

double qr_confusion_macro_f1(const qr_confusion *c)
{
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        qr_label_metrics m;
        qr_confusion_metrics(c, i, &m);
        if (m.support || m.predicted) {
            sum += m.f1;
            n++;
        }
    }
    return n ? sum / (double)n : 0;
}
