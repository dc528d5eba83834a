/*
 * lq_doc: the quarry.Doc userdata and its lazy views (quarry.Fields,
 * quarry.Tokens, quarry.Sentences, quarry.Entities). See lq_doc.h.
 *
 * Positions in Lua are 1-based and inclusive, as string.sub takes them:
 * a C span [start, end) is seen as start + 1 .. end.
 */
#include "lq_doc.h"
#include "error.h"
#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS_MT    "quarry.Fields"
#define TOKENS_MT    "quarry.Tokens"
#define SENTENCES_MT "quarry.Sentences"
#define ENTITIES_MT  "quarry.Entities"

#define INVALID_MSG "document is no longer valid outside its step"

/* Doc user values */
enum { UV_META = 1, UV_FIELDS, UV_TEXT, UV_COUNT = UV_TEXT };

/* A lazy view: the Doc it belongs to is its user value 1. */
typedef struct lq_view {
    lq_doc *owner;
    size_t n;           /* number of items seen by the view            */
    int filtered;       /* entities only: idx[] maps view -> span index */
    uint32_t idx[];
} lq_view;

/* {==================================================================
 * The Doc itself
 * =================================================================== */

lq_doc *lq_doc_push(lua_State *L, qr_doc *doc, int owned)
{
    lq_doc *d = lua_newuserdatauv(L, sizeof *d, UV_COUNT);
    d->doc = doc;
    d->owned = owned;
    luaL_setmetatable(L, LQ_DOC_MT);
    return d;
}

void lq_doc_invalidate(lq_doc *d)
{
    if (d && !d->owned)
        d->doc = NULL;
}

static lq_doc *checkview(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, LQ_DOC_MT);
}

qr_doc *lq_checkdoc(lua_State *L, int idx)
{
    lq_doc *d = checkview(L, idx);
    if (!d->doc)
        luaL_error(L, INVALID_MSG);
    return d->doc;
}

static qr_doc *owner_doc(lua_State *L, lq_doc *owner)
{
    if (!owner->doc)
        luaL_error(L, INVALID_MSG);
    return owner->doc;
}

static int doc_gc(lua_State *L)
{
    lq_doc *d = checkview(L, 1);
    if (d->owned && d->doc)
        qr_doc_free(d->doc);
    d->doc = NULL;
    return 0;
}

static int doc_tostring(lua_State *L)
{
    lq_doc *d = checkview(L, 1);
    if (!d->doc)
        lua_pushliteral(L, "quarry.Doc (no longer valid)");
    else
        lua_pushfstring(L, "quarry.Doc '%s' (%I bytes)", d->doc->id ? d->doc->id : "",
                        (lua_Integer)d->doc->len);
    return 1;
}

static const char *doc_text(const qr_doc *doc)
{
    return doc->text ? doc->text : "";
}

static void push_meta(lua_State *L, qr_doc *doc)
{
    if (lua_getiuservalue(L, 1, UV_META) != LUA_TNIL)
        return;
    lua_pop(L, 1);
    if (doc->meta)
        lq_push_json(L, doc->meta, 1);
    else {
        json_t *empty = json_object();
        lq_push_json(L, empty, 1);
        json_decref(empty);
    }
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, 1, UV_META);
}

static void push_fields(lua_State *L)
{
    if (lua_getiuservalue(L, 1, UV_FIELDS) != LUA_TNIL)
        return;
    lua_pop(L, 1);
    lq_doc **f = lua_newuserdatauv(L, sizeof *f, 1);
    *f = checkview(L, 1);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    luaL_setmetatable(L, FIELDS_MT);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, 1, UV_FIELDS);
}

static int doc_index(lua_State *L)
{
    qr_doc *doc = lq_checkdoc(L, 1);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "id") == 0)
        lua_pushstring(L, doc->id ? doc->id : "");
    else if (strcmp(k, "text") == 0) {
        if (lua_getiuservalue(L, 1, UV_TEXT) == LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushlstring(L, doc_text(doc), doc->len);
            lua_pushvalue(L, -1);
            lua_setiuservalue(L, 1, UV_TEXT);
        }
    } else if (strcmp(k, "meta") == 0)
        push_meta(L, doc);
    else if (strcmp(k, "fields") == 0)
        push_fields(L);
    else if (strcmp(k, "label") == 0) {
        if (doc->label)
            lua_pushstring(L, doc->label);
        else
            lua_pushnil(L);
    } else {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TNIL)
            return luaL_error(L, "quarry.Doc has no field '%s' (keep your own values in doc.fields.%s)",
                              k, k);
    }
    return 1;
}

static int doc_newindex(lua_State *L)
{
    const char *k = luaL_checkstring(L, 2);
    lq_checkdoc(L, 1);
    if (!strcmp(k, "fields"))
        return luaL_error(L, "cannot replace doc.fields; assign its keys instead (doc.fields.name = value)");
    if (!strcmp(k, "id") || !strcmp(k, "text") || !strcmp(k, "meta") || !strcmp(k, "label"))
        return luaL_error(L, "cannot assign doc.%s: it is read-only%s", k,
                          !strcmp(k, "label") ? " (doc:set_label(label, score) chooses the label)" : "");
    return luaL_error(L, "cannot assign doc.%s; keep your own values in doc.fields.%s", k, k);
}

/* }================================================================== */

/* {==================================================================
 * doc.fields: assignable, stored as JSON in the C document
 * =================================================================== */

static qr_doc *fields_doc(lua_State *L)
{
    lq_doc **f = luaL_checkudata(L, 1, FIELDS_MT);
    return owner_doc(L, *f);
}

static const char *field_key(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TSTRING)
        luaL_error(L, "field names are strings, got a %s", luaL_typename(L, idx));
    return lq_name(L, idx, 0, "a field name");
}

static int fields_index(lua_State *L)
{
    qr_doc *doc = fields_doc(L);
    const char *k = field_key(L, 2);
    lq_push_json(L, doc->fields ? json_object_get(doc->fields, k) : NULL, 0);
    return 1;
}

static int fields_newindex(lua_State *L)
{
    qr_doc *doc = fields_doc(L);
    const char *k = field_key(L, 2);
    if (lua_isnil(L, 3)) {
        if (doc->fields)
            json_object_del(doc->fields, k);
        return 0;
    }
    char msg[256];
    json_t *v = lq_to_json(L, 3, msg, sizeof msg);
    if (!v)
        return luaL_error(L, "cannot store doc.fields.%s: %s", k, msg);
    qr_error err;
    if (qr_doc_set_field(doc, k, v, &err) != 0)
        return luaL_error(L, "%s", err.message);
    return 0;
}

static int fields_pairs(lua_State *L)
{
    qr_doc *doc = fields_doc(L);
    lua_pushcfunction(L, lq_next);
    lq_push_json(L, doc->fields, 0);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
    }
    lua_pushnil(L);
    return 3;
}

static int fields_tostring(lua_State *L)
{
    qr_doc *doc = fields_doc(L);
    char *s = doc->fields ? json_dumps(doc->fields, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    lua_pushstring(L, s ? s : "{}");
    free(s);
    return 1;
}

/* }================================================================== */

/* {==================================================================
 * Lazy views: tokens, sentences, entities
 * =================================================================== */

static lq_view *push_view(lua_State *L, const char *mt, size_t n, size_t nidx)
{
    lq_view *v = lua_newuserdatauv(L, sizeof *v + nidx * sizeof(uint32_t), 1);
    v->owner = checkview(L, 1);
    v->n = n;
    v->filtered = 0;
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    luaL_setmetatable(L, mt);
    return v;
}

/* The view at 1 and its document; raises if the document went away. */
static qr_doc *view_doc(lua_State *L, const char *mt, lq_view **out)
{
    lq_view *v = luaL_checkudata(L, 1, mt);
    *out = v;
    return owner_doc(L, v->owner);
}

/* Index argument of __index (1-based), or 0 if not an in-range integer. */
static size_t view_pos(lua_State *L, lq_view *v, int idx)
{
    int isnum;
    lua_Integer i = lua_tointegerx(L, idx, &isnum);
    if (!isnum || i < 1 || (lua_Unsigned)i > v->n)
        return 0;
    return (size_t)i;
}

/* For `for i, ... in view do`: the control value is the previous index. */
static size_t iter_next(lua_State *L, lq_view *v)
{
    lua_Integer i = lua_isnil(L, 3) ? 0 : luaL_checkinteger(L, 3);
    if (i < 0 || (lua_Unsigned)i >= v->n)
        return 0;
    return (size_t)i + 1;
}

/* The item a view's __index (call = 0) or __call (call = 1) asks for: its
 * 1-based index, or 0 after pushing nil (out of range, or the end). */
static size_t view_item(lua_State *L, const char *mt, int call, lq_view **v, qr_doc **doc)
{
    *doc = view_doc(L, mt, v);
    size_t i = call ? iter_next(L, *v) : view_pos(L, *v, 2);
    if (!i)
        lua_pushnil(L);
    return i;
}

static int view_len(lua_State *L)
{
    lq_view *v = luaL_testudata(L, 1, TOKENS_MT);
    if (!v)
        v = luaL_testudata(L, 1, SENTENCES_MT);
    if (!v)
        v = luaL_checkudata(L, 1, ENTITIES_MT);
    owner_doc(L, v->owner);
    lua_pushinteger(L, (lua_Integer)v->n);
    return 1;
}

static void setint(lua_State *L, const char *k, lua_Integer i)
{
    lua_pushinteger(L, i);
    lua_setfield(L, -2, k);
}

static void setstr(lua_State *L, const char *k, const char *s)
{
    if (!s)
        return;
    lua_pushstring(L, s);
    lua_setfield(L, -2, k);
}

static void setsub(lua_State *L, const char *k, const qr_doc *doc, uint32_t s, uint32_t e)
{
    lua_pushlstring(L, doc_text(doc) + s, e - s);
    lua_setfield(L, -2, k);
}

static void ensure(lua_State *L, qr_doc *doc, int sentences)
{
    qr_error err;
    qr_error_clear(&err);
    int rc = sentences ? qr_doc_ensure_sentences(doc, &err) : qr_doc_ensure_tokens(doc, &err);
    if (rc != 0)
        luaL_error(L, "%s", err.message);
}

/* tokens: for i, start, stop, kind, key in doc:tokens() */
static int doc_tokens(lua_State *L)
{
    qr_doc *doc = lq_checkdoc(L, 1);
    ensure(L, doc, 0);
    push_view(L, TOKENS_MT, doc->tokens.n, 0);
    return 1;
}

static int tokens_index(lua_State *L)
{
    lq_view *v;
    qr_doc *doc;
    size_t i = view_item(L, TOKENS_MT, 0, &v, &doc);
    if (!i)
        return 1;
    const qr_token *t = &doc->tokens.v[i - 1];
    lua_createtable(L, 0, 5);
    setint(L, "start", t->start + 1);
    setint(L, "stop", t->end);
    setstr(L, "kind", qr_token_kind_name(t->kind));
    setstr(L, "key", qr_token_key(&doc->tokens, i - 1));
    setsub(L, "text", doc, t->start, t->end);
    return 1;
}

static int tokens_call(lua_State *L)
{
    lq_view *v;
    qr_doc *doc;
    size_t i = view_item(L, TOKENS_MT, 1, &v, &doc);
    if (!i)
        return 1;
    const qr_token *t = &doc->tokens.v[i - 1];
    lua_pushinteger(L, (lua_Integer)i);
    lua_pushinteger(L, t->start + 1);
    lua_pushinteger(L, t->end);
    lua_pushstring(L, qr_token_kind_name(t->kind));
    lua_pushlstring(L, qr_token_key(&doc->tokens, i - 1), t->key_len);
    return 5;
}

/* sentences: for i, start, stop, first_token, last_token in doc:sentences() */
static int doc_sentences(lua_State *L)
{
    qr_doc *doc = lq_checkdoc(L, 1);
    ensure(L, doc, 1);
    push_view(L, SENTENCES_MT, doc->sentences.n, 0);
    return 1;
}

static int sentences_index(lua_State *L)
{
    lq_view *v;
    qr_doc *doc;
    size_t i = view_item(L, SENTENCES_MT, 0, &v, &doc);
    if (!i)
        return 1;
    const qr_sentence *s = &doc->sentences.v[i - 1];
    lua_createtable(L, 0, 5);
    setint(L, "start", s->start + 1);
    setint(L, "stop", s->end);
    setint(L, "first_token", s->tok_start + 1);
    setint(L, "last_token", s->tok_end);
    setsub(L, "text", doc, s->start, s->end);
    return 1;
}

static int sentences_call(lua_State *L)
{
    lq_view *v;
    qr_doc *doc;
    size_t i = view_item(L, SENTENCES_MT, 1, &v, &doc);
    if (!i)
        return 1;
    const qr_sentence *s = &doc->sentences.v[i - 1];
    lua_pushinteger(L, (lua_Integer)i);
    lua_pushinteger(L, s->start + 1);
    lua_pushinteger(L, s->end);
    lua_pushinteger(L, s->tok_start + 1);
    lua_pushinteger(L, s->tok_end);
    return 5;
}

/* entities: a snapshot of the spans present when doc:entities() was called
 * (optionally only those with one label); for i, start, stop, label, id in … */
static int doc_entities(lua_State *L)
{
    qr_doc *doc = lq_checkdoc(L, 1);
    const char *label = luaL_optstring(L, 2, NULL);
    if (label)
        lq_name(L, 2, 2, "a label");
    if (!label) {
        push_view(L, ENTITIES_MT, doc->n_spans, 0);
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < doc->n_spans; i++)
        n += strcmp(doc->spans[i].label, label) == 0;
    lq_view *v = push_view(L, ENTITIES_MT, n, n);
    v->filtered = 1;
    n = 0;
    for (size_t i = 0; i < doc->n_spans; i++)
        if (strcmp(doc->spans[i].label, label) == 0)
            v->idx[n++] = (uint32_t)i;
    return 1;
}

static const qr_span *entity_at(lua_State *L, qr_doc *doc, lq_view *v, size_t i)
{
    size_t k = v->filtered ? v->idx[i - 1] : i - 1;
    if (k >= doc->n_spans)
        luaL_error(L, INVALID_MSG);
    return &doc->spans[k];
}

static int entities_index(lua_State *L)
{
    lq_view *v;
    qr_doc *doc;
    size_t i = view_item(L, ENTITIES_MT, 0, &v, &doc);
    if (!i)
        return 1;
    const qr_span *s = entity_at(L, doc, v, i);
    lua_createtable(L, 0, 8);
    setint(L, "start", s->start + 1);
    setint(L, "stop", s->end);
    setstr(L, "label", s->label);
    setstr(L, "id", s->id);
    setsub(L, "text", doc, s->start, s->end);
    lua_pushnumber(L, s->score);
    lua_setfield(L, -2, "score");
    setstr(L, "source", s->source);
    if (s->attrs) {
        lq_push_json(L, s->attrs, 0);
        lua_setfield(L, -2, "attrs");
    }
    return 1;
}

static int entities_call(lua_State *L)
{
    lq_view *v;
    qr_doc *doc;
    size_t i = view_item(L, ENTITIES_MT, 1, &v, &doc);
    if (!i)
        return 1;
    const qr_span *s = entity_at(L, doc, v, i);
    lua_pushinteger(L, (lua_Integer)i);
    lua_pushinteger(L, s->start + 1);
    lua_pushinteger(L, s->end);
    lua_pushstring(L, s->label);
    if (s->id)
        lua_pushstring(L, s->id);
    else
        lua_pushnil(L);
    return 5;
}

/* }================================================================== */

/* {==================================================================
 * Changing the document: entities and labels
 * =================================================================== */

/* doc:add_entity(start, stop, label [, id [, attrs]]) */
static int valid_utf8(const char *s)
{
    size_t n = strlen(s);
    return qr_utf8_validate(s, n) == n;
}

/* If byte p of t[0..len) is inside a valid multi-byte UTF-8 character but
 * not its first byte, returns that character's length and sets *lead to
 * its first byte; else 0. */
static size_t inside_char(const char *t, size_t len, size_t p, size_t *lead)
{
    for (size_t k = 1; k <= 3 && k <= p; k++) {
        const unsigned char *c = (const unsigned char *)t + p - k;
        if ((*c & 0xC0) == 0x80)
            continue;
        int32_t cp;
        size_t n = qr_utf8_decode(c, len - (p - k), &cp);
        if (cp == QR_UTF8_BAD || n <= k)
            return 0;
        *lead = p - k;
        return n;
    }
    return 0;
}

static int doc_add_entity(lua_State *L)
{
    qr_doc *doc = lq_checkdoc(L, 1);
    lua_Integer start = luaL_checkinteger(L, 2);
    lua_Integer stop = luaL_checkinteger(L, 3);
    luaL_checkstring(L, 4);
    const char *label = lq_name(L, 4, 4, "a label");
    const char *id = luaL_optstring(L, 5, NULL);
    if (id)
        id = lq_name(L, 5, 5, "an id");
    lua_Integer len = (lua_Integer)doc->len;
    if (start < 1 || start > len)
        return luaL_argerror(L, 2, lua_pushfstring(L, "start %I is outside the text (1..%I)",
                                                   start, len));
    if (stop < start || stop > len)
        return luaL_argerror(L, 3, lua_pushfstring(L, "stop %I is outside %I..%I (an entity has at least one byte)",
                                                   stop, start, len));
    size_t lead, n;
    if ((n = inside_char(doc->text, doc->len, (size_t)start - 1, &lead)))
        return luaL_argerror(L, 2, lua_pushfstring(L, "start %I cuts the UTF-8 character at "
                             "%I..%I; start at its first byte", start, (lua_Integer)lead + 1,
                             (lua_Integer)(lead + n)));
    if (stop < len && (n = inside_char(doc->text, doc->len, (size_t)stop, &lead)))
        return luaL_argerror(L, 3, lua_pushfstring(L, "stop %I cuts the UTF-8 character at "
                             "%I..%I; stop at its last byte", stop, (lua_Integer)lead + 1,
                             (lua_Integer)(lead + n)));
    if (!*label)
        return luaL_argerror(L, 4, "label is empty");
    if (!valid_utf8(label))     /* exports write labels and ids as they are */
        return luaL_argerror(L, 4, "label is not valid UTF-8");
    if (id && !valid_utf8(id))
        return luaL_argerror(L, 5, "id is not valid UTF-8");
    json_t *attrs = NULL;
    if (!lua_isnoneornil(L, 6)) {
        luaL_checktype(L, 6, LUA_TTABLE);
        char msg[256];
        attrs = lq_to_json(L, 6, msg, sizeof msg);
        if (!attrs)
            return luaL_argerror(L, 6, lua_pushstring(L, msg));
        if (!json_is_object(attrs) && !(json_is_array(attrs) && json_array_size(attrs) == 0)) {
            json_decref(attrs);
            return luaL_argerror(L, 6, "attrs must be a table with string keys");
        }
        if (json_is_array(attrs)) {
            json_decref(attrs);
            attrs = NULL;
        }
    }
    qr_error err;
    if (qr_doc_add_span(doc, (uint32_t)(start - 1), (uint32_t)stop, label, id, 1.0, attrs, &err) != 0)
        return luaL_error(L, "%s", err.message);
    return 0;
}

/* doc:labels() -> { label = score, … }, chosen label (or nil) */
static int doc_labels(lua_State *L)
{
    qr_doc *doc = lq_checkdoc(L, 1);
    lua_createtable(L, 0, (int)doc->n_labels);
    for (size_t i = 0; i < doc->n_labels; i++) {
        lua_pushnumber(L, doc->labels[i].score);
        lua_setfield(L, -2, doc->labels[i].label);
    }
    if (doc->label)
        lua_pushstring(L, doc->label);
    else
        lua_pushnil(L);
    return 2;
}

/* doc:set_label(label [, score = 1]): records the score; the chosen label
 * becomes `label` unless another label has a higher score. */
static int doc_set_label(lua_State *L)
{
    qr_doc *doc = lq_checkdoc(L, 1);
    luaL_checkstring(L, 2);
    const char *label = lq_name(L, 2, 2, "a label");
    double score = luaL_optnumber(L, 3, 1.0);
    if (!*label)
        return luaL_argerror(L, 2, "label is empty");
    if (!valid_utf8(label))
        return luaL_argerror(L, 2, "label is not valid UTF-8");
    qr_error err;
    if (qr_doc_set_label(doc, label, score, &err) != 0)
        return luaL_error(L, "%s", err.message);
    const char *best = label;
    double best_score = score;
    for (size_t i = 0; i < doc->n_labels; i++)
        if (doc->labels[i].score > best_score) {
            best = doc->labels[i].label;
            best_score = doc->labels[i].score;
        }
    if (qr_doc_choose_label(doc, best, &err) != 0)
        return luaL_error(L, "%s", err.message);
    return 0;
}

/* }================================================================== */

/* {==================================================================
 * Records -> documents, q.doc
 * =================================================================== */

qr_doc *lq_doc_from_record(lua_State *L, int idx, const char *default_id, qr_error *err)
{
    idx = lua_absindex(L, idx);
    qr_doc *doc = qr_doc_new();
    if (!doc) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (qr_doc_set_id(doc, default_id, err) != 0 || qr_doc_set_text(doc, s, len, err) != 0)
            goto fail;
        return doc;
    }
    if (lua_type(L, idx) != LUA_TTABLE) {
        qr_error_set(err, "a record is a string (the text) or a table {id=…, text=…}, got a %s",
                     luaL_typename(L, idx));
        goto fail;
    }
    lua_pushliteral(L, "text");
    if (lua_rawget(L, idx) != LUA_TSTRING) {
        qr_error_set(err, "the record has no string field 'text'");
        lua_pop(L, 1);
        goto fail;
    }
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    int rc = qr_doc_set_text(doc, s, len, err);
    lua_pop(L, 1);
    if (rc != 0)
        goto fail;
    lua_pushliteral(L, "id");
    int t = lua_rawget(L, idx);
    if (t != LUA_TNIL && t != LUA_TSTRING && t != LUA_TNUMBER) {
        qr_error_set(err, "the record's 'id' must be a string or a number, got a %s",
                     luaL_typename(L, -1));
        lua_pop(L, 1);
        goto fail;
    }
    size_t idlen = 0;
    const char *id = t == LUA_TNIL ? default_id : lua_tolstring(L, -1, &idlen);
    if (t != LUA_TNIL && memchr(id, '\0', idlen)) {
        qr_error_set(err, "the record's 'id' cannot hold a NUL byte (\\0 at byte %zu); remove it",
                     (size_t)((const char *)memchr(id, '\0', idlen) - id));
        lua_pop(L, 1);
        goto fail;
    }
    rc = qr_doc_set_id(doc, id, err);
    lua_pop(L, 1);
    if (rc != 0)
        goto fail;
    json_t *meta = NULL;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            qr_error_set(err, "record keys must be strings, got a %s", luaL_typename(L, -2));
            lua_pop(L, 2);
            json_decref(meta);
            goto fail;
        }
        size_t klen;
        const char *k = lua_tolstring(L, -2, &klen);
        if (memchr(k, '\0', klen)) {
            qr_error_set(err, "record key '%s' cannot hold a NUL byte (\\0 at byte %zu); remove it", k,
                         strlen(k));
            lua_pop(L, 2);
            json_decref(meta);
            goto fail;
        }
        if (strcmp(k, "id") == 0 || strcmp(k, "text") == 0) {
            lua_pop(L, 1);
            continue;
        }
        char msg[256];
        json_t *v = lq_to_json(L, -1, msg, sizeof msg);
        if (!v) {
            qr_error_set(err, "record field '%s': %s", k, msg);
            lua_pop(L, 2);
            json_decref(meta);
            goto fail;
        }
        if ((!meta && !(meta = json_object())) || json_object_set_new(meta, k, v) != 0) {
            qr_error_set(err, "record field '%s': key is not valid UTF-8", k);
            lua_pop(L, 2);
            json_decref(meta);
            goto fail;
        }
        lua_pop(L, 1);
    }
    qr_doc_set_meta(doc, meta);
    return doc;
fail:
    qr_doc_free(doc);
    return NULL;
}

/* q.doc(text_or_record): a standalone document, for scripts and tests. */
static int q_doc(lua_State *L)
{
    luaL_argexpected(L, lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TTABLE, 1,
                     "string or table");
    qr_error err;
    qr_error_clear(&err);
    qr_doc *doc = lq_doc_from_record(L, 1, "doc", &err);
    if (!doc)
        return luaL_argerror(L, 1, lua_pushstring(L, err.message));
    lq_doc_push(L, doc, 1);
    return 1;
}

/* }================================================================== */

int lq_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_next(L, 1))
        return 2;
    lua_pushnil(L);
    return 1;
}

static const luaL_Reg doc_methods[] = {
    {"tokens", doc_tokens},
    {"sentences", doc_sentences},
    {"entities", doc_entities},
    {"add_entity", doc_add_entity},
    {"labels", doc_labels},
    {"set_label", doc_set_label},
    {NULL, NULL}
};

static const luaL_Reg doc_meta[] = {
    {"__newindex", doc_newindex},
    {"__gc", doc_gc},
    {"__close", doc_gc},
    {"__tostring", doc_tostring},
    {NULL, NULL}
};

static const luaL_Reg fields_meta[] = {
    {"__index", fields_index},
    {"__newindex", fields_newindex},
    {"__pairs", fields_pairs},
    {"__tostring", fields_tostring},
    {NULL, NULL}
};

static const luaL_Reg tokens_meta[] = {
    {"__index", tokens_index}, {"__len", view_len}, {"__call", tokens_call}, {NULL, NULL}};
static const luaL_Reg sentences_meta[] = {
    {"__index", sentences_index}, {"__len", view_len}, {"__call", sentences_call}, {NULL, NULL}};
static const luaL_Reg entities_meta[] = {
    {"__index", entities_index}, {"__len", view_len}, {"__call", entities_call}, {NULL, NULL}};

void lq_open_doc(lua_State *L)
{
    lq_new_class(L, LQ_DOC_MT, doc_meta, doc_methods, doc_index);
    lq_new_class(L, FIELDS_MT, fields_meta, NULL, NULL);
    lq_new_class(L, TOKENS_MT, tokens_meta, NULL, NULL);
    lq_new_class(L, SENTENCES_MT, sentences_meta, NULL, NULL);
    lq_new_class(L, ENTITIES_MT, entities_meta, NULL, NULL);

    lua_pushcfunction(L, q_doc);
    lua_setfield(L, -2, "doc");
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
}
