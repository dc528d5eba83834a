#include "error.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qr_error_clear(qr_error *err)
{
    if (!err)
        return;
    err->message[0] = '\0';
    err->file[0] = '\0';
    err->line = err->col = 0;
    err->offset = -1;
}

/* Keeps both ends of a message too long for out: what went wrong comes
 * first and what to do last, while the middle is usually a long echoed
 * input (a phrase, a header line, a name). Cuts fall on UTF-8 boundaries. */
static void keep_ends(const char *s, size_t n, char *out, size_t size)
{
    size_t head = size * 5 / 8, tail = size - 1 - head - 3;
    while (head > 0 && ((unsigned char)s[head] & 0xC0) == 0x80)
        head--;
    size_t from = n - tail;
    while (from < n && ((unsigned char)s[from] & 0xC0) == 0x80)
        from++;
    memcpy(out, s, head);
    memcpy(out + head, "...", 3);
    memcpy(out + head + 3, s + from, n - from + 1);
}

/* A message is one line of UTF-8: control characters (a CR in a CSV
 * header, a newline in a YAML key) and bytes that are not UTF-8 (a Latin-1
 * name) from echoed input are written as escapes, so the message prints
 * cleanly and fits a JSON string (the errors file). */
static void escape_bytes(char *msg, size_t size)
{
    size_t len = strlen(msg), i = 0;
    while (i < len && (unsigned char)msg[i] >= 0x20 && msg[i] != 0x7f)
        i++;
    if (i == len && qr_utf8_validate(msg, len) == len)
        return;
    char out[sizeof ((qr_error *)0)->message];
    size_t n = 0;
    for (i = 0; i < len;) {
        unsigned char c = (unsigned char)msg[i];
        char e[5];
        size_t k = 1;
        if (c >= 0x80) {            /* a whole valid sequence, or one escaped byte */
            size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            size_t rest = len - i < 4 ? len - i : 4;
            if (c >= 0xC0 && qr_utf8_validate(msg + i, rest) >= want)
                k = want;
        }
        if (k > 1 || (c >= 0x20 && c < 0x7f)) {
            memcpy(e, msg + i, k);
            e[k] = '\0';
        } else if (c == '\n' || c == '\r' || c == '\t') {
            snprintf(e, sizeof e, "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
        } else {
            snprintf(e, sizeof e, "\\x%02X", c);
        }
        size_t el = strlen(e);
        if (n + el >= size || n + el >= sizeof out)
            break;                  /* whole sequences only: never cut one */
        memcpy(out + n, e, el);
        n += el;
        i += k;
    }
    out[n] = '\0';
    memcpy(msg, out, n + 1);
}

int qr_error_vset(qr_error *err, const char *fmt, va_list ap)
{
    if (!err)
        return -1;
    /* formatted aside first: an argument may be err->message itself */
    char buf[sizeof err->message];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    char *full = n >= (int)sizeof buf ? malloc((size_t)n + 1) : NULL;
    if (full) {
        vsnprintf(full, (size_t)n + 1, fmt, again);
        keep_ends(full, (size_t)n, buf, sizeof buf);
        free(full);
    }
    va_end(again);
    escape_bytes(buf, sizeof buf);
    memcpy(err->message, buf, sizeof buf);
    return -1;
}

int qr_error_set(qr_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qr_error_vset(err, fmt, ap);
    va_end(ap);
    return -1;
}

int qr_error_at(qr_error *err, const char *file, int line, int col,
                const char *fmt, ...)
{
    if (!err)
        return -1;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->col = col;
    va_list ap;
    va_start(ap, fmt);
    qr_error_vset(err, fmt, ap);
    va_end(ap);
    return -1;
}

const char *qr_error_format(const qr_error *err, char *buf, size_t n)
{
    if (!err->file[0])
        snprintf(buf, n, "%s", err->message);
    else if (err->line > 0 && err->col > 0)
        snprintf(buf, n, "%s:%d:%d: %s", err->file, err->line, err->col, err->message);
    else if (err->line > 0)
        snprintf(buf, n, "%s:%d: %s", err->file, err->line, err->message);
    else
        snprintf(buf, n, "%s: %s", err->file, err->message);
    return buf;
}
