/* lq_json: JSON (jansson) <-> Lua values, for doc.meta, doc.fields, attrs. */
#include "lq_doc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 100

/* {==================================================================
 * JSON -> Lua
 * =================================================================== */

static int ro_newindex(lua_State *L)
{
    return luaL_error(L, "doc.meta is read-only; store your own values in doc.fields");
}

static int ro_len(lua_State *L)
{
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__index");
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
}

static int ro_pairs(lua_State *L)
{
    lua_pushcfunction(L, lq_next);
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__index");
    lua_remove(L, -2);
    lua_pushnil(L);
    return 3;
}

/* Replaces the table at the top with an empty proxy reading through to it. */
static void make_readonly(lua_State *L)
{
    lua_newtable(L);                 /* proxy */
    lua_createtable(L, 0, 5);        /* its metatable */
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ro_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, ro_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, ro_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_remove(L, -2);
}

static void push_json(lua_State *L, const json_t *j, int readonly, int depth)
{
    luaL_checkstack(L, 6, "JSON value nested too deeply");
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *v;
        lua_createtable(L, 0, (int)json_object_size(j));
        json_object_foreach((json_t *)j, k, v) {
            push_json(L, v, readonly, depth + 1);
            lua_setfield(L, -2, k);
        }
        if (readonly)
            make_readonly(L);
        break;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        lua_createtable(L, (int)n, 0);
        for (size_t i = 0; i < n; i++) {
            push_json(L, json_array_get(j, i), readonly, depth + 1);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        if (readonly)
            make_readonly(L);
        break;
    }
    case JSON_STRING:
        lua_pushlstring(L, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        lua_pushinteger(L, (lua_Integer)json_integer_value(j));
        break;
    case JSON_REAL:
        lua_pushnumber(L, json_real_value(j));
        break;
    case JSON_TRUE:
        lua_pushboolean(L, 1);
        break;
    case JSON_FALSE:
        lua_pushboolean(L, 0);
        break;
    case JSON_NULL:
    default:
        lua_pushlightuserdata(L, NULL);
        break;
    }
}

void lq_push_json(lua_State *L, const json_t *j, int readonly)
{
    if (!j)
        lua_pushnil(L);
    else
        push_json(L, j, readonly, 0);
}

/* }================================================================== */

/* {==================================================================
 * Lua -> JSON (never raises: the caller frees and raises)
 * =================================================================== */

static json_t *to_json(lua_State *L, int idx, int depth, char *err, size_t n);

static int is_sequence(lua_State *L, int idx, size_t *len)
{
    size_t count = 0;
    int seq = 1;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        count++;
        if (!lua_isinteger(L, -1))
            seq = 0;
    }
    *len = count;
    if (!seq)
        return count == 0;
    return lua_rawlen(L, idx) == count;
}

static json_t *table_to_json(lua_State *L, int idx, int depth, char *err, size_t n)
{
    size_t len;
    if (is_sequence(L, idx, &len)) {
        json_t *a = json_array();
        for (size_t i = 1; a && i <= len; i++) {
            lua_rawgeti(L, idx, (lua_Integer)i);
            json_t *v = to_json(L, lua_gettop(L), depth + 1, err, n);
            lua_pop(L, 1);
            if (!v || json_array_append_new(a, v) != 0) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    json_t *o = json_object();
    lua_pushnil(L);
    while (o && lua_next(L, idx) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            lua_pop(L, 2);
            snprintf(err, n, "a table stored as JSON needs either keys 1..n or string keys only");
            json_decref(o);
            return NULL;
        }
        size_t klen;
        const char *key = lua_tolstring(L, -2, &klen);
        const char *nul = memchr(key, '\0', klen);
        if (nul) {
            snprintf(err, n, "key '%s' cannot hold a NUL byte (\\0 at byte %zu); remove it", key,
                     (size_t)(nul - key));
            lua_pop(L, 2);
            json_decref(o);
            return NULL;
        }
        json_t *v = to_json(L, lua_gettop(L), depth + 1, err, n);
        lua_pop(L, 1);
        if (!v) {
            lua_pop(L, 1);
            json_decref(o);
            return NULL;
        }
        if (json_object_set_new(o, lua_tostring(L, -1), v) != 0) {
            snprintf(err, n, "key '%s' is not valid UTF-8", lua_tostring(L, -1));
            lua_pop(L, 1);
            json_decref(o);
            return NULL;
        }
    }
    if (!o)
        snprintf(err, n, "out of memory");
    return o;
}

static json_t *to_json(lua_State *L, int idx, int depth, char *err, size_t n)
{
    json_t *j = NULL;
    if (depth > MAX_DEPTH || !lua_checkstack(L, 4)) {
        snprintf(err, n, "value nested more than %d levels deep (a table that contains itself?)",
                 MAX_DEPTH);
        return NULL;
    }
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        j = json_stringn(s, len);
        if (!j) {
            snprintf(err, n, "string is not valid UTF-8");
            return NULL;
        }
        return j;
    }
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            j = json_integer((json_int_t)lua_tointeger(L, idx));
        else {
            double d = lua_tonumber(L, idx);
            if (!isfinite(d)) {
                snprintf(err, n, "number %s cannot be stored as JSON",
                         isnan(d) ? "NaN" : d > 0 ? "infinity" : "-infinity");
                return NULL;
            }
            j = json_real(d);
        }
        break;
    case LUA_TBOOLEAN:
        j = json_boolean(lua_toboolean(L, idx));
        break;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL) {
            j = json_null();
            break;
        }
        /* fall through */
    case LUA_TTABLE:
        if (lua_type(L, idx) == LUA_TTABLE)
            return table_to_json(L, idx, depth, err, n);
        /* fall through */
    default:
        snprintf(err, n, "a %s cannot be stored as JSON (use strings, numbers, booleans, tables)",
                 luaL_typename(L, idx));
        return NULL;
    }
    if (!j)
        snprintf(err, n, "out of memory");
    return j;
}

json_t *lq_to_json(lua_State *L, int idx, char *err, size_t errlen)
{
    return to_json(L, lua_absindex(L, idx), 0, err, errlen);
}

/* }================================================================== */
