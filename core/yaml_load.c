#include "yaml_load.h"
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

typedef struct anchor {
    char *name;
    const qr_value *node;
} anchor;

typedef struct loader {
    yaml_parser_t parser;
    const char *file;
    const char *text;       /* the YAML when loaded from a string, else NULL */
    size_t text_len;
    qr_error *err;
    size_t nodes;
    anchor *anchors;
    size_t n_anchors, cap_anchors;
} loader;

static int fail_at(loader *ld, yaml_mark_t m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(loader *ld, yaml_mark_t m, const char *fmt, ...)
{
    qr_error *err = ld->err;
    if (!err)
        return -1;
    snprintf(err->file, sizeof err->file, "%s", ld->file);
    err->line = (int)m.line + 1;
    err->col = (int)m.column + 1;
    va_list ap;
    va_start(ap, fmt);
    qr_error_vset(err, fmt, ap);
    va_end(ap);
    return -1;
}

static int next_event(loader *ld, yaml_event_t *ev)
{
    if (yaml_parser_parse(&ld->parser, ev))
        return 0;
    yaml_parser_t *p = &ld->parser;
    const char *problem = p->problem ? p->problem : "unknown problem";
    /* "${" where the error is: a variable left unquoted inside { } or [ ] */
    char two[3] = "";
    size_t at = p->problem_mark.index;
    if (at >= 1 && ld->text && at < ld->text_len) {
        two[0] = ld->text[at - 1];
        two[1] = ld->text[at];
    } else if (at >= 1 && ld->file) {
        FILE *f = fopen(ld->file, "rb");
        if (f && fseek(f, (long)at - 1, SEEK_SET) == 0 && fread(two, 1, 2, f) != 2)
            two[0] = '\0';
        if (f)
            fclose(f);
    }
    if (!strcmp(two, "${") && p->context && strstr(p->context, "flow"))
        return fail_at(ld, p->problem_mark, "YAML syntax error: %s %s (the construct started at line %d); "
                       "a ${variable} inside { } or [ ] must be quoted, as in { path: '${out}/x' }",
                       problem, p->context, (int)p->context_mark.line + 1);
    if (p->context)
        return fail_at(ld, p->problem_mark, "YAML syntax error: %s %s (the construct started at line %d)",
                       problem, p->context, (int)p->context_mark.line + 1);
    if (p->error == YAML_READER_ERROR)
        return fail_at(ld, p->problem_mark, "YAML cannot be read: %s (is the file UTF-8?)", problem);
    return fail_at(ld, p->problem_mark, "YAML syntax error: %s", problem);
}

static int count_node(loader *ld, yaml_mark_t m)
{
    if (++ld->nodes > QR_YAML_MAX_NODES)
        return fail_at(ld, m, "the YAML document has more than %d values; "
                       "split the data into files the steps read", QR_YAML_MAX_NODES);
    return 0;
}

static size_t tree_size(const qr_value *v)
{
    size_t n = 1;
    for (size_t i = 0; i < qr_value_len(v); i++)
        n += tree_size(qr_value_at(v, i));
    return n;
}

static int set_mark(loader *ld, qr_value *v, yaml_mark_t m)
{
    if (qr_value_set_mark(v, ld->file, (int)m.line + 1, (int)m.column + 1) != 0)
        return fail_at(ld, m, "out of memory");
    return 0;
}

static int add_anchor(loader *ld, const char *name, const qr_value *node, yaml_mark_t m)
{
    if (ld->n_anchors == ld->cap_anchors) {
        size_t cap = ld->cap_anchors ? ld->cap_anchors * 2 : 8;
        anchor *a = realloc(ld->anchors, cap * sizeof *a);
        if (!a)
            return fail_at(ld, m, "out of memory");
        ld->anchors = a;
        ld->cap_anchors = cap;
    }
    char *n = strdup(name);
    if (!n)
        return fail_at(ld, m, "out of memory");
    /* a later anchor of the same name shadows the earlier one (YAML spec) */
    ld->anchors[ld->n_anchors].name = n;
    ld->anchors[ld->n_anchors].node = node;
    ld->n_anchors++;
    return 0;
}

static const qr_value *find_anchor(loader *ld, const char *name)
{
    for (size_t i = ld->n_anchors; i-- > 0;)
        if (strcmp(ld->anchors[i].name, name) == 0)
            return ld->anchors[i].node;
    return NULL;
}

static qr_value *parse_node(loader *ld, yaml_event_t *ev, int depth);

static qr_value *scalar_node(loader *ld, yaml_event_t *ev)
{
    const char *text = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    qr_value *v = qr_value_new_lstring(text, len);
    if (!v) {
        fail_at(ld, ev->start_mark, "out of memory");
        return NULL;
    }
    if (set_mark(ld, v, ev->start_mark) != 0) {
        qr_value_free(v);
        return NULL;
    }
    int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    v->block = ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE;
    if (tag && strcmp(tag, "!") != 0) {
        if (strcmp(tag, YAML_STR_TAG) == 0)
            return v;
        if (strcmp(tag, YAML_INT_TAG) && strcmp(tag, YAML_FLOAT_TAG) &&
            strcmp(tag, YAML_BOOL_TAG) && strcmp(tag, YAML_NULL_TAG)) {
            fail_at(ld, ev->start_mark, "unsupported YAML tag '%s'; remove it", tag);
            qr_value_free(v);
            return NULL;
        }
        plain = 1;
    }
    if (plain) {
        v->plain = 1;
        qr_value_retype_plain(v);
        if (tag && strcmp(tag, "!") && strcmp(tag, YAML_STR_TAG)) {
            int want = !strcmp(tag, YAML_INT_TAG) ? QR_VAL_INT
                     : !strcmp(tag, YAML_FLOAT_TAG) ? QR_VAL_NUMBER
                     : !strcmp(tag, YAML_BOOL_TAG) ? QR_VAL_BOOL : QR_VAL_NULL;
            if (want == QR_VAL_NUMBER && v->type == QR_VAL_INT) {
                v->type = QR_VAL_NUMBER;
                v->u.n = (double)v->u.i;
            }
            if ((int)v->type != want) {
                fail_at(ld, ev->start_mark, "'%.*s' is not valid for tag %s", (int)len, text, tag);
                qr_value_free(v);
                return NULL;
            }
        }
    }
    return v;
}

static qr_value *sequence_node(loader *ld, yaml_event_t *start, int depth)
{
    qr_value *list = qr_value_new_list();
    if (!list || set_mark(ld, list, start->start_mark) != 0) {
        if (!list)
            fail_at(ld, start->start_mark, "out of memory");
        qr_value_free(list);
        return NULL;
    }
    for (;;) {
        yaml_event_t ev;
        if (next_event(ld, &ev) != 0)
            goto fail;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return list;
        }
        qr_value *item = parse_node(ld, &ev, depth + 1);
        yaml_event_delete(&ev);
        if (!item)
            goto fail;
        if (qr_value_list_push(list, item) != 0) {
            fail_at(ld, start->start_mark, "out of memory");
            goto fail;
        }
    }
fail:
    qr_value_free(list);
    return NULL;
}

/* `<<: *base` or `<<: [*a, *b]`: keys not written in the map come from the
 * merged maps, the first one listed winning. */
static int apply_merges(loader *ld, qr_value *map, const qr_value *const *merges,
                        size_t n, yaml_mark_t m)
{
    for (size_t k = 0; k < n; k++) {
        const qr_value *src = merges[k];
        for (size_t i = 0; i < src->u.map.n; i++) {
            const qr_value_entry *e = &src->u.map.v[i];
            if (qr_value_get_entry(map, e->key))
                continue;
            qr_value *c = qr_value_copy(e->value);
            if (!c || qr_value_map_set(map, e->key, c) != 0)
                return fail_at(ld, m, "out of memory");
            map->u.map.v[map->u.map.n - 1].key_line = e->key_line;
            map->u.map.v[map->u.map.n - 1].key_col = e->key_col;
        }
    }
    return 0;
}

static qr_value *mapping_node(loader *ld, yaml_event_t *start, int depth)
{
    const qr_value *merges[16];
    size_t n_merges = 0;
    qr_value *map = qr_value_new_map();
    qr_value *merge_holder = NULL;
    if (!map || set_mark(ld, map, start->start_mark) != 0) {
        if (!map)
            fail_at(ld, start->start_mark, "out of memory");
        qr_value_free(map);
        return NULL;
    }
    for (;;) {
        yaml_event_t kev, vev;
        if (next_event(ld, &kev) != 0)
            goto fail;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            break;
        }
        if (kev.type != YAML_SCALAR_EVENT) {
            fail_at(ld, kev.start_mark, "a map key must be a plain name, not %s",
                    kev.type == YAML_ALIAS_EVENT ? "an alias" : "a list or a map");
            yaml_event_delete(&kev);
            goto fail;
        }
        const void *nul = memchr(kev.data.scalar.value, '\0', kev.data.scalar.length);
        if (nul) {
            fail_at(ld, kev.start_mark, "a map key cannot hold a NUL byte (\\0 at byte %zu); "
                    "remove it", (size_t)((const unsigned char *)nul - kev.data.scalar.value));
            yaml_event_delete(&kev);
            goto fail;
        }
        char *key = strndup((const char *)kev.data.scalar.value, kev.data.scalar.length);
        int is_merge = kev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && key && !strcmp(key, "<<");
        yaml_mark_t km = kev.start_mark;
        yaml_event_delete(&kev);
        if (!key) {
            fail_at(ld, km, "out of memory");
            goto fail;
        }
        if (count_node(ld, km) != 0 || next_event(ld, &vev) != 0) {
            free(key);
            goto fail;
        }
        qr_value *val = parse_node(ld, &vev, depth + 1);
        yaml_event_delete(&vev);
        if (!val) {
            free(key);
            goto fail;
        }
        if (is_merge) {
            free(key);
            /* keep the merged node alive until the map is complete */
            if (!merge_holder && !(merge_holder = qr_value_new_list())) {
                qr_value_free(val);
                fail_at(ld, km, "out of memory");
                goto fail;
            }
            if (qr_value_list_push(merge_holder, val) != 0) {
                fail_at(ld, km, "out of memory");
                goto fail;
            }
            const qr_value *items[16];
            size_t n = 0;
            if (val->type == QR_VAL_MAP)
                items[n++] = val;
            else if (val->type == QR_VAL_LIST) {
                for (size_t i = 0; i < val->u.list.n && n < 16; i++)
                    items[n++] = val->u.list.v[i];
            }
            for (size_t i = 0; i < n; i++) {
                if (items[i]->type != QR_VAL_MAP) {
                    fail_at(ld, km, "'<<' merges maps only: give it *anchor of a map, or a list of them");
                    goto fail;
                }
                if (n_merges == 16) {
                    fail_at(ld, km, "too many '<<' merges in one map (at most 16)");
                    goto fail;
                }
                merges[n_merges++] = items[i];
            }
            if (n == 0) {
                fail_at(ld, km, "'<<' merges maps only: give it *anchor of a map, or a list of them");
                goto fail;
            }
            continue;
        }
        const qr_value_entry *dup = qr_value_get_entry(map, key);
        if (dup) {
            fail_at(ld, km, "duplicate key '%s' (first written at line %d); remove one",
                    key, dup->key_line);
            free(key);
            qr_value_free(val);
            goto fail;
        }
        if (qr_value_map_set(map, key, val) != 0) {
            free(key);
            fail_at(ld, km, "out of memory");
            goto fail;
        }
        map->u.map.v[map->u.map.n - 1].key_line = (int)km.line + 1;
        map->u.map.v[map->u.map.n - 1].key_col = (int)km.column + 1;
        free(key);
    }
    if (n_merges && apply_merges(ld, map, merges, n_merges, start->start_mark) != 0)
        goto fail;
    qr_value_free(merge_holder);
    return map;
fail:
    qr_value_free(merge_holder);
    qr_value_free(map);
    return NULL;
}

static qr_value *parse_node(loader *ld, yaml_event_t *ev, int depth)
{
    if (depth > QR_YAML_MAX_DEPTH) {
        fail_at(ld, ev->start_mark, "values nested more than %d levels deep; flatten the structure",
                QR_YAML_MAX_DEPTH);
        return NULL;
    }
    if (ev->type == YAML_ALIAS_EVENT) {
        const char *name = (const char *)ev->data.alias.anchor;
        const qr_value *target = find_anchor(ld, name);
        if (!target) {
            fail_at(ld, ev->start_mark, "unknown anchor '*%s'; define it with '&%s' before using it",
                    name, name);
            return NULL;
        }
        size_t n = tree_size(target);
        if (n > QR_YAML_MAX_NODES - ld->nodes) {
            fail_at(ld, ev->start_mark,
                    "alias '*%s' would expand the document past %d values (an alias bomb?); "
                    "use fewer nested aliases", name, QR_YAML_MAX_NODES);
            return NULL;
        }
        ld->nodes += n;
        qr_value *c = qr_value_copy(target);
        if (!c)
            fail_at(ld, ev->start_mark, "out of memory");
        return c;
    }
    if (count_node(ld, ev->start_mark) != 0)
        return NULL;
    qr_value *v = NULL;
    const char *anchor_name = NULL;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        v = scalar_node(ld, ev);
        anchor_name = (const char *)ev->data.scalar.anchor;
        break;
    case YAML_SEQUENCE_START_EVENT:
        v = sequence_node(ld, ev, depth);
        anchor_name = (const char *)ev->data.sequence_start.anchor;
        break;
    case YAML_MAPPING_START_EVENT:
        v = mapping_node(ld, ev, depth);
        anchor_name = (const char *)ev->data.mapping_start.anchor;
        break;
    default:
        fail_at(ld, ev->start_mark, "unexpected YAML event");
        return NULL;
    }
    if (v && anchor_name && add_anchor(ld, anchor_name, v, ev->start_mark) != 0) {
        qr_value_free(v);
        return NULL;
    }
    return v;
}

static qr_value *load(loader *ld)
{
    qr_value *root = NULL;
    yaml_event_t ev;
    for (;;) {
        if (next_event(ld, &ev) != 0)
            goto fail;
        if (ev.type == YAML_STREAM_END_EVENT || ev.type == YAML_DOCUMENT_END_EVENT) {
            int doc_end = ev.type == YAML_DOCUMENT_END_EVENT;
            yaml_event_delete(&ev);
            /* A second document would be ignored without a word: refuse it. */
            if (doc_end) {
                if (next_event(ld, &ev) != 0)
                    goto fail;
                int second = ev.type == YAML_DOCUMENT_START_EVENT;
                if (second)
                    fail_at(ld, ev.start_mark, "a second YAML document starts here; a pipeline "
                            "file holds one: remove it (and its '---') or move it to its own file");
                yaml_event_delete(&ev);
                if (second)
                    goto fail;
            }
            break;
        }
        if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        root = parse_node(ld, &ev, 0);
        yaml_event_delete(&ev);
        if (!root)
            goto fail;
    }
    if (!root) {
        root = qr_value_new_null();
        if (!root || qr_value_set_mark(root, ld->file, 1, 1) != 0) {
            qr_value_free(root);
            qr_error_at(ld->err, ld->file, 0, 0, "out of memory");
            root = NULL;
        }
    }
    return root;
fail:
    qr_value_free(root);
    return NULL;
}

static void loader_done(loader *ld)
{
    for (size_t i = 0; i < ld->n_anchors; i++)
        free(ld->anchors[i].name);
    free(ld->anchors);
    yaml_parser_delete(&ld->parser);
}

qr_value *qr_yaml_load_string(const char *text, size_t len, const char *file, qr_error *err)
{
    loader ld = {.file = file ? file : "<string>", .err = err};
    if (!yaml_parser_initialize(&ld.parser)) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    ld.text = text;
    ld.text_len = len;
    yaml_parser_set_input_string(&ld.parser, (const unsigned char *)text, len);
    qr_value *v = load(&ld);
    loader_done(&ld);
    return v;
}

qr_value *qr_yaml_load_file(const char *path, qr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        qr_error_at(err, path, 0, 0, "cannot open the pipeline: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        qr_error_at(err, path, 0, 0, "this is a folder, not a pipeline: give the pipeline's YAML file "
                    "(the inputs come after it)");
        return NULL;
    }
    loader ld = {.file = path, .err = err};
    if (!yaml_parser_initialize(&ld.parser)) {
        fclose(f);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_file(&ld.parser, f);
    qr_value *v = load(&ld);
    loader_done(&ld);
    fclose(f);
    return v;
}
