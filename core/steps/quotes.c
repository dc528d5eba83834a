/*
 * quotes — quoted speech and who said it.
 *
 * Finds quotations opened by “ « „ or a straight " and closed by ” » or ",
 * in any mix (“…» in scraped text); a stray closing mark is ignored. A
 * quote left open is closed before the next opening mark or paragraph, cut
 * right after an attribution inside it ("…be? she says. “Is there…").
 * Its speaker is taken, in this order, from:
 *   1. right after the quote:  "…," Yoon’s office said / "…," he said /
 *      "…," said Jenny Town / "…," Solberg told Reuters /
 *      "…," the company's chief executive, Ana Lima, said
 *   2. earlier in its sentence: Kim said … “…” / Cho called it “…” /
 *      Ingrid Solberg, a senior analyst, said … “…” / According to KCNA, … “…”
 *   3. the previous quote of the same paragraph, when it had a speaker
 *      (a quote split around its attribution), or the previous quote when
 *      it was left open to the end of its paragraph and this one opens the
 *      next paragraph (a quote that runs over paragraphs).
 * A speaker is an entity an earlier step found (label in speaker_labels;
 * speaker_id = its id), the entity's office or spokesman ("Yoon’s office",
 * id of Yoon), he/she (the most recent person before the quote), or a short
 * noun phrase ("the agency", no id).
 *
 * Output: a span over each quote's words (marks excluded) labelled `label`
 * with attrs {"speaker": …, "speaker_id": …} (keys present when known),
 * and the doc field `field`: [{"text", "speaker", "speaker_id"}] in text
 * order (nulls when unknown).
 */
#include "doc.h"
#include "error.h"
#include "news_words.h"

#include <stdlib.h>
#include <string.h>

typedef struct quotes_state {
    char label[64], field[64], person_label[64];
    char speaker_labels[8][64];
    int n_speaker_labels;
} quotes_state;

typedef struct quote {
    uint32_t open, last;       /* opening mark token; last token of the content */
    uint32_t start, end;       /* content bytes                                  */
    const char *speaker;       /* interned in the doc, or NULL                   */
    const char *speaker_id;
    int to_para;               /* left open up to the end of its paragraph       */
} quote;

typedef struct qscratch {
    int32_t *cover;
    size_t cap_cover;
    uint32_t *persons;         /* person spans, by end */
    size_t n_persons, cap_persons;
    quote *q;
    size_t n_q, cap_q;
    char buf[512];
} qscratch;

typedef struct qctx {
    const quotes_state *st;
    qscratch *sc;
    qr_doc *doc;
    const qr_token *t;
    size_t nt;
} qctx;

enum { Q_NONE, Q_OPEN, Q_CLOSE, Q_BOTH };

static int key_is(const qctx *c, size_t i, const char *w)
{
    return c->t[i].key_len == strlen(w) && memcmp(qr_token_key(&c->doc->tokens, i), w, c->t[i].key_len) == 0;
}

static const char *key(const qctx *c, size_t i, size_t *n)
{
    *n = c->t[i].key_len;
    return qr_token_key(&c->doc->tokens, i);
}

static int quote_kind(const qctx *c, size_t i)
{
    if (c->t[i].kind != QR_TOK_PUNCT)
        return Q_NONE;
    size_t n = c->t[i].end - c->t[i].start;
    const char *s = c->doc->text + c->t[i].start;
    if (n == 1 && s[0] == '"')
        return Q_BOTH;
    if (n == 3 && (memcmp(s, "\xE2\x80\x9C", 3) == 0 || memcmp(s, "\xE2\x80\x9E", 3) == 0))
        return Q_OPEN;   /* “ „ */
    if (n == 3 && memcmp(s, "\xE2\x80\x9D", 3) == 0)
        return Q_CLOSE;  /* ” */
    if (n == 2 && memcmp(s, "\xC2\xAB", 2) == 0)
        return Q_OPEN;   /* « */
    if (n == 2 && memcmp(s, "\xC2\xBB", 2) == 0)
        return Q_CLOSE;  /* » */
    return Q_NONE;
}

static int is_speaker_label(const qctx *c, const char *label)
{
    for (int i = 0; i < c->st->n_speaker_labels; i++)
        if (strcmp(c->st->speaker_labels[i], label) == 0)
            return 1;
    return 0;
}

/* Speaker span covering token i (-1 if none). */
static int32_t entity_at(const qctx *c, size_t i)
{
    int32_t s = c->sc->cover[i];
    return s >= 0 && is_speaker_label(c, c->doc->spans[s].label) ? s : -1;
}

static int word(const qctx *c, size_t i)
{
    return c->t[i].kind == QR_TOK_WORD;
}

static int speech(const qctx *c, size_t i)
{
    size_t n;
    const char *k = key(c, i, &n);
    return word(c, i) && qr_news_is_speech_verb(k, n);
}

static int possessive(const qctx *c, size_t i)
{
    return key_is(c, i, "'s") || key_is(c, i, "\xE2\x80\x99s");
}

typedef struct speaker {
    uint32_t start, end;       /* bytes of the speaker's words */
    const qr_span *entity;     /* NULL when not an entity       */
    const char *resolved;      /* for he/she: the person's id   */
} speaker;

/* The person span ending last at or before pos (persons[] is sorted by end). */
static const qr_span *last_person_before(const qctx *c, uint32_t pos)
{
    size_t lo = 0, hi = c->sc->n_persons;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->doc->spans[c->sc->persons[mid]].end <= pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? &c->doc->spans[c->sc->persons[lo - 1]] : NULL;
}

/* A speaker starting at token j (in [j, lim)); *k gets the token after it. */
static int speaker_fwd(const qctx *c, size_t j, size_t lim, uint32_t qpos, speaker *sp, size_t *k)
{
    if (j >= lim)
        return 0;
    int32_t e = entity_at(c, j);
    memset(sp, 0, sizeof *sp);
    if (e >= 0) {
        const qr_span *s = &c->doc->spans[e];
        size_t i = j;
        while (i < lim && c->sc->cover[i] == e)
            i++;
        sp->entity = s;
        sp->start = s->start;
        sp->end = s->end;
        /* "Yoon’s office", "the ministry’s spokesman" */
        if (i + 1 < lim && possessive(c, i) && word(c, i + 1) && !speech(c, i + 1)) {
            sp->end = c->t[i + 1].end;
            i += 2;
        }
        *k = i;
        return 1;
    }
    size_t n;
    const char *kk = key(c, j, &n);
    if (qr_news_is_pronoun(kk, n)) {
        sp->start = c->t[j].start;
        sp->end = c->t[j].end;
        if (key_is(c, j, "he") || key_is(c, j, "she")) {
            const qr_span *p = last_person_before(c, qpos);
            if (p) {
                sp->entity = p;
                sp->resolved = p->id;
            }
        }
        *k = j + 1;
        return 1;
    }
    /* a short noun phrase: "the agency", "a spokesman for the ministry";
     * "union chairman Kenji Nakagawa" is the entity it ends with */
    size_t i = j;
    while (i < lim && i < j + 6 && word(c, i) && !speech(c, i)) {
        if (i > j && entity_at(c, i) >= 0)
            return speaker_fwd(c, i, lim, qpos, sp, k);
        i++;
    }
    if (i == j)
        return 0;
    sp->start = c->t[j].start;
    sp->end = c->t[i - 1].end;
    *k = i;
    return 1;
}

/* A speaker whose last token is e (an entity, "X’s office", he/she). */
static int speaker_bwd(const qctx *c, size_t e, size_t lo, uint32_t qpos, speaker *sp)
{
    memset(sp, 0, sizeof *sp);
    if (e < lo)
        return 0;
    int32_t s = entity_at(c, e);
    if (s >= 0) {
        sp->entity = &c->doc->spans[s];
        sp->start = sp->entity->start;
        sp->end = sp->entity->end;
        return 1;
    }
    if (e >= lo + 2 && word(c, e) && possessive(c, e - 1) && (s = entity_at(c, e - 2)) >= 0) {
        sp->entity = &c->doc->spans[s];
        sp->start = sp->entity->start;
        sp->end = c->t[e].end;
        return 1;
    }
    if (key_is(c, e, "he") || key_is(c, e, "she")) {
        const qr_span *p = last_person_before(c, qpos);
        sp->start = c->t[e].start;
        sp->end = c->t[e].end;
        if (p) {
            sp->entity = p;
            sp->resolved = p->id;
        }
        return 1;
    }
    return 0;
}

static size_t sentence_start(const qctx *c, size_t i)
{
    const qr_sentences *ss = &c->doc->sentences;
    size_t lo = 0, hi = ss->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ss->v[mid].tok_end <= i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ss->n ? ss->v[lo].tok_start : 0;
}

static int set_speaker(qctx *c, quote *q, const speaker *sp)
{
    const qr_span *e = sp->entity;
    if (sp->resolved) {
        q->speaker = sp->resolved;
        q->speaker_id = sp->resolved;
        return 1;
    }
    size_t n = sp->end - sp->start;
    if (n >= sizeof c->sc->buf)
        n = sizeof c->sc->buf - 1;
    memcpy(c->sc->buf, c->doc->text + sp->start, n);
    c->sc->buf[n] = '\0';
    q->speaker = qr_doc_intern(c->doc, c->sc->buf);
    q->speaker_id = e ? (e->id ? e->id : qr_doc_intern(c->doc, c->sc->buf)) : NULL;
    if (e && !e->id) {
        n = e->end - e->start < sizeof c->sc->buf ? e->end - e->start : sizeof c->sc->buf - 1;
        memcpy(c->sc->buf, c->doc->text + e->start, n);
        c->sc->buf[n] = '\0';
        q->speaker_id = qr_doc_intern(c->doc, c->sc->buf);
    }
    return 1;
}

/* after = first token after the quote (closing mark excluded). */
static int attribute_after(qctx *c, quote *q, size_t after)
{
    size_t lim = after;
    while (lim < c->nt && lim < after + 16 && !(c->t[lim].flags & QR_TF_PARA_BEFORE)
           && quote_kind(c, lim) == Q_NONE && !key_is(c, lim, ".") && !key_is(c, lim, "?")
           && !key_is(c, lim, "!"))
        lim++;
    size_t j = after;
    if (j < lim && key_is(c, j, ","))
        j++;
    if (j >= lim)
        return 0;
    /* "…the long term." Finance chief X said … : a new sentence, not an attribution */
    if (key_is(c, q->last, ".") && (c->t[j].flags & QR_TF_UPPER_INITIAL))
        return 0;
    speaker sp;
    size_t k;
    if (speech(c, j)) {                       /* "…," said Herrera */
        if (speaker_fwd(c, j + 1, lim, q->start, &sp, &k))
            return set_speaker(c, q, &sp);
        return 0;
    }
    if (speaker_fwd(c, j, lim, q->start, &sp, &k)) {   /* "…," Kamau said */
        if (k < lim && (key_is(c, k, "also") || key_is(c, k, "later") || key_is(c, k, "then")))
            k++;
        if (k < lim && speech(c, k))
            return set_speaker(c, q, &sp);
    }
    /* "…," Aviara's chief executive, Marcelo de Andrade, said: a role, then
     * the name between commas, then the verb */
    for (size_t c1 = j + 1; c1 + 2 < lim; c1++) {
        if (!key_is(c, c1, ","))
            continue;
        if (speaker_fwd(c, c1 + 1, lim, q->start, &sp, &k) && entity_at(c, c1 + 1) >= 0 && k + 1 < lim
            && key_is(c, k, ",") && speech(c, k + 1))
            return set_speaker(c, q, &sp);
        break;
    }
    return 0;
}

static int attribute_before(qctx *c, quote *q, size_t floor)
{
    size_t lo = sentence_start(c, q->open);
    if (lo < floor)
        lo = floor;
    speaker sp;
    /* According to X, … */
    for (size_t i = lo; i + 2 < q->open; i++) {
        if (key_is(c, i, "according") && key_is(c, i + 1, "to")) {
            size_t j = i + 2;
            if (key_is(c, j, "the") && j + 1 < q->open)
                j++;
            size_t k;
            if (entity_at(c, j) >= 0 && speaker_fwd(c, j, q->open, q->start, &sp, &k))
                return set_speaker(c, q, &sp);
        }
    }
    for (size_t v = q->open; v-- > lo;) {
        if (!speech(c, v))
            continue;
        size_t e = v;
        if (e > lo && (key_is(c, e - 1, "also") || key_is(c, e - 1, "has") || key_is(c, e - 1, "had")))
            e--;
        if (e == lo)
            return 0;
        e--;
        if (key_is(c, e, ",")) {
            size_t p = e;   /* the segment between this comma and the previous one */
            while (p > lo && !key_is(c, p - 1, ","))
                p--;
            int appos = p < e && (key_is(c, p, "a") || key_is(c, p, "an") || key_is(c, p, "the")
                                  || key_is(c, p, "who") || key_is(c, p, "which"));
            if (!appos && e > lo && speaker_bwd(c, e - 1, lo, q->start, &sp))
                return set_speaker(c, q, &sp);   /* Its director, Apar Gupta, said */
            if (p <= lo + 1)                     /* X, a senior analyst at Y, said */
                return 0;
            e = p - 2;
        }
        if (speaker_bwd(c, e, lo, q->start, &sp))
            return set_speaker(c, q, &sp);
        return 0;
    }
    return 0;
}

static int push_quote(qscratch *sc, quote q)
{
    if (sc->n_q == sc->cap_q) {
        size_t cap = sc->cap_q ? sc->cap_q * 2 : 16;
        quote *v = realloc(sc->q, cap * sizeof *v);
        if (!v)
            return -1;
        sc->q = v;
        sc->cap_q = cap;
    }
    sc->q[sc->n_q++] = q;
    return 0;
}

/* An attribution inside an unclosed quote: ". she says", "? he said" */
static size_t cut_unclosed(const qctx *c, size_t open, size_t lim)
{
    for (size_t i = open + 1; i + 2 < lim; i++) {
        if (!(key_is(c, i, ".") || key_is(c, i, "?") || key_is(c, i, "!") || key_is(c, i, ",")))
            continue;
        size_t n;
        const char *k = key(c, i + 1, &n);
        if ((qr_news_is_pronoun(k, n) || entity_at(c, i + 1) >= 0)) {
            size_t j = i + 2;
            while (j < lim && entity_at(c, i + 1) >= 0 && c->sc->cover[j] == c->sc->cover[i + 1])
                j++;
            if (j < lim && speech(c, j))
                return i;
        }
    }
    return lim - 1;
}

static int add_quote(qctx *c, size_t open, size_t last, int closed)
{
    if (last <= open)
        return 0;
    quote q = {(uint32_t)open, (uint32_t)last, c->t[open].end, c->t[last].end, NULL, NULL, closed == 2};
    if (closed == 1)
        q.end = c->t[last].end;
    while (q.start < q.end && (c->doc->text[q.start] == ' ' || c->doc->text[q.start] == '\n'))
        q.start++;
    if (q.start >= q.end)
        return 0;
    return push_quote(c->sc, q);
}

static int find_quotes(qctx *c)
{
    size_t open = SIZE_MAX;
    for (size_t i = 0; i < c->nt; i++) {
        if (open != SIZE_MAX && (c->t[i].flags & QR_TF_PARA_BEFORE)) {
            size_t last = cut_unclosed(c, open, i);
            if (add_quote(c, open, last, last + 1 == i ? 2 : 0) != 0)
                return -1;
            open = SIZE_MAX;
        }
        int k = quote_kind(c, i);
        if (k == Q_OPEN || (k == Q_BOTH && open == SIZE_MAX)) {
            if (open != SIZE_MAX && add_quote(c, open, cut_unclosed(c, open, i), 0) != 0)
                return -1;
            open = i;
        } else if ((k == Q_CLOSE || k == Q_BOTH) && open != SIZE_MAX) {
            if (i > open + 1 && add_quote(c, open, i - 1, 1) != 0)
                return -1;
            open = SIZE_MAX;
        }
    }
    if (open != SIZE_MAX && add_quote(c, open, cut_unclosed(c, open, c->nt), 0) != 0)
        return -1;
    return 0;
}

static int cmp_span_end(const void *x, const void *y, void *doc)
{
    const qr_span *a = &((const qr_doc *)doc)->spans[*(const uint32_t *)x];
    const qr_span *b = &((const qr_doc *)doc)->spans[*(const uint32_t *)y];
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return (a->start > b->start) - (a->start < b->start);
}

static int mark_cover(qctx *c)
{
    qscratch *sc = c->sc;
    if (c->doc->n_spans > sc->cap_persons) {
        uint32_t *v = realloc(sc->persons, c->doc->n_spans * sizeof *v);
        if (!v)
            return -1;
        sc->persons = v;
        sc->cap_persons = c->doc->n_spans;
    }
    sc->n_persons = 0;
    for (size_t s = 0; s < c->doc->n_spans; s++)
        if (strcmp(c->doc->spans[s].label, c->st->person_label) == 0)
            sc->persons[sc->n_persons++] = (uint32_t)s;
    if (sc->n_persons > 1)
        qsort_r(sc->persons, sc->n_persons, sizeof *sc->persons, cmp_span_end, c->doc);
    if (c->nt > sc->cap_cover) {
        int32_t *v = realloc(sc->cover, c->nt * sizeof *v);
        if (!v)
            return -1;
        sc->cover = v;
        sc->cap_cover = c->nt;
    }
    for (size_t i = 0; i < c->nt; i++)
        sc->cover[i] = -1;
    for (size_t s = 0; s < c->doc->n_spans; s++) {
        const qr_span *sp = &c->doc->spans[s];
        if (!is_speaker_label(c, sp->label))
            continue;
        size_t lo = 0, hi = c->nt;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (c->t[mid].end <= sp->start)
                lo = mid + 1;
            else
                hi = mid;
        }
        /* the longest span wins a token ("University of Ghana" over "Ghana") */
        for (size_t i = lo; i < c->nt && c->t[i].start < sp->end; i++) {
            int32_t o = sc->cover[i];
            if (o < 0 || c->doc->spans[o].end - c->doc->spans[o].start < sp->end - sp->start)
                sc->cover[i] = (int32_t)s;
        }
    }
    return 0;
}

static int para_between(const qctx *c, size_t a, size_t b)
{
    for (size_t i = a + 1; i <= b && i < c->nt; i++)
        if (c->t[i].flags & QR_TF_PARA_BEFORE)
            return 1;
    return 0;
}

static int quotes_process(void *state, void *ts, qr_doc *doc, qr_error *err)
{
    qscratch local = {0};
    qctx c = {.st = state, .sc = ts ? ts : &local, .doc = doc};
    int rc = 0;
    json_t *list = NULL;
    if (qr_doc_ensure_sentences(doc, err) != 0)
        return -1;
    c.t = doc->tokens.v;
    c.nt = doc->tokens.n;
    c.sc->n_q = 0;
    if (mark_cover(&c) != 0 || find_quotes(&c) != 0) {
        rc = qr_error_set(err, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < c.sc->n_q; i++) {
        quote *q = &c.sc->q[i];
        size_t after = q->last + 1;
        if (after < c.nt && quote_kind(&c, after) != Q_NONE)
            after++;
        size_t floor = i ? c.sc->q[i - 1].last + 1 : 0;
        /* the previous quote of the paragraph, or one left open to the end
         * of the previous paragraph when this one opens the next: English
         * style continues a long quote that way ("…older.¶“Money was …”) */
        if (!attribute_after(&c, q, after) && !attribute_before(&c, q, floor) && i > 0
            && c.sc->q[i - 1].speaker
            && (!para_between(&c, c.sc->q[i - 1].last, q->open)
                || (c.sc->q[i - 1].to_para && (c.t[q->open].flags & QR_TF_PARA_BEFORE)))) {
            q->speaker = c.sc->q[i - 1].speaker;
            q->speaker_id = c.sc->q[i - 1].speaker_id;
        }
    }
    /* spans are added after all attribution: adding may move doc->spans */
    if (*c.st->field && !(list = json_array())) {
        rc = qr_error_set(err, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < c.sc->n_q && rc == 0; i++) {
        const quote *q = &c.sc->q[i];
        json_t *attrs = json_object();
        if (q->speaker)
            json_object_set_new(attrs, "speaker", json_string(q->speaker));
        if (q->speaker_id)
            json_object_set_new(attrs, "speaker_id", json_string(q->speaker_id));
        if (list) {
            json_t *o = json_object();
            json_object_set_new(o, "text", json_stringn(doc->text + q->start, q->end - q->start));
            json_object_set_new(o, "speaker", q->speaker ? json_string(q->speaker) : json_null());
            json_object_set_new(o, "speaker_id", q->speaker_id ? json_string(q->speaker_id) : json_null());
            json_array_append_new(list, o);
        }
        rc = qr_doc_add_span(doc, q->start, q->end, c.st->label, NULL, 1.0,
                             json_object_size(attrs) ? attrs : (json_decref(attrs), NULL), err);
    }
    if (rc == 0 && list) {
        rc = qr_doc_set_field(doc, c.st->field, list, err);
        list = NULL;
    }
out:
    json_decref(list);
    if (!ts) {
        free(local.cover);
        free(local.persons);
        free(local.q);
    }
    return rc;
}

/* {==================================================================
 * Step definition
 * =================================================================== */
static int copy_str(char *dst, size_t cap, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (!s || n >= cap)
        return -1;
    memcpy(dst, s, n + 1);
    return 0;
}

static void *quotes_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx,
                         qr_error *err)
{
    (void)ctx;
    quotes_state *st = calloc(1, sizeof *st);
    if (!st) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    static const char *const names[3] = {"label", "field", "person_label"};
    static const char *const defaults[3] = {"QUOTE", "quotes", "PERSON"};
    char *dst[3] = {st->label, st->field, st->person_label};
    for (int i = 0; i < 3; i++) {
        const qr_value *v = api->opt(opts, names[i]);
        if (copy_str(dst[i], 64, v ? api->value_string(v) : defaults[i]) != 0 || (i != 1 && !*dst[i])) {
            qr_error_set(err, "quotes: `%s` must be a %sstring of under 64 bytes", names[i],
                         i != 1 ? "non-empty " : "");
            if (v)
                api->value_mark(v, err);
            free(st);
            return NULL;
        }
    }
    const qr_value *v = api->opt(opts, "speaker_labels");
    if (!v) {
        static const char *const def[] = {"PERSON", "ORG", "GPE", "NORP"};
        for (int i = 0; i < 4; i++)
            copy_str(st->speaker_labels[st->n_speaker_labels++], 64, def[i]);
    } else {
        size_t n = api->value_type(v) == QR_VAL_LIST ? api->value_len(v) : 1;
        for (size_t i = 0; i < n; i++) {
            const char *s = api->value_string(api->value_type(v) == QR_VAL_LIST ? api->value_at(v, i) : v);
            if (st->n_speaker_labels == 8 || copy_str(st->speaker_labels[st->n_speaker_labels++], 64, s) != 0) {
                qr_error_set(err, "quotes: `speaker_labels` takes up to 8 labels of under 64 bytes");
                api->value_mark(v, err);
                free(st);
                return NULL;
            }
        }
    }
    return st;
}

static void *quotes_thread_init(void *state, qr_error *err)
{
    (void)state;
    qscratch *sc = calloc(1, sizeof *sc);
    if (!sc)
        qr_error_set(err, "out of memory");
    return sc;
}

static void quotes_thread_free(void *state, void *ts)
{
    (void)state;
    qscratch *sc = ts;
    if (!sc)
        return;
    free(sc->cover);
    free(sc->persons);
    free(sc->q);
    free(sc);
}

static const qr_option_def quotes_options[] = {
    {"label", QR_OPT_STRING, "QUOTE", NULL, "label of the quote spans (attrs: speaker, speaker_id)", 0},
    {"field", QR_OPT_STRING, "quotes", NULL,
     "doc field for the list of {text, speaker, speaker_id}; \"\" for none", 0},
    {"speaker_labels", QR_OPT_STRING_LIST, "[PERSON, ORG, GPE, NORP]", NULL,
     "labels of entities that can be speakers", 0},
    {"person_label", QR_OPT_STRING, "PERSON", NULL, "label he/she resolve to (the most recent one)", 0},
    {NULL, 0, NULL, NULL, NULL, 0}};

const qr_step_def qr_step_quotes_def = {
    .size = sizeof(qr_step_def),
    .name = "quotes",
    .description = "find quotations (straight, curly, «», mixed) and attribute them to their speaker",
    .options = quotes_options,
    .flags = QR_STEP_THREAD_SAFE,
    .init = quotes_init,
    .thread_init = quotes_thread_init,
    .process = quotes_process,
    .thread_free = quotes_thread_free,
    .free = free,
};

/* }================================================================== */
