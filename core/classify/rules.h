/*
 * rules — rule-based document labels (the `classify` step with `rules:`).
 *
 *   rules:
 *     military:  { words: [weapons, missile], phrases: ['armed forces'], weight: 1 }
 *     diplomacy: { words: [treaty], regex: ['\bforeign minister\b'] }
 *     economy:   { words: [trade], entities: { ORG: 0.5 } }
 *
 * Scoring, per label (a rule), over one document:
 *   - words:    each token whose key (NFKC + case-fold) equals a word's key
 *               adds `weight`; a "word" that the tokenizer splits into
 *               several tokens ("e-mail address") is treated as a phrase;
 *   - phrases:  each match of the phrase gazetteer (case-insensitive,
 *               leftmost-longest over tokens; core/gazetteer.h) adds `weight`;
 *   - regex:    each match of a pattern (PCRE2, caseless by default — write
 *               (?-i) for case-sensitive; core/regex.h) adds `weight`;
 *   - entities: each span with label L already in the document adds the
 *               weight given for L ({ ORG: 0.5 }), or `weight` for the list
 *               form ([ORG, PERSON]).
 *   `weight` defaults to 1 and may be any number (negative to penalize).
 * Assignment (qr_rules_apply): a label is assigned when its score is >=
 * threshold (and > 0). With multi, every assigned label goes to doc labels
 * (label -> score) in rule order; without it only the best. The chosen label
 * (doc `label`) is the highest score; equal scores go to the rule declared
 * first. No label reaches the threshold: no label and no chosen label.
 *
 * Ownership and threads: a qr_rules is built once and read-only afterwards;
 * each thread scores with its own qr_rules_scratch.
 */
#ifndef QR_CLASSIFY_RULES_H
#define QR_CLASSIFY_RULES_H

#include "doc.h"
#include "value.h"

typedef struct qr_rules qr_rules;
typedef struct qr_rules_scratch qr_rules_scratch;

/* Builds the rules from the `rules:` map. Errors point at the offending
 * value (file:line:col). */
qr_rules *qr_rules_new(const qr_value *rules, qr_error *err);
void qr_rules_free(qr_rules *r);               /* NULL is fine */

size_t qr_rules_count(const qr_rules *r);
const char *qr_rules_label(const qr_rules *r, size_t i);

qr_rules_scratch *qr_rules_scratch_new(const qr_rules *r, qr_error *err);
void qr_rules_scratch_free(qr_rules_scratch *s);   /* NULL is fine */

/* scores[0..count) gets every rule's score for doc (tokens are made if
 * needed). 0 or -1 with err. */
int qr_rules_score(const qr_rules *r, qr_rules_scratch *s, qr_doc *doc, double *scores,
                   qr_error *err);
/* Scores doc and sets its labels and chosen label as described above.
 * Returns the chosen rule's index, -1 for none, -2 on error. */
int qr_rules_apply(const qr_rules *r, qr_rules_scratch *s, qr_doc *doc, double threshold,
                   int multi, qr_error *err);

#endif
