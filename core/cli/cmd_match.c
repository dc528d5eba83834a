/* quarry match — gazetteer and regex entities of files (or stdin) as JSON lines. */
#include "cli.h"
#include "error.h"
#include "gazetteer.h"
#include "regex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Inputs are matched in chunks of about CHUNK bytes, cut after a blank line
 * when there is one (else after a line break), so memory stays bounded; a
 * match never spans a cut. Offsets are those of the whole input. */
#define CHUNK (4u << 20)

static const char usage_text[] =
    "usage: quarry match [-g FILE]... [--label L] [-e LABEL=REGEX]...\n"
    "                    [--case sensitive|insensitive|smart] [--fold-accents]\n"
    "                    [--overlaps] [--cache FILE] [--count] [FILE...]\n"
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
    "  -h, --help       this text\n"
    "\n"
    "See docs/matching.md. Exit status: 0 success, 1 some inputs failed,\n"
    "2 usage error, bad list or pattern, or unreadable input.\n";

/* {==================================================================
 * Buffered JSON output
 * =================================================================== */
typedef struct outbuf {
    char buf[1 << 16];
    size_t n;
} outbuf;

static void out_flush(outbuf *o)
{
    if (o->n)
        fwrite(o->buf, 1, o->n, stdout);
    o->n = 0;
}

static void out_mem(outbuf *o, const char *p, size_t n)
{
    if (o->n + n > sizeof o->buf) {
        out_flush(o);
        if (n > sizeof o->buf) {
            fwrite(p, 1, n, stdout);
            return;
        }
    }
    memcpy(o->buf + o->n, p, n);
    o->n += n;
}

static void out_str(outbuf *o, const char *s) { out_mem(o, s, strlen(s)); }

static void out_uint(outbuf *o, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    out_mem(o, tmp + i, sizeof tmp - i);
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

/* A JSON string; invalid UTF-8 bytes are written as U+FFFD. */
static void out_json_str(outbuf *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    out_mem(o, "\"", 1);
    size_t run = 0, i = 0;
    while (i < n) {
        unsigned c = p[i];
        const char *esc = NULL;
        char u[6];
        size_t k = 1;
        if (c >= 0x80) {
            k = utf8_seq(p + i, n - i);
            if (k) {
                i += k;
                continue;
            }
            esc = "\xEF\xBF\xBD";
            k = 1;
        } else if (c == '"') {
            esc = "\\\"";
        } else if (c == '\\') {
            esc = "\\\\";
        } else if (c == '\n') {
            esc = "\\n";
        } else if (c == '\t') {
            esc = "\\t";
        } else if (c == '\r') {
            esc = "\\r";
        } else if (c < 0x20 || c == 0x7f) {
            memcpy(u, "\\u00", 4);
            u[4] = hex[c >> 4];
            u[5] = hex[c & 15];
        } else {
            i++;
            continue;
        }
        out_mem(o, s + run, i - run);
        if (esc)
            out_str(o, esc);
        else
            out_mem(o, u, 6);
        i += k;
        run = i;
    }
    out_mem(o, s + run, n - run);
    out_mem(o, "\"", 1);
}

/* }================================================================== */

typedef struct hit {
    uint64_t start, end;
    const char *label, *id;    /* id NULL for regex matches */
    size_t order;
} hit;

typedef struct match_state {
    qr_gazetteer *gaz;
    qr_gazetteer_scratch *gs;
    qr_gaz_matches gm;
    qr_gaz_overlaps overlaps;
    qr_regex_set *re;
    qr_regex_scratch *rs;
    qr_regex_spans rm;
    hit *hits;
    size_t n_hits, cap_hits;
    int count_only;
    outbuf out;
} match_state;

static int hit_cmp(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int add_hit(match_state *st, uint64_t start, uint64_t end, const char *label,
                   const char *id)
{
    if (st->n_hits == st->cap_hits) {
        size_t cap = st->cap_hits ? st->cap_hits * 2 : 256;
        hit *h = realloc(st->hits, cap * sizeof *h);
        if (!h)
            return -1;
        st->hits = h;
        st->cap_hits = cap;
    }
    st->hits[st->n_hits] = (hit){start, end, label, id, st->n_hits};
    st->n_hits++;
    return 0;
}

/* Matches one chunk at byte `base` of input `name`; returns the number of
 * matches, or -1 with err set. */
static long match_chunk(match_state *st, const char *name, const char *text, size_t len,
                        uint64_t base, qr_error *err)
{
    st->n_hits = 0;
    if (st->gaz && qr_gazetteer_match_text(st->gaz, st->gs, text, len, st->overlaps, &st->gm,
                                           err) != 0)
        return -1;
    st->rm.n = 0;
    if (st->re && qr_regex_set_match_all(st->re, st->rs, text, len, 0, &st->rm, err) != 0)
        return -1;
    if (st->count_only)
        return (long)(st->gm.n + st->rm.n);
    for (size_t i = 0; i < st->gm.n; i++)
        if (add_hit(st, st->gm.v[i].start, st->gm.v[i].end, st->gm.v[i].label, st->gm.v[i].id) != 0)
            return qr_error_set(err, "out of memory");
    for (size_t i = 0; i < st->rm.n; i++)
        if (add_hit(st, st->rm.v[i].start, st->rm.v[i].end, st->rm.v[i].label, NULL) != 0)
            return qr_error_set(err, "out of memory");
    if (st->gm.n && st->rm.n)
        qsort(st->hits, st->n_hits, sizeof *st->hits, hit_cmp);
    outbuf *o = &st->out;
    for (size_t i = 0; i < st->n_hits; i++) {
        const hit *h = &st->hits[i];
        out_str(o, "{\"doc\":");
        out_json_str(o, name, strlen(name));
        out_str(o, ",\"start\":");
        out_uint(o, base + h->start);
        out_str(o, ",\"end\":");
        out_uint(o, base + h->end);
        out_str(o, ",\"text\":");
        out_json_str(o, text + h->start, (size_t)(h->end - h->start));
        out_str(o, ",\"label\":");
        out_json_str(o, h->label, strlen(h->label));
        out_str(o, ",\"id\":");
        if (h->id)
            out_json_str(o, h->id, strlen(h->id));
        else
            out_str(o, "null");
        out_str(o, "}\n");
    }
    return (long)st->n_hits;
}

/* Where to cut buf[0..have) so the rest can wait for more input: after the
 * last blank line, else after the last line break; 0 if neither. */
static size_t cut_point(const char *buf, size_t have)
{
    for (size_t i = have; i >= 2 && i > have / 2; i--)
        if (buf[i - 1] == '\n' && (buf[i - 2] == '\n' || (buf[i - 2] == '\r' && i >= 3 && buf[i - 3] == '\n')))
            return i;
    for (size_t i = have; i > 0; i--)
        if (buf[i - 1] == '\n')
            return i;
    return 0;
}

/* Matches one input (path, or stdin for "-"). Returns 0, 1 (the input
 * failed; message printed) or 2 (unreadable). */
static int run_input(match_state *st, const char *path, char **bufp, size_t *capp)
{
    int is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? 0 : open(path, O_RDONLY);
    if (fd < 0)
        return cli_usage_error("match", "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        if (!is_stdin)
            close(fd);
        return cli_usage_error("match", "cannot read '%s': %s", path, strerror(EISDIR));
    }
    char *buf = *bufp;
    size_t cap = *capp, have = 0;
    uint64_t base = 0, total = 0;
    int eof = 0, rc = 0;
    while (!eof) {
        if (have == cap) {
            size_t ncap = cap ? cap * 2 : CHUNK;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                rc = cli_usage_error("match", "%s: out of memory reading the input", path);
                break;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + have, cap - have);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = cli_usage_error("match", "cannot read '%s': %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            eof = 1;
        have += (size_t)r;
        size_t cut = have;
        if (!eof) {
            if (have < cap)
                continue;
            if ((cut = cut_point(buf, have)) == 0)
                continue;       /* one long line: read on */
        }
        qr_error err;
        qr_error_clear(&err);
        long n = match_chunk(st, path, buf, cut, base, &err);
        if (n < 0) {
            if (err.offset >= 0 && base > 0)
                cli_usage_error("match", "%s: %s (offsets count from byte %llu of the input)",
                                path, err.message, (unsigned long long)base);
            else
                cli_usage_error("match", "%s: %s", path, err.message);
            rc = 1;
            break;
        }
        total += (uint64_t)n;
        out_flush(&st->out);
        base += cut;
        memmove(buf, buf + cut, have - cut);
        have -= cut;
    }
    if (!is_stdin)
        close(fd);
    *bufp = buf;
    *capp = cap;
    if (st->count_only && rc == 0) {
        out_str(&st->out, "{\"doc\":");
        out_json_str(&st->out, path, strlen(path));
        out_str(&st->out, ",\"matches\":");
        out_uint(&st->out, total);
        out_str(&st->out, "}\n");
    }
    return rc;
}

/* {==================================================================
 * Options and set-up
 * =================================================================== */
typedef struct opts {
    const char **lists, **files;
    char **patterns;
    size_t n_lists, n_files, n_patterns;
    const char *label, *cache;
    int case_mode, fold, overlaps, count;
} opts;

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcmp(s + n - k, suf) == 0;
}

static int build_gazetteer(match_state *st, const opts *op)
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

static int build_regex(match_state *st, const opts *op)
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
    if (!(st->rs = qr_regex_scratch_new(st->re, &err)))
        return cli_usage_error("match", "%s", err.message);
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
        const char *names[] = {"-g", "-e", "--label", "--case", "--cache"};
        int which = -1;
        v = NULL;
        for (int k = 0; k < 5 && which < 0; k++)
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
        default: break;
        }
        if (a[0] == '-' && a[1] != '\0')
            return cli_usage_error("match", "unknown option '%s'; run 'quarry match --help'", a);
        op->files[op->n_files++] = a;
    }
    return 0;
}

/* }================================================================== */

int cmd_match(int argc, char **argv)
{
    opts op;
    memset(&op, 0, sizeof op);
    match_state st;
    memset(&st, 0, sizeof st);
    qr_gaz_matches_init(&st.gm);
    qr_regex_spans_init(&st.rm);
    op.lists = calloc((size_t)argc + 1, sizeof *op.lists);
    op.files = calloc((size_t)argc + 1, sizeof *op.files);
    op.patterns = calloc((size_t)argc + 1, sizeof *op.patterns);
    char *buf = NULL;
    size_t cap = 0;
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
    if (op.n_lists && (rc = build_gazetteer(&st, &op)) != 0)
        goto out;
    if (op.n_patterns && (rc = build_regex(&st, &op)) != 0)
        goto out;
    if (st.gaz && !(st.gs = qr_gazetteer_scratch_new())) {
        rc = cli_usage_error("match", "out of memory");
        goto out;
    }
    st.overlaps = op.overlaps ? QR_GAZ_ALL : QR_GAZ_LONGEST;
    st.count_only = op.count;
    if (op.n_files == 0)
        op.files[op.n_files++] = "-";
    for (size_t i = 0; i < op.n_files; i++) {
        int r = run_input(&st, op.files[i], &buf, &cap);
        out_flush(&st.out);
        if (r > rc)
            rc = r;
        if (r == 2)
            break;
    }
    fflush(stdout);
out:
    free(buf);
    free(st.hits);
    qr_gaz_matches_free(&st.gm);
    qr_regex_spans_free(&st.rm);
    qr_gazetteer_scratch_free(st.gs);
    qr_gazetteer_free(st.gaz);
    qr_regex_scratch_free(st.rs);
    qr_regex_set_free(st.re);
    free(op.lists);
    free(op.files);
    free(op.patterns);
    return rc;
}
