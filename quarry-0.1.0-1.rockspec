-- Build and install the quarry Lua module with `luarocks make`.
-- Needs the Debian -dev packages listed in mk/deps.sh (run `make deps` as root).
rockspec_format = "3.0"
package = "quarry"
version = "0.1.0-1"
source = { url = "git+file:///dev/null" }
description = {
   summary = "Fast text mining: tokenizer, sentence splitter, gazetteer and regex matching, pipelines",
   detailed = [[
quarry's C core (UTF-8 tokenizer, sentence splitter, dictionary and PCRE2 entity
matching, YAML pipelines) exposed to Lua 5.4 as require "quarry".]],
   license = "MIT",
}
dependencies = { "lua >= 5.4, < 5.5" }
build = {
   type = "make",
   build_target = "lua-module",
   build_variables = { CFLAGS = "$(CFLAGS)" },
   install_target = "install-lua",
   install_variables = { LUA_LIBDIR = "$(LIBDIR)" },
}
