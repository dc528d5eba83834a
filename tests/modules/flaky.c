/* Test module: a step that fails on some documents, for the on_error
 * policies. `flaky` adds a field and a span, then fails when the document's
 * id or text contains `marker` ("bad"), so a skipped document must come back
 * without them. Per-thread state counts the documents each worker saw. */
#include <quarry_module.h>
#include <stdlib.h>
#include <string.h>

QR_MODULE_DECLARE("flaky", "0.1");

typedef struct flaky {
    const qr_host_api *api;
    char marker[64];
} flaky;

static void *flaky_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx,
                        qr_error *err)
{
    (void)ctx;
    const char *m = api->value_string(api->opt(opts, "marker"));
    if (!m || !*m || strlen(m) >= sizeof ((flaky *)0)->marker)
        return api->error(err, "flaky: 'marker' must be 1 to 63 bytes"), NULL;
    flaky *f = calloc(1, sizeof *f);
    if (!f)
        return api->error(err, "out of memory"), NULL;
    f->api = api;
    strcpy(f->marker, m);
    return f;
}

static void *flaky_thread_init(void *state, qr_error *err)
{
    (void)state;
    (void)err;
    return calloc(1, sizeof(long));
}

static int flaky_process(void *state, void *thread_state, qr_doc *doc, qr_error *err)
{
    flaky *f = state;
    const qr_host_api *api = f->api;
    size_t len;
    const char *text = api->doc_text(doc, &len);
    ++*(long *)thread_state;
    if (api->doc_set_field_string(doc, "flaky", "seen", err) != 0 ||
        api->doc_add_span(doc, 0, len ? 1 : 0, "FLAKY", NULL, 1.0, NULL, err) != 0)
        return -1;
    const char *hit = strstr(text, f->marker);
    if (hit)
        return api->error(err, "found '%s' at byte %ld", f->marker, (long)(hit - text));
    if (strstr(api->doc_id(doc), f->marker))
        return api->error(err, "found '%s' in the id", f->marker);
    return 0;
}

static void flaky_thread_free(void *state, void *thread_state)
{
    (void)state;
    free(thread_state);
}

static void flaky_free(void *state)
{
    free(state);
}

static const qr_option_def flaky_options[] = {
    {"marker", QR_OPT_STRING, "bad", NULL, "fail on documents whose id or text contains this", 0},
    {NULL, 0, NULL, NULL, NULL, 0}
};

static const qr_step_def flaky_def = {
    .size = sizeof(qr_step_def),
    .name = "flaky",
    .description = "test step: fails on documents that contain a marker",
    .options = flaky_options,
    .init = flaky_init,
    .thread_init = flaky_thread_init,
    .process = flaky_process,
    .thread_free = flaky_thread_free,
    .free = flaky_free,
};

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    return api->register_step(reg, &flaky_def, err);
}
