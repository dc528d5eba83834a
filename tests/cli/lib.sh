# Shared helpers for CLI tests. Source it, call the checks, end with `done_suite NAME`.
# $Q is the quarry binary; $T a fresh scratch folder.
Q=${Q:-$PWD/${BUILD:-build}/quarry}
T=$(mktemp -d "${TMPDIR:-/tmp}/quarry-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
passed=0; failed=0

# check NAME EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then passed=$((passed+1)); else failed=$((failed+1))
        printf '%s: FAILED %s\n--- expected\n%s\n--- actual\n%s\n' "$0" "$1" "$2" "$3" >&2; fi
}
# check_contains NAME NEEDLE HAYSTACK
check_contains() {
    case "$3" in *"$2"*) passed=$((passed+1));; *) failed=$((failed+1))
        printf '%s: FAILED %s\n--- expected to contain\n%s\n--- actual\n%s\n' "$0" "$1" "$2" "$3" >&2;; esac
}
done_suite() {
    echo "$1: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
