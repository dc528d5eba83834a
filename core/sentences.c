/*
 * sentences — rule-based sentence splitter on tokens (see sentences.h and
 * docs/sentences.md for the rules).
 *
 * One pass over the tokens. Two kinds of decisions:
 *   - a break BEFORE a token: paragraph breaks, bullets, the next item of a
 *     numbered list, a line after a heading-like line;
 *   - a break AFTER a run of terminal marks (". ! ? …" possibly spaced, plus
 *     closing quotes/brackets glued to them): decided from the word before
 *     the run (ordinary word, title, abbreviation, initial, acronym) and the
 *     token after it (lower-case word, starter word, number, opener…).
 * Word lists are read-only tables; no allocation except the output array.
 */
#include "sentences.h"
#include "error.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__GNUC__) && defined(__x86_64__)
#define HAVE_AVX2_SCAN 1    /* hot_map_avx2, chosen at run time */
#include <immintrin.h>
#endif

void qr_sentences_init(qr_sentences *s)
{
    s->v = NULL;
    s->n = s->cap = 0;
    s->hot = NULL;
    s->hot_cap = 0;
}

void qr_sentences_free(qr_sentences *s)
{
    if (!s)
        return;
    free(s->v);
    free(s->hot);
    qr_sentences_init(s);
}

/* {======================================================================
 * Word tables (case-folded keys, sorted by byte value for binary search)
 * ======================================================================= */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A table word of at most 7 bytes, NUL-padded to 8 (see in_words8). Keep
 * every entry under 8 bytes: C silently drops the NUL of an 8-byte one. */
typedef char word8[8];

/* Prepositive titles: the period after them never ends a sentence. */
static const word8 titles[] = {
    "adm", "atty", "brig", "capt", "cmdr", "col", "cpl", "dr", "fr", "gen",
    "gov", "hon", "lt", "maj", "messrs", "mlle", "mme", "mr", "mrs", "ms",
    "msgr", "mssrs", "mt", "pres", "prof", "pvt", "rep", "rev", "sen", "sgt",
    "supt",
};

/* Abbreviations that never end a sentence. */
static const word8 never_end[] = {
    "cf", "e.g", "eg", "i.e", "ie", "viz", "vs",
};

/* Other abbreviations: they end a sentence only before a starter word. */
static const word8 abbrevs[] = {
    "al", "approx", "apr", "assn", "assoc", "asst", "aug", "ave", "bldg",
    "blvd", "bros", "ca", "ch", "chap", "co", "corp", "dec", "dept", "dist",
    "div", "ed", "eds", "esp", "est", "feb", "fig", "figs", "ft", "govt",
    "hwy", "inc", "incl", "intl", "jan", "jr", "jul", "jun", "lb", "lbs",
    "ln", "ltd", "mfg", "misc", "mph", "no", "nos", "nov", "n\xc2\xb0", "oct",
    "op", "oz", "pg", "pp", "pt", "rd", "ref", "sec", "sep", "sept", "sq",
    "sr", "st", "ste", "tel", "univ", "vol", "vols", "yr", "yrs",
};

/* Closed-class words that typically begin a sentence. After an abbreviation
 * or acronym ("U.S.", "Co.", "p.m.") a capitalized word from this list
 * starts a new sentence; any other capitalized word (a name, "Government")
 * continues the current one. */
static const char *const starters[] = {
    "a", "about", "after", "again", "all", "also", "although", "among", "an",
    "and", "another", "any", "are", "as", "at", "because", "before", "both",
    "but", "by", "can", "could", "despite", "did", "do", "does", "during",
    "each", "either", "even", "every", "few", "finally", "for", "from",
    "further", "furthermore", "had", "has", "have", "he", "her", "here",
    "his", "how", "however", "i", "if", "in", "indeed", "instead", "is", "it",
    "its", "just", "later", "let", "many", "meanwhile", "moreover", "most",
    "much", "my", "neither", "nevertheless", "next", "no", "nor", "not",
    "now", "of", "on", "once", "only", "or", "other", "our", "perhaps",
    "she", "should", "since", "so", "some", "still", "such", "than", "that",
    "the", "their", "then", "there", "therefore", "these", "they", "this",
    "those", "though", "thus", "to", "today", "under", "unlike", "until",
    "was", "we", "were", "what", "when", "where", "whether", "which", "while",
    "who", "whom", "whose", "why", "with", "within", "without", "would",
    "yes", "yet", "you", "your",
};

/* Lower-case words allowed in a title-case heading line. */
static const word8 small_words[] = {
    "a", "an", "and", "as", "at", "but", "by", "de", "for", "from", "in",
    "into", "nor", "of", "on", "or", "over", "the", "to", "vs", "with",
};

static int cmp_word(const char *w, size_t n, const char *s)
{
    size_t sl = strlen(s), m = n < sl ? n : sl;
    int c = memcmp(w, s, m);
    if (c)
        return c;
    return n < sl ? -1 : n > sl;
}

/* Binary search of w[0..n) in a sorted table of count words, word i being
 * at(tab, i): one search for both table kinds. */
static int in_sorted(const void *tab, const char *(*at)(const void *, size_t), size_t count,
                     const char *w, size_t n)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_word(w, n, at(tab, mid));
        if (c == 0)
            return 1;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

static const char *ptr_at(const void *tab, size_t i)
{
    return ((const char *const *)tab)[i];
}

static const char *w8_at(const void *tab, size_t i)
{
    return ((const word8 *)tab)[i];
}

static int in_table(const char *const *tab, size_t count, const char *w, size_t n)
{
    return in_sorted(tab, ptr_at, count, w, n);
}

/* in_table for the word8 tables (the reference path; see in_words8). */
static int in_table_w8(const word8 *tab, size_t count, const char *w, size_t n)
{
    return in_sorted(tab, w8_at, count, w, n);
}

/* 8 bytes as a big-endian number: numbers compare as the bytes do with
 * memcmp. */
static inline uint64_t be64(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40
           | (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16
           | (uint64_t)p[6] << 8 | (uint64_t)p[7];    /* one load + bswap */
}

/* in_table_w8 on numbers: the word zero-padded to 8 bytes, as a big-endian
 * number, compares with an entry as the strings do (no entry holds a NUL,
 * none is longer than 7 bytes; a shorter word sorts first, as in
 * cmp_word), so each step of the search is one 64-bit compare instead of
 * strlen + memcmp. */
static int in_words8(const word8 *tab, size_t count, const char *w, size_t n)
{
    if (n > 7)
        return 0;
    uint64_t k = 0;
    for (size_t j = 0; j < n; j++) {
        if (!w[j])
            return 0;
        k |= (uint64_t)(unsigned char)w[j] << (56 - 8 * j);
    }
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t e = be64(tab[mid]);
        if (k == e)
            return 1;
        if (k < e)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

#define IN(tab, w, n) in_table(tab, COUNT(tab), w, n)
#define IN8(sp, tab, w, n) ((sp)->fast ? in_words8(tab, COUNT(tab), w, n) \
                                       : in_table_w8(tab, COUNT(tab), w, n))

/* }====================================================================== */

/* {======================================================================
 * Characters
 * ======================================================================= */

enum {
    MK_NONE = 0,
    MK_DOT,      /* .                                  */
    MK_ELLIPSIS, /* … (counts as three dots)           */
    MK_EXCL,     /* ! ? and their combinations         */
    MK_STRONG    /* 。！？ ؟ ।: end even without a space */
};

static int mark_of(int32_t c)
{
    switch (c) {
    case '.':
        return MK_DOT;
    case 0x2026:
        return MK_ELLIPSIS;
    case '!': case '?': case 0x203C: case 0x2047: case 0x2048: case 0x2049: case 0x203D:
        return MK_EXCL;
    case 0x3002: case 0xFF01: case 0xFF1F: case 0xFF61: case 0x061F: case 0x0964:
        return MK_STRONG;
    default:
        return MK_NONE;
    }
}

static int is_closer(int32_t c)
{
    switch (c) {
    case '"': case '\'': case ')': case ']': case '}':
    case 0x2019: case 0x201D: case 0x00BB: case 0x203A:
    case 0x300D: case 0x300F: case 0x3011: case 0x3009: case 0x300B: case 0xFF09:
        return 1;
    default:
        return 0;
    }
}

static int is_opener(int32_t c)
{
    switch (c) {
    case '"': case '\'': case '(': case '[': case '{':
    case 0x2018: case 0x201C: case 0x00AB: case 0x2039: case 0x00BF: case 0x00A1:
    case 0x300C: case 0x300E: case 0x3010: case 0x3008: case 0x300A: case 0xFF08:
        return 1;
    default:
        return 0;
    }
}

/* Bullets that start a list item wherever they appear after a space. */
static int is_bullet(int32_t c)
{
    switch (c) {
    case 0x2022: case 0x2023: case 0x2043: case 0x25E6: case 0x25AA: case 0x25CF:
    case 0x25A0: case 0x25C6: case 0x25B8: case 0x25BA: case 0x27A2: case 0x2713:
    case 0x2714: case 0x2756: case 0x00B7:
        return 1;
    default:
        return 0;
    }
}

/* Bullets only at the start of a line ("- item", "* item"). */
static int is_line_bullet(int32_t c)
{
    return c == '-' || c == '*' || c == '+' || c == 0x2013 || c == 0x2014;
}

static int is_apostrophe(int32_t c)
{
    return c == '\'' || c == 0x2019;
}

/* }====================================================================== */

/* {======================================================================
 * Tokens
 * ======================================================================= */

typedef struct splitter {
    const char *text;
    const qr_tokens *toks;
    const qr_token *tk;
    size_t n;
    qr_sentences *out;
    qr_error *err;
    size_t s;               /* first token of the open sentence */
    int list_style;         /* style of the last list marker seen, 0 if none */
    unsigned list_value;    /* its value (1, 2… or a=1, b=2…) */
    int fast;               /* 0: no fast path (qr_sentences_split_reference) */
} splitter;

static const char *tok_text(const splitter *sp, size_t i, size_t *len)
{
    *len = sp->tk[i].end - sp->tk[i].start;
    return sp->text + sp->tk[i].start;
}

static int spaced(const splitter *sp, size_t i)
{
    return (sp->tk[i].flags & (QR_TF_SPACE_BEFORE | QR_TF_NEWLINE_BEFORE | QR_TF_PARA_BEFORE)) != 0;
}

static int32_t first_cp(const splitter *sp, size_t i)
{
    size_t len;
    const char *p = tok_text(sp, i, &len);
    int32_t c = QR_UTF8_BAD;
    if (len)
        qr_utf8_decode((const unsigned char *)p, len, &c);
    return c;
}

/* The token is exactly one code point c satisfying pred. */
static int single_cp(const splitter *sp, size_t i, int (*pred)(int32_t))
{
    size_t len;
    const char *p = tok_text(sp, i, &len);
    int32_t c;
    if (!len)
        return 0;
    size_t k = qr_utf8_decode((const unsigned char *)p, len, &c);
    return k == len && c != QR_UTF8_BAD && pred(c);
}

static int is_word(const splitter *sp, size_t i)
{
    return sp->tk[i].kind == QR_TOK_WORD;
}

static inline int is_lower_word(const splitter *sp, size_t i)
{
    if (!is_word(sp, i))
        return 0;
    const qr_token *t = &sp->tk[i];
    if (sp->fast && t->end > t->start && (unsigned char)sp->text[t->start] < 0x80) {
        char b = sp->text[t->start];
        return b >= 'a' && b <= 'z';    /* the ASCII letters of category Ll */
    }
    int32_t c = first_cp(sp, i);
    return c != QR_UTF8_BAD && utf8proc_category(c) == UTF8PROC_CATEGORY_LL;
}

static int is_upper_word(const splitter *sp, size_t i)
{
    return is_word(sp, i) && (sp->tk[i].flags & QR_TF_UPPER_INITIAL);
}

/* The token's key without a trailing period ("dr." -> "dr"). */
static const char *key_of(const splitter *sp, size_t i, size_t *len)
{
    const char *k = qr_token_key(sp->toks, i);
    size_t n = sp->tk[i].key_len;
    if (n > 1 && k[n - 1] == '.')
        n--;
    *len = n;
    return k;
}

/* The key up to an apostrophe ("it's" -> "it", "i’m" -> "i"). */
static size_t key_stem(const char *k, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        if (k[j] == '\'')
            return j;
        if (j + 2 < n && (unsigned char)k[j] == 0xE2 && (unsigned char)k[j + 1] == 0x80
            && (unsigned char)k[j + 2] == 0x99)
            return j;
    }
    return n;
}

static int is_starter(const splitter *sp, size_t i)
{
    if (!is_upper_word(sp, i))
        return 0;
    size_t n;
    const char *k = key_of(sp, i, &n);
    return IN(starters, k, key_stem(k, n));
}

static int is_title(const splitter *sp, size_t i)
{
    if (!is_word(sp, i))
        return 0;
    size_t n;
    const char *k = key_of(sp, i, &n);
    return IN8(sp, titles, k, n);
}

static int is_pronoun_i(const splitter *sp, size_t i)
{
    if (!is_word(sp, i))
        return 0;
    size_t n;
    const char *k = key_of(sp, i, &n);
    return key_stem(k, n) == 1 && k[0] == 'i' && first_cp(sp, i) == 'I';
}

/* Punctuation made only of terminal marks and closing quotes/brackets. */
typedef struct marks {
    unsigned dots;  /* '.' count, "…" counting three */
    int excl;       /* has ! or ?                    */
    int strong;     /* has a CJK/Arabic/Devanagari full stop */
    int any;        /* has at least one mark         */
} marks;

/* 1 if token i consists of marks and closers only (adds to *m), else 0. */
static int scan_marks(const splitter *sp, size_t i, marks *m)
{
    int kind = sp->tk[i].kind;
    if (kind != QR_TOK_PUNCT && kind != QR_TOK_SYMBOL)
        return 0;
    size_t len;
    const unsigned char *p = (const unsigned char *)tok_text(sp, i, &len);
    marks t = *m;
    for (size_t j = 0; j < len;) {
        int32_t c;
        j += qr_utf8_decode(p + j, len - j, &c);
        switch (mark_of(c)) {
        case MK_DOT: t.dots++; t.any = 1; break;
        case MK_ELLIPSIS: t.dots += 3; t.any = 1; break;
        case MK_EXCL: t.excl = 1; t.any = 1; break;
        case MK_STRONG: t.strong = 1; t.any = 1; break;
        default:
            if (!is_closer(c))
                return 0;
        }
    }
    *m = t;
    return 1;
}

static int has_mark(const splitter *sp, size_t i)
{
    marks m = {0, 0, 0, 0};
    return scan_marks(sp, i, &m) && m.any;
}

/* A word or number token the tokenizer kept with its final period
 * ("Dr.", "U.S.", "a.m."). */
static int ends_with_period(const splitter *sp, size_t i)
{
    size_t len;
    const char *p = tok_text(sp, i, &len);
    int kind = sp->tk[i].kind;
    return (kind == QR_TOK_WORD || kind == QR_TOK_NUMBER) && len > 1 && p[len - 1] == '.';
}

/* }====================================================================== */

/* {======================================================================
 * List markers: "1.", "1)", "1.)", "(1)", "a.", "a)", "(a)", "A)"
 * ======================================================================= */

enum { LS_DOT = 1, LS_PAREN = 2, LS_DOTPAREN = 3, LS_BOTH = 4 };
enum { LK_NUM = 0, LK_LOWER = 8, LK_UPPER = 16 };

typedef struct marker {
    int style;      /* LK_* | LS_*, 0 if no marker */
    unsigned value;
    size_t ntok;
} marker;

static int is_text(const splitter *sp, size_t i, const char *s)
{
    size_t len;
    const char *p = tok_text(sp, i, &len);
    return len == strlen(s) && memcmp(p, s, len) == 0;
}

/* Cheap first test, on every token: a marker starts with "(", a number of
 * at most 3 bytes or a one-byte word ("a", or "a." kept whole). */
static inline int may_start_marker(const splitter *sp, size_t j)
{
    const qr_token *t = &sp->tk[j];
    uint32_t len = t->end - t->start;
    const char *p = sp->text + t->start;
    if (t->kind == QR_TOK_WORD)
        return len == 1 || (len == 2 && p[1] == '.');
    if (t->kind == QR_TOK_NUMBER)
        return len <= 3;
    return len == 1 && p[0] == '(';
}

static marker parse_marker(const splitter *sp, size_t j)
{
    marker m = {0, 0, 0};
    if (j >= sp->n || !may_start_marker(sp, j))
        return m;
    size_t k = j, len;
    int open = 0, kind, dot = 0, paren = 0;
    if (k < sp->n && is_text(sp, k, "(") && k + 1 < sp->n && !spaced(sp, k + 1)) {
        open = 1;
        k++;
    }
    if (k >= sp->n)
        return m;
    const char *p = tok_text(sp, k, &len);
    unsigned value = 0;
    if (sp->tk[k].kind == QR_TOK_NUMBER && len >= 1 && len <= 3) {
        for (size_t a = 0; a < len; a++) {
            if (p[a] < '0' || p[a] > '9')
                return m;
            value = value * 10 + (unsigned)(p[a] - '0');
        }
        kind = LK_NUM;
    } else if (sp->tk[k].kind == QR_TOK_WORD && (len == 1 || (len == 2 && p[1] == '.'))
               && ((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z'))) {
        kind = p[0] >= 'a' ? LK_LOWER : LK_UPPER;
        value = (unsigned)((p[0] | 0x20) - 'a' + 1);
        dot = len == 2;
    } else {
        return m;
    }
    k++;
    if (!dot && k < sp->n && !spaced(sp, k) && (is_text(sp, k, ".") || is_text(sp, k, ".)"))) {
        dot = 1;
        paren = is_text(sp, k, ".)");
        k++;
    }
    if (!paren && k < sp->n && !spaced(sp, k) && is_text(sp, k, ")")) {
        paren = 1;
        k++;
    }
    if (open && !(paren && !dot))
        return m;
    if (!dot && !paren)
        return m;
    if (k >= sp->n || !spaced(sp, k) || (sp->tk[k].flags & QR_TF_PARA_BEFORE))
        return m;
    int style = open ? LS_BOTH : dot && paren ? LS_DOTPAREN : dot ? LS_DOT : LS_PAREN;
    /* "A." is an initial, not a marker; "a." only before a capital. */
    if (kind == LK_UPPER && style == LS_DOT)
        return m;
    if (kind == LK_LOWER && style == LS_DOT && !is_upper_word(sp, k))
        return m;
    m.style = kind | style;
    m.value = value;
    m.ntok = k - j;
    return m;
}

/* }====================================================================== */

/* {======================================================================
 * Breaks before a token
 * ======================================================================= */

static int is_bullet_tok(const splitter *sp, size_t i)
{
    return (sp->tk[i].kind == QR_TOK_PUNCT || sp->tk[i].kind == QR_TOK_SYMBOL)
           && single_cp(sp, i, is_bullet);
}

static int is_line_bullet_tok(const splitter *sp, size_t i)
{
    return (sp->tk[i].kind == QR_TOK_PUNCT || sp->tk[i].kind == QR_TOK_SYMBOL)
           && single_cp(sp, i, is_line_bullet) && i + 1 < sp->n && spaced(sp, i + 1);
}

static int starts_like_sentence(const splitter *sp, size_t i)
{
    int kind = sp->tk[i].kind;
    if (kind == QR_TOK_WORD)
        return (sp->tk[i].flags & QR_TF_UPPER_INITIAL) != 0;
    if (kind == QR_TOK_NUMBER)
        return 1;
    return single_cp(sp, i, is_opener) || is_bullet_tok(sp, i);
}

/* The line that ends before token i (which follows a single newline) looks
 * like a heading: a whole line of at most 12 tokens, ending in a word or
 * number, no terminal marks, every word capitalized or a small word
 * ("of", "the"…), and the next line starts like a sentence. */
static int after_heading(const splitter *sp, size_t i)
{
    size_t k = i, count = 0;
    while (k > sp->s) {
        k--;
        if (++count > 12)
            return 0;
        if (sp->tk[k].flags & (QR_TF_NEWLINE_BEFORE | QR_TF_PARA_BEFORE))
            break;
    }
    if (!(k == 0 || (sp->tk[k].flags & (QR_TF_NEWLINE_BEFORE | QR_TF_PARA_BEFORE))))
        return 0;
    int last = sp->tk[i - 1].kind;
    if ((last != QR_TOK_WORD && last != QR_TOK_NUMBER) || ends_with_period(sp, i - 1))
        return 0;
    int upper = 0;
    for (size_t t = k; t < i; t++) {
        switch (sp->tk[t].kind) {
        case QR_TOK_WORD:
            if (sp->tk[t].flags & (QR_TF_UPPER_INITIAL | QR_TF_ALL_UPPER)) {
                upper++;
            } else {
                size_t n;
                const char *key = key_of(sp, t, &n);
                if (!is_apostrophe(first_cp(sp, t)) && !IN8(sp, small_words, key, n))
                    return 0;
            }
            break;
        case QR_TOK_NUMBER:
        case QR_TOK_EMOJI:
            break;
        case QR_TOK_PUNCT:
        case QR_TOK_SYMBOL:
            if (has_mark(sp, t))
                return 0;
            break;
        default:
            return 0;
        }
    }
    return upper > 0 && starts_like_sentence(sp, i);
}

static int breaks_before(splitter *sp, size_t i)
{
    unsigned f = sp->tk[i].flags;
    if (f & QR_TF_PARA_BEFORE)
        return 1;
    if (!spaced(sp, i))
        return 0;
    if (is_bullet_tok(sp, i))
        return 1;
    marker m = {0, 0, 0};
    if (may_start_marker(sp, i))
        m = parse_marker(sp, i);
    int next_item = m.style && m.style == sp->list_style && m.value == sp->list_value + 1;
    if (f & QR_TF_NEWLINE_BEFORE) {
        if (is_line_bullet_tok(sp, i))
            return 1;
        if (m.style && (m.value == 1 || next_item))
            return 1;
        return after_heading(sp, i);
    }
    return next_item && i + m.ntok < sp->n && starts_like_sentence(sp, i + m.ntok);
}

/* }====================================================================== */

/* {======================================================================
 * Breaks after a run of terminal marks
 * ======================================================================= */

typedef struct run {
    size_t end;     /* first token after the run */
    marks m;
} run;

/* The run from candidate c whose own marks are m (see scan_run). */
static run scan_run_from(const splitter *sp, size_t c, marks m)
{
    run r = {c + 1, m};
    while (r.end < sp->n) {
        unsigned f = sp->tk[r.end].flags;
        marks t = r.m;
        if (f & (QR_TF_PARA_BEFORE | QR_TF_NEWLINE_BEFORE))
            break;
        unsigned kind = sp->tk[r.end].kind;
        if (kind != QR_TOK_PUNCT && kind != QR_TOK_SYMBOL)
            break;      /* what scan_marks says first, without the call */
        t.any = 0;
        if (!scan_marks(sp, r.end, &t))
            break;
        if (!t.any && spaced(sp, r.end))
            break;      /* a spaced quote opens the next part */
        t.any = 1;
        r.m = t;
        r.end++;
    }
    return r;
}

/* The run starting at candidate c: c itself, more marks (glued or spaced on
 * the same line: "! ?", ". . ."), closers glued to them (. " ) ’). */
static run scan_run(const splitter *sp, size_t c)
{
    marks m = {0, 0, 0, 0};
    if (!scan_marks(sp, c, &m))
        m.dots = 1;     /* "Dr." style token: its final period */
    return scan_run_from(sp, c, m);
}

static size_t words_between(const splitter *sp, size_t a, size_t b)
{
    size_t w = 0;
    for (size_t i = a; i < b; i++)
        w += is_word(sp, i);
    return w;
}

/* After an abbreviation or acronym: a new sentence only when a starter word
 * (or a title: "at 6 P.M. Mr. Smith") follows and the sentence so far has
 * at least two words ("At 5 a.m. Mr. Smith went" stays whole). */
static int after_abbrev(const splitter *sp, size_t w, size_t next)
{
    if (single_cp(sp, next, is_opener) && next + 1 < sp->n && !spaced(sp, next + 1))
        next++;     /* the U.S. "We will…" */
    if (!is_upper_word(sp, next))
        return 0;
    if (!is_starter(sp, next) && !is_title(sp, next))
        return 0;
    return words_between(sp, sp->s, w) >= 2;
}

/* A single period (candidate c) followed by token `next`, which is spaced,
 * not a lower-case word and not non-opening punctuation. */
static int period_breaks(const splitter *sp, size_t c, size_t next)
{
    size_t w;
    if (sp->tk[c].kind == QR_TOK_WORD || sp->tk[c].kind == QR_TOK_NUMBER)
        w = c;                          /* "Dr." kept whole by the tokenizer */
    else if (c > sp->s && !spaced(sp, c))
        w = c - 1;                      /* "word" "." */
    else
        return 1;                       /* a lone period */
    if (sp->tk[w].kind == QR_TOK_SYMBOL && sp->tk[next].kind == QR_TOK_NUMBER)
        return 0;                       /* "N°. 5" */
    if (!is_word(sp, w))
        return 1;

    size_t len, n;
    const char *p = tok_text(sp, w, &len);
    const char *key = key_of(sp, w, &n);
    if (len > 0 && p[len - 1] == '.')
        len--;

    int32_t c0;
    size_t first = len ? qr_utf8_decode((const unsigned char *)p, len, &c0) : 0;
    if (first == len && len > 0 && c0 != QR_UTF8_BAD) {     /* one letter */
        int cat = utf8proc_category(c0);
        if (c0 == 'I')  /* "you and I. Did" ends; "Albert I. Jones" does not */
            return w > sp->s && !is_upper_word(sp, w - 1);
        if (cat == UTF8PROC_CATEGORY_LU)   /* initials; "plan B. Then" ends */
            return w > sp->s && is_lower_word(sp, w - 1) && is_starter(sp, next);
        if (cat == UTF8PROC_CATEGORY_LL)   /* "p. 55" */
            return 0;
    }
    if (IN8(sp, never_end, key, n) || IN8(sp, titles, key, n))
        return 0;
    if (n == 3 && memcmp(key, "etc", 3) == 0)
        return 1;
    if (memchr(key, '.', n) || IN8(sp, abbrevs, key, n) || ends_with_period(sp, w))
        return after_abbrev(sp, w, next);
    return 1;
}

static int run_breaks(const splitter *sp, size_t c, const run *r)
{
    size_t next = r->end;
    if (next >= sp->n || (sp->tk[next].flags & QR_TF_PARA_BEFORE))
        return 1;
    if (r->m.strong)
        return !is_lower_word(sp, next);
    if (!spaced(sp, next) || is_lower_word(sp, next))
        return 0;
    int kind = sp->tk[next].kind;
    if ((kind == QR_TOK_PUNCT || kind == QR_TOK_SYMBOL) && !single_cp(sp, next, is_opener)
        && !is_bullet_tok(sp, next) && first_cp(sp, next) != '$')
        return 0;
    if (r->m.excl)
        return 1;
    if (r->m.dots == 3)     /* ellipsis: "what I mean . . . I didn't" goes on */
        return is_upper_word(sp, next) && !is_pronoun_i(sp, next);
    if (r->m.dots >= 4)     /* a period plus an ellipsis */
        return 1;
    return period_breaks(sp, c, next);
}

/* }====================================================================== */

static inline int emit(splitter *sp, size_t a, size_t b)
{
    if (b <= a)
        return 0;
    qr_sentences *o = sp->out;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        qr_sentence *v = realloc(o->v, cap * sizeof *v);
        if (!v)
            return qr_error_set(sp->err, "sentences: out of memory growing the sentence array "
                                "to %zu entries; split a smaller text", cap);
        o->v = v;
        o->cap = cap;
    }
    qr_sentence *s = &o->v[o->n++];
    s->start = sp->tk[a].start;
    s->end = sp->tk[b - 1].end;
    s->tok_start = (uint32_t)a;
    s->tok_end = (uint32_t)b;
    return 0;
}

/* Most sentences start with a token that is neither a bullet nor a list
 * marker, cheaply seen: a word of 2+ bytes not ending in '.' (markers are
 * one letter, "a." or digits), or one ASCII punctuation byte other than
 * the line bullets - * + and the "(" of "(1)" (other bullets are not
 * ASCII). */
static inline int opens_plainly(const splitter *sp, size_t i)
{
    const qr_token *t = &sp->tk[i];
    uint32_t len = t->end - t->start;
    if (len == 0)
        return 0;
    unsigned char last = (unsigned char)sp->text[t->end - 1];
    if (t->kind == QR_TOK_WORD)
        return len >= 2 && last != '.';
    if (t->kind == QR_TOK_PUNCT || t->kind == QR_TOK_SYMBOL)
        return len == 1 && last < 0x80 && last != '-' && last != '*' && last != '+' && last != '(';
    return 0;
}

/* Opens a sentence at token i: skips a leading bullet and list marker
 * (remembering the marker) and returns the first token to examine. */
static size_t open_sentence_rules(splitter *sp, size_t i)
{
    sp->s = i;
    size_t j = i;
    while (j < sp->n && (is_bullet_tok(sp, j) || is_line_bullet_tok(sp, j))
           && (j == i || !(sp->tk[j].flags & QR_TF_PARA_BEFORE)))
        j++;
    marker m = parse_marker(sp, j);
    if (!m.style)
        return j;
    sp->list_style = m.style;
    sp->list_value = m.value;
    return j + m.ntok;
}

static inline size_t open_sentence(splitter *sp, size_t i)
{
    if (sp->fast && i < sp->n && opens_plainly(sp, i)) {
        sp->s = i;
        return i;
    }
    return open_sentence_rules(sp, i);
}

static int is_candidate(const splitter *sp, size_t i)
{
    int kind = sp->tk[i].kind;
    if (kind == QR_TOK_PUNCT || kind == QR_TOK_SYMBOL)
        return has_mark(sp, i);
    return (kind == QR_TOK_WORD || kind == QR_TOK_NUMBER) && ends_with_period(sp, i);
}

/* {======================================================================
 * The fast path: tokens that cannot matter
 * ======================================================================= */

/* A byte that can make a token matter: a terminal mark (. ! ?), a bracket
 * of a list marker ( "(1)", "a)" ), an ASCII line break (\n \v \f \r,
 * those the tokenizer counts for QR_TF_NEWLINE_BEFORE), or the first byte
 * of a non-ASCII character that can: the marks, bullets and line breaks of
 * mark_of, is_bullet, is_line_bullet and the tokenizer (U+0085 U+00B7,
 * U+061F, U+0964, U+2000-U+2FFF, U+3002, U+FF01 U+FF1F U+FF61) all start
 * with C2, D8, E0, E2, E3 or EF. Letters of other scripts (é, Cyrillic,
 * Greek, Han, Hangul…) start with other bytes: words and CJK characters
 * in them are skipped as fast as ASCII words. */
static inline int hot_lead(unsigned char b)
{
    return b == 0xC2 || b == 0xD8 || b == 0xE0 || b == 0xE2 || b == 0xE3 || b == 0xEF;
}

static inline int hot_byte(unsigned char b)
{
    return b == '.' || b == '!' || b == '?' || b == '(' || b == ')'
           || (b >= '\n' && b <= '\r') || hot_lead(b);
}

/* The hot bytes of 16 bytes at p as bits, with SSE2 (x86-64 always has
 * it): '(' and ')' differ in the low bit only, so (x | 1) == ')' finds
 * both; x + 0x76 maps \n..\r (0x0A..0x0D) to 0x80..0x83, the only bytes
 * below -124 as signed. The lead bytes are tested only in a block with
 * non-ASCII bytes (the high bits, movemask), rare in English; E2 and E3
 * differ in the low bit only. */
#if defined(__SSE2__)
static inline unsigned hot16(const char *p)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i m = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')), _mm_cmpeq_epi8(x, _mm_set1_epi8('!'))),
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('?')),
                     _mm_cmpeq_epi8(_mm_or_si128(x, _mm_set1_epi8(1)), _mm_set1_epi8(')'))));
    m = _mm_or_si128(m, _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8(0x76)),
                                       _mm_set1_epi8(-124)));
    if (_mm_movemask_epi8(x)) {
        __m128i l = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xC2)),
                         _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xD8))),
            _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xE0)),
                         _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xEF))));
        l = _mm_or_si128(l, _mm_cmpeq_epi8(_mm_and_si128(x, _mm_set1_epi8((char)0xFE)),
                                           _mm_set1_epi8((char)0xE2)));
        m = _mm_or_si128(m, l);
    }
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* Bits of the hot bytes of text[b, min(b + 64, e)), bit k for text[b + k]. */
static uint64_t hot_tail(const char *text, uint32_t b, uint32_t e)
{
    uint64_t m = 0;
    uint32_t k = 0, n = e - b < 64 ? e - b : 64;
#if defined(__SSE2__)
    for (; k + 16 <= n; k += 16)
        m |= (uint64_t)hot16(text + b + k) << k;
#endif
    for (; k < n; k++)
        m |= (uint64_t)hot_byte((unsigned char)text[b + k]) << k;
    return m;
}

/* Fills map[0, (e + 63) / 64): bit k of map[w] is set when text[64 w + k]
 * is hot; bits from e on are 0. One pass over the text before the split:
 * a tight loop with no branch on the data, instead of one scan per
 * sentence that stops at an unpredictable place. */
static void hot_map(const char *text, uint32_t e, uint64_t *map)
{
    size_t w = 0;
#if defined(__SSE2__)
    for (; (w + 1) * 64 <= e; w++) {
        const char *p = text + 64 * w;
        map[w] = (uint64_t)hot16(p) | (uint64_t)hot16(p + 16) << 16
                 | (uint64_t)hot16(p + 32) << 32 | (uint64_t)hot16(p + 48) << 48;
    }
#endif
    for (; w * 64 < e; w++)
        map[w] = hot_tail(text, (uint32_t)(64 * w), e);
}

#if defined(HAVE_AVX2_SCAN)
/* hot_map for CPUs with AVX2 (the build targets plain x86-64;
 * build_hot_map asks the CPU once per split): the same tests 32 bytes at a
 * time. */
__attribute__((target("avx2")))
static inline unsigned hot32(const char *p)
{
    __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i m = _mm256_or_si256(
        _mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('.')),
                        _mm256_cmpeq_epi8(x, _mm256_set1_epi8('!'))),
        _mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('?')),
                        _mm256_cmpeq_epi8(_mm256_or_si256(x, _mm256_set1_epi8(1)),
                                          _mm256_set1_epi8(')'))));
    m = _mm256_or_si256(m, _mm256_cmpgt_epi8(_mm256_set1_epi8(-124),
                                             _mm256_add_epi8(x, _mm256_set1_epi8(0x76))));
    if (_mm256_movemask_epi8(x)) {
        __m256i l = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8((char)0xC2)),
                            _mm256_cmpeq_epi8(x, _mm256_set1_epi8((char)0xD8))),
            _mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8((char)0xE0)),
                            _mm256_cmpeq_epi8(x, _mm256_set1_epi8((char)0xEF))));
        l = _mm256_or_si256(l, _mm256_cmpeq_epi8(_mm256_and_si256(x, _mm256_set1_epi8((char)0xFE)),
                                                 _mm256_set1_epi8((char)0xE2)));
        m = _mm256_or_si256(m, l);
    }
    return (unsigned)_mm256_movemask_epi8(m);
}

__attribute__((target("avx2")))
static void hot_map_avx2(const char *text, uint32_t e, uint64_t *map)
{
    size_t w = 0;
    for (; (w + 1) * 64 <= e; w++) {
        const char *p = text + 64 * w;
        map[w] = (uint64_t)hot32(p) | (uint64_t)hot32(p + 32) << 32;
    }
    for (; w * 64 < e; w++)
        map[w] = hot_tail(text, (uint32_t)(64 * w), e);
}
#endif

/* Offset of the first hot byte in [q, e), or e. */
static inline uint32_t next_hot(const uint64_t *map, uint32_t q, uint32_t e)
{
    if (q >= e)
        return e;
    size_t w = q >> 6, nw = ((size_t)e + 63) >> 6;
    uint64_t m = map[w] & (~(uint64_t)0 << (q & 63));
    while (!m) {
        if (++w >= nw)
            return e;
        m = map[w];
    }
    return (uint32_t)(w * 64 + (size_t)__builtin_ctzll(m));
}

/* The fast path, from token i: the first token the general loop must look
 * at, or n. A token is inert (the general loop neither breaks before it
 * nor ends a sentence at it, so skipping it changes nothing) when no byte
 * from the end of the token before it to its own end is hot, and the next
 * token, if glued to it, does not start with a hot byte.
 * Proof against the rules: QR_TF_NEWLINE_BEFORE / QR_TF_PARA_BEFORE come
 * from line breaks, all hot. Inside a line, a break before a token needs a
 * bullet (non-ASCII) or a list marker: "(" + …, or a one-byte word or a
 * number of 1-3 digits followed by a glued "." / ")"; a candidate needs a
 * terminal mark (. ! ? or non-ASCII) or a word/number ending in '.'. So
 * the tokens before the first hot byte are inert, except the token right
 * before the one holding it when that is glued to it and may start a list
 * marker (the "a" of "a)"): the general loop gets that one too.
 * (test_sentences splits texts with every ASCII byte between two lines
 * both ways, so a tokenizer that starts to count another byte as a line
 * break fails it.)
 * Instead of testing each token's kind and bytes (about 20 instructions and
 * unpredictable branches per token), this looks up the next hot byte in
 * the map and walks the token ends up to it (3 instructions a token). */
static size_t skip_inert(splitter *sp, size_t i)
{
    const qr_token *tk = sp->tk, *t = tk + i;
    /* The line break before the first token of the sentence does not
     * matter (the loop never asks for a break before it), so the look
     * starts after it: no stop at each paragraph start. */
    uint32_t q = i > sp->s ? tk[i - 1].end : t->start, e = tk[sp->n - 1].end;
    uint32_t hot = next_hot(sp->out->hot, q, e);
    if (hot >= e)
        return sp->n;   /* no hot byte up to the end: all inert */
    while (t->end <= hot)   /* stops at the last token at the latest (end e) */
        t++;
    size_t j = (size_t)(t - tk);
    if (j > i && !spaced(sp, j) && may_start_marker(sp, j - 1))
        j--;    /* the token glued before the hot one may be the "a" of "a)" */
    return j;
}

/* A cheaper test than the rules for a token skip_inert stops at that
 * still needs none of them (a word with a non-ASCII letter, "café"; a word
 * before a glued "."): inside a line, a word of 2+ bytes not ending in
 * '.', or a one-letter word before a space (no "a)" marker), or one byte
 * of punctuation or symbol other than . ! ? ( neither breaks before (no
 * bullet, no list marker) nor ends a sentence (no mark, no final period). */
static int plain(const splitter *sp, size_t i)
{
    const qr_token *t = &sp->tk[i];
    if (t->flags & (QR_TF_NEWLINE_BEFORE | QR_TF_PARA_BEFORE))
        return 0;
    uint32_t tl = t->end - t->start;
    if (tl == 0)
        return 0;
    char last = sp->text[t->end - 1];
    if (t->kind == QR_TOK_WORD)
        return tl >= 2 ? last != '.' : i + 1 >= sp->n || spaced(sp, i + 1);
    if (t->kind == QR_TOK_PUNCT || t->kind == QR_TOK_SYMBOL)
        return tl == 1 && last != '.' && last != '!' && last != '?' && last != '(';
    return 0;
}

/* }====================================================================== */

/* The map of hot bytes up to the end of the last token, in out->hot. */
static int build_hot_map(splitter *sp)
{
    uint32_t e = sp->tk[sp->n - 1].end;
    size_t words = ((size_t)e + 63) / 64;
    qr_sentences *o = sp->out;
    if (words > o->hot_cap) {
        uint64_t *h = realloc(o->hot, words * sizeof *h);
        if (!h)
            return qr_error_set(sp->err, "sentences: out of memory for a %zu-byte map of "
                                "a %u-byte text; split a smaller text", words * sizeof *h, e);
        o->hot = h;
        o->hot_cap = words;
    }
#if defined(HAVE_AVX2_SCAN)
    if (__builtin_cpu_supports("avx2")) {
        hot_map_avx2(sp->text, e, o->hot);
        return 0;
    }
#endif
    hot_map(sp->text, e, o->hot);
    return 0;
}

static int split(const char *text, const qr_tokens *toks, qr_sentences *out,
                 qr_error *err, int fast)
{
    splitter sp = {text, toks, toks->v, toks->n, out, err, 0, 0, 0, fast};
    if (fast && sp.n > 0 && build_hot_map(&sp) != 0)
        return -1;
    out->n = 0;
    size_t i = open_sentence(&sp, 0);
    run r;
    while (i < sp.n) {
        if (fast) {
            i = skip_inert(&sp, i);
            if (i >= sp.n)
                break;
            /* Most sentence ends: one ASCII . ! ? inside a line. No break
             * before it (no bullet, no marker, no line start) and it is a
             * candidate with that one mark. */
            const qr_token *t = &sp.tk[i];
            char c = t->end - t->start == 1 ? text[t->start] : 0;
            if ((c == '.' || c == '!' || c == '?')
                && !(t->flags & (QR_TF_NEWLINE_BEFORE | QR_TF_PARA_BEFORE))
                && (t->kind == QR_TOK_PUNCT || t->kind == QR_TOK_SYMBOL)) {
                marks m = {c == '.', c != '.', 0, 1};
                const qr_token *nx = t + 1;
                if (i + 1 >= sp.n || (nx->flags & (QR_TF_NEWLINE_BEFORE | QR_TF_PARA_BEFORE))
                    || (nx->kind != QR_TOK_PUNCT && nx->kind != QR_TOK_SYMBOL)) {
                    r.end = i + 1;  /* scan_run_from's first test, inline */
                    r.m = m;
                } else {
                    r = scan_run_from(&sp, i, m);
                }
                goto decide;
            }
            if (plain(&sp, i)) {
                i++;
                continue;
            }
        }
        if (i > sp.s && breaks_before(&sp, i)) {
            if (emit(&sp, sp.s, i) != 0)
                return -1;
            i = open_sentence(&sp, i);
            continue;
        }
        if (!is_candidate(&sp, i)) {
            i++;
            continue;
        }
        r = scan_run(&sp, i);
    decide:
        if (run_breaks(&sp, i, &r)) {
            if (emit(&sp, sp.s, r.end) != 0)
                return -1;
            i = open_sentence(&sp, r.end);
        } else {
            i = r.end;
        }
    }
    return emit(&sp, sp.s, sp.n);
}

int qr_sentences_split(const char *text, size_t len, const qr_tokens *toks,
                       qr_sentences *out, qr_error *err)
{
    (void)len;
    return split(text, toks, out, err, 1);
}

int qr_sentences_split_reference(const char *text, size_t len, const qr_tokens *toks,
                                 qr_sentences *out, qr_error *err)
{
    (void)len;
    return split(text, toks, out, err, 0);
}
