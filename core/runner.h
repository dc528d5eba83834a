/*
 * runner — runs a pipeline over a corpus: N threads (the calling thread and
 * N - 1 workers) run the parallel steps; the ordered stage runs on the
 * CALLING thread.
 *
 * Steps before the first QR_STEP_ORDERED step run on any of the N threads
 * (each has its own qr_pipeline_thread); that step and every later one run
 * on the calling thread, one document at a time, in input order. So output
 * is byte-identical for every `jobs`, and a step bound to the caller's Lua
 * state (a plain Lua function in q.pipeline{…}) is safe when flagged
 * ORDERED. Reading is a role, not a thread: one thread at a time reads the
 * next batch into the window when work runs short. Memory is bounded by the
 * in-flight window (at most max(512, 64 x jobs) records and about
 * 1 MB + 256 KB x jobs of text), never by corpus size; each thread lends
 * its token and sentence buffers to the document it runs and takes them
 * back, unless an ordered step reads them (runner.c). Hand-offs between
 * threads are batched. With jobs == 1 there are no threads: the calling
 * thread reads and runs every step.
 *
 * Errors: every step error under skip/drop and every malformed input record
 * is written (in input order) to the errors file as one JSON line
 * {"id","step","message","file","line"}; under `fail` the run stops after
 * writing it, steps' finish() is NOT called (exports then discard their
 * temporary files in free()), and qr_run returns -1 with err set to
 * "document 'ID' failed at step 'NAME' (FILE:LINE:COL): message".
 *
 * Every document read is accounted for: read = written + dropped + failed.
 * The core never prints: progress comes through a callback on the calling
 * thread; the CLI draws it and the summary.
 */
#ifndef QR_RUNNER_H
#define QR_RUNNER_H

#include <pthread.h>
#include <stdint.h>
#include "pipeline.h"

typedef struct qr_progress {
    uint64_t docs;         /* documents finished                         */
    uint64_t bytes;        /* input bytes consumed                       */
    uint64_t total_bytes;  /* 0 if unknown (stdin, .gz)                  */
    double seconds;        /* since the start                            */
} qr_progress;

typedef struct qr_run_opts {
    const char *const *inputs;  /* override input.paths; NULL-terminated, or NULL */
    int jobs;                   /* threads, the caller's included; <= 0: cores  */
    const char *errors_path;    /* overrides the pipeline's `errors:`; NULL: keep */
    /* A file the caller writes after the run (quarry run --stats), or NULL:
     * refused before anything is read if it is an input, an output, a file
     * the pipeline reads or the errors file; its folder is made. */
    const char *stats_path;
    void (*progress)(void *ud, const qr_progress *pr); /* about 4×/s, or NULL   */
    void *progress_ud;
    /* When *cancel becomes non-zero (a signal handler may set it), the run
     * stops after the record in hand, or while it waits for input from a
     * stream, as under on_error: fail (no finish(), so exports publish
     * nothing) and qr_run returns -1 with summary->interrupted set. Every
     * thread of the run reads it with atomic loads: set it with an atomic
     * store (__atomic_store_n, as the CLI's handler does). NULL: not
     * cancellable. */
    const volatile int *cancel;
    /* Called on the calling thread, once per worker thread, when the run
     * sees *cancel set: a caller may signal the thread (pthread_kill) so
     * that its handler interrupts a Lua step busy with one document
     * (lq_interrupt_running). NULL: workers finish the record in hand. */
    void (*interrupt)(void *ud, pthread_t worker);
    void *interrupt_ud;
} qr_run_opts;

typedef struct qr_step_stats {
    char *name;            /* step name (name: or type)                  */
    double seconds;        /* summed over threads                        */
    uint64_t errors;       /* errors of this step (all policies)         */
} qr_step_stats;

typedef struct qr_run_summary {
    uint64_t read;         /* records read (incl. malformed ones)        */
    uint64_t written;      /* documents that went through every step     */
    uint64_t dropped;      /* dropped on purpose (filter, Lua false)     */
    uint64_t failed;       /* malformed, or failed under drop/fail       */
    uint64_t skipped;      /* step errors skipped (docs kept)            */
    uint64_t unfinished;   /* a run that stopped: records read but not yet
                              through every step (not in `read`)       */
    uint64_t bytes;        /* input bytes                                */
    double seconds;        /* wall clock                                 */
    int jobs;
    int stopped;           /* 1: stopped by an on_error: fail            */
    int interrupted;       /* 1: stopped through opts->cancel            */
    int stats_ok;          /* 1: opts->stats_path passed its checks: the
                              caller may write it                       */
    const char *errors_path; /* where errors went (NULL if nowhere; points into opts/pipeline) */
    size_t n_steps;
    qr_step_stats *steps;  /* owned; qr_run_summary_free                 */
    char **not_read;       /* owned: files a folder walk or glob passed
                              over as outputs of this run (an export's
                              file, its temporary file, the errors file) */
    size_t n_not_read;
    char **empty_folders;  /* owned: input folders with no file to read  */
    size_t n_empty_folders;
} qr_run_summary;

/* Returns 0 when every document went through (exit 0), 1 when some failed
 * or were skipped under skip/drop (exit 1), -1 on a stop or a fatal error
 * (err set; the summary is still filled with what happened). */
int qr_run(qr_pipeline *p, const qr_run_opts *opts, qr_run_summary *summary,
           qr_error *err);

void qr_run_summary_free(qr_run_summary *s);

/* Number of online CPUs (at least 1). */
int qr_cpu_count(void);

#endif
