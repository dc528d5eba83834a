/* error: qr_error_set/at/format, and long messages keeping both ends. */
#include "check.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
    qr_error err;
    qr_error_clear(&err);
    CHECK_EQ_INT(qr_error_set(&err, "bad %s at %d", "thing", 3), -1);
    CHECK_EQ_STR(err.message, "bad thing at 3");
    qr_error_at(&err, "p.yaml", 4, 7, "unknown step '%s'", "tokenise");
    char b[2048];
    CHECK_EQ_STR(qr_error_format(&err, b, sizeof b), "p.yaml:4:7: unknown step 'tokenise'");
    err.col = 0;
    CHECK_EQ_STR(qr_error_format(&err, b, sizeof b), "p.yaml:4: unknown step 'tokenise'");
    err.line = 0;
    CHECK_EQ_STR(qr_error_format(&err, b, sizeof b), "p.yaml: unknown step 'tokenise'");
    CHECK_EQ_INT(qr_error_set(NULL, "x"), -1);

    /* A long echoed input keeps the start (what) and the end (what to do). */
    char *phrase = malloc(5001);
    memset(phrase, 'x', 5000);
    phrase[5000] = '\0';
    qr_error_set(&err, "no label for \"%s\": add a label column", phrase);
    size_t n = strlen(err.message);
    CHECK_EQ_INT(n, sizeof err.message - 1);
    CHECK(strncmp(err.message, "no label for \"xxx", 17) == 0);
    CHECK(strstr(err.message, "x...x") != NULL);
    const char *hint = "x\": add a label column";
    CHECK_EQ_STR(err.message + n - strlen(hint), hint);
    /* cuts never split a UTF-8 sequence */
    for (int i = 0; i < 2500; i++)
        memcpy(phrase + 2 * i, "\xC3\xA9", 2);
    qr_error_set(&err, "[%s] do this", phrase);
    n = strlen(err.message);
    CHECK(strcmp(err.message + n - 8, " do this") == 0);
    const char *dots = strstr(err.message, "...");
    CHECK(dots != NULL);
    if (dots) {
        CHECK((unsigned char)dots[-1] == 0xA9);       /* head ends after a whole é */
        CHECK((unsigned char)dots[3] == 0xC3);        /* tail starts at a whole é */
    }
    /* the message may be an argument of its own update */
    qr_error_set(&err, "inner");
    qr_error_set(&err, "step 'x': %s", err.message);
    CHECK_EQ_STR(err.message, "step 'x': inner");
    /* one line: control characters from echoed input become escapes */
    qr_error_set(&err, "no column \"text\" (columns: id\r, a\tb, c\nd, \x01); set it");
    CHECK_EQ_STR(err.message, "no column \"text\" (columns: id\\r, a\\tb, c\\nd, \\x01); set it");
    /* bytes that are not UTF-8 too: the message must fit a JSON string */
    qr_error_set(&err, "no label for \"caf\xE9\" (\xC3\xA9t\xC3\xA9 ok, cut \xE2\x82, \xFF)");
    CHECK_EQ_STR(err.message, "no label for \"caf\\xE9\" (\xC3\xA9t\xC3\xA9 ok, cut \\xE2\\x82, \\xFF)");
    qr_error_set(&err, "emoji \xF0\x9F\x98\x80 ok, end cut \xF0\x9F");
    CHECK_EQ_STR(err.message, "emoji \xF0\x9F\x98\x80 ok, end cut \\xF0\\x9F");
    memset(phrase, '\n', 2000);
    phrase[2000] = '\0';
    qr_error_set(&err, "%s", phrase);
    CHECK_EQ_INT(strlen(err.message), 1022);
    CHECK(strncmp(err.message, "\\n\\n", 4) == 0);
    free(phrase);
    return DONE("error");
}
