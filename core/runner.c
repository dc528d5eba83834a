#include "runner.h"
#include "doc.h"
#include "error.h"
#include "outfile.h"
#include "io/paths.h"
#include "io/reader.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { SLOT_FREE = 0, SLOT_READ, SLOT_DONE };
enum { KIND_DOC = 0, KIND_INPUT_ERROR };

typedef struct step_err {
    size_t step;
    qr_error e;
} step_err;

typedef struct slot {
    qr_doc *doc;             /* made on first use                          */
    size_t bytes;            /* text length, counted in the in-flight bytes */
    int state, kind;
    qr_doc_outcome outcome;
    step_err *errs;          /* errors of the worker stage, in step order */
    size_t n_errs, cap_errs;
    int errs_oom;
} slot;

typedef struct run {
    qr_pipeline *p;
    qr_reader *reader;
    qr_on_error input_policy;
    size_t split;            /* steps [0, split) run in parallel, the rest in
                                order on the calling thread              */
    size_t window;           /* most records in flight                   */
    slot *slots;             /* window of them                           */
    slot **ring;             /* ring[seq % window]: the slot holding seq  */
    slot **free_slots;       /* stack: recently used slots are reused first,
                                so only as many documents grow buffers as
                                are ever in flight at once                */
    size_t n_free;
    uint64_t inflight_bytes, max_inflight;

    pthread_mutex_t mu;
    pthread_cond_t cv_main, cv_worker;
    uint64_t n_read;         /* slots filled so far (next seq to read)  */
    uint64_t next_work;      /* next seq whose parallel steps are to run */
    uint64_t next_write;     /* next seq the ordered stage takes         */
    int read_done, stop;
    int reading;             /* a thread is reading the next batch       */
    int main_waiting, workers_waiting;
    int fatal;               /* the reader hit a fatal error             */
    qr_error fatal_err;
    uint64_t bytes_read;
    int64_t bytes_total;

    const volatile int *cancel;  /* qr_run_opts.cancel (atomic loads)      */
    int streaming;           /* an input is a stream (stdin, a pipe): reads
                                may wait, so outputs are flushed first  */
    int input_waits;         /* the reading thread waits for input       */
    int keep_buffers;        /* an ordered step read a document's tokens or
                                sentences: documents keep theirs (below) */

    int jobs;
    double **worker_seconds; /* per thread, per step (0: calling thread) */
    qr_error thread_err;     /* a worker could not start                 */
    int thread_failed;
} run;

typedef struct worker_arg {
    run *r;
    int index;
} worker_arg;

int qr_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* *cancel is set by a signal handler and read here from every thread */
static int cancelled(const volatile int *cancel)
{
    return cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* {==================================================================
 * Reading and the parallel stage
 *
 * There is no thread of its own for reading: whichever worker finds the
 * window short of records reads the next batch (one at a time: `reading`),
 * so with -j N the N threads that run the steps are the only busy ones and
 * do not wake each other for every batch. The calling thread is one of the
 * N; it runs the ordered stage, in input order, whenever the next record
 * is done, and only then looks for other work: the parallel steps, never a
 * read. So the ordered stage does not wait behind a batch being parsed,
 * and the reader's buffers stay in the workers' caches rather than
 * travelling between cores with the calling thread's exports: -j 2 over
 * the pipeline benchmark went from 0.167 to 0.158 s so (medians of 81
 * interleaved rounds; bench/RESULTS.md, "The calling thread does not
 * read"). It also leaves the calling thread free
 * to draw the progress line and to see a cancel while a read waits on a
 * pipe.
 *
 * Hand-offs are batched so that tiny documents (one line each) do not pay a
 * lock and a wake-up apiece: a read publishes up to READ_BATCH records (or
 * READ_BATCH_BYTES of text) at once, a thread claims a run of consecutive
 * records (the calling thread a short one, so that the ordered stage never
 * waits long), and the ordered stage takes every finished record in one
 * go. Nobody is signalled unless someone waits.
 *
 * A document's tokens and sentences are the bulk of its memory (several
 * times its text) and only the parallel steps use them, as a rule. So each
 * thread lends one set of token and sentence buffers to the document it
 * runs and takes it back afterwards: the buffers stay in that thread's
 * cache, and the documents waiting in the window (a hundred or so) hold
 * texts and results, not analyses. Over the pipeline benchmark, -j 2 took
 * 5,700 page faults and 25 MB at its peak without this, 3,400 and 17 MB
 * with it, and spent about 5% more CPU than -j 1 instead of 8% (medians
 * of 15 runs; bench/RESULTS.md). Should an ordered step read them (an
 * export with include_tokens, a Lua function calling doc:tokens()), they
 * are made again on first use, and the writer, seeing that, stops the
 * lending: the documents already in flight are tokenized twice, no later
 * one.
 * =================================================================== */
enum { READ_BATCH = 32, READ_BATCH_BYTES = 256 * 1024, WORK_BATCH = 16, MAIN_WORK_BATCH = 4,
       WRITE_BATCH = 64 };

static void fill_error_slot(slot *s, const qr_error *e)
{
    s->n_errs = 0;
    if (!s->cap_errs) {
        s->errs = malloc(sizeof *s->errs);
        s->cap_errs = s->errs ? 1 : 0;
    }
    if (s->errs) {
        s->errs[0].step = (size_t)-1;
        s->errs[0].e = *e;
        s->n_errs = 1;
    }
}

static void wake_all(run *r)
{
    if (r->workers_waiting)
        pthread_cond_broadcast(&r->cv_worker);
    if (r->main_waiting)
        pthread_cond_signal(&r->cv_main);
}

/* Reads the next batch of records into the window, unless another thread
 * is reading, the input is done, or the window is full. Called and returns
 * with mu held; 1 when it read. */
static int read_batch(run *r)
{
    if (r->reading || r->read_done || r->stop || r->n_read - r->next_write >= r->window ||
        (r->inflight_bytes >= r->max_inflight && r->n_read > r->next_write))
        return 0;
    r->reading = 1;
    uint64_t base = r->n_read;
    size_t room = (size_t)(r->window - (r->n_read - r->next_write));
    if (room > READ_BATCH)
        room = READ_BATCH;
    uint64_t budget = r->inflight_bytes < r->max_inflight ? r->max_inflight - r->inflight_bytes : 1;
    if (budget > READ_BATCH_BYTES)
        budget = READ_BATCH_BYTES;
    for (size_t i = 0; i < room; i++)
        r->ring[(base + i) % r->window] = r->free_slots[--r->n_free];
    pthread_mutex_unlock(&r->mu);

    size_t got = 0, bytes = 0;
    int end = 0;
    qr_error e;
    while (got < room && bytes < budget) {
        if (r->streaming && qr_reader_may_wait(r->reader)) {
            if (got)
                break;      /* hand on what has come before waiting */
            /* about to wait: the writer flushes the outputs meanwhile */
            pthread_mutex_lock(&r->mu);
            r->input_waits = 1;
            if (r->main_waiting)
                pthread_cond_signal(&r->cv_main);
            pthread_mutex_unlock(&r->mu);
        }
        slot *s = r->ring[(base + got) % r->window];
        qr_error_clear(&e);
        if (!s->doc && !(s->doc = qr_doc_new())) {
            qr_error_set(&e, "out of memory for the document window");
            end = 2;
            break;
        }
        int rc = qr_reader_next(r->reader, s->doc, &e);
        if (rc == 0 || rc == -2) {
            end = rc == 0 ? 1 : 2;
            break;
        }
        s->kind = rc == 1 ? KIND_DOC : KIND_INPUT_ERROR;
        s->n_errs = 0;
        s->errs_oom = 0;
        s->outcome = QR_DOC_KEPT;
        s->state = SLOT_READ;
        if (rc == -1)
            fill_error_slot(s, &e);
        s->bytes = s->doc->len;
        bytes += s->bytes;
        got++;
    }
    int64_t consumed = qr_reader_bytes_read(r->reader);

    pthread_mutex_lock(&r->mu);
    r->input_waits = 0;
    r->bytes_read = consumed > 0 ? (uint64_t)consumed : 0;
    r->n_read += got;
    r->inflight_bytes += bytes;
    for (size_t i = room; i-- > got;)
        r->free_slots[r->n_free++] = r->ring[(base + i) % r->window];
    if (end) {
        if (end == 2) {
            r->fatal = 1;
            r->fatal_err = e;
        }
        r->read_done = 1;
    }
    r->reading = 0;
    wake_all(r);
    return 1;
}

static void note_error(void *ud, const qr_doc *doc, size_t step, const qr_error *e)
{
    (void)doc;
    slot *s = ud;
    if (s->n_errs == s->cap_errs) {
        size_t cap = s->cap_errs ? s->cap_errs * 2 : 2;
        step_err *v = realloc(s->errs, cap * sizeof *v);
        if (!v) {
            s->errs_oom = 1;
            return;
        }
        s->errs = v;
        s->cap_errs = cap;
    }
    s->errs[s->n_errs].step = step;
    s->errs[s->n_errs].e = *e;
    s->n_errs++;
}

/* Runs the parallel steps over a run of read records: a fair share of what
 * waits, so every thread gets some, at most `most`. Called and returns with
 * mu held; 1 when there was work. */
static int work_batch(run *r, qr_pipeline_thread *t, qr_doc_buffers *buf, double *seconds,
                      uint64_t most)
{
    if (r->stop || r->next_work == r->n_read)
        return 0;
    uint64_t avail = r->n_read - r->next_work;
    uint64_t take = avail / (uint64_t)r->jobs;
    if (take < 1)
        take = 1;
    if (take > most)
        take = most;
    uint64_t first = r->next_work;
    r->next_work += take;
    int lend = !r->keep_buffers;
    pthread_mutex_unlock(&r->mu);
    for (uint64_t q = first; q < first + take; q++) {
        slot *s = r->ring[q % r->window];
        if (cancelled(r->cancel))
            continue;       /* the run stops: no new document is started */
        if (s->kind == KIND_DOC && r->split > 0) {
            if (lend)
                qr_doc_swap_buffers(s->doc, buf);
            s->outcome = qr_pipeline_process_range(r->p, t, s->doc, 0, r->split, note_error, s, seconds);
            if (lend)
                qr_doc_swap_buffers(s->doc, buf);
        }
    }
    pthread_mutex_lock(&r->mu);
    for (uint64_t q = first; q < first + take; q++)
        r->ring[q % r->window]->state = SLOT_DONE;
    if (r->main_waiting && first <= r->next_write && r->next_write < first + take)
        pthread_cond_signal(&r->cv_main);
    return 1;
}

/* Reading comes first while fewer records than this wait for a thread. */
static uint64_t low_water(const run *r)
{
    return (uint64_t)r->jobs * WORK_BATCH;
}

static void stop_all(run *r)
{
    r->stop = 1;
    pthread_cond_broadcast(&r->cv_worker);
    pthread_cond_broadcast(&r->cv_main);
}

static void *worker_main(void *arg)
{
    worker_arg *wa = arg;
    run *r = wa->r;
    qr_error e;
    qr_pipeline_thread *t = qr_pipeline_thread_new_range(r->p, 0, r->split, &e);
    pthread_mutex_lock(&r->mu);
    if (!t) {
        if (!r->thread_failed) {
            r->thread_failed = 1;
            r->thread_err = e;
        }
        stop_all(r);
        pthread_mutex_unlock(&r->mu);
        return NULL;
    }
    double *seconds = r->worker_seconds[wa->index];
    qr_doc_buffers buf;
    qr_doc_buffers_init(&buf);
    while (!r->stop) {
        if (r->n_read - r->next_work < low_water(r) && read_batch(r))
            continue;
        if (work_batch(r, t, &buf, seconds, WORK_BATCH) || read_batch(r))
            continue;
        if (r->read_done)
            break;      /* nothing left to read or to run */
        r->workers_waiting++;
        pthread_cond_wait(&r->cv_worker, &r->mu);
        r->workers_waiting--;
    }
    pthread_mutex_unlock(&r->mu);
    qr_doc_buffers_free(&buf);
    qr_pipeline_thread_free(t);
    return NULL;
}

/* }================================================================== */

/* {==================================================================
 * Writer (the calling thread)
 * =================================================================== */
typedef struct writer {
    run *r;
    FILE *errors;
    const char *errors_name;
    int errors_failed;
    qr_error errors_err;
    int flush_failed;        /* an output could not be flushed */
    qr_error flush_err;
    qr_run_summary *sum;
    qr_error stop_err;
    int stopped;
    int stopped_by_step;     /* a step returned QR_PROCESS_STOP: exit 2 */
} writer;

static void write_error(writer *w, const qr_doc *doc, const char *step, const qr_error *e)
{
    if (!w->errors || w->errors_failed)
        return;
    char msg[2048];
    if (e->file[0])
        qr_error_format(e, msg, sizeof msg);
    else
        snprintf(msg, sizeof msg, "%s", e->message);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(doc->id ? doc->id : ""));
    json_object_set_new(o, "step", json_string(step));
    json_t *m = json_string(msg);
    json_object_set_new(o, "message", m ? m : json_string("(message is not valid UTF-8)"));
    const char *file = doc->source_file ? doc->source_file : (e->file[0] && !strcmp(step, "input") ? e->file : NULL);
    json_object_set_new(o, "file", file ? json_string(file) : json_null());
    long line = doc->source_line ? doc->source_line : (!strcmp(step, "input") ? e->line : 0);
    json_object_set_new(o, "line", line ? json_integer(line) : json_null());
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!s || fprintf(w->errors, "%s\n", s) < 0) {
        w->errors_failed = 1;
        qr_error_set(&w->errors_err, "cannot write the errors file %s: %s", w->errors_name,
                     s ? strerror(errno) : "out of memory");
    }
    free(s);
}

/* The run stops at doc: an input error or a step's under on_error: fail,
 * or (by_step) a step that returned QR_PROCESS_STOP, whatever its policy. */
static void set_stop(writer *w, const qr_doc *doc, size_t step, const qr_error *e, int by_step)
{
    if (w->stopped)
        return;
    w->stopped = 1;
    w->stopped_by_step = by_step;
    char msg[1600];
    if (e->file[0])
        qr_error_format(e, msg, sizeof msg);
    else
        snprintf(msg, sizeof msg, "%s", e->message);
    char where[600] = "";
    if (doc->source_file && doc->source_line)
        snprintf(where, sizeof where, " (%s:%ld)", doc->source_file, doc->source_line);
    else if (doc->source_file)
        snprintf(where, sizeof where, " (%s)", doc->source_file);
    if (step == (size_t)-1) {
        if (e->file[0])
            qr_error_at(&w->stop_err, e->file, e->line, e->col, "%s; set input: { on_error: skip } "
                        "to log malformed records and go on", e->message);
        else
            qr_error_set(&w->stop_err, "input record '%s'%s is malformed: %s; set input: { on_error: skip } "
                         "to log malformed records and go on", doc->id ? doc->id : "", where, msg);
        return;
    }
    qr_error pos;
    qr_error_clear(&pos);
    qr_pipeline_step_mark(w->r->p, step, &pos);
    if (by_step) {      /* its output failed: no policy helps */
        qr_error_at(&w->stop_err, pos.file, pos.line, pos.col,
                    "step '%s' cannot go on (at document '%s'): %s; the run stops and publishes no file",
                    qr_pipeline_step_name(w->r->p, step), doc->id ? doc->id : "", msg);
        return;
    }
    /* a Lua function standing as a step takes no options: it catches its
     * own errors */
    int fn = !strcmp(qr_pipeline_step_type(w->r->p, step), "function");
    qr_error_at(&w->stop_err, pos.file, pos.line, pos.col, "document '%s'%s failed at step '%s': %s (%s)",
                doc->id ? doc->id : "", where, qr_pipeline_step_name(w->r->p, step), msg,
                fn ? "a function step has no on_error: catch the error in it with pcall to go on"
                   : "set on_error: skip or drop on the step to go on");
}

/* Records a step error: errors file, per-step count, stop/skip bookkeeping. */
static void handle_error(writer *w, const qr_doc *doc, size_t step, const qr_error *e)
{
    if (step == (size_t)-1) {
        write_error(w, doc, "input", e);
        if (w->r->input_policy == QR_ON_ERROR_FAIL)
            set_stop(w, doc, step, e, 0);
        return;
    }
    int stops = (step & QR_STEP_STOPS_RUN) != 0;
    step &= ~QR_STEP_STOPS_RUN;
    write_error(w, doc, qr_pipeline_step_name(w->r->p, step), e);
    w->sum->steps[step].errors++;
    qr_on_error pol = qr_pipeline_step_on_error(w->r->p, step);
    if (stops || pol == QR_ON_ERROR_FAIL)
        set_stop(w, doc, step, e, stops);
    else if (pol == QR_ON_ERROR_SKIP)
        w->sum->skipped++;
}

static void writer_note(void *ud, const qr_doc *doc, size_t step, const qr_error *e)
{
    handle_error(ud, doc, step, e);
}

/* Flushes the outputs while the input waits; a failure stops the run. */
static void flush_outputs(writer *w, qr_pipeline *p)
{
    qr_error e;
    qr_error_clear(&e);
    if (!w->flush_failed && qr_pipeline_flush(p, &e) != 0) {
        w->flush_failed = 1;
        w->flush_err = e;
    }
}

static void account(writer *w, qr_doc_outcome o)
{
    switch (o) {
    case QR_DOC_KEPT: w->sum->written++; break;
    case QR_DOC_DROPPED: w->sum->dropped++; break;
    case QR_DOC_FAILED_DROP:
    case QR_DOC_FAILED_STOP: w->sum->failed++; break;
    }
}

/* }================================================================== */

static int open_reader_paths(run *r, const qr_run_opts *opts, const qr_input_opts *io, qr_error *err);

/* A file the run writes besides the steps' outputs (the errors file, the
 * caller's stats) must not be an input (opening it would empty it before
 * it is read), an output, or a file the pipeline reads. -1 with err. */
static int check_side_file(run *r, const qr_pipeline *p, const char *path, const char *what,
                           const char *other, qr_error *err)
{
    struct stat es, is;
    for (size_t i = 0; stat(path, &es) == 0 && i < qr_reader_file_count(r->reader); i++) {
        const char *in = qr_reader_file(r->reader, i);
        if (strcmp(in, "-") != 0 && stat(in, &is) == 0 && is.st_dev == es.st_dev &&
            is.st_ino == es.st_ino)
            return qr_error_set(err, "%s %s is also an input: writing it would empty it before it "
                                "is read; give the %s another path", what, path, other);
    }
    const char *writer = qr_pipeline_writer_of(p, path);
    if (writer)
        return qr_error_set(err, "%s %s is also the output of step '%s': one would replace the "
                            "other; give the %s another path", what, path, writer, other);
    const char *reader = qr_pipeline_reader_of(p, path);
    if (reader)
        return qr_error_set(err, "%s %s is %s: writing the %s there would replace it; give the %s "
                            "another path", what, path, reader, other, other);
    return 0;
}

/* The stats file the caller writes after the run: not a folder, not the
 * errors file (epath), nor what check_side_file refuses; its folder is
 * made. -1 with err. */
static int prepare_stats(run *r, const qr_pipeline *p, const char *path, const char *epath,
                         qr_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return qr_error_set(err, "the stats file %s is a folder; give a file, as in --stats %s/stats.json",
                            path, path);
    char *sabs = qr_path_absolute(path), *eabs = epath && strcmp(epath, "-") ? qr_path_absolute(epath) : NULL;
    int same = sabs && eabs && !strcmp(sabs, eabs);
    free(sabs);
    free(eabs);
    if (same)
        return qr_error_set(err, "the stats file %s is also the errors file; give the stats another path", path);
    if (check_side_file(r, p, path, "the stats file", "stats", err) != 0)
        return -1;
    char *dirs = strdup(path);   /* qr_mkdirs writes into its argument */
    int ok = dirs && qr_mkdirs(dirs, 0) == 0;
    int e = dirs ? errno : ENOMEM;
    free(dirs);
    return ok ? 0 : qr_error_set(err, "cannot create the folder of the stats file %s: %s", path, strerror(e));
}

static int open_reader(run *r, const qr_run_opts *opts, qr_error *err)
{
    const qr_value *in = qr_pipeline_input(r->p);
    qr_input_opts io;
    qr_input_opts_init(&io);
    r->input_policy = QR_ON_ERROR_FAIL;
    for (size_t i = 0; i < qr_value_len(in); i++) {
        const char *k = qr_value_key_at(in, i);
        const qr_value *v = qr_value_at(in, i);
        if (!strcmp(k, "paths"))
            continue;
        if (!strcmp(k, "on_error")) {
            const char *s = qr_value_string(v);
            r->input_policy = s && !strcmp(s, "skip") ? QR_ON_ERROR_SKIP
                            : s && !strcmp(s, "drop") ? QR_ON_ERROR_DROP : QR_ON_ERROR_FAIL;
            continue;
        }
        char buf[64];
        const char *text = qr_value_string(v);
        if (!text) {
            if (v->type == QR_VAL_INT)
                snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
            else if (v->type == QR_VAL_BOOL)
                snprintf(buf, sizeof buf, "%s", v->u.b ? "true" : "false");
            else if (v->type == QR_VAL_NUMBER)
                snprintf(buf, sizeof buf, "%g", v->u.n);
            else
                continue;
            text = buf;
        }
        if (qr_input_opts_set(&io, k, text, err) != 0)
            return -1;
    }
    /* what folder walks and globs must not read: the steps' outputs (and
     * their temporary files), the errors file, and the pipeline's own
     * files (its YAML, models, lists, scripts) */
    size_t n_out = qr_pipeline_output_count(r->p), n_own = qr_pipeline_own_file_count(r->p);
    const char *epath = opts->errors_path ? opts->errors_path : qr_pipeline_errors_path(r->p);
    char *errors_abs = epath && strcmp(epath, "-") ? qr_path_absolute(epath) : NULL;
    const char **outputs = calloc(n_out + n_own + 2, sizeof *outputs);
    if (!outputs || (epath && strcmp(epath, "-") && !errors_abs)) {
        free(outputs);
        free(errors_abs);
        return qr_error_set(err, "out of memory");
    }
    for (size_t i = 0; i < n_out; i++)
        outputs[i] = qr_pipeline_output(r->p, i);
    for (size_t i = 0; i < n_own; i++)
        outputs[n_out + i] = qr_pipeline_own_file(r->p, i);
    outputs[n_out + n_own] = errors_abs;
    io.outputs = outputs;
    int rc = open_reader_paths(r, opts, &io, err);
    free(outputs);
    free(errors_abs);
    return rc;
}

static int open_reader_paths(run *r, const qr_run_opts *opts, const qr_input_opts *io, qr_error *err)
{
    const qr_value *in = qr_pipeline_input(r->p);
    size_t n = 0;
    char **paths = NULL;
    if (opts->inputs && opts->inputs[0]) {
        while (opts->inputs[n])
            n++;
        r->reader = qr_reader_new(io, opts->inputs, n, err);
        return r->reader ? 0 : -1;
    }
    const qr_value *pv = qr_value_get(in, "paths");
    n = qr_value_len(pv);
    if (n == 0)
        return qr_error_set(err, "no input: give files or folders after the pipeline on the command line, "
                            "or input: { paths: [...] } in the pipeline");
    paths = calloc(n, sizeof *paths);
    if (!paths)
        return qr_error_set(err, "out of memory");
    const char *base = qr_pipeline_base_dir(r->p);
    int rc = 0;
    qr_input_opts pio = *io;
    pio.from_pipeline = 1;
    for (size_t i = 0; i < n; i++) {
        const char *s = qr_value_string(qr_value_at(pv, i));
        size_t len = strlen(base) + strlen(s) + 2;
        if (!(paths[i] = malloc(len))) {
            rc = qr_error_set(err, "out of memory");
            break;
        }
        if (s[0] == '/' || !strcmp(s, "-") || !strcmp(base, "."))
            snprintf(paths[i], len, "%s", s);
        else
            snprintf(paths[i], len, "%s/%s", base, s);
    }
    if (rc == 0) {
        r->reader = qr_reader_new(&pio, (const char *const *)paths, n, err);
        rc = r->reader ? 0 : -1;
    }
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return rc;
}

static void free_run(run *r)
{
    for (size_t i = 0; r->slots && i < r->window; i++) {
        qr_doc_free(r->slots[i].doc);
        free(r->slots[i].errs);
    }
    free(r->slots);
    free(r->ring);
    free(r->free_slots);
    for (int i = 0; r->worker_seconds && i < r->jobs; i++)
        free(r->worker_seconds[i]);
    free(r->worker_seconds);
    qr_reader_free(r->reader);
}


void qr_run_summary_free(qr_run_summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_steps; i++)
        free(s->steps[i].name);
    free(s->steps);
    s->steps = NULL;
    s->n_steps = 0;
    for (size_t i = 0; i < s->n_not_read; i++)
        free(s->not_read[i]);
    free(s->not_read);
    s->not_read = NULL;
    s->n_not_read = 0;
    for (size_t i = 0; i < s->n_empty_folders; i++)
        free(s->empty_folders[i]);
    free(s->empty_folders);
    s->empty_folders = NULL;
    s->n_empty_folders = 0;
}

/* A copy of a list of the reader's names (for the summary); -1 on OOM,
 * with what was copied kept for qr_run_summary_free. */
static int copy_names(const qr_reader *rd, size_t (*count)(const qr_reader *),
                      const char *(*at)(const qr_reader *, size_t), char ***out, size_t *n)
{
    size_t k = count(rd);
    if (!k)
        return 0;
    if (!(*out = calloc(k, sizeof **out)))
        return -1;
    for (size_t i = 0; i < k; i++, (*n)++)
        if (!((*out)[i] = strdup(at(rd, i))))
            return -1;
    return 0;
}

int qr_run(qr_pipeline *p, const qr_run_opts *opts_in, qr_run_summary *sum, qr_error *err)
{
    qr_run_opts none = {0};
    const qr_run_opts *opts = opts_in ? opts_in : &none;
    double t0 = now_seconds();
    size_t nsteps = qr_pipeline_step_count(p);
    memset(sum, 0, sizeof *sum);
    run r = {0};
    writer w = {0};
    int rc = -1;
    pthread_t *workers = NULL;
    worker_arg *wargs = NULL;
    int n_started = 0;
    qr_pipeline_thread *wt = NULL;

    r.p = p;
    r.jobs = opts->jobs > 0 ? opts->jobs : qr_cpu_count();
    r.split = qr_pipeline_ordered_from(p);
    /* in flight: at most 64 records per worker (at least 512), and about
     * 1 MB of text plus 256 KB per worker: tiny records travel in large
     * batches, big ones in few */
    r.window = (size_t)r.jobs * 64;
    if (r.window < 512)
        r.window = 512;
    r.max_inflight = (1u << 20) + (uint64_t)r.jobs * (256u << 10);
    sum->jobs = r.jobs;
    sum->n_steps = nsteps;
    sum->steps = calloc(nsteps + 1, sizeof *sum->steps);
    if (!sum->steps) {
        qr_error_set(err, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < nsteps; i++)
        if (!(sum->steps[i].name = strdup(qr_pipeline_step_name(p, i)))) {
            qr_error_set(err, "out of memory");
            return -1;
        }
    if (qr_pipeline_begin_run(p, err) != 0 || open_reader(&r, opts, err) != 0)
        goto done_nothreads;
    if (copy_names(r.reader, qr_reader_skipped_count, qr_reader_skipped, &sum->not_read,
                   &sum->n_not_read) != 0 ||
        copy_names(r.reader, qr_reader_empty_count, qr_reader_empty, &sum->empty_folders,
                   &sum->n_empty_folders) != 0) {
        qr_error_set(err, "out of memory");
        goto done_nothreads;
    }
    r.bytes_total = qr_reader_bytes_total(r.reader);
    r.streaming = r.bytes_total < 0;
    r.cancel = opts->cancel;
    qr_reader_set_cancel(r.reader, opts->cancel);
    r.slots = calloc(r.window, sizeof *r.slots);
    r.ring = calloc(r.window, sizeof *r.ring);
    r.free_slots = calloc(r.window, sizeof *r.free_slots);
    r.worker_seconds = calloc((size_t)r.jobs, sizeof *r.worker_seconds);
    if (!r.slots || !r.ring || !r.free_slots || !r.worker_seconds) {
        qr_error_set(err, "out of memory");
        goto done_nothreads;
    }
    for (size_t i = r.window; i-- > 0;)
        r.free_slots[r.n_free++] = &r.slots[i];
    if (!(r.slots[0].doc = qr_doc_new())) {
        qr_error_set(err, "out of memory");
        goto done_nothreads;
    }
    for (int i = 0; i < r.jobs; i++)
        if (!(r.worker_seconds[i] = calloc(nsteps + 1, sizeof(double)))) {
            qr_error_set(err, "out of memory");
            goto done_nothreads;
        }
    double *writer_seconds = calloc(nsteps + 1, sizeof(double));
    if (!writer_seconds) {
        qr_error_set(err, "out of memory");
        goto done_nothreads;
    }

    w.r = &r;
    w.sum = sum;
    const char *epath = opts->errors_path ? opts->errors_path : qr_pipeline_errors_path(p);
    /* the caller's stats file: checked, and its folder made, before
     * anything is read */
    if (opts->stats_path && strcmp(opts->stats_path, "-")) {
        if (prepare_stats(&r, p, opts->stats_path, epath, err) != 0) {
            free(writer_seconds);
            goto done_nothreads;
        }
        sum->stats_ok = 1;
    }
    /* the errors file */
    if (epath) {
        w.errors_name = epath;
        if (!strcmp(epath, "-")) {
            w.errors = stderr;
        } else {
            if (check_side_file(&r, p, epath, "the errors file", "errors", err) != 0) {
                free(writer_seconds);
                goto done_nothreads;
            }
            char *dirs = strdup(epath);   /* qr_mkdirs writes into its argument */
            int ok = dirs && qr_mkdirs(dirs, 0) == 0 && (w.errors = fopen(epath, "w")) != NULL;
            int e = dirs ? errno : ENOMEM;
            free(dirs);
            if (!ok) {
                qr_error_set(err, "cannot create the errors file %s: %s", epath, strerror(e));
                free(writer_seconds);
                goto done_nothreads;
            }
        }
        sum->errors_path = epath;
    }

    int threaded = r.jobs > 1, fatal = 0, thread_failed = 0;
    double last_progress = t0;
    wt = qr_pipeline_thread_new_range(p, threaded ? r.split : 0, nsteps, err);
    if (!wt) {
        free(writer_seconds);
        goto done_nothreads;
    }
    if (!threaded) {
        /* -j 1: everything on the calling thread, one core, no hand-offs */
        qr_doc *doc = r.slots[0].doc;
        for (;;) {
            qr_error e;
            qr_error_clear(&e);
            if (r.streaming && sum->read && qr_reader_may_wait(r.reader)) {
                flush_outputs(&w, p);
                if (w.flush_failed)
                    break;
            }
            int rr = qr_reader_next(r.reader, doc, &e);
            int64_t b = qr_reader_bytes_read(r.reader);
            r.bytes_read = b > 0 ? (uint64_t)b : 0;
            if (rr == 0)
                break;
            if (rr == -2) {
                fatal = 1;
                r.fatal_err = e;
                break;
            }
            sum->read++;
            if (rr == -1) {
                handle_error(&w, doc, (size_t)-1, &e);
                sum->failed++;
            } else {
                account(&w, qr_pipeline_process_range(p, wt, doc, 0, nsteps, writer_note, &w,
                                                      writer_seconds));
            }
            if (w.stopped || w.errors_failed || cancelled(opts->cancel))
                break;
            if (opts->progress && (sum->read & 63) == 0) {
                double now = now_seconds();
                if (now - last_progress >= 0.25) {
                    qr_progress pr = {sum->read, r.bytes_read,
                                      r.bytes_total > 0 ? (uint64_t)r.bytes_total : 0, now - t0};
                    opts->progress(opts->progress_ud, &pr);
                    last_progress = now;
                }
            }
        }
        n_started = r.jobs;
        goto finished;
    }
    /* -j N: the calling thread and N - 1 workers run the parallel steps;
     * the calling thread also runs the ordered ones */
    qr_pipeline_thread *tm = r.split > 0 ? qr_pipeline_thread_new_range(p, 0, r.split, err) : NULL;
    if (r.split > 0 && !tm) {
        free(writer_seconds);
        qr_pipeline_thread_free(wt);
        goto done_nothreads;
    }
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cv_main, NULL);
    pthread_cond_init(&r.cv_worker, NULL);
    workers = calloc((size_t)r.jobs, sizeof *workers);
    wargs = calloc((size_t)r.jobs, sizeof *wargs);
    if (!workers || !wargs) {
        qr_error_set(err, "out of memory");
        r.stop = 1;
    }
    n_started = 1;
    for (int i = 1; !r.stop && i < r.jobs; i++) {
        wargs[i].r = &r;
        wargs[i].index = i;
        int e = pthread_create(&workers[i], NULL, worker_main, &wargs[i]);
        if (e != 0) {
            qr_error_set(err, "cannot start worker thread %d: %s", i + 1, strerror(e));
            pthread_mutex_lock(&r.mu);
            stop_all(&r);
            pthread_mutex_unlock(&r.mu);
            break;
        }
        n_started++;
    }

    qr_doc_buffers main_buf;
    qr_doc_buffers_init(&main_buf);
    int unflushed = 0;       /* written since the last flush */
    pthread_mutex_lock(&r.mu);
    for (;;) {
        if (cancelled(opts->cancel) && !r.stop) {
            stop_all(&r);
            for (int i = 1; opts->interrupt && i < n_started; i++)
                opts->interrupt(opts->interrupt_ud, workers[i]);
        }
        if (r.stop)
            break;
        if (r.next_write < r.n_read && r.ring[r.next_write % r.window]->state == SLOT_DONE) {
            /* every finished record from next_write on, in order */
            uint64_t first = r.next_write, ready = 0;
            while (ready < WRITE_BATCH && first + ready < r.n_read &&
                   r.ring[(first + ready) % r.window]->state == SLOT_DONE)
                ready++;
            pthread_mutex_unlock(&r.mu);

            uint64_t used = 0;
            int read_analyses = 0;
            unflushed = 1;
            while (used < ready && !w.stopped && !w.errors_failed && !cancelled(opts->cancel)) {
                slot *s = r.ring[(first + used) % r.window];
                used++;
                sum->read++;
                if (s->kind == KIND_INPUT_ERROR) {
                    for (size_t i = 0; i < s->n_errs; i++)
                        handle_error(&w, s->doc, (size_t)-1, &s->errs[i].e);
                    sum->failed++;
                    continue;
                }
                for (size_t i = 0; i < s->n_errs; i++)
                    handle_error(&w, s->doc, s->errs[i].step, &s->errs[i].e);
                qr_doc_outcome o = s->outcome;
                if (s->errs_oom && o == QR_DOC_KEPT) {
                    qr_error oom;
                    qr_error_clear(&oom);
                    qr_error_set(&oom, "out of memory recording a step error");
                    set_stop(&w, s->doc, 0, &oom, 0);
                    o = QR_DOC_FAILED_STOP;
                }
                if (o == QR_DOC_KEPT && r.split < nsteps) {
                    o = qr_pipeline_process_range(p, wt, s->doc, r.split, nsteps, writer_note, &w,
                                                  writer_seconds);
                    read_analyses |= s->doc->has_tokens || s->doc->has_sentences;
                }
                account(&w, o);
            }

            pthread_mutex_lock(&r.mu);
            for (uint64_t q = first; q < first + used; q++) {
                slot *s = r.ring[q % r.window];
                s->state = SLOT_FREE;
                r.inflight_bytes -= s->bytes;
                r.free_slots[r.n_free++] = s;
            }
            r.next_write += used;
            if (read_analyses)
                r.keep_buffers = 1;
            if (used && r.workers_waiting)
                pthread_cond_broadcast(&r.cv_worker);   /* room to read */
            if (w.stopped || w.errors_failed)
                stop_all(&r);
        } else if (r.read_done && r.next_write == r.n_read) {
            break;
        } else if (r.input_waits && unflushed) {
            /* nothing to write, and the input waits: show what is done */
            unflushed = 0;
            pthread_mutex_unlock(&r.mu);
            flush_outputs(&w, p);
            pthread_mutex_lock(&r.mu);
            if (w.flush_failed)
                stop_all(&r);
        } else if (!work_batch(&r, tm, &main_buf, r.worker_seconds[0], MAIN_WORK_BATCH)) {
            r.main_waiting = 1;
            if (opts->progress || opts->cancel) {
                /* wakes up to draw progress and to see a cancel */
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 250000000L;
                if (ts.tv_nsec >= 1000000000L) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&r.cv_main, &r.mu, &ts);
            } else {
                pthread_cond_wait(&r.cv_main, &r.mu);
            }
            r.main_waiting = 0;
        }
        if (opts->progress) {
            double now = now_seconds();
            if (now - last_progress >= 0.25) {
                qr_progress pr = {sum->read, r.bytes_read,
                                  r.bytes_total > 0 ? (uint64_t)r.bytes_total : 0, now - t0};
                last_progress = now;
                pthread_mutex_unlock(&r.mu);
                opts->progress(opts->progress_ud, &pr);
                pthread_mutex_lock(&r.mu);
            }
        }
    }
    fatal = r.fatal;
    thread_failed = r.thread_failed;
    sum->unfinished = r.n_read - r.next_write;   /* in the window when the run stopped */
    pthread_mutex_unlock(&r.mu);

    for (int i = 1; i < n_started; i++)
        pthread_join(workers[i], NULL);
    qr_doc_buffers_free(&main_buf);
    qr_pipeline_thread_free(tm);
finished:
    for (size_t i = 0; i < nsteps; i++) {
        sum->steps[i].seconds += writer_seconds[i];
        for (int k = 0; threaded && k < r.jobs; k++)
            sum->steps[i].seconds += r.worker_seconds[k][i];
    }
    free(writer_seconds);
    sum->bytes = r.bytes_read;

    /* A run that stops publishes no file, but what its exports took for
     * standard output (or a pipe) goes out: the summary counts those
     * documents as written. A failure here (a closed pipe) changes nothing. */
    if ((cancelled(opts->cancel) || thread_failed || w.errors_failed || w.stopped || fatal ||
         n_started < r.jobs) && !w.flush_failed) {
        qr_error fe;
        qr_error_clear(&fe);
        (void)qr_pipeline_flush(p, &fe);
    }
    if (cancelled(opts->cancel)) {   /* a Lua step it interrupted failed: still an interrupt */
        qr_error_set(err, "interrupted after %llu records; no output file was published",
                     (unsigned long long)sum->read);
        sum->interrupted = 1;
        rc = -1;
    } else if (thread_failed) {
        *err = r.thread_err;
        rc = -1;
    } else if (w.errors_failed) {
        *err = w.errors_err;
        rc = -1;
    } else if (w.flush_failed) {
        *err = w.flush_err;
        rc = -1;
    } else if (w.stopped) {
        *err = w.stop_err;
        sum->stopped = !w.stopped_by_step;   /* a step that cannot go on: exit 2 */
        rc = -1;
    } else if (fatal) {
        *err = r.fatal_err;
        rc = -1;
    } else if (n_started < r.jobs) {
        rc = -1;
    } else if (qr_pipeline_finish(p, err) != 0) {
        rc = -1;
    } else {
        rc = sum->failed || sum->skipped ? 1 : 0;
    }
    if (w.errors && w.errors != stderr && fclose(w.errors) != 0 && rc >= 0) {
        qr_error_set(err, "cannot write the errors file %s: %s", w.errors_name, strerror(errno));
        rc = -1;
    } else if (w.errors == stderr) {
        fflush(stderr);
    }
    w.errors = NULL;
    if (threaded) {
        pthread_mutex_destroy(&r.mu);
        pthread_cond_destroy(&r.cv_main);
        pthread_cond_destroy(&r.cv_worker);
    }
    free(workers);
    free(wargs);
    qr_pipeline_thread_free(wt);
    free_run(&r);
    sum->seconds = now_seconds() - t0;
    return rc;

done_nothreads:
    if (w.errors && w.errors != stderr)
        fclose(w.errors);
    free_run(&r);
    sum->seconds = now_seconds() - t0;
    return -1;
}
