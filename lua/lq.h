/*
 * lq — the Lua binding's internal header. quarry.c builds the module table
 * and calls one lq_open_* per binding file; each adds its functions to the
 * table at the top of the stack. Only files in lua/ include lua.h.
 */
#ifndef QR_LQ_H
#define QR_LQ_H

#include <pthread.h>
#include <lua.h>
#include <lauxlib.h>
#include "quarry_module.h"

/* Each of these adds fields to the module table at index -1. */
void lq_open_text(lua_State *L);      /* tokenize, sentences, normalize  (lq_text.c) */
void lq_open_doc(lua_State *L);       /* q.doc, q.null, quarry.Doc views (lq_doc.c)  */
void lq_open_pipeline(lua_State *L);  /* q.pipeline, quarry.Pipeline (lq_pipeline.c) */
void lq_open_regex(lua_State *L);     /* q.regex, quarry.Regex           (lq_regex.c) */
void lq_open_gazetteer(lua_State *L); /* q.gazetteer, quarry.Gazetteer (lq_gazetteer.c) */
void lq_open_classify(lua_State *L);  /* q.classifier, quarry.Classifier (lq_classify.c) */
void lq_open_module(lua_State *L);    /* q.load_module, quarry.Step      (lq_module.c) */

/* The module's entry point (quarry.c); `lua` steps preload it in their states. */
int luaopen_quarry(lua_State *L);
/* Adds the steps that need Lua (`lua`, `filter`; lq_step.c) to reg, on top
 * of qr_registry_add_builtins. Used by quarry run/check/steps and q.pipeline. */
int lq_register_steps(qr_registry *reg, qr_error *err);
/* Loads into reg every module q.load_module loaded in this state (lq_module.c);
 * called where a pipeline's registry is made. */
int lq_modules_register(lua_State *L, qr_registry *reg, qr_error *err);

/* How the host stops runs started from Lua (p:run): its flag, set to ask
 * the run to stop (atomically, from a signal handler), and the function
 * that interrupts a worker's Lua step: qr_run_opts.cancel, .interrupt and
 * .interrupt_ud. Kept in L's registry; quarry lua sets it for Ctrl-C.
 * Without it p:run cannot be stopped cleanly. A run stopped by the flag
 * raises "interrupted after N records; no output file was published". */
void lq_set_run_stop(lua_State *L, const volatile int *cancel,
                     void (*interrupt)(void *ud, pthread_t worker), void *ud);

/* The string at idx (a string or a number), for a name that C keeps up to
 * its first NUL byte (a field name, a label, an id): one holding a NUL
 * raises "WHAT cannot hold a NUL byte (\0 at byte N); remove it", as an
 * error of argument `arg` (0: a plain error). NULL for other types. */
const char *lq_name(lua_State *L, int idx, int arg, const char *what);

/* Pushes nil, message and returns 2 (data/I/O failures). */
int lq_fail(lua_State *L, const char *msg);
/* Registers the metatable `name` (once per state) with the functions of
 * meta and, when methods is not NULL, __index: the methods table, or when
 * index is not NULL the closure index with that table as its upvalue. */
void lq_new_class(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods,
                  lua_CFunction index);

#endif
