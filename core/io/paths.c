#include "io/paths.h"
#include "error.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MAX_DEPTH = 32 };

void qr_file_list_free(qr_file_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]);
        free(l->name[i]);
    }
    for (size_t i = 0; i < l->n_skipped; i++)
        free(l->skipped[i]);
    for (size_t i = 0; i < l->n_empty; i++)
        free(l->empty[i]);
    free(l->empty);
    free(l->v);
    free(l->name);
    free(l->size);
    free(l->skipped);
    free(l->cwd);
    memset(l, 0, sizeof *l);
}

static int add_file(qr_file_list *l, const char *path, int64_t size, qr_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return qr_error_set(err, "out of memory");
        l->v = v;
        if (!(v = realloc(l->name, cap * sizeof *v)))
            return qr_error_set(err, "out of memory");
        l->name = v;
        int64_t *s = realloc(l->size, cap * sizeof *s);
        if (!s)
            return qr_error_set(err, "out of memory");
        l->size = s;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(path)))
        return qr_error_set(err, "out of memory");
    if (!(l->name[l->n] = qr_path_clean(path))) {
        free(l->v[l->n]);
        return qr_error_set(err, "out of memory");
    }
    l->size[l->n++] = size;
    return 0;
}

char *qr_path_clean(const char *path)
{
    size_t n = strlen(path), r = 0, w = 0, dotdot = 0;
    char *out = malloc(n + 2);
    if (!out)
        return NULL;
    int rooted = path[0] == '/';
    if (rooted) {
        out[w++] = '/';
        r = dotdot = 1;
    }
    while (r < n) {
        if (path[r] == '/')
            r++;
        else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/'))
            r++;
        else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) {
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                out[w++] = '/';
            while (r < n && path[r] != '/')
                out[w++] = path[r++];
        }
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = '\0';
    return out;
}

/* path made absolute against cwd (NULL: left as it is), then cleaned */
static char *absolute_in(const char *cwd, const char *path)
{
    char *full = NULL;
    if (path[0] != '/' && cwd) {
        size_t n = strlen(cwd) + strlen(path) + 2;
        if ((full = malloc(n)))
            snprintf(full, n, "%s/%s", cwd, path);
    }
    char *c = qr_path_clean(full ? full : path);
    free(full);
    return c;
}

char *qr_path_absolute(const char *path)
{
    char cwd[4096];
    return absolute_in(path[0] != '/' && getcwd(cwd, sizeof cwd) ? cwd : NULL, path);
}

/* Appends name (owned; NULL from a failed allocation) to v[0..n); -1 on
 * OOM, name freed. */
static int push_name(char ***v, size_t *n, char *name)
{
    char **g = name ? realloc(*v, (*n + 1) * sizeof *g) : NULL;
    if (!g) {
        free(name);
        return -1;
    }
    *v = g;
    g[(*n)++] = name;
    return 0;
}

/* 1 when a file a walk or glob found is one of the run's outputs (or in
 * one, or a temporary file of one): it is passed over, and listed in
 * l->skipped unless temporary; -1 on OOM. */
static int is_output(qr_file_list *l, const char *path, qr_error *err)
{
    if (!l->outputs || !l->outputs[0])
        return 0;
    char *abs = absolute_in(l->cwd, path);
    if (!abs)
        return qr_error_set(err, "out of memory");
    int hit = 0, tmp = 0;
    size_t inside = 0;      /* for a file in a folder output: its length past the folder */
    for (size_t i = 0; l->outputs[i] && !hit; i++) {
        size_t n = strlen(l->outputs[i]);
        /* the output, a file in it (a folder output), its temporary file or
         * folder (this run's, or one a killed run left: not listed) */
        if (strncmp(abs, l->outputs[i], n) != 0)
            continue;
        tmp = strncmp(abs + n, ".tmp-", 5) == 0;
        hit = abs[n] == '\0' || abs[n] == '/' || tmp;
        inside = abs[n] == '/' ? strlen(abs + n) : 0;
    }
    free(abs);
    if (!hit)
        return 0;
    if (tmp)
        return 1;
    char *name = qr_path_clean(path);
    if (!name)
        return qr_error_set(err, "out of memory");
    size_t len = strlen(name);
    if (inside && inside < len)     /* listed once, as the folder */
        name[len - inside] = '\0';
    if (l->n_skipped && !strcmp(l->skipped[l->n_skipped - 1], name)) {
        free(name);
        return 1;
    }
    return push_name(&l->skipped, &l->n_skipped, name) == 0 ? 1 : qr_error_set(err, "out of memory");
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(qr_file_list *l, const char *path, int depth, qr_error *err);

/* The folders a walk is inside, outermost first: a symbolic link back to
 * one of them (a loop) is passed over, its files being read already. */
typedef struct walk_path {
    dev_t dev[MAX_DEPTH + 2];
    ino_t ino[MAX_DEPTH + 2];
    int n;
} walk_path;

static int walk_dir(qr_file_list *l, const char *dir, int depth, walk_path *wp, qr_error *err)
{
    if (depth > MAX_DEPTH)
        return qr_error_at(err, dir, 0, 0, "folders nested deeper than %d levels", MAX_DEPTH);
    struct stat ds;
    if (stat(dir, &ds) != 0)
        return qr_error_at(err, dir, 0, 0, "cannot read folder: %s", strerror(errno));
    for (int i = 0; i < wp->n; i++)
        if (wp->dev[i] == ds.st_dev && wp->ino[i] == ds.st_ino)
            return 0;       /* a link back to a folder being walked: a loop */
    wp->dev[wp->n] = ds.st_dev;
    wp->ino[wp->n] = ds.st_ino;
    wp->n++;
    int rc = 0;
    DIR *d = opendir(dir);
    if (!d) {
        wp->n--;
        return qr_error_at(err, dir, 0, 0, "cannot read folder: %s", strerror(errno));
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **v = realloc(names, cap * sizeof *v);
            if (!v) {
                rc = qr_error_set(err, "out of memory");
                break;
            }
            names = v;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = qr_error_set(err, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (rc == 0 && n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    size_t dlen = strlen(dir);
    int slash = dlen > 0 && dir[dlen - 1] == '/';
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t plen = dlen + 1 + strlen(names[i]) + 1;
        char *p = malloc(plen);
        if (!p) {
            rc = qr_error_set(err, "out of memory");
            break;
        }
        snprintf(p, plen, "%s%s%s", dir, slash ? "" : "/", names[i]);
        struct stat st, ls;
        char target[512];
        ssize_t tn;
        int e = stat(p, &st) == 0 ? 0 : errno;
        if (e == ENOENT && lstat(p, &ls) == 0 && S_ISLNK(ls.st_mode) &&
            (tn = readlink(p, target, sizeof target - 1)) >= 0) {
            target[tn] = '\0';
            rc = qr_error_at(err, p, 0, 0, "a symbolic link to %s, which does not exist; remove the "
                             "link, or give the input files or folders by name", target);
        } else if (e)
            rc = qr_error_at(err, p, 0, 0, "cannot read: %s", strerror(e));
        else if (S_ISDIR(st.st_mode))
            rc = walk_dir(l, p, depth + 1, wp, err);
        else if (S_ISREG(st.st_mode) && (rc = is_output(l, p, err)) == 0)
            rc = add_path(l, p, depth, err);
        if (rc == 1)
            rc = 0;
        free(p);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    wp->n--;
    return rc;
}

static int add_path(qr_file_list *l, const char *path, int depth, qr_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return qr_error_at(err, path, 0, 0, "cannot read: %s", strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        walk_path wp = {.n = 0};
        return walk_dir(l, path, depth + 1, &wp, err);
    }
    if (access(path, R_OK) != 0)
        return qr_error_at(err, path, 0, 0, "cannot read: %s", strerror(errno));
    return add_file(l, path, S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1, err);
}

static int has_glob_chars(const char *p)
{
    return strpbrk(p, "*?[") != NULL;
}

static int expand_one(qr_file_list *l, const char *path, qr_error *err)
{
    if (strcmp(path, "-") == 0)
        return add_file(l, "-", -1, err);
    if (!*path)
        return qr_error_set(err, "an input path is empty");
    struct stat st;
    if (stat(path, &st) == 0)
        return add_path(l, path, 0, err);
    if (!has_glob_chars(path)) {
        if (errno == ENOENT && l->from_pipeline)
            return qr_error_at(err, path, 0, 0,
                               "no such file or folder (relative input.paths are resolved "
                               "against the pipeline's folder)");
        if (errno == ENOENT)
            return qr_error_at(err, path, 0, 0, "no such file or folder");
        return qr_error_at(err, path, 0, 0, "cannot read: %s", strerror(errno));
    }
    glob_t g;
    int rc = glob(path, GLOB_ERR, NULL, &g);
    if (rc == GLOB_NOMATCH) {
        globfree(&g);
        return qr_error_at(err, path, 0, 0, "no file matches this pattern");
    }
    if (rc != 0) {
        globfree(&g);
        return qr_error_at(err, path, 0, 0, "cannot expand this pattern: %s",
                           rc == GLOB_NOSPACE ? "out of memory" : "a folder could not be read");
    }
    int status = 0;
    for (size_t i = 0; i < g.gl_pathc && status == 0; i++)
        if ((status = is_output(l, g.gl_pathv[i], err)) == 0)
            status = add_path(l, g.gl_pathv[i], 0, err);
        else if (status == 1)
            status = 0;
    globfree(&g);
    return status;
}

int qr_paths_expand(const char *const *paths, size_t n, qr_file_list *out,
                    qr_error *err)
{
    char cwd[4096];
    if (out->outputs && out->outputs[0] && !out->cwd && getcwd(cwd, sizeof cwd) &&
        !(out->cwd = strdup(cwd)))
        return qr_error_set(err, "out of memory");
    for (size_t i = 0; i < n; i++) {
        size_t before = out->n;
        if (expand_one(out, paths[i], err) != 0)
            return -1;
        /* a folder that gave nothing: said in the summary, not an error
         * (a drop folder may be empty; a glob without a match is one) */
        struct stat st;
        if (out->n == before && strcmp(paths[i], "-") && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            if (push_name(&out->empty, &out->n_empty, qr_path_clean(paths[i])) != 0)
                return qr_error_set(err, "out of memory");
        }
    }
    return 0;
}
