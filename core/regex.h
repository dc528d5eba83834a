/*
 * regex — labeled PCRE2 patterns matched over UTF-8 text.
 *
 * A qr_regex_set holds one or more labeled patterns, each compiled once with
 * PCRE2 (8-bit) in UTF mode, with PCRE2_UCP unless QR_RE_NO_UCP is given, and
 * JIT-compiled when the PCRE2 build supports it (otherwise the interpreter is
 * used, silently; qr_regex_set_jit tells which). Matching a set over a text
 * reports spans {start, end, label, pattern index}, 0-based byte offsets,
 * end exclusive, ordered by start offset, then by pattern index.
 *
 * Semantics, per pattern:
 *   - the matches of one pattern do not overlap (the usual global search:
 *     each search resumes where the previous match ended); matches of
 *     different patterns may overlap and are all reported;
 *   - the span is the whole match, or the capture group named by `group`
 *     (a number, or a name for (?<name>...)); a match whose group did not
 *     take part is not reported;
 *   - empty spans are never reported; after an empty match the search moves
 *     on by one whole UTF-8 character;
 *   - a group inside a lookahead may lie outside the match; its span is
 *     reported as captured (order is by span start assuming spans of one
 *     pattern do not go backwards, which holds unless groups sit in
 *     lookarounds).
 *
 * Bounded work: every search runs under a match limit and a depth limit
 * (qr_regex_limits; the interpreter also under a heap limit, JIT under its
 * stack limit), so a catastrophic pattern such as `(a+)+$` fails for that
 * document with "regex YEAR: match limit exceeded at byte offset N in this
 * document; simplify the pattern or raise match_limit" instead of hanging.
 *
 * Ownership and threads:
 *   - qr_regex_set_new / _add / _free: build the set on one thread. Labels
 *     and patterns are copied. After the last _add the set is read-only and
 *     may be shared by any number of threads.
 *   - qr_regex_scratch: per-thread match state (PCRE2 match data, match
 *     context holding the limits, JIT stack, per-pattern cursors). Make one
 *     per thread with qr_regex_scratch_new(set) after the set is complete;
 *     it serves only that set and must not outlive it.
 *   - qr_regex_spans: a growable result buffer owned by the caller and reused
 *     across calls; qr_regex_spans_free releases it. Span labels point into
 *     the set and live as long as the set.
 *   - No allocation per match: the callback form never allocates; the buffer
 *     form grows its array geometrically only when it is full.
 */
#ifndef QR_REGEX_H
#define QR_REGEX_H

#include <stddef.h>
#include <stdint.h>
#include "quarry_module.h"

typedef struct qr_regex_set qr_regex_set;
typedef struct qr_regex_scratch qr_regex_scratch;

/* Compile flags (qr_regex_def.flags). */
enum {
    QR_RE_CASELESS  = 1u << 0, /* i: Unicode simple case folding              */
    QR_RE_MULTILINE = 1u << 1, /* m: ^ and $ match at line starts and ends     */
    QR_RE_DOTALL    = 1u << 2, /* s: . matches newlines too                    */
    QR_RE_EXTENDED  = 1u << 3, /* x: whitespace and # comments ignored         */
    QR_RE_NO_UCP    = 1u << 4, /* \w \d \s \b and POSIX classes ASCII-only     */
    QR_RE_UNGREEDY  = 1u << 5  /* U: quantifiers lazy by default               */
};

/* Match flags (qr_regex_set_match*). */
enum {
    /* The caller says the text is valid UTF-8 (quarry documents are
     * repaired when read). Accepted for compatibility; it changes nothing:
     * patterns are compiled with PCRE2_MATCH_INVALID_UTF, so no text is
     * checked up front and invalid sequences in any text simply never
     * match (no match crosses them; offsets stay exact byte offsets). */
    QR_RE_TEXT_VALID_UTF8 = 1u << 0
};

/* One pattern of a set. */
typedef struct qr_regex_def {
    const char *label;    /* required, non-empty; copied                       */
    const char *pattern;  /* required; copied                                  */
    size_t pattern_len;   /* bytes; (size_t)-1 means NUL-terminated            */
    const char *group;    /* NULL or "" or "0": the whole match; "2": group 2;
                             "year": the group (?<year>...)                   */
    unsigned flags;       /* QR_RE_*                                           */
} qr_regex_def;

/* Work limits; 0 in any field means its default. */
typedef struct qr_regex_limits {
    uint32_t match_limit;  /* PCRE2 match limit per search (default 10,000,000) */
    uint32_t depth_limit;  /* backtracking depth (default 1,000,000; interpreter) */
    uint32_t heap_limit_kb;/* interpreter backtracking memory, KiB (default 131,072) */
    uint32_t jit_stack_kb; /* JIT stack maximum, KiB (default 16,384)            */
} qr_regex_limits;

#define QR_REGEX_DEFAULT_MATCH_LIMIT 10000000u
#define QR_REGEX_DEFAULT_DEPTH_LIMIT 1000000u
#define QR_REGEX_DEFAULT_HEAP_LIMIT_KB 131072u
#define QR_REGEX_DEFAULT_JIT_STACK_KB 16384u

/* A reported span. */
typedef struct qr_regex_span {
    size_t start, end;     /* byte offsets, end exclusive, start < end */
    const char *label;     /* the pattern's label, owned by the set   */
    uint32_t pattern;      /* 0-based index of the pattern in the set */
} qr_regex_span;

/* Caller-owned result buffer, reused across calls. Zero-initialize it
 * (or qr_regex_spans_init), set n = 0 to reuse, free with _free. */
typedef struct qr_regex_spans {
    qr_regex_span *v;
    size_t n, cap;
} qr_regex_spans;

/* ---- building ---------------------------------------------------------- */

/* A new empty set; `limits` may be NULL for the defaults. NULL on out of
 * memory (err filled). */
qr_regex_set *qr_regex_set_new(const qr_regex_limits *limits, qr_error *err);
void qr_regex_set_free(qr_regex_set *set);    /* NULL is fine */

/* Compiles and appends one pattern. Returns its 0-based index, or -1 with
 * err filled, e.g. "regex 'MONEY': missing closing parenthesis at pattern
 * offset 7" (PCRE2's message, offset in bytes; err->offset is set to it too),
 * or "regex 'YEAR': no group named 'yr' in the pattern". A failed add leaves
 * the set as it was. */
int qr_regex_set_add(qr_regex_set *set, const qr_regex_def *def, qr_error *err);

/* Parses flags written as letters ("imsxU") or as names separated by commas
 * or spaces ("caseless, multiline"; also dotall, extended, ungreedy,
 * no_ucp/ascii). ORs them into *flags. Returns 0 or -1 naming the bad one. */
int qr_regex_parse_flags(const char *text, unsigned *flags, qr_error *err);

/* ---- inspecting -------------------------------------------------------- */

size_t qr_regex_set_count(const qr_regex_set *set);
const char *qr_regex_set_label(const qr_regex_set *set, size_t i);
/* 1 if pattern i runs JIT-compiled code, 0 if the interpreter. */
int qr_regex_set_jit(const qr_regex_set *set, size_t i);

/* ---- matching ---------------------------------------------------------- */

/* Per-thread state for `set` (complete it first). NULL + err on failure. */
qr_regex_scratch *qr_regex_scratch_new(const qr_regex_set *set, qr_error *err);
void qr_regex_scratch_free(qr_regex_scratch *scratch);   /* NULL is fine */

/* Called once per span, in order. Return 0 to go on, non-zero to stop
 * (qr_regex_set_match then returns 0). */
typedef int (*qr_regex_span_fn)(void *ud, const qr_regex_span *span);

/* Reports every span of every pattern in text[0..len) to fn. Returns 0, or
 * -1 with err filled and err->offset set to the byte offset concerned:
 *   "regex YEAR: match limit exceeded at byte offset N in this document;
 *    simplify the pattern or raise match_limit" (likewise depth_limit,
 *    heap_limit, jit_stack). Invalid UTF-8 in text is not an error: an
 *    invalid sequence never matches any pattern item.
 * Spans already reported before an error stay reported. */
int qr_regex_set_match(const qr_regex_set *set, qr_regex_scratch *scratch,
                       const char *text, size_t len, unsigned mflags,
                       qr_regex_span_fn fn, void *ud, qr_error *err);

/* The same, appending the spans to `out` (which is not cleared first). On
 * error `out` keeps the spans found before it. */
int qr_regex_set_match_all(const qr_regex_set *set, qr_regex_scratch *scratch,
                           const char *text, size_t len, unsigned mflags,
                           qr_regex_spans *out, qr_error *err);

void qr_regex_spans_init(qr_regex_spans *spans);
void qr_regex_spans_free(qr_regex_spans *spans);   /* leaves it empty, reusable */

#endif
