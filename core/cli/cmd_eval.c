/* quarry eval — predicted labels against gold labels: accuracy, macro-F1,
 * per-label precision/recall/F1, confusion matrix (a table, or --json). */
#include "classify_args.h"
#include "classify/metrics.h"
#include "cli.h"
#include "error.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void eval_usage(FILE *f)
{
    fprintf(f,
        "usage: quarry eval PIPELINE [INPUT...] [--label-field label] [--json]\n"
        "                   [--set NAME=VALUE]... [--step NAME] [--format jsonl|csv] [-j N]\n"
        "\n"
        "Runs labeled records (JSONL, or CSV with a header) through the pipeline's steps up\n"
        "to and including its classify step (rules or model:), and compares the chosen\n"
        "label with the record's label: accuracy, macro-F1, precision/recall/F1 and\n"
        "support per label, and the confusion matrix (rows: true label; columns: predicted).\n"
        "Gold labels the classifier does not know are listed and count as errors.\n"
        "\n"
        "Options:\n"
        "  --label-field F   field (JSONL) or column (CSV) holding the label (default: label)\n"
        "  --json            one JSON object on stdout: documents, accuracy, macro_f1,\n"
        "                    labels {label: {precision, recall, f1, support}}, confusion\n"
        "                    {labels, predicted, matrix}, unknown_labels, unpredicted\n"
        "  --set NAME=VALUE  set the variable ${NAME} (e.g. --set model=M)\n"
        "  --step NAME       the classify step to evaluate (default: the first one)\n"
        "  --format F        jsonl or csv, over the pipeline's input.format\n"
        "  -j, --jobs N      worker threads (default: the number of cores)\n"
        "See docs/classify.md.\n");
}

static json_t *num(double x)
{
    return json_real(x);
}

static int print_json(const qr_confusion *c)
{
    size_t n = qr_confusion_label_count(c);
    json_t *o = json_object(), *labels = json_object(), *unknown = json_object();
    json_t *names = json_array(), *pred = json_array(), *matrix = json_array();
    json_object_set_new(o, "documents", json_integer((json_int_t)qr_confusion_total(c)));
    json_object_set_new(o, "accuracy", num(qr_confusion_accuracy(c)));
    json_object_set_new(o, "macro_f1", num(qr_confusion_macro_f1(c)));
    for (size_t i = 0; i < n; i++) {
        qr_label_metrics m;
        qr_confusion_metrics(c, i, &m);
        json_t *l = json_object();
        json_object_set_new(l, "precision", num(m.precision));
        json_object_set_new(l, "recall", num(m.recall));
        json_object_set_new(l, "f1", num(m.f1));
        json_object_set_new(l, "support", json_integer((json_int_t)m.support));
        json_object_set_new(labels, m.label, l);
        if (!m.known)
            json_object_set_new(unknown, m.label, json_integer((json_int_t)m.support));
        json_array_append_new(names, json_string(m.label));
        json_array_append_new(pred, json_string(m.label));
    }
    int none = qr_confusion_unpredicted(c) > 0;
    if (none)
        json_array_append_new(pred, json_string("(none)"));
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array();
        for (size_t j = 0; j < n + (size_t)none; j++)
            json_array_append_new(row, json_integer((json_int_t)qr_confusion_cell(c, i, j)));
        json_array_append_new(matrix, row);
    }
    json_object_set_new(o, "labels", labels);
    json_t *conf = json_object();
    json_object_set_new(conf, "labels", names);
    json_object_set_new(conf, "predicted", pred);
    json_object_set_new(conf, "matrix", matrix);
    json_object_set_new(o, "confusion", conf);
    json_object_set_new(o, "unknown_labels", unknown);
    json_object_set_new(o, "unpredicted", json_integer((json_int_t)qr_confusion_unpredicted(c)));
    char *s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(o);
    if (!s)
        return -1;
    printf("%s\n", s);
    free(s);
    return 0;
}

static void print_table(const qr_confusion *c)
{
    size_t n = qr_confusion_label_count(c);
    int w = 5, none = qr_confusion_unpredicted(c) > 0;
    for (size_t i = 0; i < n; i++) {
        qr_label_metrics m;
        qr_confusion_metrics(c, i, &m);
        if ((int)strlen(m.label) > w)
            w = (int)strlen(m.label);
    }
    printf("documents %llu   accuracy %.4f   macro-F1 %.4f\n\n", (unsigned long long)qr_confusion_total(c),
           qr_confusion_accuracy(c), qr_confusion_macro_f1(c));
    printf("%-*s  %9s  %6s  %6s  %7s\n", w, "label", "precision", "recall", "f1", "support");
    for (size_t i = 0; i < n; i++) {
        qr_label_metrics m;
        qr_confusion_metrics(c, i, &m);
        printf("%-*s  %9.4f  %6.4f  %6.4f  %7llu%s\n", w, m.label, m.precision, m.recall, m.f1,
               (unsigned long long)m.support, m.known ? "" : "  (unknown to the classifier)");
    }
    printf("\nconfusion (rows: true label, columns: predicted)\n%-*s", w, "");
    int cw = 6;
    for (size_t j = 0; j < n; j++) {
        qr_label_metrics m;
        qr_confusion_metrics(c, j, &m);
        int lw = (int)strlen(m.label);
        printf("  %*s", lw > cw ? lw : cw, m.label);
    }
    if (none)
        printf("  %6s", "(none)");
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        qr_label_metrics m;
        qr_confusion_metrics(c, i, &m);
        printf("%-*s", w, m.label);
        for (size_t j = 0; j < n + (size_t)none; j++) {
            qr_label_metrics mj;
            qr_confusion_metrics(c, j, &mj);
            int lw = j < n ? (int)strlen(mj.label) : 6;
            printf("  %*llu", lw > cw ? lw : cw, (unsigned long long)qr_confusion_cell(c, i, j));
        }
        printf("\n");
    }
}

typedef struct eval_ctx {
    qr_confusion *c;
    pthread_mutex_t mu;
} eval_ctx;

static int add_doc(void *ud, int worker, qr_doc *doc, const char *label, qr_error *err)
{
    eval_ctx *ec = ud;
    (void)worker;
    int rc = 0;
    pthread_mutex_lock(&ec->mu);
    for (size_t i = 0; i < doc->n_labels && rc == 0; i++)
        rc = qr_confusion_add_known(ec->c, doc->labels[i].label, err);
    if (rc == 0)
        rc = qr_confusion_add(ec->c, label, doc->label, err);
    pthread_mutex_unlock(&ec->mu);
    return rc;
}

int cmd_eval(int argc, char **argv)
{
    cls_args a;
    int rc = cls_parse_args("eval", argc, argv, &a);
    if (rc == 1)
        eval_usage(stdout);
    if (rc != 0) {
        cls_args_free(&a);
        return rc == 1 ? 0 : rc;
    }
    a.ds.with_classify = 1;
    qr_registry *reg = cli_registry_new();
    qr_error err;
    qr_error_clear(&err);
    qr_dataset *d = NULL;
    qr_confusion *c = qr_confusion_new();
    int status = 2;
    if (!reg || !c || !(d = qr_dataset_open(&a.ds, reg, &err)))
        goto done;
    const qr_value *rules = qr_value_get(qr_dataset_step_options(d), "rules");
    for (size_t i = 0; i < qr_value_len(rules); i++)
        if (qr_confusion_add_known(c, qr_value_key_at(rules, i), &err) != 0)
            goto done;
    eval_ctx ec = {c, PTHREAD_MUTEX_INITIALIZER};
    rc = qr_dataset_run(d, a.jobs, add_doc, NULL, &ec, &err);
    pthread_mutex_destroy(&ec.mu);
    if (rc < 0)
        goto done;
    if (qr_confusion_total(c) == 0) {
        qr_error_set(&err, "quarry eval: no labeled documents in the input");
        goto done;
    }
    status = 0;
    if (a.json) {
        if (print_json(c) != 0) {
            fprintf(stderr, "quarry eval: out of memory\n");
            status = 2;
        }
    } else {
        print_table(c);
    }
    size_t unknown = 0;
    for (size_t i = 0; i < qr_confusion_label_count(c); i++) {
        qr_label_metrics m;
        qr_confusion_metrics(c, i, &m);
        if (!m.known) {
            if (!a.quiet)
                fprintf(stderr, "%s'%s' (%llu)", unknown ? ", " : "quarry eval: labels unknown to the classifier, "
                        "counted as errors: ", m.label, (unsigned long long)m.support);
            unknown++;
        }
    }
    if (unknown && !a.quiet)
        fprintf(stderr, "\n");
    if (!a.quiet)
        cli_print_not_read("eval", d);
done:
    if (status == 2 && err.message[0])
        cli_print_error(&err);
    qr_confusion_free(c);
    qr_dataset_free(d);
    qr_registry_free(reg);
    cls_args_free(&a);
    return status;
}
