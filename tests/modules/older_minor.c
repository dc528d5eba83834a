/* Test module: as if built against ABI 1.0, whose qr_step_def ends before
 * `flush` (appended in 1.1). The host must read the missing member as
 * absent and run the step, an ordered one, whose output it flushes. */
#include <quarry_module.h>
#include <stddef.h>

const qr_module_info quarry_module_info = {QR_ABI_MAJOR, 0, sizeof(qr_module_info),
                                           "older_minor", "1.0"};

static int tag(void *state, void *thread_state, qr_doc *doc, qr_error *err)
{
    const qr_host_api *api = state;
    (void)thread_state;
    return api->doc_set_field_string(doc, "older", "1.0", err);
}

static void *tag_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx, qr_error *err)
{
    (void)opts, (void)ctx, (void)err;
    return (void *)api;
}

/* ABI 1.0's qr_step_def: the 1.1 one without its last member */
static const qr_step_def def = {
    .size = offsetof(qr_step_def, flush),
    .name = "older",
    .description = "test step from ABI 1.0",
    .flags = QR_STEP_ORDERED,
    .init = tag_init,
    .process = tag,
};

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    return api->register_step(reg, &def, err);
}
