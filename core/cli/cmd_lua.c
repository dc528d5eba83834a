/* quarry lua SCRIPT [ARGS…]: runs a Lua 5.4 script with `quarry` preloaded,
 * `arg` set as the stock lua5.4 interpreter sets it. */
#include "cli.h"
#include "lq.h"

#include <string.h>

#include <lualib.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: quarry lua SCRIPT.lua [ARGS…]\n\n"
               "Runs a Lua 5.4 script with the quarry module preloaded:\n"
               "  local q = require \"quarry\"\n"
               "SCRIPT '-' reads the script from stdin. The script sees its arguments\n"
               "in `arg` (arg[0] is the script) and as `...`.\n"
               "Exit status: 0, 1 if the script raised an error, 2 if it cannot be read.\n");
}

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int cmd_lua(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (cli_is_help(argv[1])) {
        usage(stdout);
        return 0;
    }
    const char *script = argv[1];
    lua_State *L = luaL_newstate();
    if (!L)
        return cli_usage_error("lua", "out of memory");
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_quarry);
    lua_setfield(L, -2, "quarry");
    lua_pop(L, 1);

    lua_createtable(L, argc - 2, 3);
    lua_pushliteral(L, "quarry");
    lua_rawseti(L, -2, -2);
    lua_pushliteral(L, "lua");
    lua_rawseti(L, -2, -1);
    for (int i = 1; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - 1);
    }
    lua_setglobal(L, "arg");

    lua_pushcfunction(L, traceback);
    int rc = luaL_loadfile(L, strcmp(script, "-") == 0 ? NULL : script);
    if (rc != LUA_OK) {
        fprintf(stderr, "quarry lua: %s\n", lua_tostring(L, -1));
        lua_close(L);
        return rc == LUA_ERRFILE ? 2 : 1;
    }
    for (int i = 2; i < argc; i++)
        lua_pushstring(L, argv[i]);
    rc = lua_pcall(L, argc - 2, 0, 1);
    if (rc != LUA_OK)
        fprintf(stderr, "quarry lua: %s\n", lua_tostring(L, -1));
    lua_close(L);
    fflush(stdout);
    return rc == LUA_OK ? 0 : 1;
}
