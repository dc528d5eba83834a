/*
 * yaml_load — YAML (libyaml) to a qr_value tree with positions.
 *
 * Plain scalars are typed as YAML 1.2 core does (null, true/false, ints,
 * floats); quoted and block scalars are strings. Anchors and aliases work;
 * an alias is expanded into a copy, and the whole document may not grow past
 * QR_YAML_MAX_NODES nodes (an "alias bomb" is refused with a clear error),
 * nor nest deeper than QR_YAML_MAX_DEPTH. `<<: *anchor` merge keys are
 * supported. Duplicate keys in one map are errors. A second document in
 * the stream is an error (it would be ignored otherwise); an empty file
 * gives a null.
 *
 * Errors: qr_error with file, line and col (1-based) of the problem.
 */
#ifndef QR_YAML_LOAD_H
#define QR_YAML_LOAD_H

#include "value.h"

#define QR_YAML_MAX_NODES 200000
#define QR_YAML_MAX_DEPTH 64

/* `file` is used in marks and messages. NULL on error. */
qr_value *qr_yaml_load_file(const char *path, qr_error *err);
qr_value *qr_yaml_load_string(const char *text, size_t len, const char *file,
                              qr_error *err);

#endif
