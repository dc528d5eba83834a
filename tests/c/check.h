/* Tiny test harness: CHECK(cond), CHECK_EQ_INT, CHECK_EQ_STR; DONE() prints
 * "<suite>: N passed, N failed" and returns the exit status. */
#ifndef QR_CHECK_H
#define QR_CHECK_H
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do { if (cond) check_passed++; else { check_failed++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ == b_) check_passed++; else { check_failed++; \
    fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_); } } while (0)
#define CHECK_EQ_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
    if (a_ && b_ && strcmp(a_, b_) == 0) check_passed++; else { check_failed++; \
    fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
            a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } } while (0)
#define CHECK_EQ_MEM(p, n, s) do { const char *s_ = (s); size_t n_ = (size_t)(n); \
    if (n_ == strlen(s_) && memcmp((p), s_, n_) == 0) check_passed++; else { check_failed++; \
    fprintf(stderr, "%s:%d: %s == \"%.*s\", expected \"%s\"\n", __FILE__, __LINE__, #p, \
            (int)n_, (const char *)(p), s_); } } while (0)
#define DONE(suite) (printf("%s: %d passed, %d failed\n", (suite), check_passed, check_failed), \
    check_failed ? 1 : 0)
#endif
