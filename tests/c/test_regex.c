/* Tests for core/regex: spans, groups, flags, UCP, errors, limits, threads. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "error.h"
#include "regex.h"

/* A set of one pattern; NULL with err filled when the add fails. */
static qr_regex_set *one(const char *label, const char *pattern, const char *group,
                         unsigned flags, const qr_regex_limits *limits, qr_error *err)
{
    qr_regex_set *set = qr_regex_set_new(limits, err);
    qr_regex_def d = { label, pattern, (size_t)-1, group, flags };
    if (qr_regex_set_add(set, &d, err) < 0) {
        qr_regex_set_free(set);
        return NULL;
    }
    return set;
}

/* Matches and renders the spans as "start-end:label/pattern ..." */
static char out[4096];
static char err_msg[1024];
static int64_t err_offset;

static const char *run(const qr_regex_set *set, const char *text, size_t len, unsigned mflags)
{
    qr_error err;
    qr_error_clear(&err);
    qr_regex_scratch *s = qr_regex_scratch_new(set, &err);
    qr_regex_spans spans;
    qr_regex_spans_init(&spans);
    int rc = qr_regex_set_match_all(set, s, text, len, mflags, &spans, &err);
    out[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < spans.n && used < sizeof out - 64; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%zu-%zu:%s/%u",
                                 i ? " " : "", spans.v[i].start, spans.v[i].end,
                                 spans.v[i].label, spans.v[i].pattern);
    snprintf(err_msg, sizeof err_msg, "%s", rc < 0 ? err.message : "");
    err_offset = rc < 0 ? err.offset : -2;
    qr_regex_spans_free(&spans);
    qr_regex_scratch_free(s);
    return out;
}

static const char *match1(const char *pattern, const char *group, unsigned flags,
                          const char *text)
{
    qr_error err;
    qr_error_clear(&err);
    qr_regex_set *set = one("R", pattern, group, flags, NULL, &err);
    if (!set) {
        snprintf(out, sizeof out, "ERROR %s", err.message);
        return out;
    }
    run(set, text, strlen(text), 0);
    qr_regex_set_free(set);
    return out;
}

static const char *add_error(const char *label, const char *pattern, const char *group)
{
    qr_error err;
    qr_error_clear(&err);
    qr_regex_set *set = one(label, pattern, group, 0, NULL, &err);
    if (set) {
        qr_regex_set_free(set);
        return "(no error)";
    }
    snprintf(err_msg, sizeof err_msg, "%s", err.message);
    err_offset = err.offset;
    return err_msg;
}

static void test_spans(void)
{
    CHECK_EQ_STR(match1("\\b(?:19|20)\\d\\d\\b", NULL, 0, "In 1999 and 2024, not 3000 or 19999."),
                 "3-7:R/0 12-16:R/0");
    CHECK_EQ_STR(match1("\\d+", NULL, 0, "no digits"), "");
    CHECK_EQ_STR(match1("\\d+", NULL, 0, ""), "");
    /* non-overlapping within one pattern: the search resumes after a match */
    CHECK_EQ_STR(match1("aa", NULL, 0, "aaaaa"), "0-2:R/0 2-4:R/0");
    /* lookbehind sees the text before the resume point */
    CHECK_EQ_STR(match1("(?<=\\$)\\d+", NULL, 0, "$12 and 7 and $3"), "1-3:R/0 15-16:R/0");
    /* a span may end at the very end of the text */
    CHECK_EQ_STR(match1("\\w+$", NULL, 0, "one two"), "4-7:R/0");
}

static void test_groups(void)
{
    const char *text = "paid 12 USD, then 7 EUR and 30 USD";
    CHECK_EQ_STR(match1("(\\d+) (USD|EUR)", "1", 0, text), "5-7:R/0 18-19:R/0 28-30:R/0");
    CHECK_EQ_STR(match1("(\\d+) (USD|EUR)", "2", 0, text), "8-11:R/0 20-23:R/0 31-34:R/0");
    CHECK_EQ_STR(match1("(\\d+) (USD|EUR)", "0", 0, text), "5-11:R/0 18-23:R/0 28-34:R/0");
    CHECK_EQ_STR(match1("(?<amount>\\d+) USD", "amount", 0, text), "5-7:R/0 28-30:R/0");
    /* a match whose group did not take part gives no span */
    CHECK_EQ_STR(match1("(a)|b", "1", 0, "bab"), "1-2:R/0");
    /* a group in a lookahead: overlapping spans from empty matches */
    CHECK_EQ_STR(match1("(?=(\\d\\d))", "1", 0, "x1234"), "1-3:R/0 2-4:R/0 3-5:R/0");

    CHECK_EQ_STR(add_error("MONEY", "(\\d+) USD", "2"),
                 "regex 'MONEY': group 2 does not exist; the pattern has 1 capture group");
    CHECK_EQ_STR(add_error("MONEY", "\\d+", "1"),
                 "regex 'MONEY': group 1 does not exist; the pattern has 0 capture groups");
    CHECK_EQ_STR(add_error("MONEY", "(?<amount>\\d+)", "amt"),
                 "regex 'MONEY': no group named 'amt' in the pattern; name a group with "
                 "(?<amt>...) or give its number");
    CHECK_EQ_STR(add_error("MONEY", "(?J)(?<n>\\d+)|(?<n>x)", "n"),
                 "regex 'MONEY': the group name 'n' is used more than once; give the "
                 "group's number instead");
}

static void test_flags(void)
{
    CHECK_EQ_STR(match1("paris", NULL, 0, "PARIS Paris paris"), "12-17:R/0");
    CHECK_EQ_STR(match1("paris", NULL, QR_RE_CASELESS, "PARIS Paris paris"),
                 "0-5:R/0 6-11:R/0 12-17:R/0");
    /* caseless beyond ASCII: Ö/ö and Σ/σ/ς */
    CHECK_EQ_STR(match1("köln", NULL, QR_RE_CASELESS, "KÖLN"), "0-5:R/0");
    CHECK_EQ_STR(match1("σοφία", NULL, QR_RE_CASELESS, "ΣΟΦΊΑ"), "0-10:R/0");
    CHECK_EQ_STR(match1("^\\w+", NULL, 0, "one\ntwo"), "0-3:R/0");
    CHECK_EQ_STR(match1("^\\w+", NULL, QR_RE_MULTILINE, "one\ntwo"), "0-3:R/0 4-7:R/0");
    CHECK_EQ_STR(match1("\\w+$", NULL, QR_RE_MULTILINE, "one\ntwo"), "0-3:R/0 4-7:R/0");
    CHECK_EQ_STR(match1("a.b", NULL, 0, "a\nb a-b"), "4-7:R/0");
    CHECK_EQ_STR(match1("a.b", NULL, QR_RE_DOTALL, "a\nb a-b"), "0-3:R/0 4-7:R/0");
    CHECK_EQ_STR(match1("\\d+  # the digits\n - \\d+", NULL, QR_RE_EXTENDED, "tel 555-1234"),
                 "4-12:R/0");
    CHECK_EQ_STR(match1("<.+>", NULL, 0, "<a><b>"), "0-6:R/0");
    CHECK_EQ_STR(match1("<.+>", NULL, QR_RE_UNGREEDY, "<a><b>"), "0-3:R/0 3-6:R/0");
    /* inline options work too */
    CHECK_EQ_STR(match1("(?i)paris", NULL, 0, "PARIS"), "0-5:R/0");

    unsigned f = 0;
    qr_error err;
    qr_error_clear(&err);
    CHECK_EQ_INT(qr_regex_parse_flags("im", &f, &err), 0);
    CHECK_EQ_INT(f, QR_RE_CASELESS | QR_RE_MULTILINE);
    f = 0;
    CHECK_EQ_INT(qr_regex_parse_flags("caseless, dotall extended", &f, &err), 0);
    CHECK_EQ_INT(f, QR_RE_CASELESS | QR_RE_DOTALL | QR_RE_EXTENDED);
    f = 0;
    CHECK_EQ_INT(qr_regex_parse_flags("sxU", &f, &err), 0);
    CHECK_EQ_INT(f, QR_RE_DOTALL | QR_RE_EXTENDED | QR_RE_UNGREEDY);
    f = 0;
    CHECK_EQ_INT(qr_regex_parse_flags("no_ucp,ucp", &f, &err), 0);
    CHECK_EQ_INT(f, QR_RE_NO_UCP);
    f = 0;
    CHECK_EQ_INT(qr_regex_parse_flags("", &f, &err), 0);
    CHECK_EQ_INT(f, 0);
    CHECK_EQ_INT(qr_regex_parse_flags("caseless,global", &f, &err), -1);
    CHECK_EQ_STR(err.message, "unknown regex flag 'global'; use caseless, multiline, dotall, "
                 "extended, ungreedy, no_ucp, or letters imsxU");
}

static void test_ucp(void)
{
    /* "Grüße" is 7 bytes, "Köln" 5, "東京" 6 */
    const char *text = "Grüße, Köln 東京!";
    CHECK_EQ_STR(match1("\\w+", NULL, 0, text), "0-7:R/0 9-14:R/0 15-21:R/0");
    CHECK_EQ_STR(match1("\\w+", NULL, QR_RE_NO_UCP, text), "0-2:R/0 6-7:R/0 9-10:R/0 12-14:R/0");
    /* \b around non-ASCII letters: "XKöln" is one word, so only the second Köln */
    CHECK_EQ_STR(match1("\\bKöln\\b", NULL, 0, "XKöln Köln Kölner"), "7-12:R/0");
    CHECK_EQ_STR(match1("\\bKöln\\b", NULL, QR_RE_NO_UCP, "XKöln Köln Kölner"), "7-12:R/0");
    /* without UCP, ö is not a word character: a "boundary" inside the word */
    CHECK_EQ_STR(match1("\\bö", NULL, QR_RE_NO_UCP, "Köln"), "1-3:R/0");
    CHECK_EQ_STR(match1("\\bö", NULL, 0, "Köln"), "");
    CHECK_EQ_STR(match1("\\bl", NULL, QR_RE_NO_UCP, "Köln"), "3-4:R/0");
    CHECK_EQ_STR(match1("\\bl", NULL, 0, "Köln"), "");
    CHECK_EQ_STR(match1("\\d+", NULL, 0, "٣٤ and 12"), "0-4:R/0 9-11:R/0");
    CHECK_EQ_STR(match1("\\p{Lu}\\p{Ll}+", NULL, 0, "über Ärger"), "6-12:R/0");
    /* a dot is one character, not one byte */
    CHECK_EQ_STR(match1("K.ln", NULL, 0, "Köln"), "0-5:R/0");
}

static void test_bad_pattern(void)
{
    CHECK_EQ_STR(add_error("MONEY", "\\$ (\\d+", NULL),
                 "regex 'MONEY': missing closing parenthesis at pattern offset 7");
    CHECK_EQ_INT(err_offset, 7);
    CHECK_EQ_STR(add_error("YEAR", "\\d{4", NULL), "(no error)"); /* a literal "{4" */
    CHECK_EQ_STR(add_error("YEAR", "[0-9", NULL),
                 "regex 'YEAR': missing terminating ] for character class at pattern offset 4");
    CHECK_EQ_STR(add_error("YEAR", "a**", NULL),
                 "regex 'YEAR': quantifier does not follow a repeatable item at pattern offset 2");
    /* \C could split a UTF-8 character; it is refused */
    CHECK_EQ_STR(add_error("BYTE", "a\\Cb", NULL),
                 "regex 'BYTE': using \\C is disabled by the application at pattern offset 3");
    CHECK_EQ_STR(add_error("", "a", NULL),
                 "regex pattern 1 has no label; give every pattern a label");
    CHECK_EQ_STR(add_error(NULL, "a", NULL),
                 "regex pattern 1 has no label; give every pattern a label");
    CHECK_EQ_STR(add_error("X", NULL, NULL), "regex 'X': no pattern given");

    /* a failed add leaves the set usable and unchanged */
    qr_error err;
    qr_error_clear(&err);
    qr_regex_set *set = one("A", "a", NULL, 0, NULL, &err);
    qr_regex_def bad = { "B", "(", (size_t)-1, NULL, 0 };
    CHECK_EQ_INT(qr_regex_set_add(set, &bad, &err), -1);
    CHECK_EQ_STR(err.message, "regex 'B': missing closing parenthesis at pattern offset 1");
    qr_regex_def good = { "C", "c", (size_t)-1, NULL, 0 };
    CHECK_EQ_INT(qr_regex_set_add(set, &good, &err), 1);
    CHECK_EQ_INT(qr_regex_set_count(set), 2);
    CHECK_EQ_STR(qr_regex_set_label(set, 1), "C");
    CHECK(qr_regex_set_label(set, 2) == NULL);
    CHECK_EQ_STR(run(set, "cab", 3, 0), "0-1:C/1 1-2:A/0");
    qr_regex_set_free(set);

    /* pattern_len: a pattern with an embedded NUL, and one cut short */
    set = qr_regex_set_new(NULL, &err);
    qr_regex_def nul = { "NUL", "a\0b", 3, NULL, 0 };
    qr_regex_def cut = { "CUT", "xyz", 2, NULL, 0 };
    CHECK_EQ_INT(qr_regex_set_add(set, &nul, &err), 0);
    CHECK_EQ_INT(qr_regex_set_add(set, &cut, &err), 1);
    CHECK_EQ_STR(run(set, "a\0b xyz", 7, 0), "0-3:NUL/0 4-6:CUT/1");
    qr_regex_set_free(set);
}

static char *repeat_a(size_t n, const char *prefix, const char *suffix)
{
    size_t p = strlen(prefix), s = strlen(suffix);
    char *t = malloc(p + n + s + 1);
    memcpy(t, prefix, p);
    memset(t + p, 'a', n);
    memcpy(t + p + n, suffix, s + 1);
    return t;
}

static void test_limits(void)
{
    qr_error err;
    qr_error_clear(&err);
    char *text = repeat_a(40, "", "b");
    qr_regex_set *set = one("YEAR", "(a+)+$", NULL, 0, NULL, &err);
    CHECK_EQ_STR(run(set, text, strlen(text), 0), "");
    CHECK_EQ_STR(err_msg, "regex YEAR: match limit exceeded at byte offset 0 in this document; "
                          "simplify the pattern or raise match_limit");
    CHECK_EQ_INT(err_offset, 0);
    qr_regex_set_free(set);
    free(text);

    /* the same with the interpreter; spans found before the failure are kept */
    text = repeat_a(40, "x x ", "b");
    set = one("YEAR", "(*NO_JIT)x|(a+)+$", NULL, 0, NULL, &err);
    CHECK_EQ_INT(qr_regex_set_jit(set, 0), 0);
    CHECK_EQ_STR(run(set, text, strlen(text), 0), "0-1:YEAR/0 2-3:YEAR/0");
    CHECK_EQ_STR(err_msg, "regex YEAR: match limit exceeded at byte offset 3 in this document; "
                          "simplify the pattern or raise match_limit");
    CHECK_EQ_INT(err_offset, 3);
    qr_regex_set_free(set);
    free(text);

    /* a raised limit lets a moderately hard search finish */
    text = repeat_a(14, "", "b");
    qr_regex_limits low = { .match_limit = 1000 };
    set = one("Y", "(a+)+$", NULL, 0, &low, &err);
    run(set, text, strlen(text), 0);
    CHECK_EQ_STR(err_msg, "regex Y: match limit exceeded at byte offset 0 in this document; "
                          "simplify the pattern or raise match_limit");
    qr_regex_set_free(set);
    qr_regex_limits high = { .match_limit = 100000000 };
    set = one("Y", "(a+)+$", NULL, 0, &high, &err);
    CHECK_EQ_STR(run(set, text, strlen(text), 0), "");
    CHECK_EQ_STR(err_msg, "");
    qr_regex_set_free(set);
    free(text);

    /* depth (interpreter) and JIT stack limits */
    text = repeat_a(20000, "", "");
    qr_regex_limits depth = { .depth_limit = 1000 };
    set = one("D", "(*NO_JIT)^(?:a|b)*\\d", NULL, 0, &depth, &err);
    run(set, text, strlen(text), 0);
    CHECK_EQ_STR(err_msg, "regex D: depth limit exceeded at byte offset 0 in this document; "
                          "simplify the pattern or raise depth_limit");
    qr_regex_set_free(set);
    qr_regex_limits heap = { .heap_limit_kb = 64 };
    set = one("H", "(*NO_JIT)^(?:a|b)*\\d", NULL, 0, &heap, &err);
    run(set, text, strlen(text), 0);
    CHECK_EQ_STR(err_msg, "regex H: heap limit exceeded at byte offset 0 in this document; "
                          "simplify the pattern or raise heap_limit");
    qr_regex_set_free(set);
    qr_regex_limits stack = { .jit_stack_kb = 64 };
    set = one("J", "^(?:a|b)*\\d", NULL, 0, &stack, &err);
    if (qr_regex_set_jit(set, 0)) {
        run(set, text, strlen(text), 0);
        CHECK_EQ_STR(err_msg, "regex J: JIT stack limit exceeded at byte offset 0 in this "
                              "document; simplify the pattern or raise jit_stack");
    }
    qr_regex_set_free(set);
    /* the defaults let this ordinary-looking search through */
    set = one("J", "^(?:a|b)*\\d", NULL, 0, NULL, &err);
    CHECK_EQ_STR(run(set, text, strlen(text), 0), "");
    CHECK_EQ_STR(err_msg, "");
    qr_regex_set_free(set);
    free(text);
}

static void test_empty_matches(void)
{
    /* b a a a € c a a: "€" is 3 bytes at 4..7 */
    CHECK_EQ_STR(match1("a*", NULL, 0, "baaa€caa"), "1-4:R/0 8-10:R/0");
    CHECK_EQ_STR(match1("\\d*", NULL, 0, "é1é22"), "2-3:R/0 5-7:R/0");
    CHECK_EQ_STR(match1("x*", NULL, 0, "ééé"), "");
    CHECK_EQ_STR(match1("", NULL, 0, "abc"), "");
    CHECK_EQ_STR(match1("\\b", NULL, 0, "a b"), "");
    /* lazy: each non-empty piece is found after skipping the empty one */
    CHECK_EQ_STR(match1("a*?", NULL, 0, "aa"), "0-1:R/0 1-2:R/0");
    /* an empty group inside a non-empty match */
    CHECK_EQ_STR(match1("x(y?)", "1", 0, "x xy"), "3-4:R/0");
}

static void test_invalid_utf8(void)
{
    /* PCRE2_MATCH_INVALID_UTF: an invalid sequence never matches and no
     * match crosses it; the matches around it keep exact byte offsets. */
    qr_error err;
    qr_error_clear(&err);
    qr_regex_set *set = one("W", "\\w+", NULL, 0, NULL, &err);
    CHECK_EQ_STR(run(set, "ab\xff" "cd", 5, 0), "0-2:W/0 3-5:W/0");
    CHECK_EQ_STR(err_msg, "");
    CHECK_EQ_INT(err_offset, -2);
    /* a truncated sequence at the end */
    CHECK_EQ_STR(run(set, "abc d\xc3", 6, 0), "0-3:W/0 4-5:W/0");
    CHECK_EQ_STR(err_msg, "");
    /* an overlong sequence at the start */
    CHECK_EQ_STR(run(set, "\xc0\x80 x", 4, 0), "3-4:W/0");
    CHECK_EQ_STR(err_msg, "");
    /* a stray continuation byte between two valid characters */
    CHECK_EQ_STR(run(set, "\xc3\xa9\x80\xc3\xa9", 5, 0), "0-2:W/0 3-5:W/0");
    /* the caller's flag changes nothing, even when it is wrong */
    CHECK_EQ_STR(run(set, "ab\xff" "cd", 5, QR_RE_TEXT_VALID_UTF8), "0-2:W/0 3-5:W/0");
    CHECK_EQ_STR(err_msg, "");
    /* valid text, with and without the caller's guarantee */
    CHECK_EQ_STR(run(set, "ab é", 5, 0), "0-2:W/0 3-5:W/0");
    CHECK_EQ_STR(run(set, "ab é", 5, QR_RE_TEXT_VALID_UTF8), "0-2:W/0 3-5:W/0");
    /* repaired text (U+FFFD) matches as any other text */
    CHECK_EQ_STR(run(set, "ab\xef\xbf\xbd" "cd", 7, 0), "0-2:W/0 5-7:W/0");
    qr_regex_set_free(set);
    /* dot, negated classes and empty-match steps stop at invalid bytes */
    CHECK_EQ_STR(match1(".+", NULL, 0, "ab\xfe" "cd"), "0-2:R/0 3-5:R/0");
    CHECK_EQ_STR(match1("[^x]+", NULL, 0, "a\xff\xfe" "b"), "0-1:R/0 3-4:R/0");
    CHECK_EQ_STR(match1("a*", NULL, 0, "\xff" "aa\xfe" "a"), "1-3:R/0 4-5:R/0");
    /* a lookbehind does not see through an invalid byte */
    CHECK_EQ_STR(match1("(?<=b)c", NULL, 0, "b\xff" "c bc"), "5-6:R/0");
    CHECK_EQ_STR(err_msg, "");
}

static int stop_after_one(void *ud, const qr_regex_span *span)
{
    (void)span;
    (*(int *)ud)++;
    return 1;
}

static void test_sets(void)
{
    qr_error err;
    qr_error_clear(&err);
    qr_regex_set *set = qr_regex_set_new(NULL, &err);
    qr_regex_def defs[] = {
        { "YEAR", "\\b(?:19|20)\\d\\d\\b", (size_t)-1, NULL, 0 },
        { "NUM", "\\d+", (size_t)-1, NULL, 0 },
        { "MONEY", "\\$(\\d+)", (size_t)-1, "1", 0 },
        { "CITY", "paris|köln", (size_t)-1, NULL, QR_RE_CASELESS },
    };
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(qr_regex_set_add(set, &defs[i], &err), i);
    CHECK_EQ_INT(qr_regex_set_count(set), 4);
    CHECK_EQ_STR(qr_regex_set_label(set, 2), "MONEY");
    /* same start: pattern order; overlaps between patterns are all reported */
    CHECK_EQ_STR(run(set, "In 1999 Paris paid $40 to KÖLN.", 31, 0),
                 "3-7:YEAR/0 3-7:NUM/1 8-13:CITY/3 20-22:NUM/1 20-22:MONEY/2 26-31:CITY/3");
    qr_regex_set_free(set);

    set = qr_regex_set_new(NULL, &err);
    qr_regex_def b = { "B", "b", (size_t)-1, NULL, 0 }, a = { "A", "a", (size_t)-1, NULL, 0 };
    qr_regex_set_add(set, &b, &err);
    qr_regex_set_add(set, &a, &err);
    CHECK_EQ_STR(run(set, "abab", 4, 0), "0-1:A/1 1-2:B/0 2-3:A/1 3-4:B/0");

    /* the callback can stop the search */
    qr_regex_scratch *s = qr_regex_scratch_new(set, &err);
    int calls = 0;
    CHECK_EQ_INT(qr_regex_set_match(set, s, "abab", 4, 0, stop_after_one, &calls, &err), 0);
    CHECK_EQ_INT(calls, 1);

    /* the result buffer is reused: n = 0 and match again */
    qr_regex_spans spans;
    qr_regex_spans_init(&spans);
    CHECK_EQ_INT(qr_regex_set_match_all(set, s, "abab", 4, 0, &spans, &err), 0);
    CHECK_EQ_INT(spans.n, 4);
    CHECK_EQ_INT(qr_regex_set_match_all(set, s, "ba", 2, 0, &spans, &err), 0);
    CHECK_EQ_INT(spans.n, 6);   /* appended */
    qr_regex_span *before = spans.v;
    spans.n = 0;
    CHECK_EQ_INT(qr_regex_set_match_all(set, s, "ba", 2, 0, &spans, &err), 0);
    CHECK_EQ_INT(spans.n, 2);
    CHECK(spans.v == before);
    CHECK_EQ_INT(spans.v[0].start, 0);
    CHECK_EQ_STR(spans.v[0].label, "B");
    CHECK_EQ_INT(spans.v[1].pattern, 1);
    qr_regex_spans_free(&spans);
    CHECK(spans.v == NULL && spans.n == 0);

    /* a scratch serves only the set (and the patterns) it was made for */
    qr_regex_set *other = one("O", "o", NULL, 0, NULL, &err);
    CHECK_EQ_INT(qr_regex_set_match(other, s, "o", 1, 0, stop_after_one, &calls, &err), -1);
    CHECK_EQ_STR(err.message, "regex: this scratch was made for another set (or before the "
                              "last pattern was added); make one per set and thread");
    qr_regex_set_add(set, &a, &err);
    CHECK_EQ_INT(qr_regex_set_match(set, s, "a", 1, 0, stop_after_one, &calls, &err), -1);
    qr_regex_scratch_free(s);
    qr_regex_set_free(other);
    qr_regex_set_free(set);

    /* an empty set matches nothing */
    set = qr_regex_set_new(NULL, &err);
    CHECK_EQ_STR(run(set, "abc", 3, 0), "");
    CHECK_EQ_STR(err_msg, "");
    qr_regex_set_free(set);
    qr_regex_set_free(NULL);
    qr_regex_scratch_free(NULL);
}

/* {==================================================================
 * Threads: one shared set, a scratch per thread, identical results.
 * =================================================================== */

typedef struct job {
    const qr_regex_set *set;
    const char *text;
    size_t len;
    qr_regex_spans spans;
    int rc;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    qr_error err;
    qr_regex_scratch *s = qr_regex_scratch_new(j->set, &err);
    j->rc = 0;
    for (int round = 0; round < 20 && j->rc == 0; round++) {
        j->spans.n = 0;
        j->rc = qr_regex_set_match_all(j->set, s, j->text, j->len, QR_RE_TEXT_VALID_UTF8,
                                       &j->spans, &err);
    }
    qr_regex_scratch_free(s);
    return NULL;
}

static void test_threads(void)
{
    qr_error err;
    qr_error_clear(&err);
    qr_regex_set *set = qr_regex_set_new(NULL, &err);
    qr_regex_def defs[] = {
        { "YEAR", "\\b(?:19|20)\\d\\d\\b", (size_t)-1, NULL, 0 },
        { "CAP", "\\b\\p{Lu}\\w+", (size_t)-1, NULL, 0 },
        { "ET", "(?<w>\\w+) et", (size_t)-1, "w", QR_RE_CASELESS },
    };
    for (int i = 0; i < 3; i++)
        qr_regex_set_add(set, &defs[i], &err);
    const char *para = "Köln et Paris, 1999 und 2024; Ärger et al. x ";
    size_t plen = strlen(para), reps = 2000;
    char *text = malloc(plen * reps + 1);
    for (size_t i = 0; i < reps; i++)
        memcpy(text + i * plen, para, plen);
    text[plen * reps] = '\0';

    job jobs[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        jobs[i] = (job){ set, text, plen * reps, { NULL, 0, 0 }, -1 };
        pthread_create(&th[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ_INT(jobs[0].rc, 0);
    CHECK_EQ_INT(jobs[1].rc, 0);
    /* per paragraph: Köln, Köln(ET), Paris, 1999, 2024, Ärger, Ärger(ET) */
    CHECK_EQ_INT(jobs[0].spans.n, 7 * reps);
    CHECK_EQ_INT(jobs[1].spans.n, jobs[0].spans.n);
    size_t same = 0;
    for (size_t i = 0; i < jobs[0].spans.n && i < jobs[1].spans.n; i++) {
        const qr_regex_span *x = &jobs[0].spans.v[i], *y = &jobs[1].spans.v[i];
        same += x->start == y->start && x->end == y->end && x->label == y->label &&
                x->pattern == y->pattern;
    }
    CHECK_EQ_INT(same, 7 * reps);
    const char *first = run(set, text, plen, 0);
    CHECK_EQ_STR(first, "0-5:CAP/1 0-5:ET/2 9-14:CAP/1 16-20:YEAR/0 25-29:YEAR/0 "
                        "31-37:CAP/1 31-37:ET/2");
    qr_regex_span last = jobs[1].spans.v[jobs[1].spans.n - 1];
    CHECK_EQ_INT(last.start, plen * (reps - 1) + 31);
    CHECK_EQ_STR(last.label, "ET");
    for (int i = 0; i < 2; i++)
        qr_regex_spans_free(&jobs[i].spans);
    free(text);
    qr_regex_set_free(set);
}

/* }================================================================== */

int main(void)
{
    test_spans();
    test_groups();
    test_flags();
    test_ucp();
    test_bad_pattern();
    test_limits();
    test_empty_matches();
    test_invalid_utf8();
    test_sets();
    test_threads();
    return DONE("regex");
}
