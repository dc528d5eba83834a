/*
 * lq_text — text functions of the `quarry` module:
 *
 *   q.tokenize(text)        -> iterator of start, stop, kind, key
 *   q.sentences(text)       -> iterator of start, stop
 *   q.normalize(text, form) -> string | nil, message
 *
 * Positions are 1-based and inclusive, like string.find: text:sub(start,
 * stop) is the token. Each iterator owns its tokens in a userdata that is
 * also the generic-for closing value, so breaking out of a loop frees them.
 */
#include "lq.h"
#include "normalize.h"
#include "sentences.h"
#include "tokenize.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_ITER "quarry.TextIter"

typedef struct text_iter {
    qr_tokens toks;
    qr_sentences sents;
    size_t next;
    int live;           /* buffers not freed yet */
} text_iter;

static int iter_gc(lua_State *L)
{
    text_iter *it = luaL_checkudata(L, 1, TEXT_ITER);
    if (it->live) {
        qr_tokens_free(&it->toks);
        qr_sentences_free(&it->sents);
        it->live = 0;
    }
    return 0;
}

static text_iter *new_iter(lua_State *L)
{
    text_iter *it = lua_newuserdatauv(L, sizeof *it, 0);
    memset(it, 0, sizeof *it);
    qr_tokens_init(&it->toks);
    qr_sentences_init(&it->sents);
    it->live = 1;
    luaL_setmetatable(L, TEXT_ITER);
    return it;
}

/* Pushes the iterator function (closing over the userdata at the top),
 * nil, nil and the userdata as the to-be-closed value. */
static int push_for(lua_State *L, lua_CFunction step)
{
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, step, 1);
    lua_pushnil(L);
    lua_pushnil(L);
    lua_pushvalue(L, -4);
    return 4;
}

static int tokens_step(lua_State *L)
{
    text_iter *it = lua_touserdata(L, lua_upvalueindex(1));
    if (!it->live || it->next >= it->toks.n)
        return 0;
    size_t i = it->next++;
    const qr_token *t = &it->toks.v[i];
    lua_pushinteger(L, (lua_Integer)t->start + 1);
    lua_pushinteger(L, (lua_Integer)t->end);
    lua_pushstring(L, qr_token_kind_name(t->kind));
    lua_pushlstring(L, qr_token_key(&it->toks, i), t->key_len);
    return 4;
}

static int l_tokenize(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    text_iter *it = new_iter(L);
    qr_error err;
    if (qr_tokenize(text, len, &it->toks, &err) != 0)
        return lq_fail(L, err.message);
    return push_for(L, tokens_step);
}

static int sentences_step(lua_State *L)
{
    text_iter *it = lua_touserdata(L, lua_upvalueindex(1));
    if (!it->live || it->next >= it->sents.n)
        return 0;
    const qr_sentence *s = &it->sents.v[it->next++];
    lua_pushinteger(L, (lua_Integer)s->start + 1);
    lua_pushinteger(L, (lua_Integer)s->end);
    return 2;
}

static int l_sentences(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    text_iter *it = new_iter(L);
    qr_error err;
    if (qr_tokenize(text, len, &it->toks, &err) != 0
        || qr_sentences_split(text, len, &it->toks, &it->sents, &err) != 0)
        return lq_fail(L, err.message);
    return push_for(L, sentences_step);
}

static int l_normalize(lua_State *L)
{
    static const char *const forms[] = {"nfc", "nfkc", "casefold", NULL};
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    int form = luaL_checkoption(L, 2, NULL, forms);
    char *out;
    size_t out_len;
    qr_error err;
    if (qr_normalize(text, len, (qr_norm_form)form, &out, &out_len, &err) != 0)
        return lq_fail(L, err.message);
    lua_pushlstring(L, out, out_len);
    free(out);
    return 1;
}

void lq_open_text(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"tokenize", l_tokenize},
        {"sentences", l_sentences},
        {"normalize", l_normalize},
        {NULL, NULL}
    };
    static const luaL_Reg iter_meta[] = {
        {"__gc", iter_gc},
        {"__close", iter_gc},
        {NULL, NULL}
    };
    lq_new_class(L, TEXT_ITER, iter_meta, NULL, NULL);
    luaL_setfuncs(L, funcs, 0);
}
