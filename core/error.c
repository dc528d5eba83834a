#include "error.h"

#include <stdio.h>
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

int qr_error_vset(qr_error *err, const char *fmt, va_list ap)
{
    if (err)
        vsnprintf(err->message, sizeof err->message, fmt, ap);
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
