#include "utf8.h"

#include <string.h>

size_t qr_utf8_validate(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        int32_t cp;
        size_t l = qr_utf8_decode(s + i, n - i, &cp);
        if (cp == QR_UTF8_BAD)
            return i;
        i += l;
    }
    return n;
}

size_t qr_utf8_replace_bad(const char *text, size_t n, char *out)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        int32_t cp;
        size_t l = qr_utf8_decode(s + i, n - i, &cp);
        if (cp == QR_UTF8_BAD) {
            memcpy(out + k, "\xEF\xBF\xBD", 3);
            k += 3;
        } else {
            memcpy(out + k, s + i, l);
            k += l;
        }
        i += l;
    }
    return k;
}
