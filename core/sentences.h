/*
 * sentences — rule-based sentence splitter working on tokens.
 *
 * Takes the text and its tokens (from qr_tokenize) and writes sentence
 * boundaries: byte offsets (end exclusive, trailing whitespace excluded) and
 * token index ranges. Every token belongs to exactly one sentence.
 * Handles abbreviations, initials, titles, acronyms ending a sentence,
 * lists, ellipses, closing quotes/brackets after the period, numbers,
 * URLs/e-mails, "!!"/"?!" runs, and blank lines as hard boundaries.
 *
 * Memory: qr_sentences owns a growable array (and a scratch bit map of the
 * text) reused across calls.
 */
#ifndef QR_SENTENCES_H
#define QR_SENTENCES_H

#include "tokenize.h"

typedef struct qr_sentences {
    qr_sentence *v;
    size_t n, cap;
    uint64_t *hot;      /* internal: bit map of the text's "hot" bytes (sentences.c) */
    size_t hot_cap;     /* its size in words */
} qr_sentences;

void qr_sentences_init(qr_sentences *s);
void qr_sentences_free(qr_sentences *s);

/* `toks` must come from qr_tokenize on the same text. Returns 0, or -1
 * with err filled (out of memory). */
int qr_sentences_split(const char *text, size_t len, const qr_tokens *toks,
                       qr_sentences *out, qr_error *err);

/* The same split with every fast path turned off: each token goes through
 * the full rules. Slower; for tests that check the fast paths change no
 * boundary. */
int qr_sentences_split_reference(const char *text, size_t len, const qr_tokens *toks,
                                 qr_sentences *out, qr_error *err);

#endif
