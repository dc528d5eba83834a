#!/bin/sh
# Runs every suite; each prints "NAME: N passed, N failed". Exit 1 if any failed.
BUILD=${BUILD:-build}
export BUILD
status=0
cd "$(dirname "$0")/.."
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    "$t" || status=1
done
for t in tests/cli/test_*.sh; do
    [ -f "$t" ] || continue
    sh "$t" || status=1
done
# Under ASan the stock lua5.4 loads an instrumented quarry.so: the sanitizer
# runtimes must come first, and leaks inside the interpreter are not ours.
preload=
if [ -n "$QUARRY_ASAN" ]; then
    preload="$(${CC:-cc} -print-file-name=libasan.so) $(${CC:-cc} -print-file-name=libubsan.so)"
fi
if ls tests/lua/*_spec.lua >/dev/null 2>&1; then
    out=$(LD_PRELOAD="$preload" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
          LUA_CPATH="$BUILD/?.so;;" LUA_PATH="lua/?.lua;lua/?/init.lua;;" \
          QUARRY="$BUILD/quarry" lua5.4 /usr/bin/busted -o TAP tests/lua 2>&1)
    rc=$?
    ok=$(printf '%s\n' "$out" | grep -c '^ok ')
    notok=$(printf '%s\n' "$out" | grep -c '^not ok ')
    [ "$rc" -ne 0 ] && [ "$notok" -eq 0 ] && notok=1
    [ "$notok" -ne 0 ] && { printf '%s\n' "$out" | grep -A12 '^not ok' >&2; printf '%s\n' "$out" | tail -5 >&2; status=1; }
    echo "lua specs: $ok passed, $notok failed"
fi
if [ -x tests/golden/run.sh ]; then
    sh tests/golden/run.sh || status=1
fi
exit $status
