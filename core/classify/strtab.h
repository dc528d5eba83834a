/*
 * strtab — an interning hash table of byte strings → dense ids 0, 1, 2…
 *
 * Used for classifier vocabularies, stop-word sets and rule words. Strings
 * are copied into one growing pool, each as a record [u32 id][u32 length]
 * [bytes][NUL], so interning a feature costs no allocation once the pool
 * and slots have grown. Open addressing with linear probing; a slot holds
 * the hash's high half and where the record starts, so a lookup reads the
 * slot and then one record (id, length and bytes together), not a third
 * place. The caller supplies the hash (qr_strtab_hash) so a feature hashed
 * once can be looked up or bucketed without rehashing.
 *
 * Ownership: the table owns its pool; qr_strtab_str pointers stay valid
 * until the next intern (the pool may move) or free. Read-only use (find,
 * str) is safe from several threads at once.
 */
#ifndef QR_STRTAB_H
#define QR_STRTAB_H

#include <stddef.h>
#include <stdint.h>
#include "quarry_module.h"

typedef struct qr_strtab_ent {
    uint64_t hash;
    uint32_t off, len;        /* the bytes: pool + off (record + 8)    */
} qr_strtab_ent;

typedef struct qr_strtab {
    uint64_t *slots;          /* hash tag << 32 | (record offset + 1); 0 is empty */
    size_t mask;              /* slot count - 1 (a power of two)       */
    qr_strtab_ent *ent;       /* by id                                 */
    size_t n, cap;
    char *pool;
    size_t pool_len, pool_cap;
} qr_strtab;

void qr_strtab_init(qr_strtab *t);
void qr_strtab_free(qr_strtab *t);        /* leaves it empty, reusable */

/* Inlined: featurizing hashes every token key. */
/* 8 bytes at a time, then a final avalanche (splitmix64's finalizer). */
static inline uint64_t qr_strtab_hash(const char *s, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (len * 0xff51afd7ed558ccdull);
    while (len >= 8) {
        uint64_t w;
        __builtin_memcpy(&w, s, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        s += 8;
        len -= 8;
    }
    /* the last 0..7 bytes, little-endian: two overlapping 4-byte loads or
     * three single bytes, no loop (same value as byte by byte) */
    uint64_t w = 0;
    if (len >= 4) {
        uint32_t lo, hi;
        __builtin_memcpy(&lo, s, 4);
        __builtin_memcpy(&hi, s + len - 4, 4);
        w = lo | (uint64_t)hi << (8 * (len - 4));
    } else if (len) {
        w = (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[len / 2] << (8 * (len / 2)) |
            (uint64_t)(unsigned char)s[len - 1] << (8 * (len - 1));
    }
    h = (h ^ w ^ ((uint64_t)len << 56)) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}


/* Id of s, or -1 when absent. */
int64_t qr_strtab_find(const qr_strtab *t, const char *s, size_t len, uint64_t hash);
/* Id of s, adding it when absent; -1 with err on out of memory or when the
 * table would pass 2^31 strings or 4 GiB of text. */
int64_t qr_strtab_intern(qr_strtab *t, const char *s, size_t len, uint64_t hash, qr_error *err);

/* dst (initialized or freed, not owned before) becomes a copy of src: the
 * same ids, slots and pool, copied as memory (no rehashing). 0, or -1 with
 * err on out of memory (dst is left empty). */
int qr_strtab_copy(qr_strtab *dst, const qr_strtab *src, qr_error *err);

/* Room for n strings in all without growing (a model's known vocabulary):
 * one table instead of a doubling and rehash per power of two. */
int qr_strtab_reserve(qr_strtab *t, size_t n, qr_error *err);

/* a == b for n bytes; inlined, as most features are a few bytes long. */
/* Starts loading the slot a lookup of hash reads first: lookups in a large
 * table wait on memory, and a hint a few lookups ahead hides most of it. */
static inline void qr_strtab_prefetch(const qr_strtab *t, uint64_t hash)
{
    if (t->slots)
        __builtin_prefetch(&t->slots[hash & t->mask]);
}

/* The second step, a little later: the slot is in cache by then, so the
 * record it points to can be asked for too. */
static inline void qr_strtab_prefetch_entry(const qr_strtab *t, uint64_t hash)
{
    if (!t->slots)
        return;
    uint64_t slot = t->slots[hash & t->mask];
    if (slot && slot >> 32 == hash >> 32)
        __builtin_prefetch(t->pool + (uint32_t)slot - 1);
}

static inline int qr_bytes_equal(const char *a, const char *b, size_t n)
{
    while (n >= 8) {
        uint64_t x, y;
        __builtin_memcpy(&x, a, 8);
        __builtin_memcpy(&y, b, 8);
        if (x != y)
            return 0;
        a += 8;
        b += 8;
        n -= 8;
    }
    while (n--)
        if (*a++ != *b++)
            return 0;
    return 1;
}

static inline const char *qr_strtab_str(const qr_strtab *t, size_t id, size_t *len)
{
    if (len)
        *len = t->ent[id].len;
    return t->pool + t->ent[id].off;
}

#endif
