/* Test module: as if built against a later minor of ABI 1 whose
 * qr_step_def has grown members at its end. The host must ignore what it
 * does not know and run the step. */
#include <quarry_module.h>

const qr_module_info quarry_module_info = {QR_ABI_MAJOR, QR_ABI_MINOR + 5, sizeof(qr_module_info),
                                           "newer_minor", "2.0"};

typedef struct later_step_def {
    qr_step_def base;
    int (*process_batch)(void *state, qr_doc **docs, size_t n, qr_error *err);
    const char *homepage;
} later_step_def;

static int tag(void *state, void *thread_state, qr_doc *doc, qr_error *err)
{
    const qr_host_api *api = state;
    (void)thread_state;
    return api->doc_set_field_number(doc, "newer", 1.5, err);
}

static void *tag_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx, qr_error *err)
{
    (void)opts, (void)ctx, (void)err;
    return (void *)api;
}

static const later_step_def def = {
    .base = {
        .size = sizeof(later_step_def),
        .name = "newer",
        .description = "test step from a later minor",
        .flags = QR_STEP_THREAD_SAFE,
        .init = tag_init,
        .process = tag,
    },
    .process_batch = 0,
    .homepage = "example",
};

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    return api->register_step(reg, &def.base, err);
}
