/*
 * paths — expands reader inputs (files, folders, globs, "-") into a list of
 * files in reading order. Private to core/io.
 */
#ifndef QR_IO_PATHS_H
#define QR_IO_PATHS_H

#include <stddef.h>
#include <stdint.h>
#include "quarry_module.h"

typedef struct qr_file_list {
    char **v;          /* malloc'd paths; "-" is standard input */
    char **name;       /* the same, cleaned for display (ids, messages):
                          "a/./b/../c" -> "a/c"                  */
    int64_t *size;     /* size in bytes, -1 for stdin            */
    size_t n, cap;
    /* Set by the caller before expanding: the run's outputs (absolute,
     * cleaned, NULL-terminated). A folder walk or a glob does not take
     * them, files in them (folder outputs), nor their temporary files
     * (OUTPUT.tmp-…), and lists the first two kinds in `skipped` (display
     * names); a path given by name is taken. */
    const char *const *outputs;
    char **skipped;
    size_t n_skipped;
    char **empty;      /* folders given that held no file to read (display
                          names): hidden files and outputs only, or none */
    size_t n_empty;
    char *cwd;         /* the working folder, read once for `outputs` */
    int from_pipeline; /* set by the caller: the paths are the pipeline's
                          input.paths (a missing one gets the hint that
                          they resolve against the pipeline's folder) */
} qr_file_list;

/* Appends the expansion of each path to `out`. Folders are walked
 * recursively (byte order, hidden entries skipped); globs go through
 * glob(3). Returns 0, or -1 with err (missing path, glob without match,
 * unreadable file or folder). */
int qr_paths_expand(const char *const *paths, size_t n, qr_file_list *out,
                    qr_error *err);
void qr_file_list_free(qr_file_list *l);

/* Lexical clean-up of a path, as Go's path.Clean: repeated and trailing
 * slashes, "." components and "dir/.." pairs go. Newly allocated. */
char *qr_path_clean(const char *path);
/* The same, made absolute first (against the working folder). */
char *qr_path_absolute(const char *path);

#endif
