/*
 * lq_regex: q.regex and the quarry.Regex userdata (core/regex.h).
 *
 *   q.regex(pattern [, opts])   one pattern
 *   q.regex(patterns [, opts])  several: { LABEL = pattern | {pattern=..., ...}, ... }
 *                               (sorted by label) or { {label=, pattern=, ...}, ... }
 *   r:match(text)               iterator of start, stop, label, matched text
 *                               (1-based inclusive byte positions), or nil, message
 *
 * A bad pattern or an exceeded limit are data problems (invalid UTF-8 is not:
 * it never matches): nil, message. Wrong argument types and unknown options raise.
 * Matching is eager: r:match finds every span before it returns, so its
 * errors come back as nil, message and the loop then only walks an array.
 */
#include "lq.h"
#include "regex.h"
#include "error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REGEX_MT "quarry.Regex"
#define DEFAULT_LABEL "REGEX"

typedef struct lq_regex {
    qr_regex_set *set;
    qr_regex_scratch *scratch;
    qr_regex_spans spans;      /* reused by every r:match */
} lq_regex;

/* One iteration's spans, copied out of the reusable buffer. */
typedef struct lq_regex_iter {
    size_t i, n;
    struct { size_t start, end; uint32_t pattern; } v[];
} lq_regex_iter;

/* Pattern options gathered from Lua before any C object exists. */
typedef struct entry_opts {
    const char *label;
    const char *group;        /* NULL, a name, or digits in groupbuf */
    char groupbuf[24];
    unsigned flags;
} entry_opts;

/* {==================================================================
 * Options
 * =================================================================== */

static const char *const entry_keys[] = {
    "label", "group", "flags", "caseless", "multiline", "dotall", "extended",
    "ungreedy", "ucp", NULL
};
static const char *const limit_keys[] = {
    "match_limit", "depth_limit", "heap_limit", "jit_stack", NULL
};

static int in_list(const char *const *list, const char *key)
{
    for (; *list; list++)
        if (strcmp(*list, key) == 0)
            return 1;
    return 0;
}

/* Raises for any key of the table at idx that is not in one of the lists.
 * `what` names the table in the message ("option", "pattern 2 key"). */
static void check_keys(lua_State *L, int idx, int arg, const char *what,
                       const char *const *a, const char *const *b, const char *const *c)
{
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        const char *key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (!key || !((a && in_list(a, key)) || (b && in_list(b, key)) ||
                      (c && in_list(c, key)))) {
            lua_pushfstring(L, "unknown %s '%s'", what,
                            key ? key : luaL_typename(L, -1));
            luaL_argerror(L, arg, lua_tostring(L, -1));
        }
    }
}

static void bad_type(lua_State *L, int arg, const char *key, const char *expected)
{
    lua_pushfstring(L, "'%s' must be %s, got %s", key, expected, luaL_typename(L, -1));
    luaL_argerror(L, arg, lua_tostring(L, -1));
}

/* Reads the entry options of the table at idx over *o (which holds the
 * inherited values). */
static void read_entry_opts(lua_State *L, int idx, int arg, entry_opts *o)
{
    static const struct { const char *key; unsigned flag; } bools[] = {
        { "caseless", QR_RE_CASELESS }, { "multiline", QR_RE_MULTILINE },
        { "dotall", QR_RE_DOTALL },     { "extended", QR_RE_EXTENDED },
        { "ungreedy", QR_RE_UNGREEDY },
    };
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        int t = lua_getfield(L, idx, bools[i].key);
        if (t == LUA_TBOOLEAN)
            o->flags = lua_toboolean(L, -1) ? o->flags | bools[i].flag
                                            : o->flags & ~bools[i].flag;
        else if (t != LUA_TNIL)
            bad_type(L, arg, bools[i].key, "a boolean");
        lua_pop(L, 1);
    }
    int t = lua_getfield(L, idx, "ucp");
    if (t == LUA_TBOOLEAN)
        o->flags = lua_toboolean(L, -1) ? o->flags & ~QR_RE_NO_UCP : o->flags | QR_RE_NO_UCP;
    else if (t != LUA_TNIL)
        bad_type(L, arg, "ucp", "a boolean");
    lua_pop(L, 1);

    t = lua_getfield(L, idx, "flags");
    if (t == LUA_TSTRING) {
        qr_error err;
        if (qr_regex_parse_flags(lua_tostring(L, -1), &o->flags, &err) < 0)
            luaL_argerror(L, arg, err.message);
    } else if (t != LUA_TNIL) {
        bad_type(L, arg, "flags", "a string such as \"im\" or \"caseless,multiline\"");
    }
    lua_pop(L, 1);

    t = lua_getfield(L, idx, "label");
    if (t == LUA_TSTRING)
        o->label = lq_name(L, -1, arg, "a label");   /* anchored by the table */
    else if (t != LUA_TNIL)
        bad_type(L, arg, "label", "a string");
    lua_pop(L, 1);

    t = lua_getfield(L, idx, "group");
    if (t == LUA_TNUMBER) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0)
            bad_type(L, arg, "group", "a group number >= 0 or a group name");
        snprintf(o->groupbuf, sizeof o->groupbuf, "%lld", (long long)lua_tointeger(L, -1));
        o->group = o->groupbuf;
    } else if (t == LUA_TSTRING) {
        o->group = lq_name(L, -1, arg, "a group name");
    } else if (t != LUA_TNIL) {
        bad_type(L, arg, "group", "a group number or name");
    }
    lua_pop(L, 1);
}

static void read_limits(lua_State *L, int idx, int arg, qr_regex_limits *lim)
{
    uint32_t *fields[] = { &lim->match_limit, &lim->depth_limit, &lim->heap_limit_kb,
                           &lim->jit_stack_kb };
    for (int i = 0; limit_keys[i]; i++) {
        int t = lua_getfield(L, idx, limit_keys[i]);
        if (t != LUA_TNIL) {
            if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
                lua_tointeger(L, -1) > (lua_Integer)UINT32_MAX)
                bad_type(L, arg, limit_keys[i], "a positive integer");
            *fields[i] = (uint32_t)lua_tointeger(L, -1);
        }
        lua_pop(L, 1);
    }
}

/* }==================================================================
 * {==================================================================
 * Building
 * =================================================================== */

static lq_regex *check_regex(lua_State *L, int idx)
{
    lq_regex *r = luaL_checkudata(L, idx, REGEX_MT);
    if (!r->set)
        luaL_error(L, "attempt to use a closed quarry.Regex");
    return r;
}

/* Compiles the pattern at stack index pidx. Returns 0, or -1 with err. */
static int add_pattern(lua_State *L, lq_regex *r, int pidx, const entry_opts *o,
                       qr_error *err)
{
    size_t plen;
    const char *pattern = lua_tolstring(L, pidx, &plen);
    qr_regex_def def = { o->label, pattern, plen, o->group, o->flags };
    return qr_regex_set_add(r->set, &def, err) < 0 ? -1 : 0;
}

/* A table entry given as {pattern = ..., label = ..., ...} at stack index
 * eidx (or a plain string), with `label` from the map key when not NULL. */
static int add_entry(lua_State *L, lq_regex *r, int eidx, const char *key_label,
                     const entry_opts *base, int pos, qr_error *err)
{
    entry_opts o = *base;
    if (key_label)
        o.label = key_label;
    if (lua_type(L, eidx) == LUA_TSTRING)
        return add_pattern(L, r, eidx, &o, err);
    if (lua_type(L, eidx) != LUA_TTABLE) {
        lua_pushfstring(L, "pattern %d must be a string or a table, got %s", pos,
                        luaL_typename(L, eidx));
        return luaL_argerror(L, 1, lua_tostring(L, -1));
    }
    lua_pushfstring(L, "key in pattern %d", pos);
    check_keys(L, eidx, 1, lua_tostring(L, -1), entry_keys,
               (const char *const[]){ "pattern", NULL }, NULL);
    lua_pop(L, 1);
    read_entry_opts(L, eidx, 1, &o);
    if (key_label)
        o.label = key_label;
    if (lua_getfield(L, eidx, "pattern") != LUA_TSTRING) {
        lua_pushfstring(L, "pattern %d has no 'pattern' string", pos);
        return luaL_argerror(L, 1, lua_tostring(L, -1));
    }
    int rc = add_pattern(L, r, lua_gettop(L), &o, err);
    lua_pop(L, 1);
    return rc;
}

static int cmp_label(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Map form: labels sorted, so pattern order does not depend on hashing. */
static int add_map(lua_State *L, lq_regex *r, const entry_opts *base, qr_error *err)
{
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_argerror(L, 1, "a map of patterns needs string labels as keys");
        lq_name(L, -1, 1, "a label");
        n++;
    }
    /* The keys stay anchored by table 1, so their pointers stay valid. */
    const char **labels = lua_newuserdatauv(L, (n ? n : 1) * sizeof *labels, 0);
    size_t i = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        labels[i++] = lua_tostring(L, -1);
    }
    qsort(labels, n, sizeof *labels, cmp_label);
    for (i = 0; i < n; i++) {
        lua_getfield(L, 1, labels[i]);
        if (add_entry(L, r, lua_gettop(L), labels[i], base, (int)i + 1, err) < 0)
            return -1;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return 0;
}

static int regex_close(lua_State *L)
{
    lq_regex *r = luaL_checkudata(L, 1, REGEX_MT);
    qr_regex_scratch_free(r->scratch);
    qr_regex_set_free(r->set);
    qr_regex_spans_free(&r->spans);
    r->scratch = NULL;
    r->set = NULL;
    return 0;
}

static int l_regex(lua_State *L)
{
    int ptype = lua_type(L, 1);
    if (ptype != LUA_TSTRING && ptype != LUA_TTABLE)
        return luaL_typeerror(L, 1, "string or table");
    entry_opts base = { DEFAULT_LABEL, NULL, "", 0 };
    qr_regex_limits limits = { 0 };
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        check_keys(L, 2, 2, "option", entry_keys, limit_keys, NULL);
        read_entry_opts(L, 2, 2, &base);
        read_limits(L, 2, 2, &limits);
    }
    lua_settop(L, 2);

    lq_regex *r = lua_newuserdatauv(L, sizeof *r, 0);
    memset(r, 0, sizeof *r);
    luaL_setmetatable(L, REGEX_MT);
    int self = lua_gettop(L);
    qr_error err;
    qr_error_clear(&err);
    if (!(r->set = qr_regex_set_new(&limits, &err)))
        return lq_fail(L, err.message);

    int rc = 0;
    if (ptype == LUA_TSTRING) {
        rc = add_pattern(L, r, 1, &base, &err);
    } else if (lua_rawlen(L, 1) > 0) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
        for (lua_Integer i = 1; i <= n && rc == 0; i++) {
            lua_rawgeti(L, 1, i);
            rc = add_entry(L, r, lua_gettop(L), NULL, &base, (int)i, &err);
            lua_pop(L, 1);
        }
    } else {
        rc = add_map(L, r, &base, &err);
    }
    if (rc == 0 && qr_regex_set_count(r->set) == 0)
        rc = qr_error_set(&err, "regex: no patterns given");
    if (rc == 0 && !(r->scratch = qr_regex_scratch_new(r->set, &err)))
        rc = -1;
    if (rc < 0) {
        lua_pushcfunction(L, regex_close);
        lua_pushvalue(L, self);
        lua_call(L, 1, 0);
        return lq_fail(L, err.message);
    }
    lua_settop(L, self);
    return 1;
}

/* }==================================================================
 * {==================================================================
 * Matching
 * =================================================================== */

static int iter_next(lua_State *L)
{
    lq_regex_iter *it = lua_touserdata(L, lua_upvalueindex(1));
    if (it->i >= it->n)
        return 0;
    lq_regex *r = lua_touserdata(L, lua_upvalueindex(3));
    if (!r->set)
        return luaL_error(L, "quarry.Regex was closed during its match loop");
    size_t len;
    const char *text = lua_tolstring(L, lua_upvalueindex(2), &len);
    size_t i = it->i++;
    lua_pushinteger(L, (lua_Integer)it->v[i].start + 1);
    lua_pushinteger(L, (lua_Integer)it->v[i].end);
    lua_pushstring(L, qr_regex_set_label(r->set, it->v[i].pattern));
    lua_pushlstring(L, text + it->v[i].start, it->v[i].end - it->v[i].start);
    return 4;
}

static int regex_match(lua_State *L)
{
    lq_regex *r = check_regex(L, 1);
    size_t len;
    const char *text = luaL_checklstring(L, 2, &len);
    qr_error err;
    qr_error_clear(&err);
    r->spans.n = 0;
    if (qr_regex_set_match_all(r->set, r->scratch, text, len, 0, &r->spans, &err) < 0)
        return lq_fail(L, err.message);
    size_t n = r->spans.n;
    lq_regex_iter *it = lua_newuserdatauv(L, sizeof *it + n * sizeof it->v[0], 0);
    it->i = 0;
    it->n = n;
    for (size_t i = 0; i < n; i++) {
        it->v[i].start = r->spans.v[i].start;
        it->v[i].end = r->spans.v[i].end;
        it->v[i].pattern = r->spans.v[i].pattern;
    }
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 1);
    lua_pushcclosure(L, iter_next, 3);
    return 1;
}

static int regex_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)qr_regex_set_count(check_regex(L, 1)->set));
    return 1;
}

static int regex_labels(lua_State *L)
{
    lq_regex *r = check_regex(L, 1);
    size_t n = qr_regex_set_count(r->set);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, qr_regex_set_label(r->set, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int regex_jit(lua_State *L)
{
    lq_regex *r = check_regex(L, 1);
    int all = 1;
    for (size_t i = 0; i < qr_regex_set_count(r->set); i++)
        all &= qr_regex_set_jit(r->set, i);
    lua_pushboolean(L, all);
    return 1;
}

static int regex_tostring(lua_State *L)
{
    lq_regex *r = luaL_checkudata(L, 1, REGEX_MT);
    if (!r->set)
        lua_pushliteral(L, "quarry.Regex (closed)");
    else
        lua_pushfstring(L, "quarry.Regex (%d pattern%s)", (int)qr_regex_set_count(r->set),
                        qr_regex_set_count(r->set) == 1 ? "" : "s");
    return 1;
}

/* }================================================================== */

static const luaL_Reg regex_methods[] = {
    { "match", regex_match },
    { "labels", regex_labels },
    { "jit", regex_jit },
    { "close", regex_close },
    { NULL, NULL }
};

static const luaL_Reg regex_meta[] = {
    { "__gc", regex_close },
    { "__close", regex_close },
    { "__len", regex_len },
    { "__tostring", regex_tostring },
    { NULL, NULL }
};

void lq_open_regex(lua_State *L)
{
    lq_new_class(L, REGEX_MT, regex_meta, regex_methods, NULL);
    lua_pushcfunction(L, l_regex);
    lua_setfield(L, -2, "regex");
}
