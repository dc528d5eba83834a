/* tokenize, sentences — make the document's tokens and sentences now
 * (they would otherwise be made on first use), so later steps and exports
 * see them and the timings show where the work went. */
#include "doc.h"

static void *text_init(const qr_host_api *api, const qr_value *options,
                       const qr_step_ctx *ctx, qr_error *err)
{
    (void)api;
    (void)options;
    (void)ctx;
    (void)err;
    static const char dummy = 0;
    return (void *)&dummy;
}

static int tokenize_process(void *state, void *ts, qr_doc *doc, qr_error *err)
{
    (void)state;
    (void)ts;
    return qr_doc_ensure_tokens(doc, err);
}

static int sentences_process(void *state, void *ts, qr_doc *doc, qr_error *err)
{
    (void)state;
    (void)ts;
    return qr_doc_ensure_sentences(doc, err);
}

static const qr_option_def no_options[] = {{NULL, 0, NULL, NULL, NULL, 0}};

const qr_step_def qr_step_tokenize_def = {
    .size = sizeof(qr_step_def),
    .name = "tokenize",
    .description = "split the text into tokens (words, numbers, punctuation, URLs, emoji…) with normalized keys",
    .options = no_options,
    .flags = QR_STEP_THREAD_SAFE,
    .init = text_init,
    .process = tokenize_process,
};

const qr_step_def qr_step_sentences_def = {
    .size = sizeof(qr_step_def),
    .name = "sentences",
    .description = "split the text into sentences (abbreviations, initials, quotes, lists handled)",
    .options = no_options,
    .flags = QR_STEP_THREAD_SAFE,
    .init = text_init,
    .process = sentences_process,
};
