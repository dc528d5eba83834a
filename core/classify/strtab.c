#include "classify/strtab.h"
#include "error.h"
#include "grow.h"

#include <stdlib.h>
#include <string.h>

void qr_strtab_init(qr_strtab *t)
{
    memset(t, 0, sizeof *t);
}

void qr_strtab_free(qr_strtab *t)
{
    free(t->slots);
    free(t->ent);
    free(t->pool);
    qr_strtab_init(t);
}

int64_t qr_strtab_find(const qr_strtab *t, const char *s, size_t len, uint64_t hash)
{
    if (!t->slots)
        return -1;
    /* the slot carries the hash's high half: other strings are passed over
     * without touching their entries */
    uint64_t tag = hash >> 32;
    for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
        uint64_t slot = t->slots[i];
        if (!slot)
            return -1;
        if (slot >> 32 != tag)
            continue;
        const char *rec = t->pool + (uint32_t)slot - 1;
        uint32_t id, rlen;
        memcpy(&id, rec, 4);
        memcpy(&rlen, rec + 4, 4);
        if (rlen == len && qr_bytes_equal(rec + 8, s, len))
            return id;
    }
}

static int rehash(qr_strtab *t, size_t n)
{
    /* written before it is read, not calloc'd: a fresh calloc'd block is
     * the shared zero page until written, and writing it after probes have
     * read it costs a second fault and a TLB flush on every core. The empty
     * asm keeps the compiler from turning malloc + memset into calloc. */
    uint64_t *slots = malloc(n * sizeof *slots);
    if (!slots)
        return -1;
    __asm__ volatile("" : : "r"(slots) : "memory");
    memset(slots, 0, n * sizeof *slots);
    for (size_t id = 0; id < t->n; id++) {
        size_t i = t->ent[id].hash & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = (t->ent[id].hash >> 32) << 32 | (t->ent[id].off - 8 + 1);
    }
    free(t->slots);
    t->slots = slots;
    t->mask = n - 1;
    return 0;
}

static int grow_slots(qr_strtab *t)
{
    return rehash(t, t->slots ? (t->mask + 1) * 2 : 1024);
}

int qr_strtab_copy(qr_strtab *dst, const qr_strtab *src, qr_error *err)
{
    qr_strtab_init(dst);
    if (!src->slots)
        return 0;
    size_t ns = src->mask + 1, ne = src->n ? src->n : 1, np = src->pool_len ? src->pool_len : 1;
    dst->slots = malloc(ns * sizeof *dst->slots);
    dst->ent = malloc(ne * sizeof *dst->ent);
    dst->pool = malloc(np);
    if (!dst->slots || !dst->ent || !dst->pool) {
        qr_strtab_free(dst);
        return qr_error_set(err, "out of memory");
    }
    memcpy(dst->slots, src->slots, ns * sizeof *dst->slots);
    memcpy(dst->ent, src->ent, src->n * sizeof *dst->ent);
    memcpy(dst->pool, src->pool, src->pool_len);
    dst->mask = src->mask;
    dst->n = src->n;
    dst->cap = ne;
    dst->pool_len = src->pool_len;
    dst->pool_cap = np;
    return 0;
}

int qr_strtab_reserve(qr_strtab *t, size_t n, qr_error *err)
{
    size_t want = t->slots ? t->mask + 1 : 1024;
    while (want < n * 2)
        want *= 2;
    if ((!t->slots || want > t->mask + 1) && rehash(t, want) != 0)
        return qr_error_set(err, "out of memory");
    if (n > t->cap) {
        qr_strtab_ent *e = realloc(t->ent, n * sizeof *e);
        if (!e)
            return qr_error_set(err, "out of memory");
        t->ent = e;
        t->cap = n;
    }
    return 0;
}

int64_t qr_strtab_intern(qr_strtab *t, const char *s, size_t len, uint64_t hash, qr_error *err)
{
    int64_t found = qr_strtab_find(t, s, len, hash);
    if (found >= 0)
        return found;
    if (t->n >= 0x7fffffff || t->pool_len + len + 9 > 0xfffffffeu)
        return qr_error_set(err, "too many distinct strings (more than 2^31, or 4 GiB of text); "
                            "use hashing to a fixed number of buckets");
    if (!t->slots || (t->n + 1) * 2 > t->mask + 1) {
        if (grow_slots(t) != 0)
            return qr_error_set(err, "out of memory");
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        qr_strtab_ent *e = realloc(t->ent, cap * sizeof *e);
        if (!e)
            return qr_error_set(err, "out of memory");
        t->ent = e;
        t->cap = cap;
    }
    if (qr_grow(&t->pool, &t->pool_cap, t->pool_len + len + 9, 4096) != 0)
        return qr_error_set(err, "out of memory");
    size_t rec = t->pool_len;
    uint32_t id = (uint32_t)t->n, l32 = (uint32_t)len;
    memcpy(t->pool + rec, &id, 4);
    memcpy(t->pool + rec + 4, &l32, 4);
    memcpy(t->pool + rec + 8, s, len);
    t->pool[rec + 8 + len] = '\0';
    t->ent[t->n] = (qr_strtab_ent){hash, (uint32_t)(rec + 8), l32};
    t->pool_len += len + 9;
    size_t i = hash & t->mask;
    while (t->slots[i])
        i = (i + 1) & t->mask;
    t->slots[i] = (hash >> 32) << 32 | (rec + 1);
    return (int64_t)t->n++;
}
