/*
 * value — the option tree (struct qr_value): what a pipeline is made of
 * before it is validated, built from YAML (yaml_load.c) or from Lua
 * (lua/lq_pipeline.c), and what a step's init() reads through the host API.
 *
 * A node is null, bool, int, number, string, list or map, and remembers where
 * it was written (file, line, col; 1-based, 0 if unknown) so every error can
 * say `pipeline.yaml:12:7: …` or `script.lua:40: …`.
 *
 * Ownership: a node owns its children, its strings and its file name.
 * qr_value_list_push / qr_value_map_set take ownership of the item, also on
 * failure (the item is then freed). Map keys are kept in insertion order;
 * qr_value_map_set replaces the value of an existing key in place.
 * A tree is read-only once handed to qr_pipeline_from_value and may be read
 * from several threads at once.
 */
#ifndef QR_VALUE_H
#define QR_VALUE_H

#include "quarry_module.h"

typedef struct qr_value_entry {
    char *key;
    int key_line, key_col;   /* where the key was written (0 if unknown) */
    qr_value *value;
} qr_value_entry;

struct qr_value {
    qr_value_type type;
    char *file;              /* NULL if unknown                           */
    int line, col;           /* 1-based, 0 if unknown                     */
    unsigned plain;          /* 1: an unquoted YAML scalar (re-typed after
                                ${var} substitution)                      */
    unsigned block;          /* 1: a YAML literal block scalar (|): line k
                                of the text is line `line` + k of the file */
    union {
        int b;
        int64_t i;
        double n;
        struct { char *s; size_t len; } str;
        struct { qr_value **v; size_t n, cap; } list;
        struct { qr_value_entry *v; size_t n, cap; } map;
    } u;
};

/* d written as the shortest of %.15g..%.17g that reads back as d. */
void qr_format_double(double d, char *buf, size_t n);

/* Constructors: NULL on out of memory. The string ones copy s. */
qr_value *qr_value_new_null(void);
qr_value *qr_value_new_bool(int b);
qr_value *qr_value_new_int(int64_t i);
qr_value *qr_value_new_number(double n);
qr_value *qr_value_new_string(const char *s);
qr_value *qr_value_new_lstring(const char *s, size_t len);
qr_value *qr_value_new_list(void);
qr_value *qr_value_new_map(void);
void qr_value_free(qr_value *v);                 /* NULL is fine; recursive */

/* Records where v was written (file copied; NULL clears). 0 or -1 (OOM). */
int qr_value_set_mark(qr_value *v, const char *file, int line, int col);
/* Sets the mark of v and, recursively, of every child without one. */
int qr_value_set_mark_deep(qr_value *v, const char *file, int line, int col);

/* Takes ownership of item (freed on failure). 0 or -1 (OOM / wrong type). */
int qr_value_list_push(qr_value *list, qr_value *item);
int qr_value_map_set(qr_value *map, const char *key, qr_value *item);

/* Deep copy (marks included), NULL on OOM. */
qr_value *qr_value_copy(const qr_value *v);

/* Readers. Wrong type → NULL / 0. Ints convert to numbers. */
const qr_value *qr_value_get(const qr_value *map, const char *key);
const qr_value_entry *qr_value_get_entry(const qr_value *map, const char *key);
size_t qr_value_len(const qr_value *v);                 /* list/map length */
const qr_value *qr_value_at(const qr_value *v, size_t i); /* list item or map value */
const char *qr_value_key_at(const qr_value *map, size_t i);
const char *qr_value_string(const qr_value *v);
int qr_value_bool(const qr_value *v);
int64_t qr_value_int(const qr_value *v);
double qr_value_number(const qr_value *v);

/* "null", "a boolean", "an integer", "a number", "a string", "a list", "a map" */
const char *qr_value_type_name(qr_value_type t);

/* Error at v's mark: fills err->file/line/col and the message. Returns -1. */
int qr_value_error(const qr_value *v, qr_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Just the position (the host API's value_mark). */
void qr_value_mark(const qr_value *v, qr_error *err);

/* YAML flow-style text of v on one line ("{ case: insensitive, lists: [ … ] }"),
 * newly allocated (free()), NULL on OOM. Used by `quarry check`. */
char *qr_value_to_flow(const qr_value *v);

/* Compact JSON text of v (maps keep their order), newly allocated (free()),
 * NULL on OOM or for NaN/infinite numbers. */
char *qr_value_to_json(const qr_value *v);

/* Re-types a plain scalar text as YAML 1.2 core would (null, true/false,
 * ints incl. 0x/0o, floats incl. .inf/.nan); anything else stays a string.
 * Replaces v's content in place. 0 or -1 (OOM). */
int qr_value_retype_plain(qr_value *v);

#endif
