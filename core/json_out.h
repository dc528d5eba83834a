/*
 * json_out — the inside of a JSON string, written straight into a buffer
 * the caller has made room in (export's JSONL lines and JSON cells).
 *
 * Escaped: '"', '\\' and the bytes below 0x20 (\b \t \n \f \r short, the
 * others as \u00XX); everything else is copied, DEL and valid UTF-8
 * included. A byte that does not start a well-formed UTF-8 sequence (as
 * qr_utf8_decode reads it) is written as U+FFFD, one per bad byte, which
 * keeps code-point offsets consistent with qr_utf8_count_cp. No state, no
 * allocation.
 */
#ifndef QR_JSON_OUT_H
#define QR_JSON_OUT_H

#include <stddef.h>

/* Room qr_json_escape may use for n input bytes: a control byte becomes
 * "\u00XX", six bytes. */
#define QR_JSON_ESCAPE_ROOM(n) ((size_t)(n) * 6)

/* Writes s[0..n) escaped (without the surrounding quotes) to out, which has
 * room for QR_JSON_ESCAPE_ROOM(n) bytes; returns the number of bytes
 * written. *ascii, when not NULL, is set to 1 if every byte of s is below
 * 0x80 (code-point offsets then equal byte offsets), else 0. */
size_t qr_json_escape(char *out, const char *s, size_t n, int *ascii);

/* Length of the first piece of s[0..n), at most max bytes (max >= 4), that
 * escapes on its own to the same bytes as it does inside s: the cut never
 * splits a well-formed UTF-8 sequence. n when n <= max. Lets a long string
 * be escaped a piece at a time, in bounded room. */
size_t qr_json_piece(const char *s, size_t n, size_t max);

#endif
