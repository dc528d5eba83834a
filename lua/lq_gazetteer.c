/*
 * lq_gazetteer: q.gazetteer and the quarry.Gazetteer userdata (core/gazetteer.h).
 *
 *   q.gazetteer{ lists = { {path=, label=, case=, accents=, format=},
 *                          {entries = {...}, label=, case=}, ... },
 *                entries = {...}, label=, case=, accents=,
 *                overlaps = "longest" | "all", cache = path }
 *   q.gazetteer.load(path [, opts])   one list file; opts as above
 *   g:match(text | doc [, overlaps])  iterator of start, stop, label, id
 *                                     (1-based inclusive byte positions)
 *
 * An entry is a phrase string, or {phrase, label=, id=, attrs={...}}
 * (`phrase` may also be given as [1] or `pattern`). A list's options
 * default to the top-level ones. `accents` (a boolean, as in YAML) folds
 * accents; `fold_accents` is its older alias (giving both raises).
 * Unknown options and wrong types raise;
 * unreadable or malformed lists return nil, "file:line: message".
 * Matching is eager: g:match finds every match before it returns, and the
 * loop walks a copied array.
 */
#include "lq.h"
#include "lq_doc.h"
#include "error.h"
#include "gazetteer.h"

#include <stdlib.h>
#include <string.h>

#define GAZ_MT "quarry.Gazetteer"

typedef struct lq_gaz {
    qr_gazetteer *g;
    qr_gazetteer_scratch *scratch;
    qr_gaz_matches m;            /* reused by every g:match */
    qr_gaz_overlaps overlaps;
} lq_gaz;

typedef struct lq_gaz_iter {
    size_t i, n;
    struct { uint32_t start, end; const char *label, *id; } v[];
} lq_gaz_iter;

/* {==================================================================
 * Options
 * =================================================================== */

static void check_keys(lua_State *L, int t, const char *const *keys, const char *what)
{
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        int ok = 0;
        if (lua_type(L, -1) == LUA_TSTRING) {
            const char *k = lua_tostring(L, -1);
            for (int i = 0; keys[i] && !ok; i++)
                ok = strcmp(keys[i], k) == 0;
        } else if (lua_isinteger(L, -1) && keys[0] && strcmp(keys[0], "[1]") == 0) {
            ok = lua_tointeger(L, -1) == 1;
        }
        if (!ok) {
            luaL_error(L, "unknown %s option '%s'", what,
                       lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1));
        }
    }
}

/* t[key] as a string, or def when absent; raises on another type. */
static const char *opt_string(lua_State *L, int t, const char *key, const char *def)
{
    lua_getfield(L, t, key);
    const char *s = def;
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "option '%s' must be a string, got %s", key, luaL_typename(L, -1));
        int v = lua_gettop(L);
        s = lq_name(L, v, 0, lua_pushfstring(L, "option '%s'", key));
        lua_pop(L, 1);   /* the message */
    }
    lua_pop(L, 1);   /* the string stays alive: it is referenced by t */
    return s;
}

static int opt_bool(lua_State *L, int t, const char *key, int def)
{
    lua_getfield(L, t, key);
    int b = def;
    if (!lua_isnil(L, -1)) {
        if (!lua_isboolean(L, -1))
            luaL_error(L, "option '%s' must be a boolean, got %s", key, luaL_typename(L, -1));
        b = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
    return b;
}

/* `accents`, or its alias `fold_accents`; raises when both are given. */
static int opt_accents(lua_State *L, int t, int def)
{
    lua_getfield(L, t, "accents");
    lua_getfield(L, t, "fold_accents");
    int both = !lua_isnil(L, -1) && !lua_isnil(L, -2);
    lua_pop(L, 2);
    if (both)
        luaL_error(L, "give 'accents' or its alias 'fold_accents', not both");
    return opt_bool(L, t, "accents", opt_bool(L, t, "fold_accents", def));
}

static qr_gaz_case opt_case(lua_State *L, int t, qr_gaz_case def)
{
    const char *s = opt_string(L, t, "case", NULL);
    if (!s)
        return def;
    int c = qr_gaz_case_parse(s);
    if (c < 0)
        luaL_error(L, "bad case '%s' (expected sensitive, insensitive or smart)", s);
    return (qr_gaz_case)c;
}

static qr_gaz_overlaps parse_overlaps(lua_State *L, const char *s)
{
    if (strcmp(s, "longest") == 0)
        return QR_GAZ_LONGEST;
    if (strcmp(s, "all") == 0)
        return QR_GAZ_ALL;
    luaL_error(L, "bad overlaps '%s' (expected longest or all)", s);
    return QR_GAZ_LONGEST;
}

static qr_gaz_format opt_format(lua_State *L, int t, qr_gaz_format def)
{
    const char *s = opt_string(L, t, "format", NULL);
    if (!s)
        return def;
    if (strcmp(s, "tsv") == 0)
        return QR_GAZ_TSV;
    if (strcmp(s, "plain") == 0 || strcmp(s, "txt") == 0)
        return QR_GAZ_PLAIN;
    if (strcmp(s, "jsonl") == 0)
        return QR_GAZ_JSONL;
    luaL_error(L, "bad format '%s' (expected tsv, plain or jsonl)", s);
    return QR_GAZ_AUTO;
}

static const char *const top_keys[] = {
    "lists", "entries", "label", "case", "accents", "fold_accents", "overlaps", "cache", "format",
    NULL
};
static const char *const list_keys[] = {
    "path", "entries", "label", "case", "accents", "fold_accents", "format", NULL
};
static const char *const entry_keys[] = {"[1]", "phrase", "pattern", "label", "id", "attrs", NULL};

/* One list as read from Lua: its options and where its entries are. */
typedef struct list_spec {
    qr_gazetteer_list l;
    int entries;      /* stack index of the entries table, 0 if none */
} list_spec;

/* Reads list options from the table at t, defaults from `def`. */
static void read_list(lua_State *L, int t, const qr_gazetteer_list *def, list_spec *out)
{
    out->l = *def;
    out->l.path = opt_string(L, t, "path", NULL);
    out->l.label = opt_string(L, t, "label", def->label);
    out->l.case_mode = opt_case(L, t, def->case_mode);
    out->l.fold_accents = opt_accents(L, t, def->fold_accents);
    out->l.format = opt_format(L, t, def->format);
    lua_getfield(L, t, "entries");
    out->entries = 0;
    if (!lua_isnil(L, -1)) {
        luaL_checktype(L, -1, LUA_TTABLE);
        if (out->l.path)
            luaL_error(L, "a list has either 'path' or 'entries', not both");
        out->entries = lua_gettop(L);   /* left on the stack on purpose */
    } else {
        lua_pop(L, 1);
        if (!out->l.path)
            luaL_error(L, "a list needs 'path' or 'entries'");
    }
}

/* }==================================================================
 * {==================================================================
 * Building
 * =================================================================== */

static int gaz_close(lua_State *L)
{
    lq_gaz *u = luaL_checkudata(L, 1, GAZ_MT);
    qr_gazetteer_free(u->g);
    u->g = NULL;
    qr_gazetteer_scratch_free(u->scratch);
    u->scratch = NULL;
    qr_gaz_matches_free(&u->m);
    return 0;
}

static lq_gaz *check_gaz(lua_State *L, int idx)
{
    lq_gaz *u = luaL_checkudata(L, idx, GAZ_MT);
    if (!u->g)
        luaL_error(L, "attempt to use a closed quarry.Gazetteer");
    return u;
}

/* Adds the entries of the table at index t to list li. Raises on misuse
 * (after which the userdata's __gc frees the gazetteer); returns -1 with
 * err on a data error. */
static int add_entries(lua_State *L, lq_gaz *u, int li, int t, qr_error *err)
{
    lua_Integer n = luaL_len(L, t);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, t, i);
        int e = lua_gettop(L);
        const char *phrase = NULL, *label = NULL, *id = NULL;
        char *attrs = NULL;
        if (lua_type(L, e) == LUA_TSTRING) {
            phrase = lq_name(L, e, 0, "a phrase");
        } else if (lua_istable(L, e)) {
            check_keys(L, e, entry_keys, "entry");
            lua_geti(L, e, 1);
            if (lua_type(L, -1) == LUA_TSTRING)
                phrase = lq_name(L, -1, 0, "a phrase");
            else if (!lua_isnil(L, -1))
                luaL_error(L, "entry %d: the phrase must be a string", (int)i);
            lua_pop(L, 1);
            if (!phrase)
                phrase = opt_string(L, e, "phrase", NULL);
            if (!phrase)
                phrase = opt_string(L, e, "pattern", NULL);
            if (!phrase)
                luaL_error(L, "entry %d has no phrase", (int)i);
            label = opt_string(L, e, "label", NULL);
            lua_getfield(L, e, "id");
            if (lua_type(L, -1) == LUA_TNUMBER || lua_type(L, -1) == LUA_TSTRING)
                id = lq_name(L, -1, 0, "an id");  /* converts a number in place; kept on the stack */
            else if (!lua_isnil(L, -1))
                luaL_error(L, "entry %d: id must be a string or a number", (int)i);
            lua_getfield(L, e, "attrs");
            if (!lua_isnil(L, -1)) {
                char msg[256];
                if (!lua_istable(L, -1))
                    luaL_error(L, "entry %d: attrs must be a table", (int)i);
                json_t *j = lq_to_json(L, lua_gettop(L), msg, sizeof msg);
                if (!j)
                    luaL_error(L, "entry %d: attrs: %s", (int)i, msg);
                attrs = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
                json_decref(j);
                if (!attrs)
                    luaL_error(L, "out of memory");
            }
        } else {
            luaL_error(L, "entry %d must be a string or a table, got %s", (int)i,
                       luaL_typename(L, e));
        }
        int rc = qr_gazetteer_add(u->g, li, phrase, label, id, attrs, err);
        free(attrs);
        if (rc != 0) {
            char msg[sizeof err->message];
            memcpy(msg, err->message, sizeof msg);
            return qr_error_set(err, "entry %d: %.1000s", (int)i, msg);
        }
        lua_settop(L, e - 1);
    }
    return 0;
}

/* Fails the constructor: frees the gazetteer now, returns nil, message. */
static int build_fail(lua_State *L, lq_gaz *u, const qr_error *err)
{
    char msg[1600];
    qr_error_format(err, msg, sizeof msg);
    qr_gazetteer_free(u->g);
    u->g = NULL;
    return lq_fail(L, msg);
}

/* Builds from the options table at index 1 (already normalized so that it
 * has `lists`); pushes the gazetteer or nil, message. */
static int build(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    check_keys(L, 1, top_keys, "gazetteer");
    qr_gazetteer_list def = {NULL, QR_GAZ_AUTO, NULL, QR_CASE_INSENSITIVE, 0};
    def.label = opt_string(L, 1, "label", NULL);
    def.case_mode = opt_case(L, 1, QR_CASE_INSENSITIVE);
    def.fold_accents = opt_accents(L, 1, 0);
    def.format = opt_format(L, 1, QR_GAZ_AUTO);
    const char *ov = opt_string(L, 1, "overlaps", "longest");
    qr_gaz_overlaps overlaps = parse_overlaps(L, ov);
    const char *cache = opt_string(L, 1, "cache", NULL);

    lua_getfield(L, 1, "lists");
    int lists = lua_gettop(L);
    if (!lua_isnil(L, lists))
        luaL_checktype(L, lists, LUA_TTABLE);
    lua_Integer nl = lua_isnil(L, lists) ? 0 : luaL_len(L, lists);
    lua_getfield(L, 1, "entries");
    int top_entries = lua_isnil(L, -1) ? 0 : lua_gettop(L);
    if (top_entries)
        luaL_checktype(L, top_entries, LUA_TTABLE);
    if (nl == 0 && !top_entries)
        luaL_error(L, "gazetteer: give 'lists' or 'entries'");

    size_t nspec = (size_t)nl + (top_entries ? 1 : 0);
    list_spec *specs = lua_newuserdatauv(L, nspec * sizeof *specs, 0);
    for (lua_Integer i = 1; i <= nl; i++) {
        lua_geti(L, lists, i);
        int t = lua_gettop(L);
        if (!lua_istable(L, t))
            luaL_error(L, "lists[%d] must be a table, got %s", (int)i, luaL_typename(L, t));
        check_keys(L, t, list_keys, "list");
        read_list(L, t, &def, &specs[i - 1]);
        /* The list table stays on the stack, keeping its strings alive. */
    }
    if (top_entries) {
        specs[nspec - 1].l = def;
        specs[nspec - 1].entries = top_entries;
    }
    if (cache)
        for (size_t i = 0; i < nspec; i++)
            if (specs[i].entries)
                luaL_error(L, "option 'cache' needs every list given by 'path'");

    lq_gaz *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u);
    qr_gaz_matches_init(&u->m);
    u->overlaps = overlaps;
    luaL_setmetatable(L, GAZ_MT);
    int self = lua_gettop(L);
    qr_error err;
    qr_error_clear(&err);
    if (!(u->scratch = qr_gazetteer_scratch_new()))
        return luaL_error(L, "out of memory");

    uint64_t key = 0;
    if (cache) {
        qr_gazetteer_list *ls = lua_newuserdatauv(L, nspec * sizeof *ls, 0);
        for (size_t i = 0; i < nspec; i++)
            ls[i] = specs[i].l;
        if (qr_gazetteer_sources_hash(ls, nspec, &key, &err) != 0)
            return build_fail(L, u, &err);
        lua_pop(L, 1);
        if ((u->g = qr_gazetteer_load_cache(cache, key, &err)) != NULL) {
            lua_settop(L, self);
            return 1;
        }
        qr_error_clear(&err);
    }
    if (!(u->g = qr_gazetteer_new()))
        return luaL_error(L, "out of memory");
    for (size_t i = 0; i < nspec; i++) {
        int li = qr_gazetteer_add_list(u->g, &specs[i].l, &err);
        if (li < 0 || (specs[i].entries && add_entries(L, u, li, specs[i].entries, &err) != 0))
            return build_fail(L, u, &err);
    }
    if (qr_gazetteer_compile(u->g, &err) != 0 ||
        (cache && qr_gazetteer_save(u->g, cache, &err) != 0))
        return build_fail(L, u, &err);
    lua_settop(L, self);
    return 1;
}

/* q.gazetteer(opts): the __call of the q.gazetteer table. */
static int l_gazetteer_call(lua_State *L)
{
    lua_remove(L, 1);
    return build(L);
}

/* q.gazetteer.load(path [, opts]) */
static int l_gazetteer_load(lua_State *L)
{
    luaL_checkstring(L, 1);
    lua_settop(L, 2);
    if (!lua_isnil(L, 2))
        luaL_checktype(L, 2, LUA_TTABLE);
    lua_newtable(L);                         /* 3: the options given to build */
    lua_newtable(L);                         /* 4: the one list */
    lua_pushvalue(L, 1);
    lua_setfield(L, 4, "path");
    if (!lua_isnil(L, 2)) {
        static const char *const per_list[] = {"label", "case", "accents", "fold_accents",
                                                   "format", NULL};
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            int own = 0;
            if (lua_type(L, -2) == LUA_TSTRING)
                for (int i = 0; per_list[i]; i++)
                    own |= strcmp(per_list[i], lua_tostring(L, -2)) == 0;
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_settable(L, own ? 4 : 3);
        }
    }
    lua_createtable(L, 1, 0);
    lua_insert(L, 4);
    lua_rawseti(L, 4, 1);
    lua_setfield(L, 3, "lists");
    lua_replace(L, 1);
    lua_settop(L, 1);
    return build(L);
}

/* }==================================================================
 * {==================================================================
 * Matching
 * =================================================================== */

static int iter_next(lua_State *L)
{
    lq_gaz_iter *it = lua_touserdata(L, lua_upvalueindex(1));
    if (it->i >= it->n)
        return 0;
    lq_gaz *u = lua_touserdata(L, lua_upvalueindex(2));
    if (!u->g)
        return luaL_error(L, "quarry.Gazetteer was closed during its match loop");
    size_t i = it->i++;
    lua_pushinteger(L, (lua_Integer)it->v[i].start + 1);
    lua_pushinteger(L, (lua_Integer)it->v[i].end);
    lua_pushstring(L, it->v[i].label);
    lua_pushstring(L, it->v[i].id);
    return 4;
}

static int gaz_match(lua_State *L)
{
    lq_gaz *u = check_gaz(L, 1);
    qr_gaz_overlaps ov = u->overlaps;
    if (!lua_isnoneornil(L, 3))
        ov = parse_overlaps(L, luaL_checkstring(L, 3));
    qr_error err;
    qr_error_clear(&err);
    int rc;
    if (lua_type(L, 2) == LUA_TUSERDATA) {
        qr_doc *doc = lq_checkdoc(L, 2);
        rc = qr_doc_ensure_tokens(doc, &err);
        if (rc == 0)
            rc = qr_gazetteer_match(u->g, u->scratch, doc->text, &doc->tokens, ov, &u->m, &err);
    } else {
        size_t len;
        const char *text = luaL_checklstring(L, 2, &len);
        rc = qr_gazetteer_match_text(u->g, u->scratch, text, len, ov, &u->m, &err);
    }
    if (rc != 0)
        return lq_fail(L, err.message);
    size_t n = u->m.n;
    lq_gaz_iter *it = lua_newuserdatauv(L, sizeof *it + n * sizeof it->v[0], 0);
    it->i = 0;
    it->n = n;
    for (size_t i = 0; i < n; i++) {
        it->v[i].start = u->m.v[i].start;
        it->v[i].end = u->m.v[i].end;
        it->v[i].label = u->m.v[i].label;
        it->v[i].id = u->m.v[i].id;
    }
    lua_pushvalue(L, 1);
    lua_pushcclosure(L, iter_next, 2);
    return 1;
}

static int gaz_save(lua_State *L)
{
    lq_gaz *u = check_gaz(L, 1);
    const char *path = luaL_checkstring(L, 2);
    qr_error err;
    char msg[1600];
    qr_error_clear(&err);
    if (qr_gazetteer_save(u->g, path, &err) != 0)
        return lq_fail(L, qr_error_format(&err, msg, sizeof msg));
    lua_pushboolean(L, 1);
    return 1;
}

static int gaz_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)qr_gazetteer_entry_count(check_gaz(L, 1)->g));
    return 1;
}

static int gaz_tostring(lua_State *L)
{
    lq_gaz *u = luaL_checkudata(L, 1, GAZ_MT);
    if (!u->g)
        lua_pushliteral(L, "quarry.Gazetteer (closed)");
    else
        lua_pushfstring(L, "quarry.Gazetteer (%d entries, %d lists)",
                        (int)qr_gazetteer_entry_count(u->g), (int)qr_gazetteer_list_count(u->g));
    return 1;
}

/* }================================================================== */

static const luaL_Reg gaz_methods[] = {
    {"match", gaz_match},
    {"save", gaz_save},
    {"close", gaz_close},
    {NULL, NULL}
};

static const luaL_Reg gaz_meta[] = {
    {"__gc", gaz_close},
    {"__close", gaz_close},
    {"__len", gaz_len},
    {"__tostring", gaz_tostring},
    {NULL, NULL}
};

void lq_open_gazetteer(lua_State *L)
{
    lq_new_class(L, GAZ_MT, gaz_meta, gaz_methods, NULL);
    lua_newtable(L);                          /* q.gazetteer */
    lua_pushcfunction(L, l_gazetteer_load);
    lua_setfield(L, -2, "load");
    lua_newtable(L);
    lua_pushcfunction(L, l_gazetteer_call);
    lua_setfield(L, -2, "__call");
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "gazetteer");
}
