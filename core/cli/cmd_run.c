/* quarry run / check / steps — YAML pipelines from the command line. */
#include "cli.h"
#include "error.h"
#include "lq.h"
#include "module.h"
#include "pipeline.h"
#include "registry.h"
#include "runner.h"
#include "value.h"
#include "io/paths.h"
#include "io/reader.h"

#include <errno.h>
#include <signal.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* {==================================================================
 * Shared
 * =================================================================== */
/* Every built-in step and the Lua steps; NULL (message printed) on failure. */
qr_registry *cli_registry_new(void)
{
    qr_error err;
    qr_error_clear(&err);
    qr_registry *reg = qr_registry_new();
    if (!reg) {
        fprintf(stderr, "quarry: out of memory\n");
        return NULL;
    }
    if (qr_registry_add_builtins(reg, &err) != 0 || lq_register_steps(reg, &err) != 0) {
        fprintf(stderr, "quarry: cannot register the built-in steps: %s\n", err.message);
        qr_registry_free(reg);
        return NULL;
    }
    return reg;
}

/* "file:line:col: message" on stderr (shared by the pipeline verbs). */
void cli_print_error(const qr_error *err)
{
    char buf[2048];
    fprintf(stderr, "%s\n", qr_error_format(err, buf, sizeof buf));
}

typedef struct args {
    const char *pipeline;
    const char **inputs;
    size_t n_inputs;
    const char **vars;
    size_t n_vars;
    const char *errors;
    const char *stats;
    int jobs, quiet;
} args;

static void args_free(args *a)
{
    free(a->inputs);
    free(a->vars);
}

/* Parses the options shared by run and check. Returns 0, 1 for --help, or 2. */
static int parse_args(const char *cmd, int argc, char **argv, int allow_run_opts, args *a)
{
    memset(a, 0, sizeof *a);
    a->inputs = calloc((size_t)argc + 1, sizeof *a->inputs);
    a->vars = calloc((size_t)argc + 1, sizeof *a->vars);
    if (!a->inputs || !a->vars)
        return cli_usage_error(cmd, "out of memory");
    int only_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *val = NULL;
        if (!only_args && cli_is_help(s))
            return 1;
        if (!only_args && !strcmp(s, "--")) {
            only_args = 1;
            continue;
        }
        if (!only_args && (!strcmp(s, "--set") || !strncmp(s, "--set=", 6))) {
            val = s[5] == '=' ? s + 6 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val || !strchr(val, '=') || *val == '=')
                return cli_usage_error(cmd, "--set needs NAME=VALUE, as in --set out=/tmp/out");
            /* the last --set of a name wins, as a wrapper script that
             * adds its own after the defaults expects */
            size_t name_len = (size_t)(strchr(val, '=') - val), k = 0;
            while (k < a->n_vars && !(!strncmp(a->vars[k], val, name_len) && a->vars[k][name_len] == '='))
                k++;
            a->vars[k] = val;
            if (k == a->n_vars)
                a->n_vars++;
        } else if (allow_run_opts && !only_args &&
                   (!strcmp(s, "-j") || !strcmp(s, "--jobs") || !strncmp(s, "--jobs=", 7) ||
                    (!strncmp(s, "-j", 2) && s[2]))) {
            val = !strncmp(s, "--jobs=", 7) ? s + 7 : (s[1] == 'j' && s[2]) ? s + 2
                : (i + 1 < argc ? argv[++i] : NULL);
            if (cli_parse_jobs(cmd, val, 1024, &a->jobs) != 0)
                return 2;
        } else if (allow_run_opts && !only_args && (!strcmp(s, "--errors") || !strncmp(s, "--errors=", 9))) {
            val = s[8] == '=' ? s + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val || !*val)
                return cli_usage_error(cmd, "--errors needs a file name (JSON lines; '-' for stderr)");
            a->errors = val;
        } else if (allow_run_opts && !only_args && (!strcmp(s, "--stats") || !strncmp(s, "--stats=", 8))) {
            val = s[7] == '=' ? s + 8 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val || !*val)
                return cli_usage_error(cmd, "--stats needs a file name (JSON; '-' for stderr)");
            a->stats = val;
        } else if (allow_run_opts && !only_args && (!strcmp(s, "--quiet") || !strcmp(s, "-q"))) {
            a->quiet = 1;
        } else if (!only_args && s[0] == '-' && s[1]) {
            static const char *const run_opts[] = {"--set", "--jobs", "--errors", "--stats", "--quiet", "--help", NULL};
            static const char *const check_opts[] = {"--set", "--help", NULL};
            return cli_unknown_option(cmd, s, allow_run_opts ? run_opts : check_opts);
        } else if (!a->pipeline) {
            a->pipeline = s;
        } else if (allow_run_opts) {
            a->inputs[a->n_inputs++] = s;
        } else {
            return cli_usage_error(cmd, "unexpected argument '%s'; 'quarry %s' takes one pipeline", s, cmd);
        }
    }
    if (!a->pipeline)
        return cli_usage_error(cmd, "no pipeline given; see 'quarry %s --help'", cmd);
    return 0;
}

/* }================================================================== */

/* {==================================================================
 * quarry run
 * =================================================================== */
static void draw_progress(void *ud, const qr_progress *pr)
{
    (void)ud;
    double mb = (double)pr->bytes / 1e6;
    double rate = pr->seconds > 0 ? mb / pr->seconds : 0;
    char eta[48] = "";
    if (pr->total_bytes && pr->bytes && rate > 0) {
        double left = ((double)pr->total_bytes - (double)pr->bytes) / 1e6 / rate;
        if (left < 0)
            left = 0;
        snprintf(eta, sizeof eta, ", %3.0f%%, ETA %d:%02d",
                 100.0 * (double)pr->bytes / (double)pr->total_bytes, (int)left / 60, (int)left % 60);
    }
    fprintf(stderr, "\r\033[K%llu documents, %.1f MB, %.1f MB/s%s",
            (unsigned long long)pr->docs, mb, rate, eta);
    fflush(stderr);
}

/* The first three names, then how many more, on stderr. */
static void print_names(char *const *names, size_t n)
{
    for (size_t i = 0; i < n && i < 3; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", names[i]);
    if (n > 3)
        fprintf(stderr, " and %zu more", n - 3);
}

/* ended: the run stopped before its end (an error, a signal): its files
 * were not published. */
static void print_summary(const qr_run_summary *s, int ended)
{
    double mb = (double)s->bytes / 1e6;
    fprintf(stderr, "quarry: read %llu = written %llu + dropped %llu + failed %llu",
            (unsigned long long)s->read, (unsigned long long)s->written,
            (unsigned long long)s->dropped, (unsigned long long)s->failed);
    if (s->skipped)
        fprintf(stderr, "; %llu step error%s skipped", (unsigned long long)s->skipped,
                s->skipped == 1 ? "" : "s");
    if ((s->failed || s->skipped) && s->errors_path)
        fprintf(stderr, " (see %s)", strcmp(s->errors_path, "-") ? s->errors_path : "stderr");
    else if (s->failed || s->skipped)
        fprintf(stderr, " (use --errors FILE to keep the details)");
    if (ended && s->written)
        fprintf(stderr, "\nquarry: the run stopped: no output file was published (what was written to "
                        "standard output stays)");
    if (ended && s->unfinished)
        fprintf(stderr, "\nquarry: %llu more record%s had been read but not yet accounted for when the run stopped",
                (unsigned long long)s->unfinished, s->unfinished == 1 ? "" : "s");
    if (s->n_not_read) {
        fprintf(stderr, "\nquarry: not read, as outputs or files of the pipeline: ");
        print_names(s->not_read, s->n_not_read);
    }
    if (s->n_empty_folders) {
        fprintf(stderr, "\nquarry: no file to read in %s ", s->n_empty_folders == 1 ? "the folder" : "the folders");
        print_names(s->empty_folders, s->n_empty_folders);
        fprintf(stderr, " (hidden files are passed over)");
    }
    fprintf(stderr, "\nquarry: %.2f MB in %.2f s (%.2f MB/s), %d job%s\n", mb, s->seconds,
            s->seconds > 0 ? mb / s->seconds : 0.0, s->jobs, s->jobs == 1 ? "" : "s");
    double total = 0;
    size_t width = 4;
    for (size_t i = 0; i < s->n_steps; i++) {
        total += s->steps[i].seconds;
        if (strlen(s->steps[i].name) > width)
            width = strlen(s->steps[i].name);
    }
    fprintf(stderr, "  %-*s %10s %6s %7s\n", (int)width, "step", "seconds", "share", "errors");
    for (size_t i = 0; i < s->n_steps; i++)
        fprintf(stderr, "  %-*s %10.3f %5.1f%% %7llu\n", (int)width, s->steps[i].name, s->steps[i].seconds,
                total > 0 ? 100.0 * s->steps[i].seconds / total : 0.0,
                (unsigned long long)s->steps[i].errors);
}

/* --stats: the summary as one JSON object. */
static int write_stats(const char *path, const qr_run_summary *s, int status)
{
    json_t *o = json_object(), *steps = json_array();
    json_object_set_new(o, "status", json_integer(status));
    json_object_set_new(o, "read", json_integer((json_int_t)s->read));
    json_object_set_new(o, "written", json_integer((json_int_t)s->written));
    json_object_set_new(o, "dropped", json_integer((json_int_t)s->dropped));
    json_object_set_new(o, "failed", json_integer((json_int_t)s->failed));
    json_object_set_new(o, "skipped", json_integer((json_int_t)s->skipped));
    json_object_set_new(o, "unfinished", json_integer((json_int_t)s->unfinished));
    json_object_set_new(o, "bytes", json_integer((json_int_t)s->bytes));
    json_object_set_new(o, "seconds", json_real(s->seconds));
    json_object_set_new(o, "jobs", json_integer(s->jobs));
    json_object_set_new(o, "stopped", json_boolean(s->stopped || s->interrupted));
    for (size_t i = 0; i < s->n_steps; i++) {
        json_t *st = json_object();
        json_object_set_new(st, "name", json_string(s->steps[i].name));
        json_object_set_new(st, "seconds", json_real(s->steps[i].seconds));
        json_object_set_new(st, "errors", json_integer((json_int_t)s->steps[i].errors));
        json_array_append_new(steps, st);
    }
    json_object_set_new(o, "steps", steps);
    int rc = strcmp(path, "-") ? json_dump_file(o, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6))
                               : json_dumpf(o, stderr, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    if (!strcmp(path, "-"))
        fputc('\n', stderr);
    json_decref(o);
    if (rc != 0)
        fprintf(stderr, "quarry run: cannot write the stats file %s: %s\n", path, strerror(errno));
    return rc;
}

static void run_usage(FILE *f)
{
    fprintf(f,
        "usage: quarry run PIPELINE [INPUT...] [-j N] [--set NAME=VALUE]... [--errors FILE]\n"
        "                  [--stats FILE] [--quiet]\n"
        "\n"
        "Runs a YAML pipeline over a corpus. INPUTs (files, folders, globs, '-' for stdin;\n"
        ".gz read transparently) replace the pipeline's input.paths. Standard input and\n"
        "pipes are read as data arrives (tail -f log | quarry run p.yaml -): each record\n"
        "runs when its line is complete, and exports to stdout write while input waits.\n"
        "Folders and globs pass over hidden files, the run's outputs and the pipeline's own\n"
        "files (lists, scripts, models: 'quarry check' lists them); a file named is read.\n"
        "\n"
        "Options:\n"
        "  -j, --jobs N        threads that run the steps, the calling one included\n"
        "                      (default: the number of cores); the output is\n"
        "                      byte-identical for every N\n"
        "  --set NAME=VALUE    set the variable ${NAME} (wins over vars: and the environment)\n"
        "  --stats FILE        write the summary there as JSON ('-' = stderr): counts,\n"
        "                      bytes, seconds, and per step its time and errors (not\n"
        "                      an input, an output or a file of the pipeline)\n"
        "  --errors FILE       write failed or skipped documents there as JSON lines\n"
        "                      {id, step, message, file, line} (wins over errors:; '-' = stderr)\n"
        "  -q, --quiet         no summary and no progress line\n"
        "\n"
        "The summary on stderr accounts for every record: read = written + dropped + failed,\n"
        "with the time spent in each step. A progress line is drawn when stderr is a terminal.\n"
        "\n"
        "Exit status: 0 every document went through; 1 some documents failed (on_error:\n"
        "skip/drop, or a stop under on_error: fail); 2 configuration, usage or input error,\n"
        "or an output that can no longer be written (a full disk);\n"
        "130 interrupted by Ctrl-C, 143 by SIGTERM, 141 when standard output was closed\n"
        "(| head): the run stops cleanly, nothing half-written is published.\n"
        "See docs/pipelines.md.\n");
}

static void check_usage(FILE *f);

/* Parses the arguments of run or check and loads the pipeline. Returns -1
 * when the caller goes on with *reg and *p set; otherwise the exit status
 * (0 after printing the usage for --help), with everything freed. */
static int open_pipeline(const char *cmd, int argc, char **argv, int allow_run_opts,
                         void (*usage)(FILE *), args *a, qr_registry **reg, qr_pipeline **p)
{
    int rc = parse_args(cmd, argc, argv, allow_run_opts, a);
    if (rc == 1) {
        usage(stdout);
        args_free(a);
        return 0;
    }
    if (rc != 0) {
        args_free(a);
        return rc;
    }
    if (!(*reg = cli_registry_new())) {
        args_free(a);
        return 2;
    }
    qr_error err;
    qr_error_clear(&err);
    qr_pipeline_opts po = {.vars = a->vars, .jobs = allow_run_opts ? a->jobs : 1,
                           .check_only = !allow_run_opts};
    if (!(*p = qr_pipeline_load_yaml(a->pipeline, *reg, &po, &err))) {
        cli_print_error(&err);
        qr_registry_free(*reg);
        args_free(a);
        return 2;
    }
    return -1;
}

int cmd_run(int argc, char **argv)
{
    args a;
    qr_registry *reg;
    qr_pipeline *p;
    int rc = open_pipeline("run", argc, argv, 1, run_usage, &a, &reg, &p);
    if (rc >= 0)
        return rc;
    qr_error err;
    qr_error_clear(&err);
    qr_run_opts ro = {
        .inputs = a.n_inputs ? a.inputs : NULL,
        .jobs = a.jobs,
        .errors_path = a.errors,
        .stats_path = a.stats,
        .progress = !a.quiet && isatty(2) ? draw_progress : NULL,
        .cancel = cli_cancel_flag(),
        .interrupt = cli_interrupt_worker,
    };
    cli_catch_interrupts(NULL);    /* Ctrl-C, SIGTERM: the run stops cleanly */
    cli_catch_broken_pipe();       /* so does | head */
    qr_run_summary sum;
    rc = qr_run(p, &ro, &sum, &err);
    if (ro.progress)
        fprintf(stderr, "\r\033[K");
    if (rc < 0 && sum.interrupted && cli_interrupt_signal() == SIGPIPE)
        fprintf(stderr, "standard output was closed (broken pipe) after %llu records; "
                        "no output file was published\n", (unsigned long long)sum.read);
    else if (rc < 0)
        cli_print_error(&err);
    if (!a.quiet && (rc >= 0 || sum.stopped || sum.interrupted || sum.read > 0))
        print_summary(&sum, rc < 0);
    int status = rc == 0 ? 0 : rc == 1 ? 1 : sum.interrupted ? 128 + cli_interrupt_signal() : sum.stopped ? 1 : 2;
    if (a.stats && (sum.stats_ok || !strcmp(a.stats, "-")) && write_stats(a.stats, &sum, status) != 0 &&
        status == 0)
        status = 2;
    qr_run_summary_free(&sum);
    qr_pipeline_free(p);
    qr_registry_free(reg);
    args_free(&a);
    return status;
}

/* }================================================================== */

/* {==================================================================
 * quarry check
 * =================================================================== */
static void check_usage(FILE *f)
{
    fprintf(f,
        "usage: quarry check PIPELINE [--set NAME=VALUE]...\n"
        "\n"
        "Validates a YAML pipeline without reading any document: unknown steps and options\n"
        "(with the closest name), types, missing files, bad regexes, every step's set-up.\n"
        "On success prints the pipeline as it will run: variables substituted, every\n"
        "option with its default, and where each step runs (parallel workers, or in input\n"
        "order on the writer), then the files a run writes and those it reads besides its\n"
        "input (a folder walk or glob over the input passes over both).\n"
        "Errors are printed as FILE:LINE:COL: message; exit 2.\n");
}

int cmd_check(int argc, char **argv)
{
    args a;
    qr_registry *reg;
    qr_pipeline *p;
    int rc = open_pipeline("check", argc, argv, 0, check_usage, &a, &reg, &p);
    if (rc >= 0)
        return rc;
    size_t n = qr_pipeline_step_count(p), split = qr_pipeline_ordered_from(p);
    printf("# %s: valid, %zu step%s\n", a.pipeline, n, n == 1 ? "" : "s");
    if (*qr_pipeline_name(p))
        printf("name: %s\n", qr_pipeline_name(p));
    if (qr_pipeline_input(p)) {
        char *s = qr_value_to_flow(qr_pipeline_input(p));
        printf("input: %s\n", s ? s : "?");
        free(s);
    }
    if (qr_pipeline_errors_path(p))
        printf("errors: %s\n", qr_pipeline_errors_path(p));
    printf("steps:\n");
    for (size_t i = 0; i < n; i++) {
        const qr_step_def *d = qr_pipeline_step_def(p, i);
        qr_value *o = qr_value_copy(qr_pipeline_step_options(p, i));
        if (!o) {
            fprintf(stderr, "quarry: out of memory\n");
            break;
        }
        if (strcmp(qr_pipeline_step_name(p, i), d->name))
            qr_value_map_set(o, "name", qr_value_new_string(qr_pipeline_step_name(p, i)));
        qr_on_error oe = qr_pipeline_step_on_error(p, i);
        if (oe != QR_ON_ERROR_FAIL)
            qr_value_map_set(o, "on_error", qr_value_new_string(oe == QR_ON_ERROR_SKIP ? "skip" : "drop"));
        char *s = qr_value_to_flow(o);
        printf("  - %s: %s    # %s\n", d->name, s ? s : "?",
               i < split ? "parallel workers" : "in input order");
        free(s);
        qr_value_free(o);
    }
    /* what a run writes, and reads besides its input: folder walks and
     * globs over the input pass over them */
    char cwd[4096];
    size_t nc = getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
    const char *ep = qr_pipeline_errors_path(p);
    char *errors = ep && strcmp(ep, "-") ? qr_path_absolute(ep) : NULL;
    for (int k = 0; k < 2; k++) {
        size_t m = k == 0 ? qr_pipeline_output_count(p) : qr_pipeline_own_file_count(p);
        size_t shown = m + (k == 0 && errors);
        if (shown)
            printf("# %s", k == 0 ? "writes:" : "reads besides its input:");
        for (size_t i = 0; i < shown; i++) {
            const char *f = i == m ? errors : k == 0 ? qr_pipeline_output(p, i) : qr_pipeline_own_file(p, i);
            if (nc > 1 && !strncmp(f, cwd, nc) && f[nc] == '/')
                f += nc + 1;        /* shown from the working folder */
            printf("%s %s%s", i ? "," : "", f, i == m ? " (errors)" : "");
        }
        if (shown)
            printf("\n");
    }
    free(errors);
    qr_pipeline_free(p);
    qr_registry_free(reg);
    args_free(&a);
    return 0;
}

/* }================================================================== */

/* {==================================================================
 * quarry steps
 * =================================================================== */
static const char *type_text(const qr_option_def *d, char *buf, size_t n)
{
    switch (d->type) {
    case QR_OPT_BOOL: return "bool";
    case QR_OPT_INT: return "int";
    case QR_OPT_NUMBER: return "number";
    case QR_OPT_STRING: return "string";
    case QR_OPT_ENUM:
        snprintf(buf, n, "%s", d->choices ? d->choices : "enum");
        return buf;
    case QR_OPT_PATH:   /* a shared file (a cache) is read as well: not an output */
        return (d->flags & (QR_OPT_WRITTEN | QR_OPT_SHARED)) == QR_OPT_WRITTEN ? "output path" : "path";
    case QR_OPT_STRING_LIST: return "string list";
    case QR_OPT_LIST: return "list";
    case QR_OPT_MAP: return "map";
    case QR_OPT_ANY: return "any";
    }
    return "?";
}

/* The options table of `quarry steps NAME`; `on_error_help` adds the
 * on_error row (its type, fail|skip|drop, sets the minimum column width). */
static void print_options(const qr_option_def *defs, int common, const char *on_error_help)
{
    char tbuf[128];
    size_t wn = 8, wt = on_error_help ? strlen("fail|skip|drop") : 6;
    for (const qr_option_def *d = defs; d && d->name; d++) {
        if (strlen(d->name) > wn)
            wn = strlen(d->name);
        if (strlen(type_text(d, tbuf, sizeof tbuf)) > wt)
            wt = strlen(type_text(d, tbuf, sizeof tbuf));
    }
    printf("  %-*s  %-*s  %-12s  %s\n", (int)wn, "option", (int)wt, "type", "default", "");
    for (const qr_option_def *d = defs; d && d->name; d++) {
        const char *def = d->flags & QR_OPT_REQUIRED ? "(required)" : d->default_str ? d->default_str : "-";
        printf("  %-*s  %-*s  %-12s  %s\n", (int)wn, d->name, (int)wt, type_text(d, tbuf, sizeof tbuf),
               def, d->help ? d->help : "");
    }
    if (common)
        printf("  %-*s  %-*s  %-12s  %s\n", (int)wn, "name", (int)wt, "string", "(the type)",
               "label for errors and timings");
    if (on_error_help)
        printf("  %-*s  %-*s  %-12s  %s\n", (int)wn, "on_error", (int)wt, "fail|skip|drop", "fail",
               on_error_help);
}

/* A Markdown table cell: '|' escaped, never empty. */
static void md_cell(const char *s)
{
    if (!s || !*s) {
        fputs(" ", stdout);
        return;
    }
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", stdout);
        else
            putchar(*s);
    }
}

static void md_options(const qr_option_def *defs, int common)
{
    char tbuf[128];
    printf("| option | type | default | meaning |\n|---|---|---|---|\n");
    for (const qr_option_def *d = defs; d && d->name; d++) {
        printf("| `%s` | ", d->name);
        md_cell(type_text(d, tbuf, sizeof tbuf));
        printf(" | ");
        if (d->flags & QR_OPT_REQUIRED)
            fputs("required", stdout);
        else if (d->default_str) {
            putchar('`');
            md_cell(*d->default_str ? d->default_str : "''");
            putchar('`');
        } else
            fputs("-", stdout);
        printf(" | ");
        md_cell(d->help);
        printf(" |\n");
    }
    if (common) {
        printf("| `name` | string | the step's type | label for errors and timings |\n");
        printf("| `on_error` | fail\\|skip\\|drop | `fail` | on a failure: stop the run, keep the "
               "document as before the step, or drop it |\n");
    }
}

/* `quarry steps --markdown`: the reference page (docs/steps.md). */
static void md_reference(const qr_registry *reg)
{
    printf("# Steps reference\n\n"
           "Generated by `quarry steps --markdown` from the declarations the validator uses\n"
           "(`quarry check`), so it lists exactly what a pipeline accepts. Every step also\n"
           "takes `name:` and `on_error:`; see [pipelines.md](pipelines.md).\n\n");
    for (size_t i = 0; i < qr_registry_count(reg); i++) {
        const qr_step_def *d = qr_registry_at(reg, i);
        printf("- [`%s`](#%s): %s\n", d->name, d->name, d->description ? d->description : "");
    }
    printf("- [`input`](#input): the input: section\n");
    for (size_t i = 0; i < qr_registry_count(reg); i++) {
        const qr_step_def *d = qr_registry_at(reg, i);
        const char *desc = d->description ? d->description : "";
        printf("\n## %s\n\n%c%s%s\n", d->name,
               *desc >= 'a' && *desc <= 'z' ? *desc - 'a' + 'A' : *desc ? *desc : ' ',
               *desc ? desc + 1 : "", *desc && desc[strlen(desc) - 1] != '.' ? "." : "");
        if (d->flags & (QR_STEP_ORDERED | QR_STEP_MODIFIES_TEXT))
            printf("%s%s\n", d->flags & QR_STEP_ORDERED ? "Runs in input order on the writer thread (it and every later step). " : "",
                   d->flags & QR_STEP_MODIFIES_TEXT ? "Changes the text (put it before tokenize)." : "");
        printf("\n");
        md_options(d->options, 1);
    }
    printf("\n## input\n\nWhere documents come from; inputs given on the command line replace `paths`.\n\n");
    md_options(qr_input_option_defs, 0);
    printf("| `on_error` | fail\\|skip\\|drop | `fail` | a malformed record: stop the run, or log it and go on |\n");
}

static void steps_usage(FILE *f)
{
    fprintf(f,
        "usage: quarry steps [--module FILE]... [--markdown] [NAME]\n"
        "\n"
        "Lists every step a pipeline can use with a one-line description; with NAME, that\n"
        "step's options: type, default and meaning. 'quarry steps input' shows the options\n"
        "of a pipeline's input: section. Every step also takes name: and on_error:.\n"
        "\n"
        "  --module FILE   also list the steps of this C module (a .so path, or a bare\n"
        "                  name looked up as NAME.so in QUARRY_MODULE_PATH); repeatable.\n"
        "                  See docs/modules.md.\n"
        "  --markdown      print the reference of every step as Markdown (docs/steps.md)\n");
}

static int cmd_steps_listed(int argc, char **argv, const char *const *mods, size_t n_mods);

/* Takes the --module options out of argv (kept in mods). */
static int steps_modules(int *argc, char **argv, const char **mods, size_t *n_mods)
{
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        const char *v = !strcmp(argv[i], "--module") ? (i + 1 < *argc ? argv[++i] : "")
                        : !strncmp(argv[i], "--module=", 9) ? argv[i] + 9 : NULL;
        if (!v) {
            argv[kept++] = argv[i];
            continue;
        }
        if (!*v)
            return cli_usage_error("steps", "--module needs the path of a .so file, or a module name "
                                   "looked up in QUARRY_MODULE_PATH");
        mods[(*n_mods)++] = v;
    }
    *argc = kept;
    return 0;
}

static int load_modules(qr_registry *reg, const char *const *mods, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        qr_error err;
        qr_error_clear(&err);
        char *path = qr_module_find(mods[i], NULL, &err);
        int rc = path ? qr_module_load(reg, path, &err) : -1;
        free(path);
        if (rc != 0) {
            fprintf(stderr, "quarry steps: %s\n", err.message);
            return -1;
        }
    }
    return 0;
}

int cmd_steps(int argc, char **argv)
{
    const char **mods = calloc((size_t)argc + 1, sizeof *mods);
    size_t n_mods = 0;
    if (!mods || steps_modules(&argc, argv, mods, &n_mods) != 0) {
        free(mods);
        return 2;
    }
    int status = cmd_steps_listed(argc, argv, mods, n_mods);
    free(mods);
    return status;
}

static int cmd_steps_listed(int argc, char **argv, const char *const *mods, size_t n_mods)
{
    if (argc > 1 && cli_is_help(argv[1])) {
        steps_usage(stdout);
        return 0;
    }
    int markdown = 0, kept = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--markdown"))
            markdown = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_unknown_option("steps", argv[i], (const char *const[]){"--markdown", "--module", "--help", NULL});
        else
            argv[kept++] = argv[i];
    }
    argc = kept;
    if (markdown && argc > 1)
        return cli_usage_error("steps", "--markdown prints every step; give no step name with it");
    if (argc > 2)
        return cli_usage_error("steps", "takes at most one step name");
    qr_registry *reg = cli_registry_new();
    if (!reg)
        return 2;
    if (load_modules(reg, mods, n_mods) != 0) {
        qr_registry_free(reg);
        return 2;
    }
    int status = 0;
    if (markdown) {
        md_reference(reg);
    } else if (argc == 1) {
        size_t w = 8;
        for (size_t i = 0; i < qr_registry_count(reg); i++)
            if (strlen(qr_registry_at(reg, i)->name) > w)
                w = strlen(qr_registry_at(reg, i)->name);
        for (size_t i = 0; i < qr_registry_count(reg); i++) {
            const qr_step_def *d = qr_registry_at(reg, i);
            printf("%-*s  %s\n", (int)w, d->name, d->description ? d->description : "");
        }
        printf("\nRun 'quarry steps NAME' for a step's options, 'quarry steps input' for the input: section.\n");
    } else if (!strcmp(argv[1], "input")) {
        printf("input: where documents come from (command-line inputs replace paths)\n\n");
        print_options(qr_input_option_defs, 0, "a malformed record: stop the run, or log it and go on");
    } else {
        const qr_step_def *d = qr_registry_find(reg, argv[1]);
        if (!d) {
            const char *best = qr_registry_suggest(reg, argv[1]);
            if (best)
                status = cli_usage_error("steps", "unknown step '%s'; did you mean '%s'?", argv[1], best);
            else
                status = cli_usage_error("steps", "unknown step '%s'; run 'quarry steps' for the list", argv[1]);
        } else {
            const char *origin = qr_registry_origin(reg, d->name);
            printf("%s: %s\n", d->name, d->description ? d->description : "");
            printf("(%s%s%s)\n\n", origin,
                   d->flags & QR_STEP_ORDERED ? "; runs in input order on the writer" : "",
                   d->flags & QR_STEP_MODIFIES_TEXT ? "; changes the text" : "");
            print_options(d->options, 1,
                          "on a failure: stop the run, keep the doc as before the step, or drop it");
        }
    }
    qr_registry_free(reg);
    return status;
}

/* }================================================================== */
