#include "gazetteer.h"
#include "error.h"
#include "outfile.h"
#include "version.h"

#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

/*
 * A gazetteer has one trie per comparison variant (what a token is
 * compared by); nodes 0..NVARIANTS-1 are the roots. Edges are labelled by
 * symbol ids: every distinct comparison string (token key, NFC text, their
 * accent-folded forms) is interned once, so matching hashes each text token
 * once per variant in use and then walks integer edges (see edge_label for
 * the whitespace bit). Leftmost-longest needs no failure links: the walk
 * restarts at each token that starts no match, and token tries are shallow.
 *
 * While building, a root's edges live in an array indexed by symbol (it
 * becomes the block's roots array), the others in a hash map (parent,
 * symbol) -> child, and entries hang off their end node in linked lists. compile() lays the
 * automaton out as one flat block (header + arrays, offsets only), which is
 * also the cache file format; load_cache() reads the block back and
 * validates every index before use.
 */

enum { V_KEY = 0, V_KEY_NOACC, V_RAW, V_RAW_NOACC, NVARIANTS };

#define NONE UINT32_MAX

/* Symbol values as matching sees them (the `sy` arrays and the memo): the
 * symbol id in the low 30 bits, SYM_ROOT when some phrase starts with it,
 * SYM_FOLLOW when it labels an edge below a root (it can continue a
 * phrase). A token with no symbol is SY_NONE, which has neither flag, so
 * the scan tests one bit and touches no table for most tokens. */
#define SYM_ROOT (1u << 31)
#define SYM_FOLLOW (1u << 30)
#define SYM_MASK (SYM_FOLLOW - 1)
#define SY_NONE SYM_MASK
#define MAX_SYMS (SYM_MASK - 1)
#define GAZ_FORMAT_VERSION 4u
#define HASH_SEED 0x51ed270b27a3b4c5ULL

/* {==================================================================
 * Hashing
 * =================================================================== */
static uint64_t fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static inline uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ ((uint64_t)n * 0x9e3779b97f4a7c15ULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        w = (uint64_t)a << 32 | b;
    } else if (n) {
        w = (uint64_t)s[0] << 16 | (uint64_t)s[n >> 1] << 8 | s[n - 1];
    }
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    return fmix64(h);
}

/* a[0..n) == b[0..n); short keys (most words) without a call. */
static inline int same_bytes(const char *a, const char *b, size_t n)
{
    if (n > 8)
        return memcmp(a, b, n) == 0;
    if (n >= 4) {
        uint32_t x0, y0, x1, y1;
        memcpy(&x0, a, 4);
        memcpy(&y0, b, 4);
        memcpy(&x1, a + n - 4, 4);
        memcpy(&y1, b + n - 4, 4);
        return x0 == y0 && x1 == y1;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* The symbol filter has about 8 bits per symbol (power of two, >= 64):
 * most text tokens that are in no entry are rejected by one bit that
 * sits in cache, without a probe into the larger slot table. */
static uint32_t bloom_words_for(uint32_t n_syms)
{
    uint64_t bits = 64;
    while (bits < (uint64_t)n_syms * 8)
        bits *= 2;
    return (uint32_t)(bits / 64);
}

static inline uint64_t bloom_bit(uint64_t h, uint32_t words)
{
    return (h >> 24) & ((uint64_t)words * 64 - 1);
}

/* What a symbol slot stores to reject most keys without touching the
 * strings: high hash bits and the length (255 = 255 or more). */
static inline uint32_t slot_tag(uint64_t h, size_t n)
{
    return ((uint32_t)(h >> 32) & ~0xFFu) | (uint32_t)(n < 255 ? n : 255);
}

/* The word filter (derived, see derive): a bitmap with one bit set per
 * symbol, at word_hash of its first 8 bytes (read as a little-endian word,
 * zero-padded) and its length. About 16 bits per symbol, at most 256 KB,
 * so it stays in cache: the scan over a document's tokens tests one bit
 * per token and sends on only the few tokens that may be symbols
 * (key_symbols). Another multiplier than the memo's, so a filter false
 * positive does not also land in the memo slot of the symbol it collides
 * with. */
#define WF_MIN_BITS 9
#define WF_MAX_BITS 21
static inline uint64_t word_hash(uint64_t w0, uint32_t len)
{
    return (w0 + (uint64_t)len * 0xa0761d6478bd642fULL) * 0xd6e8feb86659fd93ULL;
}

static uint64_t hash_mix(uint64_t h, uint64_t v)
{
    return fmix64(h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

static uint64_t hash_str_into(uint64_t h, const char *s, size_t n)
{
    return hash_mix(h, s ? hash_bytes(s, n, HASH_SEED) : 0x5a5a);
}

/* }================================================================== */

/* {==================================================================
 * Unicode helpers (utf8proc), with a reusable code point buffer
 * =================================================================== */
typedef struct ubuf {
    utf8proc_int32_t *v;
    size_t cap;
} ubuf;

static int is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

/* s[0..n) transformed by opt into u's buffer; returns the bytes, or s itself
 * when s is not valid UTF-8 (it then compares as raw bytes). NULL on OOM. */
static const char *unorm(ubuf *u, const char *s, size_t n, utf8proc_option_t opt, size_t *len)
{
    for (;;) {
        utf8proc_ssize_t r = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
                                                u->v, (utf8proc_ssize_t)u->cap, opt);
        if (r < 0) {
            *len = n;
            return s;
        }
        if ((size_t)r + 1 <= u->cap) {
            r = utf8proc_reencode(u->v, r, opt);
            if (r < 0) {
                *len = n;
                return s;
            }
            *len = (size_t)r;
            return (const char *)u->v;
        }
        size_t cap = u->cap ? u->cap : 64;
        while (cap < (size_t)r + 1)
            cap *= 2;
        utf8proc_int32_t *v = realloc(u->v, cap * sizeof *v);
        if (!v)
            return NULL;
        u->v = v;
        u->cap = cap;
    }
}

/* The comparison string of token i under variant v. */
static const char *tok_variant(int v, const char *text, const qr_tokens *tk, size_t i,
                               ubuf *u, size_t *len)
{
    const qr_token *t = &tk->v[i];
    const char *s;
    size_t n;
    if (v == V_KEY || v == V_KEY_NOACC) {
        s = tk->keys + t->key;
        n = t->key_len;
    } else {
        s = text + t->start;
        n = t->end - t->start;
    }
    if (v == V_KEY || is_ascii(s, n)) {
        *len = n;
        return s;
    }
    utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    if (v != V_RAW)
        opt |= UTF8PROC_STRIPMARK;
    return unorm(u, s, n, opt, len);
}

/* Letters present and none of them lower-case. */
static int all_capitals(const char *s, size_t n)
{
    utf8proc_ssize_t i = 0;
    int upper = 0;
    while ((size_t)i < n) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)n - i, &c);
        if (k <= 0)
            return 0;
        utf8proc_category_t cat = utf8proc_category(c);
        if (cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT)
            return 0;
        if (cat == UTF8PROC_CATEGORY_LU)
            upper = 1;
        i += k;
    }
    return upper;
}

/* Length of the valid UTF-8 prefix of s[0..n). ASCII is skipped 8 bytes
 * at a time (lists are mostly ASCII); other bytes go through utf8proc. */
static size_t utf8_valid_prefix(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint64_t w;
        while (i + 8 <= n && (memcpy(&w, s + i, 8), !(w & 0x8080808080808080ULL)))
            i += 8;
        if (i >= n)
            break;
        unsigned char c0 = (unsigned char)s[i];
        if (c0 < 0x80) {
            i++;
            continue;
        }
        /* Two-byte sequences (C2-DF, one continuation byte) and three-byte
         * ones led by E1-EC or EE-EF (two continuation bytes) are valid
         * whatever the continuation bytes; the other leads (overlongs,
         * surrogates, four bytes) go to utf8proc. */
        if (c0 >= 0xC2 && c0 <= 0xDF && i + 1 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80) {
            i += 2;
            continue;
        }
        if (c0 >= 0xE1 && c0 <= 0xEF && c0 != 0xED && i + 2 < n &&
            ((unsigned char)s[i + 1] & 0xC0) == 0x80 && ((unsigned char)s[i + 2] & 0xC0) == 0x80) {
            i += 3;
            continue;
        }
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(n - i), &c);
        if (k <= 0)
            return i;
        i += (size_t)k;
    }
    return n;
}

/* }================================================================== */

/* {==================================================================
 * Flat block layout (the compiled form and the cache file)
 * =================================================================== */
typedef struct gaz_header {
    char magic[8];
    uint32_t version, endian;
    uint64_t key;          /* sources hash                       */
    uint64_t checksum;     /* of the bytes after the header; 0 in a block
                              compiled here until saved (see qr_gazetteer_save) */
    uint64_t size;         /* total bytes, header included        */
    uint32_t strs_len, n_syms, sym_cap, n_nodes, n_edges;
    uint32_t n_entries, n_node_entries, n_lists, variants;
    uint32_t bloom_words;  /* 64-bit words of the symbol filter     */
} gaz_header;

typedef struct gaz_slot {
    uint32_t hash;         /* high bits of the key's hash         */
    uint32_t sym;          /* symbol + 1; 0 = empty               */
} gaz_slot;

/* Entries are stored in node order (node_ent gives each node's range), so
 * a match reads its entries where the node points, in one place. */
typedef struct gaz_entry {
    uint32_t label, id, attrs;   /* offsets in strs; attrs NONE if absent */
    uint32_t list;
    uint32_t index;              /* entry index, in order of addition      */
} gaz_entry;

typedef struct gaz_layout {
    size_t strs, sym_off, sym_len, slots, bloom, node_edge, edge_sym, edge_child;
    size_t node_ent, entries, lists, roots[NVARIANTS], size;
} gaz_layout;

static const char GAZ_MAGIC[8] = {'Q', 'R', 'G', 'A', 'Z', 'T', 'R', '\n'};

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

static void layout_of(const gaz_header *h, gaz_layout *l)
{
    size_t o = align8(sizeof *h);
#define SECTION(field, bytes) (l->field = o, o = align8(o + (bytes)))
    SECTION(strs, (size_t)h->strs_len);
    SECTION(sym_off, (size_t)h->n_syms * 4);
    SECTION(sym_len, (size_t)h->n_syms * 4);
    SECTION(slots, (size_t)h->sym_cap * sizeof(gaz_slot));
    SECTION(bloom, (size_t)h->bloom_words * 8);
    SECTION(node_edge, ((size_t)h->n_nodes + 1) * 4);
    SECTION(edge_sym, (size_t)h->n_edges * 4);
    SECTION(edge_child, (size_t)h->n_edges * 4);
    SECTION(node_ent, ((size_t)h->n_nodes + 1) * 4);
    SECTION(entries, (size_t)h->n_entries * sizeof(gaz_entry));
    SECTION(lists, (size_t)h->n_lists * 4);
    for (int v = 0; v < NVARIANTS; v++) {
        if (h->variants & (1u << v))
            SECTION(roots[v], (size_t)h->n_syms * 4);
        else
            l->roots[v] = 0;
    }
#undef SECTION
    l->size = o;
}

/* }================================================================== */

/* A zeroed block of n bytes. A large one is mapped on a 2 MB boundary and
 * advised for transparent huge pages: the block is written once and then
 * read at random by every match, so one fault per 2 MB instead of one per
 * 4 KB page (1.8 us each here), and fewer TLB misses when matching.
 * Without huge pages it is an ordinary mapping. */
#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_MIN ((size_t)1 << 20)
static size_t block_map_size(size_t n) { return (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1); }

static unsigned char *block_alloc(size_t n)
{
    if (n < HUGE_MIN)
        return calloc(1, n);
    size_t len = block_map_size(n);
    unsigned char *p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    size_t lead = (HUGE_PAGE - ((uintptr_t)p & (HUGE_PAGE - 1))) & (HUGE_PAGE - 1);
    if (lead)
        munmap(p, lead);
    munmap(p + lead + len, HUGE_PAGE - lead);
#ifdef MADV_HUGEPAGE
    madvise(p + lead, n & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);   /* the tail stays in small pages */
#endif
    return p + lead;
}

static void block_free(unsigned char *b, size_t mapped)
{
    if (b && mapped)
        munmap(b, block_map_size(mapped));
    else
        free(b);
}

typedef struct bentry {
    uint32_t label, id, attrs, list;
    uint32_t next;         /* next entry on the same node, NONE ends */
} bentry;

typedef struct blist {
    uint32_t label;        /* arena offset, NONE if no default label */
    uint8_t case_mode, fold;
} blist;

typedef struct sym_table {
    gaz_slot *slots;
    size_t cap, n;
    uint32_t *off, *len;   /* into bytes */
    uint64_t *hash;        /* hash_bytes of each: growing and the bloom filter need no rehash */
    size_t cap_syms;
    char *bytes;
    size_t bytes_len, bytes_cap;
} sym_table;

struct qr_gazetteer {
    int compiled;
    int sealed;            /* compile started: no more additions */
    uint64_t hash;

    /* build state, freed by compile */
    char *arena;
    size_t arena_len, arena_cap;
    bentry *ents;
    size_t n_ents, cap_ents;
    blist *lists;
    size_t n_lists, cap_lists;
    uint32_t *labels;      /* open-addressing set of arena offsets (+1) */
    size_t labels_cap, n_labels;
    uint32_t last_label;   /* arena offset of the last label interned */
    size_t last_label_len; /* its length + 1; 0 = none yet            */
    int label_nul;         /* a label had a NUL byte: no shortcut     */
    sym_table st;
    uint32_t *node_first;  /* first entry ending at each node, NONE if none;
                              a node's edges are in the edge map or root_child */
    size_t n_nodes, cap_nodes;
    uint64_t *emap_key;    /* (parent << 32 | sym), UINT64_MAX = empty */
    uint32_t *emap_val;
    size_t emap_cap, emap_n;
    uint32_t *root_child[NVARIANTS];   /* per root: symbol -> child, 0 = none */
    size_t root_cap[NVARIANTS];
    qr_tokens tk;
    uint32_t *phrase_syms; /* the symbols of a phrase's tokens */
    size_t phrase_syms_cap;
    ubuf ub;

    /* compiled block and views into it */
    unsigned char *block;
    size_t block_mapped;   /* bytes mapped by block_alloc, 0 if malloc'd */
    const gaz_header *h;
    const char *strs;
    const uint32_t *sym_off, *sym_len;
    const gaz_slot *slots;
    const uint64_t *bloom;
    const uint32_t *node_edge, *edge_sym, *edge_child, *node_ent;
    const gaz_entry *entries;
    const uint32_t *list_info;
    const uint32_t *roots[NVARIANTS];
    uint8_t *sym_flags;    /* per symbol: SYM_ROOT, SYM_FOLLOW (derived) */
    uint64_t *edge_filter; /* bits of (node, label) pairs below the roots */
    uint32_t edge_filter_shift;
    uint64_t *word_filter; /* bits of the symbols' word_hash (derived)    */
    uint32_t word_filter_shift;
};

/* Per-thread memo of recent keys -> symbol value (SY_NONE included):
 * frequent words skip the hash, the bloom filter and the slot table of
 * sym_lookup, which miss the cache.
 * A key of up to 8 bytes is one word, up to 16 two (memo2), so a hit is an
 * exact comparison; longer keys always take the table. Only the tokens the
 * word filter lets through come here (a third of English text with 23k
 * place names: the words of the entries, "of", "the", "new"…), so
 * direct-mapped 16K + 4K slots (384 KB) hold them. Valid for one
 * compiled block: the memo is cleared when the scratch meets another (by
 * key and checksum). */
#define MEMO_BITS 14
#define MEMO2_BITS 12
typedef struct memo_slot {
    uint64_t word;
    uint32_t len;          /* UINT32_MAX = empty */
    uint32_t sym;
} memo_slot;

typedef struct memo2_slot {
    uint64_t w0, w1;
    uint32_t len, sym;
} memo2_slot;
#define MEMO_BYTES ((sizeof(memo_slot) << MEMO_BITS) + (sizeof(memo2_slot) << MEMO2_BITS))

struct qr_gazetteer_scratch {
    uint32_t *syms;
    size_t syms_cap;
    uint32_t *cand;        /* tokens that may have a symbol (key_candidates) */
    uint32_t *csym;        /* their symbol values                        */
    uint32_t *starts;      /* indexes into cand of those that start phrases */
    size_t cand_cap, csym_cap, starts_cap;
    ubuf ub;
    qr_tokens tk;
    memo_slot *memo;
    uint64_t memo_key, memo_sum;
};

int qr_gaz_case_parse(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "insensitive") == 0)
        return QR_CASE_INSENSITIVE;
    if (strcmp(s, "sensitive") == 0)
        return QR_CASE_SENSITIVE;
    if (strcmp(s, "smart") == 0)
        return QR_CASE_SMART;
    return -1;
}

const char *qr_gaz_case_name(qr_gaz_case c)
{
    switch (c) {
    case QR_CASE_INSENSITIVE: return "insensitive";
    case QR_CASE_SENSITIVE: return "sensitive";
    case QR_CASE_SMART: return "smart";
    }
    return "?";
}

void qr_gaz_matches_init(qr_gaz_matches *m)
{
    m->v = NULL;
    m->n = m->cap = 0;
}

void qr_gaz_matches_free(qr_gaz_matches *m)
{
    free(m->v);
    qr_gaz_matches_init(m);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

#define GROW(arr, cap, need) grow((void **)&(arr), &(cap), (need), sizeof *(arr))

static int oom(qr_error *err)
{
    return qr_error_set(err, "out of memory building the gazetteer");
}

/* {==================================================================
 * Building
 * =================================================================== */
static uint64_t initial_hash(void)
{
    uint64_t h = hash_str_into(HASH_SEED, "quarry-gazetteer", 16);
    h = hash_mix(h, GAZ_FORMAT_VERSION);
    return hash_str_into(h, QR_VERSION, strlen(QR_VERSION));
}

qr_gazetteer *qr_gazetteer_new(void)
{
    qr_gazetteer *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->hash = initial_hash();
    qr_tokens_init(&g->tk);
    g->n_nodes = 0;
    if (GROW(g->node_first, g->cap_nodes, NVARIANTS) != 0) {
        free(g);
        return NULL;
    }
    for (int v = 0; v < NVARIANTS; v++)
        g->node_first[v] = NONE;
    g->n_nodes = NVARIANTS;
    return g;
}

static void free_build_state(qr_gazetteer *g)
{
    free(g->arena);
    g->arena = NULL;
    free(g->ents);
    g->ents = NULL;
    free(g->lists);
    g->lists = NULL;
    free(g->labels);
    g->labels = NULL;
    free(g->st.slots);
    free(g->st.off);
    free(g->st.len);
    free(g->st.hash);
    free(g->st.bytes);
    memset(&g->st, 0, sizeof g->st);
    free(g->node_first);
    g->node_first = NULL;
    free(g->emap_key);
    free(g->emap_val);
    g->emap_key = NULL;
    g->emap_val = NULL;
    for (int v = 0; v < NVARIANTS; v++) {
        free(g->root_child[v]);
        g->root_child[v] = NULL;
        g->root_cap[v] = 0;
    }
    qr_tokens_free(&g->tk);
    free(g->phrase_syms);
    g->phrase_syms = NULL;
    g->phrase_syms_cap = 0;
    free(g->ub.v);
    g->ub.v = NULL;
    g->ub.cap = 0;
}

void qr_gazetteer_free(qr_gazetteer *g)
{
    if (!g)
        return;
    free_build_state(g);
    block_free(g->block, g->block_mapped);
    free(g->sym_flags);
    free(g->edge_filter);
    free(g->word_filter);
    free(g);
}

/* Appends s[0..n) + NUL to the arena; returns its offset or NONE on OOM. */
static uint32_t arena_add(qr_gazetteer *g, const char *s, size_t n)
{
    if (g->arena_len + n + 1 >= (size_t)UINT32_MAX)
        return NONE;
    if (GROW(g->arena, g->arena_cap, g->arena_len + n + 1) != 0)
        return NONE;
    uint32_t off = (uint32_t)g->arena_len;
    if (n)
        memcpy(g->arena + off, s, n);
    g->arena[off + n] = '\0';
    g->arena_len += n + 1;
    return off;
}

/* The arena offset of label s[0..n), added if new; NONE on OOM. */
static uint32_t label_lookup(qr_gazetteer *g, const char *s, size_t n)
{
    if (g->n_labels * 2 >= g->labels_cap) {
        size_t cap = g->labels_cap ? g->labels_cap * 2 : 64;
        uint32_t *t = calloc(cap, sizeof *t);
        if (!t)
            return NONE;
        for (size_t i = 0; i < g->labels_cap; i++) {
            uint32_t o = g->labels[i];
            if (!o)
                continue;
            const char *ls = g->arena + o - 1;
            size_t k = hash_bytes(ls, strlen(ls), HASH_SEED) & (cap - 1);
            while (t[k])
                k = (k + 1) & (cap - 1);
            t[k] = o;
        }
        free(g->labels);
        g->labels = t;
        g->labels_cap = cap;
    }
    size_t k = hash_bytes(s, n, HASH_SEED) & (g->labels_cap - 1);
    while (g->labels[k]) {
        const char *ls = g->arena + g->labels[k] - 1;
        if (strlen(ls) == n && memcmp(ls, s, n) == 0)
            return g->labels[k] - 1;
        k = (k + 1) & (g->labels_cap - 1);
    }
    uint32_t off = arena_add(g, s, n);
    if (off == NONE)
        return NONE;
    g->labels[k] = off + 1;
    g->n_labels++;
    return off;
}

/* Interns a label (few distinct ones, many uses). */
static uint32_t label_intern(qr_gazetteer *g, const char *s, size_t n)
{
    /* Lists give runs of lines with one label: compare with the last one
     * first. Labels are distinct strings, so that is the one the table
     * would find; a label with a NUL byte (compared up to the NUL) turns
     * the shortcut off. */
    if (g->last_label_len == n + 1 && same_bytes(g->arena + g->last_label, s, n))
        return g->last_label;
    uint32_t off = label_lookup(g, s, n);
    if (off != NONE && !g->label_nul) {
        size_t len = strlen(g->arena + off);
        g->label_nul = len != n;
        g->last_label = off;
        g->last_label_len = g->label_nul ? 0 : n + 1;
    }
    return off;
}

static int sym_grow(sym_table *st)
{
    size_t cap = st->cap ? st->cap * 2 : 1024;
    gaz_slot *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    /* Reinserted in slot order (the block's layout depends on it). Half
     * the slots are empty, at random: the used ones of each run of 256
     * are first gathered without a branch (written always, counted when
     * used), so the insert loop does not mispredict on empty slots. */
    gaz_slot run[256];
    for (size_t i = 0; i < st->cap; i += 256) {
        size_t m = 0, end = i + 256 < st->cap ? i + 256 : st->cap;
        for (size_t j = i; j < end; j++) {
            run[m] = st->slots[j];
            m += st->slots[j].sym != 0;
        }
        for (size_t r = 0; r < m; r++) {
            size_t k = st->hash[run[r].sym - 1] & (cap - 1);
            while (t[k].sym)
                k = (k + 1) & (cap - 1);
            t[k] = run[r];
        }
    }
    free(st->slots);
    st->slots = t;
    st->cap = cap;
    return 0;
}

/* Room for cap symbols in the per-symbol arrays (not the slot table,
 * whose growth steps decide the layout of the block); -1 on OOM. */
static int sym_reserve(sym_table *st, size_t cap)
{
    if (cap <= st->cap_syms)
        return 0;
    uint32_t *a = realloc(st->off, cap * sizeof *a);
    if (!a)
        return -1;
    st->off = a;
    if (!(a = realloc(st->len, cap * sizeof *a)))
        return -1;
    st->len = a;
    uint64_t *hs = realloc(st->hash, cap * sizeof *hs);
    if (!hs)
        return -1;
    st->hash = hs;
    st->cap_syms = cap;
    return 0;
}

/* Symbol id of s[0..n), created if new; NONE on OOM. */
static uint32_t sym_intern(sym_table *st, const char *s, size_t n)
{
    if ((st->n + 1) * 2 > st->cap && sym_grow(st) != 0)
        return NONE;
    uint64_t h = hash_bytes(s, n, HASH_SEED);
    uint32_t h32 = slot_tag(h, n);
    size_t k = h & (st->cap - 1);
    while (st->slots[k].sym) {
        uint32_t y = st->slots[k].sym - 1;
        /* the tag holds the length below 255: no read of len[] (a miss) */
        if (st->slots[k].hash == h32 && (n < 255 || st->len[y] == n) &&
            same_bytes(st->bytes + st->off[y], s, n))
            return y;
        k = (k + 1) & (st->cap - 1);
    }
    if (st->n >= MAX_SYMS || st->bytes_len + n + 1 >= UINT32_MAX)
        return NONE;
    if (st->n == st->cap_syms && sym_reserve(st, st->cap_syms ? st->cap_syms * 2 : 1024) != 0)
        return NONE;
    if (GROW(st->bytes, st->bytes_cap, st->bytes_len + n + 1) != 0)
        return NONE;
    memcpy(st->bytes + st->bytes_len, s, n);
    st->bytes[st->bytes_len + n] = '\0';
    uint32_t y = (uint32_t)st->n++;
    st->off[y] = (uint32_t)st->bytes_len;
    st->len[y] = (uint32_t)n;
    st->hash[y] = h;
    st->bytes_len += n + 1;
    st->slots[k].hash = h32;
    st->slots[k].sym = y + 1;
    return y;
}

static int emap_grow(qr_gazetteer *g)
{
    size_t cap = g->emap_cap ? g->emap_cap * 2 : 4096;
    uint64_t *keys = malloc(cap * sizeof *keys);
    uint32_t *vals = malloc(cap * sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -1;
    }
    memset(keys, 0xff, cap * sizeof *keys);
    for (size_t i = 0; i < g->emap_cap; i++) {
        uint64_t key = g->emap_key[i];
        if (key == UINT64_MAX)
            continue;
        size_t k = fmix64(key) & (cap - 1);
        while (keys[k] != UINT64_MAX)
            k = (k + 1) & (cap - 1);
        keys[k] = key;
        vals[k] = g->emap_val[i];
    }
    free(g->emap_key);
    free(g->emap_val);
    g->emap_key = keys;
    g->emap_val = vals;
    g->emap_cap = cap;
    return 0;
}

/* Room for cap nodes; -1 on OOM. */
static int reserve_nodes(qr_gazetteer *g, size_t cap)
{
    if (cap <= g->cap_nodes)
        return 0;
    uint32_t *a = realloc(g->node_first, cap * sizeof *a);
    if (!a)
        return -1;
    g->node_first = a;
    g->cap_nodes = cap;
    return 0;
}

/* A new node (its edge from the parent is recorded by the caller); NONE on OOM. */
static uint32_t new_node(qr_gazetteer *g)
{
    if (g->n_nodes >= UINT32_MAX - 1)
        return NONE;
    if (g->n_nodes + 1 > g->cap_nodes && reserve_nodes(g, g->cap_nodes * 2) != 0)
        return NONE;
    uint32_t c = (uint32_t)g->n_nodes++;
    g->node_first[c] = NONE;
    return c;
}

/* Child of `node` (not a root) along edge label `sym`, created if missing;
 * NONE on OOM. */
static uint32_t child_or_new(qr_gazetteer *g, uint32_t node, uint32_t sym)
{
    if ((g->emap_n + 1) * 4 > g->emap_cap * 3 && emap_grow(g) != 0)
        return NONE;
    uint64_t key = (uint64_t)node << 32 | sym;
    size_t k = fmix64(key) & (g->emap_cap - 1);
    while (g->emap_key[k] != UINT64_MAX) {
        if (g->emap_key[k] == key)
            return g->emap_val[k];
        k = (k + 1) & (g->emap_cap - 1);
    }
    uint32_t c = new_node(g);
    if (c == NONE)
        return NONE;
    g->emap_key[k] = key;
    g->emap_val[k] = c;
    g->emap_n++;
    return c;
}

/* Child of root v along the symbol of a phrase's first token, created if
 * missing; NONE on OOM. A root has a child for most symbols, so it is an
 * array indexed by symbol (the roots array of the block, as it will be)
 * rather than entries of the edge map; its children come out in symbol
 * order without a sort. A first token is never glued: its label is sym * 2. */
static uint32_t root_child_or_new(qr_gazetteer *g, int v, uint32_t sym)
{
    if (sym >= g->root_cap[v]) {
        size_t old = g->root_cap[v];
        if (GROW(g->root_child[v], g->root_cap[v], (size_t)sym + 1) != 0)
            return NONE;
        memset(g->root_child[v] + old, 0, (g->root_cap[v] - old) * sizeof *g->root_child[v]);
    }
    uint32_t c = g->root_child[v][sym];
    if (c)
        return c;
    c = new_node(g);
    if (c != NONE)
        g->root_child[v][sym] = c;
    return c;
}

/* Edges are labelled symbol * 2 + glued, glued when the token follows the
 * previous one without whitespace: "c++" does not match "c + +", nor ".net"
 * the ". Net" of "growth. Net income". The first token of a phrase has no
 * previous one (glued = 0). */
static inline uint32_t edge_label(uint32_t sym, const qr_tokens *tk, size_t i)
{
    return sym * 2 + (i > 0 && !(tk->v[i].flags & QR_TF_SPACE_BEFORE));
}

static int list_variant(const blist *l, const char *phrase, size_t n)
{
    int v;
    if (l->case_mode == QR_CASE_SENSITIVE)
        v = V_RAW;
    else if (l->case_mode == QR_CASE_SMART && all_capitals(phrase, n))
        v = V_RAW;
    else
        v = V_KEY;
    return l->fold ? v + 1 : v;
}

static inline int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static inline void trim(const char **s, size_t *n)
{
    while (*n && is_blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_blank((*s)[*n - 1]))
        (*n)--;
}

/* Where an entry came from, for error messages. */
typedef struct origin {
    const char *file;
    int line;
    int utf8_checked;      /* the strings are cut at ASCII bytes from a valid line */
} origin;

static int entry_error(qr_error *err, const origin *o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int entry_error(qr_error *err, const origin *o, const char *fmt, ...)
{
    char msg[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (o && o->file)
        return qr_error_at(err, o->file, o->line, 0, "%s", msg);
    return qr_error_set(err, "%s", msg);
}

/* attrs: JSON object text (or NULL); rewritten compact with sorted keys. */
static int add_entry(qr_gazetteer *g, uint32_t list, const char *phrase, size_t plen,
                     const char *label, size_t llen, const char *id, size_t idlen,
                     const char *attrs, size_t alen, const origin *o, qr_error *err)
{
    const blist *l = &g->lists[list];
    trim(&phrase, &plen);
    if (plen == 0)
        return entry_error(err, o, "empty phrase; write the phrase, or remove the entry");
    int checked = o && o->utf8_checked;
    if (!checked && utf8_valid_prefix(phrase, plen) != plen)
        return entry_error(err, o, "invalid UTF-8 in the phrase; re-encode the list as UTF-8");
    uint32_t lab;
    if (label && llen) {
        if (!checked && utf8_valid_prefix(label, llen) != llen)
            return entry_error(err, o, "invalid UTF-8 in the label");
        lab = label_intern(g, label, llen);
    } else if (l->label != NONE) {
        lab = l->label;
    } else {
        return entry_error(err, o, "no label for \"%.*s\": give the entry one (a TSV line's second column, a "
                           "JSONL entry's \"label\") or the list a default label",
                           (int)(plen > 200 ? 200 : plen), phrase);
    }
    if (lab == NONE)
        return oom(err);
    if (!id || idlen == 0) {
        id = phrase;
        idlen = plen;
    } else if (!checked && utf8_valid_prefix(id, idlen) != idlen) {
        return entry_error(err, o, "invalid UTF-8 in the id");
    }

    if (qr_tokenize(phrase, plen, &g->tk, err) != 0)
        return -1;
    if (g->tk.n == 0)
        return entry_error(err, o, "phrase \"%.*s\" has no tokens", (int)(plen > 200 ? 200 : plen), phrase);
    int v = list_variant(l, phrase, plen);
    /* The phrase's symbols first, then the walk: the symbol table probes
     * (cache misses in a large table) do not depend on each other and
     * overlap, while each step of the walk waits on the one before. */
    if (GROW(g->phrase_syms, g->phrase_syms_cap, g->tk.n) != 0)
        return oom(err);
    for (size_t i = 0; i < g->tk.n; i++) {
        size_t n;
        const char *s;
        if (v == V_KEY) {      /* the usual variant: the key as the tokenizer made it */
            s = g->tk.keys + g->tk.v[i].key;
            n = g->tk.v[i].key_len;
        } else {
            s = tok_variant(v, phrase, &g->tk, i, &g->ub, &n);
        }
        if ((g->phrase_syms[i] = s ? sym_intern(&g->st, s, n) : NONE) == NONE)
            return oom(err);
    }
    uint32_t node = root_child_or_new(g, v, g->phrase_syms[0]);
    for (size_t i = 1; i < g->tk.n && node != NONE; i++)
        node = child_or_new(g, node, edge_label(g->phrase_syms[i], &g->tk, i));
    if (node == NONE)
        return oom(err);
    uint32_t last = NONE;  /* the node's last entry: the new one goes after it */
    for (uint32_t e = g->node_first[node]; e != NONE; e = g->ents[e].next) {
        const char *eid = g->arena + g->ents[e].id;
        if (g->ents[e].label == lab && strlen(eid) == idlen && memcmp(eid, id, idlen) == 0)
            return 0;
        last = e;
    }

    uint32_t attrs_off = NONE;
    if (attrs) {
        json_error_t jerr;
        json_t *j = json_loadb(attrs, alen, 0, &jerr);
        if (!j || !json_is_object(j)) {
            json_decref(j);
            return entry_error(err, o, "attrs must be a JSON object");
        }
        char *txt = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(j);
        if (!txt)
            return oom(err);
        attrs_off = arena_add(g, txt, strlen(txt));
        free(txt);
        if (attrs_off == NONE)
            return oom(err);
    }
    uint32_t id_off = arena_add(g, id, idlen);
    if (id_off == NONE || g->n_ents >= UINT32_MAX - 1 || GROW(g->ents, g->cap_ents, g->n_ents + 1) != 0)
        return oom(err);
    uint32_t e = (uint32_t)g->n_ents++;
    g->ents[e] = (bentry){lab, id_off, attrs_off, list, NONE};
    if (last == NONE)
        g->node_first[node] = e;
    else
        g->ents[last].next = e;
    return 0;
}

int qr_gazetteer_add(qr_gazetteer *g, int list, const char *phrase, const char *label,
                     const char *id, const char *attrs_json, qr_error *err)
{
    if (g->sealed)
        return qr_error_set(err, "gazetteer already compiled: entries can no longer be added");
    if (list < 0 || (size_t)list >= g->n_lists)
        return qr_error_set(err, "no list %d in this gazetteer", list);
    if (!phrase)
        return qr_error_set(err, "entry without a phrase");
    uint64_t h = hash_mix(g->hash, 0xe7);
    h = hash_mix(h, (uint64_t)list);
    h = hash_str_into(h, phrase, strlen(phrase));
    h = hash_str_into(h, label, label ? strlen(label) : 0);
    h = hash_str_into(h, id, id ? strlen(id) : 0);
    g->hash = hash_str_into(h, attrs_json, attrs_json ? strlen(attrs_json) : 0);
    return add_entry(g, (uint32_t)list, phrase, strlen(phrase), label, label ? strlen(label) : 0,
                     id, id ? strlen(id) : 0, attrs_json, attrs_json ? strlen(attrs_json) : 0,
                     NULL, err);
}

/* }================================================================== */

/* {==================================================================
 * Sources: TSV, plain lists, JSONL
 * =================================================================== */
static qr_gaz_format format_of(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || strchr(dot, '/'))
        return QR_GAZ_AUTO;
    if (strcmp(dot, ".tsv") == 0)
        return QR_GAZ_TSV;
    if (strcmp(dot, ".txt") == 0)
        return QR_GAZ_PLAIN;
    if (strcmp(dot, ".jsonl") == 0)
        return QR_GAZ_JSONL;
    return QR_GAZ_AUTO;
}

static int resolve_format(const qr_gazetteer_list *l, const char *name, qr_gaz_format *out,
                          qr_error *err)
{
    *out = l->format;
    if (*out == QR_GAZ_AUTO)
        *out = format_of(name);
    if (*out == QR_GAZ_AUTO)
        return qr_error_at(err, name, 0, 0,
                           "unknown gazetteer format: name the file .tsv, .txt (one phrase per line) or .jsonl");
    return 0;
}

static int read_file(const char *path, char **data, size_t *len, qr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return qr_error_at(err, path, 0, 0, "cannot open: %s", strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0;
    struct stat sb;     /* a regular file: one buffer of its size, no regrowth */
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (uint64_t)sb.st_size < SIZE_MAX / 2 && GROW(buf, cap, (size_t)sb.st_size + 1) != 0) {
        fclose(f);
        return oom(err);
    }
    for (;;) {
        if (n == cap && GROW(buf, cap, n + 65536) != 0) {
            fclose(f);
            free(buf);
            return oom(err);
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return qr_error_at(err, path, 0, 0, "read error");
    }
    *data = buf;
    *len = n;
    return 0;
}

static uint64_t list_hash(uint64_t h, const qr_gazetteer_list *l, qr_gaz_format fmt,
                          const char *data, size_t len)
{
    h = hash_mix(h, 0x11);
    h = hash_mix(h, (uint64_t)fmt);
    h = hash_str_into(h, l->label, l->label ? strlen(l->label) : 0);
    h = hash_mix(h, (uint64_t)l->case_mode);
    h = hash_mix(h, (uint64_t)(l->fold_accents != 0));
    return data ? hash_str_into(h, data, len) : hash_mix(h, 0x22);
}

/* Lines and fields are short (a few dozen bytes): a call to memchr per
 * line and per field cost more than the search. Byte-at-a-time where the
 * words are not little-endian. */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* The first c in [p, end), or NULL. In a word, (x - ONES) & ~x & HIGHS
 * flags every zero byte of x and may flag bytes above one (a borrow), so
 * its lowest flag is the first zero byte. */
static inline const char *find_byte(const char *p, const char *end, char c)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t pat = ONES * (unsigned char)c;
    for (; end - p >= 8; p += 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        x ^= pat;
        uint64_t z = (x - ONES) & ~x & HIGHS;
        if (z)
            return p + (__builtin_ctzll(z) >> 3);
    }
#endif
    for (; p < end; p++)
        if (*p == c)
            return p;
    return NULL;
}

/* How many c in s[0..n). ~(((x & 7F..) + 7F..) | x | 7F..) flags exactly
 * the zero bytes of x (no carry crosses a byte) with their high bit;
 * shifted to 01 bytes and multiplied by ONES, the top byte sums them (no
 * popcount instruction needed). */
static size_t count_byte(const char *s, size_t n, char c)
{
    const uint64_t pat = ONES * (unsigned char)c, low7 = ~HIGHS;
    size_t k = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        x ^= pat;
        k += (size_t)(((~(((x & low7) + low7) | x | low7) >> 7) * ONES) >> 56);
    }
    for (; i < n; i++)
        k += s[i] == c;
    return k;
}

static int parse_tsv_line(qr_gazetteer *g, uint32_t list, const char *s, size_t n,
                          const origin *o, qr_error *err)
{
    const char *f[3];
    size_t fl[3];
    int nf = 0;
    const char *p = s, *end = s + n;
    for (;;) {
        const char *tab = find_byte(p, end, '\t');
        const char *fe = tab ? tab : end;
        if (nf < 3) {
            f[nf] = p;
            fl[nf] = (size_t)(fe - p);
            trim(&f[nf], &fl[nf]);
        }
        nf++;
        if (!tab)
            break;
        p = tab + 1;
    }
    if (nf > 3) {
        return qr_error_at(err, o->file, o->line, 0,
                           "expected phrase<TAB>label[<TAB>id], found %d fields", nf);
    }
    return add_entry(g, list, f[0], fl[0], nf > 1 ? f[1] : NULL, nf > 1 ? fl[1] : 0,
                     nf > 2 && fl[2] ? f[2] : NULL, nf > 2 ? fl[2] : 0, NULL, 0, o, err);
}

static int jerror(qr_error *err, const origin *o, int col, const char *msg)
{
    return qr_error_at(err, o->file, o->line, col, "%s", msg);
}

static int parse_jsonl_line(qr_gazetteer *g, uint32_t list, const char *s, size_t n,
                            const origin *o, qr_error *err)
{
    json_error_t je;
    json_t *j = json_loadb(s, n, 0, &je);
    if (!j) {
        char msg[256];
        snprintf(msg, sizeof msg, "invalid JSON: %s", je.text);
        return jerror(err, o, je.column > 0 ? je.column : 0, msg);
    }
    int rc = -1;
    char idbuf[32];
    const char *id = NULL;
    size_t idlen = 0;
    char *attrs = NULL;
    json_t *pat = json_object_get(j, "pattern");
    json_t *lab = json_object_get(j, "label");
    json_t *jid = json_object_get(j, "id");
    json_t *jat = json_object_get(j, "attrs");
    if (!json_is_object(j)) {
        jerror(err, o, 0, "expected an object {\"label\":…,\"pattern\":\"…\"}");
    } else if (json_is_array(pat)) {
        jerror(err, o, 0, "token-list patterns are not supported; write \"pattern\" as a string");
    } else if (!json_is_string(pat)) {
        jerror(err, o, 0, "\"pattern\" must be a string");
    } else if (lab && !json_is_string(lab)) {
        jerror(err, o, 0, "\"label\" must be a string");
    } else if (jid && !json_is_string(jid) && !json_is_integer(jid)) {
        jerror(err, o, 0, "\"id\" must be a string or an integer");
    } else if (jat && !json_is_object(jat)) {
        jerror(err, o, 0, "\"attrs\" must be an object");
    } else {
        if (json_is_string(jid)) {
            id = json_string_value(jid);
            idlen = json_string_length(jid);
        } else if (jid) {
            snprintf(idbuf, sizeof idbuf, "%" JSON_INTEGER_FORMAT, json_integer_value(jid));
            id = idbuf;
            idlen = strlen(idbuf);
        }
        if (jat && !(attrs = json_dumps(jat, JSON_COMPACT | JSON_SORT_KEYS))) {
            oom(err);
        } else {
            rc = add_entry(g, list, json_string_value(pat), json_string_length(pat),
                           lab ? json_string_value(lab) : NULL, lab ? json_string_length(lab) : 0,
                           id, idlen, attrs, attrs ? strlen(attrs) : 0, o, err);
        }
    }
    free(attrs);
    json_decref(j);
    return rc;
}

static int parse_data(qr_gazetteer *g, uint32_t list, qr_gaz_format fmt, const char *name,
                      const char *data, size_t len, qr_error *err)
{
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    origin o = {name, 0, fmt != QR_GAZ_JSONL};
    /* Valid as a whole, every line is: one check instead of one per line.
     * Otherwise each line is checked, to report the first bad one. */
    int all_valid = utf8_valid_prefix(p, (size_t)(end - p)) == (size_t)(end - p);
    while (p < end) {
        const char *nl = find_byte(p, end, '\n');
        const char *le = nl ? nl : end;
        const char *s = p;
        size_t n = (size_t)(le - p);
        p = nl ? nl + 1 : end;
        o.line++;
        if (n && s[n - 1] == '\r')
            n--;
        const char *t = s;
        size_t tn = n;
        trim(&t, &tn);
        if (tn == 0 || t[0] == '#')
            continue;
        if (!all_valid && utf8_valid_prefix(s, n) != n)
            return qr_error_at(err, name, o.line, (int)utf8_valid_prefix(s, n) + 1,
                               "invalid UTF-8; re-encode the list as UTF-8");
        int rc;
        if (fmt == QR_GAZ_TSV)
            rc = parse_tsv_line(g, list, s, n, &o, err);
        else if (fmt == QR_GAZ_JSONL)
            rc = parse_jsonl_line(g, list, s, n, &o, err);
        else
            rc = add_entry(g, list, t, tn, NULL, 0, NULL, 0, NULL, 0, &o, err);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Room for the entries of a list of len bytes before parsing it, so the
 * build arrays grow once instead of doubling (and copying) as they fill.
 * From the line count (entries, ids), the size (strings) and a guess of a
 * token per 8 bytes (nodes, symbols); a guess too small only means growing
 * as before. Memory reserved and not written costs no page. */
static int reserve_for(qr_gazetteer *g, const blist *l, const char *data, size_t len)
{
    size_t lines = 1 + count_byte(data, len, '\n');
    size_t toks = len / 8 + lines;
    if (GROW(g->ents, g->cap_ents, g->n_ents + lines) != 0 ||
        GROW(g->arena, g->arena_cap, g->arena_len + len + lines) != 0 ||
        GROW(g->st.bytes, g->st.bytes_cap, g->st.bytes_len + len + lines) != 0 ||
        sym_reserve(&g->st, g->st.n + toks) != 0 || reserve_nodes(g, g->n_nodes + toks) != 0)
        return -1;
    /* The root array of the list's usual variant, zeroed by calloc: fresh
     * pages, touched only as symbols come (growing it later zeroes by hand). */
    int v = (l->case_mode == QR_CASE_SENSITIVE ? V_RAW : V_KEY) + l->fold;
    if (!g->root_child[v]) {
        if (!(g->root_child[v] = calloc(toks, sizeof *g->root_child[v])))
            return -1;
        g->root_cap[v] = toks;
    }
    return 0;
}

static int new_list(qr_gazetteer *g, const qr_gazetteer_list *l, const char *name, qr_error *err)
{
    if (g->sealed)
        return qr_error_set(err, "gazetteer already compiled: lists can no longer be added");
    if (l->case_mode != QR_CASE_INSENSITIVE && l->case_mode != QR_CASE_SENSITIVE &&
        l->case_mode != QR_CASE_SMART)
        return qr_error_set(err, "unknown case mode %d", (int)l->case_mode);
    if (g->n_lists >= INT32_MAX || GROW(g->lists, g->cap_lists, g->n_lists + 1) != 0)
        return oom(err);
    blist *b = &g->lists[g->n_lists];
    b->label = NONE;
    if (l->label && l->label[0]) {
        size_t n = strlen(l->label);
        if (utf8_valid_prefix(l->label, n) != n)
            return qr_error_at(err, name, 0, 0, "invalid UTF-8 in the list's label");
        if ((b->label = label_intern(g, l->label, n)) == NONE)
            return oom(err);
    }
    b->case_mode = (uint8_t)l->case_mode;
    b->fold = l->fold_accents != 0;
    return (int)g->n_lists++;
}

int qr_gazetteer_add_list_data(qr_gazetteer *g, const qr_gazetteer_list *l, const char *name,
                               const char *data, size_t len, qr_error *err)
{
    qr_gaz_format fmt;
    if (!name)
        name = "(data)";
    if (resolve_format(l, name, &fmt, err) != 0)
        return -1;
    if (fmt == QR_GAZ_PLAIN && !(l->label && l->label[0]))
        return qr_error_at(err, name, 0, 0,
                           "a plain list (one phrase per line) needs a label: give the list a label");
    int idx = new_list(g, l, name, err);
    if (idx < 0 || reserve_for(g, &g->lists[idx], data, len) != 0)
        return idx < 0 ? -1 : oom(err);
    g->hash = list_hash(g->hash, l, fmt, data, len);
    return parse_data(g, (uint32_t)idx, fmt, name, data, len, err) == 0 ? idx : -1;
}

int qr_gazetteer_add_list(qr_gazetteer *g, const qr_gazetteer_list *l, qr_error *err)
{
    if (!l->path) {
        int idx = new_list(g, l, NULL, err);
        if (idx >= 0)
            g->hash = list_hash(g->hash, l, QR_GAZ_AUTO, NULL, 0);
        return idx;
    }
    qr_gaz_format fmt;
    if (resolve_format(l, l->path, &fmt, err) != 0)
        return -1;
    /* read, not mapped: a list file truncated while it is parsed must not
     * end the process with SIGBUS */
    char *data;
    size_t len;
    if (read_file(l->path, &data, &len, err) != 0)
        return -1;
    int idx = qr_gazetteer_add_list_data(g, l, l->path, data, len, err);
    free(data);
    return idx;
}

int qr_gazetteer_sources_hash(const qr_gazetteer_list *lists, size_t n, uint64_t *out,
                              qr_error *err)
{
    uint64_t h = initial_hash();
    for (size_t i = 0; i < n; i++) {
        const qr_gazetteer_list *l = &lists[i];
        if (!l->path) {
            h = list_hash(h, l, QR_GAZ_AUTO, NULL, 0);
            continue;
        }
        qr_gaz_format fmt;
        char *data;
        size_t len;
        if (resolve_format(l, l->path, &fmt, err) != 0 || read_file(l->path, &data, &len, err) != 0)
            return -1;
        h = list_hash(h, l, fmt, data, len);
        free(data);
    }
    *out = h;
    return 0;
}

uint64_t qr_gazetteer_hash(const qr_gazetteer *g)
{
    return g->compiled ? g->h->key : g->hash;
}

/* }================================================================== */

/* {==================================================================
 * Compiling to the flat block; saving and loading it
 * =================================================================== */
static void bind_views(qr_gazetteer *g)
{
    const gaz_header *h = (const gaz_header *)g->block;
    gaz_layout l;
    layout_of(h, &l);
    const unsigned char *b = g->block;
    g->h = h;
    g->strs = (const char *)(b + l.strs);
    g->sym_off = (const uint32_t *)(b + l.sym_off);
    g->sym_len = (const uint32_t *)(b + l.sym_len);
    g->slots = (const gaz_slot *)(b + l.slots);
    g->bloom = (const uint64_t *)(b + l.bloom);
    g->node_edge = (const uint32_t *)(b + l.node_edge);
    g->edge_sym = (const uint32_t *)(b + l.edge_sym);
    g->edge_child = (const uint32_t *)(b + l.edge_child);
    g->node_ent = (const uint32_t *)(b + l.node_ent);
    g->entries = (const gaz_entry *)(b + l.entries);
    g->list_info = (const uint32_t *)(b + l.lists);
    for (int v = 0; v < NVARIANTS; v++)
        g->roots[v] = (h->variants & (1u << v)) ? (const uint32_t *)(b + l.roots[v]) : NULL;
    g->compiled = 1;
}

static inline uint32_t edge_filter_bit(uint32_t node, uint32_t label, uint32_t shift)
{
    return (uint32_t)((((uint64_t)node << 32 | label) * 0x9e3779b97f4a7c15ULL) >> shift);
}

/* Derived read-only tables (not in the cache file), from the validated
 * block: the flags of each symbol (see SYM_ROOT), and a filter of the
 * edges below the roots (about 16 bits per edge) so a walk that cannot
 * go on is stopped without a search through the node's edges. */
static int derive(qr_gazetteer *g)
{
    const gaz_header *h = g->h;
    uint32_t below = h->n_edges - (g->node_edge[NVARIANTS] - g->node_edge[0]);
    uint32_t bits = 6;
    while (bits < 30 && (1ULL << bits) < (uint64_t)below * 16)
        bits++;
    g->edge_filter_shift = 64 - bits;
    g->sym_flags = calloc(h->n_syms ? h->n_syms : 1, 1);
    g->edge_filter = calloc((size_t)1 << (bits - 6), 8);
    if (!g->sym_flags || !g->edge_filter)
        return -1;
    for (uint32_t i = 0; i < h->n_nodes; i++)
        for (uint32_t k = g->node_edge[i]; k < g->node_edge[i + 1]; k++) {
            g->sym_flags[g->edge_sym[k] >> 1] |= i < NVARIANTS ? SYM_ROOT >> 24 : SYM_FOLLOW >> 24;
            if (i >= NVARIANTS) {
                uint32_t b = edge_filter_bit(i, g->edge_sym[k], g->edge_filter_shift);
                g->edge_filter[b >> 6] |= 1ULL << (b & 63);
            }
        }

    bits = WF_MIN_BITS;
    while (bits < WF_MAX_BITS && (1ULL << bits) < (uint64_t)h->n_syms * 16)
        bits++;
    g->word_filter_shift = 64 - bits;
    if (!(g->word_filter = calloc((size_t)1 << (bits - 6), 8)))
        return -1;
    for (uint32_t y = 0; y < h->n_syms; y++) {
        uint32_t n = g->sym_len[y];
        unsigned char buf[8] = {0};
        uint64_t w0;
        memcpy(buf, g->strs + g->sym_off[y], n < 8 ? n : 8);
        memcpy(&w0, buf, 8);
        uint64_t b = word_hash(w0, n) >> g->word_filter_shift;
        g->word_filter[b >> 6] |= 1ULL << (b & 63);
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int qr_gazetteer_compile(qr_gazetteer *g, qr_error *err)
{
    if (g->compiled)
        return 0;
    if (g->sealed)
        return qr_error_set(err, "gazetteer compile failed before; build a new one");
    g->sealed = 1;
    gaz_header hd;
    memset(&hd, 0, sizeof hd);
    memcpy(hd.magic, GAZ_MAGIC, sizeof hd.magic);
    hd.version = GAZ_FORMAT_VERSION;
    hd.endian = 0x01020304u;
    hd.key = g->hash;
    if ((uint64_t)g->arena_len + g->st.bytes_len + 1 >= UINT32_MAX)
        return qr_error_set(err, "gazetteer too large (more than 4 GiB of strings)");
    hd.strs_len = (uint32_t)(g->arena_len + g->st.bytes_len + 1);
    hd.n_syms = (uint32_t)g->st.n;
    hd.sym_cap = (uint32_t)(g->st.cap ? g->st.cap : 1);
    hd.bloom_words = bloom_words_for(hd.n_syms);
    hd.n_nodes = (uint32_t)g->n_nodes;
    hd.n_edges = (uint32_t)(g->n_nodes - NVARIANTS);
    hd.n_entries = (uint32_t)g->n_ents;
    hd.n_node_entries = (uint32_t)g->n_ents;
    hd.n_lists = (uint32_t)g->n_lists;
    uint32_t root_edges[NVARIANTS] = {0};
    for (int v = 0; v < NVARIANTS; v++) {
        size_t n = g->root_cap[v] < hd.n_syms ? g->root_cap[v] : hd.n_syms;
        for (size_t y = 0; y < n; y++)
            root_edges[v] += g->root_child[v][y] != 0;
        if (root_edges[v])
            hd.variants |= 1u << v;
    }
    gaz_layout l;
    layout_of(&hd, &l);
    hd.size = l.size;
    unsigned char *b = block_alloc(l.size);
    if (!b)
        return oom(err);

    char *strs = (char *)(b + l.strs);
    if (g->arena_len)
        memcpy(strs, g->arena, g->arena_len);
    if (g->st.bytes_len)
        memcpy(strs + g->arena_len, g->st.bytes, g->st.bytes_len);
    uint32_t *sym_off = (uint32_t *)(b + l.sym_off), *sym_len = (uint32_t *)(b + l.sym_len);
    for (size_t y = 0; y < g->st.n; y++) {
        sym_off[y] = (uint32_t)g->arena_len + g->st.off[y];
        sym_len[y] = g->st.len[y];
    }
    if (g->st.cap)
        memcpy(b + l.slots, g->st.slots, g->st.cap * sizeof(gaz_slot));
    uint64_t *bloom = (uint64_t *)(b + l.bloom);
    for (size_t y = 0; y < g->st.n; y++) {
        uint64_t bit = bloom_bit(g->st.hash[y], hd.bloom_words);
        bloom[bit >> 6] |= 1ULL << (bit & 63);
    }

    /* Edges in CSR form, each node's edges sorted by symbol. A root's
     * come in order from its array; the others, few per node, are
     * insertion-sorted (qsort for a node with many). */
    uint32_t *node_edge = (uint32_t *)(b + l.node_edge);
    uint32_t *edge_sym = (uint32_t *)(b + l.edge_sym), *edge_child = (uint32_t *)(b + l.edge_child);
    for (int v = 0; v < NVARIANTS; v++)
        node_edge[v + 1] = root_edges[v];
    for (size_t i = 0; i < g->emap_cap; i++)
        if (g->emap_key[i] != UINT64_MAX)
            node_edge[(g->emap_key[i] >> 32) + 1]++;
    for (size_t i = 0; i < g->n_nodes; i++)
        node_edge[i + 1] += node_edge[i];
    for (int v = 0; v < NVARIANTS; v++) {
        uint32_t k = node_edge[v];
        size_t n = g->root_cap[v] < hd.n_syms ? g->root_cap[v] : hd.n_syms;
        for (uint32_t y = 0; y < n; y++)
            if (g->root_child[v][y]) {
                edge_sym[k] = y * 2;
                edge_child[k++] = g->root_child[v][y];
            }
        if (hd.variants & (1u << v))
            memcpy(b + l.roots[v], g->root_child[v], n * sizeof(uint32_t));
    }
    size_t below = hd.n_edges - (node_edge[NVARIANTS] - node_edge[0]);
    uint64_t *pairs = malloc((below ? below : 1) * sizeof *pairs);
    uint32_t *fill = malloc(g->n_nodes * sizeof *fill);
    if (!pairs || !fill) {
        free(pairs);
        free(fill);
        block_free(b, l.size >= HUGE_MIN ? l.size : 0);
        return oom(err);
    }
    /* pairs[] holds the edges below the roots, at their CSR index - base */
    uint32_t base = node_edge[NVARIANTS];
    memcpy(fill, node_edge, g->n_nodes * sizeof *fill);
    for (size_t i = 0; i < g->emap_cap; i++) {
        uint64_t key = g->emap_key[i];
        if (key != UINT64_MAX)
            pairs[fill[key >> 32]++ - base] = key << 32 | g->emap_val[i];
    }
    for (size_t i = NVARIANTS; i < g->n_nodes; i++) {
        uint64_t *p = pairs + (node_edge[i] - base);
        size_t n = node_edge[i + 1] - node_edge[i];
        if (n > 16) {
            qsort(p, n, sizeof *p, cmp_u64);
            continue;
        }
        for (size_t a = 1; a < n; a++) {
            uint64_t x = p[a];
            size_t z = a;
            for (; z > 0 && p[z - 1] > x; z--)
                p[z] = p[z - 1];
            p[z] = x;
        }
    }
    for (size_t k = 0; k < below; k++) {
        edge_sym[base + k] = (uint32_t)(pairs[k] >> 32);
        edge_child[base + k] = (uint32_t)pairs[k];
    }
    free(pairs);
    free(fill);

    /* Entries in node order; each node's in order of addition. */
    uint32_t *node_ent = (uint32_t *)(b + l.node_ent);
    gaz_entry *ents = (gaz_entry *)(b + l.entries);
    uint32_t k = 0;
    for (size_t i = 0; i < g->n_nodes; i++) {
        node_ent[i] = k;
        for (uint32_t e = g->node_first[i]; e != NONE; e = g->ents[e].next)
            ents[k++] = (gaz_entry){g->ents[e].label, g->ents[e].id, g->ents[e].attrs,
                                    g->ents[e].list, e};
    }
    node_ent[g->n_nodes] = k;
    uint32_t *lists = (uint32_t *)(b + l.lists);
    for (size_t i = 0; i < g->n_lists; i++)
        lists[i] = g->lists[i].case_mode | (uint32_t)g->lists[i].fold << 8;

    /* The checksum (a serial hash over the whole block, a large share of
     * the compile time) is for the cache file: save computes it. */
    memcpy(b, &hd, sizeof hd);
    free_build_state(g);
    g->block = b;
    g->block_mapped = l.size >= HUGE_MIN ? l.size : 0;
    bind_views(g);
    if (derive(g) != 0) {
        g->compiled = 0;
        return oom(err);
    }
    return 0;
}

/* a cache cut short in its first bytes still starts as one */
static int starts_as_cache(const char *data, size_t len)
{
    return len > 0 && memcmp(data, GAZ_MAGIC, len < sizeof GAZ_MAGIC ? len : sizeof GAZ_MAGIC) == 0;
}

int qr_gazetteer_is_cache_file(const char *path)
{
    char magic[sizeof GAZ_MAGIC];
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(magic, 1, sizeof magic, f) : 0;
    if (f)
        fclose(f);
    return starts_as_cache(magic, got);
}

int qr_gazetteer_save(const qr_gazetteer *g, const char *path, qr_error *err)
{
    if (!g->compiled)
        return qr_error_set(err, "compile the gazetteer before saving it");
    struct stat sb;     /* written by renaming over path: never /dev/null */
    int exists = lstat(path, &sb) == 0;
    if (exists && !S_ISREG(sb.st_mode))
        return qr_error_at(err, path, 0, 0, "cannot write the gazetteer cache: it is not a "
                           "regular file (a folder, device, pipe or symbolic link); give a file "
                           "path");
    /* it replaces only a cache (or an empty file): never a list, a text,
     * the pipeline, named by mistake */
    if (exists && sb.st_size > 0 && !qr_gazetteer_is_cache_file(path))
        return qr_error_at(err, path, 0, 0, "not replaced by the gazetteer cache: the file is there "
                           "and is no gazetteer cache (a list, a text?); give the cache another path");
    char *tmp;
    FILE *f = qr_outfile_open(path, &tmp);
    if (!f) {
        if (!tmp)
            return oom(err);
        int e = errno;
        free(tmp);
        return qr_error_at(err, path, 0, 0, "cannot write the gazetteer cache: %s", strerror(e));
    }
    gaz_header hd = *g->h;
    hd.checksum = hash_bytes(g->block + sizeof hd, hd.size - sizeof hd, HASH_SEED);
    /* a failed write leaves f in error: the commit then removes tmp */
    fwrite(&hd, 1, sizeof hd, f);
    fwrite(g->block + sizeof hd, 1, hd.size - sizeof hd, f);
    int rc = qr_outfile_commit(f, tmp, path), e = errno;
    free(tmp);
    if (rc != 0)
        return qr_error_at(err, path, 0, 0, "cannot write the gazetteer cache: %s", strerror(e));
    return 0;
}

static int monotone(const uint32_t *a, size_t n, uint32_t last)
{
    if (a[0] != 0 || a[n] != last)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] > a[i + 1])
            return 0;
    return 1;
}

/* Every index in the block stays in bounds, so matching cannot stray. */
static int validate(const qr_gazetteer *g)
{
    const gaz_header *h = g->h;
    if (h->strs_len == 0 || g->strs[h->strs_len - 1] != '\0')
        return 0;
    for (uint32_t y = 0; y < h->n_syms; y++)
        if ((uint64_t)g->sym_off[y] + g->sym_len[y] >= h->strs_len)
            return 0;
    size_t empty = 0;
    for (uint32_t i = 0; i < h->sym_cap; i++) {
        if (!g->slots[i].sym)
            empty++;
        else if (g->slots[i].sym > h->n_syms)
            return 0;
    }
    if (h->n_nodes < NVARIANTS || !empty || (h->sym_cap & (h->sym_cap - 1)) ||
        h->bloom_words != bloom_words_for(h->n_syms))
        return 0;
    if (!monotone(g->node_edge, h->n_nodes, h->n_edges) ||
        !monotone(g->node_ent, h->n_nodes, h->n_node_entries))
        return 0;
    for (uint32_t i = 0; i < h->n_nodes; i++)
        for (uint32_t k = g->node_edge[i]; k < g->node_edge[i + 1]; k++)
            if (g->edge_child[k] <= i || g->edge_child[k] >= h->n_nodes ||
                g->edge_sym[k] >= 2 * (uint64_t)h->n_syms)
                return 0;
    if (h->n_node_entries != h->n_entries)
        return 0;
    for (uint32_t e = 0; e < h->n_entries; e++) {
        const gaz_entry *x = &g->entries[e];
        if (x->label >= h->strs_len || x->id >= h->strs_len || x->list >= h->n_lists ||
            x->index >= h->n_entries ||
            (x->attrs != NONE && x->attrs >= h->strs_len))
            return 0;
    }
    for (int v = 0; v < NVARIANTS; v++)
        if (g->roots[v])
            for (uint32_t y = 0; y < h->n_syms; y++)
                if (g->roots[v][y] && (g->roots[v][y] < NVARIANTS || g->roots[v][y] >= h->n_nodes))
                    return 0;
    return 1;
}

qr_gazetteer *qr_gazetteer_load_cache(const char *path, uint64_t expected_hash, qr_error *err)
{
    char *data;
    size_t len;
    if (read_file(path, &data, &len, err) != 0)
        return NULL;
    gaz_header hd;
    gaz_layout l;
    const char *why = NULL;
    if (!starts_as_cache(data, len)) {
        why = "not a quarry gazetteer cache";
    } else if (len < sizeof hd) {
        why = "truncated or resized";
    } else {
        memcpy(&hd, data, sizeof hd);
        if (hd.version != GAZ_FORMAT_VERSION || hd.endian != 0x01020304u)
            why = "written by another version or machine";
        else if (hd.key != expected_hash)
            why = "built from other sources or options";
        else if (hd.size != len || (layout_of(&hd, &l), l.size != len))
            why = "truncated or resized";
        else if (hash_bytes(data + sizeof hd, len - sizeof hd, HASH_SEED) != hd.checksum)
            why = "corrupt (checksum mismatch)";
    }
    qr_gazetteer *g = NULL;
    if (!why) {
        g = calloc(1, sizeof *g);
        if (!g) {
            free(data);
            oom(err);
            return NULL;
        }
        g->block = (unsigned char *)data;
        bind_views(g);
        if (!validate(g))
            why = "corrupt (bad index)";
        else if (derive(g) != 0) {
            qr_gazetteer_free(g);
            oom(err);
            return NULL;
        }
    }
    if (why) {
        if (g)
            qr_gazetteer_free(g);
        else
            free(data);
        qr_error_at(err, path, 0, 0, "gazetteer cache refused: %s; rebuild it", why);
        return NULL;
    }
    return g;
}

size_t qr_gazetteer_entry_count(const qr_gazetteer *g)
{
    return g->compiled ? g->h->n_entries : g->n_ents;
}

size_t qr_gazetteer_list_count(const qr_gazetteer *g)
{
    return g->compiled ? g->h->n_lists : g->n_lists;
}

size_t qr_gazetteer_memory(const qr_gazetteer *g)
{
    return g->compiled ? g->h->size : 0;
}

/* }================================================================== */

/* {==================================================================
 * Matching
 * =================================================================== */
qr_gazetteer_scratch *qr_gazetteer_scratch_new(void)
{
    qr_gazetteer_scratch *s = calloc(1, sizeof *s);
    if (s)
        qr_tokens_init(&s->tk);
    return s;
}

void qr_gazetteer_scratch_free(qr_gazetteer_scratch *s)
{
    if (!s)
        return;
    free(s->syms);
    free(s->cand);
    free(s->csym);
    free(s->starts);
    free(s->ub.v);
    qr_tokens_free(&s->tk);
    free(s->memo);
    free(s);
}


const qr_tokens *qr_gazetteer_scratch_tokens(const qr_gazetteer_scratch *s)
{
    return &s->tk;
}


/* The symbol value (see SYM_ROOT) of s[0..n), SY_NONE if no phrase has it. */
static uint32_t sym_lookup(const qr_gazetteer *g, const char *s, size_t n)
{
    uint64_t h = hash_bytes(s, n, HASH_SEED);
    uint64_t bit = bloom_bit(h, g->h->bloom_words);
    if (!(g->bloom[bit >> 6] & (1ULL << (bit & 63))))
        return SY_NONE;
    uint32_t h32 = slot_tag(h, n), mask = g->h->sym_cap - 1;
    for (uint32_t k = (uint32_t)h & mask;; k = (k + 1) & mask) {
        gaz_slot sl = g->slots[k];
        if (!sl.sym)
            return SY_NONE;
        uint32_t y = sl.sym - 1;
        if (sl.hash == h32 && (n < 255 || g->sym_len[y] == n) && same_bytes(g->strs + g->sym_off[y], s, n))
            return y | (uint32_t)g->sym_flags[y] << 24;
    }
}

static uint32_t child_of(const qr_gazetteer *g, uint32_t node, uint32_t sym)
{
    uint32_t b = edge_filter_bit(node, sym, g->edge_filter_shift);
    if (!((g->edge_filter[b >> 6] >> (b & 63)) & 1))
        return NONE;
    uint32_t lo = g->node_edge[node], hi = g->node_edge[node + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint32_t y = g->edge_sym[mid];
        if (y == sym)
            return g->edge_child[mid];
        if (y < sym)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NONE;
}

static int emit(const qr_gazetteer *g, const qr_tokens *toks, uint32_t i, uint32_t j,
                uint32_t node, qr_gaz_matches *out)
{
    uint32_t a = g->node_ent[node], b = g->node_ent[node + 1];
    if (GROW(out->v, out->cap, out->n + (b - a)) != 0)
        return -1;
    for (uint32_t k = a; k < b; k++) {
        const gaz_entry *x = &g->entries[k];
        qr_gaz_match *m = &out->v[out->n++];
        m->start_tok = i;
        m->end_tok = j;
        m->start = toks->v[i].start;
        m->end = toks->v[j - 1].end;
        m->label = g->strs + x->label;
        m->id = g->strs + x->id;
        __builtin_prefetch(m->id);   /* the doc copies it next (qr_doc_intern) */
        m->attrs = x->attrs == NONE ? NULL : g->strs + x->attrs;
        m->entry = x->index;
        m->list = x->list;
    }
    return 0;
}

/* Orders matches starting at one token: longer first, then entry order. */
static void sort_group(qr_gaz_match *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        qr_gaz_match m = v[i];
        size_t j = i;
        while (j > 0 && (v[j - 1].end_tok < m.end_tok ||
                         (v[j - 1].end_tok == m.end_tok && v[j - 1].entry > m.entry))) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = m;
    }
}

/* Key bytes k[0..len), len <= 8, as one little-endian word with zeros
 * above (the same bytes give the same word). When 8 bytes can be read
 * inside the key buffer (almost always: the tokenizer keeps slack), one
 * load and a mask, no branch on the length. */
static const uint64_t len_mask[9] = {
    0, 0xffULL, 0xffffULL, 0xffffffULL, 0xffffffffULL, 0xffffffffffULL,
    0xffffffffffffULL, 0xffffffffffffffULL, ~0ULL
};

static inline uint64_t key_word(const qr_tokens *toks, uint32_t off, uint32_t len)
{
    uint64_t w = 0;
    if (__builtin_expect((size_t)off + 8 <= toks->keys_cap, 1)) {
        memcpy(&w, toks->keys + off, 8);
        return w & len_mask[len];
    }
    memcpy(&w, toks->keys + off, len);
    return w;
}

static inline uint32_t memo2_index(uint64_t w0, uint64_t w1)
{
    return (uint32_t)(((w0 ^ (w1 * 0xc4ceb9fe1a85ec53ULL)) * 0x9e3779b97f4a7c15ULL) >> (64 - MEMO2_BITS));
}

static inline uint32_t memo_index(uint64_t w)
{
    return (uint32_t)((w * 0x9e3779b97f4a7c15ULL) >> (64 - MEMO_BITS));
}

/* The scratch's memo, ready for g's block (cleared when it meets another).
 * Blocks with the same key come from the same sources, so they are the
 * same block; the checksum (0 for a block compiled in this process) also
 * tells a cache file apart from a build. */
static memo_slot *memo_for(const qr_gazetteer *g, qr_gazetteer_scratch *s)
{
    if (!s->memo || s->memo_key != g->h->key || s->memo_sum != g->h->checksum) {
        if (!s->memo && !(s->memo = malloc(MEMO_BYTES)))
            return NULL;
        memset(s->memo, 0xff, MEMO_BYTES);
        s->memo_key = g->h->key;
        s->memo_sum = g->h->checksum;
    }
    return s->memo;
}

/* The symbol value of token i's key, through the memo (whose words are
 * little-endian: elsewhere every key takes the table). */
static inline uint32_t key_symbol(const qr_gazetteer *g, memo_slot *memo, const qr_tokens *toks,
                                  uint32_t i)
{
    uint32_t off = toks->v[i].key, len = toks->v[i].key_len, y;
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
    (void)memo;
    return sym_lookup(g, toks->keys + off, len);
#endif
    if (len > 8) {
        if (len > 16 || (size_t)off + 16 > toks->keys_cap)
            return sym_lookup(g, toks->keys + off, len);
        memo2_slot *m = (memo2_slot *)(memo + (1u << MEMO_BITS));
        uint64_t w0, w1;
        memcpy(&w0, toks->keys + off, 8);
        memcpy(&w1, toks->keys + off + 8, 8);
        w1 &= len_mask[len - 8];
        m += memo2_index(w0, w1);
        if (m->w0 == w0 && m->w1 == w1 && m->len == len)
            return m->sym;
        y = sym_lookup(g, toks->keys + off, len);
        m->w0 = w0;
        m->w1 = w1;
        m->len = len;
        m->sym = y;
        return y;
    }
    uint64_t w = key_word(toks, off, len);
    memo_slot *m = &memo[memo_index(w)];
    if (__builtin_expect(m->word == w && m->len == len, 1))
        return m->sym;
    y = sym_lookup(g, toks->keys + off, len);
    m->word = w;
    m->len = len;
    m->sym = y;
    return y;
}

/* The tokens whose key may be a symbol, in token order, into s->cand, and
 * their symbol values into s->csym (the insensitive variant); returns how
 * many, or -1 on OOM. Pass 1 tests each token's bit in the word filter (a
 * key too close to the end of the key buffer to read 8 bytes is kept
 * without): no branch on the data, the candidate is written always and
 * counted when kept, so it runs at a few cycles a token. Pass 2 looks the
 * candidates up in the memo. Every other token's symbol is SY_NONE. */
static long key_candidates(const qr_gazetteer *g, qr_gazetteer_scratch *s, const qr_tokens *toks)
{
    size_t n = toks->n, nc = 0;
    memo_slot *memo = memo_for(g, s);
    if (!memo || GROW(s->cand, s->cand_cap, n) != 0)
        return -1;
    uint32_t *cand = s->cand;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t *filter = g->word_filter;
    const uint32_t shift = g->word_filter_shift;
    const qr_token *tv = toks->v;
    const char *keys = toks->keys;
    for (size_t i = 0; i < n; i++) {
        uint32_t off = tv[i].key, len = tv[i].key_len;
        if (__builtin_expect((size_t)off + 8 > toks->keys_cap, 0)) {
            cand[nc++] = (uint32_t)i;
            continue;
        }
        uint64_t w0;
        memcpy(&w0, keys + off, 8);
        uint64_t b = word_hash(w0 & len_mask[len < 8 ? len : 8], len) >> shift;
        cand[nc] = (uint32_t)i;
        nc += (filter[b >> 6] >> (b & 63)) & 1;
    }
#else
    for (size_t i = 0; i < n; i++)
        cand[nc++] = (uint32_t)i;
#endif
    if (GROW(s->csym, s->csym_cap, nc ? nc : 1) != 0)
        return -1;
    for (size_t k = 0; k < nc; k++)
        s->csym[k] = key_symbol(g, memo, toks, cand[k]);
    return (long)nc;
}

/* Symbols of the keys of all tokens (the insensitive variant). */
static int key_symbols(const qr_gazetteer *g, qr_gazetteer_scratch *s, const qr_tokens *toks,
                       uint32_t *sy)
{
    long nc = key_candidates(g, s, toks);
    if (nc < 0)
        return -1;
    for (size_t i = 0; i < toks->n; i++)
        sy[i] = SY_NONE;
    for (long k = 0; k < nc; k++)
        sy[s->cand[k]] = s->csym[k];
    return 0;
}

/* Leftmost-longest over the keys (one insensitive trie): the usual case.
 * Only candidates can start or continue a phrase, so the scan visits the
 * candidates that start one (SYM_ROOT, listed first) and a walk goes on
 * while the next token is the next candidate. Same result as key_symbols
 * and match_longest1. */
static int match_keys_longest(const qr_gazetteer *g, qr_gazetteer_scratch *s,
                              const qr_tokens *toks, qr_gaz_matches *out, qr_error *err)
{
    long nc = key_candidates(g, s, toks);
    if (nc < 0 || GROW(s->starts, s->starts_cap, (size_t)nc + 1) != 0)
        return qr_error_set(err, "out of memory matching the gazetteer");
    const uint32_t *cand = s->cand, *csym = s->csym, *root = g->roots[V_KEY];
    uint32_t *starts = s->starts;
    size_t ns = 0;
    for (long k = 0; k < nc; k++) {     /* no branch: written always, counted when kept */
        starts[ns] = (uint32_t)k;
        ns += csym[k] >> 31;           /* SYM_ROOT */
    }
    uint32_t next = 0;
    for (size_t r = 0; r < ns; r++) {
        uint32_t k = starts[r], i = cand[k], node;
        if (i < next || !(node = root[csym[k] & SYM_MASK]))
            continue;
        uint32_t j = i + 1, best = 0, best_node = 0;
        for (;;) {
            if (g->node_ent[node] < g->node_ent[node + 1]) {
                best = j;
                best_node = node;
            }
            /* token j continues only if it is the next candidate */
            if (++k >= (uint32_t)nc || cand[k] != j || !(csym[k] & SYM_FOLLOW))
                break;
            node = child_of(g, node, edge_label(csym[k] & SYM_MASK, toks, j));
            if (node == NONE)
                break;
            j++;
        }
        if (!best)
            continue;
        if (emit(g, toks, i, best, best_node, out) != 0)
            return qr_error_set(err, "out of memory matching the gazetteer");
        next = best;
    }
    return 0;
}

/* Leftmost-longest with one comparison variant (one trie). */
static int match_longest1(const qr_gazetteer *g, const uint32_t *sy, const uint32_t *root,
                          const qr_tokens *toks, qr_gaz_matches *out, qr_error *err)
{
    uint32_t n = (uint32_t)toks->n;
    for (uint32_t i = 0; i < n;) {
        uint32_t node;
        if (!(sy[i] & SYM_ROOT) || !(node = root[sy[i] & SYM_MASK])) {
            i++;
            continue;
        }
        uint32_t j = i + 1, best = 0, best_node = 0;
        for (;;) {
            if (g->node_ent[node] < g->node_ent[node + 1]) {
                best = j;
                best_node = node;
            }
            if (j >= n || !(sy[j] & SYM_FOLLOW))
                break;
            node = child_of(g, node, edge_label(sy[j] & SYM_MASK, toks, j));
            if (node == NONE)
                break;
            j++;
        }
        if (!best) {
            i++;
            continue;
        }
        if (emit(g, toks, i, best, best_node, out) != 0)
            return qr_error_set(err, "out of memory matching the gazetteer");
        i = best;
    }
    return 0;
}

int qr_gazetteer_match(const qr_gazetteer *g, qr_gazetteer_scratch *s, const char *text,
                       const qr_tokens *toks, qr_gaz_overlaps overlaps, qr_gaz_matches *out,
                       qr_error *err)
{
    out->n = 0;
    if (!g->compiled)
        return qr_error_set(err, "gazetteer not compiled");
    size_t n = toks->n;
    int vars[NVARIANTS], nv = 0;
    for (int v = 0; v < NVARIANTS; v++)
        if (g->roots[v])
            vars[nv++] = v;
    if (n == 0 || nv == 0)
        return 0;
    if (n >= UINT32_MAX)
        return qr_error_set(err, "out of memory matching the gazetteer");
    if (nv == 1 && vars[0] == V_KEY && overlaps == QR_GAZ_LONGEST)
        return match_keys_longest(g, s, toks, out, err);
    if (GROW(s->syms, s->syms_cap, n * (size_t)nv) != 0)
        return qr_error_set(err, "out of memory matching the gazetteer");
    for (int a = 0; a < nv; a++) {
        uint32_t *sy = s->syms + (size_t)a * n;
        if (vars[a] == V_KEY) {     /* the common case: keys as the tokenizer made them */
            if (key_symbols(g, s, toks, sy) != 0)
                return qr_error_set(err, "out of memory matching the gazetteer");
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const char *b = tok_variant(vars[a], text, toks, i, &s->ub, &len);
            if (!b)
                return qr_error_set(err, "out of memory matching the gazetteer");
            sy[i] = sym_lookup(g, b, len);
        }
    }

    if (nv == 1 && overlaps == QR_GAZ_LONGEST)
        return match_longest1(g, s->syms, g->roots[vars[0]], toks, out, err);
    uint32_t best_node[NVARIANTS] = {0}, best_end[NVARIANTS] = {0};
    for (uint32_t i = 0; i < n;) {
        uint32_t best = 0;
        size_t group = out->n;
        for (int a = 0; a < nv; a++) {
            const uint32_t *sy = s->syms + (size_t)a * n;
            best_end[a] = 0;
            if (!(sy[i] & SYM_ROOT))
                continue;
            uint32_t node = g->roots[vars[a]][sy[i] & SYM_MASK];
            uint32_t j = i + 1;
            while (node) {
                if (g->node_ent[node] < g->node_ent[node + 1]) {
                    if (overlaps == QR_GAZ_ALL) {
                        if (emit(g, toks, i, j, node, out) != 0)
                            return qr_error_set(err, "out of memory matching the gazetteer");
                    } else {
                        best_end[a] = j;
                        best_node[a] = node;
                    }
                }
                if (j >= n || !(sy[j] & SYM_FOLLOW))
                    break;
                node = child_of(g, node, edge_label(sy[j] & SYM_MASK, toks, j));
                if (node == NONE)
                    break;
                j++;
            }
            if (best_end[a] > best)
                best = best_end[a];
        }
        if (overlaps == QR_GAZ_ALL) {
            if (out->n - group > 1)
                sort_group(out->v + group, out->n - group);
            i++;
            continue;
        }
        if (!best) {
            i++;
            continue;
        }
        for (int a = 0; a < nv; a++)
            if (best_end[a] == best && emit(g, toks, i, best, best_node[a], out) != 0)
                return qr_error_set(err, "out of memory matching the gazetteer");
        if (out->n - group > 1)
            sort_group(out->v + group, out->n - group);
        i = best;
    }
    return 0;
}

int qr_gazetteer_match_text(const qr_gazetteer *g, qr_gazetteer_scratch *s, const char *text,
                            size_t len, qr_gaz_overlaps overlaps, qr_gaz_matches *out,
                            qr_error *err)
{
    out->n = 0;
    if (qr_tokenize(text, len, &s->tk, err) != 0)
        return -1;
    return qr_gazetteer_match(g, s, text, &s->tk, overlaps, out, err);
}

/* }================================================================== */
