#include "utf8.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

size_t qr_utf8_count_cp(const char *t, size_t to)
{
    size_t n = 0, i = 0;
#if defined(__SSE2__)
    for (; i + 16 <= to; i += 16) {        /* ASCII blocks at once */
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
        if (_mm_movemask_epi8(x))
            break;
        n += 16;
    }
#endif
    for (; i + 8 <= to; i += 8) {          /* continuation bytes: 10xxxxxx */
        uint64_t w;
        memcpy(&w, t + i, 8);
        uint64_t cont = (w & ~(w << 1) & 0x8080808080808080ull) >> 7;
        n += 8 - (size_t)((cont * 0x0101010101010101ull) >> 56);   /* sum of the bytes */
    }
    for (; i < to; i++)
        n += ((unsigned char)t[i] & 0xC0) != 0x80;
    return n;
}

size_t qr_cp_at(const char *text, size_t len, qr_cp_cursor *cur, size_t b)
{
    if (b > len)
        b = len;
    if (b < cur->byte) {
        /* back: count down when closer than from the start */
        if (cur->byte - b < b) {
            cur->cp -= qr_utf8_count_cp(text + b, cur->byte - b);
            cur->byte = b;
            return cur->cp;
        }
        cur->byte = cur->cp = 0;
    }
    cur->cp += qr_utf8_count_cp(text + cur->byte, b - cur->byte);
    cur->byte = b;
    return cur->cp;
}
