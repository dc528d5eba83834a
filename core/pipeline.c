#include "pipeline.h"
#include "doc.h"
#include "error.h"
#include "host.h"
#include "module.h"
#include "registry.h"
#include "yaml_load.h"
#include "io/paths.h"
#include "io/reader.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The ctx handed to init() is a qr_step_ctx_host (registry.h). */
typedef qr_step_ctx_host step_ctx_ex;

typedef struct written {
    char *path;              /* absolute, cleaned lexically */
    const char *step;        /* the step's name              */
    int line;                /* where its path option is     */
    int shared;              /* QR_OPT_SHARED: others of its kind may write it too */
} written;

typedef struct step_inst {
    const qr_step_def *def;
    char *name;              /* name: or the type                   */
    qr_on_error on_error;
    qr_value *options;       /* validated, defaults filled          */
    char *file;              /* where the step item was written     */
    int line, col;
    step_ctx_ex cx;
    void *state;
    int inited;
    int serialize;           /* neither thread-safe nor per-thread   */
    pthread_mutex_t lock;
} step_inst;

struct qr_pipeline {
    char *name, *file, *base_dir, *errors_path;
    qr_value *input;         /* validated input map, or NULL        */
    step_inst **steps;
    size_t n_steps;
    size_t ordered_from;
    int has_run;             /* qr_pipeline_begin_run was called */
    written *written;        /* the paths steps write (QR_OPT_WRITTEN) */
    size_t n_written;
    char **own;              /* the files it reads: qr_pipeline_own_file */
    char **own_by;           /* who reads each: qr_pipeline_reader_of */
    size_t n_own;
};

typedef struct snapshot {
    size_t n_spans;
    qr_label *labels;
    size_t n_labels, cap_labels;
    const char *label;
    json_t *fields;
    char *text;              /* text-modifying steps only */
    size_t len, text_cap;
    qr_span *spans;
    size_t spans_n, spans_cap;
    int has_text;
} snapshot;

struct qr_pipeline_thread {
    qr_pipeline *p;
    void **states;           /* per step, NULL outside the range */
    size_t from, to;
    snapshot snap;
};

void *qr_step_ctx_data(const qr_step_ctx *ctx)
{
    return ctx ? ((const step_ctx_ex *)ctx)->data : NULL;
}

int qr_step_ctx_checking(const qr_step_ctx *ctx)
{
    return ctx ? ((const step_ctx_ex *)ctx)->checking : 0;
}

void qr_step_ctx_set_rerunnable(const qr_step_ctx *ctx)
{
    if (ctx)   /* the ctx lives in the (mutable) step instance */
        ((step_ctx_ex *)(uintptr_t)ctx)->rerunnable = 1;
}

/* {==================================================================
 * Variables
 * =================================================================== */
static const char *var_lookup(const char *const *vars, const char *name, size_t n)
{
    for (size_t i = 0; vars && vars[i]; i++)
        if (strncmp(vars[i], name, n) == 0 && vars[i][n] == '=')
            return vars[i] + n + 1;
    return NULL;
}

typedef struct dstr {
    char *s;
    size_t n, cap;
} dstr;

static int ds_add(dstr *d, const char *s, size_t n)
{
    if (d->n + n + 1 > d->cap) {
        size_t cap = d->cap ? d->cap : 64;
        while (cap < d->n + n + 1)
            cap *= 2;
        char *p = realloc(d->s, cap);
        if (!p)
            return -1;
        d->s = p;
        d->cap = cap;
    }
    memcpy(d->s + d->n, s, n);
    d->n += n;
    d->s[d->n] = '\0';
    return 0;
}

static int is_name_char(char c, int first)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

/* The variable names ${…} referred to while expanding, so that an
 * override naming none of the pipeline's variables (a misspelt --set) is
 * reported rather than ignored. */
typedef struct var_use {
    char **names;
    size_t n, cap;
    int oom;
    char missing[256];       /* the undefined variable expand() stopped at */
} var_use;

static void var_use_add(var_use *u, const char *name)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->n; i++)
        if (!strcmp(u->names[i], name))
            return;
    if (u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 8;
        char **v = realloc(u->names, cap * sizeof *v);
        if (!v) {
            u->oom = 1;
            return;
        }
        u->names = v;
        u->cap = cap;
    }
    if (!(u->names[u->n] = strdup(name)))
        u->oom = 1;
    else
        u->n++;
}

static void var_use_free(var_use *u)
{
    for (size_t i = 0; i < u->n; i++)
        free(u->names[i]);
    free(u->names);
}

static char *expand(const char *s, const char *const *vars, var_use *use, int depth, qr_error *err)
{
    dstr d = {0};
    if (ds_add(&d, "", 0) != 0)
        goto oom;
    while (*s) {
        const char *dollar = strchr(s, '$');
        if (!dollar) {
            if (ds_add(&d, s, strlen(s)) != 0)
                goto oom;
            break;
        }
        if (ds_add(&d, s, (size_t)(dollar - s)) != 0)
            goto oom;
        if (dollar[1] == '$' && dollar[2] == '{') {      /* $${ → ${ */
            if (ds_add(&d, "${", 2) != 0)
                goto oom;
            s = dollar + 3;
            continue;
        }
        if (dollar[1] != '{') {
            if (ds_add(&d, "$", 1) != 0)
                goto oom;
            s = dollar + 1;
            continue;
        }
        const char *name = dollar + 2, *p = name;
        while (is_name_char(*p, p == name))
            p++;
        size_t n = (size_t)(p - name);
        if (n == 0) {
            qr_error_set(err, "'${' must be followed by a variable name, as in ${out} (write $${ for a literal ${)");
            goto fail;
        }
        const char *deflt = NULL;
        size_t deflt_len = 0;
        if (p[0] == ':' && p[1] == '-') {
            deflt = p + 2;
            int level = 0;
            const char *q = deflt;
            for (; *q && !(*q == '}' && level == 0); q++) {
                if (q[0] == '$' && q[1] == '{')
                    level++, q++;
                else if (*q == '}')
                    level--;
            }
            deflt_len = (size_t)(q - deflt);
            p = q;
        }
        if (*p != '}') {
            if (*p && *p != '$' && !isspace((unsigned char)*p) && strchr(p, '}'))
                qr_error_set(err, "'${%.*s%c…}': only ${%.*s} and ${%.*s:-default} are known (write $${ "
                             "for a literal ${)", (int)n, name, *p, (int)n, name, (int)n, name);
            else
                qr_error_set(err, "'${%.*s' is not closed with '}'", (int)n, name);
            goto fail;
        }
        char key[256];
        if (n >= sizeof key) {
            qr_error_set(err, "variable name '%.*s…' is too long", 32, name);
            goto fail;
        }
        memcpy(key, name, n);
        key[n] = '\0';
        var_use_add(use, key);
        const char *val = var_lookup(vars, key, n);
        if (!val)
            val = getenv(key);
        if (val && !*val && deflt)
            val = NULL;
        if (val) {
            if (ds_add(&d, val, strlen(val)) != 0)
                goto oom;
        } else if (deflt) {
            if (depth > 8) {
                qr_error_set(err, "variable defaults nested too deeply in ${%s:-…}", key);
                goto fail;
            }
            char *dd = strndup(deflt, deflt_len);
            char *x = dd ? expand(dd, vars, use, depth + 1, err) : NULL;
            free(dd);
            if (!x)
                goto fail;
            int rc = ds_add(&d, x, strlen(x));
            free(x);
            if (rc != 0)
                goto oom;
        } else {
            if (use)
                snprintf(use->missing, sizeof use->missing, "%s", key);
            qr_error_set(err, "undefined variable '%s': define it under 'vars:', pass --set %s=VALUE, "
                         "set the environment variable, or write ${%s:-default}", key, key, key);
            goto fail;
        }
        s = p + 1;
    }
    return d.s;
oom:
    qr_error_set(err, "out of memory");
fail:
    free(d.s);
    return NULL;
}

char *qr_vars_expand(const char *s, const char *const *vars, qr_error *err)
{
    return expand(s, vars, NULL, 0, err);
}

typedef struct varset {
    char **v;
    size_t n, cap;
} varset;

static int varset_add(varset *vs, const char *name, const char *value)
{
    if (vs->n + 2 > vs->cap) {
        size_t cap = vs->cap ? vs->cap * 2 : 16;
        char **v = realloc(vs->v, cap * sizeof *v);
        if (!v)
            return -1;
        vs->v = v;
        vs->cap = cap;
    }
    size_t n = strlen(name) + strlen(value) + 2;
    char *s = malloc(n);
    if (!s)
        return -1;
    snprintf(s, n, "%s=%s", name, value);
    vs->v[vs->n++] = s;
    vs->v[vs->n] = NULL;
    return 0;
}

static void varset_free(varset *vs)
{
    for (size_t i = 0; i < vs->n; i++)
        free(vs->v[i]);
    free(vs->v);
}

static int scalar_text(const qr_value *v, char *buf, size_t n, const char **out)
{
    switch (v->type) {
    case QR_VAL_STRING: *out = v->u.str.s; return 0;
    case QR_VAL_INT: snprintf(buf, n, "%lld", (long long)v->u.i); break;
    case QR_VAL_NUMBER: qr_format_double(v->u.n, buf, n); break;
    case QR_VAL_BOOL: snprintf(buf, n, "%s", v->u.b ? "true" : "false"); break;
    case QR_VAL_NULL: buf[0] = '\0'; break;
    default: return -1;
    }
    *out = buf;
    return 0;
}

/* Overrides (--set) come first, so they win the lookup; then `vars:`, each
 * expanded against the overrides, the earlier vars and the environment. */
static int collect_vars(const qr_value *root, const char *const *overrides, varset *vs, var_use *use,
                        qr_error *err)
{
    for (size_t i = 0; overrides && overrides[i]; i++) {
        const char *eq = strchr(overrides[i], '=');
        if (!eq || eq == overrides[i])
            return qr_error_set(err, "--set '%s': write NAME=VALUE", overrides[i]);
        char *name = strndup(overrides[i], (size_t)(eq - overrides[i]));
        int rc = name ? varset_add(vs, name, eq + 1) : -1;
        free(name);
        if (rc != 0)
            return qr_error_set(err, "out of memory");
    }
    const qr_value *vars = qr_value_get(root, "vars");
    if (!vars || vars->type == QR_VAL_NULL)
        return 0;
    if (vars->type != QR_VAL_MAP)
        return qr_value_error(vars, err, "'vars' must be a map of names to values, as in vars: { out: out/news }");
    for (size_t i = 0; i < vars->u.map.n; i++) {
        const qr_value_entry *e = &vars->u.map.v[i];
        char buf[64];
        const char *text;
        if (scalar_text(e->value, buf, sizeof buf, &text) != 0)
            return qr_value_error(e->value, err, "variable '%s' must be a string or a number, not %s",
                                  e->key, qr_value_type_name(e->value->type));
        if (var_lookup((const char *const *)vs->v, e->key, strlen(e->key)) && overrides) {
            int overridden = 0;
            for (size_t k = 0; overrides[k]; k++)
                if (strncmp(overrides[k], e->key, strlen(e->key)) == 0 && overrides[k][strlen(e->key)] == '=')
                    overridden = 1;
            if (overridden)
                continue;
        }
        qr_error xe;
        use->missing[0] = '\0';
        char *x = expand(text, (const char *const *)vs->v, use, 0, &xe);
        if (!x) {
            /* a variable used above its definition: say so, not "undefined" */
            for (size_t k = i + 1; use->missing[0] && k < vars->u.map.n; k++)
                if (!strcmp(use->missing, vars->u.map.v[k].key))
                    return qr_value_error(e->value, err, "variable '%s' uses ${%s}, which is defined below "
                                          "it; a variable may use only those above it: move '%s' up",
                                          e->key, use->missing, use->missing);
            return qr_value_error(e->value, err, "%s", xe.message);
        }
        int rc = varset_add(vs, e->key, x);
        free(x);
        if (rc != 0)
            return qr_error_set(err, "out of memory");
    }
    return 0;
}

/* Every override (--set NAME=VALUE, or Lua's vars) must name a variable
 * of the pipeline: one declared under vars:, or one a ${…} refers to. */
static int check_overrides(const qr_value *root, const char *const *overrides, const var_use *use,
                           qr_error *err)
{
    if (use->oom)
        return qr_error_set(err, "out of memory");
    const qr_value *vars = qr_value_get(root, "vars");
    size_t n_decl = vars && vars->type == QR_VAL_MAP ? vars->u.map.n : 0;
    for (size_t i = 0; overrides && overrides[i]; i++) {
        const char *eq = strchr(overrides[i], '=');
        size_t n = (size_t)(eq - overrides[i]);
        int known = 0;
        for (size_t k = 0; k < n_decl && !known; k++)
            known = strlen(vars->u.map.v[k].key) == n && !strncmp(vars->u.map.v[k].key, overrides[i], n);
        for (size_t k = 0; k < use->n && !known; k++)
            known = strlen(use->names[k]) == n && !strncmp(use->names[k], overrides[i], n);
        if (known)
            continue;
        /* the pipeline's variables: declared ones, then the others used */
        const char **names = malloc((n_decl + use->n + 1) * sizeof *names);
        char *word = strndup(overrides[i], n);
        if (!names || !word) {
            free(names);
            free(word);
            return qr_error_set(err, "out of memory");
        }
        size_t m = 0;
        for (size_t k = 0; k < n_decl; k++)
            names[m++] = vars->u.map.v[k].key;
        for (size_t k = 0; k < use->n; k++) {
            int dup = 0;
            for (size_t j = 0; j < n_decl && !dup; j++)
                dup = !strcmp(names[j], use->names[k]);
            if (!dup)
                names[m++] = use->names[k];
        }
        char list[512] = "";
        size_t at = 0;
        for (size_t k = 0; k < m && at < sizeof list - 64; k++)
            at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", k ? ", " : "", names[k]);
        const char *best = qr_closest_name(word, names, m);
        if (!m)
            qr_error_set(err, "%s names no variable of the pipeline, which has none (a variable is "
                         "declared under vars: or used as ${NAME} in a value)", overrides[i]);
        else
            qr_error_set(err, "%s names no variable of the pipeline%s%s%s (its variables: %s)", overrides[i],
                         best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "", list);
        free(names);
        free(word);
        return -1;
    }
    return 0;
}

static int substitute(qr_value *v, const char *const *vars, var_use *use, qr_error *err)
{
    if (v->type == QR_VAL_STRING) {
        if (!strchr(v->u.str.s, '$'))
            return 0;
        qr_error xe;
        char *x = expand(v->u.str.s, vars, use, 0, &xe);
        if (!x)
            return qr_value_error(v, err, "%s", xe.message);
        free(v->u.str.s);
        v->u.str.s = x;
        v->u.str.len = strlen(x);
        if (v->plain)
            return qr_value_retype_plain(v);
        return 0;
    }
    for (size_t i = 0; i < qr_value_len(v); i++) {
        if (v->type == QR_VAL_MAP && strchr(v->u.map.v[i].key, '$')) {
            qr_error xe;
            char *k = expand(v->u.map.v[i].key, vars, use, 0, &xe);
            if (!k) {
                qr_value_error(v, err, "%s", xe.message);
                err->line = v->u.map.v[i].key_line;
                err->col = v->u.map.v[i].key_col;
                return -1;
            }
            free(v->u.map.v[i].key);
            v->u.map.v[i].key = k;
        }
        if (substitute((qr_value *)qr_value_at(v, i), vars, use, err) != 0)
            return -1;
    }
    return 0;
}

/* }================================================================== */

/* {==================================================================
 * Option validation
 * =================================================================== */
static char *join_path(const char *base, const char *path)
{
    if (path[0] == '/' || !base || !*base || strcmp(base, ".") == 0)
        return strdup(path);
    size_t n = strlen(base) + strlen(path) + 2;
    char *r = malloc(n);
    if (r)
        snprintf(r, n, "%s/%s", base, path);
    return r;
}

static const char *opt_type_name(const qr_option_def *d)
{
    switch (d->type) {
    case QR_OPT_BOOL: return "true or false";
    case QR_OPT_INT: return "an integer";
    case QR_OPT_NUMBER: return "a number";
    case QR_OPT_STRING: return "a string";
    case QR_OPT_ENUM: return "one of";
    case QR_OPT_PATH: return "a file path";
    case QR_OPT_STRING_LIST: return "a string or a list of strings";
    case QR_OPT_LIST: return "a list";
    case QR_OPT_MAP: return "a map";
    case QR_OPT_ANY: return "any value";
    }
    return "?";
}

static int enum_has(const char *choices, const char *s)
{
    size_t n = strlen(s);
    for (const char *p = choices; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, s, n) == 0)
            return 1;
        p = bar ? bar + 1 : p + len;
    }
    return 0;
}

static const char *enum_suggest(const char *choices, const char *s, char *buf, size_t n)
{
    const char *names[32];
    char copy[512];
    size_t k = 0;
    snprintf(copy, sizeof copy, "%s", choices);
    for (char *tok = strtok(copy, "|"); tok && k < 32; tok = strtok(NULL, "|"))
        names[k++] = tok;
    const char *best = qr_closest_name(s, names, k);
    if (!best)
        return NULL;
    snprintf(buf, n, "%s", best);
    return buf;
}

/* What `got` is, for messages: "a string ('yes')", "a list", … */
static const char *describe(const qr_value *v, char *buf, size_t n)
{
    switch (v->type) {
    case QR_VAL_STRING: snprintf(buf, n, "a string ('%.60s')", v->u.str.s); break;
    case QR_VAL_INT: snprintf(buf, n, "an integer (%lld)", (long long)v->u.i); break;
    case QR_VAL_NUMBER: snprintf(buf, n, "a number (%g)", v->u.n); break;
    case QR_VAL_BOOL: snprintf(buf, n, "a boolean (%s)", v->u.b ? "true" : "false"); break;
    default: snprintf(buf, n, "%s", qr_value_type_name(v->type)); break;
    }
    return buf;
}

/* Validates one given value against its declaration; may normalize it in
 * place (a string for a string list becomes a one-item list). */
static int check_option(const char *what, const qr_option_def *d, qr_value **slot,
                        const char *base_dir, qr_error *err)
{
    qr_value *v = *slot;
    char got[128];
    int ok = 1;
    if ((d->type == QR_OPT_LIST || d->type == QR_OPT_STRING_LIST) && v->type == QR_VAL_MAP &&
        v->u.map.n == 0) {
        /* an empty Lua table ({}) is both: a list is wanted */
        qr_value *list = qr_value_new_list();
        if (!list || qr_value_set_mark(list, v->file, v->line, v->col) != 0) {
            qr_value_free(list);
            return qr_error_set(err, "out of memory");
        }
        qr_value_free(v);
        *slot = v = list;
    }
    switch (d->type) {
    case QR_OPT_BOOL: ok = v->type == QR_VAL_BOOL; break;
    case QR_OPT_INT: ok = v->type == QR_VAL_INT; break;
    case QR_OPT_NUMBER: ok = v->type == QR_VAL_INT || v->type == QR_VAL_NUMBER; break;
    case QR_OPT_STRING: ok = v->type == QR_VAL_STRING; break;
    case QR_OPT_LIST: ok = v->type == QR_VAL_LIST; break;
    case QR_OPT_MAP: ok = v->type == QR_VAL_MAP; break;
    case QR_OPT_ANY: break;
    case QR_OPT_ENUM:
        if (v->type != QR_VAL_STRING || !enum_has(d->choices, v->u.str.s)) {
            char sug[64];
            const char *s = v->type == QR_VAL_STRING ? enum_suggest(d->choices, v->u.str.s, sug, sizeof sug) : NULL;
            return qr_value_error(v, err, "%s: option '%s' must be one of %s, got %s%s%s%s",
                                  what, d->name, d->choices, describe(v, got, sizeof got),
                                  s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
        }
        return 0;
    case QR_OPT_PATH:
        if (v->type != QR_VAL_STRING || !v->u.str.len)
            return qr_value_error(v, err, "%s: option '%s' must be a file path, got %s",
                                  what, d->name, describe(v, got, sizeof got));
        /* a NUL byte was refused with the whole tree (check_nul) */
        if (!(d->flags & QR_OPT_OUTPUT) && strcmp(v->u.str.s, "-") != 0) {
            char *full = join_path(base_dir, v->u.str.s);
            struct stat st;
            int rc = full ? stat(full, &st) : -1;
            int e = errno;
            if (rc != 0) {
                qr_value_error(v, err, "%s: option '%s': cannot open '%s': %s%s%s%s", what, d->name,
                               v->u.str.s, full ? strerror(e) : "out of memory",
                               full && strcmp(full, v->u.str.s) ? " (looked for " : "",
                               full && strcmp(full, v->u.str.s) ? full : "",
                               full && strcmp(full, v->u.str.s) ? "; relative paths start at the pipeline's folder)" : "");
                free(full);
                return -1;
            }
            free(full);
        }
        return 0;
    case QR_OPT_STRING_LIST:
        if (v->type == QR_VAL_STRING) {
            qr_value *list = qr_value_new_list();
            if (!list || qr_value_set_mark(list, v->file, v->line, v->col) != 0) {
                qr_value_free(list);
                return qr_error_set(err, "out of memory");
            }
            *slot = list;
            if (qr_value_list_push(list, v) != 0)
                return qr_error_set(err, "out of memory");
            return 0;
        }
        if (v->type != QR_VAL_LIST)
            return qr_value_error(v, err, "%s: option '%s' must be a string or a list of strings, got %s",
                                  what, d->name, describe(v, got, sizeof got));
        for (size_t i = 0; i < v->u.list.n; i++)
            if (v->u.list.v[i]->type != QR_VAL_STRING)
                return qr_value_error(v->u.list.v[i], err, "%s: option '%s': item %zu must be a string, got %s",
                                      what, d->name, i + 1, describe(v->u.list.v[i], got, sizeof got));
        return 0;
    }
    if (!ok)
        return qr_value_error(v, err, "%s: option '%s' must be %s, got %s", what, d->name,
                              opt_type_name(d), describe(v, got, sizeof got));
    return 0;
}

static int is_extra(const char *key, const char *const *extra)
{
    for (size_t i = 0; extra && extra[i]; i++)
        if (strcmp(key, extra[i]) == 0)
            return 1;
    return 0;
}

static int unknown_option(const char *what, const qr_option_def *defs, const char *const *extra,
                          const qr_value_entry *e, const qr_value *map, qr_error *err)
{
    const char *names[128] = {0};
    size_t n = 0;
    for (const qr_option_def *d = defs; d && d->name && n < 120; d++)
        names[n++] = d->name;
    for (size_t i = 0; extra && extra[i] && n < 128; i++)
        names[n++] = extra[i];
    const char *best = qr_closest_name(e->key, names, n);
    char list[600] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && used + 40 < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
    qr_value_mark(map, err);
    if (e->key_line) {
        err->line = e->key_line;
        err->col = e->key_col;
    }
    if (best)
        return qr_error_set(err, "%s has no option '%s'; did you mean '%s'?", what, e->key, best);
    return qr_error_set(err, "%s has no option '%s'; its options are: %s", what, e->key, list);
}

/* Builds the resolved options: given values checked, defaults filled in
 * (declaration order first, then nothing else: unknown keys are errors).
 * Keys in `extra` are accepted and left out. `at` marks missing options. */
static qr_value *resolve_options(const char *what, const qr_option_def *defs,
                                 const char *const *extra, const qr_value *given,
                                 const qr_value *at, const char *base_dir, qr_error *err)
{
    qr_value *out = qr_value_new_map();
    if (!out || qr_value_set_mark(out, at ? at->file : NULL, at ? at->line : 0, at ? at->col : 0) != 0) {
        qr_value_free(out);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < qr_value_len(given); i++) {
        const qr_value_entry *e = &given->u.map.v[i];
        if (is_extra(e->key, extra))
            continue;
        const qr_option_def *d = defs;
        while (d && d->name && strcmp(d->name, e->key) != 0)
            d++;
        if (!d || !d->name) {
            unknown_option(what, defs, extra, e, given, err);
            goto fail;
        }
    }
    for (const qr_option_def *d = defs; d && d->name; d++) {
        const qr_value *g = qr_value_get(given, d->name);
        qr_value *v = NULL;
        if (g && g->type != QR_VAL_NULL) {
            v = qr_value_copy(g);
            if (!v) {
                qr_error_set(err, "out of memory");
                goto fail;
            }
            if (check_option(what, d, &v, base_dir, err) != 0) {
                qr_value_free(v);
                goto fail;
            }
        } else if (d->default_str) {
            /* strings are taken as written: "," is a fine default delimiter */
            if (d->type == QR_OPT_STRING || d->type == QR_OPT_ENUM || d->type == QR_OPT_PATH)
                v = qr_value_new_string(d->default_str);
            else
                v = qr_yaml_load_string(d->default_str, strlen(d->default_str), "<default>", err);
            if (!v) {
                qr_error_set(err, "%s: the default of option '%s' (%s) is not valid YAML", what, d->name,
                             d->default_str);
                goto fail;
            }
            qr_value_set_mark_deep(v, at ? at->file : NULL, at ? at->line : 0, at ? at->col : 0);
            if (d->type == QR_OPT_STRING_LIST && v->type == QR_VAL_STRING &&
                check_option(what, d, &v, base_dir, err) != 0) {
                qr_value_free(v);
                goto fail;
            }
        } else if (d->flags & QR_OPT_REQUIRED) {
            if (d->help && d->type == QR_OPT_ANY)
                qr_value_error(at, err, "%s needs option '%s': %s", what, d->name, d->help);
            else
                qr_value_error(at, err, "%s needs option '%s' (%s%s%s)", what, d->name, opt_type_name(d),
                               d->type == QR_OPT_ENUM ? " " : "", d->type == QR_OPT_ENUM ? d->choices : "");
            goto fail;
        } else {
            continue;
        }
        if (qr_value_map_set(out, d->name, v) != 0) {
            qr_error_set(err, "out of memory");
            goto fail;
        }
        if (g) {
            const qr_value_entry *ge = qr_value_get_entry(given, d->name);
            out->u.map.v[out->u.map.n - 1].key_line = ge->key_line;
            out->u.map.v[out->u.map.n - 1].key_col = ge->key_col;
        }
    }
    return out;
fail:
    qr_value_free(out);
    return NULL;
}

/* }================================================================== */

/* {==================================================================
 * Building
 * =================================================================== */
static void step_free(step_inst *s)
{
    if (!s)
        return;
    if (s->inited && s->def->free)
        s->def->free(s->state);
    if (s->serialize)
        pthread_mutex_destroy(&s->lock);
    qr_value_free(s->options);
    free(s->name);
    free(s->file);
    free(s);
}

void qr_pipeline_free(qr_pipeline *p)
{
    if (!p)
        return;
    for (size_t i = p->n_steps; i-- > 0;)
        step_free(p->steps[i]);
    free(p->steps);
    qr_value_free(p->input);
    free(p->name);
    free(p->file);
    free(p->base_dir);
    free(p->errors_path);
    for (size_t i = 0; i < p->n_written; i++)
        free(p->written[i].path);
    free(p->written);
    for (size_t i = 0; i < p->n_own; i++) {
        free(p->own[i]);
        free(p->own_by[i]);
    }
    free(p->own);
    free(p->own_by);
    free(p);
}

static const char *const top_keys[] = {"name", "description", "vars", "input", "errors",
                                       "modules", "steps", NULL};
static const char *const step_extra[] = {"name", "on_error", NULL};
static const char *const input_extra[] = {"on_error", NULL};

/* The first string in v holding a NUL byte, with where it sits in the
 * tree ("steps[2].export.path") in path; NULL if none. C strings would stop
 * at the NUL silently, so such a pipeline is refused instead. */
static const qr_value *find_nul(const qr_value *v, char *path, size_t cap, size_t used)
{
    if (!v)
        return NULL;
    if (v->type == QR_VAL_STRING)
        return memchr(v->u.str.s, '\0', v->u.str.len) ? v : NULL;
    for (size_t i = 0; v->type == QR_VAL_LIST && i < v->u.list.n; i++) {
        int k = snprintf(path + used, cap - used, "[%zu]", i + 1);
        size_t u = used + (k > 0 && (size_t)k < cap - used ? (size_t)k : 0);
        const qr_value *f = find_nul(v->u.list.v[i], path, cap, u);
        if (f)
            return f;
    }
    for (size_t i = 0; v->type == QR_VAL_MAP && i < v->u.map.n; i++) {
        int k = snprintf(path + used, cap - used, "%s%s", used ? "." : "", v->u.map.v[i].key);
        size_t u = used + (k > 0 && (size_t)k < cap - used ? (size_t)k : 0);
        const qr_value *f = find_nul(v->u.map.v[i].value, path, cap, u);
        if (f)
            return f;
    }
    path[used] = '\0';
    return NULL;
}

static int check_nul(const qr_value *root, qr_error *err)
{
    char path[256] = "";
    const qr_value *v = find_nul(root, path, sizeof path, 0);
    if (!v)
        return 0;
    return qr_value_error(v, err, "'%s' cannot hold a NUL byte (\\0 at byte %zu); remove it", path,
                          (size_t)((const char *)memchr(v->u.str.s, '\0', v->u.str.len) - v->u.str.s));
}

static int check_top(const qr_value *root, qr_error *err)
{
    if (root->type != QR_VAL_MAP)
        return qr_value_error(root, err, "a pipeline is a map with 'steps:' (and optionally name, vars, "
                              "input, errors, modules); got %s", qr_value_type_name(root->type));
    for (size_t i = 0; i < root->u.map.n; i++) {
        const qr_value_entry *e = &root->u.map.v[i];
        if (is_extra(e->key, top_keys) || !strncmp(e->key, "x-", 2))
            continue;   /* x-…: free keys, e.g. to hold anchors */
        size_t n = sizeof top_keys / sizeof *top_keys - 1;
        const char *best = qr_closest_name(e->key, (const char *const *)top_keys, n);
        qr_value_mark(root, err);
        err->line = e->key_line;
        err->col = e->key_col;
        if (best)
            return qr_error_set(err, "unknown key '%s'; did you mean '%s'?", e->key, best);
        return qr_error_set(err, "unknown key '%s'; a pipeline has: name, description, vars, input, "
                            "errors, modules, steps (and x-… keys for anchors)", e->key);
    }
    const qr_value *name = qr_value_get(root, "name");
    if (name && name->type != QR_VAL_STRING)
        return qr_value_error(name, err, "'name' must be a string");
    return 0;
}

static int parse_on_error(const qr_value *v, const char *what, qr_on_error *out, qr_error *err)
{
    if (!v || v->type == QR_VAL_NULL) {
        *out = QR_ON_ERROR_FAIL;
        return 0;
    }
    const char *s = qr_value_string(v);
    if (s && !strcmp(s, "fail"))
        *out = QR_ON_ERROR_FAIL;
    else if (s && !strcmp(s, "skip"))
        *out = QR_ON_ERROR_SKIP;
    else if (s && !strcmp(s, "drop"))
        *out = QR_ON_ERROR_DROP;
    else {
        char got[128];
        return qr_value_error(v, err, "%s: on_error must be fail, skip or drop, got %s", what,
                              describe(v, got, sizeof got));
    }
    return 0;
}

static int add_step(qr_pipeline *p, const qr_step_def *def, const char *type, const qr_value *given,
                    const qr_value *at, qr_error *err)
{
    char what[160];
    snprintf(what, sizeof what, "step '%s'", type);
    if (given && given->type != QR_VAL_MAP && given->type != QR_VAL_NULL)
        return qr_value_error(given, err, "%s: options must be a map (write %s: {} for the defaults), got %s",
                              what, type, qr_value_type_name(given->type));
    step_inst *s = calloc(1, sizeof *s);
    if (!s)
        return qr_error_set(err, "out of memory");
    step_inst **grown = realloc(p->steps, (p->n_steps + 1) * sizeof *grown);
    if (!grown) {
        free(s);
        return qr_error_set(err, "out of memory");
    }
    p->steps = grown;
    p->steps[p->n_steps++] = s;
    s->def = def;
    s->line = at->line;
    s->col = at->col;
    if (at->file && !(s->file = strdup(at->file)))
        return qr_error_set(err, "out of memory");
    const qr_value *nm = qr_value_get(given, "name");
    if (nm && nm->type != QR_VAL_NULL && (nm->type != QR_VAL_STRING || !nm->u.str.len))
        return qr_value_error(nm, err, "%s: 'name' must be a non-empty string", what);
    s->name = strdup(nm && nm->type == QR_VAL_STRING ? nm->u.str.s : type);
    if (!s->name)
        return qr_error_set(err, "out of memory");
    if (nm && nm->type == QR_VAL_STRING)
        snprintf(what, sizeof what, "step '%s' (%s)", s->name, type);
    if (parse_on_error(qr_value_get(given, "on_error"), what, &s->on_error, err) != 0)
        return -1;
    s->options = resolve_options(what, def->options, step_extra, given,
                                 given && given->type == QR_VAL_MAP ? given : at,
                                 p->base_dir, err);
    return s->options ? 0 : -1;
}

static int build_steps(qr_pipeline *p, const qr_value *root, qr_registry *reg, qr_error *err)
{
    const qr_value *steps = qr_value_get(root, "steps");
    if (!steps)
        return qr_value_error(root, err, "the pipeline has no 'steps:'; list at least one, as in steps: [ { tokenize: {} } ]");
    if (steps->type == QR_VAL_MAP && steps->u.map.n == 0)   /* {} from Lua */
        return qr_value_error(steps, err, "'steps' is empty; list at least one step");
    if (steps->type != QR_VAL_LIST)
        return qr_value_error(steps, err, "'steps' must be a list (each item '- stepname: {options}'), got %s",
                              qr_value_type_name(steps->type));
    for (size_t i = 0; i < steps->u.list.n; i++) {
        const qr_value *item = steps->u.list.v[i];
        const char *type = NULL;
        const qr_value *opts = NULL;
        if (item->type == QR_VAL_STRING) {
            type = item->u.str.s;        /* "- tokenize" alone */
        } else if (item->type == QR_VAL_MAP && item->u.map.n == 1) {
            type = item->u.map.v[0].key;
            opts = item->u.map.v[0].value;
        } else if (item->type == QR_VAL_MAP && item->u.map.n > 1) {
            return qr_value_error(item, err, "step %zu has %zu keys (%s, %s…); write one step per list item, "
                                  "its options indented below it", i + 1, item->u.map.n,
                                  item->u.map.v[0].key, item->u.map.v[1].key);
        } else {
            return qr_value_error(item, err, "step %zu must be '- stepname: {options}', got %s", i + 1,
                                  qr_value_type_name(item->type));
        }
        const qr_step_def *def = qr_registry_find(reg, type);
        if (!def) {
            const char *best = qr_registry_suggest(reg, type);
            qr_value_mark(item, err);
            if (item->type == QR_VAL_MAP && item->u.map.v[0].key_line) {
                err->line = item->u.map.v[0].key_line;
                err->col = item->u.map.v[0].key_col;
            }
            if (best)
                return qr_error_set(err, "unknown step '%s'; did you mean '%s'?", type, best);
            return qr_error_set(err, "unknown step '%s'; run 'quarry steps' for the list", type);
        }
        if (opts && opts->type == QR_VAL_LIST) {
            for (size_t k = 0; k < opts->u.list.n; k++)
                if (add_step(p, def, type, opts->u.list.v[k], opts->u.list.v[k], err) != 0)
                    return -1;
        } else if (add_step(p, def, type, opts, item, err) != 0) {
            return -1;
        }
    }
    if (p->n_steps == 0)
        return qr_value_error(steps, err, "'steps' is empty; list at least one step");
    return 0;
}

/* base/path (path alone when base is NULL), absolute and cleaned, as the
 * paths a pipeline writes and reads are compared; NULL on OOM. */
static char *resolved(const char *base, const char *path)
{
    char *full = base ? join_path(base, path) : strdup(path);
    char *abs = full ? qr_path_absolute(full) : NULL;
    free(full);
    return abs;
}

/* Two steps writing one path (or a step writing the errors file) would
 * race at the end of the run, the last rename replacing the other's
 * output, and a step writing a file the pipeline reads (its YAML, a list,
 * a model) would replace it: refused before anything runs. The paths are
 * kept for qr_pipeline_writer_of (quarry run --errors). */
static int check_written(qr_pipeline *p, const qr_value *errors_v, qr_error *err)
{
    char *errors = p->errors_path && strcmp(p->errors_path, "-") ? qr_path_absolute(p->errors_path) : NULL;
    if (p->errors_path && strcmp(p->errors_path, "-") && !errors)
        return qr_error_set(err, "out of memory");
    const char *reader = errors ? qr_pipeline_reader_of(p, errors) : NULL;
    if (reader) {
        int rc = qr_value_error(errors_v, err, "the errors file %s is %s: writing the errors there "
                                "would replace it; give the errors another path", p->errors_path, reader);
        free(errors);
        return rc;
    }
    int rc = 0;
    for (size_t i = 0; i < p->n_steps && !rc; i++) {
        const step_inst *s = p->steps[i];
        for (const qr_option_def *d = s->def->options; d && d->name && !rc; d++) {
            if (!(d->flags & QR_OPT_WRITTEN))
                continue;
            const qr_value *v = qr_value_get(s->options, d->name);
            const char *str = qr_value_string(v);
            if (!str || !strcmp(str, "-"))
                continue;
            char *path = resolved(p->base_dir, str);
            written *grown = path ? realloc(p->written, (p->n_written + 1) * sizeof *grown) : NULL;
            if (!grown) {
                free(path);
                rc = qr_error_set(err, "out of memory");
                break;
            }
            p->written = grown;
            if ((reader = qr_pipeline_reader_of(p, path)) != NULL)
                rc = qr_value_error(v, err, "step '%s' writes %s, which is %s: the output would replace "
                                    "it; give the output another path", s->name, str, reader);
            else if (errors && !strcmp(path, errors))
                rc = qr_value_error(v, err, "step '%s' writes %s, which is also the pipeline's errors file; "
                                    "give one of them another path", s->name, str);
            int shared = (d->flags & QR_OPT_SHARED) != 0;
            for (size_t k = 0; k < p->n_written && !rc; k++)
                if (!strcmp(p->written[k].path, path) && !(shared && p->written[k].shared))
                    rc = qr_value_error(v, err, "step '%s' writes %s, as does step '%s' (line %d): the one "
                                        "to finish last would replace the other's output; give each its "
                                        "own path", s->name, str, p->written[k].step, p->written[k].line);
            p->written[p->n_written++] = (written){path, s->name, v->line, shared};
        }
    }
    free(errors);
    return rc;
}

/* Adds path (relative to the pipeline's folder unless absolute) to the
 * files the pipeline reads; by says who reads it ("the pipeline file",
 * "read by step 'g' (lists)"). */
static int add_own(qr_pipeline *p, const char *base, const char *path, const char *by)
{
    char *abs = resolved(base, path), *who = strdup(by);
    char **grown = abs && who ? realloc(p->own, (p->n_own + 1) * sizeof *grown) : NULL;
    if (grown)
        p->own = grown;
    char **grown_by = grown ? realloc(p->own_by, (p->n_own + 1) * sizeof *grown_by) : NULL;
    if (!grown_by) {
        free(abs);
        free(who);
        return -1;
    }
    p->own_by = grown_by;
    p->own_by[p->n_own] = who;
    p->own[p->n_own++] = abs;
    return 0;
}

/* The files the pipeline reads: its file, its modules, the steps' path
 * options that are not outputs, and `path:` in the items of list options. */
static int collect_own(qr_pipeline *p, const qr_value *modules, qr_error *err)
{
    if (p->file && p->file[0] && add_own(p, NULL, p->file, "the pipeline file") != 0)
        return qr_error_set(err, "out of memory");
    size_t n_mod = modules && modules->type == QR_VAL_LIST ? modules->u.list.n
                 : modules && modules->type == QR_VAL_STRING ? 1 : 0;
    for (size_t i = 0; i < n_mod; i++) {
        const qr_value *m = modules->type == QR_VAL_LIST ? modules->u.list.v[i] : modules;
        qr_error e;
        qr_error_clear(&e);
        char *path = m->type == QR_VAL_STRING ? qr_module_find(m->u.str.s, p->base_dir, &e) : NULL;
        int rc = path ? add_own(p, NULL, path, "a module of the pipeline") : 0;   /* loaded already: found */
        free(path);
        if (rc != 0)
            return qr_error_set(err, "out of memory");
    }
    for (size_t i = 0; i < p->n_steps; i++) {
        const step_inst *s = p->steps[i];
        for (const qr_option_def *d = s->def->options; d && d->name; d++) {
            const qr_value *v = qr_value_get(s->options, d->name);
            char by[300];
            snprintf(by, sizeof by, "read by step '%s' (%s, line %d)", s->name, d->name, v ? v->line : 0);
            if (d->type == QR_OPT_PATH && !(d->flags & QR_OPT_WRITTEN)) {
                const char *str = qr_value_string(v);
                if (str && strcmp(str, "-") && add_own(p, p->base_dir, str, by) != 0)
                    return qr_error_set(err, "out of memory");
            } else if (d->type == QR_OPT_LIST && v && v->type == QR_VAL_LIST) {
                for (size_t k = 0; k < v->u.list.n; k++) {
                    const qr_value *item = v->u.list.v[k];
                    const qr_value *pv = item->type == QR_VAL_MAP ? qr_value_get(item, "path") : NULL;
                    const char *str = qr_value_string(pv);
                    snprintf(by, sizeof by, "read by step '%s' (%s, line %d)", s->name, d->name, pv ? pv->line : 0);
                    if (str && strcmp(str, "-") && add_own(p, p->base_dir, str, by) != 0)
                        return qr_error_set(err, "out of memory");
                }
            }
        }
    }
    return 0;
}

char *qr_pipeline_resolve(const qr_pipeline *p, const char *path)
{
    return resolved(p->base_dir, path);
}

const char *qr_pipeline_reader_of(const qr_pipeline *p, const char *path)
{
    char *c = qr_path_absolute(path);
    const char *who = NULL;
    for (size_t i = 0; c && i < p->n_own && !who; i++)
        if (!strcmp(p->own[i], c))
            who = p->own_by[i];
    free(c);
    /* the same file under another name (a link, ../x/y) */
    struct stat ps, os;
    for (size_t i = 0; !who && i < p->n_own && stat(path, &ps) == 0; i++)
        if (stat(p->own[i], &os) == 0 && os.st_dev == ps.st_dev && os.st_ino == ps.st_ino)
            who = p->own_by[i];
    return who;
}

size_t qr_pipeline_own_file_count(const qr_pipeline *p)
{
    return p->n_own;
}

const char *qr_pipeline_own_file(const qr_pipeline *p, size_t i)
{
    return i < p->n_own ? p->own[i] : NULL;
}

size_t qr_pipeline_output_count(const qr_pipeline *p)
{
    return p->n_written;
}

const char *qr_pipeline_output(const qr_pipeline *p, size_t i)
{
    return i < p->n_written ? p->written[i].path : NULL;
}

const char *qr_pipeline_writer_of(const qr_pipeline *p, const char *path)
{
    char *c = qr_path_absolute(path);
    const char *who = NULL;
    for (size_t i = 0; c && i < p->n_written && !who; i++)
        if (!strcmp(p->written[i].path, c))
            who = p->written[i].step;
    free(c);
    return who;
}

static int build_input(qr_pipeline *p, const qr_value *root, qr_error *err)
{
    const qr_value *in = qr_value_get(root, "input");
    if (!in || in->type == QR_VAL_NULL)
        return 0;
    if (in->type != QR_VAL_MAP)
        return qr_value_error(in, err, "'input' must be a map, as in input: { format: jsonl, paths: [docs/] }");
    qr_on_error oe;
    if (parse_on_error(qr_value_get(in, "on_error"), "input", &oe, err) != 0)
        return -1;
    p->input = resolve_options("input", qr_input_option_defs, input_extra, in, in, p->base_dir, err);
    if (!p->input)
        return -1;
    const qr_value *oev = qr_value_get(in, "on_error");
    if (oev && oev->type != QR_VAL_NULL) {
        qr_value *c = qr_value_copy(oev);
        if (!c || qr_value_map_set(p->input, "on_error", c) != 0)
            return qr_error_set(err, "out of memory");
    }
    /* check the reader accepts the values (format names, delimiter) */
    qr_input_opts io;
    qr_input_opts_init(&io);
    for (size_t i = 0; i < p->input->u.map.n; i++) {
        const qr_value_entry *e = &p->input->u.map.v[i];
        char buf[64];
        const char *text;
        if (!strcmp(e->key, "paths") || !strcmp(e->key, "on_error"))
            continue;
        if (scalar_text(e->value, buf, sizeof buf, &text) != 0)
            return qr_value_error(e->value, err, "input: option '%s' must be a single value", e->key);
        qr_error ie;
        qr_error_clear(&ie);
        if (qr_input_opts_set(&io, e->key, text, &ie) != 0)
            return qr_value_error(e->value, err, "%s%s",
                                  strncmp(ie.message, "input", 5) ? "input: " : "", ie.message);
    }
    return 0;
}

static int init_steps(qr_pipeline *p, qr_registry *reg, int jobs, int checking, qr_error *err)
{
    const qr_host_api *api = qr_host_api_get();
    for (size_t i = 0; i < p->n_steps; i++) {
        step_inst *s = p->steps[i];
        s->cx.ctx.pipeline_name = p->name;
        s->cx.ctx.pipeline_file = p->file;
        s->cx.ctx.base_dir = p->base_dir;
        s->cx.ctx.step_name = s->name;
        s->cx.ctx.index = (int)i;
        s->cx.ctx.jobs = jobs;
        s->cx.checking = checking;
        s->cx.data = qr_registry_data(reg, s->def->name);
        if (!(s->def->flags & (QR_STEP_THREAD_SAFE | QR_STEP_ORDERED)) && !s->def->thread_init) {
            if (pthread_mutex_init(&s->lock, NULL) != 0)
                return qr_error_set(err, "cannot create a mutex");
            s->serialize = 1;
        }
        if (!s->def->init) {
            s->inited = 1;
            continue;
        }
        qr_error e;
        qr_error_clear(&e);
        s->state = s->def->init(api, s->options, &s->cx.ctx, &e);
        if (!s->state) {
            if (!e.message[0])
                snprintf(e.message, sizeof e.message, "initialization failed without a message");
            char what[160];
            if (strcmp(s->name, s->def->name))
                snprintf(what, sizeof what, "step '%s' (%s)", s->name, s->def->name);
            else
                snprintf(what, sizeof what, "step '%s'", s->name);
            if (!e.file[0]) {
                snprintf(e.file, sizeof e.file, "%s", s->file ? s->file : "");
                e.line = s->line;
                e.col = s->col;
            }
            qr_error_at(err, e.file, e.line, e.col, "%s: %s", what, e.message);
            return -1;
        }
        s->inited = 1;
    }
    return 0;
}

static char *dir_of(const char *path)
{
    char *c = strdup(path);
    if (!c)
        return NULL;
    char *d = strdup(dirname(c));
    free(c);
    return d;
}

qr_pipeline *qr_pipeline_from_value(const qr_value *root_in, const char *file, const char *base_dir,
                                    qr_registry *reg, const qr_pipeline_opts *opts, qr_error *err)
{
    qr_pipeline_opts none = {0};
    if (!opts)
        opts = &none;
    qr_pipeline *p = calloc(1, sizeof *p);
    qr_value *root = NULL;
    varset vs = {0};
    var_use use = {0};
    if (!p) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    p->file = strdup(file ? file : "");
    p->base_dir = strdup(base_dir && *base_dir ? base_dir : ".");
    if (!p->file || !p->base_dir) {
        qr_error_set(err, "out of memory");
        goto fail;
    }
    if (!root_in) {
        qr_error_set(err, "no pipeline given");
        goto fail;
    }
    if (check_nul(root_in, err) != 0 || check_top(root_in, err) != 0 ||
        collect_vars(root_in, opts->vars, &vs, &use, err) != 0)
        goto fail;
    root = qr_value_new_map();
    if (!root || qr_value_set_mark(root, root_in->file, root_in->line, root_in->col) != 0) {
        qr_error_set(err, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < root_in->u.map.n; i++) {
        const qr_value_entry *e = &root_in->u.map.v[i];
        if (!strcmp(e->key, "vars"))
            continue;
        qr_value *c = qr_value_copy(e->value);
        if (!c || qr_value_map_set(root, e->key, c) != 0) {
            qr_error_set(err, "out of memory");
            goto fail;
        }
        if (substitute(c, (const char *const *)vs.v, &use, err) != 0)
            goto fail;
    }
    if (check_overrides(root_in, opts->vars, &use, err) != 0)
        goto fail;
    const qr_value *name = qr_value_get(root, "name");
    p->name = strdup(qr_value_string(name) ? qr_value_string(name) : "");
    if (!p->name) {
        qr_error_set(err, "out of memory");
        goto fail;
    }
    const qr_value *errors = qr_value_get(root, "errors");
    if (errors && errors->type != QR_VAL_NULL) {
        if (errors->type != QR_VAL_STRING || !errors->u.str.len) {
            qr_value_error(errors, err, "'errors' must be a file path (JSON lines), as in errors: out/errors.jsonl");
            goto fail;
        }
        p->errors_path = strcmp(errors->u.str.s, "-") ? join_path(p->base_dir, errors->u.str.s)
                                                       : strdup("-");
        if (!p->errors_path) {
            qr_error_set(err, "out of memory");
            goto fail;
        }
        struct stat est;
        if (stat(p->errors_path, &est) == 0 && S_ISDIR(est.st_mode)) {
            qr_value_error(errors, err, "'errors' names a folder (%s); give a file, as in "
                           "errors: %s/errors.jsonl", p->errors_path, errors->u.str.s);
            goto fail;
        }
    }
    if (qr_module_load_list(reg, qr_value_get(root, "modules"), p->base_dir, err) != 0)
        goto fail;
    if (build_input(p, root, err) != 0 || build_steps(p, root, reg, err) != 0 ||
        collect_own(p, qr_value_get(root, "modules"), err) != 0 ||
        check_written(p, qr_value_get(root, "errors"), err) != 0)
        goto fail;
    p->ordered_from = p->n_steps;
    for (size_t i = 0; i < p->n_steps; i++)
        if (p->steps[i]->def->flags & QR_STEP_ORDERED) {
            p->ordered_from = i;
            break;
        }
    if (!opts->no_init) {
        int jobs = opts->jobs > 0 ? opts->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
        if (init_steps(p, reg, jobs > 0 ? jobs : 1, opts->check_only, err) != 0)
            goto fail;
    }
    qr_value_free(root);
    varset_free(&vs);
    var_use_free(&use);
    return p;
fail:
    qr_value_free(root);
    varset_free(&vs);
    var_use_free(&use);
    qr_pipeline_free(p);
    return NULL;
}

qr_pipeline *qr_pipeline_load_yaml(const char *path, qr_registry *reg, const qr_pipeline_opts *opts,
                                   qr_error *err)
{
    qr_value *root = qr_yaml_load_file(path, err);
    if (!root)
        return NULL;
    char *dir = dir_of(path);
    qr_pipeline *p = dir ? qr_pipeline_from_value(root, path, dir, reg, opts, err) : NULL;
    if (!dir)
        qr_error_set(err, "out of memory");
    free(dir);
    qr_value_free(root);
    return p;
}

/* }================================================================== */

/* {==================================================================
 * Accessors
 * =================================================================== */
const char *qr_pipeline_name(const qr_pipeline *p) { return p->name; }
const char *qr_pipeline_file(const qr_pipeline *p) { return p->file; }
const char *qr_pipeline_base_dir(const qr_pipeline *p) { return p->base_dir; }
const qr_value *qr_pipeline_input(const qr_pipeline *p) { return p->input; }
const char *qr_pipeline_errors_path(const qr_pipeline *p) { return p->errors_path; }
size_t qr_pipeline_step_count(const qr_pipeline *p) { return p->n_steps; }
size_t qr_pipeline_ordered_from(const qr_pipeline *p) { return p->ordered_from; }

const qr_step_def *qr_pipeline_step_def(const qr_pipeline *p, size_t i)
{
    return i < p->n_steps ? p->steps[i]->def : NULL;
}

const char *qr_pipeline_step_name(const qr_pipeline *p, size_t i)
{
    return i < p->n_steps ? p->steps[i]->name : NULL;
}

const char *qr_pipeline_step_type(const qr_pipeline *p, size_t i)
{
    return i < p->n_steps ? p->steps[i]->def->name : "";
}

qr_on_error qr_pipeline_step_on_error(const qr_pipeline *p, size_t i)
{
    return i < p->n_steps ? p->steps[i]->on_error : QR_ON_ERROR_FAIL;
}

const qr_value *qr_pipeline_step_options(const qr_pipeline *p, size_t i)
{
    return i < p->n_steps ? p->steps[i]->options : NULL;
}

void qr_pipeline_step_mark(const qr_pipeline *p, size_t i, qr_error *err)
{
    if (!err || i >= p->n_steps)
        return;
    snprintf(err->file, sizeof err->file, "%s", p->steps[i]->file ? p->steps[i]->file : "");
    err->line = p->steps[i]->line;
    err->col = p->steps[i]->col;
}

/* }================================================================== */

/* {==================================================================
 * Threads
 * =================================================================== */
qr_pipeline_thread *qr_pipeline_thread_new_range(qr_pipeline *p, size_t from, size_t to, qr_error *err)
{
    qr_pipeline_thread *t = calloc(1, sizeof *t);
    if (!t || !(t->states = calloc(p->n_steps + 1, sizeof *t->states))) {
        free(t);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    t->p = p;
    t->from = from;
    t->to = to > p->n_steps ? p->n_steps : to;
    for (size_t i = t->from; i < t->to; i++) {
        step_inst *s = p->steps[i];
        if (!s->def->thread_init)
            continue;
        qr_error e;
        qr_error_clear(&e);
        t->states[i] = s->def->thread_init(s->state, &e);
        if (!t->states[i]) {
            qr_error_at(err, s->file ? s->file : "", s->line, s->col,
                        "step '%s': per-thread initialization failed: %s", s->name,
                        e.message[0] ? e.message : "thread_init returned NULL without filling err");
            t->to = i;
            qr_pipeline_thread_free(t);
            return NULL;
        }
    }
    return t;
}

qr_pipeline_thread *qr_pipeline_thread_new(qr_pipeline *p, qr_error *err)
{
    return qr_pipeline_thread_new_range(p, 0, p->n_steps, err);
}

static void snapshot_free(snapshot *s)
{
    free(s->labels);
    json_decref(s->fields);
    free(s->text);
    for (size_t i = 0; i < s->spans_n; i++)
        json_decref(s->spans[i].attrs);
    free(s->spans);
}

void qr_pipeline_thread_free(qr_pipeline_thread *t)
{
    if (!t)
        return;
    for (size_t i = t->from; i < t->to; i++) {
        step_inst *s = t->p->steps[i];
        if (t->states[i] && s->def->thread_free)
            s->def->thread_free(s->state, t->states[i]);
    }
    snapshot_free(&t->snap);
    free(t->states);
    free(t);
}

/* }================================================================== */

/* {==================================================================
 * Processing
 * =================================================================== */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 8;
    while (c < need)
        c *= 2;
    void *n = realloc(*p, c * elem);
    if (!n)
        return -1;
    *p = n;
    *cap = c;
    return 0;
}

static void snapshot_release(snapshot *s)
{
    json_decref(s->fields);
    s->fields = NULL;
    for (size_t i = 0; i < s->spans_n; i++)
        json_decref(s->spans[i].attrs);
    s->spans_n = 0;
    s->has_text = 0;
}

static int snapshot_take(snapshot *s, const qr_doc *d, int with_text)
{
    snapshot_release(s);
    s->n_spans = d->n_spans;
    if (grow((void **)&s->labels, &s->cap_labels, d->n_labels, sizeof *s->labels) != 0)
        return -1;
    if (d->n_labels)
        memcpy(s->labels, d->labels, d->n_labels * sizeof *s->labels);
    s->n_labels = d->n_labels;
    s->label = d->label;
    if (d->fields && !(s->fields = json_copy(d->fields)))
        return -1;
    if (with_text) {
        if (grow((void **)&s->text, &s->text_cap, d->len + 1, 1) != 0 ||
            grow((void **)&s->spans, &s->spans_cap, d->n_spans, sizeof *s->spans) != 0)
            return -1;
        if (d->len)
            memcpy(s->text, d->text, d->len);
        s->len = d->len;
        for (size_t i = 0; i < d->n_spans; i++) {
            s->spans[i] = d->spans[i];
            json_incref(s->spans[i].attrs);
        }
        s->spans_n = d->n_spans;
        s->has_text = 1;
    }
    return 0;
}

static int snapshot_restore(snapshot *s, qr_doc *d, qr_error *err)
{
    if (s->has_text) {
        if (qr_doc_set_text(d, s->text, s->len, err) != 0)
            return -1;
        if (grow((void **)&d->spans, &d->cap_spans, s->spans_n, sizeof *d->spans) != 0)
            return qr_error_set(err, "out of memory");
        memcpy(d->spans, s->spans, s->spans_n * sizeof *d->spans);
        d->n_spans = s->spans_n;
        s->spans_n = 0;          /* the doc owns the attrs references now */
        s->has_text = 0;
    } else {
        for (size_t i = s->n_spans; i < d->n_spans; i++)
            json_decref(d->spans[i].attrs);
        if (d->n_spans > s->n_spans)
            d->n_spans = s->n_spans;
    }
    if (grow((void **)&d->labels, &d->cap_labels, s->n_labels, sizeof *d->labels) != 0)
        return qr_error_set(err, "out of memory");
    if (s->n_labels)
        memcpy(d->labels, s->labels, s->n_labels * sizeof *d->labels);
    d->n_labels = s->n_labels;
    d->label = s->label;
    json_decref(d->fields);
    d->fields = s->fields;
    s->fields = NULL;
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

qr_doc_outcome qr_pipeline_process_range(qr_pipeline *p, qr_pipeline_thread *t, qr_doc *doc,
                                         size_t from, size_t to, qr_step_error_fn on_err, void *ud,
                                         double *seconds)
{
    if (to > p->n_steps)
        to = p->n_steps;
    qr_doc_outcome result = QR_DOC_KEPT;
    for (size_t i = from; i < to; i++) {
        step_inst *s = p->steps[i];
        qr_error e;
        qr_error_clear(&e);
        doc->current_step = s->name;
        int snap = s->on_error == QR_ON_ERROR_SKIP;
        if (snap && snapshot_take(&t->snap, doc, (s->def->flags & QR_STEP_MODIFIES_TEXT) != 0) != 0) {
            qr_error_set(&e, "out of memory taking a snapshot for on_error: skip");
            if (on_err)
                on_err(ud, doc, i, &e);
            result = QR_DOC_FAILED_STOP;
            break;
        }
        double t0 = seconds ? now_seconds() : 0;
        void *ts = i >= t->from && i < t->to ? t->states[i] : NULL;
        if (s->serialize)
            pthread_mutex_lock(&s->lock);
        doc->text_locked = !(s->def->flags & QR_STEP_MODIFIES_TEXT);
        int rc = s->def->process(s->state, ts, doc, &e);
        doc->text_locked = 0;
        if (s->serialize)
            pthread_mutex_unlock(&s->lock);
        if (seconds)
            seconds[i] += now_seconds() - t0;
        if (rc == 0)
            continue;
        if (rc == QR_PROCESS_DROP) {
            result = QR_DOC_DROPPED;
            break;
        }
        if (rc != -1 && rc != QR_PROCESS_STOP)   /* none of the values process() may return */
            snprintf(e.message, sizeof e.message, "process() returned %d, which is none of 0, -1, "
                     "QR_PROCESS_DROP (1) and QR_PROCESS_STOP (2)", rc);
        else if (!e.message[0])
            snprintf(e.message, sizeof e.message, "process() returned %d without filling err", rc);
        if (rc == QR_PROCESS_STOP) {
            if (on_err)
                on_err(ud, doc, i | QR_STEP_STOPS_RUN, &e);
            result = QR_DOC_FAILED_STOP;
            break;
        }
        if (on_err)
            on_err(ud, doc, i, &e);
        if (s->on_error == QR_ON_ERROR_FAIL) {
            result = QR_DOC_FAILED_STOP;
            break;
        }
        if (s->on_error == QR_ON_ERROR_DROP) {
            result = QR_DOC_FAILED_DROP;
            break;
        }
        qr_error re;
        if (snapshot_restore(&t->snap, doc, &re) != 0) {
            if (on_err)
                on_err(ud, doc, i, &re);
            result = QR_DOC_FAILED_STOP;
            break;
        }
    }
    doc->current_step = NULL;
    return result;
}

/* The first step with per-run output (a finish()), or NULL. */
static const char *once_only_step(const qr_pipeline *p)
{
    for (size_t i = 0; i < p->n_steps; i++)
        if (p->steps[i]->def->finish && !p->steps[i]->cx.rerunnable)
            return p->steps[i]->name;
    return NULL;
}

typedef struct first_error {
    qr_pipeline *p;
    qr_error *err;
    int set;
} first_error;

static void record_failure(void *ud, const qr_doc *doc, size_t step, const qr_error *e)
{
    first_error *fe = ud;
    int stops = (step & QR_STEP_STOPS_RUN) != 0;
    step_inst *s = fe->p->steps[step & ~QR_STEP_STOPS_RUN];
    if ((s->on_error == QR_ON_ERROR_SKIP && !stops) || !fe->err)
        return;
    char where[1600];
    if (e->file[0])
        qr_error_format(e, where, sizeof where);
    else
        snprintf(where, sizeof where, "%s", e->message);
    qr_error_at(fe->err, s->file, s->line, s->col, "step '%s' failed on document '%s': %s", s->name,
                doc->id ? doc->id : "", where);
    fe->set = 1;
}

qr_doc_outcome qr_pipeline_process_doc(qr_pipeline *p, qr_pipeline_thread *t, qr_doc *doc,
                                       qr_error *err)
{
    first_error fe = {p, err, 0};
    const char *once = once_only_step(p);
    if (p->has_run && once) {
        qr_error_set(err, "this pipeline has already run, and step '%s' ended its work with the run "
                     "(finish); load the pipeline again to process more documents", once);
        return QR_DOC_FAILED_STOP;
    }
    return qr_pipeline_process_range(p, t, doc, 0, p->n_steps, record_failure, &fe, NULL);
}

int qr_pipeline_begin_run(qr_pipeline *p, qr_error *err)
{
    const char *once = once_only_step(p);
    if (p->has_run && once)
        return qr_error_set(err, "this pipeline has already run, and step '%s' ends its work with the run "
                            "(finish); load the pipeline again to run it again", once);
    p->has_run = 1;
    return 0;
}

int qr_pipeline_finish(qr_pipeline *p, qr_error *err)
{
    for (size_t i = 0; i < p->n_steps; i++) {
        step_inst *s = p->steps[i];
        if (!s->def->finish)
            continue;
        qr_error e;
        qr_error_clear(&e);
        if (s->def->finish(s->state, &e) != 0)
            return qr_error_at(err, s->file, s->line, s->col, "step '%s': %s", s->name,
                               e.message[0] ? e.message : "finishing failed without a message");
    }
    return 0;
}

int qr_pipeline_flush(qr_pipeline *p, qr_error *err)
{
    for (size_t i = p->ordered_from; i < p->n_steps; i++) {
        step_inst *s = p->steps[i];
        /* a definition handed to qr_registry_add by a program built
         * against ABI 1.0 ends before `flush` (modules get a host-sized copy) */
        if (s->def->size < offsetof(qr_step_def, flush) + sizeof s->def->flush ||
            !s->def->flush || !s->state)
            continue;
        qr_error e;
        qr_error_clear(&e);
        if (s->def->flush(s->state, &e) != 0)
            return qr_error_at(err, s->file, s->line, s->col, "step '%s': %s", s->name,
                               e.message[0] ? e.message : "flushing failed without a message");
    }
    fflush(stdout);
    return 0;
}

/* }================================================================== */
