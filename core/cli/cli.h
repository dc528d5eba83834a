/*
 * cli — the `quarry` command. main.c dispatches to one cmd_* per verb; each
 * lives in its own file (cmd_tokenize.c, cmd_run.c, …) and returns the exit
 * status: 0 success, 1 some documents failed, 2 usage/configuration/input error.
 */
#ifndef QR_CLI_H
#define QR_CLI_H

#include <pthread.h>
#include <stdio.h>

typedef struct qr_command {
    const char *name;
    const char *summary;                 /* one line for `quarry --help`     */
    int (*run)(int argc, char **argv);   /* argv[0] is the command name      */
} qr_command;

int cmd_version(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_match(int argc, char **argv);
int cmd_sentences(int argc, char **argv);
int cmd_lua(int argc, char **argv);
int cmd_run(int argc, char **argv);     /* cmd_run.c */
int cmd_check(int argc, char **argv);
int cmd_steps(int argc, char **argv);
int cmd_train(int argc, char **argv);   /* cmd_train.c */
int cmd_eval(int argc, char **argv);    /* cmd_eval.c */

/* A registry with every built-in and Lua step (cmd_run.c); NULL, with the
 * message printed, on failure. */
struct qr_registry *cli_registry_new(void);

/* Prints an error as "file:line:col: message" on stderr (cmd_run.c). */
struct qr_error;
void cli_print_error(const struct qr_error *err);

/* Prints "quarry: <message>" on stderr and returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "quarry CMD: unknown option 'ARG'; did you mean '--x'? (see 'quarry CMD
 * --help')", the suggestion from known (NULL-terminated: the command's
 * options) when one is close; returns 2. */
int cli_unknown_option(const char *cmd, const char *arg, const char *const *known);
/* Reads -j's value (val may be NULL when it is missing) into *out: 0, or
 * the usage error's status (2) with "-j needs a number of threads from 1
 * to MAX, got 'VAL'" printed. */
int cli_parse_jobs(const char *cmd, const char *val, int max, int *out);
/* True if argv[i] is -h or --help. */
int cli_is_help(const char *arg);

/* Ctrl-C and SIGTERM (cli_signals.c), for the commands that run pipelines.
 * cli_catch_interrupts installs the handlers: the first signal sets the
 * cancel flag (qr_run_opts.cancel), interrupts the Lua step running on the
 * main thread and calls `also` (or NULL) there; the next one kills.
 * cli_interrupt_worker is qr_run_opts.interrupt. cli_interrupt_signal is
 * the signal that came, 0 if none. cli_release_interrupts puts the
 * default actions back (before what `also` uses is freed). */
void cli_catch_interrupts(void (*also)(void));
/* SIGPIPE stops the run the same way (quarry run): cli_interrupt_signal
 * then says SIGPIPE. */
void cli_catch_broken_pipe(void);
void cli_release_interrupts(void);
const volatile int *cli_cancel_flag(void);
int cli_interrupt_signal(void);
void cli_interrupt_worker(void *ud, pthread_t worker);

#endif
