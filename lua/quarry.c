/* luaopen_quarry: the `quarry` Lua module (build/quarry.so). */
#include "lq.h"
#include "version.h"

#include <string.h>

int lq_fail(lua_State *L, const char *msg)
{
    lua_pushnil(L);
    lua_pushstring(L, msg);
    return 2;
}

const char *lq_name(lua_State *L, int idx, int arg, const char *what)
{
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    const char *nul = s ? memchr(s, '\0', len) : NULL;
    if (nul) {
        const char *msg = lua_pushfstring(L, "%s cannot hold a NUL byte (\\0 at byte %d); remove it",
                                          what, (int)(nul - s));
        if (arg)
            luaL_argerror(L, arg, msg);
        luaL_error(L, "%s", msg);
    }
    return s;
}

void lq_new_class(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods,
                  lua_CFunction index)
{
    if (luaL_newmetatable(L, name)) {
        luaL_setfuncs(L, meta, 0);
        if (methods) {
            lua_newtable(L);
            luaL_setfuncs(L, methods, 0);
            if (index)
                lua_pushcclosure(L, index, 1);
            lua_setfield(L, -2, "__index");
        }
    }
    lua_pop(L, 1);
}

int luaopen_quarry(lua_State *L)
{
    lua_newtable(L);
    lua_pushliteral(L, QR_VERSION);
    lua_setfield(L, -2, "version");
    lq_open_text(L);
    lq_open_doc(L);
    lq_open_pipeline(L);
    lq_open_regex(L);
    lq_open_gazetteer(L);
    lq_open_classify(L);
    lq_open_module(L);
    return 1;
}
