/* The tokenizer's fast path against its general path: the same tokenizer
 * built without the fast path (QR_TOKENIZE_NO_FAST) must give identical
 * tokens, flags, key offsets and keys (tokenize_diff.h has the texts).
 * Also checks the fast path's tables against the rules they stand for. */
#define QR_TOKENIZE_NO_FAST 1
#define qr_tokenize slow_tokenize
#define qr_tokens_init slow_tokens_init
#define qr_tokens_free slow_tokens_free
#define qr_token_kind_name slow_token_kind_name
#include "../../core/tokenize.c"
#undef qr_tokenize
#undef qr_tokens_init
#undef qr_tokens_free
#undef qr_token_kind_name

int qr_tokenize(const char *text, size_t len, qr_tokens *out, qr_error *err);
void qr_tokens_init(qr_tokens *t);
void qr_tokens_free(qr_tokens *t);

#define OTHER_tokenize slow_tokenize
#define OTHER_tokens_init slow_tokens_init
#define OTHER_tokens_free slow_tokens_free
#include "tokenize_diff.h"

/* The fast path sends a word before '.' to the general path only when it
 * has at most 6 letters (the longest abbreviation). */
static void test_abbrev_lengths(void)
{
    size_t longest = 0;
    for (size_t i = 0; i < sizeof abbrevs / sizeof abbrevs[0]; i++) {
        size_t n = strlen(abbrevs[i].s);
        longest = n > longest ? n : longest;
        if (i > 0)
            CHECK(strcmp(abbrevs[i - 1].s, abbrevs[i].s) < 0);     /* binary search */
    }
    CHECK_EQ_INT(longest, 6);
}

/* find_abbrev (a binary search with a byte-by-byte compare) against a
 * linear scan: every entry, its prefixes and extensions, other cases. */
static const abbrev *linear_abbrev(const unsigned char *w, size_t n)
{
    for (size_t i = 0; i < sizeof abbrevs / sizeof abbrevs[0]; i++)
        if (strlen(abbrevs[i].s) == n && memcmp(w, abbrevs[i].s, n) == 0)
            return &abbrevs[i];
    return NULL;
}

static void test_find_abbrev(void)
{
    int bad = 0, found = 0;
    for (size_t i = 0; i < sizeof abbrevs / sizeof abbrevs[0]; i++) {
        unsigned char w[16];
        size_t n = strlen(abbrevs[i].s);
        for (int variant = 0; variant < 6; variant++) {
            memcpy(w, abbrevs[i].s, n + 1);
            size_t m = n;
            if (variant == 1)
                m = n - 1;              /* a prefix */
            else if (variant == 2)
                w[m++] = 'x';           /* longer */
            else if (variant == 3)
                w[0] ^= 0x20;           /* other case */
            else if (variant == 4)
                w[m++] = '\0';          /* a NUL byte after it */
            else if (variant == 5)
                w[n - 1] = (unsigned char)(w[n - 1] + 1);
            const abbrev *a = find_abbrev(w, m), *b = linear_abbrev(w, m);
            bad += a != b;
            found += a != NULL;
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(found >= (int)(sizeof abbrevs / sizeof abbrevs[0]));
    CHECK(find_abbrev((const unsigned char *)"", 0) == NULL);
}

int main(void)
{
    test_abbrev_lengths();
    test_find_abbrev();
    diff_suite();
    return DONE("tokenize fast path");
}
