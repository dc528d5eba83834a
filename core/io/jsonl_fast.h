/*
 * jsonl_fast — the fast path for JSONL records, on simdjson (On-Demand).
 *
 * A C interface over a small C++ file (jsonl_fast.cpp): simdjson is a C++
 * library, the rest of quarry is C. The reader hands each record here
 * first; whatever this path does not take -- malformed lines, lines it
 * might read differently from jansson -- goes to jansson, which then gives
 * the result or the error message. So every error message stays jansson's.
 *
 * Taken here: a line starting with '{', holding one JSON object and
 * nothing after it but white space, whose text member is a string.
 * Numbers are handed to jansson as their own characters (integers stay
 * exact, reals stay reals), other values are built as jansson values.
 * Control bytes inside strings are refused by simdjson as by jansson; a
 * \u0000 is kept in strings (jansson reads lines with JSON_ALLOW_NUL) and
 * sends the line to jansson when it is in a key (which jansson refuses).
 * Duplicate members: the last one wins, as in jansson.
 *
 * One parser per reader (not thread-safe per object; no global state).
 */
#ifndef QR_IO_JSONL_FAST_H
#define QR_IO_JSONL_FAST_H

#include <stddef.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qr_jsonl_fast qr_jsonl_fast;

qr_jsonl_fast *qr_jsonl_fast_new(void);     /* NULL when out of memory */
void qr_jsonl_fast_free(qr_jsonl_fast *p);  /* accepts NULL */

typedef struct qr_jsonl_record {
    const char *text;   /* the text member, unescaped; valid until the next parse */
    size_t text_len;
    json_t *id;         /* the id member (any type), a new reference, or NULL */
    json_t *meta;       /* the other members, a new reference, or NULL if none */
} qr_jsonl_record;

/* Bytes a caller may leave readable after a line so that it is parsed in
 * place (simdjson reads a little past the end of its input). */
#define QR_JSONL_PADDING 64

/* Parses line s[0..n) (valid UTF-8: the caller repairs it first). When
 * `padded` is set, QR_JSONL_PADDING initialized bytes after s[n-1] may be
 * read and the line is parsed where it is; otherwise it is copied first.
 * 0 with *out filled, or -1: let jansson read the line
 * (out is then cleared and holds no reference). */
int qr_jsonl_fast_parse(qr_jsonl_fast *p, const char *s, size_t n, int padded,
                        const char *text_field, const char *id_field, qr_jsonl_record *out);

#ifdef __cplusplus
}
#endif

#endif
