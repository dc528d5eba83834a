/* Test module: per-thread state. `thread_tag` numbers the worker threads
 * that get a thread state (thread_init, in a counter of the shared state)
 * and writes that number into the field "thread" of each document. */
#include <quarry_module.h>
#include <stdatomic.h>
#include <stdlib.h>

QR_MODULE_DECLARE("threads", "0.1");

typedef struct shared {
    const qr_host_api *api;
    atomic_int threads;
} shared;

static void *tag_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx, qr_error *err)
{
    (void)opts, (void)ctx;
    shared *s = calloc(1, sizeof *s);
    if (!s)
        return api->error(err, "out of memory"), NULL;
    s->api = api;
    return s;
}

static void *tag_thread_init(void *state, qr_error *err)
{
    shared *s = state;
    int *n = malloc(sizeof *n);
    if (!n)
        return s->api->error(err, "out of memory"), NULL;
    *n = atomic_fetch_add(&s->threads, 1) + 1;
    return n;
}

static int tag_process(void *state, void *thread_state, qr_doc *doc, qr_error *err)
{
    shared *s = state;
    return s->api->doc_set_field_number(doc, "thread", *(int *)thread_state, err);
}

static void tag_thread_free(void *state, void *thread_state)
{
    (void)state;
    free(thread_state);
}

static const qr_step_def tag_def = {
    .size = sizeof(qr_step_def),
    .name = "thread_tag",
    .description = "test step: writes the number of its worker thread",
    .init = tag_init,
    .thread_init = tag_thread_init,
    .process = tag_process,
    .thread_free = tag_thread_free,
    .free = free,
};

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    return api->register_step(reg, &tag_def, err);
}
