/*
 * error — filling a qr_error (declared in quarry_module.h).
 * All functions return -1 so callers can `return qr_error_set(err, ...)`.
 * `err` may be NULL, in which case nothing is written.
 */
#ifndef QR_ERROR_H
#define QR_ERROR_H

#include "quarry_module.h"

void qr_error_clear(qr_error *err);
int qr_error_set(qr_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int qr_error_vset(qr_error *err, const char *fmt, va_list ap);
/* Sets the message and a file position (line/col 1-based, 0 if unknown). */
int qr_error_at(qr_error *err, const char *file, int line, int col,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "file:line:col: message" (the parts that are known) into buf. */
const char *qr_error_format(const qr_error *err, char *buf, size_t n);

#endif
