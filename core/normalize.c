#include "normalize.h"
#include "error.h"
#include "utf8.h"

#include <string.h>
#include <utf8proc.h>

int qr_norm_form_from_name(const char *name)
{
    if (strcmp(name, "nfc") == 0)
        return QR_NORM_NFC;
    if (strcmp(name, "nfkc") == 0)
        return QR_NORM_NFKC;
    if (strcmp(name, "casefold") == 0)
        return QR_NORM_CASEFOLD;
    return -1;
}

int qr_normalize(const char *s, size_t len, qr_norm_form form,
                 char **out, size_t *out_len, qr_error *err)
{
    utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    if (form == QR_NORM_NFKC || form == QR_NORM_CASEFOLD)
        opt |= UTF8PROC_COMPAT;
    if (form == QR_NORM_CASEFOLD)
        opt |= UTF8PROC_CASEFOLD;
    *out = NULL;
    *out_len = 0;
    size_t bad = qr_utf8_validate(s, len);
    if (bad < len) {
        qr_error_set(err, "invalid UTF-8 at byte %zu (0x%02X); repair the text first "
                     "(readers do it, or replace the byte with U+FFFD)",
                     bad, (unsigned char)s[bad]);
        if (err)
            err->offset = (int64_t)bad;
        return -1;
    }
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
                                      &dst, opt);
    if (n < 0)
        return qr_error_set(err, "normalize: %s", utf8proc_errmsg(n));
    *out = (char *)dst;
    *out_len = (size_t)n;
    return 0;
}
