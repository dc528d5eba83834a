/*
 * doc — the document model (one per input record).
 *
 *   text       UTF-8 bytes (readers repair invalid sequences before setting it)
 *   tokens     from qr_tokenize, made on first use when no step made them
 *   sentences  from qr_sentences_split, likewise
 *   spans      stand-off annotations (start, end, label, id, source, score,
 *              attrs); the text is never rewritten by a matcher
 *   labels     classifier outputs (label -> score) and the chosen `label`
 *   fields     free key/values (a jansson object), exported as JSON
 *   meta       carried over from the input record (a jansson object)
 *
 * Ownership: the doc owns everything it points to. Strings handed to
 * qr_doc_add_span / qr_doc_set_label are copied (labels and ids are
 * interned per document, so repeated labels cost nothing).
 * A qr_doc is reused across records with qr_doc_reset, keeping its buffers.
 * One doc is used by one thread at a time.
 */
#ifndef QR_DOC_H
#define QR_DOC_H

#include <jansson.h>
#include "quarry_module.h"
#include "tokenize.h"
#include "sentences.h"

typedef struct qr_span {
    uint32_t start, end;
    const char *label;   /* interned in the doc's string pool */
    const char *id;      /* NULL if none                      */
    const char *source;  /* step name, NULL if none           */
    double score;
    json_t *attrs;       /* object or NULL; owned              */
} qr_span;

typedef struct qr_label {
    const char *label;
    double score;
} qr_label;

typedef struct qr_strpool qr_strpool;

struct qr_doc {
    char *id;
    char *text;
    size_t len, text_cap;

    qr_tokens tokens;
    int has_tokens;
    qr_sentences sentences;
    int has_sentences;

    qr_span *spans;
    size_t n_spans, cap_spans;

    qr_label *labels;
    size_t n_labels, cap_labels;
    const char *label;       /* chosen label, NULL if none */

    json_t *fields;          /* object, created on demand */
    json_t *meta;            /* object or NULL            */

    qr_strpool *pool;        /* interned labels, ids, sources */

    /* provenance, for error messages */
    char *source_file;       /* input file, NULL for stdin/Lua */
    long source_line;        /* 1-based line in it, 0 if n/a   */
    uint64_t seq;            /* 0-based position in the input  */
    int n_repaired;          /* invalid UTF-8 sequences replaced at read time */

    const char *current_step;/* set by the runner, used as span source */
    int text_locked;         /* set while a step without QR_STEP_MODIFIES_TEXT
                                runs: doc_set_text refuses (on_error: skip
                                could not take the change back) */
};

qr_doc *qr_doc_new(void);
void qr_doc_free(qr_doc *doc);                 /* NULL is fine */
/* Clears everything but keeps buffers for the next record. */
void qr_doc_reset(qr_doc *doc);

int qr_doc_set_id(qr_doc *doc, const char *id, qr_error *err);
/* Copies text; drops tokens, sentences and spans (their offsets would lie). */
int qr_doc_set_text(qr_doc *doc, const char *text, size_t len, qr_error *err);
/* Takes ownership of meta (an object or NULL). */
void qr_doc_set_meta(qr_doc *doc, json_t *meta);

/* Tokenizes / splits if not done yet. Return 0 or -1 with err. */
int qr_doc_ensure_tokens(qr_doc *doc, qr_error *err);
int qr_doc_ensure_sentences(qr_doc *doc, qr_error *err);

/* Token and sentence buffers that are not a document's: a thread that runs
 * steps over many documents lends its set to each document in turn and
 * takes it back afterwards, so the buffers it writes are the ones still in
 * its cache, and a document waiting for its turn holds none (runner.c). */
typedef struct qr_doc_buffers {
    qr_tokens tokens;
    qr_sentences sentences;
} qr_doc_buffers;

void qr_doc_buffers_init(qr_doc_buffers *b);
void qr_doc_buffers_free(qr_doc_buffers *b);
/* Swaps the doc's token and sentence buffers with b's and drops the doc's
 * tokens and sentences (they are made again on first use). Lending and
 * taking back are the same call. */
void qr_doc_swap_buffers(qr_doc *doc, qr_doc_buffers *b);

/* Adds a span; label must be non-empty; 0 <= start <= end <= len.
 * attrs: an object (reference stolen) or NULL. */
int qr_doc_add_span(qr_doc *doc, uint32_t start, uint32_t end,
                    const char *label, const char *id, double score,
                    json_t *attrs, qr_error *err);
/* Sorts spans by (start, -end, label) — exports call this. */
void qr_doc_sort_spans(qr_doc *doc);

/* Sets (or replaces) the score of a label. */
int qr_doc_set_label(qr_doc *doc, const char *label, double score, qr_error *err);
/* Sets the chosen label (NULL clears it). */
int qr_doc_choose_label(qr_doc *doc, const char *label, qr_error *err);

/* fields: value reference stolen. */
int qr_doc_set_field(qr_doc *doc, const char *key, json_t *value, qr_error *err);

/* Interns s in the doc's pool; valid until reset/free. NULL on OOM. */
const char *qr_doc_intern(qr_doc *doc, const char *s);

#endif
