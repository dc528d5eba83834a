/*
 * lq_pipeline: q.pipeline{…}, q.pipeline.load(path, {vars=…}) and the
 * quarry.Pipeline userdata (p:run, p:process).
 *
 * q.pipeline converts its table into the same option tree (qr_value) that
 * the YAML loader makes, marked "script.lua:LINE" (the line of the call; a
 * function step is marked with the line where the function is defined), so
 * validation says the same things in the same words as for YAML. Relative
 * paths resolve against the folder of the calling script, as YAML paths do
 * against the YAML file's folder.
 *
 * A plain function in `steps` becomes a `function` step (lq_step.c): it runs
 * in the caller's Lua state, on the calling thread, in input order; under
 * jobs > 1 the C steps before it run in parallel workers.
 */
#include "lq_doc.h"
#include "lq_step.h"
#include "error.h"
#include "pipeline.h"
#include "registry.h"
#include "runner.h"

#include <stdlib.h>
#include <string.h>

#define PIPELINE_MT "quarry.Pipeline"

typedef struct lq_pipeline {
    qr_pipeline *p;
    qr_registry *reg;
    qr_pipeline_thread *thread;  /* for p:process, made on first use     */
    qr_value *tree;              /* while being converted                */
    lq_fnctx fn;
    int *refs;                   /* registry refs of function steps       */
    size_t nrefs, caprefs;
    int busy;
    lua_Integer processed;       /* for default ids of p:process          */
} lq_pipeline;

static lq_pipeline *checkpipeline(lua_State *L)
{
    lq_pipeline *pl = luaL_checkudata(L, 1, PIPELINE_MT);
    if (!pl->p)
        luaL_error(L, "the pipeline was closed");
    return pl;
}

static void release(lua_State *L, lq_pipeline *pl)
{
    qr_pipeline_thread_free(pl->thread);
    pl->thread = NULL;
    qr_pipeline_free(pl->p);
    pl->p = NULL;
    qr_registry_free(pl->reg);
    pl->reg = NULL;
    qr_value_free(pl->tree);
    pl->tree = NULL;
    for (size_t i = 0; i < pl->nrefs; i++)
        luaL_unref(L, LUA_REGISTRYINDEX, pl->refs[i]);
    free(pl->refs);
    pl->refs = NULL;
    pl->nrefs = pl->caprefs = 0;
}

static int pipeline_gc(lua_State *L)
{
    lq_pipeline *pl = luaL_checkudata(L, 1, PIPELINE_MT);
    if (!pl->busy)
        release(L, pl);
    return 0;
}

/* A new, empty Pipeline with its registry (built-ins, lua steps and, for
 * q.pipeline, function steps); at the top of the stack. */
static lq_pipeline *new_pipeline(lua_State *L)
{
    lq_pipeline *pl = lua_newuserdatauv(L, sizeof *pl, 0);
    memset(pl, 0, sizeof *pl);
    luaL_setmetatable(L, PIPELINE_MT);
    pl->fn.L = L;
    qr_error err;
    qr_error_clear(&err);
    pl->reg = qr_registry_new();
    if (!pl->reg)
        luaL_error(L, "out of memory");
    if (qr_registry_add_builtins(pl->reg, &err) != 0 || lq_register_steps(pl->reg, &err) != 0
        || lq_modules_register(L, pl->reg, &err) != 0
        || qr_registry_add_ex(pl->reg, &qr_step_function_def, "Lua", &pl->fn, &err) != 0)
        luaL_error(L, "cannot register the steps: %s", err.message);
    return pl;
}

static int push_error(lua_State *L, const qr_error *err)
{
    char buf[2048];
    return lq_fail(L, qr_error_format(err, buf, sizeof buf));
}

/* {==================================================================
 * Lua table -> option tree
 * =================================================================== */

typedef struct conv {
    lua_State *L;
    lq_pipeline *pl;
    const char *file;
    int line;
    qr_error *err;
} conv;

static qr_value *marked(conv *c, qr_value *v, const char *file, int line)
{
    if (v && qr_value_set_mark(v, file, line, 0) != 0) {
        qr_value_free(v);
        v = NULL;
    }
    if (!v)
        qr_error_set(c->err, "out of memory");
    return v;
}

/* A new map {key = v} marked at file:line; takes v (freed on failure). */
static qr_value *single_map(conv *c, const char *key, qr_value *v, const char *file, int line)
{
    qr_value *map = marked(c, qr_value_new_map(), file, line);
    if (!map) {
        qr_value_free(v);
        return NULL;
    }
    if (qr_value_map_set(map, key, v) != 0) {
        qr_value_free(map);
        qr_error_set(c->err, "out of memory");
        return NULL;
    }
    return map;
}

static int add_ref(conv *c, int ref)
{
    lq_pipeline *pl = c->pl;
    if (pl->nrefs == pl->caprefs) {
        size_t cap = pl->caprefs ? pl->caprefs * 2 : 8;
        int *r = realloc(pl->refs, cap * sizeof *r);
        if (!r)
            return -1;
        pl->refs = r;
        pl->caprefs = cap;
    }
    pl->refs[pl->nrefs++] = ref;
    return 0;
}

/* A function in `steps` → { function = { ref = N } }, marked where it is defined. */
static qr_value *function_step(conv *c, int idx)
{
    lua_Debug ar;
    lua_pushvalue(c->L, idx);
    lua_getinfo(c->L, ">S", &ar);
    const char *file = ar.source[0] == '@' ? ar.source + 1 : ar.short_src;
    int line = ar.linedefined > 0 ? ar.linedefined : c->line;
    lua_pushvalue(c->L, idx);
    int ref = luaL_ref(c->L, LUA_REGISTRYINDEX);
    if (add_ref(c, ref) != 0) {
        luaL_unref(c->L, LUA_REGISTRYINDEX, ref);
        qr_error_set(c->err, "out of memory");
        return NULL;
    }
    qr_value *r = marked(c, qr_value_new_int(ref), file, line);
    qr_value *opts = r ? single_map(c, "ref", r, file, line) : NULL;
    return opts ? single_map(c, "function", opts, file, line) : NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static qr_value *to_value(conv *c, int idx, int depth, int is_steps);

/* Keys 1..n only → a list; string keys only → a map (keys sorted, so
 * messages do not depend on table order); an empty table is a map. */
static qr_value *table_to_value(conv *c, int idx, int depth, int is_steps)
{
    lua_State *L = c->L;
    size_t count = 0, nstr = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        count++;
        nstr += lua_type(L, -1) == LUA_TSTRING;
    }
    if (count > 0 && nstr == 0 && lua_rawlen(L, idx) == count) {
        qr_value *list = marked(c, qr_value_new_list(), c->file, c->line);
        for (size_t i = 1; list && i <= count; i++) {
            lua_rawgeti(L, idx, (lua_Integer)i);
            qr_value *item = lua_type(L, -1) == LUA_TFUNCTION && is_steps
                                 ? function_step(c, lua_gettop(L))
                                 : to_value(c, lua_gettop(L), depth + 1, 0);
            lua_pop(L, 1);
            if (!item || qr_value_list_push(list, item) != 0) {
                if (item)
                    qr_error_set(c->err, "out of memory");
                qr_value_free(list);
                return NULL;
            }
        }
        return list;
    }
    if (nstr != count) {
        qr_error_at(c->err, c->file, c->line, 0,
                    "a table in a pipeline is either a list (keys 1..n) or a map (string keys), "
                    "not both");
        return NULL;
    }
    const char **keys = malloc((count ? count : 1) * sizeof *keys);
    if (!keys) {
        qr_error_set(c->err, "out of memory");
        return NULL;
    }
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        size_t klen;
        keys[n] = lua_tolstring(L, -1, &klen);   /* anchored: keys of the table */
        if (strlen(keys[n]) != klen) {     /* C strings would cut it short */
            size_t at = strlen(keys[n]);
            lua_pop(L, 1);
            free(keys);
            qr_error_at(c->err, c->file, c->line, 0,
                        "a key cannot hold a NUL byte (\\0 at byte %zu); remove it", at);
            return NULL;
        }
        n++;
    }
    qsort(keys, n, sizeof *keys, cmp_str);
    qr_value *map = marked(c, qr_value_new_map(), c->file, c->line);
    for (size_t i = 0; map && i < n; i++) {
        lua_getfield(L, idx, keys[i]);
        qr_value *item = to_value(c, lua_gettop(L), depth + 1,
                                  depth == 0 && strcmp(keys[i], "steps") == 0);
        lua_pop(L, 1);
        if (!item || qr_value_map_set(map, keys[i], item) != 0) {
            if (item)
                qr_error_set(c->err, "out of memory");
            qr_value_free(map);
            map = NULL;
        }
    }
    free(keys);
    return map;
}

static qr_value *to_value(conv *c, int idx, int depth, int is_steps)
{
    lua_State *L = c->L;
    if (depth > 64 || !lua_checkstack(L, 6)) {
        qr_error_at(c->err, c->file, c->line, 0,
                    "the pipeline table is nested more than 64 levels deep (does it contain itself?)");
        return NULL;
    }
    switch (lua_type(L, idx)) {
    case LUA_TTABLE:
        if (!lua_getmetatable(L, idx))
            return table_to_value(c, idx, depth, is_steps);
        lua_pop(L, 1);
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        return marked(c, qr_value_new_lstring(s, len), c->file, c->line);
    }
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            return marked(c, qr_value_new_int((int64_t)lua_tointeger(L, idx)), c->file, c->line);
        return marked(c, qr_value_new_number(lua_tonumber(L, idx)), c->file, c->line);
    case LUA_TBOOLEAN:
        return marked(c, qr_value_new_bool(lua_toboolean(L, idx)), c->file, c->line);
    case LUA_TLIGHTUSERDATA:
        if (!lua_touserdata(L, idx))
            return marked(c, qr_value_new_null(), c->file, c->line);
        break;
    case LUA_TFUNCTION:
        qr_error_at(c->err, c->file, c->line, 0,
                    "a function can stand only as a whole step, as an item of `steps`");
        return NULL;
    default:
        break;
    }
    qr_error_at(c->err, c->file, c->line, 0, "a %s cannot be part of a pipeline description",
                luaL_typename(L, idx));
    return NULL;
}

/* }================================================================== */

/* {==================================================================
 * q.pipeline{…}, q.pipeline.load(path, {vars = {…}})
 * =================================================================== */

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static int q_pipeline(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    /* the nearest Lua caller (q.pipeline may be called through pcall) */
    lua_Debug ar;
    const char *file = "?";
    int line = 0;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0) {
            file = ar.source[0] == '@' ? ar.source + 1 : ar.short_src;
            line = ar.currentline;
            break;
        }
    }
    if (line > 0 && ar.source[0] == '@')
        lua_pushstring(L, ar.source + 1);   /* anchored, for base_dir */
    else
        lua_pushnil(L);
    int src_idx = lua_gettop(L);
    lq_pipeline *pl = new_pipeline(L);
    qr_error err;
    qr_error_clear(&err);
    conv c = {L, pl, file, line, &err};
    pl->tree = to_value(&c, 1, 0, 0);
    if (!pl->tree)
        return push_error(L, &err);
    char *base = lua_isstring(L, src_idx) ? dir_of(lua_tostring(L, src_idx)) : NULL;
    qr_pipeline_opts opts = {.vars = NULL};
    pl->p = qr_pipeline_from_value(pl->tree, "", base, pl->reg, &opts, &err);
    free(base);
    qr_value_free(pl->tree);
    pl->tree = NULL;
    if (!pl->p)
        return push_error(L, &err);
    return 1;
}

/* {vars = {name = value, …}} → "name=value" strings in a new Lua table at
 * the top, and a NULL-terminated array pointing into it (free() it). */
static const char **vars_array(lua_State *L, int opts)
{
    lua_newtable(L);
    int out = lua_gettop(L);
    size_t n = 0;
    if (!lua_isnoneornil(L, opts)) {
        luaL_checktype(L, opts, LUA_TTABLE);
        lua_pushnil(L);
        while (lua_next(L, opts) != 0) {
            lua_pop(L, 1);
            const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            if (!k || strcmp(k, "vars")) {
                static const char *const known[] = {"vars"};
                const char *near = k ? qr_closest_name(k, known, 1) : NULL;
                luaL_argerror(L, opts, lua_pushfstring(L, "unknown option '%s'; %s",
                                                       k ? k : luaL_typename(L, -1),
                                                       near ? "did you mean 'vars'?" : "load takes only vars"));
            }
        }
        if (lua_getfield(L, opts, "vars") != LUA_TNIL) {
            luaL_argexpected(L, lua_istable(L, -1), opts, "vars to be a table");
            int vars = lua_gettop(L);
            lua_pushnil(L);
            while (lua_next(L, vars) != 0) {
                if (lua_type(L, -2) != LUA_TSTRING || !lua_isstring(L, -1))
                    luaL_error(L, "vars maps names to strings or numbers");
                lua_pushfstring(L, "%s=%s", lua_tostring(L, -2), lua_tostring(L, -1));
                lua_rawseti(L, out, (lua_Integer)++n);
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
    const char **v = malloc((n + 1) * sizeof *v);
    if (!v)
        luaL_error(L, "out of memory");
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, out, (lua_Integer)i + 1);
        v[i] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    v[n] = NULL;
    return v;
}

static int q_pipeline_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_settop(L, 2);
    lq_pipeline *pl = new_pipeline(L);
    int ud = lua_gettop(L);
    const char **vars = vars_array(L, 2);
    lua_pushvalue(L, ud);
    qr_error err;
    qr_error_clear(&err);
    qr_pipeline_opts opts = {.vars = vars};
    pl->p = qr_pipeline_load_yaml(path, pl->reg, &opts, &err);
    free(vars);
    if (!pl->p)
        return push_error(L, &err);
    return 1;
}

static int q_pipeline_call(lua_State *L)
{
    lua_remove(L, 1);   /* the q.pipeline table itself */
    return q_pipeline(L);
}

/* }================================================================== */

/* {==================================================================
 * p:run{ inputs = {…}, jobs = N, errors = path }, p:process(record)
 * =================================================================== */

static lua_Integer opt_int_field(lua_State *L, int t, const char *k, lua_Integer def)
{
    lua_getfield(L, t, k);
    lua_Integer v = def;
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1))
            luaL_error(L, "bad option '%s' to 'run' (integer expected, got %s)", k,
                       luaL_typename(L, -1));
        v = lua_tointeger(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

/* t[field] = { names... } on the table at the top, unless there are none. */
static void set_names(lua_State *L, const char *field, char *const *names, size_t n)
{
    if (!n)
        return;
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, field);
}

static void push_summary(lua_State *L, const qr_run_summary *s)
{
    lua_createtable(L, 0, 12);
    lua_pushinteger(L, (lua_Integer)s->read);
    lua_setfield(L, -2, "read");
    lua_pushinteger(L, (lua_Integer)s->written);
    lua_setfield(L, -2, "written");
    lua_pushinteger(L, (lua_Integer)s->dropped);
    lua_setfield(L, -2, "dropped");
    lua_pushinteger(L, (lua_Integer)s->failed);
    lua_setfield(L, -2, "failed");
    lua_pushinteger(L, (lua_Integer)s->skipped);
    lua_setfield(L, -2, "skipped");
    lua_pushinteger(L, (lua_Integer)s->unfinished);
    lua_setfield(L, -2, "unfinished");
    lua_pushinteger(L, (lua_Integer)s->bytes);
    lua_setfield(L, -2, "bytes");
    lua_pushnumber(L, s->seconds);
    lua_setfield(L, -2, "seconds");
    lua_pushinteger(L, s->jobs);
    lua_setfield(L, -2, "jobs");
    lua_pushboolean(L, s->stopped);
    lua_setfield(L, -2, "stopped");
    if (s->errors_path) {
        lua_pushstring(L, s->errors_path);
        lua_setfield(L, -2, "errors_path");
    }
    lua_createtable(L, (int)s->n_steps, 0);
    for (size_t i = 0; i < s->n_steps; i++) {
        lua_createtable(L, 0, 3);
        lua_pushstring(L, s->steps[i].name ? s->steps[i].name : "");
        lua_setfield(L, -2, "name");
        lua_pushnumber(L, s->steps[i].seconds);
        lua_setfield(L, -2, "seconds");
        lua_pushinteger(L, (lua_Integer)s->steps[i].errors);
        lua_setfield(L, -2, "errors");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "steps");
    set_names(L, "not_read", s->not_read, s->n_not_read);
    set_names(L, "empty_folders", s->empty_folders, s->n_empty_folders);
}

/* {==================================================================
 * The host's stop request (lq_set_run_stop)
 * =================================================================== */
#define RUN_STOP_KEY "quarry.run_stop"

typedef struct run_stop {
    const volatile int *cancel;
    void (*interrupt)(void *ud, pthread_t worker);
    void *ud;
} run_stop;

void lq_set_run_stop(lua_State *L, const volatile int *cancel,
                     void (*interrupt)(void *ud, pthread_t worker), void *ud)
{
    run_stop *rs = lua_newuserdatauv(L, sizeof *rs, 0);
    rs->cancel = cancel;
    rs->interrupt = interrupt;
    rs->ud = ud;
    lua_setfield(L, LUA_REGISTRYINDEX, RUN_STOP_KEY);
}

static void get_run_stop(lua_State *L, qr_run_opts *ro)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, RUN_STOP_KEY) == LUA_TUSERDATA) {
        const run_stop *rs = lua_touserdata(L, -1);
        ro->cancel = rs->cancel;
        ro->interrupt = rs->interrupt;
        ro->interrupt_ud = rs->ud;
    }
    lua_pop(L, 1);
}

/* }================================================================== */

static int pipeline_run(lua_State *L)
{
    lq_pipeline *pl = checkpipeline(L);
    if (pl->busy)
        return luaL_error(L, "the pipeline is already running (p:run or p:process called from one of its own steps)");
    lua_settop(L, 2);
    if (lua_isnil(L, 2)) {
        lua_newtable(L);
        lua_replace(L, 2);
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 2) != 0) {
        lua_pop(L, 1);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (!k || (strcmp(k, "inputs") != 0 && strcmp(k, "jobs") != 0 && strcmp(k, "errors") != 0))
            return luaL_error(L, "bad option '%s' to 'run' (expected inputs, jobs or errors)",
                              k ? k : luaL_typename(L, -1));
    }
    /* inputs: a string or a list of strings, kept in a table at 3 */
    lua_newtable(L);
    size_t n = 0;
    int t = lua_getfield(L, 2, "inputs");
    if (t == LUA_TSTRING) {
        lua_rawseti(L, 3, 1);
        n = 1;
    } else if (t == LUA_TTABLE) {
        size_t len = lua_rawlen(L, -1);
        for (size_t i = 1; i <= len; i++) {
            if (lua_rawgeti(L, -1, (lua_Integer)i) != LUA_TSTRING)
                return luaL_error(L, "bad option 'inputs' to 'run' (item %d is a %s, expected a path)",
                                  (int)i, luaL_typename(L, -1));
            lua_rawseti(L, 3, (lua_Integer)++n);
        }
        lua_pop(L, 1);
    } else if (t != LUA_TNIL)
        return luaL_error(L, "bad option 'inputs' to 'run' (a path or a list of paths expected, got %s)",
                          luaL_typename(L, -1));
    else
        lua_pop(L, 1);
    lua_Integer jobs = opt_int_field(L, 2, "jobs", 0);
    if (jobs < 0 || jobs > 1024)
        return luaL_error(L, "bad option 'jobs' to 'run' (%d is not between 0 and 1024)", (int)jobs);
    lua_getfield(L, 2, "errors");
    if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
        return luaL_error(L, "bad option 'errors' to 'run' (a path expected, got %s)",
                          luaL_typename(L, -1));
    const char *errors = lua_tostring(L, -1);   /* anchored at 4 */

    const char **inputs = NULL;
    if (n > 0) {
        inputs = malloc((n + 1) * sizeof *inputs);
        if (!inputs)
            return luaL_error(L, "out of memory");
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, 3, (lua_Integer)i + 1);
            inputs[i] = lua_tostring(L, -1);   /* anchored in table 3 */
            lua_pop(L, 1);
        }
        inputs[n] = NULL;
    }
    qr_run_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.inputs = inputs;
    ro.jobs = (int)jobs;
    ro.errors_path = errors;
    get_run_stop(L, &ro);
    qr_run_summary sum;
    memset(&sum, 0, sizeof sum);
    qr_error err;
    qr_error_clear(&err);
    pl->fn.L = L;
    pl->busy = 1;
    int rc = qr_run(pl->p, &ro, &sum, &err);
    pl->busy = 0;
    free(inputs);
    if (rc < 0 && sum.interrupted) {   /* the host asked to stop: not a result */
        char buf[2048];
        /* the host's stop hook on this state (quarry lua) would replace
         * this message with its own on the next call: this error is it */
        lua_sethook(L, NULL, 0, 0);
        lua_pushstring(L, qr_error_format(&err, buf, sizeof buf));
        qr_run_summary_free(&sum);
        return lua_error(L);
    }
    if (rc < 0) {
        char buf[2048];
        lua_pushnil(L);
        lua_pushstring(L, qr_error_format(&err, buf, sizeof buf));
        push_summary(L, &sum);
        qr_run_summary_free(&sum);
        return 3;
    }
    push_summary(L, &sum);
    qr_run_summary_free(&sum);
    return 1;
}

static int pipeline_process(lua_State *L)
{
    lq_pipeline *pl = checkpipeline(L);
    if (pl->busy)
        return luaL_error(L, "the pipeline is already running (p:run or p:process called from one of its own steps)");
    luaL_argexpected(L, lua_type(L, 2) == LUA_TSTRING || lua_type(L, 2) == LUA_TTABLE, 2,
                     "string or table");
    qr_error err;
    qr_error_clear(&err);
    if (!pl->thread && !(pl->thread = qr_pipeline_thread_new(pl->p, &err)))
        return push_error(L, &err);
    char id[32];
    snprintf(id, sizeof id, "doc-%lld", (long long)++pl->processed);
    qr_doc *doc = lq_doc_from_record(L, 2, id, &err);
    if (!doc)
        return push_error(L, &err);
    doc->seq = (uint64_t)pl->processed - 1;
    pl->fn.L = L;
    pl->busy = 1;
    qr_doc_outcome out = qr_pipeline_process_doc(pl->p, pl->thread, doc, &err);
    pl->busy = 0;
    switch (out) {
    case QR_DOC_KEPT:
        lq_doc_push(L, doc, 1);
        return 1;
    case QR_DOC_DROPPED:
        qr_doc_free(doc);
        lua_pushboolean(L, 0);
        return 1;
    default:
        qr_doc_free(doc);
        return push_error(L, &err);
    }
}

static int pipeline_steps(lua_State *L)
{
    lq_pipeline *pl = checkpipeline(L);
    size_t n = qr_pipeline_step_count(pl->p);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, qr_pipeline_step_name(pl->p, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int pipeline_index(lua_State *L)
{
    lq_pipeline *pl = checkpipeline(L);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "name") == 0) {
        lua_pushstring(L, qr_pipeline_name(pl->p));
        return 1;
    }
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    return 1;
}

static int pipeline_tostring(lua_State *L)
{
    lq_pipeline *pl = luaL_checkudata(L, 1, PIPELINE_MT);
    if (!pl->p)
        lua_pushliteral(L, "quarry.Pipeline (closed)");
    else
        lua_pushfstring(L, "quarry.Pipeline '%s' (%d steps)", qr_pipeline_name(pl->p),
                        (int)qr_pipeline_step_count(pl->p));
    return 1;
}

/* }================================================================== */

static const luaL_Reg pipeline_methods[] = {
    {"run", pipeline_run},
    {"process", pipeline_process},
    {"steps", pipeline_steps},
    {NULL, NULL}
};

static const luaL_Reg pipeline_meta[] = {
    {"__gc", pipeline_gc},
    {"__close", pipeline_gc},
    {"__tostring", pipeline_tostring},
    {NULL, NULL}
};

void lq_open_pipeline(lua_State *L)
{
    lq_new_class(L, PIPELINE_MT, pipeline_meta, pipeline_methods, pipeline_index);

    lua_newtable(L);                       /* q.pipeline */
    lua_pushcfunction(L, q_pipeline_load);
    lua_setfield(L, -2, "load");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, q_pipeline_call);
    lua_setfield(L, -2, "__call");
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "pipeline");
}
