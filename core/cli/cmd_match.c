/* quarry match — gazetteer and regex entities of files (or stdin) as JSON lines. */
#include "cli.h"
#include "cli_input.h"
#include "cli_num.h"
#include "error.h"
#include "grow.h"
#include "gazetteer.h"
#include "regex.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Inputs are read in blocks of CHUNK bytes per job, cut after a blank line
 * when there is one (else after a line break) into one piece per job; the
 * pieces are matched in parallel and printed in order. A match never spans
 * a cut. Offsets are those of the whole input. */
#define CHUNK (1u << 20)
#define MAX_JOBS 64

static const char usage_text[] =
    "usage: quarry match [-g FILE]... [--label L] [-e LABEL=REGEX]...\n"
    "                    [--case sensitive|insensitive|smart] [--fold-accents]\n"
    "                    [--overlaps] [--cache FILE] [--count] [-j N] [FILE...]\n"
    "\n"
    "Finds gazetteer (dictionary) and regex entities in each FILE (stdin when\n"
    "none is given, or for '-'). Each FILE is one document. Prints one JSON\n"
    "object per match, ordered by start, longer first:\n"
    "  {\"doc\":FILE,\"start\":S,\"end\":E,\"text\":…,\"label\":…,\"id\":…}\n"
    "with 0-based byte offsets, end exclusive; id is the entry's id (the\n"
    "phrase as written unless the list gives one), null for regex matches.\n"
    "\n"
    "Options:\n"
    "  -g FILE          a gazetteer list, by extension: .tsv (phrase<TAB>label\n"
    "                   [<TAB>id]), .txt (one phrase per line), .jsonl (spaCy\n"
    "                   EntityRuler phrase patterns {\"label\",\"pattern\",\"id\"})\n"
    "  --label L        default label of the lists (required for .txt lists)\n"
    "  -e LABEL=REGEX   a PCRE2 pattern (UTF, Unicode properties); repeatable\n"
    "  --case MODE      insensitive (default), sensitive, or smart (insensitive\n"
    "                   except entries written in capitals, e.g. US, WHO)\n"
    "  --fold-accents   ignore accents too (São Paulo ~ Sao Paulo)\n"
    "  --overlaps       report every match; default: leftmost-longest,\n"
    "                   non-overlapping, per gazetteer\n"
    "  --cache FILE     keep the compiled gazetteer in FILE, rebuilt when the\n"
    "                   lists or options change\n"
    "  --count          print {\"doc\":FILE,\"matches\":N} per input instead\n"
    "  -j N             match with N threads (default 1); output is the same\n"
    "  -h, --help       this text\n"
    "\n"
    "Large inputs are matched in blocks of a few MB cut at blank lines (else at\n"
    "line breaks); a match does not span a cut. See docs/matching.md.\n"
    "Exit status: 0 success, 1 some inputs failed, 2 usage error, bad list or\n"
    "pattern, or unreadable input.\n";

/* {==================================================================
 * JSON output into a growable buffer
 * =================================================================== */
typedef struct strbuf {
    char *p;
    size_t n, cap;
    int oom;
} strbuf;

static void sb_mem(strbuf *b, const char *s, size_t n)
{
    if (qr_grow(&b->p, &b->cap, b->n + n, 65536) != 0) {
        b->oom = 1;
        return;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void sb_str(strbuf *b, const char *s) { sb_mem(b, s, strlen(s)); }

static void sb_uint(strbuf *b, uint64_t v)
{
    char tmp[20];
    sb_mem(b, tmp, (size_t)(cli_put_uint(tmp, v) - tmp));
}

/* Length of the valid UTF-8 sequence at p (1..4), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t k = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    if (!k || k > n)
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0) ||
        (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
        return 0;
    return k;
}

/* The JSON string of s[0..n) at d: invalid UTF-8 bytes are written as
 * U+FFFD, controls and DEL as escapes, plain ASCII as is; d has room for
 * JSON_MAX(n) bytes. Returns the end. */
#define JSON_MAX(n) (6 * (n) + 2)
static char *json_str_put(char *d, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    *d++ = '"';
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            *d++ = (char)c;
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t k = utf8_seq(p + i, n - i);
            if (k) {
                memcpy(d, p + i, k);
                d += k;
                i += k;
            } else {
                memcpy(d, "\xEF\xBF\xBD", 3);
                d += 3;
                i++;
            }
            continue;
        }
        *d++ = '\\';
        switch (c) {
        case '"': *d++ = '"'; break;
        case '\\': *d++ = '\\'; break;
        case '\n': *d++ = 'n'; break;
        case '\t': *d++ = 't'; break;
        case '\r': *d++ = 'r'; break;
        default:
            memcpy(d, "u00", 3);
            d[3] = hex[c >> 4];
            d[4] = hex[c & 15];
            d += 5;
        }
        i++;
    }
    *d++ = '"';
    return d;
}

/* The JSON string of s[0..n) appended to b. */
static void sb_json_str(strbuf *b, const char *s, size_t n)
{
    if (qr_grow(&b->p, &b->cap, b->n + JSON_MAX(n), 65536) != 0) {
        b->oom = 1;
        return;
    }
    b->n = (size_t)(json_str_put(b->p + b->n, s, n) - b->p);
}

/* }================================================================== */

/* {==================================================================
 * Matching one piece (on a worker)
 * =================================================================== */
typedef struct hit {
    uint64_t start, end;
    const char *label, *id;    /* id NULL for regex matches */
    size_t order;
} hit;

/* Read-only after set-up, shared by the workers. */
typedef struct matcher {
    qr_gazetteer *gaz;
    qr_gaz_overlaps overlaps;
    qr_regex_set *re;
    int count_only;
} matcher;

/* One job's buffers (reused from piece to piece) and its current piece. */
typedef struct worker {
    const matcher *m;
    qr_gazetteer_scratch *gs;
    qr_gaz_matches gm;
    qr_regex_scratch *rs;
    qr_regex_spans rm;
    hit *hits;
    size_t n_hits, cap_hits;
    strbuf out, doc;
    const char *name, *text;
    size_t len;
    uint64_t base;
    long found;        /* matches in the piece, -1 on error */
    int failed;        /* a regex failed (err): the spans found before it are kept */
    qr_error err;
} worker;

static int hit_cmp(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int add_hit(worker *w, uint64_t start, uint64_t end, const char *label, const char *id)
{
    if (w->n_hits == w->cap_hits) {
        size_t cap = w->cap_hits ? w->cap_hits * 2 : 256;
        hit *h = realloc(w->hits, cap * sizeof *h);
        if (!h)
            return -1;
        w->hits = h;
        w->cap_hits = cap;
    }
    w->hits[w->n_hits] = (hit){start, end, label, id, w->n_hits};
    w->n_hits++;
    return 0;
}

/* Matches w's piece; sets w->found (or -1 and w->err). */
static void *match_piece(void *arg)
{
    worker *w = arg;
    const matcher *m = w->m;
    qr_error *err = &w->err;
    qr_error_clear(err);
    w->found = -1;
    w->failed = 0;
    w->n_hits = 0;
    w->out.n = 0;
    w->gm.n = 0;
    w->rm.n = 0;
    if (m->gaz && qr_gazetteer_match_text(m->gaz, w->gs, w->text, w->len, m->overlaps, &w->gm,
                                          err) != 0)
        return NULL;
    /* a pattern that fails (its match limit) ends the piece, but the spans
     * found before it are reported, as docs/matching.md says */
    if (m->re && qr_regex_set_match_all(m->re, w->rs, w->text, w->len, 0, &w->rm, err) != 0)
        w->failed = 1;
    if (m->count_only) {
        w->found = (long)(w->gm.n + w->rm.n);
        return NULL;
    }
    for (size_t i = 0; i < w->gm.n; i++)
        if (add_hit(w, w->gm.v[i].start, w->gm.v[i].end, w->gm.v[i].label, w->gm.v[i].id) != 0)
            goto oom;
    for (size_t i = 0; i < w->rm.n; i++)
        if (add_hit(w, w->rm.v[i].start, w->rm.v[i].end, w->rm.v[i].label, NULL) != 0)
            goto oom;
    if (w->gm.n && w->rm.n)
        qsort(w->hits, w->n_hits, sizeof *w->hits, hit_cmp);
    /* Each line written in place: the doc part once per piece, the
     * label's JSON once per run of the same label. */
    strbuf *o = &w->out, *d = &w->doc;
    d->n = 0;
    sb_str(d, "{\"doc\":");
    sb_json_str(d, w->name, strlen(w->name));
    sb_str(d, ",\"start\":");
    if (d->oom)
        goto oom;
    const char *last_label = NULL;
    size_t lab_n = 0;
    char lab[256];
    for (size_t i = 0; i < w->n_hits; i++) {
        const hit *h = &w->hits[i];
        if (h->label != last_label) {
            size_t n = strlen(h->label);
            lab_n = JSON_MAX(n) <= sizeof lab ? (size_t)(json_str_put(lab, h->label, n) - lab) : 0;
            last_label = h->label;
        }
        size_t tlen = (size_t)(h->end - h->start), llen = lab_n ? 0 : strlen(h->label);
        size_t ilen = h->id ? strlen(h->id) : 0;
        size_t need = d->n + 80 + JSON_MAX(tlen) + (lab_n ? lab_n : JSON_MAX(llen)) + JSON_MAX(ilen);
        if (qr_grow(&o->p, &o->cap, o->n + need, 65536) != 0)
            goto oom;
        char *p = o->p + o->n;
        memcpy(p, d->p, d->n);
        p = cli_put_uint(p + d->n, w->base + h->start);
        memcpy(p, ",\"end\":", 7);
        p = cli_put_uint(p + 7, w->base + h->end);
        memcpy(p, ",\"text\":", 8);
        p = json_str_put(p + 8, w->text + h->start, tlen);
        memcpy(p, ",\"label\":", 9);
        p += 9;
        if (lab_n) {
            memcpy(p, lab, lab_n);
            p += lab_n;
        } else {
            p = json_str_put(p, h->label, llen);
        }
        memcpy(p, ",\"id\":", 6);
        p += 6;
        if (h->id) {
            p = json_str_put(p, h->id, ilen);
        } else {
            memcpy(p, "null", 4);
            p += 4;
        }
        memcpy(p, "}\n", 2);
        o->n = (size_t)(p + 2 - o->p);
    }
    w->found = (long)w->n_hits;
    return NULL;
oom:
    qr_error_set(err, "out of memory");
    return NULL;
}

static int worker_init(worker *w, const matcher *m)
{
    memset(w, 0, sizeof *w);
    w->m = m;
    qr_gaz_matches_init(&w->gm);
    qr_regex_spans_init(&w->rm);
    if (m->gaz && !(w->gs = qr_gazetteer_scratch_new()))
        return -1;
    if (m->re && !(w->rs = qr_regex_scratch_new(m->re, &w->err)))
        return -1;
    return 0;
}

static void worker_free(worker *w)
{
    qr_gazetteer_scratch_free(w->gs);
    qr_gaz_matches_free(&w->gm);
    qr_regex_scratch_free(w->rs);
    qr_regex_spans_free(&w->rm);
    free(w->hits);
    free(w->out.p);
    free(w->doc.p);
}

/* }================================================================== */

/* {==================================================================
 * Reading inputs in blocks
 * =================================================================== */

/* The best place to cut buf[from..to) so that the rest can go to the next
 * piece: after the last blank line in its second half, else after the last
 * line break; `from` if there is none. */
static size_t cut_point(const char *buf, size_t from, size_t to)
{
    size_t half = from + (to - from) / 2;
    for (size_t i = to; i >= from + 2 && i > half; i--)
        if (buf[i - 1] == '\n' &&
            (buf[i - 2] == '\n' || (buf[i - 2] == '\r' && i >= from + 3 && buf[i - 3] == '\n')))
            return i;
    for (size_t i = to; i > from; i--)
        if (buf[i - 1] == '\n')
            return i;
    return from;
}

typedef struct run_state {
    worker *w;
    int jobs;
    char *buf;
    size_t cap;
} run_state;

/* Matches buf[0..len) of input `name` (at byte `base`) on the workers and
 * prints the results in order. Adds to *total. Returns 0 or 1 (error shown). */
static int run_block(run_state *rs, const char *name, size_t len, uint64_t base, uint64_t *total)
{
    size_t from = 0;
    int used = 0;
    for (int k = 0; k < rs->jobs && from < len; k++) {
        size_t to = k == rs->jobs - 1 ? len : cut_point(rs->buf, from, from + (len - from) / (size_t)(rs->jobs - k));
        if (to == from && k < rs->jobs - 1)
            continue;
        worker *w = &rs->w[used++];
        w->name = name;
        w->text = rs->buf + from;
        w->len = to - from;
        w->base = base + from;
        from = to;
    }
    pthread_t tid[MAX_JOBS];
    int started[MAX_JOBS] = {0};
    for (int k = 1; k < used; k++)
        started[k] = pthread_create(&tid[k], NULL, match_piece, &rs->w[k]) == 0;
    for (int k = 0; k < used; k++)
        if (k == 0 || !started[k])
            match_piece(&rs->w[k]);
    for (int k = 1; k < used; k++)
        if (started[k])
            pthread_join(tid[k], NULL);
    for (int k = 0; k < used; k++) {
        worker *w = &rs->w[k];
        if (w->found >= 0 && w->failed) {
            *total += (uint64_t)w->found;
            if (w->out.n)
                fwrite(w->out.p, 1, w->out.n, stdout);
            w->found = -1;  /* then the message, as for any failure */
        }
        if (w->found < 0) {
            if (w->err.offset >= 0 && w->base > 0)
                cli_usage_error("match", "%s: %s (offsets count from byte %llu of the input)",
                                name, w->err.message, (unsigned long long)w->base);
            else
                cli_usage_error("match", "%s: %s", name, w->err.message);
            return 1;
        }
        *total += (uint64_t)w->found;
        if (w->out.n)
            fwrite(w->out.p, 1, w->out.n, stdout);
    }
    return 0;
}

/* Matches one input (path, or stdin for "-"). Returns 0, 1 (the input
 * failed; message printed) or 2 (unreadable). */
static int run_input(run_state *rs, const char *path)
{
    struct stat sb;
    int fd = cli_input_open("match", path, &sb);
    if (fd < 0)
        return 2;
    size_t block = (size_t)CHUNK * (size_t)rs->jobs, have = 0;
    uint64_t base = 0, total = 0;
    int eof = 0, rc = 0;
    while (!eof) {
        ssize_t r = cli_input_read("match", path, fd, &rs->buf, &rs->cap, have, block);
        if (r < 0) {
            rc = 2;
            break;
        }
        if (r == 0)
            eof = 1;
        have += (size_t)r;
        size_t cut = have;
        if (!eof) {
            if (have < block && have < rs->cap)
                continue;
            if ((cut = cut_point(rs->buf, 0, have)) == 0)
                continue;       /* one long line: read on */
        }
        if ((rc = run_block(rs, path, cut, base, &total)) != 0)
            break;
        base += cut;
        memmove(rs->buf, rs->buf + cut, have - cut);
        have -= cut;
    }
    cli_input_close(fd, path);
    if (rs->w[0].m->count_only && rc == 0) {
        strbuf o = {0};
        sb_str(&o, "{\"doc\":");
        sb_json_str(&o, path, strlen(path));
        sb_str(&o, ",\"matches\":");
        sb_uint(&o, total);
        sb_str(&o, "}\n");
        if (o.n)
            fwrite(o.p, 1, o.n, stdout);
        free(o.p);
    }
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0)
        rc = cli_usage_error("match", "cannot write the output: %s", strerror(errno));
    return rc;
}

/* }================================================================== */

/* {==================================================================
 * Options and set-up
 * =================================================================== */
typedef struct opts {
    const char **lists, **files;
    char **patterns;
    size_t n_lists, n_files, n_patterns;
    const char *label, *cache;
    int case_mode, fold, overlaps, count, jobs;
} opts;

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcmp(s + n - k, suf) == 0;
}

static int build_gazetteer(matcher *st, const opts *op)
{
    qr_error err;
    char msg[1600];
    qr_error_clear(&err);
    qr_gazetteer_list *ls = calloc(op->n_lists, sizeof *ls);
    if (!ls)
        return cli_usage_error("match", "out of memory");
    for (size_t i = 0; i < op->n_lists; i++) {
        const char *p = op->lists[i];
        if (!has_suffix(p, ".tsv") && !has_suffix(p, ".txt") && !has_suffix(p, ".jsonl")) {
            free(ls);
            return cli_usage_error("match", "%s: unknown gazetteer format: name the file .tsv, "
                                   ".txt (one phrase per line) or .jsonl", p);
        }
        if (has_suffix(p, ".txt") && !op->label) {
            free(ls);
            return cli_usage_error("match", "%s: a plain list (one phrase per line) needs a "
                                   "label: add --label LABEL", p);
        }
        ls[i] = (qr_gazetteer_list){p, QR_GAZ_AUTO, op->label, (qr_gaz_case)op->case_mode,
                                    op->fold};
    }
    uint64_t key = 0;
    if (op->cache) {
        if (qr_gazetteer_sources_hash(ls, op->n_lists, &key, &err) != 0) {
            free(ls);
            return cli_usage_error("match", "%s", qr_error_format(&err, msg, sizeof msg));
        }
        if ((st->gaz = qr_gazetteer_load_cache(op->cache, key, &err)) != NULL) {
            free(ls);
            return 0;
        }
        /* a cache that is there but refused (stale, cut short): said, then
         * rebuilt; a file that is no cache is said when it is not replaced */
        const char *why = qr_error_format(&err, msg, sizeof msg);
        size_t wn = strlen(why);
        if (qr_gazetteer_is_cache_file(op->cache))
            fprintf(stderr, "quarry match: %.*s; it is rebuilt\n",
                    (int)(wn > 12 && !strcmp(why + wn - 12, "; rebuild it") ? wn - 12 : wn), why);
        qr_error_clear(&err);
    }
    st->gaz = qr_gazetteer_new();
    if (!st->gaz) {
        free(ls);
        return cli_usage_error("match", "out of memory");
    }
    for (size_t i = 0; i < op->n_lists; i++) {
        if (qr_gazetteer_add_list(st->gaz, &ls[i], &err) < 0) {
            free(ls);
            return cli_usage_error("match", "%s", qr_error_format(&err, msg, sizeof msg));
        }
    }
    free(ls);
    if (qr_gazetteer_compile(st->gaz, &err) != 0)
        return cli_usage_error("match", "%s", qr_error_format(&err, msg, sizeof msg));
    if (op->cache && qr_gazetteer_save(st->gaz, op->cache, &err) != 0)
        fprintf(stderr, "quarry match: warning: %s\n", qr_error_format(&err, msg, sizeof msg));
    return 0;
}

static int build_regex(matcher *st, const opts *op)
{
    qr_error err;
    qr_error_clear(&err);
    if (!(st->re = qr_regex_set_new(NULL, &err)))
        return cli_usage_error("match", "%s", err.message);
    for (size_t i = 0; i < op->n_patterns; i++) {
        char *p = op->patterns[i];
        char *eq = strchr(p, '=');
        if (!eq || eq == p || !eq[1])
            return cli_usage_error("match", "-e expects LABEL=REGEX, got '%s'", p);
        *eq = '\0';
        qr_regex_def def = {p, eq + 1, (size_t)-1, NULL, 0};
        int rc = qr_regex_set_add(st->re, &def, &err);
        *eq = '=';
        if (rc < 0)
            return cli_usage_error("match", "%s", err.message);
    }
    return 0;
}

/* The value of option argv[*i] (as "--opt=value" or "--opt value"). */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=' && name[1] == '-')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        return "";
    return argv[++*i];
}

static int parse_args(int argc, char **argv, opts *op, int *done)
{
    *done = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (cli_is_help(a)) {
            fputs(usage_text, stdout);
            *done = 1;
            return 0;
        }
        if (strcmp(a, "--") == 0) {
            while (++i < argc)
                op->files[op->n_files++] = argv[i];
            break;
        }
        if (strcmp(a, "--overlaps") == 0) {
            op->overlaps = 1;
            continue;
        }
        if (strcmp(a, "--fold-accents") == 0) {
            op->fold = 1;
            continue;
        }
        if (strcmp(a, "--count") == 0) {
            op->count = 1;
            continue;
        }
        const char *names[] = {"-g", "-e", "--label", "--case", "--cache", "-j"};
        int which = -1;
        v = NULL;
        for (int k = 0; k < 6 && which < 0; k++)
            if ((v = opt_value(argc, argv, &i, names[k])) != NULL)
                which = k;
        if (which >= 0 && !*v)
            return cli_usage_error("match", "option '%s' needs a value; run 'quarry match --help'",
                                   names[which]);
        switch (which) {
        case 0: op->lists[op->n_lists++] = v; continue;
        case 1: op->patterns[op->n_patterns++] = (char *)v; continue;
        case 2: op->label = v; continue;
        case 3:
            if ((op->case_mode = qr_gaz_case_parse(v)) < 0)
                return cli_usage_error("match", "unknown case mode '%s' (expected sensitive, "
                                       "insensitive or smart)", v);
            continue;
        case 4: op->cache = v; continue;
        case 5:
            if (cli_parse_jobs("match", v, MAX_JOBS, &op->jobs) != 0)
                return 2;
            continue;
        default: break;
        }
        if (a[0] == '-' && a[1] != '\0')
            return cli_unknown_option("match", a, (const char *const[]){"--label", "--case", "--fold-accents",
                                      "--overlaps", "--cache", "--count", "--help", NULL});
        op->files[op->n_files++] = a;
    }
    return 0;
}

/* }================================================================== */

int cmd_match(int argc, char **argv)
{
    opts op;
    memset(&op, 0, sizeof op);
    op.jobs = 1;
    matcher m;
    memset(&m, 0, sizeof m);
    run_state rs;
    memset(&rs, 0, sizeof rs);
    op.lists = calloc((size_t)argc + 1, sizeof *op.lists);
    op.files = calloc((size_t)argc + 1, sizeof *op.files);
    op.patterns = calloc((size_t)argc + 1, sizeof *op.patterns);
    int done, rc;
    if (!op.lists || !op.files || !op.patterns) {
        rc = cli_usage_error("match", "out of memory");
        goto out;
    }
    if ((rc = parse_args(argc, argv, &op, &done)) != 0 || done)
        goto out;
    if (op.n_lists == 0 && op.n_patterns == 0) {
        rc = cli_usage_error("match", "nothing to match: give a gazetteer (-g FILE) or a "
                             "pattern (-e LABEL=REGEX); run 'quarry match --help'");
        goto out;
    }
    if (op.n_lists && (rc = build_gazetteer(&m, &op)) != 0)
        goto out;
    if (op.n_patterns && (rc = build_regex(&m, &op)) != 0)
        goto out;
    m.overlaps = op.overlaps ? QR_GAZ_ALL : QR_GAZ_LONGEST;
    m.count_only = op.count;
    if (!(rs.w = calloc((size_t)op.jobs, sizeof *rs.w))) {
        rc = cli_usage_error("match", "out of memory");
        goto out;
    }
    for (rs.jobs = 0; rs.jobs < op.jobs; rs.jobs++) {
        if (worker_init(&rs.w[rs.jobs], &m) != 0) {
            rc = cli_usage_error("match", "%s", rs.w[rs.jobs].err.message[0] ?
                                 rs.w[rs.jobs].err.message : "out of memory");
            rs.jobs++;
            goto out;
        }
    }
    if (op.n_files == 0)
        op.files[op.n_files++] = "-";
    for (size_t i = 0; i < op.n_files; i++) {
        int r = run_input(&rs, op.files[i]);
        if (r > rc)
            rc = r;
        if (r == 2)
            break;
    }
out:
    for (int k = 0; rs.w && k < rs.jobs; k++)
        worker_free(&rs.w[k]);
    free(rs.w);
    free(rs.buf);
    qr_gazetteer_free(m.gaz);
    qr_regex_set_free(m.re);
    free(op.lists);
    free(op.files);
    free(op.patterns);
    return rc;
}
