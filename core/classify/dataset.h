/*
 * dataset — labeled documents read through a pipeline, for `quarry train`
 * and `quarry eval` (and anything else that learns from a pipeline).
 *
 * The pipeline file is validated whole (every step, without init), then the
 * steps before its classify step are built and initialized; with
 * `with_classify` the classify step itself too (eval: it predicts). Steps
 * after it (exports…) are neither initialized nor run. So `train` never
 * opens the `model:` file (it is about to write it), while eval loads it.
 *
 * Records come from the pipeline's input: section (format, fields), with
 * `inputs` replacing its paths. The gold label of each record is the
 * member `label_field` of its meta (JSONL field, CSV column): a string, or a
 * number / boolean written as JSON text. A record without it is an error
 * naming the document and its file:line.
 *
 * Errors of steps follow their on_error (skip: keep the document; drop: the
 * document is left out and counted in `dropped`; fail: qr_dataset_next
 * returns -1). Malformed records follow input: { on_error } likewise.
 *
 * Ownership: the dataset owns its pipelines, reader and document; the doc
 * and label returned by qr_dataset_next are valid until the next call.
 */
#ifndef QR_CLASSIFY_DATASET_H
#define QR_CLASSIFY_DATASET_H

#include "doc.h"
#include "value.h"

typedef struct qr_dataset_opts {
    const char *pipeline;          /* YAML file                                   */
    const char *const *vars;       /* "name=value", NULL-terminated, or NULL       */
    const char *const *inputs;     /* replace input.paths; NULL-terminated or NULL */
    const char *label_field;       /* default "label"                             */
    const char *step;              /* classify step's name; NULL: the first one    */
    const char *format;            /* "jsonl"/"csv" over input.format, or NULL     */
    int with_classify;             /* 1: run the classify step too                 */
    const char *model_out;         /* a model file the command writes (train -o),
                                      or NULL; like the classify step's model:
                                      and the pipeline's outputs, a folder walk
                                      or a glob never reads it as data         */
} qr_dataset_opts;

typedef struct qr_dataset qr_dataset;

qr_dataset *qr_dataset_open(const qr_dataset_opts *opts, qr_registry *reg, qr_error *err);
/* Files a folder walk or a glob passed over (the model, the pipeline's
 * outputs), as display names. */
size_t qr_dataset_not_read_count(const qr_dataset *d);
const char *qr_dataset_not_read(const qr_dataset *d, size_t i);
void qr_dataset_free(qr_dataset *d);           /* NULL is fine */

/* The classify step's options, validated (vars substituted). */
const qr_value *qr_dataset_step_options(const qr_dataset *d);
const char *qr_dataset_step_name(const qr_dataset *d);
const char *qr_dataset_base_dir(const qr_dataset *d);
/* Whether the run reads path: "an input", who reads it among the
 * pipeline's files ("the pipeline file", "read by step 'x' (…)"), or NULL. */
const char *qr_dataset_reads(const qr_dataset *d, const char *path);

/* 1: *doc and *label are the next document (processed) and its gold label;
 * 0: end of input; -1: error (err set), stop. */
int qr_dataset_next(qr_dataset *d, qr_doc **doc, const char **label, qr_error *err);

/* Calls fn for every labeled document, on `jobs` threads (<= 0: the number
 * of cores). `worker` is 0..jobs-1: the caller keeps per-worker state
 * (fn runs on several threads at once, never twice at once for one
 * worker). Plain JSONL files are cut into blocks (mapped files: 1 GiB,
 * so most files are one block; files that cannot be mapped: 4 MB read at a
 * time), each block into one slice per worker at line ends (worker 0 gets
 * the first slice), read by memory readers; after each block, once every worker is done with
 * it, `flush` (if not NULL) is called on the calling thread with the number
 * of workers, so per-worker results can be merged in input order. Other
 * inputs (CSV, .gz, stdin) and pipelines with ordered steps run on worker 0
 * alone, with one flush at the end. Returns 0, or -1 with err: the first
 * error in input order (fn's, flush's, a step's under on_error: fail, a
 * malformed record). */
typedef int (*qr_dataset_fn)(void *ud, int worker, qr_doc *doc, const char *label, qr_error *err);
typedef int (*qr_dataset_flush_fn)(void *ud, int workers, qr_error *err);
int qr_dataset_run(qr_dataset *d, int jobs, qr_dataset_fn fn, qr_dataset_flush_fn flush, void *ud,
                   qr_error *err);

/* Bytes of input in all (-1 when unknown: stdin among the inputs). */
int64_t qr_dataset_bytes_total(const qr_dataset *d);

typedef struct qr_dataset_counts {
    uint64_t read, used, dropped, malformed, skipped_errors;
} qr_dataset_counts;
void qr_dataset_get_counts(const qr_dataset *d, qr_dataset_counts *out);

#endif
