/* Unit tests: value tree, YAML loading, variables, Levenshtein, registry,
 * option validation, per-document processing and on_error: skip restore. */
#include "check.h"
#include "doc.h"
#include "error.h"
#include "host.h"
#include "pipeline.h"
#include "registry.h"
#include "runner.h"
#include "value.h"
#include "yaml_load.h"

#include <stdlib.h>
#include <string.h>

static qr_value *yaml(const char *s, qr_error *err)
{
    qr_error_clear(err);
    return qr_yaml_load_string(s, strlen(s), "t.yaml", err);
}

static char *fmt(const qr_error *e)
{
    static char buf[2048];
    return (char *)qr_error_format(e, buf, sizeof buf);
}

static void test_value(void)
{
    qr_value *m = qr_value_new_map();
    CHECK(qr_value_map_set(m, "b", qr_value_new_int(2)) == 0);
    CHECK(qr_value_map_set(m, "a", qr_value_new_string("x'y")) == 0);
    qr_value *l = qr_value_new_list();
    qr_value_list_push(l, qr_value_new_bool(1));
    qr_value_list_push(l, qr_value_new_null());
    qr_value_list_push(l, qr_value_new_number(1.5));
    CHECK(qr_value_map_set(m, "l", l) == 0);
    CHECK(qr_value_map_set(m, "b", qr_value_new_int(3)) == 0);   /* replaces in place */
    CHECK_EQ_INT(qr_value_len(m), 3);
    CHECK_EQ_STR(qr_value_key_at(m, 0), "b");
    CHECK_EQ_INT(qr_value_int(qr_value_get(m, "b")), 3);
    CHECK_EQ_INT((int)(qr_value_number(qr_value_get(m, "b")) * 10), 30);
    CHECK(qr_value_get(m, "zz") == NULL);
    CHECK(qr_value_string(qr_value_get(m, "b")) == NULL);
    char *f = qr_value_to_flow(m);
    CHECK_EQ_STR(f, "{ b: 3, a: x'y, l: [ true, null, 1.5 ] }");
    free(f);
    char *j = qr_value_to_json(m);
    CHECK_EQ_STR(j, "{\"b\":3,\"a\":\"x'y\",\"l\":[true,null,1.5]}");
    free(j);
    qr_value_set_mark_deep(m, "lua.lua", 7, 0);
    qr_value *c = qr_value_copy(m);
    qr_error e;
    qr_error_clear(&e);
    qr_value_error(qr_value_at(qr_value_get(c, "l"), 2), &e, "bad %d", 1);
    CHECK_EQ_STR(fmt(&e), "lua.lua:7: bad 1");
    qr_value_free(c);
    qr_value_free(m);
    /* strings that would read back as something else are quoted */
    qr_value *s = qr_value_new_string("true");
    f = qr_value_to_flow(s);
    CHECK_EQ_STR(f, "'true'");
    free(f);
    qr_value_free(s);
    s = qr_value_new_string("a: b");
    f = qr_value_to_flow(s);
    CHECK_EQ_STR(f, "'a: b'");
    free(f);
    qr_value_free(s);
}

static void test_yaml(void)
{
    qr_error e;
    qr_value *v = yaml("a: 1\nb: -0x10\nc: 1.5e3\nd: true\ne: ~\nf: '12'\ng: hello world\n"
                       "h: [1, two]\ni: .inf\nj: 0o17\nk: 1_000\n", &e);
    CHECK(v != NULL);
    CHECK_EQ_INT(qr_value_get(v, "a")->type, QR_VAL_INT);
    CHECK_EQ_INT(qr_value_get(v, "b")->type, QR_VAL_STRING);   /* no sign on hex in YAML 1.2 core */
    CHECK_EQ_INT(qr_value_get(v, "c")->type, QR_VAL_NUMBER);
    CHECK_EQ_INT((int)qr_value_number(qr_value_get(v, "c")), 1500);
    CHECK_EQ_INT(qr_value_get(v, "d")->type, QR_VAL_BOOL);
    CHECK_EQ_INT(qr_value_get(v, "e")->type, QR_VAL_NULL);
    CHECK_EQ_STR(qr_value_string(qr_value_get(v, "f")), "12");
    CHECK_EQ_STR(qr_value_string(qr_value_get(v, "g")), "hello world");
    CHECK_EQ_INT(qr_value_len(qr_value_get(v, "h")), 2);
    CHECK_EQ_INT(qr_value_get(v, "i")->type, QR_VAL_NUMBER);
    CHECK_EQ_INT(qr_value_int(qr_value_get(v, "j")), 15);
    CHECK_EQ_INT(qr_value_get(v, "k")->type, QR_VAL_STRING);
    /* positions: 1-based line and column of the value */
    CHECK_EQ_INT(qr_value_get(v, "g")->line, 7);
    CHECK_EQ_INT(qr_value_get(v, "g")->col, 4);
    CHECK_EQ_INT(qr_value_get_entry(v, "g")->key_line, 7);
    CHECK_EQ_INT(qr_value_get_entry(v, "g")->key_col, 1);
    qr_value_free(v);

    /* anchors, aliases, merge keys */
    v = yaml("base: &b { x: 1, y: 2 }\nuse: { <<: *b, y: 3 }\nlist: [*b, *b]\n", &e);
    CHECK(v != NULL);
    const qr_value *use = qr_value_get(v, "use");
    CHECK_EQ_INT(qr_value_int(qr_value_get(use, "x")), 1);
    CHECK_EQ_INT(qr_value_int(qr_value_get(use, "y")), 3);
    CHECK_EQ_INT(qr_value_len(qr_value_get(v, "list")), 2);
    qr_value_free(v);

    /* errors */
    CHECK(yaml("a: 1\na: 2\n", &e) == NULL);
    CHECK_EQ_STR(fmt(&e), "t.yaml:2:1: duplicate key 'a' (first written at line 1); remove one");
    CHECK(yaml("a: *nope\n", &e) == NULL);
    CHECK_EQ_STR(fmt(&e), "t.yaml:1:4: unknown anchor '*nope'; define it with '&nope' before using it");
    CHECK(yaml("a: [1, 2\n", &e) == NULL);
    CHECK_EQ_INT(e.line, 2);
    CHECK(strstr(e.message, "YAML syntax error") == e.message);
    CHECK(yaml("a: !!int abc\n", &e) == NULL);
    CHECK_EQ_STR(e.message, "'abc' is not valid for tag tag:yaml.org,2002:int");

    /* alias bomb: each level is 10x the previous one */
    char bomb[2048] = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 9; i++) {
        char line[200];
        snprintf(line, sizeof line, "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n",
                 i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
        strcat(bomb, line);
    }
    CHECK(yaml(bomb, &e) == NULL);
    CHECK(strstr(e.message, "an alias bomb?") != NULL);
    CHECK_EQ_INT(e.line, 6);

    /* depth */
    char deep[400] = "a: ";
    for (int i = 0; i < 80; i++)
        strcat(deep, "[");
    for (int i = 0; i < 80; i++)
        strcat(deep, "]");
    CHECK(yaml(deep, &e) == NULL);
    CHECK(strstr(e.message, "nested more than 64 levels") != NULL);

    /* empty document */
    v = yaml("", &e);
    CHECK(v && v->type == QR_VAL_NULL);
    qr_value_free(v);
}

static void test_vars(void)
{
    const char *vars[] = {"out=/tmp/o", "empty=", "n=3", NULL};
    qr_error e;
    qr_error_clear(&e);
    setenv("QR_TEST_HOME", "/home/q", 1);
    unsetenv("QR_TEST_UNSET");
    char *s = qr_vars_expand("${out}/x-${n}", vars, &e);
    CHECK_EQ_STR(s, "/tmp/o/x-3");
    free(s);
    s = qr_vars_expand("${QR_TEST_HOME}:${QR_TEST_UNSET:-dflt}:${empty:-was empty}:$${lit}:$5", vars, &e);
    CHECK_EQ_STR(s, "/home/q:dflt:was empty:${lit}:$5");
    free(s);
    s = qr_vars_expand("${QR_TEST_UNSET:-${out}/d}", vars, &e);
    CHECK_EQ_STR(s, "/tmp/o/d");
    free(s);
    CHECK(qr_vars_expand("a ${nope} b", vars, &e) == NULL);
    CHECK_EQ_STR(e.message, "undefined variable 'nope': define it under 'vars:', pass --set nope=VALUE, "
                 "set the environment variable, or write ${nope:-default}");
    CHECK(qr_vars_expand("${out", vars, &e) == NULL);
    CHECK_EQ_STR(e.message, "'${out' is not closed with '}'");
    CHECK(qr_vars_expand("${}", vars, &e) == NULL);
    /* shell forms other than :- are named as such */
    CHECK(qr_vars_expand("${out-x}/y", vars, &e) == NULL);
    CHECK_EQ_STR(e.message, "'${out-…}': only ${out} and ${out:-default} are known (write $${ for a literal ${)");
    CHECK(qr_vars_expand("${out:=x}", vars, &e) == NULL);
    CHECK_EQ_STR(e.message, "'${out:…}': only ${out} and ${out:-default} are known (write $${ for a literal ${)");
}

static void test_levenshtein(void)
{
    CHECK_EQ_INT(qr_levenshtein("", ""), 0);
    CHECK_EQ_INT(qr_levenshtein("case", "cse"), 1);
    CHECK_EQ_INT(qr_levenshtein("kitten", "sitting"), 3);
    CHECK_EQ_INT(qr_levenshtein("abc", ""), 3);
    CHECK_EQ_INT(qr_levenshtein("lable", "label"), 1);
    CHECK_EQ_INT(qr_levenshtein("ca", "abc"), 3);
    CHECK_EQ_INT(qr_levenshtein("flaw", "lawn"), 2);
    const char *names[] = {"lists", "entries", "case", "accents", "overlaps"};
    CHECK_EQ_STR(qr_closest_name("cse", names, 5), "case");
    CHECK_EQ_STR(qr_closest_name("acents", names, 5), "accents");
    CHECK_EQ_STR(qr_closest_name("list", names, 5), "lists");
    CHECK(qr_closest_name("colour", names, 5) == NULL);
    CHECK(qr_closest_name("x", names, 5) == NULL);
}

/* {==================================================================
 * A test step: adds a span, a label and a field, then fails on documents
 * whose text starts with "fail"; drops those starting with "drop".
 * =================================================================== */
static void *t_init(const qr_host_api *api, const qr_value *o, const qr_step_ctx *ctx, qr_error *err)
{
    (void)o;
    (void)ctx;
    if (api->abi_major != QR_ABI_MAJOR)
        return NULL;
    if (qr_value_bool(qr_value_get(o, "refuse"))) {
        api->value_mark(api->opt(o, "refuse"), err);
        api->error(err, "refused to start");
        return NULL;
    }
    return (void *)api;
}

static int t_process(void *state, void *ts, qr_doc *doc, qr_error *err)
{
    const qr_host_api *api = state;
    (void)ts;
    size_t len;
    const char *text = api->doc_text(doc, &len);
    if (api->doc_add_span(doc, 0, 1, "T", NULL, 1, "{\"k\":1}", err) != 0 ||
        api->doc_set_label(doc, "tested", 0.5, err) != 0 ||
        api->doc_set_field_number(doc, "n", 7, err) != 0)
        return -1;
    if (!strncmp(text, "fail", 4))
        return api->error(err, "failing on '%s'", api->doc_id(doc));
    if (!strncmp(text, "drop", 4))
        return QR_PROCESS_DROP;
    return 0;
}

static const qr_option_def t_options[] = {
    {"refuse", QR_OPT_BOOL, "false", NULL, "fail in init", 0},
    {"mode", QR_OPT_ENUM, "a", "a|b", "a mode", 0},
    {"words", QR_OPT_STRING_LIST, NULL, NULL, "words", 0},
    {"limit", QR_OPT_NUMBER, "2.5", NULL, "a number", 0},
    {NULL, 0, NULL, NULL, NULL, 0}
};

static int t_finish(void *state, qr_error *err)
{
    (void)state;
    (void)err;
    return 0;
}

static const qr_step_def t_def = {
    .size = sizeof(qr_step_def),
    .name = "tester",
    .description = "test step",
    .options = t_options,
    .flags = QR_STEP_THREAD_SAFE,
    .init = t_init,
    .process = t_process,
};

/* }================================================================== */

static qr_pipeline *load(qr_registry *reg, const char *y, qr_error *e)
{
    qr_value *v = yaml(y, e);
    if (!v)
        return NULL;
    qr_pipeline *p = qr_pipeline_from_value(v, "t.yaml", ".", reg, NULL, e);
    qr_value_free(v);
    return p;
}

static void test_registry_and_validation(void)
{
    qr_error e;
    qr_registry *reg = qr_registry_new();
    CHECK(qr_registry_add_builtins(reg, &e) == 0);
    CHECK(qr_registry_add(reg, &t_def, &e) == 0);
    CHECK(qr_registry_add_ex(reg, &t_def, "mod.so", NULL, &e) == -1);
    CHECK_EQ_STR(e.message, "mod.so: step 'tester' is already defined (by built-in); rename one of them");
    qr_step_def bad = t_def;
    bad.name = "Bad-Name";
    CHECK(qr_registry_add(reg, &bad, &e) == -1);
    CHECK(qr_registry_find(reg, "tokenize") != NULL);
    CHECK(qr_registry_find(reg, "nope") == NULL);
    CHECK_EQ_STR(qr_registry_suggest(reg, "tokenise"), "tokenize");
    for (size_t i = 1; i < qr_registry_count(reg); i++)
        CHECK(strcmp(qr_registry_at(reg, i - 1)->name, qr_registry_at(reg, i)->name) < 0);

    qr_pipeline *p = load(reg, "steps:\n  - tester: { mode: b, words: one }\n  - tester: { name: second, on_error: skip }\n", &e);
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ_INT(qr_pipeline_step_count(p), 2);
        CHECK_EQ_STR(qr_pipeline_step_name(p, 1), "second");
        CHECK_EQ_INT(qr_pipeline_step_on_error(p, 1), QR_ON_ERROR_SKIP);
        char *f = qr_value_to_flow(qr_pipeline_step_options(p, 0));
        CHECK_EQ_STR(f, "{ refuse: false, mode: b, words: [ one ], limit: 2.5 }");
        free(f);
        qr_pipeline_free(p);
    }
    CHECK(load(reg, "steps:\n  - tester: { mode: c }\n", &e) == NULL);
    CHECK_EQ_STR(fmt(&e), "t.yaml:2:21: step 'tester': option 'mode' must be one of a|b, got a string ('c')");
    CHECK(load(reg, "steps:\n  - tester: { limt: 3 }\n", &e) == NULL);
    CHECK_EQ_STR(fmt(&e), "t.yaml:2:15: step 'tester' has no option 'limt'; did you mean 'limit'?");
    CHECK(load(reg, "steps:\n  - tester: { limit: [1] }\n", &e) == NULL);
    CHECK_EQ_STR(fmt(&e), "t.yaml:2:22: step 'tester': option 'limit' must be a number, got a list");
    CHECK(load(reg, "steps:\n  - tester: { words: [a, 2] }\n", &e) == NULL);
    CHECK_EQ_STR(fmt(&e), "t.yaml:2:26: step 'tester': option 'words': item 2 must be a string, got an integer (2)");
    CHECK(load(reg, "steps:\n  - tester: { refuse: true }\n", &e) == NULL);
    CHECK_EQ_STR(fmt(&e), "t.yaml:2:23: step 'tester': refused to start");
    CHECK(load(reg, "steps:\n  - tester: 3\n", &e) == NULL);
    CHECK_EQ_STR(fmt(&e), "t.yaml:2:13: step 'tester': options must be a map (write tester: {} for the defaults), got an integer");
    qr_registry_free(reg);
}

static void test_process(void)
{
    qr_error e;
    qr_registry *reg = qr_registry_new();
    qr_registry_add_builtins(reg, &e);
    qr_registry_add(reg, &t_def, &e);
    qr_pipeline *p = load(reg, "steps:\n  - tokenize\n  - tester: { on_error: skip }\n  - tester: { name: strict }\n", &e);
    CHECK(p != NULL);
    if (!p) {
        qr_registry_free(reg);
        return;
    }
    qr_pipeline_thread *t = qr_pipeline_thread_new(p, &e);
    qr_doc *d = qr_doc_new();
    qr_doc_set_id(d, "d1", &e);
    qr_doc_set_text(d, "hello world", 11, &e);
    CHECK_EQ_INT(qr_pipeline_process_doc(p, t, d, &e), QR_DOC_KEPT);
    CHECK_EQ_INT(d->n_spans, 2);
    CHECK_EQ_STR(d->spans[0].source, "tester");
    CHECK_EQ_STR(d->spans[1].source, "strict");
    CHECK_EQ_INT(d->tokens.n, 2);

    /* skip: the first tester's changes are undone, the second one's stay;
     * the second then fails under `fail` */
    qr_doc_reset(d);
    qr_doc_set_id(d, "d2", &e);
    qr_doc_set_text(d, "fail now", 8, &e);
    qr_doc_set_label(d, "pre", 1, &e);
    CHECK_EQ_INT(qr_pipeline_process_doc(p, t, d, &e), QR_DOC_FAILED_STOP);
    CHECK_EQ_STR(fmt(&e), "t.yaml:4:5: step 'strict' failed on document 'd2': failing on 'd2'");
    CHECK_EQ_INT(d->n_spans, 1);
    CHECK_EQ_STR(d->spans[0].source, "strict");
    CHECK_EQ_INT(d->n_labels, 2);

    /* process_range on the first tester only: skipped error restored */
    qr_doc_reset(d);
    qr_doc_set_id(d, "d3", &e);
    qr_doc_set_text(d, "fail", 4, &e);
    qr_doc_set_label(d, "pre", 1, &e);
    CHECK_EQ_INT(qr_pipeline_process_range(p, t, d, 0, 2, NULL, NULL, NULL), QR_DOC_KEPT);
    CHECK_EQ_INT(d->n_spans, 0);
    CHECK_EQ_INT(d->n_labels, 1);
    CHECK(d->fields == NULL || json_object_size(d->fields) == 0);
    CHECK_EQ_INT(d->tokens.n, 1);

    qr_doc_reset(d);
    qr_doc_set_id(d, "d4", &e);
    qr_doc_set_text(d, "drop me", 7, &e);
    CHECK_EQ_INT(qr_pipeline_process_doc(p, t, d, &e), QR_DOC_DROPPED);

    qr_doc_free(d);
    qr_pipeline_thread_free(t);
    qr_pipeline_free(p);
    qr_registry_free(reg);
}

/* A text-changing step that rewrites the text, then fails on "oops…". */
static int rw_process(void *state, void *ts, qr_doc *doc, qr_error *err)
{
    const qr_host_api *api = state;
    (void)ts;
    size_t len;
    const char *text = api->doc_text(doc, &len);
    int fail = !strncmp(text, "oops", 4);
    if (api->doc_set_text(doc, "REWRITTEN", 9, err) != 0 ||
        api->doc_add_span(doc, 0, 9, "NEW", NULL, 1, NULL, err) != 0)
        return -1;
    return fail ? api->error(err, "rewrite failed") : 0;
}

static void test_skip_restores_text(void)
{
    qr_error e;
    qr_registry *reg = qr_registry_new();
    qr_step_def rw = t_def;
    rw.name = "rewrite";
    rw.flags = QR_STEP_THREAD_SAFE | QR_STEP_MODIFIES_TEXT;
    rw.process = rw_process;
    qr_registry_add(reg, &t_def, &e);
    qr_registry_add(reg, &rw, &e);
    qr_pipeline *p = load(reg, "steps:\n  - tester\n  - rewrite: { on_error: skip }\n", &e);
    qr_pipeline_thread *t = qr_pipeline_thread_new(p, &e);
    qr_doc *d = qr_doc_new();
    qr_doc_set_id(d, "x", &e);
    qr_doc_set_text(d, "oops at once", 12, &e);
    CHECK_EQ_INT(qr_pipeline_process_doc(p, t, d, &e), QR_DOC_KEPT);
    CHECK_EQ_MEM(d->text, d->len, "oops at once");
    CHECK_EQ_INT(d->n_spans, 1);                    /* tester's span, attrs kept */
    CHECK_EQ_STR(d->spans[0].label, "T");
    CHECK(d->spans[0].attrs && json_integer_value(json_object_get(d->spans[0].attrs, "k")) == 1);
    qr_doc_reset(d);
    qr_doc_set_text(d, "fine", 4, &e);
    CHECK_EQ_INT(qr_pipeline_process_doc(p, t, d, &e), QR_DOC_KEPT);
    CHECK_EQ_MEM(d->text, d->len, "REWRITTEN");
    CHECK_EQ_INT(d->n_spans, 1);
    CHECK_EQ_STR(d->spans[0].label, "NEW");
    qr_doc_free(d);
    qr_pipeline_thread_free(t);
    qr_pipeline_free(p);
    qr_registry_free(reg);
}

static void test_runs_once(void)
{
    qr_error e;
    qr_registry *reg = qr_registry_new();
    qr_step_def fin = t_def;
    fin.name = "finisher";
    fin.finish = t_finish;
    qr_registry_add(reg, &t_def, &e);
    qr_registry_add(reg, &fin, &e);
    qr_pipeline *p = load(reg, "steps:\n  - tester\n", &e);
    CHECK(qr_pipeline_begin_run(p, &e) == 0);
    CHECK(qr_pipeline_begin_run(p, &e) == 0);    /* nothing to finish: may run again */
    qr_pipeline_free(p);
    p = load(reg, "steps:\n  - tester\n  - finisher: { name: out }\n", &e);
    CHECK(qr_pipeline_begin_run(p, &e) == 0);
    CHECK(qr_pipeline_finish(p, &e) == 0);
    CHECK(qr_pipeline_begin_run(p, &e) == -1);
    CHECK_EQ_STR(e.message, "this pipeline has already run, and step 'out' ends its work with the run "
                 "(finish); load the pipeline again to run it again");
    qr_pipeline_thread *t = qr_pipeline_thread_new(p, &e);
    qr_doc *d = qr_doc_new();
    qr_doc_set_text(d, "x", 1, &e);
    CHECK_EQ_INT(qr_pipeline_process_doc(p, t, d, &e), QR_DOC_FAILED_STOP);
    qr_doc_free(d);
    qr_pipeline_thread_free(t);
    qr_pipeline_free(p);
    qr_registry_free(reg);
}

static void test_host(void)
{
    const qr_host_api *api = qr_host_api_get();
    CHECK_EQ_INT(api->abi_major, QR_ABI_MAJOR);
    CHECK_EQ_INT(api->size, sizeof(qr_host_api));
    qr_doc *d = qr_doc_new();
    qr_error e;
    qr_doc_set_id(d, "x", &e);
    qr_doc_set_text(d, "Seoul is big.", 13, &e);
    size_t n;
    const qr_token *toks = api->doc_tokens(d, &n);
    CHECK(toks != NULL);
    CHECK_EQ_INT(n, 4);
    size_t kl;
    CHECK_EQ_STR(api->doc_token_key(d, 0, &kl), "seoul");
    CHECK_EQ_INT(kl, 5);
    api->doc_sentences(d, &n);
    CHECK_EQ_INT(n, 1);
    CHECK(api->doc_add_span(d, 0, 5, "CITY", "Q8684", 1, "[1]", &e) == -1);
    CHECK_EQ_STR(e.message, "span attributes must be a JSON object");
    CHECK(api->doc_add_span(d, 0, 5, "CITY", "Q8684", 1, "{\"pop\":9}", &e) == 0);
    qr_span_view sv;
    CHECK(api->doc_span(d, 0, &sv) == 0);
    CHECK_EQ_STR(sv.label, "CITY");
    CHECK_EQ_STR(sv.id, "Q8684");
    CHECK_EQ_STR(sv.attrs_json, "{\"pop\":9}");
    CHECK(api->doc_set_field_json(d, "k", "[1,2]", &e) == 0);
    char *j = api->doc_field_json(d, "k");
    CHECK_EQ_STR(j, "[1,2]");
    api->free(j);
    CHECK(api->doc_field_json(d, "none") == NULL);
    CHECK(api->doc_set_field_json(d, "bad", "{", &e) == -1);
    qr_step_ctx ctx = {.base_dir = "pipes"};
    char *r = api->resolve_path(&ctx, "a/b.txt");
    CHECK_EQ_STR(r, "pipes/a/b.txt");
    free(r);
    r = api->resolve_path(&ctx, "/abs");
    CHECK_EQ_STR(r, "/abs");
    free(r);
    qr_doc_free(d);
}

int main(void)
{
    test_value();
    test_yaml();
    test_vars();
    test_levenshtein();
    test_registry_and_validation();
    test_process();
    test_skip_restores_text();
    test_runs_once();
    test_host();
    return DONE("pipeline");
}
