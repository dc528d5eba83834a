/*
 * tokenize — see tokenize.h for the rules.
 *
 * One pass over the bytes. ASCII goes through a 256-entry class table;
 * anything else is decoded (qr_utf8_decode, invalid bytes as U+FFFD) and
 * classified with utf8proc's general category and grapheme-break class.
 * Keys of pure-ASCII tokens are a lower-case copy (that is their NFKC +
 * case fold); others go through utf8proc one code point at a time into a
 * scratch buffer owned by the qr_tokens, so nothing is allocated per token.
 * Runs of plain ASCII words and what lies between them take a fast path
 * that classifies 16 bytes at once (section "Fast path").
 *
 * Sections: character classes; scanners (one per token shape);
 * abbreviations; output (tokens and keys); the general path; the fast
 * path; the main loop.
 */
#include "tokenize.h"
#include "error.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define KEY_OPTIONS (UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STABLE)

/* {==================================================================
 * Character classes
 * =================================================================== */

/* Per-character bits, shared by the ASCII table and the Unicode path;
 * OR-ed over a token they give its flags. */
enum {
    CH_LOWER    = 1u << 0,
    CH_UPPER    = 1u << 1,
    CH_DIGIT    = 1u << 2,
    CH_LETTER   = 1u << 3,   /* a letter without case (Lo, Lm)         */
    CH_SPACE    = 1u << 4,
    CH_NEWLINE  = 1u << 5,
    CH_PUNCT    = 1u << 6,
    CH_SYMBOL   = 1u << 7,
    CH_NONASCII = 1u << 8,
    CH_BAD      = 1u << 9,   /* invalid UTF-8 byte                      */
    CH_CTRL     = 1u << 10
};
#define CH_ALNUM (CH_LOWER | CH_UPPER | CH_DIGIT)
#define CH_ALPHA (CH_LOWER | CH_UPPER | CH_LETTER)

#define L_ CH_LOWER
#define U_ CH_UPPER
#define D_ CH_DIGIT
#define S_ CH_SPACE
#define N_ (CH_SPACE | CH_NEWLINE)
#define P_ CH_PUNCT
#define Y_ CH_SYMBOL
#define C_ CH_CTRL
/* 256 entries: bytes >= 0x80 have no bits (they are decoded instead). */
static const uint16_t ascii_class[256] = {
    C_, C_, C_, C_, C_, C_, C_, C_, C_, S_, N_, N_, N_, N_, C_, C_,   /* \0 .. \x0f */
    C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_,
    S_, P_, P_, Y_, Y_, Y_, Y_, P_, P_, P_, Y_, Y_, P_, P_, P_, P_,   /*  !"#$%&'()*+,-./ */
    D_, D_, D_, D_, D_, D_, D_, D_, D_, D_, P_, P_, Y_, Y_, Y_, P_,   /* 0-9 :;<=>? */
    Y_, U_, U_, U_, U_, U_, U_, U_, U_, U_, U_, U_, U_, U_, U_, U_,   /* @A-O */
    U_, U_, U_, U_, U_, U_, U_, U_, U_, U_, U_, P_, P_, P_, Y_, P_,   /* P-Z[\]^_ */
    Y_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_,   /* `a-o */
    L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, P_, Y_, P_, Y_, C_,   /* p-z{|}~ DEL */
};
#undef L_
#undef U_
#undef D_
#undef S_
#undef N_
#undef P_
#undef Y_
#undef C_

static const unsigned char ascii_lower[128] = {   /* indexed by ASCII bytes only */
#define R8(b) b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7
    R8(0), R8(8), R8(16), R8(24), R8(32), R8(40), R8(48), R8(56),
    64, R8(97), R8(105), R8(113), 121, 122, 91, 92, 93, 94, 95,
    R8(96), R8(104), R8(112), R8(120)
#undef R8
};

/* Classes of a non-ASCII character. */
enum {
    U_LETTER, U_DIGIT, U_MARK, U_FORMAT, U_CJK, U_PICT, U_RI,
    U_PUNCT, U_SYMBOL, U_SPACE, U_NEWLINE, U_PARA
};

/* Scripts written without spaces between words: one token per character. */
static int is_nospace_script(int32_t cp)
{
    return (cp >= 0x0E00 && cp <= 0x0EFF)       /* Thai, Lao            */
        || (cp >= 0x1000 && cp <= 0x109F)       /* Myanmar              */
        || (cp >= 0x1780 && cp <= 0x17FF)       /* Khmer                */
        || (cp >= 0x2E80 && cp <= 0x2FDF)       /* CJK radicals         */
        || (cp >= 0x3005 && cp <= 0x3007)       /* 々 〆 〇              */
        || (cp >= 0x3040 && cp <= 0x312F)       /* kana, bopomofo       */
        || (cp >= 0x31A0 && cp <= 0x31FF)
        || (cp >= 0x3400 && cp <= 0x4DBF)       /* CJK ext A            */
        || (cp >= 0x4E00 && cp <= 0x9FFF)       /* CJK unified          */
        || (cp >= 0xA000 && cp <= 0xA4CF)       /* Yi                   */
        || (cp >= 0xF900 && cp <= 0xFAFF)       /* CJK compatibility    */
        || (cp >= 0xFF66 && cp <= 0xFF9F)       /* half-width katakana  */
        || (cp >= 0x20000 && cp <= 0x3FFFF);    /* CJK ext B..          */
}

static int is_pictographic(const utf8proc_property_t *p)
{
    switch (p->boundclass) {
    case UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC:
    case UTF8PROC_BOUNDCLASS_E_ZWG:
    case UTF8PROC_BOUNDCLASS_E_BASE:
    case UTF8PROC_BOUNDCLASS_E_BASE_GAZ:
    case UTF8PROC_BOUNDCLASS_GLUE_AFTER_ZWJ:
        return 1;
    default:
        return 0;
    }
}

/* Classifies a valid non-ASCII code point; *bits gets its CH_* bits. */
static int uclass(int32_t cp, unsigned *bits)
{
    const utf8proc_property_t *p = utf8proc_get_property(cp);
    *bits = CH_NONASCII;
    switch (p->category) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT:
        *bits |= CH_UPPER;
        return U_LETTER;
    case UTF8PROC_CATEGORY_LL:
        *bits |= CH_LOWER;
        return U_LETTER;
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        *bits |= CH_LETTER;
        return is_nospace_script(cp) ? U_CJK : U_LETTER;
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return U_LETTER;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return U_MARK;
    case UTF8PROC_CATEGORY_ND:
        *bits |= CH_DIGIT;
        return U_DIGIT;
    case UTF8PROC_CATEGORY_ZS:
        *bits |= CH_SPACE;
        return U_SPACE;
    case UTF8PROC_CATEGORY_ZL:
        *bits |= CH_SPACE | CH_NEWLINE;
        return U_NEWLINE;
    case UTF8PROC_CATEGORY_ZP:
        *bits |= CH_SPACE | CH_NEWLINE;
        return U_PARA;
    case UTF8PROC_CATEGORY_CC:
        if (cp == 0x85) {
            *bits |= CH_SPACE | CH_NEWLINE;
            return U_NEWLINE;
        }
        *bits |= CH_CTRL;
        return U_SYMBOL;
    case UTF8PROC_CATEGORY_CF:
        /* zero-width space, word joiner and BOM separate like a space;
         * other format characters (ZWJ, ZWNJ, soft hyphen, bidi marks)
         * belong to the text around them */
        if (cp == 0x200B || cp == 0x2060 || cp == 0xFEFF) {
            *bits |= CH_SPACE;
            return U_SPACE;
        }
        return U_FORMAT;
    default:
        break;
    }
    if (p->boundclass == UTF8PROC_BOUNDCLASS_REGIONAL_INDICATOR)
        return U_RI;
    if (is_pictographic(p))
        return U_PICT;
    if (p->category >= UTF8PROC_CATEGORY_PC && p->category <= UTF8PROC_CATEGORY_PO) {
        *bits |= CH_PUNCT;
        return U_PUNCT;
    }
    *bits |= CH_SYMBOL;
    return U_SYMBOL;
}

/* Class bits of the character at s[i] (i < len); *n gets its length. */
static inline unsigned char_bits(const unsigned char *s, size_t len, size_t i,
                                 size_t *n, int *cls)
{
    if (s[i] < 0x80) {
        *n = 1;
        *cls = -1;
        return ascii_class[s[i]];
    }
    int32_t cp;
    *n = qr_utf8_decode(s + i, len - i, &cp);
    if (cp == QR_UTF8_BAD) {
        *cls = U_LETTER;
        return CH_BAD | CH_NONASCII;
    }
    unsigned bits;
    *cls = uclass(cp, &bits);
    return bits;
}

/* True if s[i] starts a letter or digit that may continue a word after an
 * inner apostrophe, hyphen or underscore. */
static int word_char_at(const unsigned char *s, size_t len, size_t i)
{
    if (i >= len)
        return 0;
    size_t n;
    int cls;
    unsigned b = char_bits(s, len, i, &n, &cls);
    if (cls < 0)
        return (b & CH_ALNUM) != 0;
    return (cls == U_LETTER || cls == U_DIGIT) && !(b & CH_BAD);
}

/* True if s[i] starts a letter (any script but the space-less ones). */
static int letter_at(const unsigned char *s, size_t len, size_t i)
{
    if (i >= len)
        return 0;
    size_t n;
    int cls;
    unsigned b = char_bits(s, len, i, &n, &cls);
    return (b & CH_ALPHA) && (cls < 0 || cls == U_LETTER);
}

/* An apostrophe of length alen at s[i] followed by "s"/"S" that ends the
 * word: a possessive (or the "'s" contraction), split off. */
static int possessive_at(const unsigned char *s, size_t len, size_t i, size_t alen)
{
    size_t j = i + alen;
    return j < len && (s[j] == 's' || s[j] == 'S') && !word_char_at(s, len, j + 1);
}

/* }================================================================== */

/* {==================================================================
 * Scanners: each takes the start of a token and returns its end,
 * OR-ing the CH_* bits of what it consumed into *acc.
 * =================================================================== */

/* Letters, digits and marks, with inner apostrophes ("don't"), hyphens
 * ("Tae-yul", "COVID-19") and underscores; stops before a possessive. */
static inline __attribute__((always_inline))
size_t scan_word(const unsigned char *s, size_t len, size_t i, unsigned *acc)
{
    unsigned a = *acc;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            unsigned b = ascii_class[c];
            if (b & CH_ALNUM) {
                a |= b;
                i++;
                continue;
            }
            if (c == '\'') {
                if (!possessive_at(s, len, i, 1) && word_char_at(s, len, i + 1)) {
                    i++;
                    continue;
                }
                break;
            }
            if ((c == '-' || c == '_') && word_char_at(s, len, i + 1)) {
                i++;
                continue;
            }
            break;
        }
        int32_t cp;
        size_t n = qr_utf8_decode(s + i, len - i, &cp);
        if (cp == QR_UTF8_BAD) {
            a |= CH_BAD | CH_NONASCII;
            i++;
            continue;
        }
        unsigned b;
        int cls = uclass(cp, &b);
        if (cls == U_LETTER || cls == U_DIGIT || cls == U_MARK || cls == U_FORMAT) {
            a |= b;
            i += n;
            continue;
        }
        if (cp == 0x2019) {
            if (!possessive_at(s, len, i, 3) && word_char_at(s, len, i + 3)) {
                a |= CH_NONASCII;
                i += 3;
                continue;
            }
            break;
        }
        if ((cp == 0x2010 || cp == 0x2011) && word_char_at(s, len, i + n)) {
            a |= CH_NONASCII;
            i += n;
            continue;
        }
        break;
    }
    *acc = a;
    return i;
}

/* Digits with inner "," or "." separators ("1,000", "100.00"). Returns
 * the end; *is_word is set when letters follow directly ("1990s",
 * "10-year-old"), in which case the token is a word scanned to its end. */
static size_t scan_number(const unsigned char *s, size_t len, size_t i, unsigned *acc,
                          int *is_word)
{
    unsigned a = *acc;
    int separated = 0;
    *is_word = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (ascii_class[c] & CH_DIGIT) {
                i++;
                continue;
            }
            if ((c == ',' || c == '.') && i + 1 < len && (ascii_class[s[i + 1]] & CH_DIGIT)) {
                separated = 1;
                i++;
                continue;
            }
            break;
        }
        int32_t cp;
        size_t n = qr_utf8_decode(s + i, len - i, &cp);
        unsigned b;
        if (cp == QR_UTF8_BAD || uclass(cp, &b) != U_DIGIT)
            break;
        a |= b;
        i += n;
    }
    a |= CH_DIGIT;
    if (!separated && i < len) {
        size_t n;
        int cls;
        unsigned b = char_bits(s, len, i, &n, &cls);
        int letter = cls < 0 ? (b & (CH_LOWER | CH_UPPER)) != 0
                             : (cls == U_LETTER || cls == U_MARK);
        if (letter || ((s[i] == '-' || s[i] == '\'' || s[i] == '_')
                       && letter_at(s, len, i + 1) && !possessive_at(s, len, i, 1))) {
            *is_word = 1;
            i = scan_word(s, len, i, &a);
        }
    }
    *acc = a;
    return i;
}

/* Body of a #hashtag or @mention: letters (any script), digits, marks, '_'. */
static size_t scan_tag(const unsigned char *s, size_t len, size_t i, unsigned *acc)
{
    unsigned a = *acc;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            if ((ascii_class[c] & CH_ALNUM) || c == '_') {
                a |= ascii_class[c];
                i++;
                continue;
            }
            break;
        }
        int32_t cp;
        size_t n = qr_utf8_decode(s + i, len - i, &cp);
        unsigned b;
        int cls;
        if (cp == QR_UTF8_BAD)
            break;
        cls = uclass(cp, &b);
        if (cls != U_LETTER && cls != U_DIGIT && cls != U_MARK && cls != U_CJK
            && cls != U_FORMAT)
            break;
        a |= b;
        i += n;
    }
    *acc = a;
    return i;
}

/* Extends a token over following combining marks, variation selectors and
 * joiners, so no token ends inside a character. */
static size_t absorb_marks(const unsigned char *s, size_t len, size_t i, unsigned *acc)
{
    while (i < len && s[i] >= 0x80) {
        int32_t cp;
        size_t n = qr_utf8_decode(s + i, len - i, &cp);
        unsigned b;
        if (cp == QR_UTF8_BAD)
            break;
        int cls = uclass(cp, &b);
        if (cls != U_MARK && cls != U_FORMAT)
            break;
        *acc |= b;
        i += n;
    }
    return i;
}

/* One extended grapheme cluster starting with cp at s[i] (n bytes):
 * emoji with modifiers, ZWJ sequences, flags, keycaps. */
static size_t scan_cluster(const unsigned char *s, size_t len, size_t i, size_t n,
                           int32_t cp, unsigned *acc)
{
    utf8proc_int32_t state = 0;
    int32_t prev = cp;
    i += n;
    while (i < len) {
        int32_t next;
        size_t m = qr_utf8_decode(s + i, len - i, &next);
        if (next == QR_UTF8_BAD || utf8proc_grapheme_break_stateful(prev, next, &state))
            break;
        if (next >= 0x80)
            *acc |= CH_NONASCII;
        prev = next;
        i += m;
    }
    return i;
}

/* "1️⃣", "#⃣": an ASCII digit, '#' or '*' followed by an optional U+FE0F
 * and U+20E3 COMBINING ENCLOSING KEYCAP. Returns the end or 0. */
static size_t keycap_end(const unsigned char *s, size_t len, size_t i)
{
    size_t j = i + 1;
    /* nearly every digit is followed by something else: one byte says so */
    if (j >= len || (s[j] != 0xEF && s[j] != 0xE2))
        return 0;
    if (j + 3 <= len && memcmp(s + j, "\xEF\xB8\x8F", 3) == 0)
        j += 3;
    if (j + 3 <= len && memcmp(s + j, "\xE2\x83\xA3", 3) == 0)
        return j + 3;
    return 0;
}

static int ascii_alnum(unsigned c)
{
    return c < 0x80 && (ascii_class[c] & CH_ALNUM);
}

/* An e-mail address starting at s[i]: local@label.label...; the last
 * label has at least two letters. Returns the end or 0. */
static size_t email_end(const unsigned char *s, size_t len, size_t i)
{
    /* RFC 5321 limits (64-byte local part, 255-byte domain) also keep this
     * linear: it runs at the end of every word followed by '.', '-'... */
    size_t j = i, lmax = len - i > 65 ? i + 65 : len;
    while (j < lmax && (ascii_alnum(s[j]) || s[j] == '.' || s[j] == '_' || s[j] == '%'
                        || s[j] == '+' || s[j] == '-'))
        j++;
    if (j == i || j >= lmax || s[j] != '@' || s[j - 1] == '.')
        return 0;
    size_t k = j + 1, end = 0, labels = 0, last = 0;
    size_t dmax = len - k > 255 ? k + 255 : len;
    for (;;) {
        size_t ls = k;
        while (k < dmax && (ascii_alnum(s[k]) || s[k] == '-'))
            k++;
        if (k == ls)
            break;
        labels++;
        last = ls;
        end = k;
        if (k + 1 < dmax && s[k] == '.' && ascii_alnum(s[k + 1]))
            k++;
        else
            break;
    }
    if (labels < 2 || end - last < 2)
        return 0;
    for (size_t p = last; p < end; p++)
        if (!(ascii_class[s[p]] & (CH_LOWER | CH_UPPER)))
            return 0;
    return end;
}

static int prefix_ci(const unsigned char *s, size_t len, size_t i, const char *p)
{
    size_t n = strlen(p);
    if (len - i < n)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (ascii_lower[s[i + k] & 0x7F] != (unsigned char)p[k] || s[i + k] >= 0x80)
            return 0;
    return 1;
}

/* A URL starting at s[i] with http://, https://, ftp:// or www. Runs to
 * the next space, '<', '>', '"' or typographic quote; trailing sentence
 * punctuation and an unbalanced closing bracket are left out. */
static size_t url_end(const unsigned char *s, size_t len, size_t i, unsigned *acc)
{
    size_t j;
    if (prefix_ci(s, len, i, "http://"))
        j = i + 7;
    else if (prefix_ci(s, len, i, "https://"))
        j = i + 8;
    else if (prefix_ci(s, len, i, "ftp://"))
        j = i + 6;
    else if (prefix_ci(s, len, i, "www."))
        j = i + 4;
    else
        return 0;
    if (!word_char_at(s, len, j))
        return 0;
    int paren = 0, bracket = 0;
    while (j < len) {
        unsigned c = s[j];
        if (c < 0x80) {
            if ((ascii_class[c] & (CH_SPACE | CH_CTRL)) || c == '<' || c == '>' || c == '"')
                break;
            paren += c == '(' ? 1 : c == ')' ? -1 : 0;
            bracket += c == '[' ? 1 : c == ']' ? -1 : 0;
            j++;
            continue;
        }
        int32_t cp;
        size_t n = qr_utf8_decode(s + j, len - j, &cp);
        unsigned b;
        if (cp == QR_UTF8_BAD || (cp >= 0x2018 && cp <= 0x201F) || cp == 0xAB || cp == 0xBB
            || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF01 && cp <= 0xFF0F))
            break;
        int cls = uclass(cp, &b);
        if (cls == U_SPACE || cls == U_NEWLINE || cls == U_PARA)
            break;
        *acc |= CH_NONASCII;
        j += n;
    }
    while (j > i) {
        unsigned c = s[j - 1];
        if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'')
            j--;
        else if (c == ')' && paren < 0)
            j--, paren++;
        else if (c == ']' && bracket < 0)
            j--, bracket++;
        else
            break;
    }
    return j;
}

/* }================================================================== */

/* {==================================================================
 * Abbreviations: a period that belongs to the word before it.
 * =================================================================== */

typedef struct abbrev {
    const char *s;
    int before_number;  /* only when a number follows: "No. 5", "Art. 3" */
} abbrev;

/* Sorted by bytes (strcmp order); read-only. */
static const abbrev abbrevs[] = {
    {"Adm", 0}, {"Ala", 0}, {"Apr", 0}, {"Ariz", 0}, {"Ark", 0}, {"Art", 1}, {"Assn", 0},
    {"Atty", 0}, {"Aug", 0}, {"Ave", 0}, {"Blvd", 0}, {"Brig", 0}, {"Bros", 0}, {"Calif", 0},
    {"Capt", 0}, {"Cdr", 0}, {"Cmdr", 0}, {"Co", 0}, {"Col", 0}, {"Colo", 0}, {"Conn", 0},
    {"Corp", 0}, {"Cos", 0}, {"Cpl", 0}, {"Dec", 0}, {"Dept", 0}, {"Dr", 0}, {"Feb", 0},
    {"Fig", 1}, {"Figs", 1}, {"Fla", 0}, {"Fr", 0}, {"Fri", 0}, {"Ft", 0}, {"Ga", 0},
    {"Gen", 0}, {"Gens", 0}, {"Gov", 0}, {"Govs", 0}, {"Hon", 0}, {"Hwy", 0}, {"Ill", 0},
    {"Inc", 0}, {"Insp", 0}, {"Jan", 0}, {"Jr", 0}, {"Jul", 0}, {"Jun", 0}, {"Kan", 0},
    {"Kans", 0}, {"Ky", 0}, {"La", 0}, {"Lt", 0}, {"Ltd", 0}, {"Maj", 0}, {"Mar", 0}, {"Md", 0},
    {"Messrs", 0}, {"Mich", 0}, {"Minn", 0}, {"Mlle", 0}, {"Mme", 0}, {"Mon", 0}, {"Mont", 0},
    {"Mr", 0}, {"Mrs", 0}, {"Ms", 0}, {"Msgr", 0}, {"Mt", 0}, {"Neb", 0}, {"Nev", 0}, {"No", 1},
    {"Nos", 1}, {"Nov", 0}, {"Oct", 0}, {"Okla", 0}, {"Op", 1}, {"Ore", 0}, {"Pa", 0},
    {"Penn", 0}, {"Pg", 1}, {"Ph", 0}, {"Pres", 0}, {"Prof", 0}, {"Pvt", 0}, {"Rd", 0},
    {"Rep", 0}, {"Reps", 0}, {"Rev", 0}, {"Sen", 0}, {"Sens", 0}, {"Sep", 0}, {"Sept", 0},
    {"Sgt", 0}, {"Sq", 0}, {"Sr", 0}, {"St", 0}, {"Supt", 0}, {"Tenn", 0}, {"Tex", 0},
    {"Thu", 0}, {"Thur", 0}, {"Thurs", 0}, {"Tue", 0}, {"Tues", 0}, {"Univ", 0}, {"Va", 0},
    {"Vol", 1}, {"Vt", 0}, {"Wed", 0}, {"Wis", 0}, {"Wyo", 0}, {"al", 0}, {"approx", 0},
    {"appt", 0}, {"ca", 0}, {"cf", 0}, {"dept", 0}, {"ed", 0}, {"eds", 0}, {"esp", 0},
    {"est", 0}, {"etc", 0}, {"fig", 0}, {"figs", 0}, {"incl", 0}, {"jr", 0}, {"misc", 0},
    {"pp", 0}, {"sr", 0}, {"viz", 0}, {"vol", 0}, {"vols", 0}, {"vs", 0},
};

/* Compares the word w[0..n) with the NUL-terminated a, in strcmp order.
 * Byte by byte: nearly every word differs from the entry at the first
 * byte, and this runs for every word before a period. */
static inline int abbrev_cmp(const unsigned char *w, size_t n, const char *a)
{
    for (size_t k = 0; k < n; k++) {
        unsigned c = (unsigned char)a[k];
        if (c == 0)
            return 1;                       /* a is a prefix of w */
        if (w[k] != c)
            return w[k] < c ? -1 : 1;
    }
    return a[n] ? -1 : 0;
}

static const abbrev *find_abbrev(const unsigned char *w, size_t n)
{
    size_t lo = 0, hi = sizeof abbrevs / sizeof abbrevs[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = abbrev_cmp(w, n, abbrevs[mid].s);
        if (c == 0)
            return &abbrevs[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* True if s[i] is one letter followed by '.', e.g. the "S." of "U.S.";
 * *n gets the letter's length. */
static int letter_period_at(const unsigned char *s, size_t len, size_t i, size_t *n)
{
    if (i >= len)
        return 0;
    int cls;
    unsigned b = char_bits(s, len, i, n, &cls);
    if (!(b & CH_ALPHA) || (cls >= 0 && cls != U_LETTER))
        return 0;
    return i + *n < len && s[i + *n] == '.';
}

/* The word s[start..end) is followed by '.' at s[end]. Returns where the
 * token ends: end (the period is a token of its own) or past the period
 * (and past any further "X." letters: "U.S.", "Ph.D."). */
static size_t abbrev_end(const unsigned char *s, size_t len, size_t start, size_t end,
                         unsigned acc)
{
    if (acc & (CH_DIGIT | CH_BAD))
        return end;
    size_t n;
    int single = letter_period_at(s, len, start, &n) && start + n == end;
    if (!single) {
        const abbrev *a = (acc & CH_NONASCII) ? NULL : find_abbrev(s + start, end - start);
        if (!a)
            return end;
        if (a->before_number) {     /* "No. 5", "No.5", "No.\u00A05" */
            size_t k = end + 1;
            for (;;) {
                if (k < len && s[k] == ' ')
                    k++;
                else if (k + 1 < len && s[k] == 0xC2 && s[k + 1] == 0xA0)
                    k += 2;
                else
                    break;
            }
            if (k >= len || !(ascii_class[s[k]] & CH_DIGIT))
                return end;
            return end + 1;
        }
    }
    size_t j = end + 1;
    while (letter_period_at(s, len, j, &n))
        j += n + 1;
    if (j == end + 1 && word_char_at(s, len, j))
        return end;     /* "a.bc": not an initial */
    return j;
}

/* }================================================================== */

/* {==================================================================
 * Output: tokens and keys
 * =================================================================== */

typedef struct tok_state {
    const unsigned char *s;
    size_t len;
    qr_tokens *out;
    qr_error *err;
    unsigned gap;      /* QR_TF_SPACE_BEFORE etc. for the next token */
    int newlines;      /* line breaks since the previous token       */
} tok_state;

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

static int oom(tok_state *t)
{
    return qr_error_set(t->err, "tokenize: out of memory (text of %zu bytes)", t->len);
}

/* Canonical ordering: each run of combining marks (non-zero combining
 * class) is stably sorted by class, as utf8proc_decompose does. Short
 * runs by insertion; long ones (possible only in crafted text) by counting
 * sort into tmp (room for n), so the cost stays linear. */
static void canonical_order(int32_t *u, size_t n, int32_t *tmp)
{
    size_t a = 0;
    while (a < n) {
        if (utf8proc_get_property(u[a])->combining_class == 0) {
            a++;
            continue;
        }
        size_t b = a + 1;
        while (b < n && utf8proc_get_property(u[b])->combining_class != 0)
            b++;
        if (b - a <= 32) {
            for (size_t i = a + 1; i < b; i++) {
                int32_t x = u[i];
                int cx = utf8proc_get_property(x)->combining_class;
                size_t j = i;
                while (j > a && utf8proc_get_property(u[j - 1])->combining_class > cx) {
                    u[j] = u[j - 1];
                    j--;
                }
                u[j] = x;
            }
        } else {
            size_t start[257] = {0};
            for (size_t i = a; i < b; i++)
                start[utf8proc_get_property(u[i])->combining_class + 1]++;
            for (int c = 1; c <= 256; c++)
                start[c] += start[c - 1];
            for (size_t i = a; i < b; i++)
                tmp[start[utf8proc_get_property(u[i])->combining_class]++] = u[i];
            memcpy(u + a, tmp, (b - a) * sizeof *u);
        }
        a = b;
    }
}

/* True if u may take part in a canonical composition as the second
 * character (a combining mark, a Hangul vowel or trailing consonant, a few
 * vowel signs): then the decomposed key must go through composition. */
static int may_compose_after(int32_t u)
{
    if (u >= 0x1100 && u <= 0x11FF)        /* conjoining jamo: composed by rule */
        return 1;
    const utf8proc_property_t *p = utf8proc_get_property(u);
    return p->combining_class != 0
        || (p->comb_index != UINT16_MAX && (p->comb_index & 0x8000));
}

/* NFKC + case fold of s[start..end) appended to the key buffer. Each code
 * point is decomposed and folded by utf8proc; composition (and canonical
 * ordering) runs only when some character could combine with the one
 * before it. Returns the key length, or -1 (out of memory). */
static int unicode_key(tok_state *t, size_t start, size_t end)
{
    qr_tokens *o = t->out;
    size_t n = 0;
    int compose = 0;
    for (size_t i = start; i < end;) {
        int32_t cp;
        i += qr_utf8_decode(t->s + i, end - i, &cp);
        if (cp == QR_UTF8_BAD)
            cp = 0xFFFD;
        if (n + 1 > o->ucs_cap && grow((void **)&o->ucs, &o->ucs_cap, n + 1, sizeof *o->ucs))
            return oom(t);
        if (cp < 0x80) {
            o->ucs[n++] = ascii_lower[cp];
            continue;
        }
        if (cp >= 0xAC00 && cp <= 0xD7A3) {  /* Hangul syllables are their own key */
            o->ucs[n++] = cp;
            continue;
        }
        for (;;) {
            utf8proc_ssize_t r = utf8proc_decompose_char(cp, o->ucs + n,
                (utf8proc_ssize_t)(o->ucs_cap - n), KEY_OPTIONS, NULL);
            if (r < 0) {      /* cannot happen for a valid scalar value */
                cp = 0xFFFD;
                continue;
            }
            if ((size_t)r <= o->ucs_cap - n) {
                for (size_t k = n; k < n + (size_t)r && !compose; k++)
                    compose = may_compose_after(o->ucs[k]);
                n += (size_t)r;
                break;
            }
            if (grow((void **)&o->ucs, &o->ucs_cap, n + (size_t)r, sizeof *o->ucs))
                return oom(t);
        }
    }
    if (compose) {
        /* the second half of the scratch is canonical_order's buffer */
        if (2 * n > o->ucs_cap && grow((void **)&o->ucs, &o->ucs_cap, 2 * n, sizeof *o->ucs))
            return oom(t);
        canonical_order(o->ucs, n, o->ucs + n);
        utf8proc_ssize_t m = utf8proc_normalize_utf32(o->ucs, (utf8proc_ssize_t)n, KEY_OPTIONS);
        n = m < 0 ? 0 : (size_t)m;
    }
    if (o->keys_len + 4 * n + 1 > o->keys_cap
        && grow((void **)&o->keys, &o->keys_cap, o->keys_len + 4 * n + 1, 1))
        return oom(t);
    unsigned char *k = (unsigned char *)o->keys + o->keys_len;
    for (size_t i = 0; i < n; i++)
        k += qr_utf8_encode(o->ucs[i], k);
    return (int)(k - (unsigned char *)o->keys - o->keys_len);
}

/* Lower-case copy of the ASCII bytes s[start..end) to k, 8 bytes at a time
 * while the text has them; k has room for the length rounded up to 8. */
static inline void ascii_lower_copy(char *k, const unsigned char *s, size_t start,
                                    size_t end, size_t len)
{
    const uint64_t ones = 0x0101010101010101ull;
    size_t i = start;
    while (i < end && i + 8 <= len) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        /* bit 7 of each byte: set where 'A' <= byte <= 'Z' (bytes are < 0x80) */
        uint64_t ge_a = x + (0x80 - 'A') * ones, gt_z = x + (0x7F - 'Z') * ones;
        uint64_t upper = (ge_a ^ gt_z) & (0x80 * ones);
        x |= upper >> 2;
        memcpy(k, &x, 8);
        k += 8;
        i += 8;
    }
    for (; i < end; i++)
        *k++ = (char)ascii_lower[s[i]];
}

static inline __attribute__((always_inline))
int emit_inline(tok_state *t, size_t start, size_t end, int kind, unsigned acc)
{
    qr_tokens *o = t->out;
    const unsigned char *s = t->s;
    if (o->n == o->cap && grow((void **)&o->v, &o->cap, o->n + 1, sizeof *o->v))
        return oom(t);
    unsigned flags = t->gap;
    if (s[start] < 0x80) {
        if (ascii_class[s[start]] & CH_UPPER)
            flags |= QR_TF_UPPER_INITIAL;
    } else {
        int32_t cp;
        qr_utf8_decode(s + start, end - start, &cp);
        if (cp != QR_UTF8_BAD) {
            int cat = utf8proc_category(cp);
            if (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT)
                flags |= QR_TF_UPPER_INITIAL;
        }
    }
    if ((acc & CH_UPPER) && !(acc & CH_LOWER))
        flags |= QR_TF_ALL_UPPER;
    if (acc & CH_DIGIT)
        flags |= QR_TF_HAS_DIGIT;
    if (acc & CH_BAD)
        flags |= QR_TF_REPAIRED;

    size_t klen;
    if (!(acc & CH_NONASCII)) {
        flags |= QR_TF_ASCII;
        klen = end - start;
        if (o->keys_len + klen + 8 > o->keys_cap
            && grow((void **)&o->keys, &o->keys_cap, o->keys_len + klen + 8, 1))
            return oom(t);
        ascii_lower_copy(o->keys + o->keys_len, s, start, end, t->len);
    } else {
        int r = unicode_key(t, start, end);
        if (r < 0)
            return -1;
        klen = (size_t)r;
    }
    if (o->keys_len + klen + 1 > UINT32_MAX)
        return qr_error_set(t->err, "tokenize: keys of this text exceed 4 GiB; split the text");
    o->keys[o->keys_len + klen] = '\0';

    qr_token *tk = &o->v[o->n++];
    tk->start = (uint32_t)start;
    tk->end = (uint32_t)end;
    tk->key = (uint32_t)o->keys_len;
    tk->key_len = (uint32_t)klen;
    tk->kind = (uint16_t)kind;
    tk->flags = (uint16_t)flags;
    o->keys_len += klen + 1;
    t->gap = 0;
    t->newlines = 0;
    return 0;
}

static int emit(tok_state *t, size_t start, size_t end, int kind, unsigned acc)
{
    return emit_inline(t, start, end, kind, acc);
}

static void line_break(tok_state *t)
{
    t->gap |= QR_TF_SPACE_BEFORE | QR_TF_NEWLINE_BEFORE;
    if (++t->newlines >= 2)
        t->gap |= QR_TF_PARA_BEFORE;
}

/* }================================================================== */

/* {==================================================================
 * The general path: one token of any shape
 * =================================================================== */

/* A cheap look at the first bytes before trying a URL: "http", "www.",
 * "ftp:" in any case. */
static inline int maybe_url(const unsigned char *s, size_t len, size_t i)
{
    if (i + 4 >= len)
        return 0;
    uint32_t w;
    memcpy(&w, s + i, 4);
    w |= 0x20202020u;           /* lower case; '.' and ':' already have 0x20 */
    uint32_t http, www, ftp;
    memcpy(&http, "http", 4);
    memcpy(&www, "www.", 4);
    memcpy(&ftp, "ftp:", 4);
    return (w == http) | (w == www) | (w == ftp);
}

/* A word starting at s[i] (a letter, a mark or an invalid byte): URL,
 * e-mail, word with an abbreviation period, or word. Returns the end. */
static inline __attribute__((always_inline))
int word_token(tok_state *t, size_t i, size_t *endp)
{
    const unsigned char *s = t->s;
    size_t len = t->len;
    unsigned acc = 0;
    unsigned c;
    size_t e;
    if (maybe_url(s, len, i) && (e = url_end(s, len, i, &acc)) != 0) {
        *endp = e;
        return emit(t, i, e, QR_TOK_URL, acc);
    }
    e = scan_word(s, len, i, &acc);
    if (e < len) {
        c = s[e];
        if (c == '@' || c == '.' || c == '-' || c == '_' || c == '+' || c == '%') {
            size_t m = email_end(s, len, i);
            if (m) {
                *endp = m;
                return emit(t, i, m, QR_TOK_EMAIL, acc);
            }
        }
        if (c == '.') {
            size_t w = e;
            e = abbrev_end(s, len, i, e, acc);
            /* the initials after the first may be non-ASCII ("U.É."):
             * then the key is not a lower-case copy */
            for (; w < e; w++)
                if (s[w] >= 0x80) {
                    acc |= CH_NONASCII;
                    break;
                }
        }
    }
    *endp = e;
    int kind = (acc & (CH_ALPHA | CH_DIGIT)) ? QR_TOK_WORD : QR_TOK_SYMBOL;
    return emit_inline(t, i, e, kind, acc);
}

static int number_token(tok_state *t, size_t i, size_t *endp)
{
    const unsigned char *s = t->s;
    size_t len = t->len;
    size_t e = s[i] < 0x80 ? keycap_end(s, len, i) : 0;
    if (e) {
        *endp = e;
        return emit(t, i, e, QR_TOK_EMOJI, CH_NONASCII);
    }
    unsigned acc = 0;
    int is_word;
    e = scan_number(s, len, i, &acc, &is_word);
    if (e < len && (s[e] == '@' || s[e] == '.' || s[e] == '-' || s[e] == '_' || s[e] == '+')) {
        size_t m = email_end(s, len, i);
        if (m) {
            *endp = m;
            return emit(t, i, m, QR_TOK_EMAIL, acc);
        }
    }
    *endp = e;
    return emit(t, i, e, is_word ? QR_TOK_WORD : QR_TOK_NUMBER, acc);
}

/* The previous token ends right at i and is a word or number. */
static int glued_to_word(const tok_state *t, size_t i)
{
    const qr_tokens *o = t->out;
    if (o->n == 0 || t->gap)
        return 0;
    const qr_token *p = &o->v[o->n - 1];
    return p->end == i && (p->kind == QR_TOK_WORD || p->kind == QR_TOK_NUMBER);
}

/* ASCII punctuation and symbols at s[i]. */
static int ascii_other_token(tok_state *t, size_t i, size_t *endp)
{
    const unsigned char *s = t->s;
    size_t len = t->len;
    unsigned c = s[i], acc = 0;
    size_t e = i + 1;
    switch (c) {
    case '#':
    case '@':
        if (c == '#' && (e = keycap_end(s, len, i)) != 0) {
            *endp = e;
            return emit(t, i, e, QR_TOK_EMOJI, CH_NONASCII);
        }
        e = scan_tag(s, len, i + 1, &acc);
        if (c == '#' && e > i + 1 && (acc & CH_ALPHA)) {
            *endp = e;
            return emit(t, i, e, QR_TOK_HASHTAG, acc);
        }
        if (c == '@' && e > i + 1 && !(i > 0 && ascii_alnum(s[i - 1]))) {
            *endp = e;
            return emit(t, i, e, QR_TOK_MENTION, acc);
        }
        *endp = i + 1;
        return emit(t, i, i + 1, QR_TOK_SYMBOL, 0);
    case '*':
        if ((e = keycap_end(s, len, i)) != 0) {
            *endp = e;
            return emit(t, i, e, QR_TOK_EMOJI, CH_NONASCII);
        }
        e = i + 1;
        break;
    case '\'':
        if (glued_to_word(t, i) && possessive_at(s, len, i, 1)) {
            *endp = i + 2;
            return emit(t, i, i + 2, QR_TOK_WORD, 0);
        }
        break;
    case '.':
    case '-':
        while (e < len && s[e] == c)
            e++;
        break;
    case '!':
    case '?':
        while (e < len && (s[e] == '!' || s[e] == '?'))
            e++;
        break;
    default:
        break;
    }
    e = absorb_marks(s, len, e, &acc);
    *endp = e;
    return emit(t, i, e, (ascii_class[c] & CH_PUNCT) ? QR_TOK_PUNCT : QR_TOK_SYMBOL, acc);
}

/* }================================================================== */

/* {==================================================================
 * Fast path: runs of plain ASCII words and the spaces, line breaks and
 * punctuation between them. A word is classified and lower-cased 16 bytes
 * at a time (SSE2, or SWAR on two 64-bit halves elsewhere), giving one bit
 * per byte for upper, lower, digit; inner hyphens and apostrophes are
 * resolved on those bits. What follows a word is read byte by byte with
 * the same rules as the general path. Anything unusual (non-ASCII,
 * abbreviations and initials, e-mail or URL look-alikes, numbers, '#',
 * '@', words of 64+ bytes, the last 16 bytes of the text) goes back to
 * the general path, which gives the same tokens (tests/c/test_tokenize_fast.c
 * checks that; QR_TOKENIZE_NO_FAST builds without the fast path,
 * QR_TOKENIZE_SWAR forces the portable word scanner).
 * =================================================================== */
/* Punctuation that is always a token of one byte (a '.' unless another
 * '.' follows). */
static const unsigned char single_punct[128] = {
    [','] = 1, [';'] = 1, [':'] = 1, ['('] = 1, [')'] = 1, ['"'] = 1, ['['] = 1,
    [']'] = 1, ['{'] = 1, ['}'] = 1, ['/'] = 1, ['.'] = 1,
};
/* ASCII symbols with no rule of their own (the default case of
 * ascii_other_token): one byte, punct or symbol by ascii_class. HTML in
 * e-mail is full of < = >. */
static const unsigned char plain_symbol[128] = {
    ['<'] = 1, ['>'] = 1, ['='] = 1, ['&'] = 1, ['%'] = 1, ['+'] = 1, ['$'] = 1,
    ['|'] = 1, ['~'] = 1, ['^'] = 1, ['`'] = 1,
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ \
    && defined(__GNUC__) && !defined(QR_TOKENIZE_NO_FAST)

#if defined(__SSE2__) && !defined(QR_TOKENIZE_SWAR)
#include <emmintrin.h>

/* 0xFF in each byte of x where lo <= byte <= hi (exact for any byte): the
 * range is moved to the bottom of the signed bytes and compared once. */
static inline __m128i in_range16(__m128i x, int lo, int hi)
{
    __m128i y = _mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - lo)));
    return _mm_cmplt_epi8(y, _mm_set1_epi8((char)(-128 + (hi - lo + 1))));
}

/* Reads p[0..16): bit k of *up / *lo / *dg is set when p[k] is an ASCII
 * upper-case letter / lower-case letter / digit, of *hy when p[k] is '-'
 * or '_', of *ap when it is '\'', of *ess when it is 's' or 'S', of *sp
 * when it is ' '. Writes the 16 bytes lower-cased to k. Masks are exact
 * for every byte. */
static inline __attribute__((always_inline))
void classify16(const unsigned char *p, unsigned char *k, unsigned *up, unsigned *lo,
                unsigned *dg, unsigned *hy, unsigned *ap, unsigned *ess, unsigned *sp)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i u = in_range16(x, 'A', 'Z');
    __m128i l = in_range16(x, 'a', 'z');
    __m128i d = in_range16(x, '0', '9');
    _mm_storeu_si128((__m128i *)(void *)k, _mm_or_si128(x, _mm_and_si128(u, _mm_set1_epi8(0x20))));
    __m128i h = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('-')),
                             _mm_cmpeq_epi8(x, _mm_set1_epi8('_')));
    __m128i a = _mm_cmpeq_epi8(x, _mm_set1_epi8('\''));
    __m128i e = _mm_cmpeq_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)), _mm_set1_epi8('s'));
    *up = (unsigned)_mm_movemask_epi8(u);
    *lo = (unsigned)_mm_movemask_epi8(l);
    *dg = (unsigned)_mm_movemask_epi8(d);
    *hy = (unsigned)_mm_movemask_epi8(h);
    *ap = (unsigned)_mm_movemask_epi8(a);
    *ess = (unsigned)_mm_movemask_epi8(e);
    *sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
}
#else
#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Bit 7 of each byte set where lo <= byte <= hi. Exact for bytes below
 * 0x80; a byte >= 0x80 may disturb the bytes after it, never before. */
static inline uint64_t in_range(uint64_t x, unsigned lo, unsigned hi)
{
    return ((x + (0x80 - lo) * ONES) ^ (x + (0x7F - hi) * ONES)) & HIGHS;
}

/* Bit 7 of each byte set where the byte equals c (exact for any byte). */
static inline uint64_t bytes_eq(uint64_t x, unsigned c)
{
    uint64_t y = x ^ (c * ONES);
    return ~(((y & ~HIGHS) + ~HIGHS) | y) & HIGHS;
}

/* Bit 7 of each byte gathered into 8 bits (as SSE2's movemask). */
static inline unsigned gather8(uint64_t v)
{
    return (unsigned)((((v >> 7) & ONES) * 0x0102040810204080ull) >> 56);
}

/* classify16 of the SSE2 build with two 64-bit halves. Bits at and after
 * the first byte >= 0x80 are cleared (in_range is not exact there): the
 * scanner never reads a word past such a byte. */
static inline __attribute__((always_inline))
void classify16(const unsigned char *p, unsigned char *k, unsigned *up, unsigned *lo,
                unsigned *dg, unsigned *hy, unsigned *ap, unsigned *ess, unsigned *sp)
{
    unsigned m[7] = {0, 0, 0, 0, 0, 0, 0}, high = 0;
    for (int h = 0; h < 2; h++) {
        uint64_t x;
        memcpy(&x, p + 8 * h, 8);
        uint64_t u = in_range(x, 'A', 'Z');
        uint64_t lower = x | (u >> 2);
        memcpy(k + 8 * h, &lower, 8);
        m[0] |= gather8(u) << (8 * h);
        m[1] |= gather8(in_range(x, 'a', 'z')) << (8 * h);
        m[2] |= gather8(in_range(x, '0', '9')) << (8 * h);
        m[3] |= gather8(bytes_eq(x, '-') | bytes_eq(x, '_')) << (8 * h);
        m[4] |= gather8(bytes_eq(x, '\'')) << (8 * h);
        m[5] |= gather8(bytes_eq(x | 0x2020202020202020ull, 's')) << (8 * h);
        m[6] |= gather8(bytes_eq(x, ' ')) << (8 * h);
        high |= gather8(x & HIGHS) << (8 * h);
    }
    unsigned valid = high ? (high & (0u - high)) - 1 : 0xFFFFu;
    *up = m[0] & valid;
    *lo = m[1] & valid;
    *dg = m[2] & valid;
    *hy = m[3] & valid;
    *ap = m[4] & valid;
    *ess = m[5] & valid;
    *sp = m[6] & valid;
}
#endif

/* The bytes of classify16's 16 that belong to a word starting at the
 * first: letters and digits, and '-' / '_' before a letter or digit; so
 * does '\'' unless it starts a possessive: 's' or 'S' not followed by a
 * letter or digit (scan_word). The last bytes of the 16 cannot see their
 * successors here and end the word: the checks after the word then
 * decide on the real bytes. Returns the length (16: the word goes on). */
static inline unsigned word_length16(unsigned u, unsigned l, unsigned d, unsigned hy,
                                     unsigned ap, unsigned ess)
{
    unsigned w = u | l | d, word = w;
    if ((hy | ap) & (w >> 1)) {
        unsigned poss = (ess >> 1) & ~(w >> 2);
        word |= (hy | (ap & ~poss)) & (w >> 1);
    }
    return (unsigned)__builtin_ctz(~word);      /* word < 1 << 16 */
}

/* What may follow a fast-path word, by byte (bytes >= 0x80: T_NO). */
enum { T_NO, T_END, T_COLON, T_APOS, T_HYPHEN, T_PERIOD };
/* What the separator loop does with a byte (bytes >= 0x80: S_BACK). */
enum { S_BACK, S_WORD, S_SPACE, S_LINE, S_CR, S_ONE, S_RUN, S_BANG, S_APOS };

static const unsigned char after_word[128] = {
    /* whitespace, control characters and punctuation that carry no rule
     * for the word before them (not @ . - _ + % ') */
    [0] = T_END, T_END, T_END, T_END, T_END, T_END, T_END, T_END,
    T_END, T_END, T_END, T_END, T_END, T_END, T_END, T_END,
    T_END, T_END, T_END, T_END, T_END, T_END, T_END, T_END,
    T_END, T_END, T_END, T_END, T_END, T_END, T_END, T_END,
    [' '] = T_END, ['!'] = T_END, ['"'] = T_END, ['#'] = T_END, ['$'] = T_END,
    ['&'] = T_END, ['('] = T_END, [')'] = T_END, ['*'] = T_END, [','] = T_END,
    ['/'] = T_END, [':'] = T_COLON, [';'] = T_END, ['<'] = T_END, ['='] = T_END,
    ['>'] = T_END, ['?'] = T_END, ['['] = T_END, ['\\'] = T_END, [']'] = T_END,
    ['^'] = T_END, ['`'] = T_END, ['{'] = T_END, ['|'] = T_END, ['}'] = T_END,
    ['~'] = T_END, [0x7F] = T_END,
    ['\''] = T_APOS, ['-'] = T_HYPHEN, ['_'] = T_HYPHEN, ['.'] = T_PERIOD,
};

static const unsigned char between_words[128] = {
    /* control characters are one-byte symbols (ascii_other_token) */
    [0] = S_ONE, S_ONE, S_ONE, S_ONE, S_ONE, S_ONE, S_ONE, S_ONE,
    S_ONE, S_SPACE, S_LINE, S_LINE, S_LINE, S_CR, S_ONE, S_ONE,
    S_ONE, S_ONE, S_ONE, S_ONE, S_ONE, S_ONE, S_ONE, S_ONE,
    S_ONE, S_ONE, S_ONE, S_ONE, S_ONE, S_ONE, S_ONE, S_ONE,
    [' '] = S_SPACE, ['!'] = S_BANG, ['"'] = S_ONE, ['$'] = S_ONE, ['%'] = S_ONE,
    ['&'] = S_ONE, ['\''] = S_APOS, ['('] = S_ONE, [')'] = S_ONE, ['*'] = S_ONE,
    ['+'] = S_ONE, [','] = S_ONE, ['-'] = S_RUN, ['.'] = S_RUN, ['/'] = S_ONE,
    [':'] = S_ONE, [';'] = S_ONE, ['<'] = S_ONE, ['='] = S_ONE, ['>'] = S_ONE,
    ['?'] = S_BANG, ['['] = S_ONE, ['\\'] = S_ONE, [']'] = S_ONE, ['^'] = S_ONE,
    ['_'] = S_ONE, ['`'] = S_ONE, ['{'] = S_ONE, ['|'] = S_ONE, ['}'] = S_ONE,
    ['~'] = S_ONE, [0x7F] = S_ONE,
    /* digits, '#' and '@' go back (S_BACK = 0); letters start a word */
    ['A'] = S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD,
    S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD,
    S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD,
    ['a'] = S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD,
    S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD,
    S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD, S_WORD,
};

/* The next byte may be read by the general path as a combining mark after
 * a punctuation token (absorb_marks): only an ASCII byte or the end of the
 * text is safe. */
#define ASCII_OR_END(s, len, e) ((e) >= (len) || (s)[e] < 0x80)

/* Characters that may continue an e-mail's local part besides letters
 * and digits; '@' too. A word followed by '.', '-' or '_' and then one of
 * these goes to the general path (email_end decides). */
static inline int local_part_char(unsigned c)
{
    return c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '@';
}

/* State of a fast run, in locals of fast_run and handed to fast_between
 * (the less common cases) through this struct. */
typedef struct fast_state {
    const unsigned char *s;
    size_t len;
    qr_token *v;            /* the tokens; the next one is v[n]           */
    size_t n, n_lim;        /* a step may start while n < n_lim           */
    unsigned char *keys;    /* the keys; the next one starts at keys[kl]  */
    size_t kl, kl_lim;      /* a step may start while kl < kl_lim         */
    unsigned gap;           /* flags for the next token, as t->gap        */
} fast_state;

static inline void put_token(qr_token *tk, size_t start, size_t end, size_t key,
                             size_t key_len, unsigned kind, unsigned flags)
{
    tk->start = (uint32_t)start;
    tk->end = (uint32_t)end;
    tk->key = (uint32_t)key;
    tk->key_len = (uint32_t)key_len;
    tk->kind = (uint16_t)kind;
    tk->flags = (uint16_t)flags;
}

/* Word flags from its masks (below 1 << 16), branch-free: capitalized
 * words come and go unpredictably. lo - 1 has bit 31 set when lo == 0,
 * and 0 - up when up != 0. */
static inline unsigned word_flags(unsigned first_up, unsigned up, unsigned lo, unsigned dg)
{
    return QR_TF_ASCII | first_up * QR_TF_UPPER_INITIAL
        | ((((lo - 1u) & (0u - up)) >> 31) * QR_TF_ALL_UPPER)
        | (((0u - dg) >> 31) * QR_TF_HAS_DIGIT);
}

enum { FAST_WORD, FAST_DONE, FAST_GENERAL };

/* The word s[i..j) (its key lower-cased at keys[kl], flags wflags without
 * the gap) is not followed by one of fast_run's common cases; j == 0 when
 * it is 16 bytes or longer and still to be read. Emits it unless the general
 * path would have done more, then what lies between words, as the main
 * loop would. Returns where the next word starts (*status FAST_WORD), or
 * where the main loop goes on (FAST_DONE), or i for the general path
 * (FAST_GENERAL). */
static __attribute__((noinline))
size_t fast_between(fast_state *f, size_t i, size_t j, unsigned wflags, int *status)
{
    const unsigned char *s = f->s;
    const size_t len = f->len;
    unsigned char *const keys = f->keys;
    qr_token *const v = f->v;
    size_t n = f->n, kl = f->kl, e;
    unsigned gap = f->gap, c;
    *status = FAST_GENERAL;
    if (j == 0) {
        /* a word of 16 bytes or more */
        unsigned u, l, d, hy, ap, ess, sp, nb = 16;
        unsigned up = 0, lo = 0, dg = 0, first_up = 0;
        j = i;
        for (int round = 0; nb == 16; round++) {
            if (round == 4 || j + 16 > len)
                return i;       /* 64+ bytes, or the end of the text is near */
            classify16(s + j, keys + kl + (j - i), &u, &l, &d, &hy, &ap, &ess, &sp);
            if (round == 0)
                first_up = u & 1;
            nb = word_length16(u, l, d, hy, ap, ess);
            unsigned m = (1u << nb) - 1;
            up |= u & m;
            lo |= l & m;
            dg |= d & m;
            j += nb;
        }
        wflags = word_flags(first_up, up, lo, dg);
    }
    /* s[j] exists: what ends the word decides whether the general path
     * would have done more. c1 is the byte after it, 0x80 (treated as
     * non-ASCII) at the end. */
    c = s[j];
    unsigned c1 = j + 1 < len ? s[j + 1] : 0x80;
    int term = c < 0x80 ? after_word[c] : T_NO;
    int possessive = 0;
    switch (term) {
    case T_END:
        break;
    case T_COLON:
        /* a URL's scheme ("http:", "ftp:") ends a word at ':' and "www." at
         * '.'; no other word can start a URL (url_end) */
        if (maybe_url(s, len, i))
            return i;
        break;
    case T_APOS:
        /* possessive_at: "'s" / "'S" not followed by a word character */
        if ((c1 | 0x20) == 's') {
            unsigned c2 = j + 2 < len ? s[j + 2] : 0x100;      /* 0x100: the end */
            if (c2 >= 0x80 && c2 < 0x100)
                return i;
            possessive = c2 == 0x100 || !(ascii_class[c2] & CH_ALNUM);
            if (possessive)
                break;
        }
        /* otherwise an apostrophe before a word character is inner: the
         * word goes on (beyond the 16 bytes looked at) */
        if (c1 >= 0x80 || (ascii_class[c1] & CH_ALNUM))
            return i;
        break;
    case T_HYPHEN:
    case T_PERIOD:
        /* the general path looks for an e-mail address here (email_end)
         * and, before a period, for an abbreviation (abbrev_end). A byte
         * that is neither a letter, a digit, '@' nor a character of an
         * address's local part rules the address out. */
        if (c1 >= 0x80 || (ascii_class[c1] & CH_ALNUM) || local_part_char(c1)
            || maybe_url(s, len, i))
            return i;
        /* an initial ("A.") or a known abbreviation ("Dr.", "etc.", at
         * most 6 letters) keeps its period: general path */
        if (term == T_PERIOD && !(wflags & QR_TF_HAS_DIGIT)
            && (j - i == 1 || (j - i <= 6 && find_abbrev(s + i, j - i))))
            return i;
        break;
    default:
        return i;               /* non-ASCII, '@', '+', '%' */
    }
    size_t klen = j - i;
    keys[kl + klen] = '\0';
    put_token(&v[n++], i, j, kl, klen, QR_TOK_WORD, gap | wflags);
    kl += klen + 1;
    gap = 0;
    if (possessive) {
        /* "'s" after a word is a word of its own (ascii_other_token) */
        put_token(&v[n++], j, j + 2, kl, 2, QR_TOK_WORD, QR_TF_ASCII);
        keys[kl] = '\'';
        keys[kl + 1] = 's';
        keys[kl + 2] = '\0';
        kl += 3;
        j += 2;
    }

    /* what lies between words, as the main loop would do */
    *status = FAST_DONE;
    for (;;) {
        if (j >= len)
            break;
        c = s[j];
        if (c == ' ') {
            gap |= QR_TF_SPACE_BEFORE;
            j++;
            continue;
        }
        int what = c < 0x80 ? between_words[c] : S_BACK;
        if (what == S_WORD) {
            *status = FAST_WORD;
            break;
        }
        e = j + 1;
        switch (what) {
        case S_SPACE:
            gap |= QR_TF_SPACE_BEFORE;
            j++;
            continue;
        case S_CR:
            if (j + 1 < len && s[j + 1] == '\n') {
                j++;            /* "\r\n" is one line break */
                continue;
            }
            /* fall through */
        case S_LINE:
            /* line_break: the second one since the last token makes a
             * paragraph break */
            gap |= QR_TF_SPACE_BEFORE | QR_TF_NEWLINE_BEFORE | (gap & QR_TF_NEWLINE_BEFORE) << 1;
            j++;
            continue;
        case S_APOS:
            /* glued to a word (glued_to_word): maybe a possessive, general
             * path. A word was emitted, so n > 0. */
            if (gap == 0 && v[n - 1].end == j && v[n - 1].kind == QR_TOK_WORD)
                goto out;
            break;
        case S_RUN:             /* "...", "--" */
            while (e < len && s[e] == c && e - j < 32)
                e++;
            if (e < len && s[e] == c)
                goto out;       /* a very long run */
            break;
        case S_BANG:            /* "?!", "!!!" */
            while (e < len && (s[e] == '!' || s[e] == '?') && e - j < 32)
                e++;
            if (e < len && (s[e] == '!' || s[e] == '?'))
                goto out;
            break;
        case S_ONE:
            break;
        default:
            goto out;           /* digits, '#', '@', non-ASCII */
        }
        /* a punctuation or symbol token s[j..e) of 1 to 32 bytes, none of
         * them a letter (its key is the bytes themselves), unless a
         * combining mark follows (absorb_marks) */
        if (n >= f->n_lim || kl >= f->kl_lim || !ASCII_OR_END(s, len, e))
            goto out;
        klen = e - j;
        for (size_t k = 0; k < klen; k++)
            keys[kl + k] = s[j + k];
        keys[kl + klen] = '\0';
        put_token(&v[n++], j, e, kl, klen,
                  (ascii_class[c] & CH_PUNCT) ? QR_TOK_PUNCT : QR_TOK_SYMBOL, gap | QR_TF_ASCII);
        kl += klen + 1;
        gap = 0;
        j = e;
    }
out:
    f->n = n;
    f->kl = kl;
    f->gap = gap;
    return j;
}

/* Emits plain ASCII words and what lies between them from s[i], a letter
 * that does not start a URL. Returns where to go on; *slow is set when a
 * word starts there that the general path must take (otherwise the main
 * loop goes on with whatever is at the returned position). The common
 * case (a word of up to 15 bytes, one space, a letter) stays in a small
 * loop whose state fits in registers; the rest is fast_between's. */
static __attribute__((noinline))
size_t fast_run(tok_state *t, size_t i, int *slow)
{
    qr_tokens *o = t->out;
    const unsigned char *const s = t->s;
    const size_t len = t->len;
    qr_token *const v = o->v;
    unsigned char *const keys = (unsigned char *)o->keys;
    size_t n = o->n, kl = o->keys_len;
    /* A step (a word with its "'s", or one token between words) takes at
     * most two token slots and 128 key bytes (four 16-byte stores, "'s").
     * Keys past 4 GiB are the general path's error. */
    const size_t kcap = o->keys_cap < UINT32_MAX ? o->keys_cap : UINT32_MAX;
    const size_t n_lim = o->cap >= 2 ? o->cap - 1 : 0;
    const size_t kl_lim = kcap >= 128 ? kcap - 127 : 0;
    /* Line breaks since the last token are read from the flags: none, one
     * (QR_TF_NEWLINE_BEFORE set), two or more (QR_TF_PARA_BEFORE too), as
     * line_break and emit keep them; t->newlines is rebuilt on the way out. */
    unsigned gap = t->gap;
    int status;
    for (;;) {
        /* a word at s[i], a letter (not a URL: see T_COLON); s[i + 17]
         * exists, so the two bytes after a word of up to 15 bytes (or
         * the one after 16) may be read */
        if (n >= n_lim || kl >= kl_lim || i + 17 >= len) {
            status = FAST_GENERAL;  /* buffers full, or the end of the text is near */
            break;
        }
        unsigned u, l, d, hy, ap, ess, sp;
        classify16(s + i, keys + kl, &u, &l, &d, &hy, &ap, &ess, &sp);
        unsigned nb = word_length16(u, l, d, hy, ap, ess);
        size_t j = i + nb;
        unsigned m = (1u << nb) - 1;
        unsigned wflags = word_flags(u & 1, u & m, l & m, d & m);
        if (((sp & ((u | l) >> 1)) >> nb) & 1) {
            /* the most common case: one space, then the next word. Read
             * from the masks: s[j] is a space, s[j + 1] a letter, both
             * among the 16 bytes (bit 15 of (u | l) >> 1 is 0) */
            keys[kl + nb] = '\0';
            put_token(&v[n++], i, j, kl, nb, QR_TOK_WORD, gap | wflags);
            kl += nb + 1;
            gap = QR_TF_SPACE_BEFORE;
            i = j + 1;
            continue;
        }
        unsigned c = s[j], c1 = s[j + 1];
        if (nb < 16 && j + 3 < len) {
            /* next most common: one-byte punctuation, then one space and
             * the next word: " , " (tokenized text) or ", " right after
             * the word (but not '.', which may belong to the word) */
            size_t p = 0;
            if (c == ' ' && c1 < 0x80 && single_punct[c1] && s[j + 2] == ' ')
                p = j + 1;
            else if (c < 0x80 && c != '.' && single_punct[c] && c1 == ' ')
                p = j;
            if (p && (ascii_class[s[p + 2]] & (CH_LOWER | CH_UPPER))) {
                keys[kl + nb] = '\0';
                put_token(&v[n++], i, j, kl, nb, QR_TOK_WORD, gap | wflags);
                kl += nb + 1;
                keys[kl] = s[p];
                keys[kl + 1] = '\0';
                put_token(&v[n++], p, p + 1, kl, 1, QR_TOK_PUNCT,
                          (p - j) * QR_TF_SPACE_BEFORE | QR_TF_ASCII);
                kl += 2;
                gap = QR_TF_SPACE_BEFORE;
                i = p + 2;
                continue;
            }
        }
        fast_state f = {s, len, v, n, n_lim, keys, kl, kl_lim, gap};
        i = fast_between(&f, i, nb < 16 ? j : 0, wflags, &status);
        n = f.n;
        kl = f.kl;
        gap = f.gap;
        if (status != FAST_WORD)
            break;
    }
    o->n = n;
    o->keys_len = kl;
    t->newlines = (gap & QR_TF_PARA_BEFORE) ? 2 : (gap & QR_TF_NEWLINE_BEFORE) ? 1 : 0;
    t->gap = gap;
    *slow = status == FAST_GENERAL;
    return i;
}

/* Typographic dashes and quotes (U+2013, U+2014, U+2018, U+201C, U+201D)
 * are punctuation of one character whose key is the character itself
 * (NFKC and case folding leave them alone). Followed by an ASCII byte
 * (no combining mark to absorb) they are emitted here without decoding:
 * the main loop calls this at a 0xE2 byte; 0 means "not here". U+2019
 * (a possessive when glued to a word) and U+2026 (NFKC "...") take the
 * general path. */
static size_t typo_punct(tok_state *t, size_t i)
{
    const unsigned char *s = t->s;
    qr_tokens *o = t->out;
    if (i + 3 >= t->len || s[i + 1] != 0x80 || s[i + 3] >= 0x80)
        return 0;
    unsigned c = s[i + 2];
    if (c != 0x93 && c != 0x94 && c != 0x98 && c != 0x9C && c != 0x9D)
        return 0;
    if (o->n >= o->cap || o->keys_cap - o->keys_len < 4 || o->keys_len > UINT32_MAX - 4)
        return 0;       /* the general path grows the buffers */
    unsigned char *k = (unsigned char *)o->keys + o->keys_len;
    k[0] = 0xE2;
    k[1] = 0x80;
    k[2] = (unsigned char)c;
    k[3] = '\0';
    put_token(&o->v[o->n++], i, i + 3, o->keys_len, 3, QR_TOK_PUNCT, t->gap);
    o->keys_len += 4;
    t->gap = 0;
    t->newlines = 0;
    return i + 3;
}
#else
static size_t fast_run(tok_state *t, size_t i, int *slow)
{
    (void)t;
    *slow = 1;
    return i;
}

static size_t typo_punct(tok_state *t, size_t i)
{
    (void)t;
    (void)i;
    return 0;
}
#endif

/* }================================================================== */

/* {==================================================================
 * The main loop
 * =================================================================== */

int qr_tokenize(const char *text, size_t len, qr_tokens *out, qr_error *err)
{
    tok_state t = {(const unsigned char *)text, len, out, err, 0, 0};
    const unsigned char *s = t.s;
    out->n = 0;
    out->keys_len = 0;
    if (len > UINT32_MAX - 1)
        return qr_error_set(err, "tokenize: text of %zu bytes is longer than 4 GiB - 1; "
                            "split it into smaller documents", len);
    /* English averages a token per 5-6 bytes: reserve once, grow rarely */
    if (out->cap < len / 6 + 16
        && grow((void **)&out->v, &out->cap, len / 6 + 16, sizeof *out->v))
        return oom(&t);
    if (out->keys_cap < len + len / 4 + 64
        && grow((void **)&out->keys, &out->keys_cap, len + len / 4 + 64, 1))
        return oom(&t);
    if (out->ucs_cap < 64 && grow((void **)&out->ucs, &out->ucs_cap, 64, sizeof *out->ucs))
        return oom(&t);
    out->keys[0] = '\0';

    size_t i = 0, e = 0;
    int rc = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c == ' ') {
            t.gap |= QR_TF_SPACE_BEFORE;
            i++;
            continue;
        }
        if (c < 0x80) {
            unsigned b = ascii_class[c];
            if (b & (CH_LOWER | CH_UPPER)) {
                if (!maybe_url(s, len, i)) {
                    int slow;
                    i = fast_run(&t, i, &slow);
                    if (!slow)
                        continue;
                }
                rc = word_token(&t, i, &e);
            } else if (b & CH_SPACE) {
                if (b & CH_NEWLINE) {
                    if (!(c == '\r' && i + 1 < len && s[i + 1] == '\n'))
                        line_break(&t);
                } else {
                    t.gap |= QR_TF_SPACE_BEFORE;
                }
                i++;
                continue;
            } else if (b & CH_DIGIT) {
                rc = number_token(&t, i, &e);
            } else if ((single_punct[c] || plain_symbol[c]) && i + 1 < len && s[i + 1] < 0x80
                       && (c != '.' || s[i + 1] != '.')) {
                /* common punctuation and symbols with no rule attached, not
                 * followed by a combining mark: no need for the general path */
                int kind = single_punct[c] || (ascii_class[c] & CH_PUNCT) ? QR_TOK_PUNCT : QR_TOK_SYMBOL;
                e = i + 1;
                if (out->n < out->cap && out->keys_cap - out->keys_len >= 2
                    && out->keys_len < UINT32_MAX - 2) {
                    qr_token *tk = &out->v[out->n++];
                    tk->start = (uint32_t)i;
                    tk->end = (uint32_t)e;
                    tk->key = (uint32_t)out->keys_len;
                    tk->key_len = 1;
                    tk->kind = (uint16_t)kind;
                    tk->flags = (uint16_t)(t.gap | QR_TF_ASCII);
                    out->keys[out->keys_len] = (char)c;
                    out->keys[out->keys_len + 1] = '\0';
                    out->keys_len += 2;
                    t.gap = 0;
                    t.newlines = 0;
                } else {
                    rc = emit(&t, i, e, kind, 0);
                }
            } else {
                rc = ascii_other_token(&t, i, &e);
            }
        } else {
            if (c == 0xE2 && (e = typo_punct(&t, i)) != 0) {
                i = e;      /* a typographic dash or quote (fast path) */
                continue;
            }
            int32_t cp;
            size_t n = qr_utf8_decode(s + i, len - i, &cp);
            unsigned acc = 0;
            int cls = U_LETTER;
            if (cp != QR_UTF8_BAD)
                cls = uclass(cp, &acc);
            switch (cls) {
            case U_LETTER:
            case U_MARK:
                rc = word_token(&t, i, &e);
                break;
            case U_DIGIT:
                rc = number_token(&t, i, &e);
                break;
            case U_SPACE:
                t.gap |= QR_TF_SPACE_BEFORE;
                i += n;
                continue;
            case U_NEWLINE:
                line_break(&t);
                i += n;
                continue;
            case U_PARA:
                line_break(&t);
                line_break(&t);
                i += n;
                continue;
            case U_FORMAT:
                i += n;     /* a stray joiner or bidi mark between tokens */
                continue;
            case U_CJK:
                e = absorb_marks(s, len, i + n, &acc);
                rc = emit(&t, i, e, QR_TOK_CJK, acc);
                break;
            case U_RI:
                e = scan_cluster(s, len, i, n, cp, &acc);
                rc = emit(&t, i, e, QR_TOK_EMOJI, acc);
                break;
            case U_PICT:
                if (cp >= 0x2300 || (i + n + 3 <= len && memcmp(s + i + n, "\xEF\xB8\x8F", 3) == 0)) {
                    e = scan_cluster(s, len, i, n, cp, &acc);
                    rc = emit(&t, i, e, QR_TOK_EMOJI, acc);
                } else {
                    e = absorb_marks(s, len, i + n, &acc);
                    rc = emit(&t, i, e, QR_TOK_SYMBOL, acc);
                }
                break;
            case U_PUNCT:
                if (cp == 0x2019 && glued_to_word(&t, i) && possessive_at(s, len, i, 3)) {
                    e = i + 4;
                    rc = emit(&t, i, e, QR_TOK_WORD, acc);
                    break;
                }
                e = absorb_marks(s, len, i + n, &acc);
                rc = emit(&t, i, e, QR_TOK_PUNCT, acc);
                break;
            default:
                e = absorb_marks(s, len, i + n, &acc);
                rc = emit(&t, i, e, QR_TOK_SYMBOL, acc);
                break;
            }
        }
        if (rc != 0)
            return -1;
        i = e;
    }
    return 0;
}

/* }================================================================== */

void qr_tokens_init(qr_tokens *t)
{
    memset(t, 0, sizeof *t);
}

void qr_tokens_free(qr_tokens *t)
{
    if (!t)
        return;
    free(t->v);
    free(t->keys);
    free(t->ucs);
    memset(t, 0, sizeof *t);
}

const char *qr_token_kind_name(int kind)
{
    static const char *const names[QR_TOK_KIND_COUNT] = {
        "word", "number", "punct", "symbol", "url", "email",
        "hashtag", "mention", "emoji", "cjk"
    };
    return kind >= 0 && kind < QR_TOK_KIND_COUNT ? names[kind] : "?";
}
