#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int qr_mkdirs(char *p, int whole)
{
    if (!*p)
        return 0;
    for (char *s = p + 1;; s++) {
        char c = *s;
        if (c != '/' && !(c == '\0' && whole)) {
            if (c == '\0')
                return 0;
            continue;
        }
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            return -1;
        *s = c;
        if (c == '\0')
            return 0;
    }
}

int qr_mkdirs_check(char *p, int whole)
{
    /* the folders to make, outermost first; the deepest one that exists
     * (or ".") will receive the first new folder, or the output itself */
    char *deepest = NULL;      /* end of the deepest existing prefix */
    char *missing = NULL;      /* end of the first missing one         */
    for (char *s = p + (*p == '/');; s++) {
        char c = *s;
        if (c != '/' && !(c == '\0' && whole)) {
            if (c == '\0')
                break;
            continue;
        }
        if (s == p)
            continue;
        *s = '\0';
        struct stat st;
        int there = stat(p, &st) == 0;
        int e = errno;
        *s = c;
        if (!there) {
            if (e != ENOENT) {
                *s = '\0';
                errno = e;
                return -1;
            }
            missing = s;
            break;              /* this one and the deeper ones are to be made */
        }
        if (!S_ISDIR(st.st_mode)) {
            *s = '\0';
            errno = ENOTDIR;
            return -1;
        }
        deepest = s;
        if (c == '\0')
            break;
    }
    if (!missing)
        return 0;               /* nothing to make */
    int ok;
    if (deepest) {
        char c = *deepest;
        *deepest = '\0';
        ok = access(p, W_OK | X_OK) == 0;
        *deepest = c;
    } else {
        ok = access(*p == '/' ? "/" : ".", W_OK | X_OK) == 0;
    }
    if (ok)
        return 0;
    int e = errno;
    *missing = '\0';            /* named as qr_mkdirs would: the one not made */
    errno = e;
    return -1;
}

char *qr_outfile_tmpname(const char *path)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (tmp)
        snprintf(tmp, n, "%s.tmp-%ld", path, (long)getpid());
    return tmp;
}

FILE *qr_outfile_open(const char *path, char **tmp)
{
    size_t n = strlen(path) + 64;
    if (!(*tmp = malloc(n))) {
        errno = ENOMEM;
        return NULL;
    }
    /* a name nobody has: pid, then a number from the clock and the call */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long salt = (unsigned long)((uintptr_t)tmp ^ (uintptr_t)ts.tv_nsec);
    for (unsigned long attempt = 0; attempt < 100; attempt++) {
        snprintf(*tmp, n, "%s.tmp-%ld-%lx", path, (long)getpid(), salt + attempt);
        int fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return NULL;
        FILE *f = fdopen(fd, "wb");
        if (!f) {
            int e = errno;
            close(fd);
            unlink(*tmp);
            errno = e;
        }
        return f;
    }
    errno = EEXIST;
    return NULL;
}

int qr_outfile_commit(FILE *f, const char *tmp, const char *path)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

/* {==================================================================
 * Background writer
 * =================================================================== */
struct qr_bgwriter {
    FILE *f;
    char *replaces;     /* the file the output will replace, or NULL      */
    qr_bgwriter_fn seen;/* called with each buffer before it is written   */
    void *seen_ud;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *buf;          /* handed over; empty and free to swap when !busy */
    size_t cap, n;
    int busy;           /* buf is being written                           */
    int stop;
    int err;            /* errno of the first failed write, 0              */
};

/* The file an output replaces is freed when the output is renamed over
 * it, at the end of the run: its cached pages go first, here, while the
 * run goes on. 1 when there is such a file, 0 when the output is new. */
static int drop_cached(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    return 1;
}

static void *bg_main(void *arg)
{
    qr_bgwriter *w = arg;
    int replacing = w->replaces && drop_cached(w->replaces);
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->busy && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->busy)
            break;
        char *p = w->buf;
        size_t n = w->n;
        pthread_mutex_unlock(&w->mu);
        int e = 0;
        if (n && w->seen)
            w->seen(w->seen_ud, p, n);
        if (n && fwrite(p, 1, n, w->f) != n)
            e = errno ? errno : EIO;
#if defined(SYNC_FILE_RANGE_WRITE)
        /* When the output replaces a file, start writing what it holds to
         * disk (no wait): the rename at the end then finds little to do
         * (ext4 flushes a file renamed over another). A new output is
         * left to the kernel's own write-back: starting it here costs the
         * run CPU time (measured: 15 ms of 0.26 s at -j 1). */
        if (!e && replacing)
            sync_file_range(fileno(w->f), 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
        pthread_mutex_lock(&w->mu);
        if (e)
            w->err = e;
        w->n = 0;
        w->busy = 0;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

qr_bgwriter *qr_bgwriter_new(FILE *f, const char *replaces, qr_bgwriter_fn seen, void *seen_ud)
{
    qr_bgwriter *w = calloc(1, sizeof *w);
    if (!w || (replaces && !(w->replaces = strdup(replaces)))) {
        free(w);
        errno = ENOMEM;
        return NULL;
    }
    w->f = f;
    w->seen = seen;
    w->seen_ud = seen_ud;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    int e = pthread_create(&w->thread, NULL, bg_main, w);
    if (e != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w->replaces);
        free(w);
        errno = e;
        return NULL;
    }
    return w;
}

/* Waits for the writer to be idle; called with mu held. */
static void bg_idle(qr_bgwriter *w)
{
    while (w->busy)
        pthread_cond_wait(&w->cv, &w->mu);
}

int qr_bgwriter_give(qr_bgwriter *w, char **buf, size_t *cap, size_t *n)
{
    pthread_mutex_lock(&w->mu);
    bg_idle(w);
    if (w->err) {
        errno = w->err;
        pthread_mutex_unlock(&w->mu);
        return -1;
    }
    char *p = w->buf;
    size_t c = w->cap;
    w->buf = *buf;
    w->cap = *cap;
    w->n = *n;
    w->busy = 1;
    *buf = p;
    *cap = c;
    *n = 0;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

int qr_bgwriter_wait(qr_bgwriter *w)
{
    pthread_mutex_lock(&w->mu);
    bg_idle(w);
    int e = w->err;
    pthread_mutex_unlock(&w->mu);
    if (e) {
        errno = e;
        return -1;
    }
    return 0;
}

void qr_bgwriter_free(qr_bgwriter *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    bg_idle(w);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w->buf);
    free(w->replaces);
    free(w);
}

/* }================================================================== */
