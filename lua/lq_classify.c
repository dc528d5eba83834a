/*
 * lq_classify: q.classifier and the quarry.Classifier userdata
 * (core/classify/nb.h).
 *
 *   q.classifier.train{ docs = { {text=, label=}, … } | path = FILE,
 *                       format = "jsonl"|"csv", label_field = "label",
 *                       text_field = "text", kind = "multinomial"|"complement",
 *                       alpha = 1.0, unigrams = true, bigrams = false,
 *                       symbols = false, stopwords = "english" | {words…},
 *                       stopwords_file = FILE, stemmer = "english", buckets = 0 }
 *                                  -> model, or nil, message
 *   q.classifier.load(path)        -> model, or nil, message
 *   model:predict(text_or_doc)     -> best label, { label = probability, … }
 *   model:save(path)               -> true, or nil, message
 *   model:labels()                 -> { label, … } (byte order)
 *
 * Wrong argument types and unknown options raise; data problems (a file
 * that cannot be read, a corrupt model, a single label) return nil, message.
 * C objects under construction live in a userdata with __gc, so a raise in
 * the middle of train{} frees them.
 */
#include "lq.h"
#include "lq_doc.h"
#include "classify/nb.h"
#include "error.h"
#include "io/reader.h"

#include <string.h>

#define CLASSIFIER_MT "quarry.Classifier"
#define BUILDER_MT "quarry.ClassifierBuilder"

typedef struct lq_classifier {
    qr_nb_model *m;
    qr_nb_scratch *s;
    qr_tokens toks;
    double *probs;
} lq_classifier;

/* What train{} builds; freed by __gc whatever happens. */
typedef struct lq_builder {
    qr_nb_opts opts;
    qr_nb_trainer *t;
    qr_tokens toks;
    qr_reader *r;
    qr_doc *doc;
} lq_builder;

static void free_classifier(lq_classifier *c)
{
    qr_nb_scratch_free(c->s);
    qr_nb_free(c->m);
    qr_tokens_free(&c->toks);
    free(c->probs);
    c->s = NULL;
    c->m = NULL;
    c->probs = NULL;
}

static int classifier_gc(lua_State *L)
{
    free_classifier(luaL_checkudata(L, 1, CLASSIFIER_MT));
    return 0;
}

static void builder_free(lq_builder *b)
{
    qr_nb_trainer_free(b->t);
    qr_nb_opts_free(&b->opts);
    qr_tokens_free(&b->toks);
    qr_reader_free(b->r);
    qr_doc_free(b->doc);
    b->t = NULL;
    b->r = NULL;
    b->doc = NULL;
    qr_nb_opts_init(&b->opts);
}

static int builder_gc(lua_State *L)
{
    builder_free(luaL_checkudata(L, 1, BUILDER_MT));
    return 0;
}

static lq_classifier *check_classifier(lua_State *L, int idx)
{
    lq_classifier *c = luaL_checkudata(L, idx, CLASSIFIER_MT);
    if (!c->m)
        luaL_argerror(L, idx, "the classifier was closed");
    return c;
}

/* Wraps a model in a new quarry.Classifier (pushed); takes ownership. */
static int push_model(lua_State *L, qr_nb_model *m)
{
    lq_classifier *c = lua_newuserdatauv(L, sizeof *c, 0);
    memset(c, 0, sizeof *c);
    qr_tokens_init(&c->toks);
    c->m = m;
    luaL_setmetatable(L, CLASSIFIER_MT);
    qr_error err;
    qr_error_clear(&err);
    if (!(c->s = qr_nb_scratch_new(m, &err)) || !(c->probs = calloc(qr_nb_label_count(m), sizeof *c->probs))) {
        free_classifier(c);
        return luaL_error(L, "out of memory");
    }
    return 1;
}

/* {==================================================================
 * train
 * =================================================================== */
static const char *const train_keys[] = {
    "docs", "path", "format", "label_field", "text_field", "kind", "alpha", "unigrams", "bigrams",
    "symbols", "stopwords", "stopwords_file", "stemmer", "buckets", NULL
};

static int get_field(lua_State *L, int idx, const char *key, int type, const char *what)
{
    int t = lua_getfield(L, idx, key);
    if (t != LUA_TNIL && t != type)
        return luaL_error(L, "train: option '%s' must be %s, got %s", key, what, luaL_typename(L, -1));
    return t != LUA_TNIL;
}

static void read_flag(lua_State *L, lq_builder *b, const char *key, unsigned flag)
{
    if (get_field(L, 1, key, LUA_TBOOLEAN, "a boolean"))
        b->opts.feat.flags = lua_toboolean(L, -1) ? b->opts.feat.flags | flag : b->opts.feat.flags & ~flag;
    lua_pop(L, 1);
}

/* Reads options into b; raises on misuse, returns a message for data problems. */
static const char *read_options(lua_State *L, lq_builder *b, qr_error *err)
{
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        size_t i = 0;
        while (k && train_keys[i] && strcmp(train_keys[i], k))
            i++;
        if (!k || !train_keys[i])
            luaL_argerror(L, 1, lua_pushfstring(L, "unknown option '%s'", k ? k : luaL_typename(L, -1)));
    }
    if (get_field(L, 1, "kind", LUA_TSTRING, "a string")) {
        int kind = qr_nb_kind_parse(lua_tostring(L, -1));
        if (kind < 0)
            luaL_argerror(L, 1, "kind must be 'multinomial' or 'complement'");
        b->opts.kind = (qr_nb_kind)kind;
    }
    lua_pop(L, 1);
    if (get_field(L, 1, "alpha", LUA_TNUMBER, "a number")) {
        b->opts.alpha = lua_tonumber(L, -1);
        if (!(b->opts.alpha > 0))
            luaL_argerror(L, 1, "alpha must be greater than 0");
    }
    lua_pop(L, 1);
    read_flag(L, b, "unigrams", QR_FEAT_UNIGRAMS);
    read_flag(L, b, "bigrams", QR_FEAT_BIGRAMS);
    read_flag(L, b, "symbols", QR_FEAT_SYMBOLS);
    if (get_field(L, 1, "buckets", LUA_TNUMBER, "a number")) {
        lua_Integer n = lua_tointeger(L, -1);
        if (!lua_isinteger(L, -1) || n < 0 || n > 0x7fffffff)
            luaL_argerror(L, 1, "buckets must be an integer from 0 (no hashing) to 2^31-1");
        b->opts.feat.buckets = (uint32_t)n;
    }
    lua_pop(L, 1);
    if (get_field(L, 1, "stemmer", LUA_TSTRING, "a string") &&
        qr_feat_set_stemmer(&b->opts.feat, lua_tostring(L, -1), err) != 0)
        luaL_argerror(L, 1, err->message);
    lua_pop(L, 1);
    int t = lua_getfield(L, 1, "stopwords");
    if (t == LUA_TSTRING) {
        if (strcmp(lua_tostring(L, -1), "english"))
            luaL_argerror(L, 1, "stopwords must be 'english' or a list of words");
        if (qr_feat_add_english_stopwords(&b->opts.feat, err) != 0)
            return err->message;
    } else if (t == LUA_TTABLE) {
        for (lua_Integer i = 1; lua_geti(L, -1, i) != LUA_TNIL; i++) {
            size_t len;
            const char *w = lua_tolstring(L, -1, &len);
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_argerror(L, 1, "stopwords must be a list of strings");
            if (qr_feat_add_stopword(&b->opts.feat, w, len, err) != 0)
                return err->message;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    } else if (t != LUA_TNIL) {
        luaL_argerror(L, 1, "stopwords must be 'english' or a list of words");
    }
    lua_pop(L, 1);
    if (get_field(L, 1, "stopwords_file", LUA_TSTRING, "a string") &&
        qr_feat_add_stopwords_file(&b->opts.feat, lua_tostring(L, -1), err) != 0) {
        lua_pop(L, 1);
        return err->message;
    }
    lua_pop(L, 1);
    return NULL;
}

static const char *train_docs(lua_State *L, lq_builder *b, int idx, qr_error *err)
{
    lua_Integer n = luaL_len(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, idx, i) != LUA_TTABLE)
            luaL_error(L, "train: docs[%d] must be a table {text=..., label=...}", (int)i);
        if (lua_getfield(L, -1, "text") != LUA_TSTRING)
            luaL_error(L, "train: docs[%d].text must be a string", (int)i);
        if (lua_getfield(L, -2, "label") != LUA_TSTRING && !lua_isinteger(L, -1))
            luaL_error(L, "train: docs[%d].label must be a string", (int)i);
        size_t len;
        const char *text = lua_tolstring(L, -2, &len);
        const char *label = lua_tostring(L, -1);
        if (!*label)
            luaL_error(L, "train: docs[%d].label is empty", (int)i);
        if (qr_tokenize(text, len, &b->toks, err) != 0 || qr_nb_trainer_add(b->t, &b->toks, label, err) != 0)
            return err->message;
        lua_pop(L, 3);
    }
    return NULL;
}

/* "file:line: message" in err->message itself. */
static const char *located(qr_error *err)
{
    char buf[1600];
    qr_error_format(err, buf, sizeof buf);
    size_t n = strlen(buf);
    if (n >= sizeof err->message)
        n = sizeof err->message - 1;
    memcpy(err->message, buf, n);
    err->message[n] = '\0';
    return err->message;
}

static const char *train_file(lua_State *L, lq_builder *b, const char *path, qr_error *err)
{
    qr_input_opts io;
    qr_input_opts_init(&io);
    io.format = QR_INPUT_JSONL;
    const char *label_field = "label";
    if (get_field(L, 1, "format", LUA_TSTRING, "a string") &&
        qr_input_opts_set(&io, "format", lua_tostring(L, -1), err) != 0)
        luaL_argerror(L, 1, err->message);
    if (get_field(L, 1, "text_field", LUA_TSTRING, "a string")) {
        io.text_field = lua_tostring(L, -1);
        io.text_column = io.text_field;
    }
    if (get_field(L, 1, "label_field", LUA_TSTRING, "a string"))
        label_field = lua_tostring(L, -1);
    /* the three values stay on the stack while the reader is used */
    if (!(b->r = qr_reader_new(&io, &path, 1, err)) || !(b->doc = qr_doc_new()))
        return b->r ? "out of memory" : err->message;
    int rc;
    while ((rc = qr_reader_next(b->r, b->doc, err)) != 0) {
        if (rc < 0)
            return located(err);
        json_t *v = b->doc->meta ? json_object_get(b->doc->meta, label_field) : NULL;
        if (!json_is_string(v) || !json_string_length(v)) {
            qr_error_at(err, path, (int)b->doc->source_line, 0, "document '%s' has no '%s' field",
                        b->doc->id ? b->doc->id : "?", label_field);
            return located(err);
        }
        if (qr_doc_ensure_tokens(b->doc, err) != 0 ||
            qr_nb_trainer_add(b->t, &b->doc->tokens, json_string_value(v), err) != 0)
            return err->message;
    }
    lua_pop(L, 3);
    return NULL;
}

static int l_train(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lq_builder *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    qr_nb_opts_init(&b->opts);
    qr_tokens_init(&b->toks);
    luaL_setmetatable(L, BUILDER_MT);
    qr_error err;
    qr_error_clear(&err);
    const char *msg = read_options(L, b, &err);
    if (msg)
        return lq_fail(L, msg);
    int has_docs = lua_getfield(L, 1, "docs") != LUA_TNIL;
    int has_path = lua_getfield(L, 1, "path") != LUA_TNIL;
    if (has_docs == has_path)
        return luaL_argerror(L, 1, "give docs = { {text=..., label=...}, ... } or path = FILE (one of them)");
    if (has_docs && !lua_istable(L, -2))
        return luaL_argerror(L, 1, "docs must be a list of {text=..., label=...}");
    if (has_path && lua_type(L, -1) != LUA_TSTRING)
        return luaL_argerror(L, 1, "path must be a string");
    if (!(b->t = qr_nb_trainer_new(&b->opts, &err)))
        return lq_fail(L, err.message);
    msg = has_docs ? train_docs(L, b, lua_gettop(L) - 1, &err) : train_file(L, b, lua_tostring(L, -1), &err);
    if (msg)
        return lq_fail(L, msg);
    qr_nb_model *m = qr_nb_trainer_model(b->t, &err);
    builder_free(b);
    if (!m)
        return lq_fail(L, err.message);
    return push_model(L, m);
}

/* }================================================================== */

static int l_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    qr_error err;
    qr_error_clear(&err);
    qr_nb_model *m = qr_nb_load(path, &err);
    if (!m) {
        char buf[1600];
        return lq_fail(L, qr_error_format(&err, buf, sizeof buf));
    }
    return push_model(L, m);
}

static int m_predict(lua_State *L)
{
    lq_classifier *c = check_classifier(L, 1);
    qr_error err;
    qr_error_clear(&err);
    const qr_tokens *toks;
    if (lua_type(L, 2) == LUA_TSTRING) {
        size_t len;
        const char *text = lua_tolstring(L, 2, &len);
        if (qr_tokenize(text, len, &c->toks, &err) != 0)
            return lq_fail(L, err.message);
        toks = &c->toks;
    } else if (lua_type(L, 2) == LUA_TUSERDATA) {
        qr_doc *doc = lq_checkdoc(L, 2);
        if (qr_doc_ensure_tokens(doc, &err) != 0)
            return lq_fail(L, err.message);
        toks = &doc->tokens;
    } else {
        return luaL_argerror(L, 2, "expected a text (string) or a quarry.Doc");
    }
    int best = qr_nb_predict(c->m, c->s, toks, c->probs, NULL, &err);
    if (best < 0)
        return lq_fail(L, err.message);
    size_t n = qr_nb_label_count(c->m);
    lua_pushstring(L, qr_nb_label(c->m, (size_t)best));
    lua_createtable(L, 0, (int)n);
    for (size_t i = 0; i < n; i++) {
        lua_pushnumber(L, c->probs[i]);
        lua_setfield(L, -2, qr_nb_label(c->m, i));
    }
    return 2;
}

static int m_save(lua_State *L)
{
    lq_classifier *c = check_classifier(L, 1);
    const char *path = luaL_checkstring(L, 2);
    qr_error err;
    qr_error_clear(&err);
    if (qr_nb_save(c->m, path, &err) != 0)
        return lq_fail(L, err.message);
    lua_pushboolean(L, 1);
    return 1;
}

static int m_labels(lua_State *L)
{
    lq_classifier *c = check_classifier(L, 1);
    size_t n = qr_nb_label_count(c->m);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, qr_nb_label(c->m, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int m_tostring(lua_State *L)
{
    lq_classifier *c = luaL_checkudata(L, 1, CLASSIFIER_MT);
    if (!c->m) {
        lua_pushliteral(L, "quarry.Classifier (closed)");
        return 1;
    }
    const qr_nb_opts *o = qr_nb_options(c->m);
    lua_pushfstring(L, "quarry.Classifier (%s NB, %d labels, %d %s)", qr_nb_kind_name(o->kind),
                    (int)qr_nb_label_count(c->m), (int)qr_nb_feature_count(c->m),
                    o->feat.buckets ? "buckets" : "features");
    return 1;
}

static const luaL_Reg classifier_methods[] = {
    {"predict", m_predict},
    {"save", m_save},
    {"labels", m_labels},
    {NULL, NULL}
};

static const luaL_Reg classifier_meta[] = {
    {"__gc", classifier_gc},
    {"__close", classifier_gc},
    {"__tostring", m_tostring},
    {NULL, NULL}
};

static const luaL_Reg classifier_funcs[] = {
    {"train", l_train},
    {"load", l_load},
    {NULL, NULL}
};

void lq_open_classify(lua_State *L)
{
    static const luaL_Reg builder_meta[] = {{"__gc", builder_gc}, {NULL, NULL}};
    lq_new_class(L, CLASSIFIER_MT, classifier_meta, classifier_methods, NULL);
    lq_new_class(L, BUILDER_MT, builder_meta, NULL, NULL);
    luaL_newlib(L, classifier_funcs);
    lua_setfield(L, -2, "classifier");
}
