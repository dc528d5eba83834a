/*
 * export_html — one self-contained report page (inline CSS and SVG, no
 * scripts, nothing fetched from the network).
 *
 * At the top: a legend of the entity types with their colours, a bar chart
 * of entity mentions by type, the most mentioned entities and the pairs
 * most often in the same sentence, over the whole corpus. Then one section
 * per document: its topic label, key phrases, the text with every entity
 * highlighted displaCy-style (<mark class="entity" data-label="PERSON"
 * data-id="Kim Jong Un">Kim<span class="label">PERSON</span></mark>), and
 * its quotes with their speakers.
 *
 * Overlapping entities: the leftmost, then longest, is drawn; spans labelled
 * `quote_label` are listed under the text instead of highlighted. Documents
 * are written to a temporary body file as they come (memory stays flat);
 * `finish` assembles the page into a temporary file renamed over `path`.
 */
#include "doc.h"
#include "error.h"
#include "news_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct html_state {
    char *path, *tmp, *body_path;
    FILE *body;
    char title[256], quote_label[64];
    int top, max_docs, done;
    uint64_t n_docs;
    qr_counter labels, entities, pairs;
} html_state;

static const struct { const char *label, *color; } palette[] = {
    {"PERSON", "#aa9cfc"}, {"ORG", "#7aecec"}, {"GPE", "#feca74"}, {"LOC", "#ff9561"},
    {"NORP", "#c887fb"}, {"DATE", "#bfe1d9"}, {"EVENT", "#ffeb80"}, {"FAC", "#9cc9cc"},
    {"PRODUCT", "#bfeeb7"}, {"MONEY", "#e4e7d2"}, {"TIME", "#bfe1d9"}, {"PERCENT", "#e4e7d2"},
    {"LAW", "#ff8197"}, {"WORK_OF_ART", "#f0d0ff"}, {"LANGUAGE", "#ff8197"}, {"CITY", "#feca74"},
    {NULL, NULL}};

static const char *color_of(const char *label)
{
    for (size_t i = 0; palette[i].label; i++)
        if (strcmp(palette[i].label, label) == 0)
            return palette[i].color;
    /* other labels: a stable pastel from the label's bytes */
    static const char *const extra[] = {"#f4c2c2", "#c2e0f4", "#d7f4c2", "#f4e3c2", "#e0c2f4", "#c2f4ec"};
    unsigned h = 0;
    for (const char *p = label; *p; p++)
        h = h * 31 + (unsigned char)*p;
    return extra[h % 6];
}

static void esc(FILE *f, const char *s)
{
    qr_out_html(f, s, strlen(s));
}

/* An entity's name for the tables: a city id "Moscow, RU" reads "Moscow"
 * (the whole id stays in the title attribute and in the data exports). */
static void write_name(FILE *f, const char *s, size_t n)
{
    if (n >= 5 && s[n - 4] == ',' && s[n - 3] == ' ' && s[n - 2] >= 'A' && s[n - 2] <= 'Z'
        && s[n - 1] >= 'A' && s[n - 1] <= 'Z') {
        fputs("<span title=\"", f);
        qr_out_html(f, s, n);
        fputs("\">", f);
        qr_out_html(f, s, n - 4);
        fputs("</span>", f);
    } else {
        qr_out_html(f, s, n);
    }
}

static void html_free(void *state)
{
    html_state *s = state;
    if (!s)
        return;
    if (s->body)
        fclose(s->body);
    if (s->body_path)
        unlink(s->body_path);
    qr_out_release(s->path, s->tmp, s->done);
    free(s->body_path);
    qr_counter_free(&s->labels);
    qr_counter_free(&s->entities);
    qr_counter_free(&s->pairs);
    free(s);
}

static void *html_init(const qr_host_api *api, const qr_value *opts, const qr_step_ctx *ctx, qr_error *err)
{
    html_state *s = calloc(1, sizeof *s);
    const qr_value *v;
    if (!s) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    if (qr_out_path_opt(api, opts, ctx, "export_html needs `path`, the page to write", &s->path, &s->tmp, err)
        != 0) {
        html_free(s);
        return NULL;
    }
    if (s->tmp) {       /* (NULL under quarry check: nothing is made) */
        size_t n = strlen(s->tmp) + 8;
        if (!(s->body_path = malloc(n))) {
            qr_error_set(err, "out of memory");
            html_free(s);
            return NULL;
        }
        snprintf(s->body_path, n, "%s.body", s->tmp);
        if (!(s->body = fopen(s->body_path, "w+b"))) {
            qr_error_set(err, "cannot write %s: %s", s->body_path, strerror(errno));
            free(s->body_path);
            s->body_path = NULL;
            html_free(s);
            return NULL;
        }
    }
    v = api->opt(opts, "title");
    snprintf(s->title, sizeof s->title, "%s", v && api->value_string(v) ? api->value_string(v)
                                                 : ctx->pipeline_name && *ctx->pipeline_name
                                                     ? ctx->pipeline_name : "quarry report");
    v = api->opt(opts, "quote_label");
    snprintf(s->quote_label, sizeof s->quote_label, "%s", v && api->value_string(v) ? api->value_string(v) : "QUOTE");
    s->top = (v = api->opt(opts, "top")) ? (int)api->value_int(v) : 15;
    s->max_docs = (v = api->opt(opts, "max_docs")) ? (int)api->value_int(v) : 200;
    return s;
}

/* Plain text [pos, upto): paragraphs on blank lines, <br> on single ones. */
static void write_plain(FILE *f, const qr_doc *d, size_t pos, size_t upto)
{
    while (pos < upto) {
        const char *nl = memchr(d->text + pos, '\n', upto - pos);
        size_t e = nl ? (size_t)(nl - d->text) : upto;
        qr_out_html(f, d->text + pos, e - pos);
        pos = e;
        if (nl) {
            size_t k = pos;
            while (k < upto && (d->text[k] == '\n' || d->text[k] == ' '))
                k++;
            int blank = 0;
            for (size_t j = pos + 1; j < k; j++)
                blank |= d->text[j] == '\n';
            fputs(blank ? "</p>\n<p>" : "<br>\n", f);
            pos = k;
        }
    }
}

static int is_quote(const qr_span *sp, const char *quote_label)
{
    return strcmp(sp->label, quote_label) == 0;
}

static const char *speaker_of(const qr_span *q)
{
    const char *who = json_string_value(json_object_get(q->attrs, "speaker_id"));
    return who ? who : json_string_value(json_object_get(q->attrs, "speaker"));
}

/* The text with paragraphs, line breaks, entity marks and quotes
 * (<span class="quote" data-speaker=…> with the speaker after it). An
 * entity that crosses a quote's edge, or a quote over a blank line, is
 * drawn as plain text. */
static void write_text(FILE *f, const qr_doc *d, const char *quote_label)
{
    size_t pos = 0, qi = 0;
    const qr_span *open_q = NULL;
    fputs("<div class=\"text\"><p>", f);
    for (size_t i = 0;; ) {
        /* the next quote that can open here */
        while (qi < d->n_spans && (!is_quote(&d->spans[qi], quote_label) || d->spans[qi].start < pos
                                   || memmem(d->text + d->spans[qi].start, d->spans[qi].end - d->spans[qi].start, "\n\n", 2)))
            qi++;
        const qr_span *nq = !open_q && qi < d->n_spans ? &d->spans[qi] : NULL;
        /* the next entity that fits inside the current quote or before the next one */
        const qr_span *ne = NULL;
        for (; i < d->n_spans; i++) {
            const qr_span *sp = &d->spans[i];
            if (is_quote(sp, quote_label) || sp->start < pos || memchr(d->text + sp->start, '\n', sp->end - sp->start))
                continue;
            if (open_q && sp->start >= open_q->end)
                break;
            if ((open_q && sp->end > open_q->end) || (nq && sp->start < nq->start && sp->end > nq->start))
                continue;
            ne = sp;
            break;
        }
        size_t at = d->len;
        if (open_q)
            at = open_q->end;
        if (nq && nq->start < at)
            at = nq->start;
        if (ne && ne->start < at)
            at = ne->start;
        write_plain(f, d, pos, at);
        pos = at;
        if (open_q && at == open_q->end && !(ne && ne->start == at && ne->end <= open_q->end && ne->end > at)) {
            const char *who = speaker_of(open_q);
            fputs("</span>", f);
            if (who) {
                fputs("<span class=\"said\">", f);
                esc(f, who);
                fputs("</span>", f);
            }
            open_q = NULL;
            continue;
        }
        if (nq && at == nq->start) {
            const char *who = speaker_of(nq);
            fputs("<span class=\"quote\"", f);
            if (who) {
                fputs(" data-speaker=\"", f);
                esc(f, who);
                fputs("\" title=\"", f);
                esc(f, who);
                fputs("\"", f);
            }
            fputs(">", f);
            open_q = nq;
            qi++;
            continue;
        }
        if (!ne)
            break;
        fprintf(f, "<mark class=\"entity\" data-label=\"");
        esc(f, ne->label);
        fputs("\"", f);
        if (ne->id) {
            fputs(" data-id=\"", f);
            esc(f, ne->id);
            fputs("\" title=\"", f);
            esc(f, ne->id);
            fputs("\"", f);
        }
        fprintf(f, " style=\"background:%s\">", color_of(ne->label));
        qr_out_html(f, d->text + ne->start, ne->end - ne->start);
        fputs("<span class=\"label\">", f);
        esc(f, ne->label);
        fputs("</span></mark>", f);
        pos = ne->end;
        i++;
    }
    fputs("</p></div>\n", f);
}

static int html_process(void *state, void *ts, qr_doc *d, qr_error *err)
{
    (void)ts;
    html_state *s = state;
    FILE *f = s->body;
    char key[1024];
    uint64_t doc = s->n_docs++;
    qr_doc_sort_spans(d);
    for (size_t i = 0; i < d->n_spans; i++) {
        const qr_span *sp = &d->spans[i];
        if (strcmp(sp->label, s->quote_label) == 0)
            continue;
        /* demonyms by their text ("North Korean"), not their country's id */
        int n = sp->id && strcmp(sp->label, "NORP") != 0 ? snprintf(key, sizeof key, "%s\x1f%s", sp->label, sp->id)
                       : snprintf(key, sizeof key, "%s\x1f%.*s", sp->label, (int)(sp->end - sp->start),
                                  d->text + sp->start);
        if (n < 0 || qr_counter_add(&s->labels, sp->label, 1, doc) != 0
            || qr_counter_add(&s->entities, key, 1, doc) != 0)
            return qr_error_set(err, "out of memory");
    }
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(d->fields, "cooccurrences"), i, o) {
        const char *a = json_string_value(json_object_get(o, "a")), *b = json_string_value(json_object_get(o, "b"));
        if (!a || !b)
            continue;
        snprintf(key, sizeof key, "%s\x1f%s", a, b);
        if (qr_counter_add(&s->pairs, key, (long)json_integer_value(json_object_get(o, "count")), doc) != 0)
            return qr_error_set(err, "out of memory");
    }
    if (s->max_docs >= 0 && doc >= (uint64_t)s->max_docs)
        return 0;

    const char *id = d->id ? d->id : "";
    const char *base = strrchr(id, '/');
    fprintf(f, "<section class=\"doc\" id=\"doc-%llu\">\n<h2>", (unsigned long long)doc + 1);
    esc(f, base ? base + 1 : id);
    if (d->label) {
        fputs(" <span class=\"topic\">", f);
        esc(f, d->label);
        fputs("</span>", f);
    }
    fputs("</h2>\n", f);
    json_t *kw = json_object_get(d->fields, "keywords");
    if (json_array_size(kw)) {
        fputs("<p class=\"keywords\">", f);
        json_array_foreach(kw, i, o) {
            const char *t = json_string_value(json_object_get(o, "term"));
            if (!t)
                continue;
            fputs("<span class=\"kw\">", f);
            esc(f, t);
            fputs("</span> ", f);
        }
        fputs("</p>\n", f);
    }
    write_text(f, d, s->quote_label);
    int nq = 0;
    for (size_t k = 0; k < d->n_spans; k++) {
        const qr_span *sp = &d->spans[k];
        if (strcmp(sp->label, s->quote_label) != 0)
            continue;
        if (!nq++)
            fputs("<h3>Quotes</h3>\n<ul class=\"quotes\">\n", f);
        const char *who = json_string_value(json_object_get(sp->attrs, "speaker_id"));
        if (!who)
            who = json_string_value(json_object_get(sp->attrs, "speaker"));
        fputs("<li><span class=\"speaker\">", f);
        esc(f, who ? who : "unattributed");
        fputs("</span> <q>", f);
        qr_out_html(f, d->text + sp->start, sp->end - sp->start);
        fputs("</q></li>\n", f);
    }
    if (nq)
        fputs("</ul>\n", f);
    fputs("</section>\n", f);
    return ferror(f) ? qr_error_set(err, "cannot write %s: %s", s->body_path, strerror(errno)) : 0;
}

static const char css[] =
    "body{font:16px/1.6 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:60em;"
    "margin:2em auto;padding:0 1em;color:#222;background:#fff}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;border-top:2px solid #eee;padding-top:1em}"
    ".meta{color:#666}.legend span{display:inline-block;margin:0 .5em .3em 0;padding:.1em .5em;"
    "border-radius:.3em;font-size:.8em;font-weight:bold}"
    "mark.entity{padding:.15em .35em;margin:0 .1em;line-height:2;border-radius:.35em;"
    "box-decoration-break:clone;-webkit-box-decoration-break:clone}"
    "mark.entity .label{font-size:.6em;font-weight:bold;text-transform:uppercase;"
    "vertical-align:middle;margin-left:.4em;opacity:.75}"
    ".topic{font-size:.7em;background:#333;color:#fff;padding:.1em .5em;border-radius:.3em;"
    "vertical-align:middle}"
    ".kw{display:inline-block;background:#f2f2f2;border-radius:1em;padding:0 .6em;margin:.1em;font-size:.85em}"
    ".quotes li{margin-bottom:.4em}.speaker{font-weight:bold}"
    ".quote{background:#f6f6f6;border-bottom:2px dotted #999}"
    ".said{font-size:.7em;color:#555;background:#eee;border-radius:.3em;padding:0 .4em;margin-left:.3em;"
    "vertical-align:super}"
    "table{border-collapse:collapse;margin:.5em 0 1em}td,th{padding:.15em .8em;text-align:left;"
    "border-bottom:1px solid #eee}td.n{text-align:right}"
    ".cols{display:flex;flex-wrap:wrap;gap:2em}.cols>div{flex:1;min-width:18em}";

static void write_summary(FILE *f, html_state *s)
{
    size_t nl = 0, ne = 0, np = 0;
    qr_counter_item *labels = qr_counter_sorted(&s->labels, &nl);
    qr_counter_item *ents = qr_counter_sorted(&s->entities, &ne);
    qr_counter_item *pairs = qr_counter_sorted(&s->pairs, &np);
    long total = 0;
    for (size_t i = 0; i < nl; i++)
        total += labels[i].count;
    fprintf(f, "<p class=\"meta\">%llu document%s, %ld entity mentions.</p>\n",
            (unsigned long long)s->n_docs, s->n_docs == 1 ? "" : "s", total);
    fputs("<div class=\"legend\">", f);
    for (size_t i = 0; i < nl; i++) {
        fprintf(f, "<span style=\"background:%s\">", color_of(labels[i].key));
        esc(f, labels[i].key);
        fputs("</span>", f);
    }
    fputs("</div>\n", f);
    if (nl) {   /* bar chart: mentions by type */
        long max = labels[0].count;
        int row = 26, w = 520;
        fprintf(f, "<svg class=\"chart\" role=\"img\" aria-label=\"entity mentions by type\" "
                   "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">\n",
                w + 160, (int)nl * row + 4, w + 160, (int)nl * row + 4);
        for (size_t i = 0; i < nl; i++) {
            int bw = max ? (int)((double)labels[i].count / (double)max * w) : 0;
            int y = (int)i * row + 2;
            fprintf(f, "<text x=\"0\" y=\"%d\" font-size=\"13\" font-family=\"sans-serif\">", y + 17);
            esc(f, labels[i].key);
            fprintf(f, "</text><rect x=\"80\" y=\"%d\" width=\"%d\" height=\"20\" rx=\"3\" fill=\"%s\">"
                       "<title>%ld</title></rect>"
                       "<text x=\"%d\" y=\"%d\" font-size=\"13\" font-family=\"sans-serif\">%ld</text>\n",
                    y, bw < 1 ? 1 : bw, color_of(labels[i].key), labels[i].count, 86 + bw, y + 15,
                    labels[i].count);
        }
        fputs("</svg>\n", f);
    }
    fputs("<div class=\"cols\"><div><h3>Top entities</h3>\n<table><tr><th>entity</th><th>type</th>"
          "<th>mentions</th><th>docs</th></tr>\n", f);
    for (size_t i = 0; i < ne && i < (size_t)s->top; i++) {
        char *sep = strchr(ents[i].key, '\x1f');
        fputs("<tr><td>", f);
        write_name(f, sep ? sep + 1 : ents[i].key, strlen(sep ? sep + 1 : ents[i].key));
        fprintf(f, "</td><td><span style=\"background:%s;padding:0 .4em;border-radius:.3em\">",
                color_of(sep ? (*sep = '\0', ents[i].key) : ""));
        esc(f, ents[i].key);
        if (sep)
            *sep = '\x1f';
        fprintf(f, "</span></td><td class=\"n\">%ld</td><td class=\"n\">%ld</td></tr>\n", ents[i].count,
                ents[i].docs);
    }
    fputs("</table></div>\n<div><h3>Entities in the same sentence</h3>\n<table><tr><th>pair</th>"
          "<th>sentences</th><th>docs</th></tr>\n", f);
    for (size_t i = 0; i < np && i < (size_t)s->top; i++) {
        char *sep = strchr(pairs[i].key, '\x1f');
        fputs("<tr><td>", f);
        if (sep) {
            write_name(f, pairs[i].key, (size_t)(sep - pairs[i].key));
            fputs(" &amp; ", f);
            write_name(f, sep + 1, strlen(sep + 1));
        } else {
            write_name(f, pairs[i].key, strlen(pairs[i].key));
        }
        fprintf(f, "</td><td class=\"n\">%ld</td><td class=\"n\">%ld</td></tr>\n", pairs[i].count,
                pairs[i].docs);
    }
    fputs("</table></div></div>\n", f);
    if (s->max_docs >= 0 && s->n_docs > (uint64_t)s->max_docs)
        fprintf(f, "<p class=\"meta\">The first %d documents are shown below.</p>\n", s->max_docs);
    free(labels);
    free(ents);
    free(pairs);
}

static int html_finish(void *state, qr_error *err)
{
    html_state *s = state;
    FILE *out = fopen(s->tmp, "wb");
    if (!out)
        return qr_error_set(err, "cannot write %s: %s", s->tmp, strerror(errno));
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", out);
    esc(out, s->title);
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", css);
    esc(out, s->title);
    fputs("</h1>\n", out);
    write_summary(out, s);
    char buf[65536];
    size_t n;
    fflush(s->body);
    rewind(s->body);
    while ((n = fread(buf, 1, sizeof buf, s->body)) > 0)
        fwrite(buf, 1, n, out);
    fputs("<p class=\"meta\">Made by quarry.</p>\n</body>\n</html>\n", out);
    int bad = ferror(out) || ferror(s->body);
    if (fclose(out) != 0 || bad) {
        unlink(s->tmp);
        return qr_error_set(err, "cannot write %s: %s", s->tmp, strerror(errno));
    }
    if (qr_out_commit(s->tmp, s->path, err) != 0)
        return -1;
    s->done = 1;
    return 0;
}

static const qr_option_def html_options[] = {
    {"path", QR_OPT_PATH, NULL, NULL, "the HTML page to write",
     QR_OPT_REQUIRED | QR_OPT_OUTPUT | QR_OPT_WRITTEN},
    {"title", QR_OPT_STRING, NULL, NULL, "page title (default: the pipeline's name)", 0},
    {"top", QR_OPT_INT, "15", NULL, "rows in the top entities and pairs tables", 0},
    {"max_docs", QR_OPT_INT, "200", NULL, "documents shown in full (-1: all); the tables count every one", 0},
    {"quote_label", QR_OPT_STRING, "QUOTE", NULL, "spans listed as quotes instead of highlighted", 0},
    {NULL, 0, NULL, NULL, NULL, 0}};

const qr_step_def qr_step_export_html_def = {
    .size = sizeof(qr_step_def),
    .name = "export_html",
    .description = "write a self-contained HTML report: highlighted entities, quotes, top entities, a chart",
    .options = html_options,
    .flags = QR_STEP_ORDERED,
    .init = html_init,
    .process = html_process,
    .finish = html_finish,
    .free = html_free,
};
