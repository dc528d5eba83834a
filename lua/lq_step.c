/*
 * lq_step: the `lua`, `filter` and `function` steps (see lq_step.h).
 *
 * Positions: code given inline (`code:`, `expr:`) is compiled under the name
 * of the file it was written in, padded with line breaks so that Lua's line
 * numbers are the file's: an error reads `pipeline.yaml:14: attempt to …`.
 */
#include "lq_step.h"
#include "lq_doc.h"
#include "error.h"
#include "registry.h"
#include "value.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lualib.h>

/* {==================================================================
 * Option values -> Lua
 * =================================================================== */

void lq_push_value(lua_State *L, const qr_value *v)
{
    luaL_checkstack(L, 4, "option value nested too deeply");
    if (!v) {
        lua_pushnil(L);
        return;
    }
    switch (v->type) {
    case QR_VAL_BOOL:
        lua_pushboolean(L, v->u.b);
        break;
    case QR_VAL_INT:
        lua_pushinteger(L, (lua_Integer)v->u.i);
        break;
    case QR_VAL_NUMBER:
        lua_pushnumber(L, v->u.n);
        break;
    case QR_VAL_STRING:
        lua_pushlstring(L, v->u.str.s, v->u.str.len);
        break;
    case QR_VAL_LIST:
        lua_createtable(L, (int)v->u.list.n, 0);
        for (size_t i = 0; i < v->u.list.n; i++) {
            lq_push_value(L, v->u.list.v[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    case QR_VAL_MAP:
        lua_createtable(L, 0, (int)v->u.map.n);
        for (size_t i = 0; i < v->u.map.n; i++) {
            lq_push_value(L, v->u.map.v[i].value);
            lua_setfield(L, -2, v->u.map.v[i].key);
        }
        break;
    case QR_VAL_NULL:
    default:
        lua_pushnil(L);
        break;
    }
}

/* }================================================================== */

/* {==================================================================
 * Shared machinery of `lua` and `filter`: a compiled chunk, loaded into
 * one lua_State per worker thread.
 * =================================================================== */

typedef struct lstate {
    struct lstate *next;
    lua_State *L;
    int fn_ref;           /* the function called per document          */
    int taken;            /* handed to a thread by thread_init         */
    int released;         /* thread_free was called                    */
    int finished;         /* finish() ran in it                        */
} lstate;

typedef struct lstep {
    int is_filter;
    char *code;           /* the chunk, padded to the file's lines      */
    size_t code_len;
    char *chunkname;      /* "@file"                                    */
    char *file;           /* for error positions                        */
    int line;             /* first line of inline code, 0 for a script  */
    char *fn_name;        /* `function:` (lua only)                     */
    char *script_dir;     /* folder of `script:`, put on package.path   */
    qr_value *init_opts;  /* `options:` handed to init(), or NULL       */
    char *step_name, *pipeline_name, *base_dir;   /* for init's 2nd argument */
    int jobs;
    pthread_mutex_t mu;
    lstate *states;       /* every live state, oldest first             */
} lstep;

/* Fills err from a Lua message "src:LINE: text", naming `file` (Lua
 * shortens long sources in its messages). */
static void lua_message_error(qr_error *err, const char *file, const char *msg)
{
    const char *p = msg;
    while ((p = strchr(p, ':')) != NULL) {
        char *end;
        long line = strtol(p + 1, &end, 10);
        if (end > p + 1 && end[0] == ':' && end[1] == ' ' && line > 0) {
            qr_error_at(err, file, (int)line, 0, "%s", end + 2);
            return;
        }
        p++;
    }
    qr_error_at(err, file, 0, 0, "%s", msg);
}

static const char *error_text(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    return msg ? msg : lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, -1));
}

/* Pushes global `name` without metamethods: a script may guard _G (strict.lua)
 * with an __index that raises, and these calls run unprotected. */
static int raw_global(lua_State *L, const char *name)
{
    lua_pushglobaltable(L);
    lua_pushstring(L, name);
    int t = lua_rawget(L, -2);
    lua_remove(L, -2);
    return t;
}

static void close_state(lstate *s)
{
    if (s->L)
        lua_close(s->L);
    free(s);
}

/* Calls `init(options)` if the script defines it. */
static int call_init(lstep *st, lua_State *L, qr_error *err)
{
    if (raw_global(L, "init") != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return 0;
    }
    if (st->init_opts)
        lq_push_value(L, st->init_opts);
    else
        lua_newtable(L);
    lua_createtable(L, 0, 5);
    lua_pushstring(L, st->step_name ? st->step_name : "lua");
    lua_setfield(L, -2, "step");
    lua_pushstring(L, st->pipeline_name ? st->pipeline_name : "");
    lua_setfield(L, -2, "pipeline");
    lua_pushstring(L, st->base_dir ? st->base_dir : ".");
    lua_setfield(L, -2, "base_dir");
    if (st->script_dir) {
        lua_pushstring(L, st->script_dir);
        lua_setfield(L, -2, "script_dir");
    }
    lua_pushinteger(L, st->jobs);
    lua_setfield(L, -2, "jobs");
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        lua_message_error(err, st->file, error_text(L));
        return -1;
    }
    return 0;
}

/* A loaded state, added to st->states; `taken` marks it as a thread's already
 * (set before it is visible to other threads). */
static lstate *new_state(lstep *st, int taken, qr_error *err)
{
    lstate *s = calloc(1, sizeof *s);
    if (!s || !(s->L = luaL_newstate())) {
        free(s);
        qr_error_set(err, "out of memory for a Lua state");
        return NULL;
    }
    lua_State *L = s->L;
    luaL_openlibs(L);
    luaL_requiref(L, "quarry", luaopen_quarry, 0);
    lua_pop(L, 1);
    if (st->script_dir) {   /* require finds modules next to the script */
        lua_getglobal(L, "package");
        lua_getfield(L, -1, "path");
        lua_pushfstring(L, "%s/?.lua;%s", st->script_dir, lua_tostring(L, -1));
        lua_setfield(L, -3, "path");
        lua_pop(L, 2);
    }
    if (luaL_loadbufferx(L, st->code, st->code_len, st->chunkname, "t") != LUA_OK) {
        lua_message_error(err, st->file, error_text(L));
        goto fail;
    }
    if (st->is_filter) {
        s->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    } else {
        if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
            lua_message_error(err, st->file, error_text(L));
            goto fail;
        }
        if (raw_global(L, st->fn_name) != LUA_TFUNCTION) {
            qr_error_at(err, st->file, st->line, 0,
                        "the script defines no function '%s' (write `function %s(doc) … end`, "
                        "or name another one with `function:`)", st->fn_name, st->fn_name);
            goto fail;
        }
        s->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        if (call_init(st, L, err) != 0)
            goto fail;
    }
    s->taken = taken;
    pthread_mutex_lock(&st->mu);
    lstate **tail = &st->states;
    while (*tail)
        tail = &(*tail)->next;
    *tail = s;
    pthread_mutex_unlock(&st->mu);
    return s;
fail:
    close_state(s);
    return NULL;
}

static void lstep_free(void *state)
{
    lstep *st = state;
    if (!st)
        return;
    while (st->states) {
        lstate *s = st->states;
        st->states = s->next;
        close_state(s);
    }
    pthread_mutex_destroy(&st->mu);
    free(st->code);
    free(st->chunkname);
    free(st->file);
    free(st->fn_name);
    free(st->script_dir);
    qr_value_free(st->init_opts);
    free(st->step_name);
    free(st->pipeline_name);
    free(st->base_dir);
    free(st);
}

/* Pads `src` with line breaks so its first line is line `line` of its file. */
static int set_code(lstep *st, const char *prefix, const char *src, const char *suffix, int line)
{
    size_t pad = line > 1 ? (size_t)line - 1 : 0;
    size_t np = strlen(prefix), ns = strlen(src), nx = strlen(suffix);
    st->code = malloc(pad + np + ns + nx + 1);
    if (!st->code)
        return -1;
    memset(st->code, '\n', pad);
    memcpy(st->code + pad, prefix, np);
    memcpy(st->code + pad + np, src, ns);
    memcpy(st->code + pad + np + ns, suffix, nx + 1);
    st->code_len = pad + np + ns + nx;
    return 0;
}

static int set_names(lstep *st, const char *file)
{
    size_t n = strlen(file);
    st->file = strdup(file);
    st->chunkname = malloc(n + 2);
    if (!st->file || !st->chunkname)
        return -1;
    st->chunkname[0] = '@';
    memcpy(st->chunkname + 1, file, n + 1);
    return 0;
}

static int read_file(lstep *st, const char *path, qr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return qr_error_set(err, "cannot open Lua script '%s': %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return qr_error_set(err, "out of memory reading '%s'", path);
    if (bad) {
        free(buf);
        return qr_error_set(err, "cannot read Lua script '%s'", path);
    }
    buf[n] = '\0';
    st->code = buf;
    st->code_len = n;
    return 0;
}

static lstep *lstep_new(int is_filter, qr_error *err)
{
    lstep *st = calloc(1, sizeof *st);
    if (!st) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    st->is_filter = is_filter;
    pthread_mutex_init(&st->mu, NULL);
    return st;
}

/* The first state is made at init, so syntax errors and a missing function
 * are reported before any document is read; the first worker takes it. */
static void *lstep_ready(lstep *st, qr_error *err)
{
    if (!new_state(st, 0, err)) {
        lstep_free(st);
        return NULL;
    }
    return st;
}

static void *lstep_thread_init(void *state, qr_error *err)
{
    lstep *st = state;
    pthread_mutex_lock(&st->mu);
    for (lstate *s = st->states; s; s = s->next)
        if (!s->taken && !s->released) {
            s->taken = 1;
            pthread_mutex_unlock(&st->mu);
            return s;
        }
    pthread_mutex_unlock(&st->mu);
    return new_state(st, 1, err);
}

static void unlink_state(lstep *st, lstate *s)
{
    for (lstate **p = &st->states; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    close_state(s);
}

static void lstep_thread_free(void *state, void *thread_state)
{
    lstep *st = state;
    lstate *s = thread_state;
    if (!s)
        return;
    pthread_mutex_lock(&st->mu);
    if (s->finished)
        unlink_state(st, s);
    else
        s->released = 1;
    pthread_mutex_unlock(&st->mu);
}

/* finish() runs once in every state, oldest first, after the last document;
 * states whose thread is gone are closed. */
static int lstep_finish(void *state, qr_error *err)
{
    lstep *st = state;
    int rc = 0;
    pthread_mutex_lock(&st->mu);
    for (lstate *s = st->states; s; s = s->next) {
        if (s->finished)
            continue;
        s->finished = 1;
        if (st->is_filter)
            continue;
        lua_State *L = s->L;
        if (raw_global(L, "finish") == LUA_TFUNCTION) {
            if (lua_pcall(L, 0, 0, 0) != LUA_OK && rc == 0) {
                lua_message_error(err, st->file, error_text(L));
                rc = -1;
            }
        }
        lua_settop(L, 0);
    }
    for (lstate **p = &st->states; *p;) {
        lstate *s = *p;
        if (s->released) {
            *p = s->next;
            close_state(s);
        } else
            p = &s->next;
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

/* The state whose step function runs on this thread, for
 * lq_interrupt_running (called from a signal handler on this thread), and
 * whether that was called: then every later call on this thread is
 * interrupted at once too (the run is stopping; a signal that came
 * between two documents must not let the next one run forever). */
static _Thread_local lua_State *volatile running;
static _Thread_local volatile sig_atomic_t interrupt_pending;

static void stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted");
}

static void set_stop_hook(lua_State *L)
{
    lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

void lq_interrupt_running(void)
{
    interrupt_pending = 1;
    lua_State *L = running;
    if (L)
        set_stop_hook(L);
}

/* Calls the function at fn_ref with a Doc view over doc; the view is
 * invalidated when the call returns. Returns 0 keep, QR_PROCESS_DROP, -1. */
static int call_with_doc(lua_State *L, int fn_ref, qr_doc *doc, int is_filter, qr_error *err)
{
    int base = lua_gettop(L);
    lua_checkstack(L, 4);
    lq_doc *d = lq_doc_push(L, doc, 0);   /* anchored below the call */
    lua_rawgeti(L, LUA_REGISTRYINDEX, fn_ref);
    lua_pushvalue(L, -2);
    int rc;
    running = L;
    if (interrupt_pending)
        set_stop_hook(L);
    int status = lua_pcall(L, 1, 1, 0);
    running = NULL;
    if (lua_gethook(L) == stop_hook)   /* set after the function's last instruction */
        lua_sethook(L, NULL, 0, 0);
    if (status != LUA_OK) {
        qr_error_set(err, "%s", error_text(L));
        rc = -1;
    } else if (is_filter)
        rc = lua_toboolean(L, -1) ? 0 : QR_PROCESS_DROP;
    else
        rc = lua_isboolean(L, -1) && !lua_toboolean(L, -1) ? QR_PROCESS_DROP : 0;
    lq_doc_invalidate(d);
    lua_settop(L, base);
    return rc;
}

static int lstep_process(void *state, void *thread_state, qr_doc *doc, qr_error *err)
{
    lstep *st = state;
    lstate *s = thread_state;
    return call_with_doc(s->L, s->fn_ref, doc, st->is_filter, err);
}

/* }================================================================== */

/* {==================================================================
 * lua
 * =================================================================== */

/* Where an inline string option starts: a multi-line value was written as
 * a block scalar (`code: |`), whose text begins on the next line. */
static int code_line(const qr_host_api *api, const qr_value *v, const char *src, qr_error *mark)
{
    qr_error_clear(mark);
    api->value_mark(v, mark);
    if (mark->line <= 0)
        return 1;
    return strchr(src, '\n') ? mark->line + 1 : mark->line;
}

/* Names the chunk of inline code: "@FILE" when its lines are the file's
 * (one line, or a YAML block scalar `|`, padded to where it starts), else
 * (a quoted string with \n escapes, code given from Lua) "=FILE:LINE: code
 * line", so that Lua's messages read "FILE:LINE: code line:K: …", LINE
 * being where the code is written and K the line within it. */
static int set_code_names(lstep *st, const qr_value *v, const char *file, const char *prefix,
                          const char *src, int line, int at)
{
    if (!strchr(src, '\n') || v->block || at <= 0)
        return set_names(st, file) != 0 || set_code(st, prefix, src, "", line) != 0 ? -1 : 0;
    if (set_names(st, file) != 0 || set_code(st, prefix, src, "", 1) != 0)
        return -1;
    char *name = malloc(strlen(file) + 48);
    if (!name)
        return -1;
    sprintf(name, "=%s:%d: code line", file, at);
    free(st->chunkname);
    st->chunkname = name;
    return 0;
}

static void *lua_init(const qr_host_api *api, const qr_value *options,
                      const qr_step_ctx *ctx, qr_error *err)
{
    const qr_value *script = api->opt(options, "script");
    const qr_value *code = api->opt(options, "code");
    const qr_value *fn = api->opt(options, "function");
    const qr_value *opts = api->opt(options, "options");
    if ((script != NULL) == (code != NULL)) {
        api->value_mark(options, err);
        api->error(err, script ? "a lua step takes `script:` or `code:`, not both"
                               : "a lua step needs `script:` (a .lua file) or `code:` (Lua source)");
        return NULL;
    }
    lstep *st = lstep_new(0, err);
    if (!st)
        return NULL;
    st->fn_name = strdup(fn && api->value_string(fn) ? api->value_string(fn) : "process");
    if (!st->fn_name || (opts && !(st->init_opts = qr_value_copy(opts))))
        goto oom;
    st->jobs = ctx->jobs;
    if ((ctx->step_name && !(st->step_name = strdup(ctx->step_name)))
        || (ctx->pipeline_name && !(st->pipeline_name = strdup(ctx->pipeline_name)))
        || (ctx->base_dir && !(st->base_dir = strdup(ctx->base_dir))))
        goto oom;
    if (script) {
        char *path = api->resolve_path(ctx, api->value_string(script));
        if (!path)
            goto oom;
        const char *slash = strrchr(path, '/');
        st->script_dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
        int rc = st->script_dir ? set_names(st, path) : -1;
        if (rc == 0 && read_file(st, path, err) != 0) {
            api->value_mark(script, err);
            free(path);
            lstep_free(st);
            return NULL;
        }
        free(path);
        if (rc != 0)
            goto oom;
    } else {
        qr_error mark;
        const char *src = api->value_string(code);
        int line = code_line(api, code, src, &mark);
        const char *file = mark.file[0] ? mark.file : ctx->pipeline_file;
        if (set_code_names(st, code, file && *file ? file : "code", "", src, line, mark.line) != 0)
            goto oom;
        st->line = line;
    }
    void *ready = lstep_ready(st, err);
    /* finish() of a script without one only closes states: another run may follow */
    if (ready && raw_global(st->states->L, "finish") != LUA_TFUNCTION)
        qr_step_ctx_set_rerunnable(ctx);
    if (ready)
        lua_pop(st->states->L, 1);
    return ready;
oom:
    lstep_free(st);
    qr_error_set(err, "out of memory");
    return NULL;
}

static const qr_option_def lua_options[] = {
    {"script", QR_OPT_PATH, NULL, NULL,
     "Lua file defining process(doc), and optionally init(options) and finish()", 0},
    {"code", QR_OPT_STRING, NULL, NULL, "Lua source, instead of a script file", 0},
    {"function", QR_OPT_STRING, "process", NULL,
     "the function called for each document; returning false drops it", 0},
    {"options", QR_OPT_ANY, NULL, NULL, "any value, handed to init(options, info)", 0},
    {NULL, 0, NULL, NULL, NULL, 0}
};

const qr_step_def qr_step_lua_def = {
    .size = sizeof(qr_step_def),
    .name = "lua",
    .description = "run a Lua function over each document (one Lua state per worker)",
    .options = lua_options,
    .flags = QR_STEP_THREAD_SAFE,
    .init = lua_init,
    .thread_init = lstep_thread_init,
    .process = lstep_process,
    .finish = lstep_finish,
    .thread_free = lstep_thread_free,
    .free = lstep_free,
};

/* }================================================================== */

/* {==================================================================
 * filter
 * =================================================================== */

static void *filter_init(const qr_host_api *api, const qr_value *options,
                         const qr_step_ctx *ctx, qr_error *err)
{
    const qr_value *expr = api->opt(options, "expr");
    const char *src = expr ? api->value_string(expr) : NULL;
    if (!src) {
        api->value_mark(options, err);
        api->error(err, "a filter step needs `expr:`, a Lua expression over `doc`");
        return NULL;
    }
    if (!src[strspn(src, " \t\r\n")]) {    /* would be nil for every document: all dropped */
        api->value_mark(expr, err);
        api->error(err, "`expr:` is empty: write a Lua expression over `doc`, as in "
                   "#doc:entities(\"CITY\") > 0");
        return NULL;
    }
    lstep *st = lstep_new(1, err);
    if (!st)
        return NULL;
    qr_error mark;
    int line = code_line(api, expr, src, &mark);
    const char *file = mark.file[0] ? mark.file : ctx->pipeline_file;
    if (set_code_names(st, expr, file && *file ? file : "expr", "local doc = ...; return ", src, line,
                       mark.line) != 0) {
        lstep_free(st);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    void *ready = lstep_ready(st, err);
    if (ready)
        qr_step_ctx_set_rerunnable(ctx);   /* a filter calls no finish() */
    return ready;
}

static const qr_option_def filter_options[] = {
    {"expr", QR_OPT_STRING, NULL, NULL,
     "Lua expression over `doc`; documents for which it is false or nil are dropped",
     QR_OPT_REQUIRED},
    {NULL, 0, NULL, NULL, NULL, 0}
};

const qr_step_def qr_step_filter_def = {
    .size = sizeof(qr_step_def),
    .name = "filter",
    .description = "keep the documents for which a Lua expression is true, e.g. #doc:entities(\"CITY\") > 0",
    .options = filter_options,
    .flags = QR_STEP_THREAD_SAFE,
    .init = filter_init,
    .thread_init = lstep_thread_init,
    .process = lstep_process,
    .finish = lstep_finish,
    .thread_free = lstep_thread_free,
    .free = lstep_free,
};

/* }================================================================== */

/* {==================================================================
 * function: a Lua function of the caller's state (q.pipeline{…})
 * =================================================================== */

typedef struct fnstep {
    lq_fnctx *ctx;
    int ref;
} fnstep;

static void *function_init(const qr_host_api *api, const qr_value *options,
                           const qr_step_ctx *ctx, qr_error *err)
{
    lq_fnctx *fc = qr_step_ctx_data(ctx);
    const qr_value *ref = api->opt(options, "ref");
    int ok = 0;
    if (fc && fc->L && ref) {
        ok = lua_rawgeti(fc->L, LUA_REGISTRYINDEX, (lua_Integer)api->value_int(ref)) == LUA_TFUNCTION;
        lua_pop(fc->L, 1);
    }
    if (!ok) {
        api->value_mark(options, err);
        api->error(err, "a `function` step is a Lua function given to q.pipeline{…}; "
                        "it cannot be written in YAML");
        return NULL;
    }
    fnstep *f = malloc(sizeof *f);
    if (!f) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    f->ctx = fc;
    f->ref = (int)api->value_int(ref);
    return f;
}

static int function_process(void *state, void *thread_state, qr_doc *doc, qr_error *err)
{
    fnstep *f = state;
    (void)thread_state;
    return call_with_doc(f->ctx->L, f->ref, doc, 0, err);
}

static const qr_option_def function_options[] = {
    {"ref", QR_OPT_INT, NULL, NULL, "the function's reference in the Lua registry", QR_OPT_REQUIRED},
    {NULL, 0, NULL, NULL, NULL, 0}
};

const qr_step_def qr_step_function_def = {
    .size = sizeof(qr_step_def),
    .name = "function",
    .description = "a Lua function given to q.pipeline{…} (runs on the calling thread, in input order)",
    .options = function_options,
    .flags = QR_STEP_ORDERED,
    .init = function_init,
    .process = function_process,
    .free = free,
};

/* }================================================================== */

int lq_register_steps(qr_registry *reg, qr_error *err)
{
    if (qr_registry_add(reg, &qr_step_lua_def, err) != 0)
        return -1;
    return qr_registry_add(reg, &qr_step_filter_def, err);
}
