#include "news_out.h"
#include "error.h"
#include "outfile.h"
#include "registry.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int qr_out_mkdirs(const char *dir, qr_error *err)
{
    char *p = strdup(dir);
    if (!p)
        return qr_error_set(err, "out of memory");
    int rc = qr_mkdirs(p, 1) == 0 ? 0 : qr_error_set(err, "cannot create folder %s: %s", p, strerror(errno));
    free(p);
    return rc;
}

/* The output is renamed over path at the end: never over /dev/null or a
 * link. -1 with err. */
static int check_replaceable(const char *path, qr_error *err)
{
    struct stat sb;
    if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
        return qr_error_set(err, "cannot write %s: it is a device, pipe or symbolic link, and the "
                            "finished output replaces what is at that path; give a file path", path);
    return 0;
}

char *qr_out_temp_path(const char *path, qr_error *err)
{
    if (check_replaceable(path, err) != 0)
        return NULL;
    const char *slash = strrchr(path, '/');
    if (slash && slash != path) {
        char *dir = strndup(path, (size_t)(slash - path));
        int rc = dir ? qr_out_mkdirs(dir, err) : qr_error_set(err, "out of memory");
        free(dir);
        if (rc != 0)
            return NULL;
    }
    char *tmp = qr_outfile_tmpname(path);
    if (!tmp) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    qr_out_remove_tree(tmp);
    return tmp;
}

int qr_out_commit(const char *tmp, const char *path, qr_error *err)
{
    struct stat st;
    if (stat(tmp, &st) == 0 && S_ISDIR(st.st_mode) && stat(path, &st) == 0) {
        /* a folder output replaces the old folder: move it aside first */
        size_t n = strlen(path) + 32;
        char *old = malloc(n);
        if (!old)
            return qr_error_set(err, "out of memory");
        snprintf(old, n, "%s.old%ld", path, (long)getpid());
        qr_out_remove_tree(old);
        if (rename(path, old) != 0) {
            qr_error_set(err, "cannot replace %s: %s", path, strerror(errno));
            free(old);
            return -1;
        }
        int rc = rename(tmp, path);
        if (rc != 0)
            rename(old, path);
        else
            qr_out_remove_tree(old);
        free(old);
        return rc == 0 ? 0 : qr_error_set(err, "cannot move %s to %s: %s", tmp, path, strerror(errno));
    }
    if (rename(tmp, path) != 0)
        return qr_error_set(err, "cannot move %s to %s: %s", tmp, path, strerror(errno));
    return 0;
}

void qr_out_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            size_t n = strlen(path) + strlen(e->d_name) + 2;
            char *sub = malloc(n);
            if (sub) {
                snprintf(sub, n, "%s/%s", path, e->d_name);
                qr_out_remove_tree(sub);
                free(sub);
            }
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

int qr_out_path_opt(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx,
                    const char *missing, char **path, char **tmp, qr_error *err)
{
    const qr_value *v = api->opt(opts, "path");
    if (!v || !api->value_string(v) || !*api->value_string(v)) {
        qr_error_set(err, "%s", missing);
        if (v)
            api->value_mark(v, err);
        return -1;
    }
    if (!(*path = api->resolve_path(ctx, api->value_string(v))))
        return qr_error_set(err, "out of memory");
    if (qr_step_ctx_checking(ctx)) {   /* quarry check: make nothing; *tmp stays NULL */
        if (check_replaceable(*path, err) != 0)
            return -1;
        char *dir = strdup(*path);
        if (!dir)
            return qr_error_set(err, "out of memory");
        int rc = qr_mkdirs_check(dir, 0) == 0 ? 0
                 : qr_error_set(err, "cannot create folder %s: %s", dir, strerror(errno));
        free(dir);
        return rc;
    }
    return (*tmp = qr_out_temp_path(*path, err)) ? 0 : -1;
}

int qr_out_close(FILE *f, const char *name, qr_error *err)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return qr_error_set(err, "cannot write %s: %s", name, strerror(errno));
    return 0;
}

void qr_out_release(char *path, char *tmp, int done)
{
    if (!done && tmp)
        qr_out_remove_tree(tmp);
    free(path);
    free(tmp);
}

void qr_out_html(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(s[i], f);
        }
    }
}

static uint32_t hash_key(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static qr_counter_item *counter_slot(qr_counter_item *v, size_t cap, const char *key)
{
    size_t i = hash_key(key) & (cap - 1);
    while (v[i].key && strcmp(v[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &v[i];
}

int qr_counter_add(qr_counter *c, const char *key, long by, uint64_t doc)
{
    if ((c->n + 1) * 2 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        qr_counter_item *v = calloc(cap, sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < c->cap; i++)
            if (c->v[i].key)
                *counter_slot(v, cap, c->v[i].key) = c->v[i];
        free(c->v);
        c->v = v;
        c->cap = cap;
    }
    qr_counter_item *it = counter_slot(c->v, c->cap, key);
    if (!it->key) {
        if (!(it->key = strdup(key)))
            return -1;
        it->count = it->docs = 0;
        it->last_doc = UINT64_MAX;
        c->n++;
    }
    it->count += by;
    if (it->last_doc != doc) {
        it->docs++;
        it->last_doc = doc;
    }
    return 0;
}

static int cmp_item(const void *a, const void *b)
{
    const qr_counter_item *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    if (x->docs != y->docs)
        return x->docs < y->docs ? 1 : -1;
    return strcmp(x->key, y->key);
}

qr_counter_item *qr_counter_sorted(const qr_counter *c, size_t *n)
{
    *n = 0;
    if (!c->n)
        return NULL;
    qr_counter_item *v = malloc(c->n * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < c->cap; i++)
        if (c->v[i].key)
            v[(*n)++] = c->v[i];
    qsort(v, *n, sizeof *v, cmp_item);
    return v;
}

long qr_counter_get(const qr_counter *c, const char *key)
{
    if (!c->cap)
        return 0;
    const qr_counter_item *it = counter_slot(c->v, c->cap, key);
    return it->key ? it->count : 0;
}

void qr_counter_free(qr_counter *c)
{
    for (size_t i = 0; i < c->cap; i++)
        free(c->v[i].key);
    free(c->v);
    c->v = NULL;
    c->cap = c->n = 0;
}

