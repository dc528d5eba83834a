/*
 * utf8 — strict UTF-8 decoding that never fails.
 *
 * qr_utf8_decode reads one character and always advances by at least one
 * byte: a byte that does not start a well-formed sequence (lone
 * continuation byte, truncated sequence, overlong form, surrogate, value
 * above U+10FFFF, bytes F5..FF) is reported as QR_UTF8_BAD with length 1,
 * so callers can treat it as U+FFFD while offsets of the text around it
 * stay put. No state, no allocation.
 */
#ifndef QR_UTF8_H
#define QR_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define QR_UTF8_BAD (-1)

/* Decodes the character at s[0] (n > 0 bytes available). Stores the code
 * point, or QR_UTF8_BAD, in *cp and returns the number of bytes used. */
static inline size_t qr_utf8_decode(const unsigned char *s, size_t n, int32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        if (n >= 2 && (s[1] & 0xC0) == 0x80) {
            *cp = (int32_t)(((c & 0x1Fu) << 6) | (s[1] & 0x3Fu));
            return 2;
        }
    } else if (c >= 0xE0 && c <= 0xEF) {
        /* E0 needs A0..BF (no overlongs), ED needs 80..9F (no surrogates) */
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80) {
            *cp = (int32_t)(((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu));
            return 3;
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        /* F0 needs 90..BF (no overlongs), F4 needs 80..8F (<= U+10FFFF) */
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80
            && (s[3] & 0xC0) == 0x80) {
            *cp = (int32_t)(((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12)
                            | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu));
            return 4;
        }
    }
    *cp = QR_UTF8_BAD;
    return 1;
}

/* Writes cp (a valid scalar value) as UTF-8 into out (room for 4 bytes);
 * returns the length. */
static inline size_t qr_utf8_encode(int32_t cp, unsigned char *out)
{
    uint32_t u = (uint32_t)cp;
    if (u < 0x80) {
        out[0] = (unsigned char)u;
        return 1;
    }
    if (u < 0x800) {
        out[0] = (unsigned char)(0xC0 | (u >> 6));
        out[1] = (unsigned char)(0x80 | (u & 0x3F));
        return 2;
    }
    if (u < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (u >> 12));
        out[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (u & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (u >> 18));
    out[1] = (unsigned char)(0x80 | ((u >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (u & 0x3F));
    return 4;
}

/* Offset of the first invalid byte in s[0..n), or n if all is valid. */
size_t qr_utf8_validate(const char *s, size_t n);

/* Copies s[0..n) to out with each invalid byte (as qr_utf8_decode reads
 * them) written as U+FFFD; out has room for 3 * n bytes. Returns the number
 * of bytes written. */
size_t qr_utf8_replace_bad(const char *s, size_t n, char *out);

/* Number of code points in t[0..n): UTF-8 lead bytes, so an invalid byte
 * counts as one (as it does as U+FFFD). 16/8 bytes at a time. */
size_t qr_utf8_count_cp(const char *t, size_t n);

/* Code-point offsets of byte offsets that mostly grow (sorted spans): one
 * pass over the text instead of one per span. Start with {0, 0}. */
typedef struct qr_cp_cursor {
    size_t byte, cp;
} qr_cp_cursor;
size_t qr_cp_at(const char *text, size_t len, qr_cp_cursor *cur, size_t b);

#endif
