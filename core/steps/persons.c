/*
 * persons — a rule-based person recognizer with in-document coreference.
 *
 * Works on tokens, sentences and the spans earlier steps added (a token
 * inside any span — a country, an organization, a date — is never part of a
 * name). Within a sentence it takes runs of capitalized words (with
 * initials "M.", hyphenated given names "Tae-yul" and particles "van",
 * "bin" inside), strips leading stop words ("But", "When") and titles
 * ("Foreign Minister", "Vice President"), and accepts the rest as a person
 * when the context says so:
 *   - a title or role right before it or inside the run ("leader Kim Jong
 *     Un", "adviser Chang Ho-jin", "President Vladimir Putin");
 *   - its first word is a known given name and another word follows;
 *   - an apposition follows (", a senior analyst", ", who …");
 *   - a speech verb is next to it ("said Jenny Town", "Jenny Town said").
 * Single words become persons only with a title or through coreference:
 * every word of a full name accepted in the document ("Kim", "Putin",
 * "Yoon", "Herrera") and every contiguous part of it marks a mention with
 * the full name as id (when the part belongs to one name only).
 * Runs ending with an organization word ("Securities", "Association",
 * "University of Ghana") are labelled ORG instead when guess_orgs is on,
 * and runs ending with a place word GPE ("Fulton County") or LOC ("Hudson
 * River").
 * Spans from the steps named in weak_sources (a city list) give way: they
 * are dropped where they overlap a span of another step, a name ("Vladimir
 * Putin", "Yoshiro Tanabe") or a guessed organization, since this step may
 * edit the span list it was given (built-in steps see the qr_doc).
 */
#include "doc.h"
#include "error.h"
#include "news_words.h"

#include <stdlib.h>
#include <string.h>

typedef struct persons_state {
    qr_wordset *titles, *given, *ignore, *weak;
    qr_wordset *cplace[2];     /* compound_places: GPE and LOC names */
    size_t max_title;
    char label[64], org_label[64];
    int coref, guess_orgs;
} persons_state;

enum { SP_WEAK = 1, SP_DROP = 2 };

typedef struct cand {
    uint32_t a, b;     /* name tokens [a, b)                               */
    int accepted;      /* 1: a person by its own cues                       */
    int titled;
    double score;
    int alias_of;      /* index of the longer name it is part of, or -1     */
    int org;           /* not a person: 1 an organization, 2 a GPE, 3 a LOC */
    int opener;        /* starts its sentence: may be "Later X" as well     */
} cand;

typedef struct scratch {
    int32_t *cover;    /* per token: index of the covering span, or -1      */
    size_t cap_cover;
    uint8_t *span_flags; /* per span: SP_WEAK, SP_DROP                      */
    size_t cap_flags;
    cand *c;
    size_t n_c, cap_c;
    char *buf;
    size_t cap_buf;
    struct part *parts;  /* coreference table, open addressing            */
    size_t cap_parts;
    char *keys;          /* its keys                                       */
    size_t n_keys, cap_keys;
    int32_t *roots;
    size_t cap_roots;
} scratch;

/* {==================================================================
 * Token helpers
 * =================================================================== */
typedef struct ctx {
    const persons_state *st;
    scratch *sc;
    qr_doc *doc;
    const qr_token *t;
    size_t nt;
    size_t org_end;    /* tokens before it belong to an organization just found */
} ctx;

static const char *key(const ctx *c, size_t i, size_t *n)
{
    *n = c->t[i].key_len;
    return qr_token_key(&c->doc->tokens, i);
}

static int key_is(const ctx *c, size_t i, const char *w)
{
    size_t n;
    const char *k = key(c, i, &n);
    return n == strlen(w) && memcmp(k, w, n) == 0;
}

static const char *tok_text(const ctx *c, size_t i, size_t *n)
{
    *n = c->t[i].end - c->t[i].start;
    return c->doc->text + c->t[i].start;
}

/* "M." or "M" directly followed by "." */
static int initial_len(const ctx *c, size_t i)
{
    size_t n;
    const char *s = tok_text(c, i, &n);
    if (c->t[i].kind != QR_TOK_WORD || !(s[0] >= 'A' && s[0] <= 'Z'))
        return 0;
    if (n >= 2 && n % 2 == 0) {   /* "M.", "D.Y.", "J.R.R." */
        size_t k = 0;
        while (k < n && s[k] >= 'A' && s[k] <= 'Z' && s[k + 1] == '.')
            k += 2;
        if (k == n)
            return 1;
    }
    if (n == 1 && i + 1 < c->nt && c->t[i + 1].start == c->t[i].end && key_is(c, i + 1, "."))
        return 2;
    return 0;
}

/* "al-Assad", "el-Sisi", "ad-Din": an Arabic article joined to a name */
static int article_name(const ctx *c, size_t i)
{
    static const char *const arts[] = {"al-", "el-", "ad-", "as-", "ash-", "an-", "ar-", "at-", "az-", NULL};
    size_t n;
    const char *s = tok_text(c, i, &n);
    for (size_t k = 0; arts[k]; k++) {
        size_t an = strlen(arts[k]);
        if (n > an + 1 && memcmp(s, arts[k], an) == 0 && s[an] >= 'A' && s[an] <= 'Z')
            return 1;
    }
    return 0;
}

static int cap_word(const ctx *c, size_t i)
{
    const qr_token *t = &c->t[i];
    if (t->kind == QR_TOK_WORD && article_name(c, i))
        return 1;
    if (t->kind != QR_TOK_WORD || !(t->flags & QR_TF_UPPER_INITIAL))
        return 0;
    if ((t->flags & QR_TF_ALL_UPPER) && t->end - t->start > 1)
        return 0;   /* "KCNA", "UN": acronyms are not names */
    size_t n;
    const char *k = key(c, i, &n);
    return !qr_news_is_calendar_word(k, n);
}

static int particle(const ctx *c, size_t i)
{
    static const char *const p[] = {"al", "bin", "da", "das", "de", "del", "der", "di", "do", "dos",
                                    "du", "el", "ibn", "la", "le", "ten", "ter", "van", "von", NULL};
    if (c->t[i].flags & QR_TF_UPPER_INITIAL)
        return 0;
    for (size_t k = 0; p[k]; k++)
        if (key_is(c, i, p[k]))
            return 1;
    return 0;
}

static int open_tok(const ctx *c, size_t i);

/* "van der Berg", "bin Salman": particles then a capitalized word; the
 * index after that word, or 0. */
static size_t particles_then_name(const ctx *c, size_t i, size_t end)
{
    size_t k = i;
    if (key_is(c, i, "do")) {   /* "Maria do Carmo", but not "Why do Americans" */
        size_t pn;
        const char *pk = i ? key(c, i - 1, &pn) : NULL;
        if (!pk || !cap_word(c, i - 1) || qr_news_is_stopword(pk, pn))
            return 0;
    }
    while (k < end && k < i + 3 && particle(c, k) && open_tok(c, k))
        k++;
    return k > i && k < end && open_tok(c, k) && cap_word(c, k) ? k + 1 : 0;
}

static int free_tok(const ctx *c, size_t i)
{
    return c->sc->cover[i] < 0;
}

/* Covered only by a span from a weak source (a city list): a name may take it. */
static int soft_tok(const ctx *c, size_t i)
{
    int32_t s = c->sc->cover[i];
    return s >= 0 && (c->sc->span_flags[s] & SP_WEAK);
}

static int open_tok(const ctx *c, size_t i)
{
    return free_tok(c, i) || soft_tok(c, i);
}

/* Drops the weak spans over tokens [a, b), or (all) every span inside them. */
static void drop_covered(ctx *c, size_t a, size_t b, int all)
{
    uint32_t lo = c->t[a].start, hi = c->t[b - 1].end;
    for (size_t i = a; i < b; i++) {
        int32_t s = c->sc->cover[i];
        if (s < 0)
            continue;
        const qr_span *sp = &c->doc->spans[s];
        if ((c->sc->span_flags[s] & SP_WEAK) || (all && sp->start >= lo && sp->end <= hi))
            c->sc->span_flags[s] |= SP_DROP;
    }
}

/* Keys of tokens [a, b) joined by spaces, in the scratch buffer. */
static const char *join_keys(const ctx *c, size_t a, size_t b, size_t *len)
{
    size_t need = 1;
    for (size_t i = a; i < b; i++)
        need += c->t[i].key_len + 1;
    if (need > c->sc->cap_buf) {
        char *p = realloc(c->sc->buf, need * 2);
        if (!p)
            return NULL;
        c->sc->buf = p;
        c->sc->cap_buf = need * 2;
    }
    size_t n = 0;
    for (size_t i = a; i < b; i++) {
        size_t kn;
        const char *k = key(c, i, &kn);
        if (i > a)
            c->sc->buf[n++] = ' ';
        memcpy(c->sc->buf + n, k, kn);
        n += kn;
    }
    c->sc->buf[n] = '\0';
    *len = n;
    return c->sc->buf;
}

static int is_title(const ctx *c, size_t a, size_t b)
{
    size_t n;
    const char *k = join_keys(c, a, b, &n);
    return k && qr_wordset_has(c->st->titles, k, n);
}

/* Length of the longest title ending right before token `end` (>= lo). */
static size_t title_before(const ctx *c, size_t lo, size_t end)
{
    for (size_t k = c->st->max_title; k >= 1; k--)
        if (end >= lo + k && is_title(c, end - k, end))
            return k;
    return 0;
}

/* }================================================================== */

/* {==================================================================
 * Cues
 * =================================================================== */
/* ", a senior analyst at", ", the company's chief economist", ", who" */
static int apposition_after(const ctx *c, size_t b, size_t end)
{
    if (b >= end || !key_is(c, b, ","))
        return 0;
    size_t i = b + 1;
    if (i < end && key_is(c, i, "who"))
        return 1;
    if (i < end && (key_is(c, i, "a") || key_is(c, i, "an") || key_is(c, i, "the")))
        i++;
    else if (i < end && (c->t[i].flags & QR_TF_UPPER_INITIAL))
        return 0;   /* "New York, South Korean Foreign Minister Cho…": a new clause */
    int article = i > b + 1;
    for (size_t j = i; j < end && j < i + 6; j++) {
        if (c->t[j].kind != QR_TOK_WORD)
            return 0;
        if (title_before(c, i, j + 1))
            return 1;
        /* ", a football finance lecturer at": a lower-case noun phrase
         * then at/of/for/with/who also describes a person */
        if (!article || (c->t[j].flags & QR_TF_UPPER_INITIAL))
            continue;
        if (j > i && (key_is(c, j, "at") || key_is(c, j, "of") || key_is(c, j, "for")
                      || key_is(c, j, "with") || key_is(c, j, "who")))
            return 1;
        size_t n;
        const char *k = key(c, j, &n);
        if (qr_news_is_stopword(k, n))
            return 0;
    }
    return 0;
}

static int speech_next(const ctx *c, size_t i, size_t lo, size_t end)
{
    if (i < lo || i >= end)
        return 0;
    size_t n;
    const char *k = key(c, i, &n);
    return qr_news_is_speech_verb(k, n) && !(c->t[i].flags & QR_TF_UPPER_INITIAL);
}

/* "to general Catholic education", "a representative Democratic
 * caucus": a lower-case title that is also an adjective does not make a
 * single capitalized word a person ("General Shoup" and "general Lucius
 * Clay" still do). */
static int adjective_title(const ctx *c, size_t i)
{
    static const char *const v[] = {"acting", "assistant", "associate", "chief", "deputy", "executive",
                                    "first", "general", "junior", "major", "national", "principal",
                                    "private", "representative", "senior", "vice", NULL};
    if (c->t[i].flags & QR_TF_UPPER_INITIAL)
        return 0;
    for (size_t k = 0; v[k]; k++)
        if (key_is(c, i, v[k]))
            return 1;
    return 0;
}

/* "told El Tiempo", "asked Reuters": the name after these verbs is the
 * listener, which may be a newspaper; "said X" still names a speaker. */
static int listener_verb(const ctx *c, size_t i)
{
    static const char *const v[] = {"ask", "asked", "asks", "tell", "tells", "told", NULL};
    for (size_t k = 0; v[k]; k++)
        if (key_is(c, i, v[k]))
            return 1;
    return 0;
}

/* }================================================================== */

/* "in Vladimir", "near Tanabe": a place, not a short mention of a person */
static int locative_before(const ctx *c, size_t a)
{
    static const char *const preps[] = {"across", "at", "from", "in", "into", "near", "outside",
                                        "to", "toward", "towards", "via", NULL};
    if (a == 0)
        return 0;
    for (size_t k = 0; preps[k]; k++)
        if (key_is(c, a - 1, preps[k]))
            return !(a >= 2 && strcmp(preps[k], "to") == 0 && key_is(c, a - 2, "according"));
    return 0;
}

static int push_cand(scratch *sc, uint32_t a, uint32_t b, int accepted, int titled, double score)
{
    if (sc->n_c == sc->cap_c) {
        size_t cap = sc->cap_c ? sc->cap_c * 2 : 32;
        cand *v = realloc(sc->c, cap * sizeof *v);
        if (!v)
            return -1;
        sc->c = v;
        sc->cap_c = cap;
    }
    sc->c[sc->n_c++] = (cand){a, b, accepted, titled, score, -1, 0, 0};
    return 0;
}

static int add_org(ctx *c, size_t a, size_t b, int kind, qr_error *err)
{
    c->org_end = b;
    drop_covered(c, a, b, 1);
    if (push_cand(c->sc, (uint32_t)a, (uint32_t)b, 1, 0, 0.6) != 0)
        return qr_error_set(err, "out of memory");
    c->sc->c[c->sc->n_c - 1].org = kind;
    return 0;
}

/* A run of capitalized tokens [a, b) inside the sentence [lo, end). */
static int consider_run(ctx *c, size_t a, size_t b, size_t lo, size_t end, qr_error *err)
{
    size_t n;
    const char *k;
    /* leading stop words: "But", "When", "The" */
    while (a < b) {
        k = key(c, a, &n);
        if (!qr_news_is_stopword(k, n) || (n == 3 && memcmp(k, "new", 3) == 0))
            break;           /* "New" starts names: New York City, New Delhi */
        a++;
    }
    if (a == b)
        return 0;
    /* places: "Fulton County", "Hudson River" (not after "of": "University of X County") */
    if (c->st->guess_orgs && b - a >= 2) {
        k = key(c, b - 1, &n);
        int ph = qr_news_place_head(k, n);
        for (size_t i = a; ph && i < b; i++)   /* "President Park", "Mr. Street" */
            if (is_title(c, i, i + 1))
                ph = 0;
        if (ph)
            return add_org(c, a, b, ph + 1, err);
    }
    /* "the Magdalena Medio region", "Hebei province": a lower-case place
     * noun right after the run */
    if (c->st->guess_orgs && b < end && !(c->t[b].flags & QR_TF_UPPER_INITIAL) && !title_before(c, lo, b)) {
        static const char *const gpe[] = {"district", "districts", "prefecture", "prefectures", "province",
                                          "provinces", NULL};
        static const char *const loc[] = {"basin", "delta", "mountains", "region", "regions", "river", "rivers",
                                          "valley", "valleys", NULL};
        int kind = 0;
        for (size_t x = 0; gpe[x] && !kind; x++)
            kind = key_is(c, b, gpe[x]) ? 2 : 0;
        for (size_t x = 0; loc[x] && !kind; x++)
            kind = key_is(c, b, loc[x]) ? 3 : 0;
        if (kind) {
            /* "the Brahmaputra and Teesta rivers": the run before "and" too */
            size_t n0;
            const char *k0 = key(c, b, &n0);
            if (k0[n0 - 1] == 's' && a >= lo + 2 && key_is(c, a - 1, "and") && c->sc->n_c
                && c->sc->c[c->sc->n_c - 1].b == a - 1 && !c->sc->c[c->sc->n_c - 1].org) {
                cand *prev = &c->sc->c[c->sc->n_c - 1];
                drop_covered(c, prev->a, prev->b, 1);
                prev->org = kind;
                prev->accepted = 1;
                prev->score = 0.6;
            }
            return add_org(c, a, b, kind, err);
        }
    }
    /* organizations: "Hartwell Securities", "University of Ghana", "National
     * Council of Dockworkers' Unions", "Osaka Port Terminal Association" */
    if (c->st->guess_orgs) {
        k = key(c, b - 1, &n);
        int head = qr_news_is_org_head(k, n), start = qr_news_is_org_start(k, n);
        size_t e = b;
        /* "Association for Environmental Defense", "Committee for the Defense of …" */
        /* one word before "of" must start names ("University of", "Bank of"), not
         * just end them ("News of Rayburn's commitment") */
        size_t conn = (start || (head && b - a >= 2)) && b + 1 < end && (key_is(c, b, "of") || key_is(c, b, "for"))
                          ? (key_is(c, b, "for") && b + 2 < end && key_is(c, b + 1, "the") ? 2 : 1) : 0;
        if (conn) {
            e = b + conn;
            int32_t sp = c->sc->cover[e];
            if (sp >= 0 && !(c->sc->span_flags[sp] & SP_WEAK)) {
                while (e < end && c->sc->cover[e] == sp)
                    e++;
            } else {
                while (e < end && open_tok(c, e)) {
                    if (cap_word(c, e)
                        || ((key_is(c, e, "'") || key_is(c, e, "\xE2\x80\x99")) && e + 1 < end
                            && c->t[e].start == c->t[e - 1].end && cap_word(c, e + 1))
                        || ((key_is(c, e, "and") || key_is(c, e, "&") || key_is(c, e, "for")
                             || key_is(c, e, "of"))
                            && e > b + conn && e + 1 < end && open_tok(c, e + 1) && cap_word(c, e + 1))) {
                        e++;
                        continue;
                    }
                    break;
                }
                /* "Alliance for Clean Rivers of Ohio": a place after a later "of" */
                int32_t sp2 = e + 1 < end && e > b + conn && key_is(c, e, "of") ? c->sc->cover[e + 1] : -1;
                if (sp2 >= 0 && !(c->sc->span_flags[sp2] & SP_WEAK)
                    && (strcmp(c->doc->spans[sp2].label, "GPE") == 0 || strcmp(c->doc->spans[sp2].label, "LOC") == 0))
                    for (e++; e < end && c->sc->cover[e] == sp2;)
                        e++;
            }
            if (e == b + conn)
                e = b;
        }
        /* "Securities and Exchange Commission", "Harrow & Finch Capital":
         * capitalized words joined by and/& before the run */
        while (head && a >= lo + 2 && (key_is(c, a - 1, "and") || key_is(c, a - 1, "&"))
               && open_tok(c, a - 2) && cap_word(c, a - 2)) {
            size_t x = a - 2;
            while (x > lo && open_tok(c, x - 1) && cap_word(c, x - 1))
                x--;
            k = key(c, x, &n);
            if (qr_news_is_stopword(k, n))
                x++;   /* "The Securities and …", "But Harrow & …" */
            if (x >= a - 1)
                break;
            k = key(c, a - 2, &n);
            if (a - 2 > x && qr_news_is_org_head(k, n))
                break;   /* "General Electric and Morton Foods": two names */
            a = x;
        }
        /* "United Nations" Environment Programme; a demonym or place before a
         * one-word head: "British Museum", "Kenya Airways" */
        int absorb = 0, norp = 0;
        if (a > lo && !open_tok(c, a - 1)) {
            const qr_span *sp = &c->doc->spans[c->sc->cover[a - 1]];
            norp = strcmp(sp->label, "NORP") == 0;
            absorb = (strcmp(sp->label, "GPE") == 0 || strcmp(sp->label, c->st->org_label) == 0
                      || (norp && head && b - a == 1))
                     && sp->end + 1 == c->t[a].start;
        }
        if ((head && (b - a >= 2 || (absorb && !is_title(c, a, b))) && !is_title(c, a, b)) || e > b) {
            size_t oa = a;
            if (absorb)
                while (oa > lo && c->sc->cover[oa - 1] == c->sc->cover[a - 1])
                    oa--;
            return add_org(c, oa, e, 1, err);
        }
    }
    if (b - a == 1 && initial_len(c, a))
        return 0;
    /* the rightmost title inside the run: "Foreign Minister Cho Tae-yul" */
    size_t na = a;
    int titled = 0;
    for (size_t e = b - 1; e > a; e--) {   /* may start before the run: "Secretary of State" */
        size_t k2 = title_before(c, lo, e);
        if (k2) {
            na = e;
            titled = 1;
            break;
        }
    }
    if (!titled && title_before(c, lo, a) && !(b - a == 1 && adjective_title(c, a - 1)))
        titled = 1;
    /* "Its director, Apar Gupta," */
    if (!titled && a >= lo + 2 && key_is(c, a - 1, ",") && title_before(c, lo, a - 1)
        && b < end && key_is(c, b, ","))
        titled = 1;
    if (is_title(c, a, b) || is_title(c, na, b) || is_title(c, b - 1, b))   /* "Chief Justice", "Atlanta Mayor" */
        return 0;
    for (size_t i = na; i < b; i++) {
        k = key(c, i, &n);
        if (qr_news_is_org_head(k, n))
            return 0;
    }
    /* "analysts at Goldman Sachs said": after at/from a run is a place or a firm */
    int at = na > lo && (key_is(c, na - 1, "at") || key_is(c, na - 1, "from"));
    double score = 0;
    size_t len = b - na;
    k = key(c, na, &n);
    if (titled)
        score = 0.9;
    else if (len >= 2 && qr_wordset_has(c->st->given, k, n) && cap_word(c, na))
        score = 0.85;
    else if (len >= 2 && !at && apposition_after(c, b, end))
        score = 0.8;
    else if (len >= 2 && !at && (speech_next(c, b, lo, end) || (speech_next(c, na - 1, lo, end) && !listener_verb(c, na - 1))))
        score = 0.7;
    int all_soft = 1;   /* a city's name alone ("New York") needs a title */
    for (size_t i = na; i < b; i++)
        all_soft &= soft_tok(c, i);
    if (all_soft && !titled)
        score = 0;
    int accepted = score > 0 && (len >= 2 || titled);
    if (push_cand(c->sc, (uint32_t)na, (uint32_t)b, accepted, titled, score) != 0)
        return qr_error_set(err, "out of memory");
    c->sc->c[c->sc->n_c - 1].opener = !accepted && na == lo && len >= 2;
    return 0;
}

static int mark_cover(ctx *c, qr_error *err)
{
    scratch *sc = c->sc;
    size_t ns = c->doc->n_spans;
    if (c->nt > sc->cap_cover) {
        int32_t *v = realloc(sc->cover, c->nt * sizeof *v);
        if (!v)
            return qr_error_set(err, "out of memory");
        sc->cover = v;
        sc->cap_cover = c->nt;
    }
    if (ns + 1 > sc->cap_flags) {
        uint8_t *f = realloc(sc->span_flags, ns + 1);
        if (!f)
            return qr_error_set(err, "out of memory");
        sc->span_flags = f;
        sc->cap_flags = ns + 1;
    }
    for (size_t s = 0; s < ns; s++) {
        const qr_span *sp = &c->doc->spans[s];
        sc->span_flags[s] = sp->source && qr_wordset_has(c->st->weak, sp->source, strlen(sp->source))
                                ? SP_WEAK : 0;
    }
    for (size_t i = 0; i < c->nt; i++)
        sc->cover[i] = -1;
    /* strong spans first; then a weak span overlapping one of them loses */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t s = 0; s < ns; s++) {
            const qr_span *sp = &c->doc->spans[s];
            if ((sc->span_flags[s] & SP_WEAK) != (pass ? SP_WEAK : 0)
                || qr_wordset_has(c->st->ignore, sp->label, strlen(sp->label)))
                continue;
            size_t lo = 0, hi = c->nt;
            while (lo < hi) {   /* first token ending after the span's start */
                size_t mid = (lo + hi) / 2;
                if (c->t[mid].end <= sp->start)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            size_t e = lo;
            int clash = 0;
            for (; e < c->nt && c->t[e].start < sp->end; e++)
                clash |= pass && sc->cover[e] >= 0 && !(sc->span_flags[sc->cover[e]] & SP_WEAK);
            if (clash) {
                sc->span_flags[s] |= SP_DROP;
                continue;
            }
            for (size_t i = lo; i < e; i++)
                if (sc->cover[i] < 0)
                    sc->cover[i] = (int32_t)s;
        }
    }
    return 0;
}

/* Removes the spans marked SP_DROP (before new spans are added). */
static void compact_spans(ctx *c)
{
    size_t m = 0;
    for (size_t s = 0; s < c->doc->n_spans; s++) {
        if (c->sc->span_flags[s] & SP_DROP)
            json_decref(c->doc->spans[s].attrs);
        else
            c->doc->spans[m++] = c->doc->spans[s];
    }
    c->doc->n_spans = m;
}

/* {==================================================================
 * Coreference: every contiguous part of a full name → that name
 * =================================================================== */
typedef struct part {
    uint32_t hash, off, len;
    int32_t root;              /* candidate index of the full name; -2: shared */
} part;

/* The surface words of tokens [a, b) joined by single spaces, appended to
 * the key arena; its offset, or -1 on out of memory. */
static long push_key(ctx *c, size_t a, size_t b, uint32_t *len)
{
    scratch *sc = c->sc;
    size_t need = 1;
    for (size_t i = a; i < b; i++)
        need += c->t[i].end - c->t[i].start + 1;
    if (sc->n_keys + need > sc->cap_keys) {
        size_t cap = (sc->n_keys + need) * 2;
        char *k = realloc(sc->keys, cap);
        if (!k)
            return -1;
        sc->keys = k;
        sc->cap_keys = cap;
    }
    size_t off = sc->n_keys, n = 0;
    for (size_t i = a; i < b; i++) {
        size_t tn;
        const char *t = tok_text(c, i, &tn);
        if (i > a)
            sc->keys[off + n++] = ' ';
        memcpy(sc->keys + off + n, t, tn);
        n += tn;
    }
    sc->keys[off + n] = '\0';
    sc->n_keys += n + 1;
    *len = (uint32_t)n;
    return (long)off;
}

static uint32_t hash_mem(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h ? h : 1;
}

static part *part_slot(scratch *sc, uint32_t h, uint32_t off, uint32_t len)
{
    size_t i = h & (sc->cap_parts - 1);
    while (sc->parts[i].hash && !(sc->parts[i].hash == h && sc->parts[i].len == len
                                  && memcmp(sc->keys + sc->parts[i].off, sc->keys + off, len) == 0))
        i = (i + 1) & (sc->cap_parts - 1);
    return &sc->parts[i];
}

static int cmp_root_len(const void *x, const void *y, void *cands)
{
    const cand *c = cands;
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    uint32_t la = c[a].b - c[a].a, lb = c[b].b - c[b].a;
    if (la != lb)
        return la > lb ? -1 : 1;
    return (a > b) - (a < b);
}

/* The full name (candidate index) tokens [a, b) are a part of, -1 if none,
 * -2 if several names share it. */
static int32_t lookup_part(ctx *c, size_t a, size_t b)
{
    uint32_t len;
    size_t mark = c->sc->n_keys;
    long off = push_key(c, a, b, &len);
    if (off < 0)
        return -1;
    c->sc->n_keys = mark;
    part *p = part_slot(c->sc, hash_mem(c->sc->keys + off, len), (uint32_t)off, len);
    return p->hash ? p->root : -1;
}

/* Fills the part table from the accepted names, longest first: a name that
 * is itself a part of a longer one adds nothing (its parts are there). */
static int build_parts(ctx *c)
{
    scratch *sc = c->sc;
    size_t nr = 0;
    sc->n_keys = 0;
    for (size_t i = 0; i < sc->n_c; i++)
        nr += sc->c[i].accepted && !sc->c[i].org;
    size_t need = 64;
    while (need < nr * 48)
        need *= 2;
    if (need > sc->cap_parts) {
        part *p = realloc(sc->parts, need * sizeof *p);
        if (!p)
            return -1;
        sc->parts = p;
        sc->cap_parts = need;
    }
    memset(sc->parts, 0, sc->cap_parts * sizeof *sc->parts);
    if (nr + 1 > sc->cap_roots) {
        int32_t *r = realloc(sc->roots, (nr + 1) * sizeof *r);
        if (!r)
            return -1;
        sc->roots = r;
        sc->cap_roots = nr + 1;
    }
    nr = 0;
    for (size_t i = 0; i < sc->n_c; i++)
        if (sc->c[i].accepted && !sc->c[i].org)
            sc->roots[nr++] = (int32_t)i;
    qsort_r(sc->roots, nr, sizeof *sc->roots, cmp_root_len, sc->c);
    for (size_t r = 0; r < nr; r++) {
        const cand *x = &sc->c[sc->roots[r]];
        if (lookup_part(c, x->a, x->b) != -1)
            continue;                 /* a part (or a repeat) of a name already in */
        size_t len = x->b - x->a;
        for (size_t i = 0; i < len; i++)
            for (size_t j = i + 1; j <= len && j - i <= 8; j++) {
                uint32_t kl;
                long off = push_key(c, x->a + i, x->a + j, &kl);
                if (off < 0)
                    return -1;
                uint32_t h = hash_mem(sc->keys + off, kl);
                part *p = part_slot(sc, h, (uint32_t)off, kl);
                if (!p->hash)
                    *p = (part){h, (uint32_t)off, kl, sc->roots[r]};
                else if (p->root != sc->roots[r])
                    p->root = -2;     /* "Lee" in two names */
            }
    }
    return 0;
}

/* }================================================================== */

/* "Oslo-based", "New York-born", "U.S.-led": a place name before the last
 * hyphen of a capitalized compound that ends with one of these words gets
 * a span of its own (the tokenizer keeps the compound one token). Only
 * tokens no span covered before this step. */
static int compound_places(ctx *c, qr_error *err)
{
    static const char *const tails[] = {"backed", "based", "bound", "born", "brokered", "built", "controlled",
                                        "focused", "funded", "headquartered", "led", "listed", "made",
                                        "owned", "registered", "run", "sponsored", NULL};
    if (!qr_wordset_count(c->st->cplace[0]) && !qr_wordset_count(c->st->cplace[1]))
        return 0;
    for (size_t i = 0; i < c->nt; i++) {
        const qr_token *t = &c->t[i];
        if (t->kind != QR_TOK_WORD || !(t->flags & QR_TF_UPPER_INITIAL) || c->sc->cover[i] >= 0)
            continue;
        size_t n;
        const char *k = key(c, i, &n);
        const char *dash = memrchr(k, '-', n);
        if (!dash || dash == k)
            continue;
        size_t pn = (size_t)(dash - k), tn = n - pn - 1;
        int tail = 0;
        for (size_t x = 0; tails[x] && !tail; x++)
            tail = strlen(tails[x]) == tn && memcmp(dash + 1, tails[x], tn) == 0;
        if (!tail)
            continue;
        /* the key maps 1:1 to the text only when folding kept its length */
        size_t tlen = t->end - t->start;
        if (tlen != n || c->doc->text[t->start + pn] != '-')
            continue;
        /* "New York-based": one capitalized word before it may belong to the name */
        for (int two = 1; two >= 0; two--) {
            size_t a = i;
            char buf[256];
            size_t bn = 0;
            if (two) {
                if (i == 0 || c->sc->cover[i - 1] >= 0 || !cap_word(c, i - 1)
                    || c->t[i - 1].end + 1 != t->start)
                    continue;
                size_t n0;
                const char *k0 = key(c, i - 1, &n0);
                if (n0 + 1 + pn >= sizeof buf)
                    continue;
                memcpy(buf, k0, n0);
                buf[n0] = ' ';
                bn = n0 + 1;
                a = i - 1;
            }
            if (bn + pn >= sizeof buf)
                continue;
            memcpy(buf + bn, k, pn);
            bn += pn;
            int l = qr_wordset_has(c->st->cplace[0], buf, bn) ? 0 : qr_wordset_has(c->st->cplace[1], buf, bn) ? 1 : -1;
            if (l < 0)
                continue;
            int in_name = 0;   /* "Oslo-based Nordhavn Metals" became an organization */
            for (size_t x = 0; x < c->sc->n_c && !in_name; x++)
                in_name = c->sc->c[x].accepted && a < c->sc->c[x].b && i >= c->sc->c[x].a;
            if (in_name)
                break;
            uint32_t s0 = c->t[a].start, e0 = t->start + (uint32_t)pn;
            /* the id of the same name found elsewhere in the text ("Oslo, NO"), else the name */
            const char *id = NULL;
            for (size_t x = 0; x < c->doc->n_spans && !id; x++) {
                const qr_span *sp = &c->doc->spans[x];
                if (sp->end - sp->start == e0 - s0 && sp->id && strcmp(sp->label, l ? "LOC" : "GPE") == 0
                    && memcmp(c->doc->text + sp->start, c->doc->text + s0, e0 - s0) == 0)
                    id = sp->id;
            }
            char idbuf[256];   /* a copy: adding a span may move the doc's strings */
            if (id)
                snprintf(idbuf, sizeof idbuf, "%s", id);
            else
                snprintf(idbuf, sizeof idbuf, "%.*s", (int)(e0 - s0), c->doc->text + s0);
            if (qr_doc_add_span(c->doc, s0, e0, l ? "LOC" : "GPE", idbuf, 0.8, NULL, err) != 0)
                return -1;
            break;
        }
    }
    return 0;
}

static int same_keys(const ctx *c, size_t a1, size_t b1, size_t a2, size_t b2);

/* Wire-story datelines: "SAN JOSE, Calif. (AP) —", "LAGOS, Nigeria
 * (Reuters) —", "LISBON (AP) —". Capital words (1-3) opening a paragraph,
 * followed by "(" or "—", or by "," and then "(" within six tokens, name
 * the place the story was filed from: a GPE span when no earlier span covers
 * them. Its id is the id of the same name elsewhere in the text (compared
 * by token keys: "Lisbon, PT"), else the name with ASCII letters in
 * title case ("San Jose"). */
static int datelines(ctx *c, qr_error *err)
{
    for (size_t i = 0; i < c->nt; i++) {
        if (i && !(c->t[i].flags & QR_TF_PARA_BEFORE))
            continue;
        size_t j = i;
        while (j < c->nt && j < i + 3 && c->t[j].kind == QR_TOK_WORD && (c->t[j].flags & QR_TF_ALL_UPPER)
               && c->t[j].end - c->t[j].start > 1 && c->sc->cover[j] < 0
               && (j == i || !(c->t[j].flags & QR_TF_NEWLINE_BEFORE)))
            j++;
        if (j == i || j >= c->nt)
            continue;
        int ok = key_is(c, j, "(") || key_is(c, j, "\xE2\x80\x94") || key_is(c, j, "--");
        for (size_t k = j + 1; !ok && key_is(c, j, ",") && k < c->nt && k < j + 7; k++)
            ok = key_is(c, k, "(");
        if (!ok)
            continue;
        int in_name = 0;
        for (size_t x = 0; x < c->sc->n_c && !in_name; x++)
            in_name = c->sc->c[x].accepted && i < c->sc->c[x].b && j > c->sc->c[x].a;
        if (in_name)
            continue;
        char idbuf[256];
        idbuf[0] = '\0';
        for (size_t x = 0; x < c->doc->n_spans && !idbuf[0]; x++) {   /* the same name, other case */
            const qr_span *sp = &c->doc->spans[x];
            if (!sp->id || (strcmp(sp->label, "GPE") != 0 && strcmp(sp->label, "LOC") != 0))
                continue;
            size_t a = 0;
            while (a < c->nt && c->t[a].start < sp->start)
                a++;
            size_t b = a;
            while (b < c->nt && c->t[b].end <= sp->end)
                b++;
            if (a < c->nt && c->t[a].start == sp->start && b > a && c->t[b - 1].end == sp->end
                && same_keys(c, a, b, i, j))
                snprintf(idbuf, sizeof idbuf, "%s", sp->id);
        }
        uint32_t s0 = c->t[i].start, e0 = c->t[j - 1].end;
        if (!idbuf[0]) {
            size_t n = e0 - s0 < sizeof idbuf - 1 ? e0 - s0 : sizeof idbuf - 1;
            for (size_t x = 0; x < n; x++) {
                char ch = c->doc->text[s0 + x];
                int first = x == 0 || idbuf[x - 1] == ' ' || idbuf[x - 1] == '-';
                idbuf[x] = !first && ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
            }
            idbuf[n] = '\0';
        }
        if (qr_doc_add_span(c->doc, s0, e0, "GPE", idbuf, 0.7, NULL, err) != 0)
            return -1;
    }
    return 0;
}

static int same_keys(const ctx *c, size_t a1, size_t b1, size_t a2, size_t b2)
{
    if (b1 - a1 != b2 - a2)
        return 0;
    for (size_t i = 0; i < b1 - a1; i++) {
        size_t n1, n2;
        const char *k1 = key(c, a1 + i, &n1), *k2 = key(c, a2 + i, &n2);
        if (n1 != n2 || memcmp(k1, k2, n1) != 0)
            return 0;
    }
    return 1;
}

/* "Kestrel Systems … Kestrel said": a run no cue accepted that equals the
 * words before the head of an organization found in the document (Kestrel,
 * Newcastle for Newcastle United) is that organization, unless it follows a
 * place preposition ("in Newcastle") or a given name starts it. */
static void org_short_mentions(ctx *c)
{
    for (size_t o = 0; o < c->sc->n_c; o++) {
        const cand *org = &c->sc->c[o];
        if (org->org != 1 || org->alias_of >= 0 || org->b - org->a < 2 || org->b - org->a > 4)
            continue;
        size_t n;
        const char *k = key(c, org->b - 1, &n);
        if (!qr_news_is_org_head(k, n))
            continue;
        size_t pa = org->a, pb = org->b - 1;
        int ok = 1;
        for (size_t i = pa; i < pb && ok; i++)
            ok = cap_word(c, i);
        k = key(c, pa, &n);
        if (!ok || qr_news_is_stopword(k, n) || qr_wordset_has(c->st->given, k, n) || is_title(c, pa, pb))
            continue;
        for (size_t x = 0; x < c->sc->n_c; x++) {
            cand *cd = &c->sc->c[x];
            if (cd->accepted || cd->org || locative_before(c, cd->a) || !same_keys(c, cd->a, cd->b, pa, pb))
                continue;
            cd->accepted = 1;
            cd->org = 1;
            cd->alias_of = (int)o;
            cd->score = 0.6;
        }
    }
}

static int persons_process(void *state, void *ts, qr_doc *doc, qr_error *err)
{
    scratch local = {0};
    ctx c = {.st = state, .sc = ts ? ts : &local, .doc = doc};
    int rc = 0;
    if (qr_doc_ensure_sentences(doc, err) != 0)
        return -1;
    c.t = doc->tokens.v;
    c.nt = doc->tokens.n;
    c.sc->n_c = 0;
    if (c.nt == 0)
        goto out;
    if ((rc = mark_cover(&c, err)) != 0)
        goto out;

    for (size_t s = 0; s < doc->sentences.n && rc == 0; s++) {
        size_t lo = doc->sentences.v[s].tok_start, end = doc->sentences.v[s].tok_end;
        size_t i = lo;
        while (i < end && rc == 0) {
            int il = initial_len(&c, i);
            size_t pe = particles_then_name(&c, i, end);
            if (i < c.org_end || !open_tok(&c, i) || !(cap_word(&c, i) || il || pe)) {
                i++;
                continue;
            }
            size_t a = i, j = pe ? pe : i + (il == 2 ? 2 : 1);
            while (j < end && open_tok(&c, j) && !(c.t[j].flags & QR_TF_NEWLINE_BEFORE)) {
                if ((il = initial_len(&c, j)) != 0 && j + il < end && cap_word(&c, j + il))
                    j += il;
                else if (cap_word(&c, j))
                    j++;
                else if ((pe = particles_then_name(&c, j, end)) != 0)
                    j = pe;
                else
                    break;
            }
            rc = consider_run(&c, a, j, lo, end, err);
            i = j;
        }
    }
    if (rc != 0)
        goto out;

    /* coreference: parts of full names take the full name's id */
    if (c.st->coref && build_parts(&c) != 0) {
        rc = qr_error_set(err, "out of memory");
        goto out;
    }
    for (size_t x = 0; c.st->coref && x < c.sc->n_c; x++) {
        cand *cd = &c.sc->c[x];
        if (cd->org || (cd->b - cd->a == 1 && !cd->accepted && locative_before(&c, cd->a)))
            continue;
        int32_t f = lookup_part(&c, cd->a, cd->b);
        if (f < 0 && cd->opener && (f = lookup_part(&c, cd->a + 1, cd->b)) >= 0)
            cd->a++;                  /* "Later al-Assad": without the opener */
        if (f < 0 || (size_t)f == x)
            continue;
        cd->alias_of = f;
        if (!cd->accepted)
            cd->score = 0.7;
        cd->accepted = 1;
    }
    if (c.st->coref && c.st->guess_orgs)
        org_short_mentions(&c);
    for (size_t x = 0; x < c.sc->n_c; x++)
        if (c.sc->c[x].accepted && (!c.sc->c[x].org || c.sc->c[x].alias_of >= 0))
            drop_covered(&c, c.sc->c[x].a, c.sc->c[x].b, 0);
    compact_spans(&c);
    for (size_t x = 0; x < c.sc->n_c && rc == 0; x++) {
        const cand *cd = &c.sc->c[x];
        if (!cd->accepted)
            continue;
        const cand *full = cd->alias_of >= 0 ? &c.sc->c[cd->alias_of] : cd;
        size_t a = c.t[full->a].start, b = c.t[full->b - 1].end;
        char idbuf[512];
        size_t n = b - a < sizeof idbuf - 1 ? b - a : sizeof idbuf - 1;
        memcpy(idbuf, doc->text + a, n);
        idbuf[n] = '\0';
        static const char *const place_labels[] = {"GPE", "LOC"};
        const char *label = cd->org == 1 ? c.st->org_label : cd->org ? place_labels[cd->org - 2] : c.st->label;
        rc = qr_doc_add_span(doc, c.t[cd->a].start, c.t[cd->b - 1].end, label, idbuf, cd->score, NULL, err);
    }
    if (rc == 0)
        rc = compound_places(&c, err);
    if (rc == 0 && c.st->guess_orgs)
        rc = datelines(&c, err);
out:
    if (!ts) {
        free(local.cover);
        free(local.span_flags);
        free(local.c);
        free(local.buf);
        free(local.parts);
        free(local.keys);
        free(local.roots);
    }
    return rc;
}

/* {==================================================================
 * Step definition
 * =================================================================== */
static void persons_free(void *state)
{
    persons_state *st = state;
    if (!st)
        return;
    qr_wordset_free(st->titles);
    qr_wordset_free(st->given);
    qr_wordset_free(st->ignore);
    qr_wordset_free(st->weak);
    qr_wordset_free(st->cplace[0]);
    qr_wordset_free(st->cplace[1]);
    free(st);
}

static int copy_label(char *dst, size_t cap, const char *s)
{
    if (!s)
        return -1;
    size_t n = strlen(s);
    if (n >= cap)
        return -1;
    memcpy(dst, s, n + 1);
    return 0;
}

static void *persons_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx,
                          qr_error *err)
{
    persons_state *st = calloc(1, sizeof *st);
    if (!st || !(st->titles = qr_wordset_new()) || !(st->given = qr_wordset_new())
        || !(st->ignore = qr_wordset_new()) || !(st->weak = qr_wordset_new())
        || !(st->cplace[0] = qr_wordset_new()) || !(st->cplace[1] = qr_wordset_new())) {
        persons_free(st);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    const qr_value *v;
    const char *paths[2] = {"titles", "given_names"};
    qr_wordset *sets[2] = {st->titles, st->given};
    for (int i = 0; i < 2; i++)
        if (qr_wordset_load_opt(sets[i], api, ctx, api->opt(opts, paths[i]), err) != 0) {
            persons_free(st);
            return NULL;
        }
    st->max_title = qr_wordset_max_tokens(st->titles);
    if ((v = api->opt(opts, "compound_places")) != NULL) {
        int list = api->value_type(v) == QR_VAL_LIST;
        size_t n = list ? api->value_len(v) : 1;
        for (size_t i = 0; i < n; i++) {
            const qr_value *item = list ? api->value_at(v, i) : v;
            const char *name = api->value_string(item);
            char *path = name ? api->resolve_path(ctx, name) : NULL;
            int rc = path ? 0 : qr_error_set(err, "out of memory");
            for (int l = 0; l < 2 && rc == 0; l++)
                rc = qr_wordset_load_label(st->cplace[l], path, l ? "LOC" : "GPE", err);
            free(path);
            if (rc != 0) {
                api->value_mark(item, err);
                persons_free(st);
                return NULL;
            }
        }
    }
    v = api->opt(opts, "label");
    if (copy_label(st->label, sizeof st->label, v ? api->value_string(v) : "PERSON") != 0
        || !*st->label) {
        qr_error_set(err, "persons: `label` must be a non-empty string of under 64 bytes");
        if (v)
            api->value_mark(v, err);
        persons_free(st);
        return NULL;
    }
    v = api->opt(opts, "org_label");
    if (copy_label(st->org_label, sizeof st->org_label, v ? api->value_string(v) : "ORG") != 0) {
        qr_error_set(err, "persons: `org_label` must be a string of under 64 bytes");
        api->value_mark(v, err);
        persons_free(st);
        return NULL;
    }
    v = api->opt(opts, "coref");
    st->coref = v ? api->value_bool(v) : 1;
    v = api->opt(opts, "guess_orgs");
    st->guess_orgs = (v ? api->value_bool(v) : 1) && *st->org_label;
    static const char *const set_opts[2] = {"ignore_labels", "weak_sources"};
    qr_wordset *set_of[2] = {st->ignore, st->weak};
    for (int o = 0; o < 2; o++)
        if ((v = api->opt(opts, set_opts[o])) != NULL && qr_wordset_add_opt(set_of[o], api, v) != 0) {
            qr_error_set(err, "out of memory");
            persons_free(st);
            return NULL;
        }
    return st;
}

static void *persons_thread_init(void *state, qr_error *err)
{
    (void)state;
    scratch *sc = calloc(1, sizeof *sc);
    if (!sc)
        qr_error_set(err, "out of memory");
    return sc;
}

static void persons_thread_free(void *state, void *ts)
{
    (void)state;
    scratch *sc = ts;
    if (!sc)
        return;
    free(sc->cover);
    free(sc->span_flags);
    free(sc->c);
    free(sc->buf);
    free(sc->parts);
    free(sc->keys);
    free(sc->roots);
    free(sc);
}

static const qr_option_def persons_options[] = {
    {"titles", QR_OPT_PATH, NULL, NULL,
     "titles and roles that cue a name (one phrase a line): president, foreign minister…", 0},
    {"given_names", QR_OPT_PATH, NULL, NULL,
     "given names (one a line) whose presence starts a name: Jenny, Ankit, Kim…", 0},
    {"label", QR_OPT_STRING, "PERSON", NULL, "label of the person spans", 0},
    {"coref", QR_OPT_BOOL, "true", NULL,
     "label later short mentions (Putin, Kim) with the full name's id", 0},
    {"guess_orgs", QR_OPT_BOOL, "true", NULL,
     "label capitalized runs ending with an organization word (Securities, Council) as org_label, with a place word (County, River) as GPE/LOC", 0},
    {"org_label", QR_OPT_STRING, "ORG", NULL, "label of guessed organizations", 0},
    {"ignore_labels", QR_OPT_STRING_LIST, NULL, NULL,
     "labels of earlier spans that may overlap a name (all others block it)", 0},
    {"compound_places", QR_OPT_STRING_LIST, NULL, NULL,
     "gazetteer TSV files whose GPE and LOC names are found inside hyphenated compounds: Oslo-based, U.S.-led", 0},
    {"weak_sources", QR_OPT_STRING_LIST, NULL, NULL,
     "steps (by name) whose spans give way: dropped when they overlap another span, a name or a guessed org (e.g. a city list: Vladimir, Tanabe)", 0},
    {NULL, 0, NULL, NULL, NULL, 0}};

const qr_step_def qr_step_persons_def = {
    .size = sizeof(qr_step_def),
    .name = "persons",
    .description = "find person names (titles, given names, context) and resolve short mentions to the full name",
    .options = persons_options,
    .flags = QR_STEP_THREAD_SAFE,
    .init = persons_init,
    .thread_init = persons_thread_init,
    .process = persons_process,
    .thread_free = persons_thread_free,
    .free = persons_free,
};

/* }================================================================== */
