#include "classify/dataset.h"
#include "error.h"
#include "io/reader.h"
#include "pipeline.h"
#include "yaml_load.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qr_dataset {
    qr_pipeline *full;        /* validated, not initialized               */
    qr_pipeline *run;         /* the steps to run (NULL when none)        */
    qr_pipeline_thread *thr;
    size_t step;              /* index of the classify step in `full`     */
    qr_reader *reader;
    qr_on_error input_policy;
    qr_doc *doc;
    char *label_field;
    char *label;              /* gold label of the current document       */
    size_t label_cap;
    qr_error step_err;        /* first failure reported by the last doc   */
    int have_step_err;
    qr_dataset_counts counts;
};

void qr_dataset_free(qr_dataset *d)
{
    if (!d)
        return;
    qr_pipeline_thread_free(d->thr);
    qr_pipeline_free(d->run);
    qr_pipeline_free(d->full);
    qr_reader_free(d->reader);
    qr_doc_free(d->doc);
    free(d->label_field);
    free(d->label);
    free(d);
}

const qr_value *qr_dataset_step_options(const qr_dataset *d) { return qr_pipeline_step_options(d->full, d->step); }
const char *qr_dataset_step_name(const qr_dataset *d) { return qr_pipeline_step_name(d->full, d->step); }
const char *qr_dataset_base_dir(const qr_dataset *d) { return qr_pipeline_base_dir(d->full); }
void qr_dataset_get_counts(const qr_dataset *d, qr_dataset_counts *out) { *out = d->counts; }

/* Cuts the steps list of root so that only the first `keep` steps remain
 * (an item `step: [a, b]` counts as two). */
static void truncate_steps(qr_value *root, size_t keep)
{
    qr_value *steps = (qr_value *)qr_value_get(root, "steps");
    size_t seen = 0, i = 0;
    for (; i < steps->u.list.n && seen < keep; i++) {
        qr_value *item = steps->u.list.v[i];
        qr_value *opts = item->type == QR_VAL_MAP ? item->u.map.v[0].value : NULL;
        size_t n = opts && opts->type == QR_VAL_LIST ? opts->u.list.n : 1;
        if (seen + n > keep) {
            for (size_t k = keep - seen; k < n; k++)
                qr_value_free(opts->u.list.v[k]);
            opts->u.list.n = keep - seen;
            n = keep - seen;
        }
        seen += n;
    }
    for (size_t k = i; k < steps->u.list.n; k++)
        qr_value_free(steps->u.list.v[k]);
    steps->u.list.n = i;
}

static int open_reader(qr_dataset *d, const qr_dataset_opts *o, qr_error *err)
{
    const qr_value *in = qr_pipeline_input(d->full);
    qr_input_opts io;
    qr_input_opts_init(&io);
    io.format = QR_INPUT_JSONL;   /* labeled data: JSONL unless the pipeline says otherwise */
    d->input_policy = QR_ON_ERROR_FAIL;
    for (size_t i = 0; i < qr_value_len(in); i++) {
        const char *k = qr_value_key_at(in, i);
        const qr_value *v = qr_value_at(in, i);
        if (!strcmp(k, "paths"))
            continue;
        const char *s = qr_value_string(v);
        if (!strcmp(k, "on_error")) {
            d->input_policy = s && !strcmp(s, "skip") ? QR_ON_ERROR_SKIP
                            : s && !strcmp(s, "drop") ? QR_ON_ERROR_DROP : QR_ON_ERROR_FAIL;
            continue;
        }
        if (s && qr_input_opts_set(&io, k, s, err) != 0)
            return -1;
    }
    if (o->format && qr_input_opts_set(&io, "format", o->format, err) != 0)
        return -1;
    if (o->inputs && o->inputs[0]) {
        size_t n = 0;
        while (o->inputs[n])
            n++;
        d->reader = qr_reader_new(&io, o->inputs, n, err);
        return d->reader ? 0 : -1;
    }
    const qr_value *pv = qr_value_get(in, "paths");
    size_t n = qr_value_len(pv);
    if (n == 0)
        return qr_error_set(err, "no input: give labeled files (JSONL or CSV) after the pipeline, or "
                            "input: { paths: [...] } in the pipeline");
    char **paths = calloc(n, sizeof *paths);
    if (!paths)
        return qr_error_set(err, "out of memory");
    const char *base = qr_pipeline_base_dir(d->full);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *s = qr_value_string(qr_value_at(pv, i));
        size_t len = strlen(base) + strlen(s) + 2;
        if (!(paths[i] = malloc(len)))
            rc = qr_error_set(err, "out of memory");
        else if (s[0] == '/' || !strcmp(s, "-") || !strcmp(base, "."))
            snprintf(paths[i], len, "%s", s);
        else
            snprintf(paths[i], len, "%s/%s", base, s);
    }
    if (rc == 0 && !(d->reader = qr_reader_new(&io, (const char *const *)paths, n, err)))
        rc = -1;
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return rc;
}

qr_dataset *qr_dataset_open(const qr_dataset_opts *o, qr_registry *reg, qr_error *err)
{
    qr_dataset *d = calloc(1, sizeof *d);
    qr_value *root = NULL, *cut = NULL;
    char *dircopy = NULL;
    if (!d || !(d->doc = qr_doc_new()) ||
        !(d->label_field = strdup(o->label_field ? o->label_field : "label")) ||
        !(dircopy = strdup(o->pipeline))) {
        qr_error_set(err, "out of memory");
        goto fail;
    }
    if (!(root = qr_yaml_load_file(o->pipeline, err)))
        goto fail;
    const char *dir = dirname(dircopy);
    qr_pipeline_opts po = {.vars = o->vars, .jobs = 1, .no_init = 1};
    if (!(d->full = qr_pipeline_from_value(root, o->pipeline, dir, reg, &po, err)))
        goto fail;
    size_t n = qr_pipeline_step_count(d->full);
    for (d->step = 0; d->step < n; d->step++)
        if (!strcmp(qr_pipeline_step_def(d->full, d->step)->name, "classify") &&
            (!o->step || !strcmp(qr_pipeline_step_name(d->full, d->step), o->step)))
            break;
    if (d->step == n) {
        if (o->step)
            qr_error_at(err, o->pipeline, 0, 0, "no classify step named '%s' in the pipeline", o->step);
        else
            qr_error_at(err, o->pipeline, 0, 0, "the pipeline has no classify step; add one, as in "
                        "- classify: { model: model.qrm }");
        goto fail;
    }
    size_t keep = d->step + (o->with_classify ? 1 : 0);
    if (keep > 0) {
        if (!(cut = qr_value_copy(root))) {
            qr_error_set(err, "out of memory");
            goto fail;
        }
        truncate_steps(cut, keep);
        po.no_init = 0;
        if (!(d->run = qr_pipeline_from_value(cut, o->pipeline, dir, reg, &po, err)) ||
            !(d->thr = qr_pipeline_thread_new(d->run, err)))
            goto fail;
    }
    if (open_reader(d, o, err) != 0)
        goto fail;
    qr_value_free(root);
    qr_value_free(cut);
    free(dircopy);
    return d;
fail:
    qr_value_free(root);
    qr_value_free(cut);
    free(dircopy);
    qr_dataset_free(d);
    return NULL;
}

static void on_step_error(void *ud, const qr_doc *doc, size_t step, const qr_error *e)
{
    qr_dataset *d = ud;
    (void)doc;
    if (d->have_step_err)
        return;
    d->have_step_err = 1;
    d->step_err = *e;
    snprintf(d->step_err.file, sizeof d->step_err.file, "%s", qr_pipeline_step_name(d->run, step));
}

static int set_label(qr_dataset *d, const char *s, size_t len, qr_error *err)
{
    if (len + 1 > d->label_cap) {
        char *p = realloc(d->label, len + 1);
        if (!p)
            return qr_error_set(err, "out of memory");
        d->label = p;
        d->label_cap = len + 1;
    }
    memcpy(d->label, s, len);
    d->label[len] = '\0';
    return 0;
}

static int gold_label(qr_dataset *d, qr_error *err)
{
    qr_doc *doc = d->doc;
    json_t *v = doc->meta ? json_object_get(doc->meta, d->label_field) : NULL;
    const char *where = doc->source_file ? doc->source_file : "input";
    if (json_is_string(v)) {
        if (json_string_length(v) == 0)
            return qr_error_at(err, where, (int)doc->source_line, 0, "document '%s' has an empty '%s'",
                               doc->id ? doc->id : "?", d->label_field);
        return set_label(d, json_string_value(v), json_string_length(v), err);
    }
    if (json_is_integer(v) || json_is_real(v) || json_is_boolean(v)) {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        if (!s)
            return qr_error_set(err, "out of memory");
        int rc = set_label(d, s, strlen(s), err);
        free(s);
        return rc;
    }
    return qr_error_at(err, where, (int)doc->source_line, 0,
                       "document '%s' has no '%s' field; every record needs its label there "
                       "(--label-field names the field)", doc->id ? doc->id : "?", d->label_field);
}

int qr_dataset_next(qr_dataset *d, qr_doc **doc, const char **label, qr_error *err)
{
    for (;;) {
        int rc = qr_reader_next(d->reader, d->doc, err);
        if (rc == 0)
            return 0;
        if (rc == -2)
            return -1;
        d->counts.read++;
        if (rc == -1) {
            if (d->input_policy == QR_ON_ERROR_FAIL) {
                char buf[1200];
                qr_error_format(err, buf, sizeof buf);
                qr_error_set(err, "input record is malformed: %s; set input: { on_error: skip } to leave "
                             "such records out", buf);
                return -1;
            }
            d->counts.malformed++;
            continue;
        }
        if (gold_label(d, err) != 0)
            return -1;
        if (d->run) {
            d->have_step_err = 0;
            qr_doc_outcome out = qr_pipeline_process_range(d->run, d->thr, d->doc, 0,
                                                           qr_pipeline_step_count(d->run),
                                                           on_step_error, d, NULL);
            if (out == QR_DOC_FAILED_STOP) {
                return qr_error_at(err, d->doc->source_file ? d->doc->source_file : "", (int)d->doc->source_line,
                                   0, "document '%s' failed at step '%s': %s", d->doc->id ? d->doc->id : "?",
                                   d->step_err.file, d->step_err.message);
            }
            if (d->have_step_err && out == QR_DOC_KEPT)
                d->counts.skipped_errors++;
            if (out != QR_DOC_KEPT) {
                d->counts.dropped++;
                continue;
            }
        }
        if (qr_doc_ensure_tokens(d->doc, err) != 0)
            return -1;
        d->counts.used++;
        *doc = d->doc;
        *label = d->label;
        return 1;
    }
}
