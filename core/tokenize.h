/*
 * tokenize — UTF-8 tokenizer.
 *
 * Splits any byte string into tokens with 0-based byte offsets (end
 * exclusive), a kind, flags, and a normalized key (NFKC + Unicode case-fold,
 * via utf8proc) used for matching and features.
 *
 * Invalid UTF-8 never stops it: each bad byte counts as U+FFFD for the
 * purpose of classification and keys, and offsets of the valid text around
 * it do not move. NUL bytes are ordinary characters. Whitespace is never
 * part of a token, so no token crosses a line break (text may be cut after
 * a newline and tokenized in pieces with the same result, flags aside).
 *
 * Possessives: "Seoul's" / "Seoul’s" is split into "Seoul" + "'s" (as
 * spaCy and the Penn Treebank do), so gazetteers match the bare name.
 * The "'s" token is a word (key "'s" or "’s"); so is the "'s" of "it's".
 *
 * Rules (docs/tokenizer.md has the full list):
 *   word     letters, digits, marks, with inner ' ’ - ‐ _ ("don't",
 *            "Tae-yul", "COVID-19", "1990s"); an abbreviation keeps its
 *            period: single letters and letter-period runs ("M.", "U.S.",
 *            "e.g."), and a built-in list ("Dr.", "Mt.", "Gov.", "etc.";
 *            "No." only before a number). Any other period is a punct
 *            token, so a sentence splitter sees "word" + "." at a sentence
 *            end, and "U.S." / "Dr." as one token when the period is part
 *            of an abbreviation (it may still end the sentence).
 *   number   digits with inner "," or "." ("1,000", "100.00", "3.5");
 *            "$" and "%" are separate symbol tokens.
 *   punct    one character, except runs of "." ("..."), of "-" ("--")
 *            and of "!"/"?" ("?!", "!!!") which are one token each.
 *   symbol   $ % + < = > ^ ` | ~ # & @ * and other symbols, control
 *            characters (NUL included), lone invalid bytes.
 *   url      http://, https://, ftp://, www. up to a space; trailing
 *            sentence punctuation and unbalanced ) ] are left out.
 *   email    local@domain.tld
 *   hashtag  #tag (at least one letter);  mention  @name
 *   emoji    one grapheme cluster: ZWJ sequences, skin tones, flags, VS16,
 *            keycaps.
 *   cjk      one character (with its combining marks) of Han, kana, Thai,
 *            Lao, Khmer, Myanmar, Yi.
 *
 * Memory: a qr_tokens owns growable buffers (tokens, keys, a code-point
 * scratch) that are reused from one call to the next; no allocation per
 * token. Not thread-safe per object; use one qr_tokens per thread (there
 * is no global state).
 */
#ifndef QR_TOKENIZE_H
#define QR_TOKENIZE_H

#include "quarry_module.h"

typedef struct qr_tokens {
    qr_token *v;       /* tokens, n of them                       */
    size_t n, cap;
    char *keys;        /* NUL-terminated keys, see qr_token.key    */
    size_t keys_len, keys_cap;
    int32_t *ucs;      /* scratch for non-ASCII keys (internal)   */
    size_t ucs_cap;
} qr_tokens;

void qr_tokens_init(qr_tokens *t);
void qr_tokens_free(qr_tokens *t);      /* frees buffers; t may be reset with init */

/* Tokenizes text[0..len). Replaces the contents of `out`, reusing its
 * buffers. Returns 0, or -1 with err filled (out of memory, or a text
 * longer than 4 GiB - 1, which offsets cannot address). */
int qr_tokenize(const char *text, size_t len, qr_tokens *out, qr_error *err);

static inline const char *qr_token_key(const qr_tokens *t, size_t i)
{
    return t->keys + t->v[i].key;
}

/* "word", "number", "punct", "symbol", "url", "email", "hashtag",
 * "mention", "emoji", "cjk"; "?" for an unknown value. */
const char *qr_token_kind_name(int kind);

#endif
