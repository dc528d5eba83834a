/* The tokenizer's SWAR fast path against its general path: the same
 * tokenizer built without the fast path (QR_TOKENIZE_NO_FAST) must give
 * identical tokens, flags and keys on text made of the pieces both handle. */
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

#include "check.h"

int qr_tokenize(const char *text, size_t len, qr_tokens *out, qr_error *err);
void qr_tokens_init(qr_tokens *t);
void qr_tokens_free(qr_tokens *t);

static int same(const char *text, size_t len, qr_tokens *a, qr_tokens *b)
{
    qr_error err;
    if (qr_tokenize(text, len, a, &err) != 0 || slow_tokenize(text, len, b, &err) != 0)
        return 0;
    if (a->n != b->n) {
        fprintf(stderr, "token counts differ: %zu vs %zu\n", a->n, b->n);
        return 0;
    }
    for (size_t i = 0; i < a->n; i++) {
        const qr_token *x = &a->v[i], *y = &b->v[i];
        if (x->start != y->start || x->end != y->end || x->kind != y->kind
            || x->flags != y->flags || x->key_len != y->key_len
            || memcmp(qr_token_key(a, i), qr_token_key(b, i), x->key_len + 1) != 0) {
            fprintf(stderr, "token %zu differs: fast %u:%u kind %u flags %x '%s', "
                    "general %u:%u kind %u flags %x '%s'\n", i, x->start, x->end, x->kind,
                    x->flags, qr_token_key(a, i), y->start, y->end, y->kind, y->flags,
                    qr_token_key(b, i));
            return 0;
        }
    }
    return 1;
}

int main(void)
{
    static const char *const pieces[] = {
        "the", "The", "NATO", "G7", "a", "I", "x1y2", "Internationalization",
        "Pneumonoultramicroscopicsilicovolcanoconiosis", "abcdefgh", "abcdefghijklmnop",
        " ", " ", " ", " ", "  ", "\n", "\n\n", "\t", "\r\n", ",", ", ", ".", ". ", "...", ";",
        ":", "(", ")", "\"", "'", "'s", "-", "_", "/", "!", "?", "#", "@", "*", "=", "<", ">",
        "|", "[", "]", "{", "}", "1", "1,000", "3.5", "http", "https://x.org", "www.a.b",
        "ftp", "wwwx", "e.g.", "U.S.", "Dr.", "No. 5", "don't", "Tae-yul", "x@y.org",
        "\xC3\xA9", "\xE2\x80\x99", "\xE6\x9D\xB1", "\xF0\x9F\x91\x8D", "\x80", "\0"
    };
    size_t np = sizeof pieces / sizeof pieces[0];
    qr_tokens a, b;
    qr_tokens_init(&a);
    slow_tokens_init(&b);
    /* the sample news article style, spelled out */
    const char *news = "SEOUL, South Korea (AP) \xE2\x80\x94 North Korea's foreign minister said on "
                       "Tuesday that the U.S. and its allies \"must stop\" drills; Mr. Kim, 63, "
                       "visited Moscow (Russia) in 2024.\n\nThe talks -- held at 10 a.m. -- ended.";
    CHECK(same(news, strlen(news), &a, &b));
    uint32_t seed = 1;
    char *text = malloc(1 << 16);
    for (int round = 0; round < 400; round++) {
        size_t len = 0, target = 64 + (size_t)(round * 97) % 4000;
        while (len < target) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % np];
            size_t n = p[0] ? strlen(p) : 1;
            memcpy(text + len, p, n);
            len += n;
        }
        int ok = same(text, len, &a, &b);
        CHECK(ok);
        if (!ok) {
            fprintf(stderr, "round %d: input %zu bytes\n", round, len);
            break;
        }
    }
    free(text);
    qr_tokens_free(&a);
    slow_tokens_free(&b);
    return DONE("tokenize fast path");
}
