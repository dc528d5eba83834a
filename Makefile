# quarry — build, test, install.  `make help` lists the targets.

PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc
CXX     ?= c++
PKGS     = yaml-0.1 libpcre2-8 libutf8proc jansson simdjson sqlite3 zlib
LUA_PC   = lua5.4
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
SAN     ?=
QR_CFLAGS  = -std=c11 -Wall -Wextra -fPIC -D_GNU_SOURCE -Iinclude -Icore -Ilua -I$(BUILD)/gen \
             $(shell pkg-config --cflags $(PKGS) $(LUA_PC) 2>/dev/null) $(SAN)
# simdjson is C++: the one C++ file (core/io/jsonl_fast.cpp) needs its runtime.
QR_CXXFLAGS = -std=c++17 -Wall -Wextra -fPIC -D_GNU_SOURCE -Iinclude -Icore \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(SAN)
DEP_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lstemmer -lstdc++ -lpthread -lm -ldl
LUA_LIBS   = $(shell pkg-config --libs $(LUA_PC) 2>/dev/null)
VERSION    = $(shell sed -n 's/^#define QR_VERSION "\(.*\)"/\1/p' core/version.h)

CORE_SRC = $(sort $(wildcard core/*.c core/*/*.c))
CORE_SRC := $(filter-out core/cli/%,$(CORE_SRC))
CLI_SRC  = $(wildcard core/cli/*.c)
LUA_SRC  = $(wildcard lua/*.c)
CORE_CXX = $(sort $(wildcard core/*.cpp core/*/*.cpp))
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(CORE_CXX:%.cpp=$(BUILD)/obj/%.o)
CLI_OBJ  = $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
LUA_OBJ  = $(LUA_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC = $(wildcard tests/c/test_*.c)
TEST_BIN = $(TEST_SRC:tests/c/%.c=$(BUILD)/tests/%)
MOD_DIRS = $(wildcard samples/modules/*/)
MOD_SO   = $(foreach d,$(MOD_DIRS),$(BUILD)/modules/$(notdir $(d:/=)).so)
TMOD_SRC = $(wildcard tests/modules/*.c)
TMOD_SO  = $(TMOD_SRC:tests/modules/%.c=$(BUILD)/tests/modules/%.so)

.PHONY: all deps demo test check-asan install modules clean help bench lua-module install-lua
all: $(BUILD)/libquarry.a $(BUILD)/quarry $(BUILD)/quarry.so modules

help:
	@echo "make            build build/libquarry.a, build/quarry, build/quarry.so, modules"
	@echo "make deps       install missing Debian packages (apt-get, as root)"
	@echo "make demo       build and run the main job on samples/news/"
	@echo "make test       build and run every test suite"
	@echo "make check-asan run the tests under AddressSanitizer + UBSan"
	@echo "make install PREFIX=/usr/local   install CLI, library, headers, Lua module, pkg-config"
	@echo "make bench      run the benchmarks (fetches data; takes minutes)"

deps:
	@sh mk/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QR_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CFLAGS) $(QR_CXXFLAGS) -MMD -MP -c $< -o $@

# The tokenizer's table of single-character keys, made with the utf8proc it
# links (mk/gen_keytab.c says why).
$(BUILD)/gen/keytab.h: mk/gen_keytab.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 $(shell pkg-config --cflags libutf8proc 2>/dev/null) -o $(BUILD)/gen/gen_keytab $< \
	    $(shell pkg-config --libs libutf8proc 2>/dev/null)
	$(BUILD)/gen/gen_keytab > $@.tmp
	@mv -f $@.tmp $@

$(BUILD)/obj/core/tokenize.o: $(BUILD)/gen/keytab.h

# Built under a temporary name and renamed, so a concurrent link never sees half an archive.
$(BUILD)/libquarry.a: $(CORE_OBJ)
	@rm -f $@.tmp
	ar rcs $@.tmp $^
	@mv -f $@.tmp $@

$(BUILD)/quarry: $(CLI_OBJ) $(LUA_OBJ) $(BUILD)/libquarry.a
	$(CC) $(CFLAGS) $(SAN) -o $@ $(CLI_OBJ) $(LUA_OBJ) $(BUILD)/libquarry.a $(LUA_LIBS) $(DEP_LIBS)

# The Lua module must not link liblua: the interpreter that loads it provides it.
$(BUILD)/quarry.so: $(LUA_OBJ) $(BUILD)/libquarry.a
	$(CC) $(CFLAGS) $(SAN) -shared -o $@ $(LUA_OBJ) $(BUILD)/libquarry.a $(DEP_LIBS)

modules: $(MOD_SO)

$(BUILD)/modules/%.so: samples/modules/%/*.c include/quarry_module.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QR_CFLAGS) -shared -o $@ $(filter %.c,$^)

$(BUILD)/tests/modules/%.so: tests/modules/%.c include/quarry_module.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QR_CFLAGS) -shared -o $@ $<

$(BUILD)/tests/%: tests/c/%.c tests/c/check.h $(BUILD)/libquarry.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(QR_CFLAGS) -Itests/c -o $@ $< $(BUILD)/libquarry.a $(DEP_LIBS)

test: deps
	@$(MAKE) --no-print-directory all $(TEST_BIN) $(TMOD_SO)
	@BUILD=$(BUILD) sh tests/run.sh

check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    all $(TEST_BIN:$(BUILD)/%=build-asan/%) $(TMOD_SO:$(BUILD)/%=build-asan/%)
	@ASAN_OPTIONS=detect_leaks=1 BUILD=build-asan QUARRY_ASAN=1 sh tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@sh mk/demo.sh $(ARGS)

bench: all
	@sh bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/include/quarry $(DESTDIR)$(PREFIX)/lib/lua/5.4
	install -m 755 $(BUILD)/quarry $(DESTDIR)$(PREFIX)/bin/quarry
	install -m 644 $(BUILD)/libquarry.a $(DESTDIR)$(PREFIX)/lib/libquarry.a
	install -m 644 include/quarry_module.h $(DESTDIR)$(PREFIX)/include/quarry_module.h
	install -m 644 core/*.h $(DESTDIR)$(PREFIX)/include/quarry/
	install -m 755 $(BUILD)/quarry.so $(DESTDIR)$(PREFIX)/lib/lua/5.4/quarry.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@REQUIRES@|$(PKGS)|g' mk/quarry.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/quarry.pc

# For luarocks (quarry-*.rockspec): build and install only the Lua module.
lua-module: $(BUILD)/quarry.so

install-lua: lua-module
	install -d $(DESTDIR)$(LUA_LIBDIR)
	install -m 755 $(BUILD)/quarry.so $(DESTDIR)$(LUA_LIBDIR)/quarry.so

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
