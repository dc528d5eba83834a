/*
 * jsonl_fast — JSONL records with simdjson On-Demand (see jsonl_fast.h).
 *
 * It replaced cJSON: reading the 62 MB Brown JSONL went from 0.10 s to
 * 0.05 s (bench/RESULTS.md, "Speed-ups, second round"). No exception
 * leaves this file: simdjson is used with error codes, and allocation
 * failures of the C++ runtime are caught and reported as "use jansson".
 */
#define SIMDJSON_EXCEPTIONS 0
#include <simdjson.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

#include "io/jsonl_fast.h"

using namespace simdjson;

struct qr_jsonl_fast {
    ondemand::parser parser;
    char *buf = nullptr;        /* a copy of a line, with SIMDJSON_PADDING bytes after it */
    size_t cap = 0;
};

extern "C" qr_jsonl_fast *qr_jsonl_fast_new(void)
{
    return new (std::nothrow) qr_jsonl_fast();
}

extern "C" void qr_jsonl_fast_free(qr_jsonl_fast *p)
{
    if (!p)
        return;
    std::free(p->buf);
    delete p;
}

static json_t *to_json(ondemand::value v);

static json_t *object_to_json(ondemand::object o)
{
    json_t *j = json_object();
    if (!j)
        return nullptr;
    for (auto f : o) {
        ondemand::field fld;
        std::string_view k;
        if (std::move(f).get(fld) != SUCCESS || fld.unescaped_key().get(k) != SUCCESS
            || k.find('\0') != std::string_view::npos)     /* jansson refuses NUL in keys */
            goto fail;
        json_t *c = to_json(fld.value());
        /* setn: the key is not NUL-terminated; a duplicate replaces */
        if (!c || json_object_setn_new(j, k.data(), k.size(), c) != 0)
            goto fail;
    }
    return j;
fail:
    json_decref(j);
    return nullptr;
}

/* s is a JSON number as the grammar has it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json_number_syntax(std::string_view s)
{
    size_t i = 0, n = s.size();
    auto digits = [&]() { size_t b = i; while (i < n && s[i] >= '0' && s[i] <= '9') i++; return i > b; };
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if (!(i < n && s[i] >= '1' && s[i] <= '9' && digits()))
        return false;
    if (i < n && s[i] == '.' && (++i, !digits()))
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (!digits())
            return false;
    }
    return i == n;
}

static json_t *array_to_json(ondemand::array a)
{
    json_t *j = json_array();
    if (!j)
        return nullptr;
    for (auto e : a) {
        ondemand::value ev;
        if (std::move(e).get(ev) != SUCCESS || json_array_append_new(j, to_json(ev)) != 0) {
            json_decref(j);
            return nullptr;
        }
    }
    return j;
}

/* A jansson value of v; NULL if simdjson or jansson rejects it (or out of
 * memory): the whole line then goes to jansson. */
static json_t *to_json(ondemand::value v)
{
    ondemand::json_type t;
    if (v.type().get(t) != SUCCESS)
        return nullptr;
    switch (t) {
    case ondemand::json_type::object: {
        ondemand::object o;
        return v.get_object().get(o) == SUCCESS ? object_to_json(o) : nullptr;
    }
    case ondemand::json_type::array: {
        ondemand::array a;
        return v.get_array().get(a) == SUCCESS ? array_to_json(a) : nullptr;
    }
    case ondemand::json_type::string: {
        std::string_view s;
        return v.get_string().get(s) == SUCCESS ? json_stringn(s.data(), s.size()) : nullptr;
    }
    case ondemand::json_type::number: {
        /* jansson reads the number from its characters: exact integers,
         * reals as reals, and its own verdict on overflow and syntax */
        std::string_view raw = v.raw_json_token();
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\r' ||
                                raw.back() == '\n'))
            raw.remove_suffix(1);
        json_t *j = json_loadb(raw.data(), raw.size(), JSON_DECODE_ANY, nullptr);
        /* beyond what jansson holds (an integer past 64 bits, such as a
         * tweet id; 1e400): kept exactly, as a string of its characters */
        if (!j && json_number_syntax(raw))
            j = json_stringn(raw.data(), raw.size());
        return j;
    }
    case ondemand::json_type::boolean: {
        bool b;
        return v.get_bool().get(b) == SUCCESS ? json_boolean(b) : nullptr;
    }
    case ondemand::json_type::null: {
        bool n;
        return v.is_null().get(n) == SUCCESS && n ? json_null() : nullptr;
    }
    }
    return nullptr;
}

static_assert(QR_JSONL_PADDING >= SIMDJSON_PADDING, "QR_JSONL_PADDING is too small");

static int parse(qr_jsonl_fast *p, const char *s, size_t n, int padded, const char *text_field,
                 const char *id_field, qr_jsonl_record *out)
{
    const char *in = s;
    size_t room = n + SIMDJSON_PADDING;
    if (!padded) {
        if (n + SIMDJSON_PADDING > p->cap) {
            size_t cap = (n + SIMDJSON_PADDING) * 2;
            char *b = static_cast<char *>(std::realloc(p->buf, cap));
            if (!b)
                return -1;
            p->buf = b;
            p->cap = cap;
        }
        std::memcpy(p->buf, s, n);
        std::memset(p->buf + n, 0, SIMDJSON_PADDING);
        in = p->buf;
        room = p->cap;
    }

    ondemand::document doc;
    ondemand::object obj;
    if (p->parser.iterate(in, n, room).get(doc) != SUCCESS
        || doc.get_object().get(obj) != SUCCESS)
        return -1;
    std::string_view text, k;
    bool have_text = false;
    for (auto f : obj) {
        ondemand::field fld;
        if (std::move(f).get(fld) != SUCCESS || fld.unescaped_key().get(k) != SUCCESS
            || k.find('\0') != std::string_view::npos)
            return -1;
        ondemand::value v = fld.value();
        if (k == text_field) {
            /* not a string: jansson gives the message (or, for an earlier
             * duplicate, the right answer) */
            if (v.get_string().get(text) != SUCCESS)
                return -1;
            have_text = true;
            continue;
        }
        json_t *j = to_json(v);
        if (!j)
            return -1;
        if (k == id_field) {
            json_decref(out->id);
            out->id = j;
        } else if ((!out->meta && !(out->meta = json_object()))
                   || json_object_setn_new(out->meta, k.data(), k.size(), j) != 0) {
            return -1;
        }
    }
    /* nothing but white space after the object: no structural left */
    const char *rest;
    if (!have_text || doc.current_location().get(rest) == SUCCESS)
        return -1;
    out->text = text.data();
    out->text_len = text.size();
    return 0;
}

extern "C" int qr_jsonl_fast_parse(qr_jsonl_fast *p, const char *s, size_t n, int padded,
                                   const char *text_field, const char *id_field,
                                   qr_jsonl_record *out)
{
    *out = qr_jsonl_record();
    int rc = -1;
    try {
        rc = parse(p, s, n, padded, text_field, id_field, out);
    } catch (...) {
        rc = -1;
    }
    if (rc != 0) {
        json_decref(out->id);
        json_decref(out->meta);
        *out = qr_jsonl_record();
    }
    return rc;
}
