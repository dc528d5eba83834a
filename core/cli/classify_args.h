/* Command-line options shared by `quarry train` and `quarry eval`
 * (cmd_train.c parses them for both). */
#ifndef QR_CLI_CLASSIFY_ARGS_H
#define QR_CLI_CLASSIFY_ARGS_H

#include "classify/dataset.h"
#include "registry.h"

typedef struct cls_args {
    qr_dataset_opts ds;
    const char **inputs, **vars;
    size_t n_inputs, n_vars;
    const char *output;      /* train: -o */
    int json, quiet, jobs;
} cls_args;

/* Returns 0, 1 for --help, or 2 (message printed). */
int cls_parse_args(const char *cmd, int argc, char **argv, cls_args *a);
void cls_args_free(cls_args *a);
/* "quarry CMD: not read, as outputs or files of the pipeline: a, b and 2 more" on
 * stderr when a folder walk or a glob passed over such files. */
void cli_print_not_read(const char *cmd, const qr_dataset *d);

#endif
