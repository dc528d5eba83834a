/*
 * sentiment — a quarry module: valence-lexicon sentiment of each document and
 * each sentence (AFINN-165 by default), with negation.
 *
 * Built only against quarry_module.h (see README.md):
 *   cc -shared -fPIC $(pkg-config --cflags quarry) sentiment.c afinn165.c -o sentiment.so
 *
 * Scoring, per sentence (documents sum their sentences):
 *   - tokens are matched against the lexicon by their normalized keys,
 *     longest phrase first ("does not work", "not good", "can't stand");
 *   - a negator ("not", "no", "never", "without", any word ending in n't …)
 *     up to `negation_window` words before a matched entry flips its sign
 *     ("not bad" scores +3), unless punctuation (, ; : . ! ? ( )) or "but"
 *     stands between them; a negator scores nothing itself;
 *   - comparative = score / number of words (word and number tokens),
 *     rounded to 4 decimals.
 * Output: the doc field `sentiment` (the name is the `field` option):
 *   {"score":S,"comparative":C,"positive":[…],"negative":[…],
 *    "sentences":[{"score":S,"comparative":C},…]}
 * positive/negative list the entries that counted, negated ones as
 * "not bad"; `sentences` has one item per sentence, in order. With
 * `spans: true` every sentence with a non-zero score also gets a SENTIMENT
 * span (id "positive" or "negative", score S).
 *
 * Threads: the lexicon is built once per pipeline and only read afterwards
 * (QR_STEP_THREAD_SAFE); each worker thread has its own output buffer
 * (thread_init), so process() allocates nothing once the buffer has grown.
 */
#include <quarry_module.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

QR_MODULE_DECLARE("sentiment", "1.0.0");

extern const char sentiment_afinn165[];

#define MAX_PHRASE 8     /* words in one lexicon entry */

/* A key of the table: a lexicon entry, the first words of a longer entry
 * (so matching goes on to the next word only when some entry does), and/or
 * a negator. */
enum { E_VALENCE = 1, E_PREFIX = 2, E_NEGATOR = 4 };

typedef struct entry {
    const char *key;     /* len bytes (not NUL-terminated); NULL = empty slot */
    uint32_t len;
    uint32_t flags;      /* E_* */
    double valence;
} entry;

typedef struct lexicon {
    char *text;          /* our copy of the TSV: the keys point into it */
    entry *slots;
    size_t mask;
} lexicon;

typedef struct sentiment {
    const qr_host_api *api;
    lexicon lex;
    int window;
    int spans;
    char field[64];
} sentiment;

typedef struct buf {
    char *p;
    size_t n, cap;
    int oom;
} buf;

/* {==================================================================
 * Lexicon: an open-addressing hash table over the keys
 * =================================================================== */
static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

/* The slot of key, or the empty slot where it would go. */
static entry *slot(const lexicon *lex, const char *key, size_t n)
{
    for (size_t i = hash(key, n) & lex->mask;; i = (i + 1) & lex->mask) {
        entry *e = &lex->slots[i];
        if (!e->key || (e->len == n && memcmp(e->key, key, n) == 0))
            return e;
    }
}

static const entry *lookup(const lexicon *lex, const char *key, size_t n)
{
    const entry *e = slot(lex, key, n);
    return e->key ? e : NULL;
}

static void add(lexicon *lex, const char *key, size_t n, unsigned flag, double valence)
{
    entry *e = slot(lex, key, n);
    if (!e->key) {
        e->key = key;
        e->len = (uint32_t)n;
    }
    e->flags |= flag;
    if (flag == E_VALENCE)
        e->valence = valence;
}

static const char *const negators[] = {
    "not", "no", "never", "nor", "neither", "nobody", "nothing", "none", "nowhere",
    "hardly", "barely", "scarcely", "without", "cannot", "cant", "dont", "doesnt",
    "didnt", "isnt", "wasnt", "arent", "werent", "wont", "wouldnt", "shouldnt",
    "couldnt", "aint", "havent", "hasnt", "hadnt", NULL};

/* Parses "key<TAB>valence" lines in place; keys are lower-cased (ASCII) and
 * their runs of spaces folded to one. Later duplicates win. */
static int lexicon_build(const qr_host_api *api, lexicon *lex, const char *text, const char *name,
                         qr_error *err)
{
    size_t keys = 64;                      /* lines + phrase prefixes + negators */
    for (const char *p = text; *p; p++)
        keys += *p == '\n' || *p == ' ';
    size_t cap = 16;
    while (cap < keys * 2)
        cap *= 2;
    size_t len = strlen(text);
    lex->text = malloc(len + 1);
    lex->slots = calloc(cap, sizeof *lex->slots);
    if (!lex->text || !lex->slots)
        return api->error(err, "out of memory");
    memcpy(lex->text, text, len + 1);
    lex->mask = cap - 1;
    int line = 0;
    for (char *p = lex->text, *next; *p; p = next) {
        line++;
        char *nl = strchr(p, '\n');
        next = nl ? nl + 1 : p + strlen(p);
        if (nl)
            *nl = '\0';
        if (nl > p && nl[-1] == '\r')
            nl[-1] = '\0';
        if (*p == '#' || *p == '\0')
            continue;
        char *tab = strchr(p, '\t'), *end;
        double v = tab ? strtod(tab + 1, &end) : 0;
        if (!tab || tab == p || end == tab + 1 || *end)
            return api->error(err, "lexicon %s, line %d: expected WORD<TAB>VALENCE (a number), got '%.60s'",
                              name, line, p);
        *tab = '\0';
        char *w = p;
        int words = 1;
        for (char *r = p; *r; r++) {        /* lower-case, fold spaces */
            char c = (char)tolower((unsigned char)*r);
            if (c == ' ' && (w == p || w[-1] == ' '))
                continue;
            words += c == ' ';
            *w++ = c;
        }
        if (w > p && w[-1] == ' ')
            w--, words--;
        *w = '\0';
        if (words > MAX_PHRASE)
            return api->error(err, "lexicon %s, line %d: '%s' has more than %d words", name, line, p,
                              MAX_PHRASE);
        add(lex, p, (size_t)(w - p), E_VALENCE, v);
        for (char *sp = strchr(p, ' '); sp; sp = strchr(sp + 1, ' '))
            add(lex, p, (size_t)(sp - p), E_PREFIX, 0);
    }
    for (size_t i = 0; negators[i]; i++)
        add(lex, negators[i], strlen(negators[i]), E_NEGATOR, 0);
    return 0;
}

/* }================================================================== */

/* {==================================================================
 * Output buffer
 * =================================================================== */
static void put(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_int(buf *b, long long v)
{
    char tmp[24], *p = tmp + sizeof tmp;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    put(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* Whole numbers as integers, others with 4 decimals at most (comparative
 * values are rounded to 4 decimals), without snprintf on the common path. */
static void put_number(buf *b, double x)
{
    if (x > -1e15 && x < 1e15 && x == (double)(long long)x) {
        put_int(b, (long long)x);
        return;
    }
    double y = x * 10000.0;
    long long r = (long long)(y < 0 ? y - 0.5 : y + 0.5);
    if (y > -1e15 && y < 1e15 && (double)r == y) {
        unsigned long long u = r < 0 ? 0ull - (unsigned long long)r : (unsigned long long)r;
        char frac[5] = {0};
        int n = 4;
        for (int i = 3; i >= 0; i--, u /= 10)
            frac[i] = (char)('0' + u % 10);
        while (n > 0 && frac[n - 1] == '0')
            n--;
        if (r < 0)
            put(b, "-", 1);
        put_int(b, (long long)u);
        put(b, ".", 1);
        put(b, frac, (size_t)n);
        return;
    }
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.10g", x);
    puts_(b, tmp);
}

static void put_json_string(buf *b, const char *s, size_t n)
{
    put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(b, e, 2);
        } else if (c < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", c);
            puts_(b, e);
        } else {
            put(b, s + i, 1);
        }
    }
    put(b, "\"", 1);
}

/* }================================================================== */

/* {==================================================================
 * Scoring
 * =================================================================== */
static int is_negator(const entry *e, const char *k, size_t n)
{
    return (e && (e->flags & E_NEGATOR)) || (n > 3 && memcmp(k + n - 3, "n't", 3) == 0) ||
           (n > 5 && memcmp(k + n - 5, "n\xe2\x80\x99t", 5) == 0);
}

/* Ends the reach of a negator: , ; : . ! ? ( ) and "but". */
static int breaks_clause(const qr_token *t, const char *text, const char *key, size_t klen)
{
    if (t->kind == QR_TOK_PUNCT)
        return strchr(",;:.!?()", text[t->start]) != NULL;
    return klen == 3 && memcmp(key, "but", 3) == 0;
}

typedef struct tally {
    double score;
    size_t words;
} tally;

static double comparative(const tally *t)
{
    if (!t->words)
        return 0.0;
    double x = t->score / (double)t->words * 10000.0;
    return (double)(long long)(x < 0 ? x - 0.5 : x + 0.5) / 10000.0;
}

/* Scores tokens [from, to) of one sentence; appends the entries that
 * counted to pos/neg (JSON array items, comma-separated). */
static void score_range(const sentiment *s, qr_doc *doc, const qr_token *tok, const char *text,
                        size_t from, size_t to, tally *out, buf *pos, buf *neg)
{
    const qr_host_api *api = s->api;
    char phrase[512];
    long last_neg = -1000000;            /* word index of the last negator */
    const char *neg_key = NULL;
    size_t neg_len = 0;
    long word_index = 0;
    for (size_t i = from; i < to; i++) {
        size_t klen;
        const char *key = api->doc_token_key(doc, i, &klen);
        if (!key)
            continue;
        if (breaks_clause(&tok[i], text, key, klen)) {
            last_neg = -1000000;
            continue;
        }
        if (tok[i].kind != QR_TOK_WORD && tok[i].kind != QR_TOK_NUMBER)
            continue;
        out->words++;
        word_index++;
        /* longest entry starting here: words i, i+1, … joined by spaces */
        const entry *hit = NULL, *first = NULL;
        size_t hit_words = 0, n = 0, j = i;
        for (int w = 0; w < MAX_PHRASE && j < to; w++, j++) {
            size_t kl;
            const char *k = api->doc_token_key(doc, j, &kl);
            if (!k || tok[j].kind != QR_TOK_WORD || n + kl + 2 > sizeof phrase)
                break;
            if (w)
                phrase[n++] = ' ';
            memcpy(phrase + n, k, kl);
            n += kl;
            const entry *e = lookup(&s->lex, phrase, n);
            if (w == 0)
                first = e;
            if (!e)
                break;
            if ((e->flags & E_VALENCE) && (w > 0 || !is_negator(e, k, kl))) {
                hit = e;
                hit_words = (size_t)w + 1;
            }
            if (!(e->flags & E_PREFIX))
                break;
        }
        if (!hit) {
            if (is_negator(first, key, klen)) {
                last_neg = word_index;
                neg_key = key;
                neg_len = klen;
            }
            continue;
        }
        double v = hit->valence;
        int negated = word_index - last_neg <= s->window;
        if (negated)
            v = -v;
        out->score += v;
        out->words += hit_words - 1;
        word_index += (long)hit_words - 1;
        i += hit_words - 1;
        buf *b = v > 0 ? pos : v < 0 ? neg : NULL;
        if (!b)
            continue;
        if (b->n)
            put(b, ",", 1);
        if (negated) {
            char both[600];
            int len = snprintf(both, sizeof both, "%.*s %.*s", (int)neg_len, neg_key, (int)hit->len, hit->key);
            put_json_string(b, both, len > 0 && (size_t)len < sizeof both ? (size_t)len : 0);
        } else {
            put_json_string(b, hit->key, hit->len);
        }
    }
}

enum { OUT, POS, NEG, SENTS, NBUF };

static int sentiment_process(void *state, void *thread_state, qr_doc *doc, qr_error *err)
{
    const sentiment *s = state;
    const qr_host_api *api = s->api;
    buf local[NBUF] = {{0}}, *b = thread_state ? thread_state : local;
    for (int k = 0; k < NBUF; k++)
        b[k].n = 0, b[k].oom = 0;
    size_t len, ntok, nsent;
    const char *text = api->doc_text(doc, &len);
    const qr_token *tok = api->doc_tokens(doc, &ntok);
    const qr_sentence *sent = api->doc_sentences(doc, &nsent);
    tally total = {0, 0};
    int rc = 0;
    for (size_t i = 0; i < nsent; i++) {
        tally t = {0, 0};
        score_range(s, doc, tok, text, sent[i].tok_start, sent[i].tok_end, &t, &b[POS], &b[NEG]);
        total.score += t.score;
        total.words += t.words;
        puts_(&b[SENTS], i ? ",{\"score\":" : "{\"score\":");
        put_number(&b[SENTS], t.score);
        puts_(&b[SENTS], ",\"comparative\":");
        put_number(&b[SENTS], comparative(&t));
        puts_(&b[SENTS], "}");
        if (s->spans && t.score != 0 &&
            api->doc_add_span(doc, sent[i].start, sent[i].end, "SENTIMENT",
                              t.score > 0 ? "positive" : "negative", t.score, NULL, err) != 0) {
            rc = -1;
            goto done;
        }
    }
    puts_(&b[OUT], "{\"score\":");
    put_number(&b[OUT], total.score);
    puts_(&b[OUT], ",\"comparative\":");
    put_number(&b[OUT], comparative(&total));
    puts_(&b[OUT], ",\"positive\":[");
    put(&b[OUT], b[POS].p ? b[POS].p : "", b[POS].n);
    puts_(&b[OUT], "],\"negative\":[");
    put(&b[OUT], b[NEG].p ? b[NEG].p : "", b[NEG].n);
    puts_(&b[OUT], "],\"sentences\":[");
    put(&b[OUT], b[SENTS].p ? b[SENTS].p : "", b[SENTS].n);
    puts_(&b[OUT], "]}");
    if (b[OUT].oom || b[POS].oom || b[NEG].oom || b[SENTS].oom) {
        rc = api->error(err, "out of memory");
        goto done;
    }
    rc = api->doc_set_field_json(doc, s->field, b[OUT].p, err);
done:
    for (int k = 0; k < NBUF; k++)
        free(local[k].p);
    return rc;
}

/* }================================================================== */

/* {==================================================================
 * Life cycle
 * =================================================================== */
static char *read_file(const char *path, qr_error *err, const qr_host_api *api)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return api->error(err, "cannot open the lexicon '%s'", path), NULL;
    buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        put(&b, chunk, n);
    int bad = ferror(f) || b.oom;
    fclose(f);
    if (bad || !b.p) {
        free(b.p);
        return api->error(err, bad ? "cannot read the lexicon '%s'" : "the lexicon '%s' is empty", path), NULL;
    }
    return b.p;
}

static void sentiment_free(void *state)
{
    sentiment *s = state;
    if (!s)
        return;
    free(s->lex.text);
    free(s->lex.slots);
    free(s);
}

static void *sentiment_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx,
                            qr_error *err)
{
    sentiment *s = calloc(1, sizeof *s);
    if (!s)
        return api->error(err, "out of memory"), NULL;
    s->api = api;
    s->window = (int)api->value_int(api->opt(opts, "negation_window"));
    s->spans = api->value_bool(api->opt(opts, "spans"));
    const char *field = api->value_string(api->opt(opts, "field"));
    if (s->window < 0 || s->window > 10) {
        api->value_mark(api->opt(opts, "negation_window"), err);
        api->error(err, "sentiment: negation_window must be between 0 and 10, got %d", s->window);
        goto fail;
    }
    if (!field || !*field || strlen(field) >= sizeof s->field) {
        api->value_mark(api->opt(opts, "field"), err);
        api->error(err, "sentiment: field must be a name of 1 to %d bytes", (int)sizeof s->field - 1);
        goto fail;
    }
    strcpy(s->field, field);
    const char *lexicon = api->value_string(api->opt(opts, "lexicon"));
    int rc;
    if (lexicon) {
        char *path = api->resolve_path(ctx, lexicon);
        char *text = path ? read_file(path, err, api) : NULL;
        rc = text ? lexicon_build(api, &s->lex, text, lexicon, err) : -1;
        free(text);
        api->free(path);
        if (rc != 0)
            api->value_mark(api->opt(opts, "lexicon"), err);
    } else {
        rc = lexicon_build(api, &s->lex, sentiment_afinn165, "AFINN-165", err);
    }
    if (rc == 0)
        return s;
fail:
    sentiment_free(s);
    return NULL;
}

static void *sentiment_thread_init(void *state, qr_error *err)
{
    (void)state;
    buf *b = calloc(NBUF, sizeof *b);
    if (!b)
        snprintf(err->message, sizeof err->message, "out of memory");
    return b;
}

static void sentiment_thread_free(void *state, void *thread_state)
{
    (void)state;
    buf *b = thread_state;
    for (int k = 0; b && k < NBUF; k++)
        free(b[k].p);
    free(b);
}

static const qr_option_def sentiment_options[] = {
    {"lexicon", QR_OPT_PATH, NULL, NULL,
     "TSV of WORD<TAB>VALENCE lines to use instead of the built-in AFINN-165", 0},
    {"negation_window", QR_OPT_INT, "3", NULL,
     "a negator up to this many words before an entry flips its sign (0: no negation)", 0},
    {"field", QR_OPT_STRING, "sentiment", NULL, "document field to write the result to", 0},
    {"spans", QR_OPT_BOOL, "false", NULL,
     "also add a SENTIMENT span (id positive/negative) per sentence with a non-zero score", 0},
    {NULL, 0, NULL, NULL, NULL, 0}
};

static const qr_step_def sentiment_def = {
    .size = sizeof(qr_step_def),
    .name = "sentiment",
    .description = "valence-lexicon sentiment (AFINN-165) of each document and sentence, with negation",
    .options = sentiment_options,
    .flags = QR_STEP_THREAD_SAFE,
    .init = sentiment_init,
    .thread_init = sentiment_thread_init,
    .process = sentiment_process,
    .thread_free = sentiment_thread_free,
    .free = sentiment_free,
};

/* }================================================================== */

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    return api->register_step(reg, &sentiment_def, err);
}
