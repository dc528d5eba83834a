/*
 * export_sqlite — the documents and what the pipeline found in them, as one
 * SQLite database (libsqlite3).
 *
 *   documents(id PK, doc_id UNIQUE, text, label, fields JSON, meta JSON)
 *   entities(id PK, doc → documents, start, end, text, label, entity_id, score, source)
 *   quotes(id PK, doc → documents, start, end, text, speaker, speaker_id)
 *   labels(doc → documents, label, score, chosen; PK (doc, label))
 *   keywords(doc → documents, term, score, count)
 *   cooccurrences(doc → documents, a, a_label, b, b_label, count)
 *   view top_entities(label, entity, mentions, documents)
 *
 * Spans labelled `quote_label` go to quotes (speaker attrs from the quotes
 * step), every other span to entities; keywords and cooccurrences come from
 * the doc fields of the same names (when present). Offsets are code points
 * unless `offsets: bytes`. Everything is written in one transaction into a
 * temporary file renamed over `path` at the end: re-running replaces the old
 * database whole, and a failed run leaves the previous one in place.
 */
#include "doc.h"
#include "error.h"
#include "news_out.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char schema[] =
    "PRAGMA foreign_keys = ON;"
    "PRAGMA journal_mode = OFF;"
    "PRAGMA synchronous = OFF;"
    "CREATE TABLE documents (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE, text TEXT,"
    " label TEXT, fields TEXT, meta TEXT);"
    "CREATE TABLE entities (id INTEGER PRIMARY KEY,"
    " doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
    " start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL, label TEXT NOT NULL,"
    " entity_id TEXT, score REAL, source TEXT);"
    "CREATE TABLE quotes (id INTEGER PRIMARY KEY,"
    " doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
    " start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL, speaker TEXT, speaker_id TEXT);"
    "CREATE TABLE labels (doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
    " label TEXT NOT NULL, score REAL, chosen INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (doc, label));"
    "CREATE TABLE keywords (doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
    " term TEXT NOT NULL, score REAL, count INTEGER);"
    "CREATE TABLE cooccurrences (doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
    " a TEXT NOT NULL, a_label TEXT NOT NULL, b TEXT NOT NULL, b_label TEXT NOT NULL, count INTEGER NOT NULL);"
    "CREATE INDEX entities_doc ON entities(doc);"
    "CREATE INDEX entities_label ON entities(label, entity_id);"
    "CREATE INDEX quotes_doc ON quotes(doc);"
    "CREATE INDEX quotes_speaker ON quotes(speaker_id);"
    "CREATE INDEX keywords_doc ON keywords(doc);"
    "CREATE INDEX keywords_term ON keywords(term);"
    "CREATE INDEX cooccurrences_doc ON cooccurrences(doc);"
    "CREATE INDEX cooccurrences_pair ON cooccurrences(a_label, a, b_label, b);"
    "CREATE VIEW top_entities AS SELECT label, coalesce(entity_id, text) AS entity,"
    " count(*) AS mentions, count(DISTINCT doc) AS documents FROM entities"
    " GROUP BY label, entity ORDER BY mentions DESC, label, entity;"
    "BEGIN;";

enum { S_DOC, S_ENT, S_QUOTE, S_LABEL, S_KW, S_CO, S_COUNT };
static const char *const stmt_sql[S_COUNT] = {
    "INSERT INTO documents (doc_id, text, label, fields, meta) VALUES (?, ?, ?, ?, ?)",
    "INSERT INTO entities (doc, start, end, text, label, entity_id, score, source) VALUES (?,?,?,?,?,?,?,?)",
    "INSERT INTO quotes (doc, start, end, text, speaker, speaker_id) VALUES (?,?,?,?,?,?)",
    "INSERT INTO labels (doc, label, score, chosen) VALUES (?,?,?,?)",
    "INSERT INTO keywords (doc, term, score, count) VALUES (?,?,?,?)",
    "INSERT INTO cooccurrences (doc, a, a_label, b, b_label, count) VALUES (?,?,?,?,?,?)",
};

typedef struct sq_state {
    char *path, *tmp;
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    char quote_label[64];
    int bytes, include_text, done;
} sq_state;

static int db_error(sq_state *s, qr_error *err, const char *what)
{
    return qr_error_set(err, "sqlite export to %s: %s: %s", s->path, what,
                        s->db ? sqlite3_errmsg(s->db) : "cannot open");
}

static void close_db(sq_state *s)
{
    for (int i = 0; i < S_COUNT; i++) {
        sqlite3_finalize(s->st[i]);
        s->st[i] = NULL;
    }
    if (s->db)
        sqlite3_close(s->db);
    s->db = NULL;
}

static void sq_free(void *state)
{
    sq_state *s = state;
    if (!s)
        return;
    close_db(s);
    qr_out_release(s->path, s->tmp, s->done);
    free(s);
}

static void *sq_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx, qr_error *err)
{
    sq_state *s = calloc(1, sizeof *s);
    const qr_value *v;
    if (!s) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    if (qr_out_path_opt(api, opts, ctx, "export_sqlite needs `path`, the database file to write", &s->path,
                        &s->tmp, err) != 0) {
        sq_free(s);
        return NULL;
    }
    v = api->opt(opts, "offsets");
    s->bytes = v && api->value_string(v) && strcmp(api->value_string(v), "bytes") == 0;
    v = api->opt(opts, "include_text");
    s->include_text = v ? api->value_bool(v) : 1;
    v = api->opt(opts, "quote_label");
    const char *ql = v && api->value_string(v) ? api->value_string(v) : "QUOTE";
    snprintf(s->quote_label, sizeof s->quote_label, "%s", ql);
    if (!s->tmp)
        return s;       /* quarry check: nothing is made */
    char *msg = NULL;
    if (sqlite3_open_v2(s->tmp, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK
        || sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        qr_error_set(err, "sqlite export to %s: %s", s->path, msg ? msg : s->db ? sqlite3_errmsg(s->db) : "cannot open");
        sqlite3_free(msg);
        sq_free(s);
        return NULL;
    }
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v2(s->db, stmt_sql[i], -1, &s->st[i], NULL) != SQLITE_OK) {
            db_error(s, err, "prepare");
            sq_free(s);
            return NULL;
        }
    return s;
}

static void bind_text(sqlite3_stmt *st, int i, const char *t, size_t n)
{
    if (t)
        sqlite3_bind_text(st, i, t, (int)n, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_str(sqlite3_stmt *st, int i, const char *t)
{
    bind_text(st, i, t, t ? strlen(t) : 0);
}

static int step(sq_state *s, int which, qr_error *err)
{
    sqlite3_stmt *st = s->st[which];
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : db_error(s, err, "insert");
}

static int64_t off(const sq_state *s, const qr_doc *d, qr_cp_cursor *cur, uint32_t b)
{
    return s->bytes ? (int64_t)b : (int64_t)qr_cp_at(d->text, d->len, cur, b);
}

static int sq_process(void *state, void *ts, qr_doc *d, qr_error *err)
{
    (void)ts;
    sq_state *s = state;
    sqlite3_stmt *st = s->st[S_DOC];
    char *fields = d->fields ? json_dumps(d->fields, JSON_COMPACT) : NULL;
    char *meta = d->meta ? json_dumps(d->meta, JSON_COMPACT) : NULL;
    bind_str(st, 1, d->id ? d->id : "");
    bind_text(st, 2, s->include_text ? d->text : NULL, d->len);
    bind_str(st, 3, d->label);
    bind_str(st, 4, fields);
    bind_str(st, 5, meta);
    int rc = step(s, S_DOC, err);
    free(fields);
    free(meta);
    if (rc != 0) {
        if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE)
            qr_error_set(err, "sqlite export to %s: two documents have the id '%s'; ids must be unique",
                         s->path, d->id ? d->id : "");
        return -1;
    }
    sqlite3_int64 row = sqlite3_last_insert_rowid(s->db);
    qr_doc_sort_spans(d);
    qr_cp_cursor cs = {0, 0}, ce = {0, 0};
    for (size_t i = 0; i < d->n_spans && rc == 0; i++) {
        const qr_span *sp = &d->spans[i];
        int quote = strcmp(sp->label, s->quote_label) == 0;
        st = s->st[quote ? S_QUOTE : S_ENT];
        sqlite3_bind_int64(st, 1, row);
        sqlite3_bind_int64(st, 2, off(s, d, &cs, sp->start));
        sqlite3_bind_int64(st, 3, off(s, d, &ce, sp->end));
        bind_text(st, 4, d->text + sp->start, sp->end - sp->start);
        if (quote) {
            bind_str(st, 5, json_string_value(json_object_get(sp->attrs, "speaker")));
            bind_str(st, 6, json_string_value(json_object_get(sp->attrs, "speaker_id")));
        } else {
            bind_str(st, 5, sp->label);
            bind_str(st, 6, sp->id);
            sqlite3_bind_double(st, 7, sp->score);
            bind_str(st, 8, sp->source);
        }
        rc = step(s, quote ? S_QUOTE : S_ENT, err);
    }
    for (size_t i = 0; i < d->n_labels && rc == 0; i++) {
        st = s->st[S_LABEL];
        sqlite3_bind_int64(st, 1, row);
        bind_str(st, 2, d->labels[i].label);
        sqlite3_bind_double(st, 3, d->labels[i].score);
        sqlite3_bind_int(st, 4, d->label && strcmp(d->label, d->labels[i].label) == 0);
        rc = step(s, S_LABEL, err);
    }
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(d->fields, "keywords"), i, o) {
        if (rc != 0 || !json_is_string(json_object_get(o, "term")))
            break;
        st = s->st[S_KW];
        sqlite3_bind_int64(st, 1, row);
        bind_str(st, 2, json_string_value(json_object_get(o, "term")));
        sqlite3_bind_double(st, 3, json_number_value(json_object_get(o, "score")));
        sqlite3_bind_int64(st, 4, json_integer_value(json_object_get(o, "count")));
        rc = step(s, S_KW, err);
    }
    json_array_foreach(json_object_get(d->fields, "cooccurrences"), i, o) {
        if (rc != 0 || !json_is_string(json_object_get(o, "a")) || !json_is_string(json_object_get(o, "b")))
            break;
        st = s->st[S_CO];
        sqlite3_bind_int64(st, 1, row);
        bind_str(st, 2, json_string_value(json_object_get(o, "a")));
        bind_str(st, 3, json_string_value(json_object_get(o, "a_label")));
        bind_str(st, 4, json_string_value(json_object_get(o, "b")));
        bind_str(st, 5, json_string_value(json_object_get(o, "b_label")));
        sqlite3_bind_int64(st, 6, json_integer_value(json_object_get(o, "count")));
        rc = step(s, S_CO, err);
    }
    return rc;
}

static int sq_finish(void *state, qr_error *err)
{
    sq_state *s = state;
    char *msg = NULL;
    if (sqlite3_exec(s->db, "COMMIT;", NULL, NULL, &msg) != SQLITE_OK) {
        qr_error_set(err, "sqlite export to %s: commit: %s", s->path, msg ? msg : "");
        sqlite3_free(msg);
        return -1;
    }
    close_db(s);
    if (qr_out_commit(s->tmp, s->path, err) != 0)
        return -1;
    s->done = 1;
    return 0;
}

static const qr_option_def sq_options[] = {
    {"path", QR_OPT_PATH, NULL, NULL, "the database file; replaced whole at the end of the run",
     QR_OPT_REQUIRED | QR_OPT_OUTPUT | QR_OPT_WRITTEN},
    {"offsets", QR_OPT_ENUM, "codepoints", "codepoints|bytes", "entity and quote offsets", 0},
    {"include_text", QR_OPT_BOOL, "true", NULL, "store each document's text", 0},
    {"quote_label", QR_OPT_STRING, "QUOTE", NULL, "spans with this label go to the quotes table", 0},
    {NULL, 0, NULL, NULL, NULL, 0}};

const qr_step_def qr_step_export_sqlite_def = {
    .size = sizeof(qr_step_def),
    .name = "export_sqlite",
    .description = "write documents, entities, quotes, labels, keywords and co-occurrences to a SQLite database",
    .options = sq_options,
    .flags = QR_STEP_ORDERED,
    .init = sq_init,
    .process = sq_process,
    .finish = sq_finish,
    .free = sq_free,
};
