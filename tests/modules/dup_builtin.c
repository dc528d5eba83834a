/* Test module: registers a step named like a built-in one. */
#include <quarry_module.h>

QR_MODULE_DECLARE("dup_builtin", "0.1");

static int nothing(void *state, void *thread_state, qr_doc *doc, qr_error *err)
{
    (void)state, (void)thread_state, (void)doc, (void)err;
    return 0;
}

static const qr_step_def mine = {
    .size = sizeof(qr_step_def),
    .name = "mine",
    .description = "test step that does nothing",
    .flags = QR_STEP_THREAD_SAFE,
    .process = nothing,
};

static const qr_step_def tokenize = {
    .size = sizeof(qr_step_def),
    .name = "tokenize",
    .description = "a second tokenize",
    .flags = QR_STEP_THREAD_SAFE,
    .process = nothing,
};

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    if (api->register_step(reg, &mine, err) != 0)
        return -1;
    return api->register_step(reg, &tokenize, err);
}
