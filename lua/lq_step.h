/*
 * lq_step — the pipeline steps that need Lua.
 *
 *   lua       runs a function of a script (`script:` file or `code:`) over
 *             each document; every worker thread has its own lua_State.
 *   filter    keeps the documents for which a Lua expression over `doc` is
 *             truthy (compiled once per worker state).
 *   function  a plain Lua function handed to q.pipeline{…}. It lives in the
 *             caller's state, so it is QR_STEP_ORDERED: the runner calls it
 *             on the calling thread, in input order (it and every later
 *             step). Registered only in pipelines built by lq_pipeline.c,
 *             with an lq_fnctx as registry data.
 *
 * A lua_State is never used by two threads at once: worker states belong to
 * one qr_pipeline_thread each; the caller's state is used only on the
 * calling thread.
 */
#ifndef QR_LQ_STEP_H
#define QR_LQ_STEP_H

#include "lq.h"
#include "value.h"

extern const qr_step_def qr_step_lua_def;
extern const qr_step_def qr_step_filter_def;
extern const qr_step_def qr_step_function_def;

/* Where `function` steps run: the state currently driving the pipeline (set
 * by q.pipeline, p:run and p:process before they call into the core). The
 * functions themselves are in its registry; each step's `ref` option names
 * one. */
typedef struct lq_fnctx {
    lua_State *L;
} lq_fnctx;

/* Interrupts the `lua` or `filter` function running on the calling thread,
 * if any: it stops at its next instruction with the error "interrupted"
 * (a hook, as lua.c does on Ctrl-C). Async-signal-safe: meant for a
 * signal handler on the thread that runs the function (quarry run sends
 * one to each of its threads on Ctrl-C). */
void lq_interrupt_running(void);

/* Pushes an option value as a Lua value (maps and lists become tables;
 * null becomes nil). */
void lq_push_value(lua_State *L, const qr_value *v);

#endif
