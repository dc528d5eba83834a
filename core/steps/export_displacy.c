/*
 * export_displacy — the documents in displaCy's manual format, one JSON
 * array of {"text", "ents": [{"start", "end", "label"}], "title"} with
 * code-point offsets, for spaCy's displacy.render(docs, style="ent",
 * manual=True) and tools that read the same shape.
 *
 * displaCy draws no overlapping entities: the leftmost, then longest, span
 * is kept. Spans labelled in `skip_labels` (default QUOTE) are left out.
 * Written to a temporary file renamed over `path` at the end.
 */
#include "doc.h"
#include "error.h"
#include "news_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct dx_state {
    char *path, *tmp;
    FILE *f;
    char **skip;
    size_t n_skip;
    uint64_t n;
    int done;
} dx_state;

static void dx_free(void *state)
{
    dx_state *s = state;
    if (!s)
        return;
    if (s->f)
        fclose(s->f);
    for (size_t i = 0; i < s->n_skip; i++)
        free(s->skip[i]);
    free(s->skip);
    qr_out_release(s->path, s->tmp, s->done);
    free(s);
}

static void *dx_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx, qr_error *err)
{
    dx_state *s = calloc(1, sizeof *s);
    const qr_value *v;
    if (!s) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    if (qr_out_path_opt(api, opts, ctx, "export_displacy needs `path`, the JSON file to write", &s->path,
                        &s->tmp, err) != 0) {
        dx_free(s);
        return NULL;
    }
    if (!s->tmp)
        return s;       /* quarry check: nothing is made */
    if (!(s->f = fopen(s->tmp, "wb"))) {
        qr_error_set(err, "cannot write %s: %s", s->tmp, strerror(errno));
        dx_free(s);
        return NULL;
    }
    v = api->opt(opts, "skip_labels");
    size_t n = !v ? 1 : api->value_type(v) == QR_VAL_LIST ? api->value_len(v) : 1;
    if (!(s->skip = calloc(n + 1, sizeof *s->skip))) {
        qr_error_set(err, "out of memory");
        dx_free(s);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const char *l = !v ? "QUOTE" : api->value_string(api->value_type(v) == QR_VAL_LIST ? api->value_at(v, i) : v);
        if (l && !(s->skip[s->n_skip++] = strdup(l))) {
            qr_error_set(err, "out of memory");
            dx_free(s);
            return NULL;
        }
    }
    fputs("[", s->f);
    return s;
}

static int skipped(const dx_state *s, const char *label)
{
    for (size_t i = 0; i < s->n_skip; i++)
        if (strcmp(s->skip[i], label) == 0)
            return 1;
    return 0;
}

static int dx_process(void *state, void *ts, qr_doc *d, qr_error *err)
{
    (void)ts;
    dx_state *s = state;
    json_t *o = json_object(), *ents = json_array();
    if (!o || !ents) {
        json_decref(o);
        json_decref(ents);
        return qr_error_set(err, "out of memory");
    }
    qr_doc_sort_spans(d);
    uint32_t pos = 0;
    qr_cp_cursor cur = {0, 0};
    for (size_t i = 0; i < d->n_spans; i++) {
        const qr_span *sp = &d->spans[i];
        if (sp->start < pos || sp->end == sp->start || skipped(s, sp->label))
            continue;
        json_t *e = json_object();
        json_object_set_new(e, "start", json_integer((json_int_t)qr_cp_at(d->text, d->len, &cur, sp->start)));
        json_object_set_new(e, "end", json_integer((json_int_t)qr_cp_at(d->text, d->len, &cur, sp->end)));
        json_object_set_new(e, "label", json_string(sp->label));
        json_array_append_new(ents, e);
        pos = sp->end;
    }
    json_object_set_new(o, "text", json_stringn(d->text ? d->text : "", d->len));
    json_object_set_new(o, "ents", ents);
    json_object_set_new(o, "title", json_string(d->id ? d->id : ""));
    char *js = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!js)
        return qr_error_set(err, "document '%s': cannot encode as JSON (is the text valid UTF-8?)",
                            d->id ? d->id : "");
    fprintf(s->f, "%s\n%s", s->n++ ? "," : "", js);
    free(js);
    return ferror(s->f) ? qr_error_set(err, "cannot write %s: %s", s->tmp, strerror(errno)) : 0;
}

static int dx_finish(void *state, qr_error *err)
{
    dx_state *s = state;
    fputs("\n]\n", s->f);
    FILE *f = s->f;
    s->f = NULL;
    if (qr_out_close(f, s->tmp, err) != 0)
        return -1;
    if (qr_out_commit(s->tmp, s->path, err) != 0)
        return -1;
    s->done = 1;
    return 0;
}

static const qr_option_def dx_options[] = {
    {"path", QR_OPT_PATH, NULL, NULL, "the JSON file to write (an array, one object per document)",
     QR_OPT_REQUIRED | QR_OPT_OUTPUT | QR_OPT_WRITTEN},
    {"skip_labels", QR_OPT_STRING_LIST, "[QUOTE]", NULL, "labels left out", 0},
    {NULL, 0, NULL, NULL, NULL, 0}};

const qr_step_def qr_step_export_displacy_def = {
    .size = sizeof(qr_step_def),
    .name = "export_displacy",
    .description = "write displaCy manual-mode JSON ({text, ents: [{start, end, label}], title}, code points)",
    .options = dx_options,
    .flags = QR_STEP_ORDERED,
    .init = dx_init,
    .process = dx_process,
    .finish = dx_finish,
    .free = dx_free,
};
