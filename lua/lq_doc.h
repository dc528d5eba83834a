/*
 * lq_doc — documents as seen from Lua, and JSON <-> Lua conversion.
 *
 * A quarry.Doc is a view over a C qr_doc, never a copy: `doc.text`,
 * `doc:entities()` … read the C document on demand. The view does not own
 * the document unless it was made by q.doc or p:process. A step pushes a
 * view, calls the script, then invalidates the view: a script that kept
 * `doc` (in a global, an upvalue, a table) and uses it later gets the error
 * "document is no longer valid outside its step" instead of reading a
 * document that has since been reused for the next record.
 *
 * Sub-views (doc.fields, doc:tokens(), doc:entities(), doc:sentences())
 * hold a reference to their Doc and check it on every access, so they are
 * invalidated along with it.
 */
#ifndef QR_LQ_DOC_H
#define QR_LQ_DOC_H

#include <jansson.h>
#include "lq.h"
#include "doc.h"

#define LQ_DOC_MT "quarry.Doc"

typedef struct lq_doc {
    qr_doc *doc;   /* NULL once invalidated                        */
    int owned;     /* the view frees the qr_doc when collected      */
} lq_doc;

/* Pushes a new quarry.Doc over `doc` (owned: freed by the view's __gc). */
lq_doc *lq_doc_push(lua_State *L, qr_doc *doc, int owned);
/* Ends a non-owned view; the qr_doc itself is untouched. */
void lq_doc_invalidate(lq_doc *d);
/* The qr_doc behind the Doc at idx; raises if not a Doc or invalidated. */
qr_doc *lq_checkdoc(lua_State *L, int idx);

/* Pushes a JSON value as Lua: objects and arrays become tables (read-only
 * proxies when `readonly`), null becomes quarry.null. */
void lq_push_json(lua_State *L, const json_t *j, int readonly);
/* Converts the Lua value at idx to a new JSON value. Strings, numbers,
 * booleans, quarry.null, and tables (a sequence 1..n becomes an array, an
 * empty table an array, string keys an object). Returns NULL with a message
 * in err on anything else (functions, mixed keys, NaN, cycles). Never raises
 * except on out-of-memory. */
json_t *lq_to_json(lua_State *L, int idx, char *err, size_t errlen);

/* Builds a qr_doc from a string (the text) or a record table
 * {id=, text=, other fields -> meta}. Returns NULL with err on a bad record. */
qr_doc *lq_doc_from_record(lua_State *L, int idx, const char *default_id, qr_error *err);

/* A C `next` (the base library may not be loaded): for __pairs. */
int lq_next(lua_State *L);
/* Registers the Doc metatables; adds q.doc and q.null to the table at -1. */
void lq_open_doc(lua_State *L);

#endif
