/* Test module: an ordered step that writes each document's id to standard
 * output, holding the lines back in a buffer of its own until flush()
 * (ABI 1.1: the input waits) or finish(). With `fail_flush: true`, flush()
 * fails, for the run's message. */
#include <quarry_module.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

QR_MODULE_DECLARE("lines_out", "0.1");

typedef struct lines_out {
    const qr_host_api *api;
    int fail_flush;
    char *buf;
    size_t n, cap;
} lines_out;

static const qr_option_def options[] = {
    {"fail_flush", QR_OPT_BOOL, "false", NULL, "make flush() fail", 0},
    {NULL, 0, NULL, NULL, NULL, 0}
};

static void *lo_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx,
                     qr_error *err)
{
    (void)ctx;
    lines_out *s = calloc(1, sizeof *s);
    if (!s)
        return api->error(err, "out of memory"), NULL;
    s->api = api;
    s->fail_flush = api->value_bool(api->opt(opts, "fail_flush"));
    return s;
}

static int lo_process(void *state, void *thread_state, qr_doc *doc, qr_error *err)
{
    lines_out *s = state;
    (void)thread_state;
    const char *id = s->api->doc_id(doc);
    size_t len = strlen(id);
    if (s->n + len + 1 > s->cap) {
        size_t cap = (s->n + len + 1) * 2;
        char *b = realloc(s->buf, cap);
        if (!b)
            return s->api->error(err, "out of memory");
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->n, id, len);
    s->buf[s->n + len] = '\n';
    s->n += len + 1;
    return 0;
}

static int write_out(lines_out *s, qr_error *err)
{
    size_t done = 0;
    while (done < s->n) {
        ssize_t k = write(STDOUT_FILENO, s->buf + done, s->n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return s->api->error(err, "lines_out: cannot write standard output: %s", strerror(errno));
        done += (size_t)k;
    }
    s->n = 0;
    return 0;
}

static int lo_flush(void *state, qr_error *err)
{
    lines_out *s = state;
    if (s->fail_flush)
        return s->api->error(err, "lines_out: flush failed, as asked (fail_flush)");
    return write_out(s, err);
}

static int lo_finish(void *state, qr_error *err)
{
    return write_out(state, err);
}

static void lo_free(void *state)
{
    lines_out *s = state;
    if (s)
        free(s->buf);
    free(s);
}

static const qr_step_def def = {
    .size = sizeof(qr_step_def),
    .name = "lines_out",
    .description = "write each document's id to standard output, held back until flush or finish",
    .options = options,
    .flags = QR_STEP_ORDERED,
    .init = lo_init,
    .process = lo_process,
    .finish = lo_finish,
    .free = lo_free,
    .flush = lo_flush,
};

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    return api->register_step(reg, &def, err);
}
