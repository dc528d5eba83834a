/*
 * pipeline — a validated, initialized chain of steps.
 *
 * Built from a YAML file (qr_pipeline_load_yaml) or from an option tree made
 * elsewhere, e.g. by the Lua binding from a q.pipeline{…} table
 * (qr_pipeline_from_value). Both do, before any document is read:
 *   1. variables: `vars:` entries, overridden by opts->vars ("name=value",
 *      --set), then `${name}`, `${ENV_VAR}` and `${ENV_VAR:-default}` are
 *      substituted in every string ($${ gives a literal ${);
 *   2. validation of every key: top level (name, description, vars, input,
 *      errors, modules, steps), each step's options against its qr_option_def
 *      list (unknown options with the closest name, types, enum choices,
 *      required options, QR_OPT_PATH files that must exist), plus `name:` and
 *      `on_error: fail|skip|drop` that every step takes; defaults filled in;
 *   3. init() of every step (gazetteers compiled, regexes checked…).
 * Errors come back as qr_error with file/line/col of the offending value.
 *
 * A step item is a one-key map `stepname: {options}` (null/{} = defaults);
 * `stepname: [ {…}, {…} ]` is the same step repeated once per item.
 *
 * Processing one document: a qr_pipeline_thread holds the per-thread state
 * of every step (thread_init); one per thread that processes documents.
 *
 * process() return values (see quarry_module.h): 0 keep, -1 error (the step's
 * on_error decides), QR_PROCESS_DROP (1) drop the document on purpose
 * (a `filter`, a Lua step returning false): counted as dropped, not failed.
 *
 * on_error: skip restores the document as it was before the step: the host
 * takes a snapshot before each step whose policy is skip (span count, labels,
 * a shallow copy of fields, and — for QR_STEP_MODIFIES_TEXT steps — the text
 * and spans) and restores it on failure. Steps with fail/drop cost nothing.
 *
 * Ownership: the pipeline copies what it needs from its inputs; it owns the
 * step states and frees them (free()) in qr_pipeline_free. The registry must
 * outlive the pipeline. A pipeline may be run several times, and processed
 * from several threads at once, each with its own qr_pipeline_thread.
 */
#ifndef QR_PIPELINE_H
#define QR_PIPELINE_H

#include "quarry_module.h"
#include "value.h"

typedef struct qr_pipeline qr_pipeline;
typedef struct qr_pipeline_thread qr_pipeline_thread;

typedef enum qr_on_error { QR_ON_ERROR_FAIL = 0, QR_ON_ERROR_SKIP, QR_ON_ERROR_DROP } qr_on_error;

typedef struct qr_pipeline_opts {
    const char *const *vars;  /* "name=value" overrides, NULL-terminated, or NULL */
    int jobs;                 /* put in qr_step_ctx.jobs; 0 = number of cores     */
    int no_init;              /* 1: validate only, do not call the steps' init()  */
    int check_only;           /* 1: loaded to be checked (quarry check): steps'
                                 init() validate their outputs but create
                                 nothing (qr_step_ctx_checking)           */
} qr_pipeline_opts;

/* Loads and validates a YAML pipeline; relative paths resolve against the
 * file's folder. opts may be NULL. */
qr_pipeline *qr_pipeline_load_yaml(const char *path, qr_registry *reg,
                                   const qr_pipeline_opts *opts, qr_error *err);

/* Same from a tree. `file` names the source in messages and ctx ("" from Lua;
 * value marks carry the real positions); base_dir: folder for relative paths
 * (NULL = current directory). The tree is not kept (copied). */
qr_pipeline *qr_pipeline_from_value(const qr_value *root, const char *file,
                                    const char *base_dir, qr_registry *reg,
                                    const qr_pipeline_opts *opts, qr_error *err);

void qr_pipeline_free(qr_pipeline *p);                  /* NULL is fine */

/* --- what was loaded (for `quarry check`, the runner, the Lua binding) --- */
const char *qr_pipeline_name(const qr_pipeline *p);     /* "" if none      */
const char *qr_pipeline_file(const qr_pipeline *p);
const char *qr_pipeline_base_dir(const qr_pipeline *p);
/* The `input:` map after substitution (format, paths, reader options), or
 * NULL if the pipeline has none. */
const qr_value *qr_pipeline_input(const qr_pipeline *p);
/* `errors:` resolved against base_dir, NULL if none. */
const char *qr_pipeline_errors_path(const qr_pipeline *p);

size_t qr_pipeline_step_count(const qr_pipeline *p);
const qr_step_def *qr_pipeline_step_def(const qr_pipeline *p, size_t i);
const char *qr_pipeline_step_name(const qr_pipeline *p, size_t i); /* name: or type */
const char *qr_pipeline_step_type(const qr_pipeline *p, size_t i); /* "gazetteer", "function"… */
qr_on_error qr_pipeline_step_on_error(const qr_pipeline *p, size_t i);
/* The options as the step sees them: validated, defaults filled in, without
 * name/on_error. */
const qr_value *qr_pipeline_step_options(const qr_pipeline *p, size_t i);
/* Where the step item was written (file/line/col into err; message unset). */
void qr_pipeline_step_mark(const qr_pipeline *p, size_t i, qr_error *err);
/* Index of the first step that must run on the ordered (writer) thread —
 * the first QR_STEP_ORDERED step — or the step count if none. */
size_t qr_pipeline_ordered_from(const qr_pipeline *p);

/* --- per-thread state --- */
qr_pipeline_thread *qr_pipeline_thread_new(qr_pipeline *p, qr_error *err);
/* Only the steps [from, to) get a thread state (the runner's split). */
qr_pipeline_thread *qr_pipeline_thread_new_range(qr_pipeline *p, size_t from, size_t to,
                                                 qr_error *err);
void qr_pipeline_thread_free(qr_pipeline_thread *t);    /* NULL is fine */

/* --- processing --- */
typedef enum qr_doc_outcome {
    QR_DOC_KEPT = 0,      /* went through (possibly with skipped step errors) */
    QR_DOC_DROPPED,       /* a step dropped it on purpose                     */
    QR_DOC_FAILED_DROP,   /* a step failed under on_error: drop               */
    QR_DOC_FAILED_STOP    /* a step failed under on_error: fail: stop the run */
} qr_doc_outcome;

/* Called for each step error (under any policy), in step order. A step
 * that returned QR_PROCESS_STOP (the run cannot go on, whatever on_error)
 * comes with QR_STEP_STOPS_RUN set in `step`: mask it off for the index. */
typedef void (*qr_step_error_fn)(void *ud, const qr_doc *doc, size_t step,
                                 const qr_error *err);
#define QR_STEP_STOPS_RUN ((size_t)1 << (sizeof(size_t) * 8 - 1))

/* Runs steps [from, to) over doc. Returns the outcome; for every error of a
 * step, on_err (if not NULL) is called with the step index and the error
 * (message prefixed by nothing: the caller adds doc id and step name).
 * `seconds` (if not NULL, length = step count) accumulates time per step. */
qr_doc_outcome qr_pipeline_process_range(qr_pipeline *p, qr_pipeline_thread *t,
                                         qr_doc *doc, size_t from, size_t to,
                                         qr_step_error_fn on_err, void *ud,
                                         double *seconds);

/* All steps over one document (used by p:process in Lua). On
 * QR_DOC_FAILED_* err holds "step 'NAME' (#i) failed on document 'ID': msg"
 * with the step's position; skipped errors are not reported here. */
qr_doc_outcome qr_pipeline_process_doc(qr_pipeline *p, qr_pipeline_thread *t,
                                       qr_doc *doc, qr_error *err);

/* The name of the step that writes path (an option flagged
 * QR_OPT_WRITTEN: an export's output), or NULL. Paths compare resolved
 * and cleaned lexically. */
const char *qr_pipeline_writer_of(const qr_pipeline *p, const char *path);
/* The paths the steps write, absolute and cleaned (files and folders). */
size_t qr_pipeline_output_count(const qr_pipeline *p);
const char *qr_pipeline_output(const qr_pipeline *p, size_t i);
/* The files the pipeline reads besides its input, absolute and cleaned:
 * the pipeline file, its modules, every path option (a model, a script, a word list)
 * and the `path` of list items (a gazetteer's lists). With the outputs,
 * a folder walk or a glob over the input passes over them. */
size_t qr_pipeline_own_file_count(const qr_pipeline *p);
const char *qr_pipeline_own_file(const qr_pipeline *p, size_t i);
/* Whether path is one of those files (by name, resolved and cleaned, or
 * the same file under another name): who reads it, as in "the pipeline
 * file" or "read by step 'g' (lists, line 4)", or NULL. */
const char *qr_pipeline_reader_of(const qr_pipeline *p, const char *path);
/* path as the pipeline's options name files: against its folder unless
 * absolute, then absolute and cleaned (as the lists above); NULL on OOM. */
char *qr_pipeline_resolve(const qr_pipeline *p, const char *path);

/* Calls finish() of every step in order (after the last document). */
int qr_pipeline_finish(qr_pipeline *p, qr_error *err);

/* While a run waits for input (a stream with nothing ready), on the
 * thread that runs the ordered steps: every ordered step with a flush()
 * (qr_step_def, ABI 1.1; export to standard output or a pipe) writes out
 * what it holds, and stdout is flushed (Lua's print, older modules), so a
 * stream's results show as its records come. 0, or -1 with err
 * ("step 'NAME': cannot write…", with the step's position). */
int qr_pipeline_flush(qr_pipeline *p, qr_error *err);

/* Marks the start of a run (qr_run calls it). A pipeline with steps that
 * have finish() (exports, corpus statistics: their output is written once)
 * runs once per load: a second run, or process_doc after a run, is refused
 * with "this pipeline has already run; load it again…". Returns 0 or -1. */
int qr_pipeline_begin_run(qr_pipeline *p, qr_error *err);

/* Substitutes ${…} in s (vars: "name=value" pairs, NULL-terminated, searched
 * first; then the environment). Newly allocated, or NULL with err (message
 * only; the caller adds the position). Exposed for tests and the Lua binding. */
char *qr_vars_expand(const char *s, const char *const *vars, qr_error *err);

#endif
