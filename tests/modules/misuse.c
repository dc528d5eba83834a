/* Test module: a step that misuses the host API as modules do, the case
 * chosen by the document's text: "ret3" returns 3 from process(), "silent"
 * returns -1 without filling err, "reversed" adds the span 5..2,
 * "midchar" a span from inside the "é" of "héllo", "nulljson" sets a field
 * from NULL. Every case must fail the document with a message saying what. */
#include <quarry_module.h>
#include <string.h>

QR_MODULE_DECLARE("misuse", "0.1");

static const qr_host_api *A;

static void *mu_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx, qr_error *err)
{
    (void)opts;
    (void)ctx;
    (void)err;
    A = api;
    return (void *)1;
}

static int mu_process(void *state, void *ts, qr_doc *doc, qr_error *err)
{
    (void)state;
    (void)ts;
    size_t n;
    const char *t = A->doc_text(doc, &n);
    if (!strncmp(t, "ret3", 4))
        return 3;
    if (!strncmp(t, "silent", 6))
        return -1;
    if (!strncmp(t, "reversed", 8))
        return A->doc_add_span(doc, 5, 2, "X", NULL, 1.0, NULL, err);
    if (!strncmp(t, "h\xC3\xA9llo", 6))
        return A->doc_add_span(doc, 1, 2, "X", NULL, 1.0, NULL, err);
    if (!strncmp(t, "nulljson", 8))
        return A->doc_set_field_json(doc, "f", NULL, err);
    return 0;
}

static const qr_option_def no_options[] = {{NULL, 0, NULL, NULL, NULL, 0}};

static const qr_step_def def = {
    .size = sizeof(qr_step_def), .name = "misuse", .description = "misuses the host API",
    .options = no_options, .flags = QR_STEP_THREAD_SAFE, .init = mu_init, .process = mu_process,
};

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    return api->register_step(reg, &def, err);
}
