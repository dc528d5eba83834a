/*
 * opt_value — a step's option map (core/value.h) read with defaults, for
 * the built-in steps that read the tree directly (export, clean).
 */
#ifndef QR_OPT_VALUE_H
#define QR_OPT_VALUE_H

#include "value.h"

/* The string option `key`, or def when it is missing or not a string. */
static inline const char *opt_str(const qr_value *opts, const char *key, const char *def)
{
    const char *s = qr_value_string(qr_value_get(opts, key));
    return s ? s : def;
}

/* The boolean option `key`, or def when it is missing or not a boolean. */
static inline int opt_bool(const qr_value *opts, const char *key, int def)
{
    const qr_value *v = qr_value_get(opts, key);
    return v && v->type == QR_VAL_BOOL ? qr_value_bool(v) : def;
}

#endif
