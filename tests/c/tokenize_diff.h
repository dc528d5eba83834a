/* Differential testing of the tokenizer's fast path (shared by
 * test_tokenize_fast.c and test_tokenize_swar.c). The including file
 * defines OTHER_tokenize / OTHER_tokens_init / OTHER_tokens_free (a copy
 * of core/tokenize.c built another way) and calls diff_suite(), which
 * compares it with the library's qr_tokenize token by token (offsets,
 * kind, flags, key offset, key bytes) on texts made of pieces that both
 * paths see: words at the end of the buffer, non-ASCII right after a
 * word, CRLF, possessives, hyphens, abbreviations, words across the
 * 16-byte blocks of the fast path. Every text is tokenized from a buffer
 * of exactly its length, so ASan sees any read past the end. */
#ifndef QR_TOKENIZE_DIFF_H
#define QR_TOKENIZE_DIFF_H

#include "check.h"
#include "tokenize.h"

#include <stdlib.h>
#include <string.h>

static int diff_same(const char *text, size_t len, qr_tokens *a, qr_tokens *b)
{
    qr_error err;
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return 0;
    memcpy(copy, text, len);
    int ra = qr_tokenize(copy, len, a, &err), rb = OTHER_tokenize(copy, len, b, &err);
    free(copy);
    if (ra != 0 || rb != 0)
        return 0;
    if (a->n != b->n || a->keys_len != b->keys_len) {
        fprintf(stderr, "token counts differ: %zu vs %zu (keys %zu vs %zu)\n", a->n, b->n,
                a->keys_len, b->keys_len);
        return 0;
    }
    for (size_t i = 0; i < a->n; i++) {
        const qr_token *x = &a->v[i], *y = &b->v[i];
        if (x->start != y->start || x->end != y->end || x->kind != y->kind
            || x->flags != y->flags || x->key != y->key || x->key_len != y->key_len
            || memcmp(qr_token_key(a, i), qr_token_key(b, i), x->key_len + 1) != 0) {
            fprintf(stderr, "token %zu differs: library %u:%u kind %u flags %x key@%u '%s', "
                    "other %u:%u kind %u flags %x key@%u '%s'\n", i, x->start, x->end, x->kind,
                    x->flags, x->key, qr_token_key(a, i), y->start, y->end, y->kind, y->flags,
                    y->key, qr_token_key(b, i));
            return 0;
        }
    }
    return 1;
}

/* Reports the first failing text once, escaped, and stops the caller. */
static int diff_check(const char *what, const char *text, size_t len, qr_tokens *a,
                      qr_tokens *b)
{
    int ok = diff_same(text, len, a, b);
    CHECK(ok);
    if (!ok) {
        fprintf(stderr, "%s: %zu bytes: \"", what, len);
        for (size_t i = 0; i < len && i < 400; i++) {
            unsigned c = (unsigned char)text[i];
            if (c >= 0x20 && c < 0x7F && c != '\\' && c != '"')
                fputc((int)c, stderr);
            else
                fprintf(stderr, "\\x%02X", c);
        }
        fprintf(stderr, "\"\n");
    }
    return ok;
}

/* Pieces: words of every length around 16 and 64 bytes, the shapes the
 * fast path takes or hands back, and what may follow them. "" stands for
 * a NUL byte. */
static const char *const diff_pieces[] = {
    /* words */
    "the", "The", "NATO", "G7", "a", "I", "x1y2", "s", "S", "Jr", "Mr", "Dr", "No", "etc", "vs",
    "Messrs", "approx",
    "al", "co", "U", "e", "g", "abcdefghijklmno", "abcdefghijklmnop", "Abcdefghijklmnopq",
    "Internationalization", "Pneumonoultramicroscopicsilicovolcanoconiosis",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl",
    "term-end", "over-all", "Mayor-nominate", "COVID-19", "snake_case", "abcdefghijklmn-pq",
    "abcdefghijklmno-p", "abcdefghijklmn's", "abcdefghijklmno's", "abcdefghijklm'st",
    "don't", "rock'n'roll", "it's", "Atlanta's", "JONES'S", "boys'", "http", "https", "www",
    "ftp", "wwwx", "httpx", "1990", "1990s", "1,000", "3.5", "x", "y",
    /* separators and punctuation */
    " ", " ", " ", " ", " ", " ", "  ", "\n", "\n\n", "\t", "\r\n", "\r", "\v", "\f", " \n \n ",
    " , ", " . ", " ; ", " : ", " ? ", " ! ", " ( ", " ) ", " `` ", " '' ", " \" ", " -- ",
    ",", ".", ". ", "...", "..", ";", ":", "(", ")", "\"", "'", "''", "``", "`", "'s", "'S",
    "'s ", "'t", "-", "--", "---", "_", "__", "/", "!", "?", "?!", "!!!", "#", "#tag", "@",
    "@user", "*", "=", "<", ">", "|", "[", "]", "{", "}", "&", "$", "%", "+", "~", "^", "\\",
    "\x01", "\x7F", "", "://", "x@y.org", "a.b", "e.g.", "U.S.", "Dr.", "No. 5", "Jr. ",
    "A. ", "-.", "-@", ".@", ".-", "._", ".%", "x%y@z.org", "a+b@c.de", "%", "+@",
    /* non-ASCII and invalid bytes */
    "\xC3\xA9", "\xC3\x89t\xC3\xA9", "\xE2\x80\x99", "\xE2\x80\x99s", "\xE2\x80\x90",
    "\xCC\x81", "\xE6\x9D\xB1", "\xF0\x9F\x91\x8D", "\xC2\xA0", "\xE2\x80\x8B",
    "\xEF\xB8\x8F", "\xE2\x83\xA3", "\xE2\x80\x9C", "\xE2\x80\x9D", "\xC2\x85",
    "\xE2\x80\xA8", "\xE2\x80\xA9", "\x80", "\xFF", "\xC3",
    "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x98", "\xE2\x80\xA6", "\xE2\x80", "\xE2",
};

/* diff_pieces[0 .. DIFF_WORDS) are words */
#define DIFF_WORDS 57

/* The next pseudo-random number (a fixed sequence, so failures repeat). */
static uint32_t diff_rand(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

/* Appends pieces to text until it holds at least target bytes; English
 * mode favours words with single spaces, as running text has. */
static size_t diff_text(char *text, size_t target, uint32_t *seed, int english)
{
    static const char *const seps[] = {" ", " ", " ", " ", " , ", " . ", "'s ", "-", ".\n\n",
                                       ", ", ". ", "\n"};
    size_t np = sizeof diff_pieces / sizeof diff_pieces[0], ns = sizeof seps / sizeof seps[0];
    size_t len = 0;
    while (len < target) {
        const char *p;
        if (english) {
            p = diff_pieces[diff_rand(seed) % DIFF_WORDS];
            size_t n = strlen(p);
            memcpy(text + len, p, n);
            len += n;
            p = diff_rand(seed) % 4 ? seps[diff_rand(seed) % ns] : diff_pieces[diff_rand(seed) % np];
        } else {
            p = diff_pieces[diff_rand(seed) % np];
        }
        size_t n = p[0] ? strlen(p) : 1;
        memcpy(text + len, p, n);
        len += n;
    }
    return len;
}

/* The whole suite: fixed texts, every prefix of short random texts (words
 * cut at the end of the buffer), long random texts. */
static void diff_suite(void)
{
    CHECK(strcmp(diff_pieces[DIFF_WORDS - 1], "y") == 0 && strcmp(diff_pieces[DIFF_WORDS], " ") == 0);
    qr_tokens a, b;
    qr_tokens_init(&a);
    OTHER_tokens_init(&b);
    static const char *const fixed[] = {
        "SEOUL, South Korea (AP) \xE2\x80\x94 North Korea's foreign minister said on Tuesday "
        "that the U.S. and its allies \"must stop\" drills; Mr. Kim, 63, visited Moscow "
        "(Russia) in 2024.\n\nThe talks -- held at 10 a.m. -- ended.",
        "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary "
        "election produced `` no evidence '' that any irregularities took place .\n\nThe jury "
        "further said in term-end presentments that the City Executive Committee , which had "
        "over-all charge of the election , `` deserves the praise and thanks of the City of "
        "Atlanta '' for the manner in which the election was conducted .\n\n",
        "Ivan Allen Jr. . Mrs. J. B. Smith , A. B. C. , it's JONES'S dog , the boys' dogs .\r\n"
        "see http://x.org/a , www.example.com or ftp://f.org: e-mail x-y@z.org or a.b@c.de .",
        "wordwordwordword wordwordwordwordw wordwordwordwordwordwordwordwordwordwordwordwordword"
        "wordwordwordwordwordwordwordword end",
        "caf\xC3\xA9 na\xC3\xAFve r\xC3\xA9sum\xC3\xA9 the\xE2\x80\x99s word\xCC\x81 word\xE2\x80\x90x",
    };
    for (size_t f = 0; f < sizeof fixed / sizeof fixed[0]; f++) {
        size_t len = strlen(fixed[f]);
        for (size_t cut = 0; cut <= len; cut++)
            if (!diff_check("fixed text prefix", fixed[f], cut, &a, &b))
                goto out;
    }
    uint32_t seed = 1;
    char *text = malloc(1 << 16);
    if (!text)
        goto out;
    for (int round = 0; round < 300; round++) {
        size_t len = diff_text(text, 40 + (size_t)round % 160, &seed, round % 2);
        for (size_t cut = 0; cut <= len; cut++)
            if (!diff_check("random text prefix", text, cut, &a, &b))
                goto done;
    }
    for (int round = 0; round < 600; round++) {
        size_t len = diff_text(text, 64 + (size_t)(round * 97) % 8000, &seed, round % 3 != 0);
        if (!diff_check("random text", text, len, &a, &b))
            goto done;
    }
done:
    free(text);
out:
    qr_tokens_free(&a);
    OTHER_tokens_free(&b);
}

#endif
