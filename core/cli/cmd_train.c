/* quarry train — learn a Naive Bayes model from labeled records run through
 * a pipeline's steps before its classify step. Also the argument parsing
 * shared with quarry eval (classify_args.h). */
#include "classify_args.h"
#include "classify/nb.h"
#include "cli.h"
#include "error.h"
#include "outfile.h"
#include "runner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cls_args_free(cls_args *a)
{
    free(a->inputs);
    free(a->vars);
}

/* "--name VALUE" or "--name=VALUE"; *i advances past a separate value. */
static int opt_value(const char *name, int argc, char **argv, int *i, const char **val)
{
    const char *s = argv[*i];
    size_t n = strlen(name);
    if (strncmp(s, name, n))
        return 0;
    if (s[n] == '=') {
        *val = s + n + 1;
        return 1;
    }
    if (s[n])
        return 0;
    *val = *i + 1 < argc ? argv[++*i] : NULL;
    return 1;
}

void cli_print_not_read(const char *cmd, const qr_dataset *d)
{
    size_t n = qr_dataset_not_read_count(d);
    if (!n)
        return;
    fprintf(stderr, "quarry %s: not read, as outputs or files of the pipeline: ", cmd);
    for (size_t i = 0; i < n && i < 3; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", qr_dataset_not_read(d, i));
    if (n > 3)
        fprintf(stderr, " and %zu more", n - 3);
    fprintf(stderr, "\n");
}

int cls_parse_args(const char *cmd, int argc, char **argv, cls_args *a)
{
    memset(a, 0, sizeof *a);
    a->inputs = calloc((size_t)argc + 1, sizeof *a->inputs);
    a->vars = calloc((size_t)argc + 1, sizeof *a->vars);
    if (!a->inputs || !a->vars)
        return cli_usage_error(cmd, "out of memory");
    int is_train = !strcmp(cmd, "train"), only_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *val = NULL;
        if (only_args || s[0] != '-' || !s[1]) {
            if (!a->ds.pipeline)
                a->ds.pipeline = s;
            else
                a->inputs[a->n_inputs++] = s;
            continue;
        }
        if (cli_is_help(s))
            return 1;
        if (!strcmp(s, "--")) {
            only_args = 1;
        } else if (opt_value("--set", argc, argv, &i, &val)) {
            if (!val || !strchr(val, '=') || *val == '=')
                return cli_usage_error(cmd, "--set needs NAME=VALUE, as in --set model=out/model.qrm");
            a->vars[a->n_vars++] = val;
        } else if (opt_value("--label-field", argc, argv, &i, &val)) {
            if (!val || !*val)
                return cli_usage_error(cmd, "--label-field needs the name of the field (JSONL) or column (CSV) "
                                       "holding the label");
            a->ds.label_field = val;
        } else if (opt_value("--step", argc, argv, &i, &val)) {
            if (!val || !*val)
                return cli_usage_error(cmd, "--step needs the name of a classify step");
            a->ds.step = val;
        } else if (opt_value("--format", argc, argv, &i, &val)) {
            if (!val || (strcmp(val, "jsonl") && strcmp(val, "csv")))
                return cli_usage_error(cmd, "--format must be jsonl or csv");
            a->ds.format = val;
        } else if (is_train && (!strcmp(s, "-o") || opt_value("--output", argc, argv, &i, &val))) {
            if (!strcmp(s, "-o"))
                val = i + 1 < argc ? argv[++i] : NULL;
            if (!val || !*val)
                return cli_usage_error(cmd, "-o needs the model file to write, as in -o model.qrm");
            a->output = val;
        } else if (!strcmp(s, "-j") || !strncmp(s, "--jobs", 6) || (!strncmp(s, "-j", 2) && s[2])) {
            if (!strcmp(s, "-j") || !strcmp(s, "--jobs"))
                val = i + 1 < argc ? argv[++i] : NULL;
            else
                val = s[1] == 'j' ? s + 2 : s[6] == '=' ? s + 7 : NULL;
            if (cli_parse_jobs(cmd, val, 64, &a->jobs) != 0)
                return 2;
        } else if (!is_train && !strcmp(s, "--json")) {
            a->json = 1;
        } else if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
            a->quiet = 1;
        } else {
            static const char *const train_opts[] = {"--label-field", "--output", "--set", "--step", "--format",
                                                     "--jobs", "--quiet", "--help", NULL};
            static const char *const eval_opts[] = {"--label-field", "--json", "--set", "--step", "--format",
                                                    "--jobs", "--quiet", "--help", NULL};
            return cli_unknown_option(cmd, s, is_train ? train_opts : eval_opts);
        }
    }
    if (!a->ds.pipeline)
        return cli_usage_error(cmd, "no pipeline given; see 'quarry %s --help'", cmd);
    a->ds.inputs = a->n_inputs ? a->inputs : NULL;
    a->ds.vars = a->vars;
    return 0;
}

static void train_usage(FILE *f)
{
    fprintf(f,
        "usage: quarry train PIPELINE [INPUT...] [--label-field label] [-o MODEL]\n"
        "                    [--set NAME=VALUE]... [--step NAME] [--format jsonl|csv] [-j N] [-q]\n"
        "\n"
        "Trains a Naive Bayes model on labeled records. Each record (JSONL, or CSV with a\n"
        "header; INPUTs replace the pipeline's input.paths) goes through the pipeline's\n"
        "steps before its classify step; the features come from the tokens then. The\n"
        "classify step's options choose the model: kind (multinomial|complement), alpha,\n"
        "unigrams, bigrams, symbols, stopwords, stopwords_file, stemmer, buckets.\n"
        "\n"
        "Options:\n"
        "  --label-field F   field (JSONL) or column (CSV) holding the label (default: label)\n"
        "  -o, --output M    model file to write (default: the classify step's model:)\n"
        "  --set NAME=VALUE  set the variable ${NAME}\n"
        "  --step NAME       the classify step to train for (default: the first one)\n"
        "  --format F        jsonl or csv, over the pipeline's input.format\n"
        "  -j, --jobs N      worker threads (default: the number of cores); JSONL files\n"
        "                    are cut into slices, one per worker\n"
        "  -q, --quiet       no summary on stderr\n"
        "\n"
        "The model: file is not opened: train writes it. See docs/classify.md.\n");
}

static int make_parent_dirs(const char *path)
{
    char *p = strdup(path);
    int rc = p ? qr_mkdirs(p, 0) : -1;
    free(p);
    return rc;
}

/* the most features a vocabulary is sized for before training */
#define TRAIN_RESERVE_MAX ((size_t)1 << 20)

typedef struct train_ctx {
    qr_nb_trainer **ts;
    int hashed;             /* bucket ids do not depend on order: merge once, at the end */
    size_t reserve[64];     /* worker w sizes its vocabulary for this many features
                               on its first document (on its own thread), then 0 */
} train_ctx;

/* ts[0] holds the model's counts; ts[1 + w] worker w's counts of the
 * current block, merged into ts[0] in worker (= input) order. */
static int add_doc(void *ud, int worker, qr_doc *doc, const char *label, qr_error *err)
{
    train_ctx *tc = ud;
    if (tc->reserve[worker]) {
        size_t n = tc->reserve[worker];
        tc->reserve[worker] = 0;
        if (qr_nb_trainer_reserve(tc->ts[1 + worker], n, err) != 0)
            return -1;
    }
    return qr_nb_trainer_add(tc->ts[1 + worker], &doc->tokens, label, err);
}

static int merge_workers(qr_nb_trainer **ts, int workers, qr_error *err)
{
    for (int w = 0; w < workers; w++) {
        if (qr_nb_trainer_docs(ts[0]) == 0) {
            /* nothing counted yet: take the worker's counts as they are
             * (the same result as merging them into an empty trainer) */
            qr_nb_trainer *empty = ts[0];
            ts[0] = ts[1 + w];
            ts[1 + w] = empty;
            qr_nb_trainer_reset(empty);
            continue;
        }
        if (qr_nb_trainer_merge(ts[0], ts[1 + w], err) != 0)
            return -1;
        qr_nb_trainer_reset(ts[1 + w]);
    }
    return 0;
}

static int merge_block(void *ud, int workers, qr_error *err)
{
    train_ctx *tc = ud;
    return tc->hashed ? 0 : merge_workers(tc->ts, workers, err);
}

/* "ham 3310, spam 1502": labels in byte order, as the model keeps them
 * (the least label above the previous one, each time: labels are few) */
static void print_labels(const qr_nb_trainer *t)
{
    size_t n = qr_nb_trainer_label_count(t);
    const char *prev = NULL;
    for (size_t k = 0; k < n; k++) {
        size_t best = n;
        for (size_t i = 0; i < n; i++) {
            const char *s = qr_nb_trainer_label(t, i, NULL);
            if ((!prev || strcmp(s, prev) > 0) &&
                (best == n || strcmp(s, qr_nb_trainer_label(t, best, NULL)) < 0))
                best = i;
        }
        double docs;
        const char *label = qr_nb_trainer_label(t, best, &docs);
        fprintf(stderr, "%s%s %.0f", k ? ", " : "", label, docs);
        prev = label;
    }
}

int cmd_train(int argc, char **argv)
{
    cls_args a;
    int rc = cls_parse_args("train", argc, argv, &a);
    if (rc == 1)
        train_usage(stdout);
    if (rc != 0) {
        cls_args_free(&a);
        return rc == 1 ? 0 : rc;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    qr_registry *reg = cli_registry_new();
    qr_error err;
    qr_error_clear(&err);
    qr_dataset *d = NULL;
    qr_nb_trainer *t = NULL, **ts = NULL;
    size_t n_ts = 0;
    qr_nb_opts no;
    qr_nb_opts_init(&no);
    char *out = NULL;
    int status = 2;
    a.ds.model_out = a.output;
    if (!reg || !(d = qr_dataset_open(&a.ds, reg, &err)))
        goto done;
    const qr_value *so = qr_dataset_step_options(d);
    const qr_value *rules = qr_value_get(so, "rules");
    if (rules && rules->type != QR_VAL_NULL) {   /* the step is not set up: said here */
        qr_value_error(rules, &err, "step '%s' has rules:, which are written, not trained: train a step "
                       "with model: (and no rules:), and keep rules in a classify step of their own",
                       qr_dataset_step_name(d));
        goto done;
    }
    qr_nb_opts_free(&no);
    if (qr_nb_opts_from_value(&no, so, qr_dataset_base_dir(d), &err) != 0)
        goto done;
    const char *mo = qr_value_string(qr_value_get(so, "model"));
    if (a.output) {
        out = strdup(a.output);
    } else if (mo) {
        const char *base = qr_dataset_base_dir(d);
        size_t n = strlen(base) + strlen(mo) + 2;
        if ((out = malloc(n)))
            snprintf(out, n, "%s%s%s", mo[0] == '/' || !strcmp(base, ".") ? "" : base,
                     mo[0] == '/' || !strcmp(base, ".") ? "" : "/", mo);
    } else {
        status = cli_usage_error("train", "no model file to write: give -o MODEL, or model: in the classify step");
        goto done;
    }
    if (!out) {
        qr_error_set(&err, "out of memory");
        goto done;
    }
    const char *reads = qr_dataset_reads(d, out);
    if (reads) {        /* written at the end, it would replace what was read */
        qr_error_set(&err, "the model file %s is %s: the model would replace it; give -o another path",
                     out, reads);
        goto done;
    }
    int jobs = a.jobs > 0 ? a.jobs : qr_cpu_count();
    if (jobs > 64)
        jobs = 64;
    if (!(ts = calloc((size_t)jobs + 1, sizeof *ts))) {
        qr_error_set(&err, "out of memory");
        goto done;
    }
    for (n_ts = 0; n_ts < (size_t)jobs + 1; n_ts++)
        if (!(ts[n_ts] = qr_nb_trainer_new(&no, &err)))
            goto done;
    /* the vocabularies sized from the input once (about a feature per 160
     * bytes of e-mail; capped), rather than doubled and rehashed as they
     * grow: worker 0's becomes the model's, the others are merged into it */
    train_ctx tc = {ts, no.feat.buckets > 0, {0}};
    int64_t bytes = qr_dataset_bytes_total(d);
    for (int w = 0; w < jobs && bytes > 0; w++) {
        size_t n = (size_t)(bytes / 160 / (w == 0 ? 1 : jobs));
        tc.reserve[w] = n < TRAIN_RESERVE_MAX ? n : TRAIN_RESERVE_MAX;
    }
    if (qr_dataset_run(d, jobs, add_doc, merge_block, &tc, &err) != 0 ||
        (tc.hashed && merge_workers(ts, jobs, &err) != 0))
        goto done;
    t = ts[0];
    if (qr_nb_trainer_check(t, &err) != 0)
        goto done;
    if (make_parent_dirs(out) != 0) {
        qr_error_set(&err, "cannot create the folder of '%s': %s", out, strerror(errno));
        goto done;
    }
    if (qr_nb_trainer_save(t, out, &err) != 0)
        goto done;
    status = 0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!a.quiet) {
        qr_dataset_counts c;
        qr_dataset_get_counts(d, &c);
        fprintf(stderr, "quarry train: %llu documents", (unsigned long long)qr_nb_trainer_docs(t));
        if (c.dropped || c.malformed)
            fprintf(stderr, " (%llu dropped, %llu malformed left out)", (unsigned long long)c.dropped,
                    (unsigned long long)c.malformed);
        fprintf(stderr, "; %s NB, alpha %g; %zu labels (", qr_nb_kind_name(no.kind), no.alpha,
                qr_nb_trainer_label_count(t));
        print_labels(t);
        fprintf(stderr, "); %zu %s -> %s in %.2f s\n", qr_nb_trainer_feature_count(t),
                no.feat.buckets ? "buckets" : "features", out,
                (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        cli_print_not_read("train", d);
    }
done:
    if (status == 2 && err.message[0]) {
        if (!strncmp(err.message, "training data has only", 22) || !strcmp(err.message, "no training documents"))
            fprintf(stderr, "quarry train: %s\n", err.message);
        else
            cli_print_error(&err);
    }
    for (size_t i = 0; i < n_ts; i++)
        qr_nb_trainer_free(ts[i]);
    free(ts);
    qr_nb_opts_free(&no);
    qr_dataset_free(d);
    qr_registry_free(reg);
    free(out);
    cls_args_free(&a);
    return status;
}
