#!/bin/sh
# Installs the Debian packages quarry needs to build and test (make deps).
# As root it runs apt-get; otherwise it prints the command and fails.
set -e
PKGS="gcc g++ make pkg-config liblua5.4-dev lua5.4 libyaml-dev libpcre2-dev \
libutf8proc-dev libjansson-dev libsimdjson-dev libsqlite3-dev sqlite3 libstemmer-dev zlib1g-dev \
lua-busted chromium fonts-dejavu-core"
[ -n "$QUARRY_EXTRA_PKGS" ] && PKGS="$PKGS $QUARRY_EXTRA_PKGS"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
    echo "quarry: missing Debian packages:$missing" >&2
    echo "quarry: run as root:  apt-get update && $cmd" >&2
    exit 1
fi
echo "quarry: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 \
    || { apt-get update >/dev/null && $cmd >/dev/null; }
