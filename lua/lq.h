/*
 * lq — the Lua binding's internal header. quarry.c builds the module table
 * and calls one lq_open_* per binding file; each adds its functions to the
 * table at the top of the stack. Only files in lua/ include lua.h.
 */
#ifndef QR_LQ_H
#define QR_LQ_H

#include <lua.h>
#include <lauxlib.h>

/* Each of these adds fields to the module table at index -1. */
void lq_open_text(lua_State *L);      /* tokenize, sentences, normalize  (lq_text.c) */

/* Pushes nil, message and returns 2 (data/I/O failures). */
int lq_fail(lua_State *L, const char *msg);

#endif
