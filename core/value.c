#include "value.h"
#include "error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {==================================================================
 * Construction
 * =================================================================== */
static qr_value *new_node(qr_value_type t)
{
    qr_value *v = calloc(1, sizeof *v);
    if (v)
        v->type = t;
    return v;
}

void qr_format_double(double d, char *buf, size_t n)
{
    /* the shortest of %.15g..%.17g that reads back as d: 0.99, not
     * 0.98999999999999999 */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

qr_value *qr_value_new_null(void) { return new_node(QR_VAL_NULL); }

qr_value *qr_value_new_bool(int b)
{
    qr_value *v = new_node(QR_VAL_BOOL);
    if (v)
        v->u.b = b != 0;
    return v;
}

qr_value *qr_value_new_int(int64_t i)
{
    qr_value *v = new_node(QR_VAL_INT);
    if (v)
        v->u.i = i;
    return v;
}

qr_value *qr_value_new_number(double n)
{
    qr_value *v = new_node(QR_VAL_NUMBER);
    if (v)
        v->u.n = n;
    return v;
}

qr_value *qr_value_new_lstring(const char *s, size_t len)
{
    qr_value *v = new_node(QR_VAL_STRING);
    if (!v)
        return NULL;
    v->u.str.s = malloc(len + 1);
    if (!v->u.str.s) {
        free(v);
        return NULL;
    }
    if (len)
        memcpy(v->u.str.s, s, len);
    v->u.str.s[len] = '\0';
    v->u.str.len = len;
    return v;
}

qr_value *qr_value_new_string(const char *s)
{
    return qr_value_new_lstring(s ? s : "", s ? strlen(s) : 0);
}

qr_value *qr_value_new_list(void) { return new_node(QR_VAL_LIST); }
qr_value *qr_value_new_map(void) { return new_node(QR_VAL_MAP); }

static void clear_content(qr_value *v)
{
    switch (v->type) {
    case QR_VAL_STRING:
        free(v->u.str.s);
        break;
    case QR_VAL_LIST:
        for (size_t i = 0; i < v->u.list.n; i++)
            qr_value_free(v->u.list.v[i]);
        free(v->u.list.v);
        break;
    case QR_VAL_MAP:
        for (size_t i = 0; i < v->u.map.n; i++) {
            free(v->u.map.v[i].key);
            qr_value_free(v->u.map.v[i].value);
        }
        free(v->u.map.v);
        break;
    default:
        break;
    }
    memset(&v->u, 0, sizeof v->u);
}

void qr_value_free(qr_value *v)
{
    if (!v)
        return;
    clear_content(v);
    free(v->file);
    free(v);
}

int qr_value_set_mark(qr_value *v, const char *file, int line, int col)
{
    char *f = NULL;
    if (file && !(f = strdup(file)))
        return -1;
    free(v->file);
    v->file = f;
    v->line = line;
    v->col = col;
    return 0;
}

int qr_value_set_mark_deep(qr_value *v, const char *file, int line, int col)
{
    if (!v->file && qr_value_set_mark(v, file, line, col) != 0)
        return -1;
    if (v->type == QR_VAL_LIST) {
        for (size_t i = 0; i < v->u.list.n; i++)
            if (qr_value_set_mark_deep(v->u.list.v[i], file, line, col) != 0)
                return -1;
    } else if (v->type == QR_VAL_MAP) {
        for (size_t i = 0; i < v->u.map.n; i++) {
            qr_value_entry *e = &v->u.map.v[i];
            if (!e->key_line) {
                e->key_line = line;
                e->key_col = col;
            }
            if (qr_value_set_mark_deep(e->value, file, line, col) != 0)
                return -1;
        }
    }
    return 0;
}

int qr_value_list_push(qr_value *list, qr_value *item)
{
    if (!item)
        return -1;
    if (!list || list->type != QR_VAL_LIST) {
        qr_value_free(item);
        return -1;
    }
    if (list->u.list.n == list->u.list.cap) {
        size_t cap = list->u.list.cap ? list->u.list.cap * 2 : 4;
        qr_value **v = realloc(list->u.list.v, cap * sizeof *v);
        if (!v) {
            qr_value_free(item);
            return -1;
        }
        list->u.list.v = v;
        list->u.list.cap = cap;
    }
    list->u.list.v[list->u.list.n++] = item;
    return 0;
}

int qr_value_map_set(qr_value *map, const char *key, qr_value *item)
{
    if (!item)
        return -1;
    if (!map || map->type != QR_VAL_MAP || !key) {
        qr_value_free(item);
        return -1;
    }
    for (size_t i = 0; i < map->u.map.n; i++)
        if (strcmp(map->u.map.v[i].key, key) == 0) {
            qr_value_free(map->u.map.v[i].value);
            map->u.map.v[i].value = item;
            return 0;
        }
    if (map->u.map.n == map->u.map.cap) {
        size_t cap = map->u.map.cap ? map->u.map.cap * 2 : 4;
        qr_value_entry *v = realloc(map->u.map.v, cap * sizeof *v);
        if (!v) {
            qr_value_free(item);
            return -1;
        }
        map->u.map.v = v;
        map->u.map.cap = cap;
    }
    char *k = strdup(key);
    if (!k) {
        qr_value_free(item);
        return -1;
    }
    qr_value_entry *e = &map->u.map.v[map->u.map.n++];
    e->key = k;
    e->key_line = item->line;
    e->key_col = item->col;
    e->value = item;
    return 0;
}

qr_value *qr_value_copy(const qr_value *v)
{
    if (!v)
        return NULL;
    qr_value *c;
    switch (v->type) {
    case QR_VAL_STRING:
        c = qr_value_new_lstring(v->u.str.s, v->u.str.len);
        break;
    case QR_VAL_LIST:
        c = qr_value_new_list();
        for (size_t i = 0; c && i < v->u.list.n; i++)
            if (qr_value_list_push(c, qr_value_copy(v->u.list.v[i])) != 0) {
                qr_value_free(c);
                c = NULL;
            }
        break;
    case QR_VAL_MAP:
        c = qr_value_new_map();
        for (size_t i = 0; c && i < v->u.map.n; i++) {
            const qr_value_entry *e = &v->u.map.v[i];
            if (qr_value_map_set(c, e->key, qr_value_copy(e->value)) != 0) {
                qr_value_free(c);
                c = NULL;
            } else {
                c->u.map.v[c->u.map.n - 1].key_line = e->key_line;
                c->u.map.v[c->u.map.n - 1].key_col = e->key_col;
            }
        }
        break;
    default:
        c = new_node(v->type);
        if (c)
            c->u = v->u;
        break;
    }
    if (!c)
        return NULL;
    c->plain = v->plain;
    c->block = v->block;
    if (qr_value_set_mark(c, v->file, v->line, v->col) != 0) {
        qr_value_free(c);
        return NULL;
    }
    return c;
}

/* }================================================================== */

/* {==================================================================
 * Readers
 * =================================================================== */
const qr_value_entry *qr_value_get_entry(const qr_value *map, const char *key)
{
    if (!map || map->type != QR_VAL_MAP || !key)
        return NULL;
    for (size_t i = 0; i < map->u.map.n; i++)
        if (strcmp(map->u.map.v[i].key, key) == 0)
            return &map->u.map.v[i];
    return NULL;
}

const qr_value *qr_value_get(const qr_value *map, const char *key)
{
    const qr_value_entry *e = qr_value_get_entry(map, key);
    return e ? e->value : NULL;
}

size_t qr_value_len(const qr_value *v)
{
    if (!v)
        return 0;
    if (v->type == QR_VAL_LIST)
        return v->u.list.n;
    if (v->type == QR_VAL_MAP)
        return v->u.map.n;
    return 0;
}

const qr_value *qr_value_at(const qr_value *v, size_t i)
{
    if (!v)
        return NULL;
    if (v->type == QR_VAL_LIST)
        return i < v->u.list.n ? v->u.list.v[i] : NULL;
    if (v->type == QR_VAL_MAP)
        return i < v->u.map.n ? v->u.map.v[i].value : NULL;
    return NULL;
}

const char *qr_value_key_at(const qr_value *map, size_t i)
{
    if (!map || map->type != QR_VAL_MAP || i >= map->u.map.n)
        return NULL;
    return map->u.map.v[i].key;
}

const char *qr_value_string(const qr_value *v)
{
    return v && v->type == QR_VAL_STRING ? v->u.str.s : NULL;
}

int qr_value_bool(const qr_value *v)
{
    return v && v->type == QR_VAL_BOOL ? v->u.b : 0;
}

int64_t qr_value_int(const qr_value *v)
{
    if (!v)
        return 0;
    if (v->type == QR_VAL_INT)
        return v->u.i;
    if (v->type == QR_VAL_NUMBER)
        return (int64_t)v->u.n;
    return 0;
}

double qr_value_number(const qr_value *v)
{
    if (!v)
        return 0;
    if (v->type == QR_VAL_NUMBER)
        return v->u.n;
    if (v->type == QR_VAL_INT)
        return (double)v->u.i;
    return 0;
}

const char *qr_value_type_name(qr_value_type t)
{
    switch (t) {
    case QR_VAL_NULL: return "null";
    case QR_VAL_BOOL: return "a boolean";
    case QR_VAL_INT: return "an integer";
    case QR_VAL_NUMBER: return "a number";
    case QR_VAL_STRING: return "a string";
    case QR_VAL_LIST: return "a list";
    case QR_VAL_MAP: return "a map";
    }
    return "?";
}

void qr_value_mark(const qr_value *v, qr_error *err)
{
    if (!err)
        return;
    snprintf(err->file, sizeof err->file, "%s", v && v->file ? v->file : "");
    err->line = v ? v->line : 0;
    err->col = v ? v->col : 0;
}

int qr_value_error(const qr_value *v, qr_error *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    qr_value_mark(v, err);
    va_list ap;
    va_start(ap, fmt);
    qr_error_vset(err, fmt, ap);
    va_end(ap);
    return -1;
}

/* }================================================================== */

/* {==================================================================
 * Flow-style text (for `quarry check`)
 * =================================================================== */
typedef struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

/* A string that reads back as the same string when written plain. */
static int plain_safe(const char *s, size_t len)
{
    if (len == 0 || strlen(s) != len)
        return 0;
    if (strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) || s[len - 1] == ' ')
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == ',' || c == '[' || c == ']' || c == '{' || c == '}' ||
            (c == ':' && (i + 1 == len || s[i + 1] == ' ')) ||
            (c == '#' && i > 0 && s[i - 1] == ' '))
            return 0;
    }
    qr_value probe = {.type = QR_VAL_STRING, .plain = 1};
    probe.u.str.s = (char *)s;
    probe.u.str.len = len;
    /* would it be re-typed as something else? */
    qr_value *copy = qr_value_copy(&probe);
    int ok = 0;
    if (copy && qr_value_retype_plain(copy) == 0)
        ok = copy->type == QR_VAL_STRING;
    qr_value_free(copy);
    return ok;
}

static void sb_quoted(sbuf *b, const char *s, size_t len)
{
    if (plain_safe(s, len)) {
        sb_add(b, s, len);
        return;
    }
    int needs_double = 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20)
            needs_double = 1;
    if (!needs_double) {
        sb_str(b, "'");
        for (size_t i = 0; i < len; i++) {
            if (s[i] == '\'')
                sb_str(b, "''");
            else
                sb_add(b, s + i, 1);
        }
        sb_str(b, "'");
        return;
    }
    sb_str(b, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            sb_add(b, esc, 2);
        } else if (c == '\n') {
            sb_str(b, "\\n");
        } else if (c == '\t') {
            sb_str(b, "\\t");
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\x%02x", c);
            sb_str(b, esc);
        } else {
            sb_add(b, s + i, 1);
        }
    }
    sb_str(b, "\"");
}

static void flow(sbuf *b, const qr_value *v)
{
    char num[64];
    switch (v->type) {
    case QR_VAL_NULL:
        sb_str(b, "null");
        break;
    case QR_VAL_BOOL:
        sb_str(b, v->u.b ? "true" : "false");
        break;
    case QR_VAL_INT:
        snprintf(num, sizeof num, "%lld", (long long)v->u.i);
        sb_str(b, num);
        break;
    case QR_VAL_NUMBER:
        if (isnan(v->u.n))
            snprintf(num, sizeof num, ".nan");
        else if (isinf(v->u.n))
            snprintf(num, sizeof num, v->u.n < 0 ? "-.inf" : ".inf");
        else {
            qr_format_double(v->u.n, num, sizeof num);
            if (!strpbrk(num, ".eE"))
                strcat(num, ".0");
        }
        sb_str(b, num);
        break;
    case QR_VAL_STRING:
        sb_quoted(b, v->u.str.s, v->u.str.len);
        break;
    case QR_VAL_LIST:
        if (!v->u.list.n) {
            sb_str(b, "[]");
            break;
        }
        sb_str(b, "[ ");
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (i)
                sb_str(b, ", ");
            flow(b, v->u.list.v[i]);
        }
        sb_str(b, " ]");
        break;
    case QR_VAL_MAP:
        if (!v->u.map.n) {
            sb_str(b, "{}");
            break;
        }
        sb_str(b, "{ ");
        for (size_t i = 0; i < v->u.map.n; i++) {
            if (i)
                sb_str(b, ", ");
            sb_quoted(b, v->u.map.v[i].key, strlen(v->u.map.v[i].key));
            sb_str(b, ": ");
            flow(b, v->u.map.v[i].value);
        }
        sb_str(b, " }");
        break;
    }
}

char *qr_value_to_flow(const qr_value *v)
{
    sbuf b = {0};
    if (v)
        flow(&b, v);
    else
        sb_str(&b, "null");
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* }================================================================== */

/* {==================================================================
 * YAML 1.2 core schema for plain scalars
 * =================================================================== */
static int parse_int(const char *s, int64_t *out)
{
    const char *p = s;
    int neg = 0, base = 10;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o')) {
        if (s != p)
            return 0;  /* YAML core: no sign on hex/octal */
        base = p[1] == 'x' ? 16 : 8;
        p += 2;
    }
    if (!*p)
        return 0;
    for (const char *q = p; *q; q++) {
        int ok = base == 16 ? strchr("0123456789abcdefABCDEF", *q) != NULL
               : base == 8 ? (*q >= '0' && *q <= '7')
               : (*q >= '0' && *q <= '9');
        if (!ok)
            return 0;
    }
    errno = 0;
    unsigned long long u = strtoull(p, NULL, base);
    if (errno == ERANGE || u > (unsigned long long)INT64_MAX + (unsigned long long)neg)
        return 0;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return 1;
}

static int parse_float(const char *s, double *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF")) {
        *out = *s == '-' ? -INFINITY : INFINITY;
        return 1;
    }
    if (p == s && (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))) {
        *out = NAN;
        return 1;
    }
    /* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
    int digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
    }
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p)
        return 0;
    *out = strtod(s, NULL);
    return 1;
}

int qr_value_retype_plain(qr_value *v)
{
    if (v->type != QR_VAL_STRING)
        return 0;
    const char *s = v->u.str.s;
    int64_t i;
    double d;
    if (strlen(s) != v->u.str.len)
        return 0;
    if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL")) {
        clear_content(v);
        v->type = QR_VAL_NULL;
    } else if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
        clear_content(v);
        v->type = QR_VAL_BOOL;
        v->u.b = 1;
    } else if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
        clear_content(v);
        v->type = QR_VAL_BOOL;
        v->u.b = 0;
    } else if (parse_int(s, &i)) {
        clear_content(v);
        v->type = QR_VAL_INT;
        v->u.i = i;
    } else if (parse_float(s, &d)) {
        clear_content(v);
        v->type = QR_VAL_NUMBER;
        v->u.n = d;
    }
    return 0;
}

/* }================================================================== */

/* {==================================================================
 * JSON
 * =================================================================== */
#include <jansson.h>

static json_t *to_json(const qr_value *v)
{
    json_t *j = NULL;
    switch (v->type) {
    case QR_VAL_NULL: return json_null();
    case QR_VAL_BOOL: return json_boolean(v->u.b);
    case QR_VAL_INT: return json_integer((json_int_t)v->u.i);
    case QR_VAL_NUMBER: return json_real(v->u.n);
    case QR_VAL_STRING: return json_stringn(v->u.str.s, v->u.str.len);
    case QR_VAL_LIST:
        j = json_array();
        for (size_t i = 0; j && i < v->u.list.n; i++)
            if (json_array_append_new(j, to_json(v->u.list.v[i])) != 0) {
                json_decref(j);
                return NULL;
            }
        return j;
    case QR_VAL_MAP:
        j = json_object();
        for (size_t i = 0; j && i < v->u.map.n; i++)
            if (json_object_set_new(j, v->u.map.v[i].key, to_json(v->u.map.v[i].value)) != 0) {
                json_decref(j);
                return NULL;
            }
        return j;
    }
    return NULL;
}

char *qr_value_to_json(const qr_value *v)
{
    json_t *j = v ? to_json(v) : json_null();
    if (!j)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    json_decref(j);
    return s;
}

/* }================================================================== */
