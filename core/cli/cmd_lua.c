/* quarry lua SCRIPT [ARGS…]: runs a Lua 5.4 script with `quarry` preloaded,
 * `arg` set as the stock lua5.4 interpreter sets it.
 *
 * Ctrl-C (or SIGTERM) stops the script as lua5.4 does, with the error
 * "interrupted!" at its next instruction (a hook), and a run it started
 * (p:run) stops cleanly first: its exports remove their temporary files,
 * and p:run raises "interrupted after N records; …". A second Ctrl-C
 * kills. */
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
               "Ctrl-C (or SIGTERM) stops the script with the error \"interrupted!\", as\n"
               "lua5.4 does; a run it started (p:run) stops first, cleanly: no output file\n"
               "is published, no temporary file is left. A second Ctrl-C kills.\n"
               "Exit status: 0, 1 if the script raised an error, 2 if it cannot be read,\n"
               "130 if Ctrl-C (143 if SIGTERM) stopped it.\n");
}

/* The script's state, for the signal handler: set while the script runs. */
static lua_State *volatile script_state;

static void stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

/* From the signal handler, on the main thread (lua_sethook may be called
 * asynchronously: it is how lua.c stops a script). */
static void stop_script(void)
{
    lua_State *L = script_state;
    if (L)
        lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
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
    /* os.exit closes the state unless told not to: pipelines are freed,
     * and an export's temporary file with them (never left behind) */
    if (luaL_dostring(L, "local exit = os.exit\n"
                         "os.exit = function(code, close)\n"
                         "  if close == nil then close = true end\n"
                         "  return exit(code, close)\n"
                         "end") != LUA_OK)
        lua_pop(L, 1);
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
    lq_set_run_stop(L, cli_cancel_flag(), cli_interrupt_worker, NULL);
    script_state = L;
    cli_catch_interrupts(stop_script);
    rc = lua_pcall(L, argc - 2, 0, 1);
    cli_release_interrupts();
    script_state = NULL;
    int sig = cli_interrupt_signal();
    if (rc != LUA_OK)
        fprintf(stderr, "quarry lua: %s\n", lua_tostring(L, -1));
    lua_close(L);
    fflush(stdout);
    return rc == LUA_OK ? 0 : sig ? 128 + sig : 1;
}
