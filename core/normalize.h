/*
 * normalize — Unicode normalization of whole strings (utf8proc).
 *
 *   QR_NORM_NFC       canonical composition
 *   QR_NORM_NFKC      compatibility composition ("ﬁ" -> "fi", "Ｈ" -> "H")
 *   QR_NORM_CASEFOLD  NFKC + Unicode case fold: the form of token keys
 *                     ("Straße" -> "strasse")
 *
 * Input must be valid UTF-8 (readers repair text before it gets here);
 * NUL bytes are ordinary characters.
 */
#ifndef QR_NORMALIZE_H
#define QR_NORMALIZE_H

#include "quarry_module.h"

typedef enum qr_norm_form {
    QR_NORM_NFC = 0,
    QR_NORM_NFKC,
    QR_NORM_CASEFOLD
} qr_norm_form;

/* "nfc", "nfkc", "casefold" -> the form; -1 for any other name. */
int qr_norm_form_from_name(const char *name);

/* Normalizes s[0..len) into a newly allocated NUL-terminated string
 * (*out, length *out_len) that the caller frees with free(). Returns 0, or
 * -1 with err filled: invalid UTF-8 (err->offset is the byte offset of
 * the first bad byte), or out of memory. */
int qr_normalize(const char *s, size_t len, qr_norm_form form,
                 char **out, size_t *out_len, qr_error *err);

#endif
