#include "json_out.h"
#include "utf8.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdint.h>
#include <string.h>

/* The escape of each byte below 0x20, padded to six bytes so that one
 * fixed-size copy writes any of them (the room allows six per byte). */
static const char ctl_escape[32][7] = {
    "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
    "\\b\0\0\0\0", "\\t\0\0\0\0", "\\n\0\0\0\0", "\\u000b",
    "\\f\0\0\0\0", "\\r\0\0\0\0", "\\u000e", "\\u000f",
    "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
    "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
};

/* Bytes copied as they are: 0x20..0x7F but '"' and '\\', as a bitmap of
 * the first 128 byte values (bit c & 63 of word c >> 6). */
static const uint64_t plain_bits[2] = {
    0xFFFFFFFF00000000ull & ~(1ull << '"'),
    0xFFFFFFFFFFFFFFFFull & ~(1ull << ('\\' - 64)),
};

static inline int plain_byte(unsigned c)
{
    return c < 0x80 && (plain_bits[c >> 6] >> (c & 63) & 1);
}

/* The high bit of each byte of w that is not plain (plain_byte). The
 * zero and less-than tests may also flag a byte above a flagged one (a
 * borrow), never one below: whether any byte is flagged is exact, and so
 * is the lowest flag, the first byte in memory on a little-endian CPU. */
static inline uint64_t special_word(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) | w) & high;
}

#if defined(__SSE2__)
/* A bit per byte of x that is plain: above 0x1F in a signed compare (bytes
 * >= 0x80 are negative, so they fail it with the controls), and neither
 * '"' nor '\\'. */
static inline unsigned plain16(__m128i x)
{
    const __m128i ctl = _mm_set1_epi8(0x1F), quo = _mm_set1_epi8('"'), bsl = _mm_set1_epi8('\\');
    __m128i esc = _mm_or_si128(_mm_cmpeq_epi8(x, quo), _mm_cmpeq_epi8(x, bsl));
    return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(esc, _mm_cmpgt_epi8(x, ctl)));
}
#endif

/* Copies the bytes of s[0..n) to o up to the first one that is not plain
 * and returns how many were plain. Whole blocks are stored before they are
 * tested, so up to a block past that byte may be written too: the caller
 * overwrites it, and the room allows it (a block of b bytes is only stored
 * while b bytes of input remain, and those have 6b bytes of room). The
 * last, partial block is the block that ends at n, loaded again over bytes
 * already found plain (they were copied as they are, so storing them again
 * changes nothing) and tested from where the last whole block ended. */
static inline size_t plain_run(const unsigned char *s, size_t n, char *o)
{
    size_t i = 0;
#if defined(__SSE2__)
    if (n >= 16) {
        /* 32 bytes a turn: one test and branch for two blocks */
        for (; i + 32 <= n; i += 32) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 16));
            _mm_storeu_si128((__m128i *)(void *)(o + i), x);
            _mm_storeu_si128((__m128i *)(void *)(o + i + 16), y);
            unsigned m = ~(plain16(x) | plain16(y) << 16);
            if (m)
                return i + (size_t)__builtin_ctz(m);
        }
        for (;;) {
            size_t j = i + 16 <= n ? i : n - 16;
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + j));
            _mm_storeu_si128((__m128i *)(void *)(o + j), x);
            unsigned m = (~plain16(x) & 0xFFFFu) >> (i - j);
            if (m)
                return i + (size_t)__builtin_ctz(m);
            i = j + 16;
            if (i == n)
                return n;
        }
    }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n >= 8) {
        for (;;) {                      /* 8 bytes in a word */
            size_t j = i + 8 <= n ? i : n - 8;
            uint64_t w;
            memcpy(&w, s + j, 8);
            memcpy(o + j, &w, 8);
            uint64_t m = special_word(w) >> 8 * (i - j);
            if (m)
                return i + (size_t)(__builtin_ctzll(m) >> 3);
            i = j + 8;
            if (i == n)
                return n;
        }
    }
#endif
    for (; i < n && plain_byte(s[i]); i++)
        o[i] = (char)s[i];
    return i;
}

/* Short strings (labels, ids, the text of an entity): copied as they are
 * when every byte is plain, which is tested on two words that may overlap
 * (any byte order will do: only whether a byte is flagged matters). 1 if
 * done; 0 leaves the string to the general loop. */
static inline int short_plain(const unsigned char *s, size_t n, char *o)
{
    if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        if (special_word(a) | special_word(b))
            return 0;
        memcpy(o, &a, 8);
        memcpy(o + n - 8, &b, 8);
        return 1;
    }
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        if (special_word((uint64_t)a | (uint64_t)b << 32))
            return 0;
        memcpy(o, &a, 4);
        memcpy(o + n - 4, &b, 4);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!plain_byte(s[i]))
            return 0;
        o[i] = (char)s[i];
    }
    return 1;
}

size_t qr_json_escape(char *out, const char *str, size_t n, int *ascii)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n < 16 && short_plain(s, n, out)) {     /* no block set-up */
        if (ascii)
            *ascii = 1;
        return n;
    }
    char *o = out;
    size_t i = 0;
    int high = 0;
    /* Each step writes at most six bytes per input byte it consumes, so
     * every write below stays within QR_JSON_ESCAPE_ROOM(n). */
    while (i < n) {
        size_t k = plain_run(s + i, n - i, o);
        i += k;
        o += k;
        if (i == n)
            break;
        unsigned c = s[i];
        if (c >= 0x80) {
            int32_t cp;
            size_t l = qr_utf8_decode(s + i, n - i, &cp);
            high = 1;
            if (cp == QR_UTF8_BAD) {
                memcpy(o, "\xEF\xBF\xBD", 3);
                o += 3;
            } else {
                memcpy(o, s + i, l);
                o += l;
            }
            i += l;
        } else if (c < 0x20) {
            memcpy(o, ctl_escape[c], 6);
            o += ctl_escape[c][2] ? 6 : 2;
            i++;
        } else {                                /* '"' or '\\' */
            o[0] = '\\';
            o[1] = (char)c;
            o += 2;
            i++;
        }
    }
    if (ascii)
        *ascii = !high;
    return (size_t)(o - out);
}

size_t qr_json_piece(const char *str, size_t n, size_t max)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n <= max)
        return n;
    /* A well-formed sequence crosses a cut at j only if s[j] is a
     * continuation byte (10xxxxxx) and its lead is one of the three bytes
     * before: cut at the last byte in s[max-3..max] that is not a
     * continuation. When all four are, no lead is within reach of max. */
    for (size_t j = max; j + 3 >= max && j > 0; j--)
        if ((s[j] & 0xC0) != 0x80)
            return j;
    return max;
}
