#include "news_words.h"
#include "error.h"
#include "tokenize.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {==================================================================
 * String set: open addressing over copied strings.
 * =================================================================== */
typedef struct slot {
    char *s;
    size_t n;
    uint32_t hash;
} slot;

struct qr_wordset {
    slot *slots;
    size_t cap, count, max_tokens;
};

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

qr_wordset *qr_wordset_new(void)
{
    return calloc(1, sizeof(qr_wordset));
}

void qr_wordset_free(qr_wordset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i].s);
    free(s->slots);
    free(s);
}

size_t qr_wordset_count(const qr_wordset *s) { return s->count; }
size_t qr_wordset_max_tokens(const qr_wordset *s) { return s->max_tokens; }

static slot *find_slot(slot *slots, size_t cap, const char *str, size_t n, uint32_t h)
{
    size_t i = h & (cap - 1);
    while (slots[i].s && !(slots[i].hash == h && slots[i].n == n && memcmp(slots[i].s, str, n) == 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int grow(qr_wordset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    slot *v = calloc(cap, sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].s)
            *find_slot(v, cap, s->slots[i].s, s->slots[i].n, s->slots[i].hash) = s->slots[i];
    free(s->slots);
    s->slots = v;
    s->cap = cap;
    return 0;
}

int qr_wordset_add(qr_wordset *s, const char *str, size_t n)
{
    if ((s->count + 1) * 2 > s->cap && grow(s) != 0)
        return -1;
    uint32_t h = hash_bytes(str, n);
    slot *sl = find_slot(s->slots, s->cap, str, n, h);
    if (sl->s)
        return 0;
    if (!(sl->s = malloc(n + 1)))
        return -1;
    memcpy(sl->s, str, n);
    sl->s[n] = '\0';
    sl->n = n;
    sl->hash = h;
    s->count++;
    return 0;
}

int qr_wordset_add_opt(qr_wordset *s, const qr_host_api *api, const qr_value *v)
{
    int list = api->value_type(v) == QR_VAL_LIST;
    size_t n = list ? api->value_len(v) : 1;
    for (size_t i = 0; i < n; i++) {
        const char *str = api->value_string(list ? api->value_at(v, i) : v);
        if (str && qr_wordset_add(s, str, strlen(str)) != 0)
            return -1;
    }
    return 0;
}

int qr_wordset_has(const qr_wordset *s, const char *str, size_t n)
{
    if (!s || !s->count)
        return 0;
    return find_slot(s->slots, s->cap, str, n, hash_bytes(str, n))->s != NULL;
}

/* }================================================================== */

static int add_phrase(qr_wordset *s, qr_tokens *toks, const char *p, size_t n, qr_error *err)
{
    if (qr_tokenize(p, n, toks, err) != 0)
        return -1;
    if (toks->n == 0)
        return 0;
    char buf[1024];
    size_t len = 0;
    for (size_t i = 0; i < toks->n; i++) {
        const char *k = qr_token_key(toks, i);
        size_t kn = toks->v[i].key_len;
        if (len + kn + 1 >= sizeof buf)
            return qr_error_set(err, "phrase '%.*s' is longer than %zu bytes", (int)n, p, sizeof buf);
        if (i)
            buf[len++] = ' ';
        memcpy(buf + len, k, kn);
        len += kn;
    }
    if (toks->n > s->max_tokens)
        s->max_tokens = toks->n;
    if (qr_wordset_add(s, buf, len) != 0)
        return qr_error_set(err, "out of memory");
    /* "dr." alone tokenizes as "dr" + ".", but as one token in "Dr. Maria
     * Gonzalez": keep the joined form too */
    size_t last = toks->n - 1;
    if (toks->n >= 2 && len >= 2 && buf[len - 1] == '.' && buf[len - 2] == ' '
        && toks->v[last].start == toks->v[last - 1].end) {
        buf[len - 2] = '.';
        if (qr_wordset_add(s, buf, len - 1) != 0)
            return qr_error_set(err, "out of memory");
    }
    return 0;
}

int qr_wordset_add_phrase(qr_wordset *s, const char *phrase, qr_error *err)
{
    qr_tokens toks;
    qr_tokens_init(&toks);
    int rc = add_phrase(s, &toks, phrase, strlen(phrase), err);
    qr_tokens_free(&toks);
    return rc;
}

int qr_wordset_load(qr_wordset *s, const char *path, qr_error *err)
{
    return qr_wordset_load_label(s, path, NULL, err);
}

int qr_wordset_load_label(qr_wordset *s, const char *path, const char *label, qr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return qr_error_set(err, "cannot open word list %s: %s", path, strerror(errno));
    qr_tokens toks;
    qr_tokens_init(&toks);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        char *p = line;
        lineno++;
        if (lineno == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
            p += 3;
        size_t len = strcspn(p, "\t\r\n");
        while (len && (p[len - 1] == ' '))
            len--;
        while (len && *p == ' ')
            p++, len--;
        if (len == 0 || *p == '#')
            continue;
        if (label) {   /* second column */
            const char *tab = p + strcspn(p, "\t\r\n");
            const char *l = *tab == '\t' ? tab + 1 : NULL;
            size_t ln = l ? strcspn(l, "\t\r\n") : 0;
            if (!l || ln != strlen(label) || memcmp(l, label, ln) != 0)
                continue;
        }
        if (add_phrase(s, &toks, p, len, err) != 0) {
            qr_error_at(err, path, (int)lineno, 0, "%s", err ? err->message : "");
            rc = -1;
        }
    }
    free(line);
    qr_tokens_free(&toks);
    fclose(f);
    return rc;
}

int qr_wordset_load_opt(qr_wordset *s, const qr_host_api *api, const qr_step_ctx *ctx, const qr_value *v,
                        qr_error *err)
{
    if (!v || !api->value_string(v) || !*api->value_string(v))
        return 0;
    char *p = api->resolve_path(ctx, api->value_string(v));
    int rc = p ? qr_wordset_load(s, p, err) : qr_error_set(err, "out of memory");
    free(p);
    if (rc != 0)
        api->value_mark(v, err);
    return rc;
}

/* {==================================================================
 * Built-in English word classes (sorted by bytes, for bsearch).
 * =================================================================== */
static const char *const stop_words[] = {
    "'s", "a", "able", "about", "above", "according", "across", "after", "afterwards", "again",
    "against", "ago", "ahead", "all", "almost", "alone", "along", "alongside", "already", "also",
    "although", "always", "am", "amid", "among", "amongst", "an", "and", "another", "any",
    "anyhow", "anyone", "anything", "anyway", "anywhere", "are", "aren't", "around", "as", "at",
    "away", "back", "be", "became", "because", "become", "becomes", "becoming", "been", "before",
    "beforehand", "behind", "being", "below", "beneath", "beside", "besides", "between", "beyond",
    "both", "but", "by", "came", "can", "can't", "cannot", "certainly", "come", "comes", "could",
    "currently", "despite", "did", "didn't", "do", "does", "doesn't", "doing", "don't", "done",
    "down", "due", "during", "each", "eight", "either", "else", "elsewhere", "enough",
    "especially", "even", "ever", "every", "everyone", "everything", "everywhere", "except",
    "few", "first", "five", "for", "former", "formerly", "four", "from", "further", "gave", "get",
    "gets", "getting", "give", "given", "gives", "go", "goes", "going", "gone", "got", "had",
    "has", "have", "having", "he", "hence", "her", "here", "hereafter", "hereby", "herein", "hers",
    "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "including", "indeed",
    "inside", "instead", "into", "is", "isn't", "it", "it's", "its", "itself", "just", "keep",
    "keeps", "kept", "knew", "know", "known", "knows", "largely", "last", "later", "latter",
    "latterly", "least", "less", "let", "lets", "like", "likely", "look", "looked", "looks",
    "made", "make", "making", "many", "may", "me", "meanwhile", "might", "mine", "more",
    "moreover", "most", "mostly", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "much", "must", "my",
    "myself", "n't", "namely", "near", "nearly", "need", "needed", "needs", "neither", "never",
    "nevertheless", "new", "next", "nine", "no", "nobody", "none", "nor", "not", "nothing", "now",
    "nowhere", "of", "off", "often", "on", "once", "one", "only", "onto", "or", "other", "others",
    "otherwise", "our", "ours", "ourselves", "out", "outside", "over", "own", "particularly",
    "per", "perhaps", "please", "possibly", "probably", "put", "quite", "rather", "re", "really",
    "recently", "said", "same", "saw", "say", "says", "see", "seem", "seemed", "seems", "seen",
    "sees", "seven", "several", "she", "should", "since", "six", "so", "some", "somehow",
    "someone", "something", "sometime", "sometimes", "somewhere", "soon", "still", "such", "take",
    "taken", "takes", "taking", "tell", "tells", "ten", "than", "that", "that's", "the", "their",
    "theirs", "them", "themselves", "then", "thence", "there", "there's", "thereafter", "thereby",
    "therefore", "therein", "thereupon", "these", "they", "think", "thinks", "this", "those",
    "though", "thought", "three", "through", "throughout", "thru", "thus", "to", "today",
    "together", "told", "tomorrow", "too", "took", "toward", "towards", "tried", "tries", "try",
    "two", "under", "unless", "unlike", "until", "up", "upon", "us", "use", "used", "uses",
    "using", "versus", "very", "via", "want", "wanted", "wants", "was", "wasn't", "we", "well",
    "went", "were", "weren't", "what", "whatever", "when", "whence", "whenever", "where",
    "whereafter", "whereas", "whereby", "wherein", "whereupon", "wherever", "whether", "which",
    "while", "whither", "who", "whoever", "whole", "whom", "whose", "why", "will", "with",
    "within", "without", "won't", "would", "yesterday", "yet", "you", "your", "yours", "yourself",
    "yourselves", "’s",
};

/* Verb forms that end a key phrase (keywords): inflections (not -ing) of
 * common verbs that are rarely nouns, and the past forms of verbs that are
 * also nouns ("posted", "planned"; not "post", "plan"). */
static const char *const verb_forms[] = {
    "accept", "accepted", "accepts", "achieve", "achieved", "achieves", "add", "added", "adds",
    "admit", "admits", "admitted", "agree", "agreed", "agrees", "aimed", "allow", "allowed",
    "allows", "announce", "announced", "announces", "appear", "appeared", "appears", "approve",
    "approved", "approves", "argue", "argued", "argues", "arrive", "arrived", "arrives", "ask",
    "asked", "asks", "attend", "attended", "attends", "avoid", "avoided", "avoids", "become",
    "becomes", "began", "begin", "begins", "begun", "believe", "believed", "believes", "belong",
    "belonged", "belongs", "bought", "bring", "brings", "brought", "build", "builds", "built",
    "buy", "buys", "called", "came", "carried", "carries", "carry", "cause", "caused", "causes",
    "choose", "chooses", "chose", "chosen", "claimed", "collapsed", "come", "comes", "compete",
    "competed", "competes", "complain", "complained", "complains", "confirm", "confirmed",
    "confirms", "consider", "considered", "considers", "continue", "continued", "continues",
    "dealt", "decide", "decided", "decides", "declare", "declared", "declares", "decline",
    "declined", "declines", "deliver", "delivered", "delivers", "denied", "denies", "deny",
    "depend", "depended", "depends", "describe", "described", "describes", "destroy", "destroyed",
    "destroys", "develop", "developed", "develops", "did", "die", "died", "dies", "disappear",
    "disappeared", "disappears", "discuss", "discussed", "discusses", "does", "done", "driven",
    "dropped", "drove", "earn", "earned", "earns", "enable", "enabled", "enables", "encourage",
    "encouraged", "encourages", "ended", "ensure", "ensured", "ensures", "enter", "entered",
    "enters", "establish", "established", "establishes", "expand", "expanded", "expands", "expect",
    "expected", "expects", "explain", "explained", "explains", "exported", "faced", "fail",
    "failed", "fails", "fallen", "feared", "feel", "feels", "fell", "felt", "find", "finds",
    "finish", "finished", "finishes", "follow", "followed", "follows", "forced", "found", "gained",
    "gave", "get", "gets", "give", "given", "gives", "go", "goes", "gone", "got", "gotten", "grew",
    "grow", "grown", "grows", "happen", "happened", "happens", "hear", "heard", "hears", "held",
    "helped", "hold", "holds", "hoped", "imported", "include", "included", "includes", "increased",
    "insist", "insisted", "insists", "intend", "intended", "intends", "involve", "involved",
    "involves", "join", "joined", "joins", "jumped", "keep", "keeps", "kept", "knew", "know",
    "known", "knows", "launched", "learn", "learned", "learns", "leave", "leaves", "led", "left",
    "let", "lets", "lifted", "lived", "look", "looked", "looks", "lose", "loses", "lost", "made",
    "make", "makes", "manage", "managed", "manages", "mean", "means", "meant", "meet", "meets",
    "met", "moved", "need", "needed", "needs", "noted", "offered", "opened", "ordered", "paid",
    "planned", "pledged", "posted", "prefer", "preferred", "prefers", "prepare", "prepared",
    "prepares", "presented", "prevent", "prevented", "prevents", "promised", "propose", "proposed",
    "proposes", "protect", "protected", "protects", "prove", "proved", "proves", "provide",
    "provided", "provides", "publish", "published", "publishes", "pull", "pulled", "pulls",
    "pushed", "put", "puts", "raised", "ran", "reach", "reached", "reaches", "read", "reads",
    "receive", "received", "receives", "recognize", "recognized", "recognizes", "reduce",
    "reduced", "reduces", "refuse", "refused", "refuses", "reject", "rejected", "rejects",
    "remain", "remained", "remains", "remember", "remembered", "remembers", "remove", "removed",
    "removes", "replace", "replaced", "replaces", "reported", "represent", "represented",
    "represents", "require", "required", "requires", "respond", "responded", "responds",
    "returned", "reveal", "revealed", "reveals", "risen", "rose", "said", "sat", "saw", "say",
    "says", "see", "seek", "seeks", "seem", "seemed", "seems", "seen", "sees", "sell", "sells",
    "send", "sends", "sent", "serve", "served", "serves", "shared", "showed", "shown", "shut",
    "shuts", "signed", "sited", "soak", "soaked", "soaks", "sold", "speak", "speaks", "spend",
    "spends", "spent", "spoke", "spoken", "standed", "started", "stay", "stayed", "stays", "stood",
    "stopped", "struck", "struggled", "suggest", "suggested", "suggests", "supplied", "supported",
    "take", "taken", "takes", "talked", "tell", "tells", "tend", "tended", "tends", "think",
    "thinks", "thought", "threaten", "threatened", "threatens", "told", "took", "tracked",
    "traded", "traveled", "tried", "tries", "try", "turned", "understand", "understands",
    "understood", "urge", "urged", "urges", "used", "vowed", "waited", "want", "wanted", "wants",
    "warn", "warned", "warns", "watched", "went", "wined", "won", "worked", "worried", "write",
    "writes", "written", "wrote",
};

static const char *const speech_verbs[] = {
    "acknowledged", "added", "adds", "admitted", "announced", "announces", "argued", "argues",
    "asked", "asks", "called", "calls", "claimed", "claims", "confirmed", "confirms",
    "continued", "continues", "declared", "declares", "denied", "denies", "described",
    "describes", "explained", "explains", "insisted", "insists", "noted", "notes", "observed",
    "predicted", "recalled", "remarked", "replied", "replies", "responded", "said", "say",
    "says", "stated", "states", "stressed", "stresses", "suggested", "suggests", "tell",
    "tells", "told", "urged", "urges", "warned", "warns", "writes", "wrote",
};

static const char *const pronouns[] = {
    "he", "her", "hers", "him", "his", "i", "it", "she", "them", "they", "we", "you",
};

static const char *const org_heads[] = {
    "academy", "administration", "agency", "airforce", "airline", "airlines", "airways",
    "alliance", "army", "assembly", "associates", "association", "authority", "bank", "board",
    "brands", "brigade", "bureau", "cabinet", "capital", "center", "centre", "chamber",
    "chemicals", "church", "clinic", "club", "coalition", "college", "commission", "committee",
    "communications", "company", "conference", "congress", "consortium", "consultancy", "copper",
    "corp", "corp.", "corporation", "council", "court", "department", "directorate", "division",
    "dynamics", "electric", "electronics", "endowment", "enterprises", "entertainment", "exchange",
    "federation", "firm", "foods", "forces", "foundation", "front", "fund", "gallery", "gas",
    "government", "group", "guard", "holdings", "hospital", "inc", "inc.", "industries",
    "institute", "institution", "insurance", "jail", "jury", "laboratories", "labs", "league",
    "library", "lines", "logistics", "ltd", "ltd.", "markets", "media", "metals",
    "ministry", "motors", "movement", "museum", "navy", "network", "news", "observatory", "office",
    "oil", "orchestra", "organisation", "organization", "parliament", "partners", "party",
    "petroleum", "pharmaceuticals", "pictures", "police", "press", "prison", "products", "program",
    "programme", "railroad", "railway", "railways", "records", "regiment", "resources", "school",
    "securities", "senate", "service", "services", "shipping", "society", "steel", "stores",
    "studio", "studios", "systems", "team", "technologies", "technology", "telecom", "theater",
    "theatre", "times", "tribunal", "trust", "union", "unions", "united", "university", "ventures",
};

static const char *const org_starts[] = {
    "academy", "agency", "alliance", "association", "authority", "bank", "board", "bureau",
    "center", "centre", "chamber", "church", "coalition", "college", "commission", "committee",
    "confederation", "conference", "congress", "council", "court", "department", "embassy",
    "federation", "foundation", "fund", "institute", "league", "ministry", "museum", "office",
    "organisation", "organization", "party", "port", "school", "society", "union", "university",
};

static const char *const calendar_words[] = {
    "apr", "april", "aug", "august", "dec", "december", "feb", "february", "fri", "friday",
    "jan", "january", "jul", "july", "jun", "june", "mar", "march", "may", "mon", "monday",
    "nov", "november", "oct", "october", "sat", "saturday", "sep", "sept", "september", "sun",
    "sunday", "thu", "thursday", "tue", "tuesday", "wed", "wednesday",
};

static const char *const place_heads_gpe[] = {
    "borough", "city", "county", "district", "municipality", "parish", "prefecture", "province",
    "republic", "state", "township", "village",
};

static const char *const place_heads_loc[] = {
    "airport", "av", "av.", "ave", "ave.", "avenue", "basin", "bay", "beach", "blvd", "blvd.",
    "boulevard", "bridge", "canal", "canyon", "cape", "coast", "creek", "desert", "forest", "gulf",
    "harbor", "harbour", "highway", "hills", "island", "islands", "lake", "mountain", "mountains",
    "ocean", "park", "peninsula", "plain", "plateau", "region", "reservoir", "river", "road",
    "sea", "square", "station", "strait", "street", "valley",
};

typedef struct key_ref { const char *s; size_t n; } key_ref;

static int cmp_key(const void *a, const void *b)
{
    const key_ref *k = a;
    const char *w = *(const char *const *)b;
    size_t wn = strlen(w);
    int c = memcmp(k->s, w, k->n < wn ? k->n : wn);
    if (c)
        return c;
    return k->n < wn ? -1 : k->n > wn;
}

#define IN_ARRAY(arr, key, n) \
    (bsearch(&(key_ref){(key), (n)}, (arr), sizeof(arr) / sizeof(arr)[0], sizeof(arr)[0], cmp_key) != NULL)

int qr_news_is_stopword(const char *key, size_t n) { return IN_ARRAY(stop_words, key, n); }
int qr_news_is_speech_verb(const char *key, size_t n) { return IN_ARRAY(speech_verbs, key, n); }
int qr_news_is_verb_form(const char *key, size_t n) { return IN_ARRAY(verb_forms, key, n); }
int qr_news_is_pronoun(const char *key, size_t n) { return IN_ARRAY(pronouns, key, n); }
int qr_news_is_org_head(const char *key, size_t n) { return IN_ARRAY(org_heads, key, n); }
int qr_news_is_org_start(const char *key, size_t n) { return IN_ARRAY(org_starts, key, n); }
int qr_news_is_calendar_word(const char *key, size_t n) { return IN_ARRAY(calendar_words, key, n); }

int qr_news_place_head(const char *key, size_t n)
{
    return IN_ARRAY(place_heads_gpe, key, n) ? 1 : IN_ARRAY(place_heads_loc, key, n) ? 2 : 0;
}

/* }================================================================== */
