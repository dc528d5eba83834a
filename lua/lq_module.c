/*
 * lq_module: q.load_module(path) and quarry.Step.
 *
 * q.load_module(path) loads a C module (core/module.c: a .so path, or a bare
 * name looked up in QUARRY_MODULE_PATH; relative paths start at the current
 * folder) and returns a table name → quarry.Step of the steps it defines.
 * It also records the module in the Lua state, so every pipeline built
 * afterwards in that state (q.pipeline{…}, q.pipeline.load) knows its steps
 * (lq_modules_register, called when such a pipeline's registry is made).
 * Failing to load returns nil, message — also when one of its step names is
 * taken by a built-in step or by a module loaded before.
 *
 * A quarry.Step runs one step on its own: step:process(doc) takes a
 * quarry.Doc (changed in place and returned), a string or a record table
 * {id=, text=, …} (a new Doc is returned); false if the step dropped the
 * document, nil, message if it failed. step{options} returns a new Step with
 * those options (validated at once: nil, message on a bad option); a plain
 * step uses the defaults. Relative paths in options resolve against the
 * folder of the calling script, as in q.pipeline. The step's init() runs
 * once per Step (on the first process, or at step{…}); its per-thread state
 * is made once per Step.
 *
 * Lifetime: each q.load_module call opens the module in a registry owned by
 * a quarry.Module userdata that its Steps reference, so the module stays
 * loaded while any of them lives; pipelines open it again in their own
 * registry (dlopen counts references).
 */
#include "lq.h"
#include "lq_doc.h"
#include "error.h"
#include "module.h"
#include "pipeline.h"
#include "registry.h"
#include "value.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define MODULE_MT "quarry.Module"
#define STEP_MT "quarry.Step"
#define LOADED_KEY "quarry.loaded_modules"   /* registry: list of absolute paths */

typedef struct lq_module {
    qr_registry *reg;
} lq_module;

typedef struct lq_step {
    const qr_step_def *def;      /* in the module's registry          */
    qr_value *opts;              /* given options, NULL = defaults    */
    qr_pipeline *p;              /* one-step pipeline, made on demand */
    qr_pipeline_thread *t;
    lua_Integer processed;       /* for default ids                   */
    int busy;
} lq_step;

/* {==================================================================
 * Modules
 * =================================================================== */
static int module_gc(lua_State *L)
{
    lq_module *m = luaL_checkudata(L, 1, MODULE_MT);
    qr_registry_free(m->reg);
    m->reg = NULL;
    return 0;
}

int lq_modules_register(lua_State *L, qr_registry *reg, qr_error *err)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, LOADED_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    int rc = 0;
    for (lua_Integer i = 1; rc == 0 && lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
        rc = qr_module_load(reg, lua_tostring(L, -1), err);
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
    return rc;
}

static void remember(lua_State *L, const char *path)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, LOADED_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        int same = strcmp(lua_tostring(L, -1), path) == 0;
        lua_pop(L, 1);
        if (same) {
            lua_pop(L, 1);
            return;
        }
    }
    lua_pushstring(L, path);
    lua_rawseti(L, -2, n + 1);
    lua_pop(L, 1);
}

static lq_step *new_step(lua_State *L, const qr_step_def *def, int module_idx)
{
    lq_step *s = lua_newuserdatauv(L, sizeof *s, 1);
    memset(s, 0, sizeof *s);
    s->def = def;
    luaL_setmetatable(L, STEP_MT);
    lua_pushvalue(L, module_idx);
    lua_setiuservalue(L, -2, 1);
    return s;
}

static int q_load_module(lua_State *L)
{
    const char *entry = luaL_checkstring(L, 1);
    qr_error err;
    qr_error_clear(&err);
    char *found = qr_module_find(entry, NULL, &err);
    if (!found)
        return lq_fail(L, err.message);
    char *path = realpath(found, NULL);
    if (!path) {
        /* let the loader say what is wrong with it */
        path = found;
        found = NULL;
    }
    free(found);
    lq_module *m = lua_newuserdatauv(L, sizeof *m, 0);
    m->reg = NULL;
    luaL_setmetatable(L, MODULE_MT);
    int mod = lua_gettop(L);
    /* with every step a pipeline of this state would have, so that a name
     * taken by a built-in or an earlier module is refused here */
    if (!(m->reg = qr_registry_new()) || qr_registry_add_builtins(m->reg, &err) != 0 ||
        lq_register_steps(m->reg, &err) != 0 || lq_modules_register(L, m->reg, &err) != 0 ||
        qr_module_load(m->reg, path, &err) != 0) {
        if (!m->reg)
            qr_error_set(&err, "out of memory");
        qr_registry_free(m->reg);
        m->reg = NULL;
        free(path);
        return lq_fail(L, err.message);
    }
    lua_pushfstring(L, "module %s", path);
    const char *origin = lua_tostring(L, -1);
    remember(L, origin + 7);
    free(path);
    size_t n = qr_registry_count(m->reg);
    lua_createtable(L, 0, 4);
    for (size_t i = 0; i < n; i++) {
        const qr_step_def *def = qr_registry_at(m->reg, i);
        const char *o = qr_registry_origin(m->reg, def->name);
        if (!o || strcmp(o, origin) != 0)
            continue;
        new_step(L, def, mod);
        lua_setfield(L, -2, def->name);
    }
    return 1;
}

/* }================================================================== */

/* {==================================================================
 * Options: Lua table -> option tree
 * =================================================================== */
typedef struct where {
    const char *file;
    int line;
} where;

static qr_value *to_value(lua_State *L, int idx, const where *w, int depth, qr_error *err);

static qr_value *mark(qr_value *v, const where *w, qr_error *err)
{
    if (v && qr_value_set_mark(v, w->file, w->line, 0) != 0) {
        qr_value_free(v);
        v = NULL;
    }
    if (!v)
        qr_error_set(err, "out of memory");
    return v;
}

static qr_value *table_value(lua_State *L, int idx, const where *w, int depth, qr_error *err)
{
    size_t len = lua_rawlen(L, idx), count = 0;
    int strings = 1;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        count++;
        strings &= lua_type(L, -1) == LUA_TSTRING;
    }
    int is_list = count > 0 && len == count;
    if (!is_list && !strings) {
        qr_error_at(err, w->file, w->line, 0, "an option table is either a list (keys 1..n) or a map "
                    "(string keys), not both");
        return NULL;
    }
    qr_value *v = mark(is_list ? qr_value_new_list() : qr_value_new_map(), w, err);
    if (is_list) {
        for (size_t i = 1; v && i <= len; i++) {
            lua_rawgeti(L, idx, (lua_Integer)i);
            qr_value *item = to_value(L, lua_gettop(L), w, depth + 1, err);
            lua_pop(L, 1);
            if (!item || qr_value_list_push(v, item) != 0) {
                qr_value_free(v);
                v = NULL;
            }
        }
        return v;
    }
    lua_pushnil(L);
    while (v && lua_next(L, idx) != 0) {
        qr_value *item = to_value(L, lua_gettop(L), w, depth + 1, err);
        if (!item || qr_value_map_set(v, lua_tostring(L, -2), item) != 0) {
            qr_value_free(v);
            v = NULL;
            lua_pop(L, 1);
            break;
        }
        lua_pop(L, 1);
    }
    return v;
}

static qr_value *to_value(lua_State *L, int idx, const where *w, int depth, qr_error *err)
{
    if (depth > 32 || !lua_checkstack(L, 4)) {
        qr_error_at(err, w->file, w->line, 0, "options nested more than 32 levels deep");
        return NULL;
    }
    switch (lua_type(L, idx)) {
    case LUA_TTABLE:
        return table_value(L, idx, w, depth, err);
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        return mark(qr_value_new_lstring(s, len), w, err);
    }
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            return mark(qr_value_new_int((int64_t)lua_tointeger(L, idx)), w, err);
        return mark(qr_value_new_number(lua_tonumber(L, idx)), w, err);
    case LUA_TBOOLEAN:
        return mark(qr_value_new_bool(lua_toboolean(L, idx)), w, err);
    default:
        qr_error_at(err, w->file, w->line, 0, "a %s cannot be an option value", luaL_typename(L, idx));
        return NULL;
    }
}

/* }================================================================== */

/* {==================================================================
 * Steps
 * =================================================================== */
static lq_step *checkstep(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, STEP_MT);
}

static void step_release(lq_step *s)
{
    qr_pipeline_thread_free(s->t);
    s->t = NULL;
    qr_pipeline_free(s->p);
    s->p = NULL;
    qr_value_free(s->opts);
    s->opts = NULL;
}

static int step_gc(lua_State *L)
{
    lq_step *s = checkstep(L, 1);
    if (!s->busy)
        step_release(s);
    return 0;
}

/* The calling script's file and line, and its folder (for relative paths). */
static void caller(lua_State *L, where *w, char *dir, size_t n)
{
    lua_Debug ar;
    w->file = "?";
    w->line = 0;
    snprintf(dir, n, ".");
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar)) {
        w->file = ar.source[0] == '@' ? ar.source + 1 : ar.short_src;
        w->line = ar.currentline;
        const char *slash = ar.source[0] == '@' ? strrchr(ar.source + 1, '/') : NULL;
        if (slash)
            snprintf(dir, n, "%.*s", (int)(slash - ar.source - 1), ar.source + 1);
    }
}

/* Makes the one-step pipeline { steps: [ { NAME: opts } ] } and its thread. */
static int step_prepare(lua_State *L, lq_step *s, qr_error *err)
{
    if (s->p)
        return 0;
    where w;
    char dir[PATH_MAX];
    caller(L, &w, dir, sizeof dir);
    lua_getiuservalue(L, 1, 1);
    lq_module *m = luaL_checkudata(L, -1, MODULE_MT);
    lua_pop(L, 1);
    if (!m->reg)
        return qr_error_set(err, "the module of step '%s' was closed", s->def->name);
    qr_value *root = mark(qr_value_new_map(), &w, err);
    qr_value *steps = mark(qr_value_new_list(), &w, err);
    qr_value *item = mark(qr_value_new_map(), &w, err);
    qr_value *opts = s->opts ? qr_value_copy(s->opts) : mark(qr_value_new_map(), &w, err);
    /* each insertion owns its item from then on, even when it fails */
    int ok = root && steps && item && opts;
    if (ok) {
        ok = qr_value_map_set(item, s->def->name, opts) == 0;
        opts = NULL;
    }
    if (ok) {
        ok = qr_value_list_push(steps, item) == 0;
        item = NULL;
    }
    if (ok) {
        ok = qr_value_map_set(root, "steps", steps) == 0;
        steps = NULL;
    }
    qr_value_free(opts);
    qr_value_free(item);
    qr_value_free(steps);
    if (!ok) {
        qr_value_free(root);
        return qr_error_set(err, "out of memory");
    }
    qr_pipeline_opts po = {.vars = NULL, .jobs = 1};
    s->p = qr_pipeline_from_value(root, "", dir, m->reg, &po, err);
    qr_value_free(root);
    if (s->p && !(s->t = qr_pipeline_thread_new(s->p, err))) {
        qr_pipeline_free(s->p);
        s->p = NULL;
    }
    return s->p ? 0 : -1;
}

static int push_error(lua_State *L, const qr_error *err)
{
    char buf[2048];
    return lq_fail(L, qr_error_format(err, buf, sizeof buf));
}

static int step_process(lua_State *L)
{
    lq_step *s = checkstep(L, 1);
    if (s->busy)
        return luaL_error(L, "step '%s' is already processing a document", s->def->name);
    int is_doc = luaL_testudata(L, 2, LQ_DOC_MT) != NULL;
    luaL_argexpected(L, is_doc || lua_type(L, 2) == LUA_TSTRING || lua_type(L, 2) == LUA_TTABLE, 2,
                     "quarry.Doc, string or table");
    qr_doc *given = is_doc ? lq_checkdoc(L, 2) : NULL;
    qr_error err;
    qr_error_clear(&err);
    if (step_prepare(L, s, &err) != 0)
        return push_error(L, &err);
    qr_doc *doc = given;
    if (!doc) {
        char id[32];
        snprintf(id, sizeof id, "doc-%lld", (long long)s->processed + 1);
        if (!(doc = lq_doc_from_record(L, 2, id, &err)))
            return push_error(L, &err);
    }
    doc->seq = (uint64_t)s->processed++;
    s->busy = 1;
    qr_doc_outcome out = qr_pipeline_process_doc(s->p, s->t, doc, &err);
    s->busy = 0;
    if (out == QR_DOC_KEPT) {
        if (given)
            lua_pushvalue(L, 2);
        else
            lq_doc_push(L, doc, 1);
        return 1;
    }
    if (!given)
        qr_doc_free(doc);
    if (out == QR_DOC_DROPPED) {
        lua_pushboolean(L, 0);
        return 1;
    }
    return push_error(L, &err);
}

/* step{options} -> a new Step with those options, initialized now. */
static int step_call(lua_State *L)
{
    lq_step *s = checkstep(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    where w;
    char dir[8];
    caller(L, &w, dir, sizeof dir);
    qr_error err;
    qr_error_clear(&err);
    qr_value *opts = to_value(L, 2, &w, 0, &err);
    if (!opts)
        return push_error(L, &err);
    if (opts->type == QR_VAL_LIST && opts->u.list.n > 0) {
        qr_value_free(opts);
        return luaL_argerror(L, 2, "options must be a table of name = value");
    }
    lua_getiuservalue(L, 1, 1);
    int mod = lua_gettop(L);
    lq_step *c = new_step(L, s->def, mod);
    c->opts = opts;
    lua_replace(L, 1);           /* the new step at 1, for step_prepare */
    lua_settop(L, 1);
    if (step_prepare(L, c, &err) != 0)
        return push_error(L, &err);
    return 1;
}

static int step_index(lua_State *L)
{
    lq_step *s = checkstep(L, 1);
    const char *k = luaL_checkstring(L, 2);
    if (!strcmp(k, "name")) {
        lua_pushstring(L, s->def->name);
    } else if (!strcmp(k, "description")) {
        lua_pushstring(L, s->def->description ? s->def->description : "");
    } else if (!strcmp(k, "options")) {
        lua_newtable(L);
        int i = 0;
        for (const qr_option_def *d = s->def->options; d && d->name; d++) {
            lua_createtable(L, 0, 3);
            lua_pushstring(L, d->name);
            lua_setfield(L, -2, "name");
            if (d->default_str) {
                lua_pushstring(L, d->default_str);
                lua_setfield(L, -2, "default");
            }
            lua_pushstring(L, d->help ? d->help : "");
            lua_setfield(L, -2, "help");
            lua_rawseti(L, -2, ++i);
        }
    } else {
        lua_pushvalue(L, 2);
        lua_rawget(L, lua_upvalueindex(1));
    }
    return 1;
}

static int step_tostring(lua_State *L)
{
    lq_step *s = checkstep(L, 1);
    lua_pushfstring(L, "quarry.Step '%s'", s->def->name);
    return 1;
}

/* }================================================================== */

static const luaL_Reg step_methods[] = {
    {"process", step_process},
    {NULL, NULL}
};

static const luaL_Reg module_meta[] = {
    {"__gc", module_gc},
    {"__close", module_gc},
    {NULL, NULL}
};

static const luaL_Reg step_meta[] = {
    {"__call", step_call},
    {"__gc", step_gc},
    {"__close", step_gc},
    {"__tostring", step_tostring},
    {NULL, NULL}
};

void lq_open_module(lua_State *L)
{
    lq_new_class(L, MODULE_MT, module_meta, NULL, NULL);
    lq_new_class(L, STEP_MT, step_meta, step_methods, step_index);

    lua_pushcfunction(L, q_load_module);
    lua_setfield(L, -2, "load_module");
}
