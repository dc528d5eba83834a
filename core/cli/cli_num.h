/*
 * cli_num — decimal numbers for the commands' hand-built output lines
 * (tokenize, match), without printf on the per-token path.
 */
#ifndef QR_CLI_NUM_H
#define QR_CLI_NUM_H

#include <stdint.h>
#include <string.h>

/* Writes v in decimal at p (room for 20 bytes); returns the end. Two
 * digits per division. */
static inline char *cli_put_uint(char *p, uint64_t v)
{
    static const char pairs[201] =
        "0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
        "5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";
    char tmp[20];
    int n = 20;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        tmp[--n] = pairs[d + 1];
        tmp[--n] = pairs[d];
    }
    if (v >= 10) {
        tmp[--n] = pairs[v * 2 + 1];
        tmp[--n] = pairs[v * 2];
    } else {
        tmp[--n] = (char)('0' + v);
    }
    memcpy(p, tmp + n, 20 - (size_t)n);
    return p + 20 - n;
}

#endif
