/* json_out: the block-at-a-time escape agrees byte for byte with a plain
 * one-byte-at-a-time escape (every byte value at every alignment, invalid
 * UTF-8, long runs, random mixes), stays within its room, reports ASCII
 * exactly, and a string escaped in pieces (qr_json_piece) equals it escaped
 * whole. */
#include "check.h"
#include "json_out.h"
#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The reference: what export wrote before the block scan. */
static size_t simple_escape(char *out, const char *str, size_t n, int *ascii)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t o = 0;
    *ascii = 1;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c >= 0x80) {
            int32_t cp;
            size_t l = qr_utf8_decode(s + i, n - i, &cp);
            *ascii = 0;
            if (cp == QR_UTF8_BAD) {
                memcpy(out + o, "\xEF\xBF\xBD", 3);
                o += 3;
            } else {
                memcpy(out + o, s + i, l);
                o += l;
            }
            i += l;
            continue;
        }
        i++;
        if (c >= 0x20 && c != '"' && c != '\\') {
            out[o++] = (char)c;
            continue;
        }
        out[o++] = '\\';
        switch (c) {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '\n': out[o++] = 'n'; break;
        case '\r': out[o++] = 'r'; break;
        case '\t': out[o++] = 't'; break;
        case '\b': out[o++] = 'b'; break;
        case '\f': out[o++] = 'f'; break;
        default:
            memcpy(out + o, "u00", 3);
            out[o + 3] = hex[c >> 4];
            out[o + 4] = hex[c & 15];
            o += 5;
        }
    }
    return o;
}

static int mismatches, compared;

/* Escapes s[0..n) both ways, from a copy of exactly n bytes and into
 * buffers of exactly the promised room (so valgrind and ASan see any read
 * or write past them), and compares; a difference is counted in
 * `mismatches` (the first few printed). */
static void agree(const char *in, size_t n)
{
    size_t room = QR_JSON_ESCAPE_ROOM(n);
    char *fast = malloc(room + 1), *slow = malloc(room + 1), *s = malloc(n + 1);
    memcpy(s, in, n);
    int fa = -1, sa = -1;
    size_t fn = qr_json_escape(fast, s, n, &fa);
    size_t sn = simple_escape(slow, s, n, &sa);
    compared++;
    if (fn != sn || memcmp(fast, slow, sn) != 0 || fa != sa || fn > room) {
        if (mismatches++ < 5) {
            fprintf(stderr, "mismatch for %zu bytes:", n);
            for (size_t i = 0; i < n && i < 48; i++)
                fprintf(stderr, " %02x", (unsigned char)s[i]);
            fprintf(stderr, "\n  fast %zu \"%.*s\" ascii %d\n  slow %zu \"%.*s\" ascii %d\n",
                    fn, (int)fn, fast, fa, sn, (int)sn, slow, sa);
        }
    }
    free(fast);
    free(slow);
    free(s);
}

static void expect(const char *in, size_t n, const char *want, int want_ascii)
{
    char out[256];
    int a = -1;
    size_t k = qr_json_escape(out, in, n, &a);
    CHECK_EQ_MEM(out, k, want);
    CHECK_EQ_INT(a, want_ascii);
}

static void test_exact(void)
{
    expect("", 0, "", 1);
    expect("plain text", 10, "plain text", 1);
    expect("a\"b\\c", 5, "a\\\"b\\\\c", 1);
    expect("\b\t\n\f\r", 5, "\\b\\t\\n\\f\\r", 1);
    expect("\x00\x01\x0b\x1f", 4, "\\u0000\\u0001\\u000b\\u001f", 1);
    expect("\x7f ~", 3, "\x7f ~", 1);
    expect("Caf\xC3\xA9", 5, "Caf\xC3\xA9", 0);
    expect("\xF0\x9F\x98\x80!", 5, "\xF0\x9F\x98\x80!", 0);
    /* one U+FFFD per bad byte: lone continuation, truncated, overlong,
     * surrogate, above U+10FFFF, F5..FF */
    expect("\x80", 1, "\xEF\xBF\xBD", 0);
    expect("a\xC3", 2, "a\xEF\xBF\xBD", 0);
    expect("\xC0\xAF", 2, "\xEF\xBF\xBD\xEF\xBF\xBD", 0);
    expect("\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 0);
    expect("\xF4\x90\x80\x80", 4, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 0);
    expect("\xFF\"", 2, "\xEF\xBF\xBD\\\"", 0);
    /* a 16-byte block that ends in the middle of a character */
    expect("0123456789abcde\xC3\xA9xyz", 20, "0123456789abcde\xC3\xA9xyz", 0);
    expect("0123456789abcdef\"0123456789abcdef", 33, "0123456789abcdef\\\"0123456789abcdef", 1);
    /* NULL ascii is allowed */
    char out[8];
    CHECK_EQ_INT(qr_json_escape(out, "\"", 1, NULL), 2);
}

/* Every byte value, alone and followed by each of a few others, at every
 * position of strings of every length up to 72 (so at every alignment and
 * at each edge of the 32-, 16- and 8-byte blocks). */
static void test_every_byte_everywhere(void)
{
    static const unsigned char next[] = { 'a', 0x80, 0xA9, 0xBF, '"', 0x00 };
    char s[80];
    mismatches = compared = 0;
    for (size_t len = 1; len <= 72; len++)
        for (size_t pos = 0; pos < len; pos++)
            for (unsigned c = 0; c < 256; c++)
                for (size_t k = 0; k <= sizeof next; k++) {
                    memset(s, 'x', len);
                    s[pos] = (char)c;
                    if (k < sizeof next) {
                        if (pos + 1 >= len)
                            continue;
                        s[pos + 1] = (char)next[k];
                    }
                    agree(s, len);
                }
    CHECK_EQ_INT(mismatches, 0);
    CHECK_EQ_INT(compared, 256 * (2628 + 6 * 2556));  /* sum over len of len + 6 (len - 1) */
}

/* Well-formed and broken multi-byte sequences placed across every block
 * edge. */
static void test_utf8_across_edges(void)
{
    static const char *const seqs[] = {
        "\xC3\xA9", "\xE2\x80\x94", "\xF0\x9F\x98\x80", "\xE0\xA0\x80", "\xED\x9F\xBF",
        "\xF4\x8F\xBF\xBF", "\xC3", "\xE2\x80", "\xF0\x9F\x98", "\xE0\x80\x80",
        "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC1\xBF", "\xF8\x88\x80\x80\x80", "\xBF\xBF",
    };
    char s[80];
    mismatches = compared = 0;
    for (size_t q = 0; q < sizeof seqs / sizeof *seqs; q++) {
        size_t l = strlen(seqs[q]);
        for (size_t len = l; len <= 72; len++)
            for (size_t pos = 0; pos + l <= len; pos++) {
                memset(s, 'y', len);
                memcpy(s + pos, seqs[q], l);
                agree(s, len);
            }
    }
    CHECK_EQ_INT(mismatches, 0);
    CHECK(compared > 10000);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static unsigned next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

/* Long runs: plain text with escapes now and then, text that is mostly
 * multi-byte, and random bytes, in lengths around the block sizes. */
static void test_long_and_random(void)
{
    enum { MAX = 70000 };
    char *s = malloc(MAX);
    mismatches = compared = 0;
    static const char *const pieces[] = { "\xC3\xA9", "\xE2\x80\x9C", "\xF0\x9F\x98\x80",
                                          "\"", "\\", "\n", "\x01", "\xC3", "\x80", "\x7F" };
    size_t lens[] = { 0, 15, 16, 17, 31, 32, 33, 100, 1000, 4097, 65536, MAX };
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
        size_t n = lens[li];
        for (int mode = 0; mode < 4; mode++) {
            size_t i = 0;
            while (i < n) {
                unsigned r = next_rand();
                const char *p = NULL;
                if (mode == 1 && r % 97 == 0)       /* mostly plain */
                    p = pieces[(r >> 8) % 10];
                else if (mode == 2 && r % 3 != 0)   /* mostly non-ASCII */
                    p = pieces[(r >> 8) % 3];
                else if (mode == 3) {               /* any byte */
                    s[i++] = (char)(r >> 8);
                    continue;
                }
                if (p) {
                    size_t l = strlen(p);
                    if (i + l > n)
                        l = n - i;
                    memcpy(s + i, p, l);
                    i += l;
                } else
                    s[i++] = (char)(' ' + r % 95);
            }
            agree(s, n);
        }
    }
    /* a long run without any escape */
    memset(s, 'z', MAX);
    agree(s, MAX);
    CHECK_EQ_INT(mismatches, 0);
    CHECK_EQ_INT(compared, 12 * 4 + 1);
    free(s);
}

/* Escaping piece by piece gives the same bytes as escaping whole. */
static void test_pieces(void)
{
    char s[200], whole[1200], parts[1200];
    int bad = 0;
    for (int round = 0; round < 3000; round++) {
        size_t n = next_rand() % sizeof s;
        for (size_t i = 0; i < n; i++) {
            unsigned r = next_rand();
            s[i] = r % 4 == 0 ? (char)(0x80 + (r >> 8) % 0x40)       /* continuation */
                 : r % 4 == 1 ? (char)(0xC2 + (r >> 8) % 0x33)       /* lead C2..F4 */
                 : r % 4 == 2 ? (char)(r >> 8) : 'a';
        }
        int a;
        size_t wn = qr_json_escape(whole, s, n, &a);
        size_t max = 4 + next_rand() % 20, pn = 0;
        for (size_t i = 0; i < n;) {
            size_t k = qr_json_piece(s + i, n - i, max);
            if (k == 0 || k > max) {
                bad++;
                break;
            }
            pn += qr_json_escape(parts + pn, s + i, k, &a);
            i += k;
        }
        bad += pn != wn || memcmp(parts, whole, wn) != 0;
    }
    CHECK_EQ_INT(bad, 0);
    /* the cut moves back to the lead of a character that crosses it */
    CHECK_EQ_INT(qr_json_piece("abc\xF0\x9F\x98\x80z", 8, 5), 3);
    CHECK_EQ_INT(qr_json_piece("abcd\xC3\xA9z", 7, 5), 4);
    CHECK_EQ_INT(qr_json_piece("abcdef", 6, 4), 4);
    CHECK_EQ_INT(qr_json_piece("abc", 3, 4), 3);
    CHECK_EQ_INT(qr_json_piece("\x80\x80\x80\x80\x80\x80", 6, 4), 4);
}

int main(void)
{
    test_exact();
    test_every_byte_everywhere();
    test_utf8_across_edges();
    test_long_and_random();
    test_pieces();
    return DONE("json_out");
}
