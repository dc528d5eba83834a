/*
 * gazetteer — dictionary (phrase list) matcher over token sequences.
 *
 * Entries are (phrase, label, id, attrs). A phrase is tokenized with
 * qr_tokenize, so a match always starts and ends on token boundaries and
 * "c++", ".net", "python." or "IRE1" in "IRE1/XBP1s" behave like the text
 * around them. Matching runs on token keys, never by rescanning bytes.
 * Spacing counts: tokens written together in a phrase ("c++", ".net") must
 * be together in the text; tokens the phrase separates by whitespace need
 * some whitespace (any amount, line breaks included) between them.
 *
 * Sources (qr_gazetteer_add_list): TSV `phrase<TAB>label[<TAB>id]`, plain
 * lists (one phrase per line, label from the list), JSONL in spaCy's
 * EntityRuler phrase form {"label":…,"pattern":"…","id":…,"attrs":{…}}, or
 * entries added one by one with qr_gazetteer_add. Lines whose first
 * non-blank character is `#` and blank lines are skipped; a UTF-8 BOM is ignored; the id defaults to
 * the phrase as written (trimmed).
 *
 * Case modes, per list (what a text token is compared by):
 *   sensitive    its text, NFC-normalized
 *   insensitive  its key (NFKC + Unicode case-fold)
 *   smart        insensitive, except entries written in all capitals
 *                (letters present, none lower-case) which are compared
 *                sensitively: "US" matches "US" only, "Paris" matches "PARIS".
 * fold_accents additionally strips combining marks (NFD, drop M*, NFC), so
 * "São Paulo" ~ "Sao Paulo". It drops every mark, vowel signs of Indic
 * scripts included: meant for lists in Latin, Greek or Cyrillic script.
 *
 * Overlaps (chosen per call):
 *   QR_GAZ_LONGEST  leftmost-longest, non-overlapping: scanning left to
 *                   right, at each token the longest entry starting there
 *                   wins and scanning resumes after it; with no match the
 *                   scan moves one token, so "a b a b c" finds "a b c".
 *   QR_GAZ_ALL      every (start, end) at which some entry matches.
 * Duplicates: a phrase (as compared under its list's mode) may belong to
 * several entries. A matched span reports every entry that has it, in the
 * order the entries were added (list order, then line order). An entry
 * with the same phrase, label and id as an earlier one is dropped.
 * Results are ordered by start, then longer first, then entry order.
 *
 * Lifecycle and ownership:
 *   qr_gazetteer_new → add_list/add … → compile → match (any threads) → free.
 *   After compile the gazetteer is read-only: any number of threads may
 *   match with it at once, each with its own qr_gazetteer_scratch.
 *   Strings in a qr_gaz_match (label, id, attrs) belong to the gazetteer and
 *   live until qr_gazetteer_free. Strings passed in are copied.
 *   qr_gaz_matches and qr_gazetteer_scratch are caller-owned buffers reused
 *   across calls: no allocation per token or per match once they have grown.
 *
 * Cache: a compiled gazetteer is one flat block; qr_gazetteer_save writes
 * it, qr_gazetteer_load_cache reads it back if its key equals the expected
 * hash (qr_gazetteer_sources_hash: file bytes + list options + entries +
 * this format's and the tokenizer's version). A cache that is corrupt,
 * truncated or for other sources is refused with an error (rebuild then).
 */
#ifndef QR_GAZETTEER_H
#define QR_GAZETTEER_H

#include <stdint.h>
#include "tokenize.h"

typedef enum qr_gaz_case {
    QR_CASE_INSENSITIVE = 0,
    QR_CASE_SENSITIVE,
    QR_CASE_SMART
} qr_gaz_case;

typedef enum qr_gaz_format {
    QR_GAZ_AUTO = 0,   /* by extension: .tsv, .txt, .jsonl (else an error) */
    QR_GAZ_TSV,
    QR_GAZ_PLAIN,
    QR_GAZ_JSONL
} qr_gaz_format;

typedef enum qr_gaz_overlaps {
    QR_GAZ_LONGEST = 0,
    QR_GAZ_ALL
} qr_gaz_overlaps;

typedef struct qr_gazetteer_list {
    const char *path;      /* file to read; NULL for a list filled by qr_gazetteer_add */
    qr_gaz_format format;
    const char *label;     /* default label (required for plain lists), may be NULL */
    qr_gaz_case case_mode;
    int fold_accents;
} qr_gazetteer_list;

typedef struct qr_gazetteer qr_gazetteer;
typedef struct qr_gazetteer_scratch qr_gazetteer_scratch;

typedef struct qr_gaz_match {
    uint32_t start_tok, end_tok;   /* token index range, end exclusive     */
    uint32_t start, end;           /* byte offsets, end exclusive          */
    const char *label;             /* never NULL                           */
    const char *id;                /* never NULL (defaults to the phrase)  */
    const char *attrs;             /* JSON object text, NULL if none       */
    uint32_t entry;                /* entry index, in order of addition    */
    uint32_t list;                 /* list index                           */
} qr_gaz_match;

typedef struct qr_gaz_matches {
    qr_gaz_match *v;
    size_t n, cap;
} qr_gaz_matches;

void qr_gaz_matches_init(qr_gaz_matches *m);
void qr_gaz_matches_free(qr_gaz_matches *m);

/* Parses a case mode name ("sensitive", "insensitive", "smart"); -1 if none. */
int qr_gaz_case_parse(const char *s);
const char *qr_gaz_case_name(qr_gaz_case c);

/* ---- building ---- */
qr_gazetteer *qr_gazetteer_new(void);           /* NULL on out of memory */
void qr_gazetteer_free(qr_gazetteer *g);        /* NULL is fine          */

/* Adds a list and, when list->path is set, reads all its entries now.
 * Returns the list index (>= 0) for qr_gazetteer_add, or -1 with err set
 * (file:line for a malformed line). On error the entries of that list read
 * so far stay added; drop the gazetteer. */
int qr_gazetteer_add_list(qr_gazetteer *g, const qr_gazetteer_list *list, qr_error *err);
/* Same, reading `data` (name is used in error messages) instead of a file. */
int qr_gazetteer_add_list_data(qr_gazetteer *g, const qr_gazetteer_list *list,
                               const char *name, const char *data, size_t len,
                               qr_error *err);
/* Adds one entry to list `list`. label NULL/"" takes the list's label; id
 * NULL/"" takes the phrase; attrs_json is a JSON object text or NULL. */
int qr_gazetteer_add(qr_gazetteer *g, int list, const char *phrase, const char *label,
                     const char *id, const char *attrs_json, qr_error *err);
/* Builds the automaton; afterwards only match/save/free are allowed. */
int qr_gazetteer_compile(qr_gazetteer *g, qr_error *err);

/* Hash of everything added so far (equals qr_gazetteer_sources_hash of the
 * same file lists when no entries were added directly). */
uint64_t qr_gazetteer_hash(const qr_gazetteer *g);
/* The hash that file lists would produce, reading the files but not
 * parsing them (cheap), so a cache can be checked before building. */
int qr_gazetteer_sources_hash(const qr_gazetteer_list *lists, size_t n, uint64_t *out,
                              qr_error *err);

int qr_gazetteer_save(const qr_gazetteer *g, const char *path, qr_error *err);
/* 1 if the file at path starts as a cache does (one cut short in its first
 * bytes too): what save replaces, besides an empty file; 0 otherwise. */
int qr_gazetteer_is_cache_file(const char *path);
/* Returns a compiled gazetteer, or NULL with err set (missing, corrupt,
 * other version, or key != expected_hash). */
qr_gazetteer *qr_gazetteer_load_cache(const char *path, uint64_t expected_hash, qr_error *err);

size_t qr_gazetteer_entry_count(const qr_gazetteer *g);
size_t qr_gazetteer_list_count(const qr_gazetteer *g);
size_t qr_gazetteer_memory(const qr_gazetteer *g);   /* bytes of the compiled block */

/* ---- matching ---- */
qr_gazetteer_scratch *qr_gazetteer_scratch_new(void);
void qr_gazetteer_scratch_free(qr_gazetteer_scratch *s);

/* Matches the tokens `toks` of `text` (from qr_tokenize on that text).
 * Replaces out's contents. Returns 0, or -1 with err set (out of memory,
 * or a gazetteer not compiled). */
int qr_gazetteer_match(const qr_gazetteer *g, qr_gazetteer_scratch *s,
                       const char *text, const qr_tokens *toks,
                       qr_gaz_overlaps overlaps, qr_gaz_matches *out, qr_error *err);
/* Tokenizes text[0..len) into the scratch's own token buffer, then matches. */
int qr_gazetteer_match_text(const qr_gazetteer *g, qr_gazetteer_scratch *s,
                            const char *text, size_t len,
                            qr_gaz_overlaps overlaps, qr_gaz_matches *out, qr_error *err);
/* The tokens of the last qr_gazetteer_match_text call. */
const qr_tokens *qr_gazetteer_scratch_tokens(const qr_gazetteer_scratch *s);

#endif
