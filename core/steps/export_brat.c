/*
 * export_brat — brat standoff: for each document NAME.txt (the text) and
 * NAME.ann with one text-bound annotation per span
 *     T1<TAB>LABEL START END<TAB>covered text
 * (code-point offsets; a span over a line break is written as fragments
 * "START END;START END"), its canonical id as a note
 *     #1<TAB>AnnotatorNotes T1<TAB>id
 * and, for quotes, the speaker as a note. An annotation.conf lists the
 * labels seen so brat shows them. NAME is the document id's file name
 * without extension, made unique ("-2", "-3"…).
 *
 * The folder is built under a temporary name and renamed over `path` at the
 * end (an earlier folder at `path` is replaced).
 */
#include "doc.h"
#include "error.h"
#include "news_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct brat_state {
    char *path, *tmp;
    qr_counter names, labels;
    char quote_label[64];
    int done;
} brat_state;

static void brat_free(void *state)
{
    brat_state *s = state;
    if (!s)
        return;
    qr_out_release(s->path, s->tmp, s->done);
    qr_counter_free(&s->names);
    qr_counter_free(&s->labels);
    free(s);
}

static void *brat_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx, qr_error *err)
{
    brat_state *s = calloc(1, sizeof *s);
    const qr_value *v;
    if (!s) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    if (qr_out_path_opt(api, opts, ctx, "export_brat needs `path`, the folder to write", &s->path, &s->tmp, err)
            != 0
        || (s->tmp && qr_out_mkdirs(s->tmp, err) != 0)) {
        brat_free(s);
        return NULL;
    }
    v = api->opt(opts, "quote_label");
    snprintf(s->quote_label, sizeof s->quote_label, "%s", v && api->value_string(v) ? api->value_string(v) : "QUOTE");
    return s;
}

/* brat labels are [A-Za-z0-9_-]: anything else becomes '_' */
static void put_label(FILE *f, const char *l)
{
    for (; *l; l++)
        fputc((*l >= 'A' && *l <= 'Z') || (*l >= 'a' && *l <= 'z') || (*l >= '0' && *l <= '9') || *l == '-' ? *l : '_', f);
}

static void put_note(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc(*s == '\n' || *s == '\t' || *s == '\r' ? ' ' : *s, f);
}

static int brat_process(void *state, void *ts, qr_doc *d, qr_error *err)
{
    (void)ts;
    brat_state *s = state;
    const char *id = d->id && *d->id ? d->id : "doc";
    const char *base = strrchr(id, '/');
    base = base ? base + 1 : id;
    char name[200];
    size_t n = 0;
    for (const char *p = base; *p && n < sizeof name - 16; p++)
        name[n++] = (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20) ? '_' : *p;
    name[n] = '\0';
    char *dot = strrchr(name, '.');
    if (dot && dot != name)
        *dot = '\0';
    if (!*name || strcmp(name, "annotation") == 0)
        snprintf(name, sizeof name, "doc");
    if (qr_counter_add(&s->names, name, 1, 0) != 0)
        return qr_error_set(err, "out of memory");
    long seen = qr_counter_get(&s->names, name);
    if (seen > 1)
        snprintf(name + strlen(name), 16, "-%d", (int)(seen % 1000000));
    size_t plen = strlen(s->tmp) + strlen(name) + 8;
    char *p = malloc(plen);
    if (!p)
        return qr_error_set(err, "out of memory");
    snprintf(p, plen, "%s/%s.txt", s->tmp, name);
    FILE *txt = fopen(p, "wb");
    snprintf(p, plen, "%s/%s.ann", s->tmp, name);
    FILE *ann = txt ? fopen(p, "wb") : NULL;
    if (!txt || !ann) {
        qr_error_set(err, "cannot write %s: %s", p, strerror(errno));
        if (txt)
            fclose(txt);
        free(p);
        return -1;
    }
    fwrite(d->text ? d->text : "", 1, d->len, txt);
    qr_doc_sort_spans(d);
    int t = 0, note = 0;
    qr_cp_cursor cur = {0, 0};
    for (size_t i = 0; i < d->n_spans; i++) {
        const qr_span *sp = &d->spans[i];
        if (sp->end <= sp->start)
            continue;
        if (qr_counter_add(&s->labels, sp->label, 1, 0) != 0) {
            fclose(txt);
            fclose(ann);
            free(p);
            return qr_error_set(err, "out of memory");
        }
        fprintf(ann, "T%d\t", ++t);
        put_label(ann, sp->label);
        uint32_t a = sp->start;
        while (a < sp->end) {   /* fragments between line breaks */
            const char *nl = memchr(d->text + a, '\n', sp->end - a);
            uint32_t b = nl ? (uint32_t)(nl - d->text) : sp->end;
            if (b > a) {
                size_t ca = qr_cp_at(d->text, d->len, &cur, a);
                fprintf(ann, "%s%zu %zu", a == sp->start ? " " : ";", ca, qr_cp_at(d->text, d->len, &cur, b));
            }
            a = b;
            while (a < sp->end && (d->text[a] == '\n' || d->text[a] == '\r'))
                a++;
        }
        fputc('\t', ann);
        for (uint32_t k = sp->start; k < sp->end; k++)
            fputc(d->text[k] == '\n' || d->text[k] == '\r' ? ' ' : d->text[k], ann);
        fputc('\n', ann);
        const char *what = strcmp(sp->label, s->quote_label) == 0
                               ? json_string_value(json_object_get(sp->attrs, "speaker_id"))
                               : sp->id;
        if (!what && strcmp(sp->label, s->quote_label) == 0)
            what = json_string_value(json_object_get(sp->attrs, "speaker"));
        if (what) {
            fprintf(ann, "#%d\tAnnotatorNotes T%d\t%s", ++note, t,
                    strcmp(sp->label, s->quote_label) == 0 ? "speaker: " : "");
            put_note(ann, what);
            fputc('\n', ann);
        }
    }
    int bad = ferror(txt) || ferror(ann);
    bad |= fclose(txt) != 0;
    bad |= fclose(ann) != 0;
    int rc = bad ? qr_error_set(err, "cannot write %s: %s", p, strerror(errno)) : 0;
    free(p);
    return rc;
}

static int brat_finish(void *state, qr_error *err)
{
    brat_state *s = state;
    size_t plen = strlen(s->tmp) + 32, n = 0;
    char *p = malloc(plen);
    if (!p)
        return qr_error_set(err, "out of memory");
    snprintf(p, plen, "%s/annotation.conf", s->tmp);
    FILE *f = fopen(p, "wb");
    if (!f) {
        qr_error_set(err, "cannot write %s: %s", p, strerror(errno));
        free(p);
        return -1;
    }
    qr_counter_item *labels = qr_counter_sorted(&s->labels, &n);
    fputs("[entities]\n", f);
    for (size_t i = 0; i < n; i++) {
        put_label(f, labels[i].key);
        fputc('\n', f);
    }
    fputs("[relations]\n\n[events]\n\n[attributes]\n", f);
    free(labels);
    int rc = qr_out_close(f, p, err);
    free(p);
    if (rc != 0 || qr_out_commit(s->tmp, s->path, err) != 0)
        return -1;
    s->done = 1;
    return 0;
}

static const qr_option_def brat_options[] = {
    {"path", QR_OPT_PATH, NULL, NULL, "the folder to write (NAME.txt + NAME.ann per document)",
     QR_OPT_REQUIRED | QR_OPT_OUTPUT | QR_OPT_WRITTEN},
    {"quote_label", QR_OPT_STRING, "QUOTE", NULL, "spans whose note is the speaker", 0},
    {NULL, 0, NULL, NULL, NULL, 0}};

const qr_step_def qr_step_export_brat_def = {
    .size = sizeof(qr_step_def),
    .name = "export_brat",
    .description = "write brat standoff annotations (.txt + .ann per document, code-point offsets)",
    .options = brat_options,
    .flags = QR_STEP_ORDERED,
    .init = brat_init,
    .process = brat_process,
    .finish = brat_finish,
    .free = brat_free,
};
