/* UTF-8 repair for readers: invalid sequences become U+FFFD, one per
 * maximal invalid subpart (Unicode 15, section 3.9, "U+FFFD Substitution of
 * Maximal Subparts"), so a truncated 3-byte sequence costs one U+FFFD and
 * not three. */
#include "io/reader.h"

#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Length of the valid sequence at s[i..len), or 0 if invalid; *bad is set
 * to the length of the maximal invalid subpart (>= 1) when invalid. */
static size_t seq_len(const unsigned char *s, size_t i, size_t len, size_t *bad)
{
    unsigned c = s[i];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;      /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;      /* <= U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    size_t k = 1;
    for (; k < need; k++) {
        if (i + k >= len)
            break;
        unsigned b = s[i + k];
        if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
            break;
    }
    if (k == need)
        return need;
    *bad = k;
    return 0;
}

/* Index of the first byte that is not part of valid UTF-8, or len. */
static size_t first_invalid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
#if defined(__SSE2__)
        while (i + 16 <= len &&
               !_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + i))))
            i += 16;
#endif
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= len)
            break;
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t bad, n = seq_len(s, i, len, &bad);
        if (!n)
            return i;
        i += n;
    }
    return len;
}

long qr_io_repair_utf8(const char *text, size_t len, char **buf, size_t *cap,
                       size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = first_invalid(s, len);
    if (i == len)
        return 0;
    /* Worst case: every byte becomes 3 bytes. */
    size_t need = i + (len - i) * 3 + 1;
    if (need > *cap) {
        char *b = realloc(*buf, need);
        if (!b)
            return -1;
        *buf = b;
        *cap = need;
    }
    char *o = *buf;
    memcpy(o, s, i);
    size_t j = i;
    long repaired = 0;
    while (i < len) {
        size_t bad, n = seq_len(s, i, len, &bad);
        if (n) {
            memcpy(o + j, s + i, n);
            j += n;
            i += n;
        } else {
            o[j++] = (char)0xEF;
            o[j++] = (char)0xBF;
            o[j++] = (char)0xBD;
            i += bad;
            repaired++;
        }
    }
    o[j] = '\0';
    *out_len = j;
    return repaired;
}
