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

int main(void)
{
    test_abbrev_lengths();
    diff_suite();
    return DONE("tokenize fast path");
}
