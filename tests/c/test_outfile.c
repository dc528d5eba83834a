/* core/outfile: folders, temporary name, commit, background writer. */
#include "check.h"
#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/quarry-outfile-XXXXXX";

static const char *at(const char *rel)
{
    static char bufs[4][512];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, 512, "%s/%s", dir, rel);
    return b;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *slurp(const char *path)
{
    static char b[256];
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t n = fread(b, 1, sizeof b - 1, f);
    b[n] = '\0';
    fclose(f);
    return b;
}

static void test_mkdirs(void)
{
    char p[512];
    /* the folders above a file, not the file itself */
    snprintf(p, sizeof p, "%s", at("a/b/out.txt"));
    CHECK_EQ_INT(qr_mkdirs(p, 0), 0);
    CHECK_EQ_STR(p, at("a/b/out.txt"));
    CHECK(is_dir(at("a/b")));
    CHECK(!is_dir(at("a/b/out.txt")));
    /* a whole folder, existing parts are fine */
    snprintf(p, sizeof p, "%s", at("a/c/d"));
    CHECK_EQ_INT(qr_mkdirs(p, 1), 0);
    CHECK(is_dir(at("a/c/d")));
    snprintf(p, sizeof p, "%s", at("a/c/d/"));
    CHECK_EQ_INT(qr_mkdirs(p, 1), 0);
    /* under a regular file: fails, p cut at the folder that could not be made */
    FILE *f = fopen(at("file"), "wb");
    fclose(f);
    snprintf(p, sizeof p, "%s", at("file/x/y"));
    errno = 0;
    CHECK_EQ_INT(qr_mkdirs(p, 1), -1);
    CHECK_EQ_INT(errno, ENOTDIR);
    CHECK_EQ_STR(p, at("file/x"));
    p[0] = '\0';
    CHECK_EQ_INT(qr_mkdirs(p, 1), 0);
}

static void test_outfile(void)
{
    char *tmp = NULL;
    FILE *f = qr_outfile_open(at("out.txt"), &tmp);
    CHECK(f != NULL);
    char want[600];
    snprintf(want, sizeof want, "%s.tmp-%ld-", at("out.txt"), (long)getpid());
    CHECK(tmp != NULL && strncmp(tmp, want, strlen(want)) == 0 && strlen(tmp) > strlen(want));
    char *name = qr_outfile_tmpname(at("out.txt"));
    snprintf(want, sizeof want, "%s.tmp-%ld", at("out.txt"), (long)getpid());
    CHECK_EQ_STR(name, want);
    free(name);
    fputs("hello\n", f);
    CHECK(access(at("out.txt"), F_OK) != 0);   /* nothing at path before the commit */
    CHECK_EQ_INT(qr_outfile_commit(f, tmp, at("out.txt")), 0);
    CHECK_EQ_STR(slurp(at("out.txt")), "hello\n");
    CHECK(access(tmp, F_OK) != 0);
    free(tmp);

    /* replaces an old file */
    f = qr_outfile_open(at("out.txt"), &tmp);
    fputs("new\n", f);
    CHECK_EQ_INT(qr_outfile_commit(f, tmp, at("out.txt")), 0);
    CHECK_EQ_STR(slurp(at("out.txt")), "new\n");
    free(tmp);

    /* a rename that fails (a non-empty folder is at path): -1, temporary file gone */
    f = qr_outfile_open(at("a"), &tmp);
    fputs("x\n", f);
    errno = 0;
    CHECK_EQ_INT(qr_outfile_commit(f, tmp, at("a")), -1);
    CHECK(errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST);
    CHECK(access(tmp, F_OK) != 0);
    CHECK(is_dir(at("a/b")));
    free(tmp);

    /* two outputs to one path at once (two runs) get names of their own:
     * neither writes into the other's temporary file */
    FILE *f1 = qr_outfile_open(at("two.txt"), &tmp);
    char *tmp2 = NULL;
    FILE *f2 = qr_outfile_open(at("two.txt"), &tmp2);
    CHECK(f1 != NULL && f2 != NULL && strcmp(tmp, tmp2) != 0);
    fputs("one\n", f1);
    fputs("two\n", f2);
    CHECK_EQ_INT(qr_outfile_commit(f1, tmp, at("two.txt")), 0);
    CHECK_EQ_STR(slurp(at("two.txt")), "one\n");
    CHECK_EQ_INT(qr_outfile_commit(f2, tmp2, at("two.txt")), 0);
    CHECK_EQ_STR(slurp(at("two.txt")), "two\n");
    free(tmp);
    free(tmp2);

    /* a missing folder: NULL with errno, the name still given */
    errno = 0;
    f = qr_outfile_open(at("missing/out.txt"), &tmp);
    CHECK(f == NULL);
    CHECK_EQ_INT(errno, ENOENT);
    CHECK(tmp != NULL && strstr(tmp, "/missing/out.txt.tmp") != NULL);
    free(tmp);
}

/* The `seen` hook: bytes and a position-weighted sum of what it was shown. */
typedef struct seen_sum {
    size_t bytes;
    unsigned long long sum;
} seen_sum;

static void add_seen(void *ud, const char *p, size_t n)
{
    seen_sum *ss = ud;
    for (size_t i = 0; i < n; i++)
        ss->sum += (unsigned long long)(unsigned char)p[i] * (ss->bytes + i + 1);
    ss->bytes += n;
}

/* Hand-overs reach the file (and the seen hook) in order, buffers come back
 * to be refilled, and a failed write is reported by the next hand-over and
 * by wait. */
static void test_bgwriter(void)
{
    FILE *f = fopen(at("bg.txt"), "wb");
    seen_sum ss = {0, 0};
    qr_bgwriter *w = qr_bgwriter_new(f, NULL, add_seen, &ss);
    CHECK(w != NULL);
    char *buf = NULL, *seen[2] = { NULL, NULL };
    size_t cap = 0, n = 0, total = 0;
    int order_ok = 1, gives_ok = 1;
    for (int k = 0; k < 200; k++) {
        size_t len = 1000 + (size_t)k * 37;
        if (cap < len) {
            buf = realloc(buf, len);
            cap = len;
        }
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)('a' + (total + i) % 26);
        n = len;
        total += len;
        gives_ok &= qr_bgwriter_give(w, &buf, &cap, &n) == 0 && n == 0;
        if (k < 2)
            seen[k] = buf;     /* NULL first, then the first buffer back */
    }
    CHECK(gives_ok);
    CHECK(seen[0] == NULL);
    CHECK(seen[1] != NULL);
    CHECK_EQ_INT(qr_bgwriter_wait(w), 0);
    qr_bgwriter_free(w);
    free(buf);
    CHECK_EQ_INT(fclose(f), 0);
    f = fopen(at("bg.txt"), "rb");
    size_t got = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        order_ok &= c == 'a' + (int)(got % 26);
        got++;
    }
    fclose(f);
    CHECK_EQ_INT(got, total);
    CHECK(order_ok);
    /* the hook saw the same bytes in the same order */
    unsigned long long want_sum = 0;
    for (size_t i = 0; i < total; i++)
        want_sum += (unsigned long long)('a' + i % 26) * (i + 1);
    CHECK_EQ_INT(ss.bytes, total);
    CHECK(ss.sum == want_sum);

    /* nothing handed over: wait and free right away; the file the output
     * would replace keeps its content (only its cached pages go) */
    f = fopen(at("bg-old.txt"), "wb");
    fputs("old content\n", f);
    fclose(f);
    f = fopen(at("bg-empty.txt"), "wb");
    w = qr_bgwriter_new(f, at("bg-old.txt"), NULL, NULL);
    CHECK(w != NULL);
    CHECK_EQ_INT(qr_bgwriter_wait(w), 0);
    qr_bgwriter_free(w);
    qr_bgwriter_free(NULL);
    fclose(f);
    CHECK_EQ_STR(slurp(at("bg-old.txt")), "old content\n");
    /* a file to replace that does not exist is fine */
    f = fopen(at("bg-empty.txt"), "wb");
    w = qr_bgwriter_new(f, at("no-such-file"), NULL, NULL);
    CHECK(w != NULL);
    CHECK_EQ_INT(qr_bgwriter_wait(w), 0);
    qr_bgwriter_free(w);
    fclose(f);

    /* a full device: the failure comes back with its errno */
    f = fopen("/dev/full", "wb");
    if (!f)
        return;
    setvbuf(f, NULL, _IONBF, 0);
    w = qr_bgwriter_new(f, NULL, NULL, NULL);
    buf = malloc(4096);
    memset(buf, 'x', 4096);
    cap = n = 4096;
    CHECK_EQ_INT(qr_bgwriter_give(w, &buf, &cap, &n), 0);
    errno = 0;
    CHECK_EQ_INT(qr_bgwriter_wait(w), -1);
    CHECK_EQ_INT(errno, ENOSPC);
    buf = malloc(10);
    cap = n = 10;
    memcpy(buf, "0123456789", 10);
    errno = 0;
    CHECK_EQ_INT(qr_bgwriter_give(w, &buf, &cap, &n), -1);
    CHECK_EQ_INT(errno, ENOSPC);
    CHECK_EQ_INT(n, 10);                     /* the caller's buffer left as it was */
    CHECK(memcmp(buf, "0123456789", 10) == 0);
    free(buf);
    qr_bgwriter_free(w);
    fclose(f);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_mkdirs();
    test_outfile();
    test_bgwriter();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return DONE("outfile");
}
