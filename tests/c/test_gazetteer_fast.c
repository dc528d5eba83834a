/* Gazetteer fast paths (word filter, candidate scan, memo) against a plain
 * reference matcher written here: random texts over words of tricky
 * lengths (around 8 and 16 bytes, where the key is read as one or two
 * words), non-ASCII words whose keys change length when case-folded, glued
 * and spaced tokens, and keys at the very end of an exactly sized key
 * buffer. */
#include "check.h"
#include "error.h"
#include "gazetteer.h"
#include "tokenize.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const vocab[] = {
    "a", "I", "of", "the", "New", "york", "San", "José", "abcdefg", "abcdefgh", "abcdefghi",
    "abcdefgx", "abcdefghX", "abcdefghY", "ABCDEFGH", "abcdefghijklmno", "abcdefghijklmnop",
    "abcdefghijklmnoq", "abcdefghijklmnopq", "abcdefghijklmnopqrstuvwxyz", "Straße", "STRASSE",
    "strasse", "İstanbul", "ÉCOLE", "école", "東京", "ﬁne", "fine", "c++", ".", "-", "Mt.", "'s",
    "Saint-Étienne", "x9", "12345678", "123456789", "Ωmega", "ωμέγα", "ß", "ss",
};
#define NV (sizeof vocab / sizeof *vocab)

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

/* Appends a random case variant of a vocabulary word. */
static size_t put_word(char *out, size_t o, const char *w)
{
    size_t n = strlen(w);
    uint32_t mode = rnd() % 3;
    for (size_t i = 0; i < n; i++) {
        char c = w[i];
        if (mode == 1 && c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        else if (mode == 2 && c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        out[o++] = c;
    }
    return o;
}

static const char *const seps[] = {" ", " ", " ", "", "\n", "  "};

/* A phrase or text of n random words. */
static void make_text(char *out, size_t cap, int n)
{
    size_t o = 0;
    for (int i = 0; i < n && o + 64 < cap; i++) {
        if (i) {
            const char *s = seps[rnd() % 6];
            memcpy(out + o, s, strlen(s));
            o += strlen(s);
        }
        o = put_word(out, o, vocab[rnd() % NV]);
    }
    out[o] = '\0';
}

/* A phrase as the reference sees it: keys and glued bits of its tokens. */
typedef struct ref_entry {
    int n;
    char *key[4];
    size_t len[4];
    int glued[4];
    char phrase[160];
} ref_entry;

static int glued(const qr_tokens *t, size_t i)
{
    return i > 0 && !(t->v[i].flags & QR_TF_SPACE_BEFORE);
}

static int ref_from(ref_entry *e, const char *phrase, qr_tokens *t)
{
    qr_error err;
    if (qr_tokenize(phrase, strlen(phrase), t, &err) != 0 || t->n == 0 || t->n > 4)
        return -1;
    e->n = (int)t->n;
    snprintf(e->phrase, sizeof e->phrase, "%s", phrase);
    for (size_t i = 0; i < t->n; i++) {
        e->len[i] = t->v[i].key_len;
        e->key[i] = malloc(e->len[i] + 1);
        memcpy(e->key[i], qr_token_key(t, i), e->len[i] + 1);
        e->glued[i] = glued(t, i);
    }
    return 0;
}

static int same_entry(const ref_entry *a, const ref_entry *b)
{
    if (a->n != b->n)
        return 0;
    for (int i = 0; i < a->n; i++)
        if (a->len[i] != b->len[i] || memcmp(a->key[i], b->key[i], a->len[i]) ||
            (i && a->glued[i] != b->glued[i]))
            return 0;
    return 1;
}

/* Does entry e match the tokens of the text at token i? */
static int ref_match_at(const ref_entry *e, const qr_tokens *t, size_t i)
{
    if (i + (size_t)e->n > t->n)
        return 0;
    for (int k = 0; k < e->n; k++) {
        const qr_token *x = &t->v[i + (size_t)k];
        if (x->key_len != e->len[k] || memcmp(qr_token_key(t, i + (size_t)k), e->key[k], e->len[k]))
            return 0;
        if (k && glued(t, i + (size_t)k) != e->glued[k])
            return 0;
    }
    return 1;
}

/* The reference's matches, as "start-end:entry" joined by spaces. */
static void ref_run(const ref_entry *es, int ne, const qr_tokens *t, qr_gaz_overlaps ov, char *out,
                    size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < t->n;) {
        int best = -1;
        if (ov == QR_GAZ_ALL) {
            /* longer first, then entry order */
            for (int len = 4; len >= 1; len--)
                for (int e = 0; e < ne; e++)
                    if (es[e].n == len && ref_match_at(&es[e], t, i))
                        o += (size_t)snprintf(out + o, cap - o, "%u-%u:%d ", t->v[i].start,
                                              t->v[i + (size_t)len - 1].end, e);
            i++;
            continue;
        }
        for (int e = 0; e < ne; e++)
            if (ref_match_at(&es[e], t, i) && (best < 0 || es[e].n > es[best].n))
                best = e;
        if (best < 0) {
            i++;
            continue;
        }
        o += (size_t)snprintf(out + o, cap - o, "%u-%u:%d ", t->v[i].start,
                              t->v[i + (size_t)es[best].n - 1].end, best);
        i += (size_t)es[best].n;
    }
}

static void gaz_out(const qr_gaz_matches *m, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < m->n; i++)
        o += (size_t)snprintf(out + o, cap - o, "%u-%u:%u ", m->v[i].start, m->v[i].end,
                              m->v[i].entry);
}

/* A copy of t whose key buffer is exactly as long as its keys, so the
 * last keys sit at the end of the allocation (no slack to read ahead). */
static void tight_copy(const qr_tokens *t, qr_tokens *c)
{
    qr_tokens_init(c);
    c->v = malloc((t->n ? t->n : 1) * sizeof *c->v);
    memcpy(c->v, t->v, t->n * sizeof *c->v);
    c->n = c->cap = t->n;
    c->keys = malloc(t->keys_len ? t->keys_len : 1);
    memcpy(c->keys, t->keys, t->keys_len);
    c->keys_len = c->keys_cap = t->keys_len;
}

static void free_copy(qr_tokens *c)
{
    free(c->v);
    free(c->keys);
}

static void test_random(void)
{
    enum { NE = 60, ROUNDS = 400 };
    ref_entry es[NE];
    int ne = 0;
    qr_tokens t;
    qr_tokens_init(&t);
    qr_error err;
    char phrase[160], data[NE * 170];
    size_t dn = 0;
    while (ne < NE) {
        make_text(phrase, sizeof phrase, 1 + (int)(rnd() % 3));
        if (strchr(phrase, '\n') || strchr(phrase, '#') || ref_from(&es[ne], phrase, &t) != 0)
            continue;
        int dup = 0;
        for (int e = 0; e < ne && !dup; e++)
            dup = same_entry(&es[e], &es[ne]);
        if (dup) {
            for (int k = 0; k < es[ne].n; k++)
                free(es[ne].key[k]);
            continue;
        }
        /* TSV: phrase, label, id = entry number; the entry index is the line */
        dn += (size_t)snprintf(data + dn, sizeof data - dn, "%s\tX\t%d\n", phrase, ne);
        ne++;
    }
    qr_gazetteer *g = qr_gazetteer_new();
    qr_gazetteer_list l = {NULL, QR_GAZ_TSV, NULL, QR_CASE_INSENSITIVE, 0};
    CHECK(qr_gazetteer_add_list_data(g, &l, "r.tsv", data, dn, &err) == 0);
    CHECK_EQ_INT(qr_gazetteer_compile(g, &err), 0);
    CHECK_EQ_INT(qr_gazetteer_entry_count(g), NE);

    qr_gazetteer_scratch *s = qr_gazetteer_scratch_new();
    qr_gaz_matches m;
    qr_gaz_matches_init(&m);
    static char text[4096], want[16384], got[16384];
    int bad = 0, found = 0;
    for (int r = 0; r < ROUNDS; r++) {
        make_text(text, sizeof text, 1 + (int)(rnd() % 60));
        CHECK_EQ_INT(qr_tokenize(text, strlen(text), &t, &err), 0);
        for (int ov = 0; ov < 2; ov++) {
            ref_run(es, ne, &t, (qr_gaz_overlaps)ov, want, sizeof want);
            CHECK_EQ_INT(qr_gazetteer_match(g, s, text, &t, (qr_gaz_overlaps)ov, &m, &err), 0);
            gaz_out(&m, got, sizeof got);
            found += m.n > 0;
            if (strcmp(want, got) && bad++ < 3)
                CHECK_EQ_STR(got, want);
            qr_tokens c;
            tight_copy(&t, &c);
            CHECK_EQ_INT(qr_gazetteer_match(g, s, text, &c, (qr_gaz_overlaps)ov, &m, &err), 0);
            gaz_out(&m, got, sizeof got);
            if (strcmp(want, got) && bad++ < 3)
                CHECK_EQ_STR(got, want);
            free_copy(&c);
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(found > ROUNDS);   /* the texts do contain matches */
    qr_gaz_matches_free(&m);
    qr_gazetteer_scratch_free(s);
    qr_gazetteer_free(g);
    for (int e = 0; e < ne; e++)
        for (int k = 0; k < es[e].n; k++)
            free(es[e].key[k]);
    qr_tokens_free(&t);
}

/* Keys of 8 and 16 bytes and their neighbours, each alone at the end of
 * an exactly sized key buffer. */
static void test_key_lengths(void)
{
    const char *list = "abcdefgh\tL8\nabcdefghijklmnop\tL16\nabcdefghi\tL9\nabcdefghijklmnopq\tL17\n"
                       "ab\tL2\n";
    qr_error err;
    qr_gazetteer *g = qr_gazetteer_new();
    qr_gazetteer_list l = {NULL, QR_GAZ_TSV, NULL, QR_CASE_INSENSITIVE, 0};
    CHECK(qr_gazetteer_add_list_data(g, &l, "k.tsv", list, strlen(list), &err) == 0);
    CHECK_EQ_INT(qr_gazetteer_compile(g, &err), 0);
    static const struct { const char *text, *label; } cases[] = {
        {"ABCDEFGH", "L8"}, {"abcdefghijklmnop", "L16"}, {"abcdefghi", "L9"},
        {"abcdefghijklmnopq", "L17"}, {"aB", "L2"}, {"abcdefg", NULL}, {"abcdefghx", NULL},
        {"abcdefghijklmno", NULL}, {"abcdefghijklmnoP", "L16"}, {"abcdefghijklmnopqr", NULL},
        {"a", NULL}, {"abc", NULL},
    };
    qr_gazetteer_scratch *s = qr_gazetteer_scratch_new();
    qr_gaz_matches m;
    qr_gaz_matches_init(&m);
    qr_tokens t;
    qr_tokens_init(&t);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        CHECK_EQ_INT(qr_tokenize(cases[i].text, strlen(cases[i].text), &t, &err), 0);
        qr_tokens c;
        tight_copy(&t, &c);
        CHECK_EQ_INT(qr_gazetteer_match(g, s, cases[i].text, &c, QR_GAZ_LONGEST, &m, &err), 0);
        CHECK_EQ_INT(m.n, cases[i].label ? 1 : 0);
        if (m.n == 1 && cases[i].label)
            CHECK_EQ_STR(m.v[0].label, cases[i].label);
        free_copy(&c);
    }
    qr_tokens_free(&t);
    qr_gaz_matches_free(&m);
    qr_gazetteer_scratch_free(s);
    qr_gazetteer_free(g);
}

int main(void)
{
    test_key_lengths();
    test_random();
    return DONE("gazetteer_fast");
}
