#!/bin/sh
# Keeps the documentation honest:
# - docs/steps.md is exactly what `quarry steps --markdown` prints;
# - every shell example written `$ command` in README.md and docs/*.md that
#   shows its output (or writes a file with `>` for a later example) is run,
#   and prints what the page shows (a last line `...` means "abridged": only
#   the lines above it are compared);
# - the ```lua blocks of docs/lua.md, matching.md and modules.md print what
#   their `-->` comments show, and README's Lua example runs;
# - the lines of the `make demo` output in README and docs/news.md are what
#   mk/demo.sh prints;
# - README's documentation table lists every page in docs/, and every page
#   linked from the docs exists.
. tests/cli/lib.sh
root=$PWD

"$Q" steps --markdown > "$T/steps.md"
check "docs/steps.md is 'quarry steps --markdown' (regenerate: build/quarry steps --markdown > docs/steps.md)" \
    "" "$(diff docs/steps.md "$T/steps.md")"

# Examples run in a scratch folder where `quarry` and `build/quarry` are the
# binary under test and samples/, pipelines/ are the repository's.
mkdir -p "$T/bin" "$T/run/build"
ln -s "$Q" "$T/bin/quarry"
ln -s "$Q" "$T/run/build/quarry"
ln -s "$root/samples" "$T/run/samples"
cp -R "$root/pipelines" "$T/run/pipelines"    # a copy: their ../out/ outputs land in $T

# Prints the examples of a Markdown file as lines "CMD<TAB>command" and
# "OUT<TAB>line", with the indentation of their fenced block removed.
examples() {
    awk '
    /^ *```/ {
        if (!inblock) { inblock = 1; match($0, /^ */); ind = RLENGTH; has = 0 }
        else { inblock = 0; if (has) print "END\t" }
        next
    }
    inblock {
        line = substr($0, ind + 1)
        if (line ~ /^\$ /) { print "CMD\t" substr(line, 3); has = 1 }
        else if (has && line != "") print "OUT\t" line
    }' "$1"
}

# run_example FILE COMMAND EXPECTED
run_example() {
    cmd=$2
    case "$cmd" in make\ *) return ;; esac
    case "$cmd" in *" > "*) ;; *) [ -n "$3" ] || return ;; esac
    actual=$(cd "$T/run" && PATH="$T/bin:$PATH" sh -c "$cmd" 2>&1)
    expected=$3
    if [ "$(printf '%s\n' "$expected" | tail -n 1)" = "..." ]; then
        n=$(($(printf '%s\n' "$expected" | wc -l) - 1))
        expected=$(printf '%s\n' "$expected" | head -n "$n")
        actual=$(printf '%s\n' "$actual" | head -n "$n")
    fi
    check "$1: \$ $cmd" "$expected" "$actual"
}

n_examples=0
for f in README.md docs/*.md; do
    cmd=; out=
    examples "$f" > "$T/ex"
    tab=$(printf '\t')
    while IFS="$tab" read -r kind text; do
        case "$kind" in
        CMD|END)
            [ -n "$cmd" ] && { run_example "$f" "$cmd" "$out"; n_examples=$((n_examples + 1)); }
            cmd=$text; out= ;;
        OUT)
            if [ -z "$out" ]; then out=$text; else out="$out
$text"; fi ;;
        esac
    done < "$T/ex"
done
check "examples found in the docs" "yes" "$([ "$n_examples" -ge 10 ] && echo yes || echo "only $n_examples")"

# The ```lua blocks that show their output with `-->` comments print it
# (tests/cli/docs_examples.lua), and README's Lua example runs.
ln -s "$root/${BUILD:-build}/modules" "$T/run/build/modules"
printf 'New York\tGPE\tnyc\nParis\tCITY\n' > "$T/run/cities.tsv"
printf 'Kim Jong Un\nVladimir Putin\n' > "$T/run/people.txt"
for f in docs/lua.md docs/matching.md docs/modules.md; do
    out=$(cd "$T/run" && "$Q" lua "$root/tests/cli/docs_examples.lua" "$root/$f" 2>&1)
    check "$f: Lua examples print what their --> comments say" "" "$(printf '%s\n' "$out" | grep -v '^ok ')"
    check_contains "$f: Lua examples with --> comments found" "ok " "$out"
done
out=$(awk '/^```lua$/ { on = 1; next } on && /^```$/ { exit } on' README.md | (cd "$T/run" && "$Q" lua - 2>&1))
check "README's Lua example runs" "0" "$?"
check_contains "README's Lua example finds Pyongyang" "$(printf 'GPE\tPyongyang')" "$out"

# The `make demo` output shown in README and docs/news.md: every line (but the
# timing line and `...`) is a line that mk/demo.sh prints now.
demo=$(cd "$T/run" && QUARRY="$Q" sh "$root/mk/demo.sh" --set out=out/news 2>&1)
# check_demo FILE SHOWN
check_demo() {
    check "$1 shows the demo output" "yes" "$([ "$(printf '%s\n' "$2" | wc -l)" -gt 10 ] && echo yes)"
    missing=$(printf '%s\n' "$2" | grep -v -e '^ *\.\.\.$' -e 'MB/s' | while IFS= read -r line; do
        printf '%s\n' "$demo" | grep -qxF -- "$line" || printf '%s\n' "$line"
    done)
    check "$1: the demo lines it shows are printed by make demo" "" "$missing"
}
check_demo README.md "$(awk '/^`make demo` prints/ { on = 1 } on && /^```$/ { n++; if (n == 2) exit; next } on && n == 1' README.md)"
check_demo docs/news.md "$(awk '/^\$ make demo$/ { on = 1; next } on && /^```$/ { exit } on' docs/news.md)"

# README's documentation table names every page of docs/.
for page in docs/*.md; do
    check_contains "README lists $page" "\`$page\`" "$(cat README.md)"
done

# Relative Markdown links between pages point at existing files.
for f in README.md docs/*.md; do
    dir=$(dirname "$f")
    for target in $(grep -o '](\([A-Za-z0-9_./-]*\.md\)\(#[^)]*\)\?)' "$f" | sed 's/^](//; s/)$//; s/#.*//' | sort -u); do
        check "$f links to $target" "exists" "$([ -f "$dir/$target" ] && echo exists || echo missing)"
    done
done

done_suite docs
