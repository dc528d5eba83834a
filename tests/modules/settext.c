/* Test module: two steps that replace the document's text and then fail,
 * one declaring QR_STEP_MODIFIES_TEXT (settext_flagged) and one not
 * (settext_plain). Under on_error: skip the document must come back as it
 * was: the flagged step's text is taken back; the plain step may not change
 * the text at all (doc_set_text refuses). */
#include <quarry_module.h>

QR_MODULE_DECLARE("settext", "0.1");

static const qr_host_api *A;

static void *st_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx,
                     qr_error *err)
{
    (void)opts;
    (void)ctx;
    (void)err;
    A = api;
    return (void *)1;
}

static int st_process(void *state, void *ts, qr_doc *doc, qr_error *err)
{
    (void)state;
    (void)ts;
    if (A->doc_set_text(doc, "CHANGED", 7, err) != 0)
        return -1;
    return A->error(err, "failed after doc_set_text");
}

static const qr_option_def no_options[] = {{NULL, 0, NULL, NULL, NULL, 0}};

static const qr_step_def plain_def = {
    .size = sizeof(qr_step_def), .name = "settext_plain", .description = "replaces the text, then fails",
    .options = no_options, .flags = QR_STEP_THREAD_SAFE, .init = st_init, .process = st_process,
};

static const qr_step_def flagged_def = {
    .size = sizeof(qr_step_def), .name = "settext_flagged",
    .description = "replaces the text (declared), then fails", .options = no_options,
    .flags = QR_STEP_THREAD_SAFE | QR_STEP_MODIFIES_TEXT, .init = st_init, .process = st_process,
};

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    return api->register_step(reg, &plain_def, err) != 0 ? -1 : api->register_step(reg, &flagged_def, err);
}
