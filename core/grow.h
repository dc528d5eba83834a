/*
 * grow — the doubling growth of a byte buffer that the writers share
 * (export, clean, quarry sentences and match output): one realloc per
 * doubling, the buffer kept as it was when memory runs out.
 */
#ifndef QR_GROW_H
#define QR_GROW_H

#include <stdlib.h>

/* Makes *buf (capacity *cap bytes) hold at least `need` bytes: starting
 * from `first` when empty, doubling. 0, or -1 when out of memory (*buf and
 * *cap unchanged). */
static inline int qr_grow(char **buf, size_t *cap, size_t need, size_t first)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : first;
    while (c < need)
        c *= 2;
    char *p = realloc(*buf, c);
    if (!p)
        return -1;
    *buf = p;
    *cap = c;
    return 0;
}

#endif
