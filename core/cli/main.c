#include "cli.h"
#include "registry.h"
#include "version.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const qr_command commands[] = {
    {"tokenize", "split text into tokens (offsets, kinds, keys)", cmd_tokenize},
    {"sentences", "split text into sentences", cmd_sentences},
    {"match", "find gazetteer and regex entities (JSON lines)", cmd_match},
    {"run", "run a YAML pipeline over files, folders or stdin", cmd_run},
    {"check", "validate a YAML pipeline and print it with defaults", cmd_check},
    {"steps", "list pipeline steps, or one step's options", cmd_steps},
    {"train", "train a Naive Bayes classifier on labeled records", cmd_train},
    {"eval", "evaluate a classifier on labeled records (accuracy, F1, confusion)", cmd_eval},
    {"lua", "run a Lua script with the quarry module preloaded", cmd_lua},
    {"version", "print the version", cmd_version},
    {NULL, NULL, NULL}
};

int cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "quarry%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

int cli_unknown_option(const char *cmd, const char *arg, const char *const *known)
{
    size_t n = 0;
    while (known && known[n])
        n++;
    char name[64];      /* the option without its value: --jobs=2 */
    snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
    const char *best = n && strlen(arg) < sizeof name ? qr_closest_name(name, known, n) : NULL;
    if (best)
        return cli_usage_error(cmd, "unknown option '%s'; did you mean '%s'? (see 'quarry %s --help')",
                               arg, best, cmd);
    return cli_usage_error(cmd, "unknown option '%s'; see 'quarry %s --help'", arg, cmd);
}

int cli_parse_jobs(const char *cmd, const char *val, int max, int *out)
{
    char *end;
    long n = val && *val ? strtol(val, &end, 10) : 0;
    if (!val || !*val || *end || n < 1 || n > max)
        return cli_usage_error(cmd, "-j needs a number of threads from 1 to %d, got %s%s%s", max,
                               val ? "'" : "nothing", val ? val : "", val ? "'" : "");
    *out = (int)n;
    return 0;
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("quarry %s\n", QR_VERSION);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: quarry COMMAND [OPTIONS] [ARGS]\n\n"
               "quarry is a text-mining toolkit: tokenizer, sentence splitter,\n"
               "dictionary and regex entity matching, YAML pipelines, Lua scripting.\n\n"
               "Commands:\n");
    for (const qr_command *c = commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\nRun 'quarry COMMAND --help' for a command's options.\n"
               "Exit status: 0 success, 1 some documents failed, 2 usage or input error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(argc - 1, argv + 1);
    for (const qr_command *c = commands; c->name; c++)
        if (strcmp(argv[1], c->name) == 0) {
            int rc = c->run(argc - 1, argv + 1);
            /* A full disk or closed pipe must not pass for success. */
            if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0)
                rc = cli_usage_error(c->name, "cannot write the output: %s", strerror(errno));
            return rc;
        }
    const char *names[32];
    size_t n = 0;
    for (const qr_command *c = commands; c->name && n < 32; c++)
        names[n++] = c->name;
    const char *best = qr_closest_name(argv[1], names, n);
    if (best)
        return cli_usage_error(NULL, "unknown command '%s'; did you mean '%s'? (run 'quarry --help' for "
                               "the list)", argv[1], best);
    return cli_usage_error(NULL, "unknown command '%s'; run 'quarry --help' for the list", argv[1]);
}
