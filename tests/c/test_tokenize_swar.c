/* The fast path's portable word scanner (SWAR on 64-bit halves, used where
 * SSE2 is missing) against the library's: identical tokens, flags and keys
 * on the texts of tokenize_diff.h. test_tokenize_fast.c checks the
 * library against the general path on the same texts. Also the fast
 * path's byte tables (this copy has them; the general-path copy has not). */
#define QR_TOKENIZE_SWAR 1
#define qr_tokenize swar_tokenize
#define qr_tokens_init swar_tokens_init
#define qr_tokens_free swar_tokens_free
#define qr_token_kind_name swar_token_kind_name
#include "../../core/tokenize.c"
#undef qr_tokenize
#undef qr_tokens_init
#undef qr_tokens_free
#undef qr_token_kind_name

int qr_tokenize(const char *text, size_t len, qr_tokens *out, qr_error *err);
void qr_tokens_init(qr_tokens *t);
void qr_tokens_free(qr_tokens *t);

#define OTHER_tokenize swar_tokenize
#define OTHER_tokens_init swar_tokens_init
#define OTHER_tokens_free swar_tokens_free
#include "tokenize_diff.h"

/* gather8 packs bit 7 of each byte into one byte, as SSE2's movemask. */
static void test_gather8(void)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
    int bad = 0;
    for (unsigned m = 0; m < 256; m++) {
        uint64_t v = 0;
        for (int k = 0; k < 8; k++)
            if (m >> k & 1)
                v |= (uint64_t)0x80 << (8 * k) | (uint64_t)(k * 5) << (8 * k);  /* noise below bit 7 */
        bad += gather8(v) != m;
    }
    CHECK_EQ_INT(bad, 0);
#endif
}

/* The fast path's byte tables against the rules they stand for. */
static void test_tables(void)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
    int bad = 0;
    for (unsigned c = 0; c < 128; c++) {
        int letter = (ascii_class[c] & (CH_LOWER | CH_UPPER)) != 0;
        int alnum = (ascii_class[c] & CH_ALNUM) != 0;
        /* between words: letters start a word; digits, '#', '@' go back */
        if ((between_words[c] == S_WORD) != letter)
            bad++, fprintf(stderr, "between_words[0x%02X]\n", c);
        if ((alnum && !letter) || c == '#' || c == '@')
            bad += between_words[c] != S_BACK;
        /* after a word: only what scan_word stops at, and the bytes with a
         * rule of their own are told apart */
        int want = alnum || c == '@' || c == '+' || c == '%' ? T_NO
                 : c == '\'' ? T_APOS : c == '-' || c == '_' ? T_HYPHEN
                 : c == '.' ? T_PERIOD : c == ':' ? T_COLON : T_END;
        if (after_word[c] != want)
            bad++, fprintf(stderr, "after_word[0x%02X] = %d, want %d\n", c, after_word[c], want);
    }
    CHECK_EQ_INT(bad, 0);
#endif
}

int main(void)
{
    test_tables();
    test_gather8();
    diff_suite();
    return DONE("tokenize fast path (portable scanner)");
}
