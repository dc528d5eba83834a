/* The built-in C steps. To add one: write core/steps/<file>.c exposing
 * `const qr_step_def qr_step_<name>_def` and add X(<name>) below — one line.
 * (Lua-backed steps — lua, filter — are registered by the binding, see
 * lq_register_steps in lua/lq.h.) */
#include "registry.h"

#define QR_BUILTIN_STEPS(X) \
    X(tokenize)             \
    X(sentences)            \
    X(gazetteer)            \
    X(regex)                \
    X(export)               \
    X(clean)                \
    X(persons)              \
    X(classify)             \
    X(quotes)               \
    X(keywords)             \
    X(cooccur)              \
    X(export_sqlite)        \
    X(export_html)          \
    X(export_displacy)      \
    X(export_brat)

#define DECLARE(n) extern const qr_step_def qr_step_##n##_def;
QR_BUILTIN_STEPS(DECLARE)
#undef DECLARE

#define ENTRY(n) &qr_step_##n##_def,
static const qr_step_def *const builtins[] = {QR_BUILTIN_STEPS(ENTRY) NULL};
#undef ENTRY

int qr_registry_add_builtins(qr_registry *reg, qr_error *err)
{
    for (size_t i = 0; builtins[i]; i++)
        if (qr_registry_add(reg, builtins[i], err) != 0)
            return -1;
    return 0;
}

