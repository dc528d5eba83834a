/* The clean step: each option, exact resulting text, error messages. */
#include "check.h"
#include "doc.h"
#include "error.h"
#include "value.h"

#include <stdlib.h>
#include <string.h>

extern const qr_step_def qr_step_clean_def;

static qr_value *drop_list(const char *const *pats)
{
    qr_value *l = qr_value_new_list();
    for (int i = 0; pats[i]; i++) {
        qr_value *s = qr_value_new_string(pats[i]);
        qr_value_set_mark(s, "p.yaml", 4, 10 + i);
        qr_value_list_push(l, s);
    }
    return l;
}

/* opts: "key=value"; true/false -> bool, digits -> int. */
static qr_value *opts(const char *const *kv, qr_value *drop)
{
    qr_value *m = qr_value_new_map();
    for (; kv && *kv; kv++) {
        const char *eq = strchr(*kv, '=');
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(eq - *kv), *kv);
        const char *v = eq + 1;
        qr_value *x;
        if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
            x = qr_value_new_bool(v[0] == 't');
        else if ((v[0] >= '0' && v[0] <= '9') || v[0] == '-')
            x = qr_value_new_int(atoi(v));
        else
            x = qr_value_new_string(v);
        qr_value_set_mark(x, "p.yaml", 3, 5);
        qr_value_map_set(m, key, x);
    }
    if (drop)
        qr_value_map_set(m, "drop_lines", drop);
    return m;
}

static char result[8192];
static qr_error err;

/* Cleans text with the options; returns the new text or "ERR message". */
static const char *clean(qr_value *o, const char *text, int *repaired)
{
    qr_error_clear(&err);
    void *st = qr_step_clean_def.init(NULL, o, NULL, &err);
    qr_value_free(o);
    if (!st) {
        snprintf(result, sizeof result, "ERR %s", qr_error_format(&err, result + 4000, 4000));
        return result;
    }
    void *t = qr_step_clean_def.thread_init(st, &err);
    qr_doc *d = qr_doc_new();
    qr_doc_set_id(d, "doc1", &err);
    qr_doc_set_text(d, text, strlen(text), &err);
    int rc = qr_step_clean_def.process(st, t, d, &err);
    if (rc == 0)
        snprintf(result, sizeof result, "%.*s", (int)d->len, d->text);
    else
        snprintf(result, sizeof result, "ERR %s", err.message);
    if (repaired)
        *repaired = d->n_repaired;
    qr_doc_free(d);
    qr_step_clean_def.thread_free(st, t);
    qr_step_clean_def.free(st);
    return result;
}

static void test_defaults(void)
{
    CHECK_EQ_STR(clean(opts(NULL, NULL),
                       "  Hello   \t world  \r\n\r\n \r\n\nSecond\xC2\xA0para\xE2\x80\x83 line\n"
                       "third\x01 line\xC2\xAD\x7F\n\n\n", NULL),
                 "Hello world\n\nSecond para line\nthird line");
    /* NFC composes e + combining acute; U+FEFF goes */
    CHECK_EQ_STR(clean(opts(NULL, NULL), "\xEF\xBB\xBF" "Cafe\xCC\x81 ok", NULL), "Caf\xC3\xA9 ok");
    CHECK_EQ_STR(clean(opts(NULL, NULL), "", NULL), "");
    /* a control between a letter and its combining mark: removed, then composed */
    CHECK_EQ_STR(clean(opts(NULL, NULL), "e\x01\xCC\x81", NULL), "\xC3\xA9");
    CHECK_EQ_STR(clean(opts(NULL, NULL), " \n \n", NULL), "");
    int rep = 0;
    CHECK_EQ_STR(clean(opts(NULL, NULL), "bad \xFF byte", &rep), "bad \xEF\xBF\xBD byte");
    CHECK_EQ_INT(rep, 1);
}

static void test_normalize(void)
{
    CHECK_EQ_STR(clean(opts((const char *[]){ "normalize=nfkc", NULL }, NULL),
                       "\xEF\xAC\x81ne \xEF\xBC\xA8", NULL), "fine H");
    CHECK_EQ_STR(clean(opts((const char *[]){ "normalize=nfc", NULL }, NULL),
                       "\xEF\xAC\x81ne", NULL), "\xEF\xAC\x81ne");
    CHECK_EQ_STR(clean(opts((const char *[]){ "normalize=none", NULL }, NULL),
                       "Cafe\xCC\x81", NULL), "Cafe\xCC\x81");
}

static void test_drop_lines(void)
{
    CHECK_EQ_STR(clean(opts(NULL, drop_list((const char *[]){ "^close$", "Advertisement", NULL })),
                       "Title\n  close  \nBody Advertisement here\n\nEnd\nclosed", NULL),
                 "Title\n\nEnd\nclosed");
    /* Unicode-aware: \w matches letters of any script */
    CHECK_EQ_STR(clean(opts(NULL, drop_list((const char *[]){ "^\\w+$", NULL })),
                       "\xEC\x84\x9C\xEC\x9A\xB8\nSeoul is big", NULL), "Seoul is big");
    /* a blank line is a line: '^$' removes it, with or without whitespace
     * folding (it used to be kept whatever the patterns) */
    CHECK_EQ_STR(clean(opts((const char *[]){ "whitespace=false", NULL }, drop_list((const char *[]){ "^$", NULL })),
                       "x\n\ny\n   \nz", NULL), "x\ny\nz");
    CHECK_EQ_STR(clean(opts(NULL, drop_list((const char *[]){ "^$", NULL })), "x\n\n\ny", NULL), "x\ny");
    CHECK_EQ_STR(clean(opts(NULL, drop_list((const char *[]){ "^-+$", NULL })), "x\n\n---\n\ny", NULL),
                 "x\n\ny");
    CHECK_EQ_STR(clean(opts((const char *[]){ "whitespace=false", NULL }, NULL), "x\n\ny", NULL), "x\n\ny");
    CHECK_EQ_STR(clean(opts(NULL, drop_list((const char *[]){ "ok", "(unclosed", NULL })), "x", NULL),
                 "ERR p.yaml:4:11: clean: bad regex in drop_lines: missing closing parenthesis "
                 "at offset 9 of '(unclosed'");
}

static void test_dedupe(void)
{
    const char *text = "Korea and Russia sign pact\nKorea and Russia sign pact\nYes.\nYes.\n"
                       "Body text\n  Korea  and Russia sign pact ";
    CHECK_EQ_STR(clean(opts((const char *[]){ "dedupe_lines=true", NULL }, NULL), text, NULL),
                 "Korea and Russia sign pact\nYes.\nYes.\nBody text");
    CHECK_EQ_STR(clean(opts((const char *[]){ "dedupe_lines=true", "dedupe_min_chars=0", NULL }, NULL),
                       text, NULL),
                 "Korea and Russia sign pact\nYes.\nBody text");
    CHECK_EQ_STR(clean(opts((const char *[]){ "dedupe_lines=false", NULL }, NULL), "aaaa\naaaa", NULL),
                 "aaaa\naaaa");
    CHECK_EQ_STR(clean(opts((const char *[]){ "dedupe_min_chars=-1", NULL }, NULL), "x", NULL),
                 "ERR p.yaml:3:5: clean: dedupe_min_chars must be 0 or more, got -1");
    /* many distinct lines: the table grows */
    char big[4096] = "";
    for (int i = 0; i < 100; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "line number %03d\n", i % 60);
    const char *r = clean(opts((const char *[]){ "dedupe_lines=true", NULL }, NULL), big, NULL);
    CHECK_EQ_INT(strlen(r), 60 * 16 - 1);
}

static void test_quotes(void)
{
    CHECK_EQ_STR(clean(opts((const char *[]){ "quotes=ascii", NULL }, NULL),
                       "\xE2\x80\x9CHi,\xE2\x80\x9D she said. \xE2\x80\x98Yes\xE2\x80\x99 "
                       "\xC2\xABnon\xC2\xBB it\xE2\x80\x99s \xE2\x80\x9E" "de\xE2\x80\x9C", NULL),
                 "\"Hi,\" she said. 'Yes' \"non\" it's \"de\"");
    CHECK_EQ_STR(clean(opts((const char *[]){ "quotes=keep", NULL }, NULL),
                       "it\xE2\x80\x99s", NULL), "it\xE2\x80\x99s");
}

static void test_raw_whitespace(void)
{
    CHECK_EQ_STR(clean(opts((const char *[]){ "whitespace=false", "remove_controls=false", NULL },
                            drop_list((const char *[]){ "^close$", NULL })),
                       "  a  b \r\n close\n\n\nc\x01\n", NULL),
                 "  a  b \r\n\n\nc\x01\n");
    CHECK_EQ_STR(clean(opts((const char *[]){ "whitespace=false", "dedupe_lines=true",
                                              "dedupe_min_chars=1", NULL }, NULL),
                       "dup\n dup \nother", NULL),
                 "dup\nother");
}

static void test_refuses_spans(void)
{
    qr_value *o = opts(NULL, NULL);
    void *st = qr_step_clean_def.init(NULL, o, NULL, &err);
    qr_value_free(o);
    void *t = qr_step_clean_def.thread_init(st, &err);
    qr_doc *d = qr_doc_new();
    qr_doc_set_id(d, "d9", &err);
    qr_doc_set_text(d, "Seoul", 5, &err);
    qr_doc_add_span(d, 0, 5, "CITY", NULL, 1.0, NULL, &err);
    CHECK_EQ_INT(qr_step_clean_def.process(st, t, d, &err), -1);
    CHECK_EQ_STR(err.message, "clean: document 'd9' already has 1 entities; clean changes the text, "
                              "so it must come before the steps that add entities");
    CHECK_EQ_INT(d->n_spans, 1);
    qr_doc_free(d);
    qr_step_clean_def.thread_free(st, t);
    qr_step_clean_def.free(st);
    CHECK(qr_step_clean_def.flags & QR_STEP_MODIFIES_TEXT);
}

int main(void)
{
    test_defaults();
    test_normalize();
    test_drop_lines();
    test_dedupe();
    test_quotes();
    test_raw_whitespace();
    test_refuses_spans();
    return DONE("clean");
}
