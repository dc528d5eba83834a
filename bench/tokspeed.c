/* tokspeed — throughput of qr_tokenize alone (offsets, kinds, flags, keys).
 * usage: tokspeed FILE [REPEATS]   (the file is read once into memory) */
#include "tokenize.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tokspeed FILE [REPEATS]\n");
        return 2;
    }
    int repeats = argc > 2 ? atoi(argv[2]) : 3;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)len + 1);
    if (!text || fread(text, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "tokspeed: cannot read %s\n", argv[1]);
        return 2;
    }
    fclose(f);
    qr_tokens t;
    qr_tokens_init(&t);
    qr_error err;
    double best = 1e9;
    for (int r = 0; r < repeats; r++) {
        double t0 = now();
        if (qr_tokenize(text, (size_t)len, &t, &err) != 0) {
            fprintf(stderr, "tokspeed: %s\n", err.message);
            return 1;
        }
        double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    printf("bytes %ld tokens %zu best %.3f s  %.1f MB/s  %.1f M tokens/s\n", len, t.n, best,
           len / best / 1e6, t.n / best / 1e6);
    qr_tokens_free(&t);
    free(text);
    return 0;
}
