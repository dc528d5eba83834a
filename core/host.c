#include "host.h"
#include "doc.h"
#include "error.h"
#include "registry.h"
#include "value.h"

#include <limits.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* {==================================================================
 * Errors and registry
 * =================================================================== */
static int h_register_step(qr_registry *reg, const qr_step_def *def, qr_error *err)
{
    return qr_registry_add(reg, def, err);
}

static int h_error(qr_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qr_error_vset(err, fmt, ap);
    va_end(ap);
    return -1;
}

/* }================================================================== */

/* {==================================================================
 * Document
 * =================================================================== */
static const char *h_doc_id(const qr_doc *doc)
{
    return doc->id ? doc->id : "";
}

static const char *h_doc_text(const qr_doc *doc, size_t *len)
{
    if (len)
        *len = doc->len;
    return doc->text ? doc->text : "";
}

static int h_doc_set_text(qr_doc *doc, const char *text, size_t len, qr_error *err)
{
    if (doc->text_locked)
        return qr_error_set(err, "doc_set_text: step '%s' does not declare QR_STEP_MODIFIES_TEXT; add "
                            "it to the step's flags (the text is then kept for on_error: skip)",
                            doc->current_step ? doc->current_step : "");
    return qr_doc_set_text(doc, text, len, err);
}

static const qr_token *h_doc_tokens(qr_doc *doc, size_t *n)
{
    if (qr_doc_ensure_tokens(doc, NULL) != 0) {
        if (n)
            *n = 0;
        return NULL;
    }
    if (n)
        *n = doc->tokens.n;
    return doc->tokens.v;
}

static const char *h_doc_token_key(qr_doc *doc, size_t i, size_t *len)
{
    if (qr_doc_ensure_tokens(doc, NULL) != 0 || i >= doc->tokens.n) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = doc->tokens.v[i].key_len;
    return qr_token_key(&doc->tokens, i);
}

static const qr_sentence *h_doc_sentences(qr_doc *doc, size_t *n)
{
    if (qr_doc_ensure_sentences(doc, NULL) != 0) {
        if (n)
            *n = 0;
        return NULL;
    }
    if (n)
        *n = doc->sentences.n;
    return doc->sentences.v;
}

static size_t h_doc_span_count(const qr_doc *doc)
{
    return doc->n_spans;
}

/* attrs_json points into a per-span cache: jansson objects are dumped on
 * request; to keep the accessor allocation-free for the common case, spans
 * without attributes report NULL. With attributes, the text is interned in
 * the doc pool (the doc is const here, but the pool is a cache). */
static int h_doc_span(const qr_doc *doc, size_t i, qr_span_view *out)
{
    if (i >= doc->n_spans)
        return -1;
    const qr_span *s = &doc->spans[i];
    out->start = s->start;
    out->end = s->end;
    out->label = s->label;
    out->id = s->id;
    out->source = s->source;
    out->score = s->score;
    out->attrs_json = NULL;
    if (s->attrs) {
        char *j = json_dumps(s->attrs, JSON_COMPACT | JSON_SORT_KEYS);
        if (!j)
            return -1;
        out->attrs_json = qr_doc_intern((qr_doc *)doc, j);
        free(j);
    }
    return 0;
}

static int h_doc_add_span(qr_doc *doc, uint32_t start, uint32_t end, const char *label,
                          const char *id, double score, const char *attrs_json, qr_error *err)
{
    /* byte offsets at character boundaries: an export converts them to
     * code points, and a cut character would come out as U+FFFD */
    const char *text = doc->text ? doc->text : "";
    if ((start < doc->len && ((unsigned char)text[start] & 0xC0) == 0x80) ||
        (end < doc->len && ((unsigned char)text[end] & 0xC0) == 0x80))
        return qr_error_set(err, "span %u..%u (label %s): byte %u is inside a character; give offsets "
                            "at character boundaries", start, end, label ? label : "",
                            start < doc->len && ((unsigned char)text[start] & 0xC0) == 0x80 ? start : end);
    json_t *attrs = NULL;
    if (attrs_json) {
        json_error_t je;
        attrs = json_loads(attrs_json, JSON_DECODE_ANY, &je);
        if (!attrs)
            return qr_error_set(err, "span attributes are not valid JSON: %s", je.text);
        if (!json_is_object(attrs)) {
            json_decref(attrs);
            return qr_error_set(err, "span attributes must be a JSON object");
        }
    }
    return qr_doc_add_span(doc, start, end, label, id, score, attrs, err);
}

static size_t h_doc_label_count(const qr_doc *doc)
{
    return doc->n_labels;
}

static int h_doc_label(const qr_doc *doc, size_t i, const char **label, double *score)
{
    if (i >= doc->n_labels)
        return -1;
    if (label)
        *label = doc->labels[i].label;
    if (score)
        *score = doc->labels[i].score;
    return 0;
}

static int h_doc_set_label(qr_doc *doc, const char *label, double score, qr_error *err)
{
    if (!label || !*label)
        return qr_error_set(err, "a label must be a non-empty string");
    return qr_doc_set_label(doc, label, score, err);
}

static char *dump_member(const json_t *obj, const char *key)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static char *h_doc_field_json(const qr_doc *doc, const char *key)
{
    return dump_member(doc->fields, key);
}

static int h_doc_set_field_json(qr_doc *doc, const char *key, const char *json, qr_error *err)
{
    if (!key || !json)
        return qr_error_set(err, "doc_set_field_json: %s is NULL", !key ? "the field's name" : "the JSON");
    json_error_t je;
    json_t *v = json_loads(json, JSON_DECODE_ANY, &je);
    if (!v)
        return qr_error_set(err, "field '%s': not valid JSON: %s", key, je.text);
    return qr_doc_set_field(doc, key, v, err);
}

static int h_doc_set_field_number(qr_doc *doc, const char *key, double v, qr_error *err)
{
    if (!key)
        return qr_error_set(err, "doc_set_field_number: the field's name is NULL");
    if (!isfinite(v))
        return qr_error_set(err, "field '%s': %s cannot be stored in JSON", key,
                            isnan(v) ? "NaN" : v > 0 ? "infinity" : "-infinity");
    json_t *j = (v > -9e15 && v < 9e15 && v == (double)(json_int_t)v)
                    ? json_integer((json_int_t)v) : json_real(v);
    if (!j)
        return qr_error_set(err, "field '%s': %g cannot be stored in JSON (NaN or infinite)", key, v);
    return qr_doc_set_field(doc, key, j, err);
}

static int h_doc_set_field_string(qr_doc *doc, const char *key, const char *s, qr_error *err)
{
    if (!key || !s)
        return qr_error_set(err, "doc_set_field_string: %s is NULL", !key ? "the field's name" : "the value");
    json_t *j = json_string(s);
    if (!j)
        return qr_error_set(err, "field '%s': the value is not valid UTF-8", key);
    return qr_doc_set_field(doc, key, j, err);
}

static char *h_doc_meta_json(const qr_doc *doc, const char *key)
{
    return dump_member(doc->meta, key);
}

static void h_free(void *p)
{
    free(p);
}

/* }================================================================== */

/* {==================================================================
 * Option values
 * =================================================================== */
static const qr_value *h_opt(const qr_value *map, const char *key)
{
    return qr_value_get(map, key);
}

static qr_value_type h_value_type(const qr_value *v)
{
    return v ? v->type : QR_VAL_NULL;
}

static char *h_resolve_path(const qr_step_ctx *ctx, const char *path)
{
    if (!path)
        return NULL;
    if (path[0] == '/' || strcmp(path, "-") == 0 || !ctx || !ctx->base_dir || !*ctx->base_dir ||
        strcmp(ctx->base_dir, ".") == 0)
        return strdup(path);
    size_t n = strlen(ctx->base_dir) + strlen(path) + 2;
    char *r = malloc(n);
    if (r)
        snprintf(r, n, "%s/%s", ctx->base_dir, path);
    return r;
}

/* }================================================================== */

static const qr_host_api host_api = {
    .abi_major = QR_ABI_MAJOR,
    .abi_minor = QR_ABI_MINOR,
    .size = sizeof(qr_host_api),
    .register_step = h_register_step,
    .error = h_error,
    .doc_id = h_doc_id,
    .doc_text = h_doc_text,
    .doc_set_text = h_doc_set_text,
    .doc_tokens = h_doc_tokens,
    .doc_token_key = h_doc_token_key,
    .doc_sentences = h_doc_sentences,
    .doc_span_count = h_doc_span_count,
    .doc_span = h_doc_span,
    .doc_add_span = h_doc_add_span,
    .doc_label_count = h_doc_label_count,
    .doc_label = h_doc_label,
    .doc_set_label = h_doc_set_label,
    .doc_field_json = h_doc_field_json,
    .doc_set_field_json = h_doc_set_field_json,
    .doc_set_field_number = h_doc_set_field_number,
    .doc_set_field_string = h_doc_set_field_string,
    .doc_meta_json = h_doc_meta_json,
    .free = h_free,
    .opt = h_opt,
    .value_type = h_value_type,
    .value_bool = qr_value_bool,
    .value_int = qr_value_int,
    .value_number = qr_value_number,
    .value_string = qr_value_string,
    .value_len = qr_value_len,
    .value_at = qr_value_at,
    .value_key_at = qr_value_key_at,
    .value_mark = qr_value_mark,
    .resolve_path = h_resolve_path,
};

const qr_host_api *qr_host_api_get(void)
{
    return &host_api;
}
