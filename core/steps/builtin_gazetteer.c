/* gazetteer step — dictionary matching over tokens (core/gazetteer.h).
 *
 *   lists:    [ { path, label, case, accents, format, id } … ]  files to read
 *             (id: one id for every phrase of a plain list — aliases)
 *   entries:  { phrase: LABEL, … } or [ { phrase, label, id, attrs } … ]
 *   label, case, accents: defaults for the lists and entries above
 *   overlaps: longest (leftmost-longest, non-overlapping) | all
 *   cache:    file holding the compiled automaton, rebuilt when a list
 *             file changes (only used without inline entries or list ids)
 * Each match becomes a span (label, id, attrs; score 1). */
#include "doc.h"
#include "error.h"
#include "outfile.h"
#include "gazetteer.h"
#include "registry.h"
#include "value.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

typedef struct gaz_state {
    qr_gazetteer *g;
    qr_gaz_overlaps overlaps;
} gaz_state;

typedef struct gaz_thread {
    qr_gazetteer_scratch *s;
    qr_gaz_matches m;
} gaz_thread;

static const char *const list_keys[] = {"path", "label", "case", "accents", "format", "id"};
static const char *const entry_keys[] = {"phrase", "label", "id", "attrs"};

static int check_keys(const qr_value *map, const char *const *keys, size_t n, const char *what,
                      qr_error *err)
{
    for (size_t i = 0; i < qr_value_len(map); i++) {
        const char *k = qr_value_key_at(map, i);
        size_t j = 0;
        while (j < n && strcmp(keys[j], k) != 0)
            j++;
        if (j < n)
            continue;
        const char *best = qr_closest_name(k, keys, n);
        char all[200] = "";
        for (size_t m = 0; m < n; m++) {
            strcat(all, m ? ", " : "");
            strcat(all, keys[m]);
        }
        const qr_value_entry *e = qr_value_get_entry(map, k);
        qr_value_mark(map, err);
        if (e->key_line) {
            err->line = e->key_line;
            err->col = e->key_col;
        }
        if (best)
            return qr_error_set(err, "%s has no key '%s'; did you mean '%s'?", what, k, best);
        return qr_error_set(err, "%s has no key '%s'; its keys are: %s", what, k, all);
    }
    return 0;
}

static int want_string(const qr_value *v, const char *what, const char **out, qr_error *err)
{
    *out = NULL;
    if (!v || v->type == QR_VAL_NULL)
        return 0;
    if (v->type != QR_VAL_STRING)
        return qr_value_error(v, err, "%s must be a string, got %s", what, qr_value_type_name(v->type));
    *out = v->u.str.s;
    return 0;
}

static int parse_case(const qr_value *v, qr_gaz_case deflt, qr_gaz_case *out, qr_error *err)
{
    *out = deflt;
    if (!v || v->type == QR_VAL_NULL)
        return 0;
    int c = v->type == QR_VAL_STRING ? qr_gaz_case_parse(v->u.str.s) : -1;
    if (c < 0)
        return qr_value_error(v, err, "case must be one of insensitive|sensitive|smart");
    *out = (qr_gaz_case)c;
    return 0;
}

static int parse_bool(const qr_value *v, int deflt, const char *what, int *out, qr_error *err)
{
    *out = deflt;
    if (!v || v->type == QR_VAL_NULL)
        return 0;
    if (v->type != QR_VAL_BOOL)
        return qr_value_error(v, err, "%s must be true or false", what);
    *out = v->u.b;
    return 0;
}

/* A plain list (one phrase a line; '#' comments and blank lines skipped)
 * whose phrases all get the same id: aliases of one entity. */
static int add_plain_with_id(qr_gazetteer *g, const qr_gazetteer_list *l, const char *id,
                             const qr_value *at, qr_error *err)
{
    FILE *f = fopen(l->path, "rb");
    if (!f)
        return qr_value_error(at, err, "cannot open list '%s': %s", l->path, strerror(errno));
    qr_gazetteer_list own = *l;
    own.path = NULL;
    int li = qr_gazetteer_add_list(g, &own, err);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long line_no = 0;
    int rc = li < 0 ? -1 : 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        char *s = line;
        line_no++;
        if (line_no == 1 && n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
            s += 3;
        while (*s == ' ' || *s == '\t')
            s++;
        size_t len = strlen(s);
        while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
            s[--len] = '\0';
        if (!len || *s == '#')
            continue;
        qr_error ae;
        qr_error_clear(&ae);
        if (qr_gazetteer_add(g, li, s, NULL, id, NULL, &ae) != 0)
            rc = qr_error_at(err, l->path, (int)line_no, 0, "%s", ae.message);
    }
    if (rc == 0 && ferror(f))
        rc = qr_value_error(at, err, "cannot read list '%s': %s", l->path, strerror(errno));
    free(line);
    fclose(f);
    return rc;
}

static int add_lists(const qr_host_api *api, qr_gazetteer *g, const qr_value *lists,
                     const char *dlabel, qr_gaz_case dcase, int daccents,
                     const qr_step_ctx *ctx, qr_gazetteer_list *out, size_t *n_out, qr_error *err)
{
    *n_out = 0;
    for (size_t i = 0; i < qr_value_len(lists); i++) {
        const qr_value *item = qr_value_at(lists, i);
        if (item->type != QR_VAL_MAP && item->type != QR_VAL_STRING) {
            return qr_value_error(item, err, "each item of 'lists' must be a map such as "
                                  "{ path: cities.txt, label: CITY }");
        }
        qr_gazetteer_list *l = &out[(*n_out)++];
        memset(l, 0, sizeof *l);
        const char *path = item->type == QR_VAL_STRING ? item->u.str.s : NULL;
        const qr_value *pv = item->type == QR_VAL_MAP ? qr_value_get(item, "path") : item;
        if (item->type == QR_VAL_MAP) {
            if (check_keys(item, list_keys, 6, "a gazetteer list", err) != 0 ||
                want_string(pv, "path", &path, err) != 0 ||
                want_string(qr_value_get(item, "label"), "label", &l->label, err) != 0 ||
                parse_case(qr_value_get(item, "case"), dcase, &l->case_mode, err) != 0 ||
                parse_bool(qr_value_get(item, "accents"), daccents, "accents", &l->fold_accents, err) != 0)
                return -1;
            const char *fmt;
            if (want_string(qr_value_get(item, "format"), "format", &fmt, err) != 0)
                return -1;
            if (!fmt || !strcmp(fmt, "auto"))
                l->format = QR_GAZ_AUTO;
            else if (!strcmp(fmt, "tsv"))
                l->format = QR_GAZ_TSV;
            else if (!strcmp(fmt, "plain") || !strcmp(fmt, "txt"))
                l->format = QR_GAZ_PLAIN;
            else if (!strcmp(fmt, "jsonl"))
                l->format = QR_GAZ_JSONL;
            else
                return qr_value_error(qr_value_get(item, "format"), err,
                                      "format must be one of auto|tsv|plain|jsonl, got '%s'", fmt);
        } else {
            l->case_mode = dcase;
            l->fold_accents = daccents;
        }
        if (!path)
            return qr_value_error(item, err, "a gazetteer list needs 'path' (a .tsv, .txt or .jsonl file)");
        if (!l->label)
            l->label = dlabel;
        char *full = api->resolve_path(ctx, path);
        if (!full)
            return qr_error_set(err, "out of memory");
        l->path = full;
        struct stat st;
        if (stat(full, &st) != 0) {
            int e = errno;
            if (strcmp(full, path))
                return qr_value_error(pv, err, "cannot open list '%s': %s (looked for %s; relative paths "
                                      "start at the pipeline's folder)", path, strerror(e), full);
            return qr_value_error(pv, err, "cannot open list '%s': %s", path, strerror(e));
        }
        const qr_value *idv = item->type == QR_VAL_MAP ? qr_value_get(item, "id") : NULL;
        size_t n = strlen(path);
        int plain = l->format == QR_GAZ_PLAIN ||
                    (l->format == QR_GAZ_AUTO && n > 4 && !strcmp(path + n - 4, ".txt"));
        if (plain && !(l->label && l->label[0]))
            return qr_value_error(item, err, "'%s' is a plain list (a phrase a line), whose entries need a "
                                  "label: give the list one ({ path: %s, label: CITY }) or the step one "
                                  "(label: CITY)", path, path);
        if (idv && idv->type != QR_VAL_NULL) {
            const char *id;
            if (want_string(idv, "id", &id, err) != 0)
                return -1;
            if (!plain)
                return qr_value_error(idv, err, "'id' gives every phrase of a plain list (.txt) one id; "
                                      "TSV and JSONL entries carry their own ids");
            if (g && add_plain_with_id(g, l, id, pv, err) != 0)
                return -1;
            continue;
        }
        if (g && qr_gazetteer_add_list(g, l, err) < 0) {
            if (!err->file[0])
                qr_value_mark(pv, err);
            return -1;
        }
    }
    return 0;
}

/* True if some list gives an `id` (those are read here, not by the
 * gazetteer, so the cache cannot vouch for them). */
static int lists_have_ids(const qr_value *lists)
{
    for (size_t i = 0; i < qr_value_len(lists); i++) {
        const qr_value *id = qr_value_get(qr_value_at(lists, i), "id");
        if (id && id->type != QR_VAL_NULL)
            return 1;
    }
    return 0;
}

static int add_entries(qr_gazetteer *g, const qr_value *entries, const char *dlabel,
                       qr_gaz_case dcase, int daccents, qr_error *err)
{
    qr_gazetteer_list l = {.path = NULL, .label = dlabel, .case_mode = dcase, .fold_accents = daccents};
    int li = qr_gazetteer_add_list(g, &l, err);
    if (li < 0)
        return -1;
    if (entries->type == QR_VAL_MAP) {
        for (size_t i = 0; i < entries->u.map.n; i++) {
            const qr_value_entry *e = &entries->u.map.v[i];
            const char *label;
            if (want_string(e->value, "an entry's label", &label, err) != 0)
                return -1;
            if (!label && !dlabel)
                return qr_value_error(e->value, err, "entry '%s' has no label; write phrase: LABEL, or set label:",
                                      e->key);
            qr_error ae;
            qr_error_clear(&ae);
            if (qr_gazetteer_add(g, li, e->key, label, NULL, NULL, &ae) != 0)
                return qr_value_error(e->value, err, "entry '%s': %s", e->key, ae.message);
        }
        return 0;
    }
    if (entries->type != QR_VAL_LIST)
        return qr_value_error(entries, err, "'entries' must be a map (phrase: LABEL) or a list of "
                              "{ phrase, label, id, attrs }");
    for (size_t i = 0; i < entries->u.list.n; i++) {
        const qr_value *it = entries->u.list.v[i];
        const char *phrase = NULL, *label = NULL, *id = NULL;
        char *attrs = NULL;
        if (it->type == QR_VAL_STRING) {
            phrase = it->u.str.s;
        } else if (it->type == QR_VAL_MAP) {
            if (check_keys(it, entry_keys, 4, "a gazetteer entry", err) != 0 ||
                want_string(qr_value_get(it, "phrase"), "phrase", &phrase, err) != 0 ||
                want_string(qr_value_get(it, "label"), "label", &label, err) != 0 ||
                want_string(qr_value_get(it, "id"), "id", &id, err) != 0)
                return -1;
            const qr_value *a = qr_value_get(it, "attrs");
            if (a && a->type != QR_VAL_NULL) {
                if (a->type != QR_VAL_MAP)
                    return qr_value_error(a, err, "attrs must be a map");
                if (!(attrs = qr_value_to_json(a)))
                    return qr_value_error(a, err, "attrs cannot be turned into JSON (NaN, or invalid UTF-8)");
            }
        }
        if (!phrase) {
            free(attrs);
            return qr_value_error(it, err, "a gazetteer entry needs 'phrase'");
        }
        if (!label && !dlabel) {
            free(attrs);
            return qr_value_error(it, err, "entry '%s' has no label; add label: or set the step's label:", phrase);
        }
        qr_error ae;
        qr_error_clear(&ae);
        int rc = qr_gazetteer_add(g, li, phrase, label, id, attrs, &ae);
        free(attrs);
        if (rc != 0)
            return qr_value_error(it, err, "entry '%s': %s", phrase, ae.message);
    }
    return 0;
}


static void free_lists(qr_gazetteer_list *lists, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)lists[i].path);
    free(lists);
}

static void *gaz_init(const qr_host_api *api, const qr_value *opt, const qr_step_ctx *ctx, qr_error *err)
{
    const qr_value *lists = qr_value_get(opt, "lists");
    const qr_value *entries = qr_value_get(opt, "entries");
    const char *dlabel = qr_value_string(qr_value_get(opt, "label"));
    const char *cache = qr_value_string(qr_value_get(opt, "cache"));
    const char *ov = qr_value_string(qr_value_get(opt, "overlaps"));
    qr_gaz_case dcase;
    int daccents = qr_value_bool(qr_value_get(opt, "accents"));
    if (parse_case(qr_value_get(opt, "case"), QR_CASE_INSENSITIVE, &dcase, err) != 0)
        return NULL;
    if (!qr_value_len(lists) && !qr_value_len(entries)) {
        qr_value_error(opt, err, "the gazetteer has nothing to match: give lists: [ { path: FILE, label: LABEL } ] "
                       "or entries: { phrase: LABEL }");
        return NULL;
    }
    gaz_state *st = calloc(1, sizeof *st);
    qr_gazetteer_list *ls = calloc(qr_value_len(lists) + 1, sizeof *ls);
    size_t nls = 0;
    if (!st || !ls) {
        free(st);
        free(ls);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    st->overlaps = ov && !strcmp(ov, "all") ? QR_GAZ_ALL : QR_GAZ_LONGEST;
    char *cache_path = cache ? api->resolve_path(ctx, cache) : NULL;
    uint64_t hash = 0;
    int use_cache = cache_path && !qr_value_len(entries) && !lists_have_ids(lists);
    if (use_cache) {
        /* read only the list options first; the cache may spare the build */
        if (add_lists(api, NULL, lists, dlabel, dcase, daccents, ctx, ls, &nls, err) != 0)
            goto fail;
        qr_error ce;
        if (qr_gazetteer_sources_hash(ls, nls, &hash, &ce) == 0 &&
            (st->g = qr_gazetteer_load_cache(cache_path, hash, &ce)) != NULL) {
            free_lists(ls, nls);
            free(cache_path);
            return st;
        }
        free_lists(ls, nls);
        ls = calloc(qr_value_len(lists) + 1, sizeof *ls);
        nls = 0;
        if (!ls) {
            qr_error_set(err, "out of memory");
            goto fail;
        }
    }
    st->g = qr_gazetteer_new();
    if (!st->g) {
        qr_error_set(err, "out of memory");
        goto fail;
    }
    if (add_lists(api, st->g, lists, dlabel, dcase, daccents, ctx, ls, &nls, err) != 0)
        goto fail;
    if (entries && entries->type != QR_VAL_NULL &&
        add_entries(st->g, entries, dlabel, dcase, daccents, err) != 0)
        goto fail;
    if (qr_gazetteer_compile(st->g, err) != 0)
        goto fail;
    qr_error se;
    qr_error_clear(&se);
    /* (quarry check builds the gazetteer, and writes no cache) */
    if (use_cache && !qr_step_ctx_checking(ctx) &&
        (qr_mkdirs(cache_path, 0) != 0 || qr_gazetteer_save(st->g, cache_path, &se) != 0)) {
        qr_value_error(qr_value_get(opt, "cache"), err, "%s",
                       se.message[0] ? se.message : "cannot create the cache's folder");
        goto fail;
    }
    free_lists(ls, nls);
    free(cache_path);
    return st;
fail:
    free_lists(ls, nls);
    free(cache_path);
    qr_gazetteer_free(st->g);
    free(st);
    return NULL;
}

static void *gaz_thread_init(void *state, qr_error *err)
{
    (void)state;
    gaz_thread *t = calloc(1, sizeof *t);
    if (!t || !(t->s = qr_gazetteer_scratch_new())) {
        free(t);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    qr_gaz_matches_init(&t->m);
    return t;
}

static void gaz_thread_free(void *state, void *ts)
{
    (void)state;
    gaz_thread *t = ts;
    if (!t)
        return;
    qr_gazetteer_scratch_free(t->s);
    qr_gaz_matches_free(&t->m);
    free(t);
}

static int gaz_process(void *state, void *ts, qr_doc *doc, qr_error *err)
{
    gaz_state *st = state;
    gaz_thread *t = ts;
    if (qr_doc_ensure_tokens(doc, err) != 0)
        return -1;
    if (qr_gazetteer_match(st->g, t->s, doc->text ? doc->text : "", &doc->tokens, st->overlaps,
                           &t->m, err) != 0)
        return -1;
    for (size_t i = 0; i < t->m.n; i++) {
        const qr_gaz_match *m = &t->m.v[i];
        json_t *attrs = NULL;
        if (m->attrs && !(attrs = json_loads(m->attrs, 0, NULL)))
            return qr_error_set(err, "entry %u: attributes are not valid JSON", m->entry);
        if (qr_doc_add_span(doc, m->start, m->end, m->label, m->id, 1.0, attrs, err) != 0)
            return -1;
    }
    return 0;
}

static void gaz_free(void *state)
{
    gaz_state *st = state;
    if (!st)
        return;
    qr_gazetteer_free(st->g);
    free(st);
}

static const qr_option_def gaz_options[] = {
    {"lists", QR_OPT_LIST, "[]", NULL,
     "files to read: [ { path: cities.txt, label: CITY, case: smart, accents: true, format: tsv } ]; "
     "a plain .txt list may give all its phrases one id: { path: nyc.txt, label: CITY, id: Q60 }", 0},
    {"entries", QR_OPT_ANY, NULL, NULL,
     "inline entries: { phrase: LABEL } or [ { phrase, label, id, attrs } ]", 0},
    {"label", QR_OPT_STRING, NULL, NULL, "default label for lists and entries without one", 0},
    {"case", QR_OPT_ENUM, "insensitive", "insensitive|sensitive|smart",
     "how tokens compare (smart: all-capital entries compare sensitively)", 0},
    {"accents", QR_OPT_BOOL, "false", NULL, "fold accents, so São Paulo matches Sao Paulo", 0},
    {"overlaps", QR_OPT_ENUM, "longest", "longest|all", "leftmost-longest non-overlapping, or every match", 0},
    {"cache", QR_OPT_PATH, NULL, NULL, "file for the compiled automaton, rebuilt when a list changes",
     QR_OPT_OUTPUT | QR_OPT_WRITTEN | QR_OPT_SHARED},
    {NULL, 0, NULL, NULL, NULL, 0}
};

const qr_step_def qr_step_gazetteer_def = {
    .size = sizeof(qr_step_def),
    .name = "gazetteer",
    .description = "find dictionary phrases (cities, people, products…) as labeled entities",
    .options = gaz_options,
    .flags = 0,
    .init = gaz_init,
    .thread_init = gaz_thread_init,
    .process = gaz_process,
    .thread_free = gaz_thread_free,
    .free = gaz_free,
};
