#include "classify/dataset.h"
#include "error.h"
#include "io/paths.h"
#include "io/reader.h"
#include "pipeline.h"
#include "runner.h"
#include "yaml_load.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes of a JSONL file handed to the workers at a time: read (pipes and
 * other files that cannot be mapped), or mapped. */
#define BLOCK_BYTES (4u << 20)
#define MAP_BLOCK_BYTES ((size_t)1 << 30)

/* What one thread needs to turn records into processed, labeled docs. */
typedef struct lane {
    struct qr_dataset *d;
    qr_pipeline_thread *thr;
    qr_doc *doc;
    char *label;
    size_t label_cap;
    qr_error step_err;
    int have_step_err;
    long line_offset;          /* added to line numbers of a slice reader */
    const char *file;          /* the file a slice comes from             */
    qr_dataset_counts counts;
} lane;

struct qr_dataset {
    qr_pipeline *full;        /* validated, not initialized               */
    qr_pipeline *run;         /* the steps to run (NULL when none)        */
    size_t step;              /* index of the classify step in `full`     */
    qr_input_opts io;
    qr_reader *reader;
    qr_on_error input_policy;
    char *label_field;
    lane main;
};

static void lane_free(lane *l)
{
    qr_pipeline_thread_free(l->thr);
    qr_doc_free(l->doc);
    free(l->label);
    memset(l, 0, sizeof *l);
}

static int lane_init(lane *l, qr_dataset *d, qr_error *err)
{
    memset(l, 0, sizeof *l);
    l->d = d;
    if (!(l->doc = qr_doc_new()))
        return qr_error_set(err, "out of memory");
    if (d->run && !(l->thr = qr_pipeline_thread_new(d->run, err)))
        return -1;
    return 0;
}

static void add_counts(qr_dataset_counts *to, const qr_dataset_counts *c)
{
    to->read += c->read;
    to->used += c->used;
    to->dropped += c->dropped;
    to->malformed += c->malformed;
    to->skipped_errors += c->skipped_errors;
}

void qr_dataset_free(qr_dataset *d)
{
    if (!d)
        return;
    lane_free(&d->main);
    qr_pipeline_free(d->run);
    qr_pipeline_free(d->full);
    qr_reader_free(d->reader);
    free(d->label_field);
    free(d);
}

const qr_value *qr_dataset_step_options(const qr_dataset *d) { return qr_pipeline_step_options(d->full, d->step); }
const char *qr_dataset_step_name(const qr_dataset *d) { return qr_pipeline_step_name(d->full, d->step); }
const char *qr_dataset_base_dir(const qr_dataset *d) { return qr_pipeline_base_dir(d->full); }

const char *qr_dataset_reads(const qr_dataset *d, const char *path)
{
    struct stat ps, is;
    for (size_t i = 0; stat(path, &ps) == 0 && i < qr_reader_file_count(d->reader); i++) {
        const char *in = qr_reader_file(d->reader, i);
        if (strcmp(in, "-") != 0 && stat(in, &is) == 0 && is.st_dev == ps.st_dev && is.st_ino == ps.st_ino)
            return "an input";
    }
    /* the model: of the step being trained is what training writes */
    const char *mo = qr_value_string(qr_value_get(qr_dataset_step_options(d), "model"));
    if (mo) {
        char *ma = qr_pipeline_resolve(d->full, mo), *pa = qr_path_absolute(path);
        int same = ma && pa && !strcmp(ma, pa);
        free(ma);
        free(pa);
        if (same)
            return NULL;
    }
    return qr_pipeline_reader_of(d->full, path);
}
void qr_dataset_get_counts(const qr_dataset *d, qr_dataset_counts *out) { *out = d->main.counts; }
int64_t qr_dataset_bytes_total(const qr_dataset *d) { return qr_reader_bytes_total(d->reader); }

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

static int open_reader_paths(qr_dataset *d, const qr_dataset_opts *o, const char **outputs,
                             qr_error *err);

/* The reader, passing over what the command reads or writes besides the
 * data: the pipeline's outputs and own files (its YAML, the classify
 * step's model:, lists, scripts) and train's -o (a second `quarry train
 * p.yaml data/` would otherwise read the model the first one wrote into
 * data/ as a malformed record). */
static int open_reader(qr_dataset *d, const qr_dataset_opts *o, qr_error *err)
{
    size_t n_out = qr_pipeline_output_count(d->full), n_own = qr_pipeline_own_file_count(d->full);
    const char **outputs = calloc(n_out + n_own + 2, sizeof *outputs);
    char *out_abs = NULL;
    int rc;
    if (!outputs || (o->model_out && !(out_abs = qr_path_absolute(o->model_out)))) {
        rc = qr_error_set(err, "out of memory");
    } else {
        size_t k = 0;
        for (size_t i = 0; i < n_out; i++)
            outputs[k++] = qr_pipeline_output(d->full, i);
        for (size_t i = 0; i < n_own; i++)
            outputs[k++] = qr_pipeline_own_file(d->full, i);
        if (out_abs)
            outputs[k++] = out_abs;
        rc = open_reader_paths(d, o, outputs, err);
        d->io.outputs = NULL;   /* the list is gone; slice readers walk nothing */
    }
    free(outputs);
    free(out_abs);
    return rc;
}

size_t qr_dataset_not_read_count(const qr_dataset *d)
{
    return d->reader ? qr_reader_skipped_count(d->reader) : 0;
}

const char *qr_dataset_not_read(const qr_dataset *d, size_t i)
{
    return d->reader ? qr_reader_skipped(d->reader, i) : NULL;
}

static int open_reader_paths(qr_dataset *d, const qr_dataset_opts *o, const char **outputs,
                             qr_error *err)
{
    const qr_value *in = qr_pipeline_input(d->full);
    qr_input_opts *io = &d->io;
    qr_input_opts_init(io);
    io->format = QR_INPUT_JSONL;   /* labeled data: JSONL unless the pipeline says otherwise */
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
        if (s && qr_input_opts_set(io, k, s, err) != 0)
            return -1;
    }
    if (o->format && qr_input_opts_set(io, "format", o->format, err) != 0)
        return -1;
    io->outputs = outputs;
    if (o->inputs && o->inputs[0]) {
        size_t n = 0;
        while (o->inputs[n])
            n++;
        d->reader = qr_reader_new(io, o->inputs, n, err);
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
    if (rc == 0 && !(d->reader = qr_reader_new(io, (const char *const *)paths, n, err)))
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
    if (!d || !(d->label_field = strdup(o->label_field ? o->label_field : "label")) ||
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
        po.jobs = qr_cpu_count();
        if (!(d->run = qr_pipeline_from_value(cut, o->pipeline, dir, reg, &po, err)))
            goto fail;
    }
    if (lane_init(&d->main, d, err) != 0 || open_reader(d, o, err) != 0)
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

/* {==================================================================
 * One record
 * =================================================================== */
static void on_step_error(void *ud, const qr_doc *doc, size_t step, const qr_error *e)
{
    step &= ~QR_STEP_STOPS_RUN;
    lane *l = ud;
    (void)doc;
    if (l->have_step_err)
        return;
    l->have_step_err = 1;
    l->step_err = *e;
    snprintf(l->step_err.file, sizeof l->step_err.file, "%s", qr_pipeline_step_name(l->d->run, step));
}

static int set_label(lane *l, const char *s, size_t len, qr_error *err)
{
    if (len + 1 > l->label_cap) {
        char *p = realloc(l->label, len + 1);
        if (!p)
            return qr_error_set(err, "out of memory");
        l->label = p;
        l->label_cap = len + 1;
    }
    memcpy(l->label, s, len);
    l->label[len] = '\0';
    return 0;
}

static int gold_label(lane *l, qr_error *err)
{
    qr_doc *doc = l->doc;
    const char *field = l->d->label_field;
    json_t *v = doc->meta ? json_object_get(doc->meta, field) : NULL;
    const char *where = doc->source_file ? doc->source_file : "input";
    if (json_is_string(v)) {
        if (json_string_length(v) == 0)
            return qr_error_at(err, where, (int)doc->source_line, 0,
                               "document '%s' has an empty '%s'; give it its label, or leave "
                               "the record out", doc->id ? doc->id : "?", field);
        if (memchr(json_string_value(v), '\0', json_string_length(v)))
            return qr_error_at(err, where, (int)doc->source_line, 0,
                               "document '%s': its '%s' holds a NUL byte (\\u0000), which a label "
                               "cannot; remove it", doc->id ? doc->id : "?", field);
        return set_label(l, json_string_value(v), json_string_length(v), err);
    }
    if (json_is_integer(v) || json_is_real(v) || json_is_boolean(v)) {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        if (!s)
            return qr_error_set(err, "out of memory");
        int rc = set_label(l, s, strlen(s), err);
        free(s);
        return rc;
    }
    if (v)      /* there, but a list, a map or null */
        return qr_error_at(err, where, (int)doc->source_line, 0,
                           "document '%s': its '%s' is %s, not a label (a string)", doc->id ? doc->id : "?",
                           field, json_is_null(v) ? "null" : json_is_array(v) ? "a list" : "a map");
    return qr_error_at(err, where, (int)doc->source_line, 0,
                       "document '%s' has no '%s' field; every record needs its label there "
                       "(--label-field names the field)", doc->id ? doc->id : "?", field);
}

/* Slice readers count lines from the slice: put them back in the file. */
static int relocate(lane *l, qr_error *err)
{
    if (!l->line_offset)
        return 0;
    qr_doc *doc = l->doc;
    char old[64];
    snprintf(old, sizeof old, ":%ld", doc->source_line);
    size_t fl = strlen(l->file), ol = strlen(old);
    int default_id = doc->id && strlen(doc->id) == fl + ol && !strncmp(doc->id, l->file, fl) &&
                     !strcmp(doc->id + fl, old);
    doc->source_line += l->line_offset;
    if (default_id) {
        char *id = malloc(fl + 32);
        if (!id)
            return qr_error_set(err, "out of memory");
        snprintf(id, fl + 32, "%s:%ld", l->file, doc->source_line);
        int rc = qr_doc_set_id(doc, id, err);
        free(id);
        return rc;
    }
    return 0;
}

/* After qr_reader_next returned rc (1 or -1): 1 use the doc, 0 leave it
 * out, -1 error. */
static int take_record(lane *l, int rc, qr_error *err)
{
    qr_dataset *d = l->d;
    l->counts.read++;
    if (rc == -1) {
        if (l->line_offset && err->line)
            err->line += (int)l->line_offset;
        if (d->input_policy == QR_ON_ERROR_FAIL) {
            qr_error e = *err;
            return qr_error_at(err, e.file, e.line, e.col, "input record is malformed: %.900s; set "
                               "input: { on_error: skip } to leave such records out", e.message);
        }
        l->counts.malformed++;
        return 0;
    }
    if (relocate(l, err) != 0 || gold_label(l, err) != 0)
        return -1;
    if (d->run) {
        l->have_step_err = 0;
        qr_doc_outcome out = qr_pipeline_process_range(d->run, l->thr, l->doc, 0,
                                                       qr_pipeline_step_count(d->run),
                                                       on_step_error, l, NULL);
        if (out == QR_DOC_FAILED_STOP)
            return qr_error_at(err, l->doc->source_file ? l->doc->source_file : "", (int)l->doc->source_line,
                               0, "document '%s' failed at step '%s': %s", l->doc->id ? l->doc->id : "?",
                               l->step_err.file, l->step_err.message);
        if (l->have_step_err && out == QR_DOC_KEPT)
            l->counts.skipped_errors++;
        if (out != QR_DOC_KEPT) {
            l->counts.dropped++;
            return 0;
        }
    }
    if (qr_doc_ensure_tokens(l->doc, err) != 0)
        return -1;
    l->counts.used++;
    return 1;
}

int qr_dataset_next(qr_dataset *d, qr_doc **doc, const char **label, qr_error *err)
{
    for (;;) {
        int rc = qr_reader_next(d->reader, d->main.doc, err);
        if (rc == 0)
            return 0;
        if (rc == -2)
            return -1;
        rc = take_record(&d->main, rc, err);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            *doc = d->main.doc;
            *label = d->main.label;
            return 1;
        }
    }
}

/* }================================================================== */

/* {==================================================================
 * Parallel runs over JSONL slices
 * =================================================================== */
typedef struct worker {
    lane l;
    int index;
    const char *data;
    size_t len;
    const char *block;         /* the block the slice is cut from, and     */
    long block_line;           /* the line number before the block: the   */
                               /* worker counts the lines before its slice */
    qr_dataset_fn fn;
    void *ud;
    atomic_int *stop;
    int failed;
    qr_error err;
} worker;

static long count_lines(const char *s, size_t n);

/* A worker hands its slice to memory readers a piece at a time: a reader
 * keeps its own copy of what it reads, and pieces this size reuse the same
 * memory instead of faulting in fresh pages for a copy of the whole slice. */
#define PIECE_BYTES ((size_t)1 << 20)

/* The end of the piece of s[0..n) that starts at pos: PIECE_BYTES or so,
 * cut after a line end; never right before a line that starts with a byte
 * order mark (a reader skips one at its start, and a file's reader would
 * not). */
static size_t piece_end(const char *s, size_t n, size_t pos)
{
    size_t end = n - pos > PIECE_BYTES ? pos + PIECE_BYTES : n;
    while (end < n) {
        const char *nl = memchr(s + end, '\n', n - end);
        end = nl ? (size_t)(nl - s) + 1 : n;
        if (end + 3 > n || memcmp(s + end, "\xEF\xBB\xBF", 3) != 0)
            break;
    }
    return end;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    qr_error_clear(&w->err);
    long line = w->block_line + count_lines(w->block, (size_t)(w->data - w->block));
    for (size_t pos = 0; pos < w->len;) {
        size_t end = piece_end(w->data, w->len, pos);
        w->l.line_offset = line;
        qr_reader *r = qr_reader_new_memory(&w->l.d->io, w->l.file, w->data + pos, end - pos, &w->err);
        if (!r) {
            w->failed = 1;
            atomic_store(w->stop, 1);
            return NULL;
        }
        for (;;) {
            if (atomic_load(w->stop))
                break;
            int rc = qr_reader_next(r, w->l.doc, &w->err);
            if (rc == 0)
                break;
            if (rc == -2 || (rc = take_record(&w->l, rc, &w->err)) < 0 ||
                (rc == 1 && w->fn(w->ud, w->index, w->l.doc, w->l.label, &w->err) != 0)) {
                w->failed = 1;
                atomic_store(w->stop, 1);
                break;
            }
        }
        qr_reader_free(r);
        if (w->failed || atomic_load(w->stop))
            break;
        if (end < w->len)
            line += count_lines(w->data + pos, end - pos);
        pos = end;
    }
    return NULL;
}

static int can_split(const qr_dataset *d)
{
    if (d->io.format != QR_INPUT_JSONL)
        return 0;
    if (d->run && qr_pipeline_ordered_from(d->run) < qr_pipeline_step_count(d->run))
        return 0;
    for (size_t i = 0; i < qr_reader_file_count(d->reader); i++) {
        const char *f = qr_reader_file(d->reader, i);
        size_t n = strlen(f);
        if (!strcmp(f, "-") || (n > 3 && !strcmp(f + n - 3, ".gz")))
            return 0;
    }
    return 1;
}

static long count_lines(const char *s, size_t n)
{
    long k = 0;
    for (const char *p = s, *end = s + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
        k++;
    return k;
}

/* Runs the workers over buf[0..len) (whole lines), cut in `jobs` slices;
 * *line is the number of lines before buf, advanced past it when `more`
 * (another block follows). */
static int run_block(qr_dataset *d, worker *ws, int jobs, const char *file, const char *buf, size_t len,
                     int more, long *line, qr_dataset_flush_fn flush, void *ud, qr_error *err)
{
    pthread_t tid[64];
    int started[64] = {0};
    size_t pos = 0;
    atomic_int stop = 0;
    for (int j = 0; j < jobs; j++) {
        size_t end = j == jobs - 1 ? len : pos + (len - pos) / (size_t)(jobs - j);
        if (end < len) {
            const char *nl = memchr(buf + end, '\n', len - end);
            end = nl ? (size_t)(nl - buf) + 1 : len;
        }
        worker *w = &ws[j];
        w->data = buf + pos;
        w->len = end - pos;
        w->l.file = file;
        w->block = buf;
        w->block_line = *line;
        w->stop = &stop;
        w->failed = 0;
        pos = end;
        if (w->len && pthread_create(&tid[j], NULL, worker_main, w) == 0)
            started[j] = 1;
        else if (w->len) {
            atomic_store(&stop, 1);
            qr_error_set(&w->err, "cannot start a worker thread: %s", strerror(errno));
            w->failed = 1;
        }
    }
    for (int j = 0; j < jobs; j++)
        if (started[j])
            pthread_join(tid[j], NULL);
    if (more)
        *line += count_lines(buf, len);
    for (int j = 0; j < jobs; j++)
        if (ws[j].failed) {
            *err = ws[j].err;
            return -1;
        }
    (void)d;
    return flush ? flush(ud, jobs, err) : 0;
}

/* A regular file is mapped: the workers read their slices in place, in
 * blocks of MAP_BLOCK_BYTES (so one flush, one merge, for most files).
 * 1: done (rc in *rc), 0: not mappable (read it in blocks instead). */
static int run_mapped(qr_dataset *d, worker *ws, int jobs, const char *file, qr_dataset_flush_fn flush,
                      void *ud, int *rc, qr_error *err)
{
    int fd = open(file, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > SIZE_MAX) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    size_t size = (size_t)st.st_size;
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return 0;
    const char *buf = map;
    long line = 0;
    *rc = 0;
    for (size_t pos = 0; *rc == 0 && pos < size;) {
        size_t end = size - pos > MAP_BLOCK_BYTES ? pos + MAP_BLOCK_BYTES : size;
        if (end < size) {
            const char *nl = memchr(buf + end, '\n', size - end);
            end = nl ? (size_t)(nl - buf) + 1 : size;
        }
        *rc = run_block(d, ws, jobs, file, buf + pos, end - pos, end < size, &line, flush, ud, err);
        pos = end;
    }
    munmap(map, size);
    return 1;
}

static int run_file(qr_dataset *d, worker *ws, int jobs, const char *file, qr_dataset_flush_fn flush,
                    void *ud, qr_error *err)
{
    int mapped_rc;
    if (run_mapped(d, ws, jobs, file, flush, ud, &mapped_rc, err))
        return mapped_rc;
    FILE *f = fopen(file, "rb");
    if (!f)
        return qr_error_set(err, "cannot open '%s': %s", file, strerror(errno));
    char *buf = NULL;
    size_t cap = 0, len = 0;
    long line = 0;
    int rc = 0, eof = 0;
    while (rc == 0 && !eof) {
        if (cap < BLOCK_BYTES * 2) {
            char *b = realloc(buf, BLOCK_BYTES * 2);
            if (!b) {
                rc = qr_error_set(err, "out of memory");
                break;
            }
            buf = b;
            cap = BLOCK_BYTES * 2;
        }
        size_t n = fread(buf + len, 1, BLOCK_BYTES, f);
        len += n;
        eof = n < BLOCK_BYTES;
        if (ferror(f)) {
            rc = qr_error_set(err, "cannot read '%s': %s", file, strerror(errno));
            break;
        }
        size_t cut = len;
        if (!eof) {
            const char *nl = NULL;
            for (size_t k = len; k > 0 && !nl; k--)
                if (buf[k - 1] == '\n')
                    nl = buf + k - 1;
            if (!nl) {   /* one line longer than a block: grow until its end */
                if (len + BLOCK_BYTES > cap) {
                    char *b = realloc(buf, cap * 2);
                    if (!b) {
                        rc = qr_error_set(err, "out of memory");
                        break;
                    }
                    buf = b;
                    cap *= 2;
                }
                continue;
            }
            cut = (size_t)(nl - buf) + 1;
        }
        rc = run_block(d, ws, jobs, file, buf, cut, 1, &line, flush, ud, err);
        memmove(buf, buf + cut, len - cut);
        len -= cut;
        if (cap < len + BLOCK_BYTES) {
            char *b = realloc(buf, len + BLOCK_BYTES);
            if (!b) {
                rc = qr_error_set(err, "out of memory");
                break;
            }
            buf = b;
            cap = len + BLOCK_BYTES;
        }
    }
    free(buf);
    fclose(f);
    return rc;
}

int qr_dataset_run(qr_dataset *d, int jobs, qr_dataset_fn fn, qr_dataset_flush_fn flush, void *ud,
                   qr_error *err)
{
    if (jobs <= 0)
        jobs = qr_cpu_count();
    if (jobs > 64)
        jobs = 64;
    if (jobs == 1 || !can_split(d)) {
        qr_doc *doc;
        const char *label;
        int rc;
        while ((rc = qr_dataset_next(d, &doc, &label, err)) == 1)
            if (fn(ud, 0, doc, label, err) != 0)
                return -1;
        if (rc < 0)
            return -1;
        return flush ? flush(ud, 1, err) : 0;
    }
    worker *ws = calloc((size_t)jobs, sizeof *ws);
    if (!ws)
        return qr_error_set(err, "out of memory");
    int rc = 0, made = 0;
    for (; made < jobs; made++) {
        ws[made].index = made;
        ws[made].fn = fn;
        ws[made].ud = ud;
        if (lane_init(&ws[made].l, d, err) != 0) {
            rc = -1;
            made++;
            break;
        }
    }
    for (size_t i = 0; rc == 0 && i < qr_reader_file_count(d->reader); i++)
        rc = run_file(d, ws, jobs, qr_reader_file(d->reader, i), flush, ud, err);
    for (int j = 0; j < made; j++) {
        add_counts(&d->main.counts, &ws[j].l.counts);
        lane_free(&ws[j].l);
    }
    free(ws);
    return rc < 0 ? -1 : 0;
}

/* }================================================================== */
