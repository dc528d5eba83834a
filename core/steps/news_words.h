/*
 * news_words — word and phrase sets shared by the news steps (persons,
 * quotes, keywords): a string set keyed by token keys, list-file loading,
 * and the built-in English word classes (stop words, speech verbs,
 * pronouns, organization head words).
 *
 * A phrase is stored as the keys of its tokens (qr_tokenize: NFKC +
 * case-fold) joined by single spaces, so "National Security Adviser" and
 * "national security adviser" are the same entry and a lookup can be built
 * from a document's token keys without re-reading the text.
 *
 * Ownership: a qr_wordset copies what is added; read-only after loading,
 * so one set may be shared by every thread.
 */
#ifndef QR_NEWS_WORDS_H
#define QR_NEWS_WORDS_H

#include <stddef.h>
#include "quarry_module.h"

typedef struct qr_wordset qr_wordset;

qr_wordset *qr_wordset_new(void);
void qr_wordset_free(qr_wordset *s);                  /* NULL is fine */
size_t qr_wordset_count(const qr_wordset *s);
/* Longest phrase added, in tokens. */
size_t qr_wordset_max_tokens(const qr_wordset *s);

/* Adds s[0..n) as is. 0, or -1 on out of memory. */
int qr_wordset_add(qr_wordset *s, const char *str, size_t n);
int qr_wordset_has(const qr_wordset *s, const char *str, size_t n);
/* Adds the strings of option value v: a list of strings, or one string
 * (items that are not strings are passed over). 0, or -1 on out of memory. */
int qr_wordset_add_opt(qr_wordset *s, const qr_host_api *api, const qr_value *v);

/* Tokenizes `phrase` and adds its keys joined by spaces. */
int qr_wordset_add_phrase(qr_wordset *s, const char *phrase, qr_error *err);

/* Reads a list file: one phrase per line (the first TAB-separated column),
 * blank lines and lines starting with '#' skipped, UTF-8 BOM ignored.
 * Errors name the file. */
int qr_wordset_load(qr_wordset *s, const char *path, qr_error *err);
/* The same, keeping only lines whose second TAB-separated column is `label`
 * (a gazetteer TSV: phrase, label, id); label NULL keeps every line. */
int qr_wordset_load_label(qr_wordset *s, const char *path, const char *label, qr_error *err);
/* Loads the list file named by option value v (a path relative to the
 * pipeline, ctx) when it is a non-empty string; nothing to do otherwise.
 * Errors are marked at the option. 0 or -1 with err. */
int qr_wordset_load_opt(qr_wordset *s, const qr_host_api *api, const qr_step_ctx *ctx, const qr_value *v,
                        qr_error *err);

/* Built-in English word classes; `key` is a token key (case-folded). */
int qr_news_is_stopword(const char *key, size_t n);
int qr_news_is_speech_verb(const char *key, size_t n);   /* said, says, told… */
int qr_news_is_pronoun(const char *key, size_t n);       /* he, she, they…   */
/* Verb forms that end a key phrase: "needs", "pushed", "sold" (no -ing
 * forms; nouns that are also verbs only in their past forms: "posted"). */
int qr_news_is_verb_form(const char *key, size_t n);
/* Words that end an organization's name: "Council", "Securities"… */
int qr_news_is_org_head(const char *key, size_t n);
/* Words that start one when "of" follows: "University (of)", "Ministry (of)". */
int qr_news_is_org_start(const char *key, size_t n);
/* Words that end a place's name: 1 for "County", "City", "Province" (a
 * GPE), 2 for "River", "Bay", "Street" (a LOC), 0 otherwise. */
int qr_news_place_head(const char *key, size_t n);
/* Weekdays and months. */
int qr_news_is_calendar_word(const char *key, size_t n);

#endif
