#include "registry.h"
#include "error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct reg_entry {
    const qr_step_def *def;
    char *origin;
    void *data;
    qr_step_def *owned;      /* a module's definition, copied when registered */
} reg_entry;

typedef struct reg_attachment {
    const char *key;
    void *data;
    void (*free_fn)(void *);
} reg_attachment;

struct qr_registry {
    reg_entry *v;       /* sorted by name */
    size_t n, cap;
    char *origin;       /* for qr_registry_add; NULL = "built-in" */
    reg_attachment *att;
    size_t n_att;
};

/* The qr_step_def of ABI 1.0 ends with `free`. */
#define QR_STEP_DEF_MIN_SIZE (offsetof(qr_step_def, free) + sizeof(void (*)(void *)))

qr_registry *qr_registry_new(void)
{
    return calloc(1, sizeof(qr_registry));
}

void qr_registry_free(qr_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->n; i++) {
        free(reg->v[i].origin);
        free(reg->v[i].owned);
    }
    free(reg->v);
    for (size_t i = reg->n_att; i-- > 0;)
        if (reg->att[i].free_fn)
            reg->att[i].free_fn(reg->att[i].data);
    free(reg->att);
    free(reg->origin);
    free(reg);
}

int qr_registry_set_origin(qr_registry *reg, const char *origin, qr_error *err)
{
    char *o = origin ? strdup(origin) : NULL;
    if (origin && !o)
        return qr_error_set(err, "out of memory");
    free(reg->origin);
    reg->origin = o;
    return 0;
}

int qr_registry_attach(qr_registry *reg, const char *key, void *data,
                       void (*free_fn)(void *), qr_error *err)
{
    reg_attachment *a = realloc(reg->att, (reg->n_att + 1) * sizeof *a);
    if (!a)
        return qr_error_set(err, "out of memory");
    reg->att = a;
    a[reg->n_att++] = (reg_attachment){key, data, free_fn};
    return 0;
}

void *qr_registry_attached(const qr_registry *reg, const char *key)
{
    for (size_t i = 0; reg && i < reg->n_att; i++)
        if (strcmp(reg->att[i].key, key) == 0)
            return reg->att[i].data;
    return NULL;
}

static int valid_name(const char *s)
{
    if (!s || !(*s >= 'a' && *s <= 'z'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* A default written as in YAML fits its option's type. */
static int default_fits(const qr_option_def *o)
{
    const char *s = o->default_str;
    char *end;
    switch (o->type) {
    case QR_OPT_BOOL:
        return !strcmp(s, "true") || !strcmp(s, "false");
    case QR_OPT_INT:
        errno = 0;
        (void)strtoll(s, &end, 10);
        return *s && !*end && errno == 0;
    case QR_OPT_NUMBER:
        (void)strtod(s, &end);
        return *s && !*end;
    case QR_OPT_ENUM: {
        size_t n = strlen(s);
        for (const char *c = o->choices; c && *c;) {
            const char *bar = strchr(c, '|');
            size_t k = bar ? (size_t)(bar - c) : strlen(c);
            if (k == n && !strncmp(c, s, n))
                return 1;
            c = bar ? bar + 1 : c + k;
        }
        return 0;
    }
    default:
        return 1;       /* strings, paths; lists and maps are parsed at load */
    }
}

/* The options of a definition, checked when it is registered: a mistake
 * there would otherwise show only as options no value can satisfy. */
static int check_options(const qr_step_def *def, const char *origin, qr_error *err)
{
    for (const qr_option_def *o = def->options; o && o->name; o++) {
        const char *what = "";
        if (!valid_name(o->name))
            what = "is not a valid name: use lower-case letters, digits and '_', starting with a letter";
        else if (!strcmp(o->name, "name") || !strcmp(o->name, "on_error"))
            what = "is a key of every step (name:, on_error:); give the option another name";
        else if (o->type < QR_OPT_BOOL || o->type > QR_OPT_ANY)
            what = "has no known type (QR_OPT_BOOL … QR_OPT_ANY)";
        else if (o->type == QR_OPT_ENUM && !(o->choices && *o->choices))
            what = "is an enum without choices (\"a|b|c\")";
        else if ((o->flags & QR_OPT_REQUIRED) && o->default_str)
            what = "is required and has a default; keep one of the two";
        else if ((o->flags & QR_OPT_WRITTEN) && !(o->type == QR_OPT_PATH && (o->flags & QR_OPT_OUTPUT)))
            what = "is QR_OPT_WRITTEN, which is for a QR_OPT_PATH with QR_OPT_OUTPUT";
        else if ((o->flags & QR_OPT_SHARED) && !(o->flags & QR_OPT_WRITTEN))
            what = "is QR_OPT_SHARED, which goes with QR_OPT_WRITTEN";
        else if (o->default_str && !default_fits(o))
            what = "has a default that does not fit its type:";
        for (const qr_option_def *p = def->options; !*what && p < o; p++)
            if (!strcmp(p->name, o->name))
                what = "is declared twice";
        if (*what)
            return qr_error_set(err, "%s: step '%s': option '%s' %s%s%s", origin, def->name, o->name, what,
                                what[strlen(what) - 1] == ':' ? " " : "",
                                what[strlen(what) - 1] == ':' ? o->default_str : "");
    }
    return 0;
}

/* Index of name, or of where it would go (then *found = 0). */
static size_t lookup(const qr_registry *reg, const char *name, int *found)
{
    size_t lo = 0, hi = reg->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(reg->v[mid].def->name, name);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

int qr_registry_add_ex(qr_registry *reg, const qr_step_def *def, const char *origin,
                       void *data, qr_error *err)
{
    if (!origin)
        origin = "built-in";
    if (!def || def->size < QR_STEP_DEF_MIN_SIZE)
        return qr_error_set(err, "%s: step definition is too small (size %zu); was it built against quarry_module.h?",
                            origin, def ? def->size : 0);
    if (!valid_name(def->name))
        return qr_error_set(err, "%s: step name '%s' is not valid: use lower-case letters, digits and '_', starting with a letter",
                            origin, def->name ? def->name : "(null)");
    if (!strcmp(def->name, "input"))
        return qr_error_set(err, "%s: step name 'input' is the pipeline's input: section; rename the step",
                            origin);
    if (!def->process)
        return qr_error_set(err, "%s: step '%s' has no process function", origin, def->name);
    if (check_options(def, origin, err) != 0)
        return -1;
    int found;
    size_t at = lookup(reg, def->name, &found);
    if (found)
        return qr_error_set(err, "%s: step '%s' is already defined (by %s); rename one of them",
                            origin, def->name, reg->v[at].origin);
    if (reg->n == reg->cap) {
        size_t cap = reg->cap ? reg->cap * 2 : 32;
        reg_entry *v = realloc(reg->v, cap * sizeof *v);
        if (!v)
            return qr_error_set(err, "out of memory");
        reg->v = v;
        reg->cap = cap;
    }
    char *o = strdup(origin);
    if (!o)
        return qr_error_set(err, "out of memory");
    /* a module's definition is copied now: one built on the stack of
     * quarry_module_init is gone when the host adopts it */
    qr_step_def *owned = NULL;
    if (reg->origin) {
        if (!(owned = calloc(1, sizeof *owned))) {
            free(o);
            return qr_error_set(err, "out of memory");
        }
        memcpy(owned, def, def->size < sizeof *owned ? def->size : sizeof *owned);
        def = owned;
    }
    memmove(reg->v + at + 1, reg->v + at, (reg->n - at) * sizeof *reg->v);
    reg->v[at].def = def;
    reg->v[at].origin = o;
    reg->v[at].data = data;
    reg->v[at].owned = owned;
    reg->n++;
    return 0;
}

int qr_registry_add(qr_registry *reg, const qr_step_def *def, qr_error *err)
{
    return qr_registry_add_ex(reg, def, reg->origin, NULL, err);
}

static const reg_entry *entry(const qr_registry *reg, const char *name)
{
    int found;
    if (!reg || !name)
        return NULL;
    size_t at = lookup(reg, name, &found);
    return found ? &reg->v[at] : NULL;
}

const qr_step_def *qr_registry_find(const qr_registry *reg, const char *name)
{
    const reg_entry *e = entry(reg, name);
    return e ? e->def : NULL;
}

const char *qr_registry_origin(const qr_registry *reg, const char *name)
{
    const reg_entry *e = entry(reg, name);
    return e ? e->origin : NULL;
}

void *qr_registry_data(const qr_registry *reg, const char *name)
{
    const reg_entry *e = entry(reg, name);
    return e ? e->data : NULL;
}

size_t qr_registry_count(const qr_registry *reg)
{
    return reg ? reg->n : 0;
}

const qr_step_def *qr_registry_at(const qr_registry *reg, size_t i)
{
    return reg && i < reg->n ? reg->v[i].def : NULL;
}

size_t qr_levenshtein(const char *a, const char *b)
{
    /* optimal string alignment: insertions, deletions, substitutions and
     * swaps of two adjacent characters ("lable" -> "label") cost 1 */
    size_t la = strlen(a), lb = strlen(b);
    size_t small[3 * 64], *buf = 3 * (lb + 1) <= 3 * 64 ? small : malloc(3 * (lb + 1) * sizeof *buf);
    if (!buf)
        return la > lb ? la : lb;
    size_t *prev2 = buf, *prev = buf + lb + 1, *row = buf + 2 * (lb + 1);
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            row[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = row;
        row = t;
    }
    size_t d = prev[lb];
    if (buf != small)
        free(buf);
    return d;
}

const char *qr_closest_name(const char *word, const char *const *candidates, size_t n)
{
    size_t len = strlen(word);
    size_t limit = len / 3 > 1 ? len / 3 : 1;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = qr_levenshtein(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    if (!best || best_d > limit || best_d >= len)
        return NULL;
    return best;
}

const char *qr_registry_suggest(const qr_registry *reg, const char *name)
{
    if (!reg || !reg->n)
        return NULL;
    const char **names = malloc(reg->n * sizeof *names);
    if (!names)
        return NULL;
    for (size_t i = 0; i < reg->n; i++)
        names[i] = reg->v[i].def->name;
    const char *s = qr_closest_name(name, names, reg->n);
    free(names);
    return s;
}
