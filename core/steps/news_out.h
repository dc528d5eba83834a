/*
 * news_out — output-file helpers shared by the news exports (sqlite, html,
 * displacy, brat) and cooccur: every output is written under a temporary
 * name next to its final path and renamed into place at the end, so an
 * interrupted run never leaves a half-written file that looks complete.
 */
#ifndef QR_NEWS_OUT_H
#define QR_NEWS_OUT_H

#include <stdint.h>
#include <stdio.h>
#include "quarry_module.h"
#include "utf8.h"

/* Creates the folders above `path` and returns a newly allocated temporary
 * name for it ("path.tmp-PID"), removing a stale one. NULL with err. */
char *qr_out_temp_path(const char *path, qr_error *err);
/* Creates folder `dir` and its parents. 0 or -1 with err. */
int qr_out_mkdirs(const char *dir, qr_error *err);
/* rename(tmp, path) with a readable error. */
int qr_out_commit(const char *tmp, const char *path, qr_error *err);
/* Removes a file or a folder tree (for a temporary folder). */
void qr_out_remove_tree(const char *path);

/* The required `path` option of an output step: a non-empty string,
 * resolved against the pipeline (ctx), and its temporary name from
 * qr_out_temp_path. Without it the error is `missing` (as in "export_html
 * needs `path`, the page to write"), marked at the option. 0, or -1 with
 * err; *path and *tmp hold what was allocated either way (caller frees). */
int qr_out_path_opt(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx,
                    const char *missing, char **path, char **tmp, qr_error *err);
/* (Under quarry check, qr_step_ctx_checking, the path is only checked: *tmp
 * is NULL, and the step creates nothing.) */
/* Closes f, the file `name` being written: "cannot write NAME: …" when a
 * write to it or the close failed. 0 or -1 with err. */
int qr_out_close(FILE *f, const char *name, qr_error *err);
/* Frees path and tmp, removing the temporary file or folder first unless
 * the output was committed (done). */
void qr_out_release(char *path, char *tmp, int done);

/* Writes s[0..n) with & < > " ' escaped. */
void qr_out_html(FILE *f, const char *s, size_t n);


/* A string → (count, documents) table for corpus totals. Keys are copied. */
typedef struct qr_counter_item {
    char *key;
    long count, docs;
    uint64_t last_doc;
} qr_counter_item;
typedef struct qr_counter {
    qr_counter_item *v;
    size_t cap, n;
} qr_counter;

/* Adds `by` to key's count and counts document `doc` once. 0 or -1 (OOM). */
int qr_counter_add(qr_counter *c, const char *key, long by, uint64_t doc);
/* Items sorted by count, then docs (descending), then key; caller frees
 * the array (not the keys). NULL on OOM or when empty (*n = 0). */
qr_counter_item *qr_counter_sorted(const qr_counter *c, size_t *n);
/* The count of key (0 if absent). */
long qr_counter_get(const qr_counter *c, const char *key);
void qr_counter_free(qr_counter *c);

#endif
