/*
 * quarry_module.h — the one header a quarry step author needs.
 *
 * Built-in steps (tokenize, gazetteer, export…) are declared through exactly
 * this interface; a C module (.so) uses it the same way. The host hands every
 * step a qr_host_api table of function pointers; a step never links against
 * libquarry, so a module built once keeps loading into later hosts.
 *
 * Versioning (see docs/modules.md):
 *   - QR_ABI_MAJOR changes only when something here changes incompatibly;
 *     the host refuses modules built for another major.
 *   - QR_ABI_MINOR grows when members are appended to qr_host_api or
 *     qr_step_def. Members are only ever appended at the end; `size` tells
 *     how many are present, so a module checks `api->size` before using a
 *     member newer than the minor it was built against.
 *
 * Ownership: every pointer returned by an accessor belongs to the document
 * (or option tree) and stays valid until the document is changed by a call
 * that says it invalidates, or until the step returns.
 */
#ifndef QUARRY_MODULE_H
#define QUARRY_MODULE_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QR_ABI_MAJOR 1
#define QR_ABI_MINOR 2

/* ===================================================================
 * Errors: the core never prints; it fills one of these and returns -1.
 * =================================================================== */
typedef struct qr_error {
    char message[1024];  /* what went wrong and what to do, one line        */
    char file[512];      /* file the position refers to, "" if none         */
    int line;            /* 1-based, 0 if unknown                            */
    int col;             /* 1-based, 0 if unknown                            */
    int64_t offset;      /* byte offset in a document or file, -1 if unknown */
} qr_error;

/* ===================================================================
 * Tokens and sentences: plain structs, part of the ABI.
 * Offsets are 0-based bytes into the document text, end exclusive.
 * =================================================================== */
typedef enum qr_token_kind {
    QR_TOK_WORD = 0,
    QR_TOK_NUMBER,
    QR_TOK_PUNCT,
    QR_TOK_SYMBOL,
    QR_TOK_URL,
    QR_TOK_EMAIL,
    QR_TOK_HASHTAG,
    QR_TOK_MENTION,
    QR_TOK_EMOJI,
    QR_TOK_CJK,        /* one character of a script written without spaces */
    QR_TOK_KIND_COUNT
} qr_token_kind;

/* qr_token.flags */
enum {
    QR_TF_SPACE_BEFORE   = 1u << 0, /* whitespace between this and the previous token */
    QR_TF_NEWLINE_BEFORE = 1u << 1, /* at least one line break before                 */
    QR_TF_PARA_BEFORE    = 1u << 2, /* a blank line (paragraph break) before          */
    QR_TF_UPPER_INITIAL  = 1u << 3, /* first character is an upper-case letter        */
    QR_TF_ALL_UPPER      = 1u << 4, /* has letters, all upper-case                     */
    QR_TF_HAS_DIGIT      = 1u << 5,
    QR_TF_ASCII          = 1u << 6, /* every byte < 0x80                               */
    QR_TF_REPAIRED       = 1u << 7  /* contains invalid UTF-8 replaced in the key      */
};

typedef struct qr_token {
    uint32_t start, end;   /* byte offsets in the text                      */
    uint32_t key;          /* offset of the normalized key in the key buffer */
    uint32_t key_len;      /* NFKC + case-fold, NUL-terminated in the buffer */
    uint16_t kind;         /* qr_token_kind                                  */
    uint16_t flags;        /* QR_TF_*                                        */
} qr_token;

typedef struct qr_sentence {
    uint32_t start, end;         /* byte offsets, end exclusive        */
    uint32_t tok_start, tok_end; /* token index range, end exclusive   */
} qr_sentence;

/* A span (entity or other annotation), as seen through the accessors. */
typedef struct qr_span_view {
    uint32_t start, end;   /* byte offsets, end exclusive             */
    const char *label;     /* never NULL                              */
    const char *id;        /* canonical id, NULL if none              */
    const char *source;    /* name of the step that added it          */
    double score;
    const char *attrs_json;/* JSON object text, NULL if none          */
} qr_span_view;

typedef struct qr_doc qr_doc;           /* one document                   */
typedef struct qr_value qr_value;       /* a node of the option tree      */
typedef struct qr_registry qr_registry; /* where steps are registered     */

/* ===================================================================
 * Option values (from YAML or Lua), read-only for steps.
 * =================================================================== */
typedef enum qr_value_type {
    QR_VAL_NULL = 0, QR_VAL_BOOL, QR_VAL_INT, QR_VAL_NUMBER,
    QR_VAL_STRING, QR_VAL_LIST, QR_VAL_MAP
} qr_value_type;

/* Declared option types. The validator checks them before any document is
 * read; `quarry steps` prints them. */
typedef enum qr_opt_type {
    QR_OPT_BOOL = 1,
    QR_OPT_INT,
    QR_OPT_NUMBER,
    QR_OPT_STRING,
    QR_OPT_ENUM,         /* string, one of `choices` ("a|b|c")             */
    QR_OPT_PATH,         /* string, resolved against the pipeline's folder;
                            must exist unless QR_OPT_OUTPUT is set          */
    QR_OPT_STRING_LIST,  /* list of strings (a single string is accepted)   */
    QR_OPT_LIST,         /* list of anything                                */
    QR_OPT_MAP,          /* map of anything                                 */
    QR_OPT_ANY
} qr_opt_type;

/* QR_OPT_OUTPUT: a path that need not exist when the pipeline is checked.
 * QR_OPT_WRITTEN (ABI 1.1, with QR_OPT_OUTPUT): a file or folder the step
 * writes (an export's output); two steps of a pipeline may not write the
 * same path, nor one that is the pipeline's errors file ("-", standard
 * output, excepted). A run never reads such a path as input when it walks
 * a folder or expands a glob.
 * QR_OPT_SHARED (ABI 1.1, with QR_OPT_WRITTEN): a file that several steps
 * may write alike, such as a cache whose content only depends on the
 * options: two such options may name one path, but not an output without
 * this flag, nor the errors file; still never read as input. */
enum { QR_OPT_REQUIRED = 1u << 0, QR_OPT_OUTPUT = 1u << 1, QR_OPT_WRITTEN = 1u << 2,
       QR_OPT_SHARED = 1u << 3 };

typedef struct qr_option_def {
    const char *name;        /* NULL ends the list                          */
    qr_opt_type type;
    const char *default_str; /* default written as in YAML, NULL if none    */
    const char *choices;     /* for QR_OPT_ENUM: "a|b|c"                   */
    const char *help;        /* one line, shown by `quarry steps`           */
    unsigned flags;          /* QR_OPT_REQUIRED, QR_OPT_OUTPUT, QR_OPT_WRITTEN,
                                QR_OPT_SHARED                              */
} qr_option_def;

/* What a step learns about where it runs. */
typedef struct qr_step_ctx {
    const char *pipeline_name;
    const char *pipeline_file; /* "" when built from Lua                  */
    const char *base_dir;      /* folder relative paths resolve against   */
    const char *step_name;     /* the `name:` given, or the step's type   */
    int index;                 /* 0-based position in the pipeline        */
    int jobs;                  /* number of worker threads                */
} qr_step_ctx;

/* ===================================================================
 * Step definition.
 * =================================================================== */
enum {
    QR_STEP_MODIFIES_TEXT = 1u << 0, /* may call doc_set_text (clean steps) */
    QR_STEP_THREAD_SAFE   = 1u << 1, /* process() may run on several threads
                                        at once with the shared state        */
    QR_STEP_ORDERED       = 1u << 2  /* process() runs on the writer thread,
                                        one document at a time, in input
                                        order (exports, corpus statistics).
                                        Steps after it run there too.        */
};

typedef struct qr_host_api qr_host_api;

/* process() return value: drop this document (not an error). */
#define QR_PROCESS_DROP 1
/* process() return value (ABI 1.2), with err filled: the step cannot go on
 * whatever the document, as when its output can no longer be written (a
 * full disk). The run stops whatever on_error says, publishes nothing and
 * exits 2. A host older than 1.2 takes it as -1. */
#define QR_PROCESS_STOP 2

typedef struct qr_step_def {
    size_t size;              /* sizeof(qr_step_def) as built by the author */
    const char *name;         /* as written in YAML: [a-z][a-z0-9_]*         */
    const char *description;  /* one line                                    */
    const qr_option_def *options;
    unsigned flags;           /* QR_STEP_*                                   */

    /* Once per pipeline. `options` has been validated against `options`
     * declarations, defaults filled in. Returns the shared state (may be a
     * non-NULL dummy) or NULL with `err` filled. */
    void *(*init)(const qr_host_api *api, const qr_value *options,
                  const qr_step_ctx *ctx, qr_error *err);
    /* Optional: once per worker thread, returns per-thread state. */
    void *(*thread_init)(void *state, qr_error *err);
    /* Per document. Returns 0, or -1 with `err` filled (the pipeline's
     * on_error policy decides what happens to the document), or
     * QR_PROCESS_DROP to drop the document on purpose (a filter), or
     * QR_PROCESS_STOP with `err` filled to stop the run (ABI 1.2). */
    int (*process)(void *state, void *thread_state, qr_doc *doc, qr_error *err);
    /* Optional: after the last document (on the writer thread). */
    int (*finish)(void *state, qr_error *err);
    void (*thread_free)(void *state, void *thread_state);
    void (*free)(void *state);

    /* ABI 1.1. Optional, for a step from the first QR_STEP_ORDERED one on
     * that holds output back (a buffer on its way to standard output or a
     * pipe): write it out now. Called on the writer thread, between
     * documents, when the input is a stream that has nothing more for the
     * moment (tail -f | quarry run …), so that what is done shows before
     * more comes. Returns 0, or -1 with `err` filled: the run stops. */
    int (*flush)(void *state, qr_error *err);
} qr_step_def;

/* ===================================================================
 * The host API table. Append-only.
 * =================================================================== */
struct qr_host_api {
    int abi_major;
    int abi_minor;
    size_t size;              /* sizeof(qr_host_api) in the host */

    /* registry */
    int (*register_step)(qr_registry *reg, const qr_step_def *def, qr_error *err);

    /* errors: fill err (printf-style), return -1 */
    int (*error)(qr_error *err, const char *fmt, ...);

    /* document: identity and text */
    const char *(*doc_id)(const qr_doc *doc);
    const char *(*doc_text)(const qr_doc *doc, size_t *len);
    /* Only for QR_STEP_MODIFIES_TEXT steps; drops tokens, sentences, spans. */
    int (*doc_set_text)(qr_doc *doc, const char *text, size_t len, qr_error *err);

    /* tokens and sentences; computed on first use if no step made them */
    const qr_token *(*doc_tokens)(qr_doc *doc, size_t *n);
    const char *(*doc_token_key)(qr_doc *doc, size_t i, size_t *len);
    const qr_sentence *(*doc_sentences)(qr_doc *doc, size_t *n);

    /* spans */
    size_t (*doc_span_count)(const qr_doc *doc);
    int (*doc_span)(const qr_doc *doc, size_t i, qr_span_view *out);
    /* label is required; id, attrs_json may be NULL; source is set by the host */
    int (*doc_add_span)(qr_doc *doc, uint32_t start, uint32_t end,
                        const char *label, const char *id, double score,
                        const char *attrs_json, qr_error *err);

    /* classifier labels */
    size_t (*doc_label_count)(const qr_doc *doc);
    int (*doc_label)(const qr_doc *doc, size_t i, const char **label, double *score);
    int (*doc_set_label)(qr_doc *doc, const char *label, double score, qr_error *err);

    /* fields (free key/values) and meta (carried from the input record).
     * Getters return a newly allocated JSON text the caller frees with
     * api->free, or NULL if absent. */
    char *(*doc_field_json)(const qr_doc *doc, const char *key);
    int (*doc_set_field_json)(qr_doc *doc, const char *key, const char *json, qr_error *err);
    int (*doc_set_field_number)(qr_doc *doc, const char *key, double v, qr_error *err);
    int (*doc_set_field_string)(qr_doc *doc, const char *key, const char *s, qr_error *err);
    char *(*doc_meta_json)(const qr_doc *doc, const char *key);
    void (*free)(void *p);

    /* option values */
    const qr_value *(*opt)(const qr_value *map, const char *key); /* NULL if absent */
    qr_value_type (*value_type)(const qr_value *v);
    int (*value_bool)(const qr_value *v);
    int64_t (*value_int)(const qr_value *v);
    double (*value_number)(const qr_value *v);          /* ints convert     */
    const char *(*value_string)(const qr_value *v);     /* NULL if not one  */
    size_t (*value_len)(const qr_value *v);             /* list/map length  */
    const qr_value *(*value_at)(const qr_value *v, size_t i);
    const char *(*value_key_at)(const qr_value *map, size_t i);
    /* Where the value was written: fills err->file/line/col. */
    void (*value_mark)(const qr_value *v, qr_error *err);
    /* Resolves a path option against ctx->base_dir; newly allocated. */
    char *(*resolve_path)(const qr_step_ctx *ctx, const char *path);

    /* Append new members below this line only. */
};

/* The entry point every module exports. */
typedef int (*qr_module_init_fn)(const qr_host_api *api, qr_registry *reg, qr_error *err);
#define QR_MODULE_INIT_SYMBOL "quarry_module_init"

/* ===================================================================
 * Module identity (added in ABI 1.0, before the first release).
 *
 * Every module states the ABI it was built for in an exported constant,
 * which the host reads BEFORE it calls any code of the module: a module
 * built for another QR_ABI_MAJOR is refused without being run. Write, at
 * file scope of exactly one source file of the module:
 *
 *     QR_MODULE_DECLARE("sentiment", "1.0.0");
 *
 * and define quarry_module_init (declared below). `abi_major` and
 * `abi_minor` stay the first two members in every future ABI.
 * =================================================================== */
typedef struct qr_module_info {
    int abi_major;            /* QR_ABI_MAJOR the module was built with    */
    int abi_minor;            /* QR_ABI_MINOR the module was built with    */
    size_t size;              /* sizeof(qr_module_info) as built           */
    const char *name;         /* the module's name, for messages           */
    const char *version;      /* the module's own version, for messages    */
} qr_module_info;

#define QR_MODULE_INFO_SYMBOL "quarry_module_info"

#if defined(__GNUC__) || defined(__clang__)
#define QR_MODULE_EXPORT __attribute__((visibility("default")))
#else
#define QR_MODULE_EXPORT
#endif

/* Declared here so they stay exported under -fvisibility=hidden and get C
 * linkage from C++; a module defines both (the first with the macro). */
QR_MODULE_EXPORT extern const qr_module_info quarry_module_info;
QR_MODULE_EXPORT int quarry_module_init(const qr_host_api *api, qr_registry *reg,
                                        qr_error *err);

/* Whether the host's qr_host_api has `member` — for a module that uses a
 * member appended after the minor of the oldest host it supports:
 *     if (QR_API_HAS(api, doc_something)) api->doc_something(…);       */
#define QR_API_HAS(api, member) \
    ((api)->size >= offsetof(qr_host_api, member) + sizeof((api)->member))

#define QR_MODULE_DECLARE(name, version)                                   \
    const qr_module_info quarry_module_info = {                            \
        QR_ABI_MAJOR, QR_ABI_MINOR, sizeof(qr_module_info), (name), (version)}

#ifdef __cplusplus
}
#endif
#endif
