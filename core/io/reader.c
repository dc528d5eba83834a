#include "io/reader.h"
#include "io/paths.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <poll.h>
#include <stdint.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "io/jsonl_fast.h"

enum { CHUNK = 256 * 1024, ZIN = 64 * 1024, WAIT_MS = 200 };

/* {==================================================================
 * Options
 * =================================================================== */
const qr_option_def qr_input_option_defs[] = {
    { "format", QR_OPT_ENUM, "text", "text|lines|jsonl|csv|tsv",
      "text: a document per file; lines: per line; jsonl: per JSON object; csv, tsv: per row", 0 },
    { "paths", QR_OPT_STRING_LIST, NULL, NULL,
      "files, folders (recursive), globs or - for stdin; command-line inputs replace them", 0 },
    { "text_field", QR_OPT_STRING, "text", NULL, "jsonl: the member holding the text", 0 },
    { "id_field", QR_OPT_STRING, "id", NULL,
      "jsonl: the member holding the id (else file:line)", 0 },
    { "text_column", QR_OPT_STRING, "text", NULL, "csv/tsv: the header of the text column", 0 },
    { "id_column", QR_OPT_STRING, "id", NULL,
      "csv/tsv: the header of the id column (else file:line)", 0 },
    { "encoding", QR_OPT_STRING, "utf-8", NULL,
      "character set of the files (iconv name: latin1, cp1252, iso-8859-15…); ASCII-compatible only", 0 },
    { "delimiter", QR_OPT_STRING, ",", NULL, "csv: the field separator, one byte (\"\\t\" for TSV)", 0 },
    { NULL, 0, NULL, NULL, NULL, 0 }
};

static const char *const format_names[] = { "text", "lines", "jsonl", "csv", "tsv" };

void qr_input_opts_init(qr_input_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = QR_INPUT_TEXT;
    o->text_field = "text";
    o->id_field = "id";
    o->text_column = "text";
    o->id_column = "id";
    o->delimiter = ',';
    o->encoding = "utf-8";
}

const char *qr_input_format_name(qr_input_format f)
{
    return (unsigned)f < sizeof format_names / sizeof *format_names ? format_names[f] : "?";
}

static int probe_encoding(const char *enc, qr_error *err);

int qr_input_opts_set(qr_input_opts *o, const char *key, const char *value, qr_error *err)
{
    if (!value)
        return qr_error_set(err, "input.%s needs a string value", key);
    if (strcmp(key, "format") == 0) {
        for (size_t i = 0; i < sizeof format_names / sizeof *format_names; i++)
            if (strcmp(value, format_names[i]) == 0) {
                o->format = (qr_input_format)i;
                return 0;
            }
        return qr_error_set(err, "unknown input format '%s' (use text, lines, jsonl, csv or tsv)", value);
    }
    if (strcmp(key, "text_field") == 0)
        o->text_field = value;
    else if (strcmp(key, "id_field") == 0)
        o->id_field = value;
    else if (strcmp(key, "text_column") == 0)
        o->text_column = value;
    else if (strcmp(key, "id_column") == 0)
        o->id_column = value;
    else if (strcmp(key, "encoding") == 0) {
        if (probe_encoding(value, err) != 0)    /* so quarry check catches it */
            return -1;
        o->encoding = value;
    }
    else if (strcmp(key, "delimiter") == 0) {
        if (strlen(value) != 1 || value[0] == '"' || value[0] == '\n' || value[0] == '\r')
            return qr_error_set(err, "input.delimiter must be one byte other than a quote or a "
                                     "line break, got '%s' (write \"\\t\" for tabs)", value);
        o->delimiter = value[0];
    } else
        return qr_error_set(err, "unknown input option '%s'", key);
    return 0;
}

/* }================================================================== */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static int buf_reserve(buf *b, size_t extra)
{
    if (b->n + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_add(buf *b, const void *s, size_t n)
{
    if (buf_reserve(b, n) != 0)
        return -1;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

struct qr_reader {
    qr_input_format format;
    char *text_field, *id_field, *text_column, *id_column;
    char delimiter;
    iconv_t cd;               /* from input.encoding, (iconv_t)-1 for UTF-8 */

    qr_file_list files;
    size_t next_file;         /* index of the next file to open           */
    int64_t total, done;      /* sizes; done = files closed so far         */

    /* the open source */
    int open;
    const char *name;         /* display name: path or "stdin"            */
    const char *source_file;  /* NULL for stdin                           */
    gzFile gz;
    /* A stream (stdin, a pipe, a FIFO, a terminal, a device) is read with
     * read(2), which returns what has arrived, so that a record is handed
     * on as soon as its line is complete; gzread would wait for a whole
     * chunk. Gzip is recognised by its first two bytes and inflated here. */
    int fd;                   /* the stream, -1 for a file (gz) or memory   */
    int zmode;                /* 0: not known yet, 1: plain, 2: gzip       */
    z_stream zs;
    unsigned char *zin;       /* compressed bytes for zs                   */
    int zin_eof;              /* the stream has no more bytes              */
    int zdone;                /* the last gzip member read is complete     */
    size_t lines_end;         /* chunk[0..lines_end) ends with a '\n': a
                                 complete line is buffered while cpos < it */
    const volatile int *cancel; /* a wait for input gives up when set     */
    char *mem;                /* memory reader: the data (owned)          */
    size_t mem_len;
    unsigned char *chunk;     /* read buffer (or mem)                     */
    size_t cpos, cend;
    int64_t raw_pos;          /* bytes of the file consumed (gzoffset)    */
    int eof, at_start;
    long line_no;             /* lines consumed in this file              */

    buf line;                 /* a line split across chunks               */
    buf repair;               /* repaired text                            */
    buf idbuf;                /* "path:line"                              */
    qr_jsonl_fast *fast;      /* jsonl: the simdjson parser, made on first use */
    uint64_t seq;
    int fatal;

    /* csv */
    int have_header;
    char **cols;
    size_t ncols;
    long text_idx, id_idx;
    buf fields;               /* field bytes, each NUL-terminated          */
    size_t *fstart;
    size_t nf, fcap;
};

static char *dup_or_null(const char *s, int *oom)
{
    char *c = strdup(s);
    if (!c)
        *oom = 1;
    return c;
}

static int is_utf8_name(const char *e)
{
    return !e || !*e || !strcasecmp(e, "utf-8") || !strcasecmp(e, "utf8");
}

/* Sets up conversion from a non-UTF-8 input encoding. Only encodings in
 * which bytes below 0x80 are always ASCII are accepted: the readers split
 * lines, fields and JSON on ASCII bytes before converting. */
static int open_encoding(qr_reader *r, const char *enc, qr_error *err)
{
    if (is_utf8_name(enc))
        return 0;
    r->cd = iconv_open("UTF-8", enc);
    if (r->cd == (iconv_t)-1)
        return qr_error_set(err, "unknown input.encoding '%s' (see `iconv -l`; e.g. latin1, cp1252, "
                                 "iso-8859-15)", enc);
    char ascii[128], out[512];
    for (int i = 0; i < 127; i++)
        ascii[i] = (char)(i + 1);
    char *in = ascii, *o = out;
    size_t inl = 127, outl = sizeof out;
    size_t rc = iconv(r->cd, &in, &inl, &o, &outl);
    iconv(r->cd, NULL, NULL, NULL, NULL);
    if (rc == (size_t)-1 || inl != 0 || (size_t)(o - out) != 127 || memcmp(out, ascii, 127) != 0)
        return qr_error_set(err, "input.encoding '%s' is not ASCII-compatible; convert the files "
                                 "to UTF-8 first (iconv -f %s -t UTF-8)", enc, enc);
    return 0;
}

static int probe_encoding(const char *enc, qr_error *err)
{
    qr_reader probe = { .cd = (iconv_t)-1 };
    int rc = open_encoding(&probe, enc, err);
    if (probe.cd != (iconv_t)-1)
        iconv_close(probe.cd);
    return rc;
}

static qr_reader *reader_alloc(const qr_input_opts *opts, qr_error *err)
{
    qr_input_opts def;
    if (!opts) {
        qr_input_opts_init(&def);
        opts = &def;
    }
    qr_reader *r = calloc(1, sizeof *r);
    if (!r) {
        qr_error_set(err, "out of memory");
        return NULL;
    }
    int oom = 0;
    r->format = opts->format;
    r->text_field = dup_or_null(opts->text_field ? opts->text_field : "text", &oom);
    r->id_field = dup_or_null(opts->id_field ? opts->id_field : "id", &oom);
    r->text_column = dup_or_null(opts->text_column ? opts->text_column : "text", &oom);
    r->id_column = dup_or_null(opts->id_column ? opts->id_column : "id", &oom);
    r->delimiter = opts->delimiter ? opts->delimiter : ',';
    r->cd = (iconv_t)-1;
    r->fd = -1;
    if (!oom && open_encoding(r, opts->encoding, err) != 0) {
        qr_reader_free(r);
        return NULL;
    }
    if (oom) {
        qr_reader_free(r);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    return r;
}

qr_reader *qr_reader_new(const qr_input_opts *opts, const char *const *paths,
                         size_t npaths, qr_error *err)
{
    if (npaths == 0) {
        qr_error_set(err, "no input: give files, folders or - on the command line, "
                          "or set input.paths");
        return NULL;
    }
    qr_reader *r = reader_alloc(opts, err);
    if (!r)
        return NULL;
    r->files.outputs = opts->outputs;
    r->files.from_pipeline = opts->from_pipeline;
    int expanded = qr_paths_expand(paths, npaths, &r->files, err);
    r->files.outputs = NULL;     /* the caller's; used only above */
    if (expanded != 0) {
        qr_reader_free(r);
        return NULL;
    }
    /* zeroed, with room after it: a JSONL line inside the chunk is parsed
     * in place (see jsonl_fast) */
    if (!(r->chunk = calloc(1, CHUNK + QR_JSONL_PADDING))) {
        qr_reader_free(r);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < r->files.n; i++) {
        if (r->files.size[i] < 0) {
            r->total = -1;
            break;
        }
        r->total += r->files.size[i];
    }
    return r;
}

size_t qr_reader_skipped_count(const qr_reader *r)
{
    return r->files.n_skipped;
}

const char *qr_reader_skipped(const qr_reader *r, size_t i)
{
    return i < r->files.n_skipped ? r->files.skipped[i] : NULL;
}

size_t qr_reader_empty_count(const qr_reader *r)
{
    return r->files.n_empty;
}

const char *qr_reader_empty(const qr_reader *r, size_t i)
{
    return i < r->files.n_empty ? r->files.empty[i] : NULL;
}

qr_reader *qr_reader_new_memory(const qr_input_opts *opts, const char *name,
                                const char *data, size_t len, qr_error *err)
{
    qr_reader *r = reader_alloc(opts, err);
    if (!r)
        return NULL;
    const char *nm = name ? name : "input";
    r->mem = malloc(len + 1);
    r->files.v = malloc(sizeof *r->files.v);
    r->files.name = malloc(sizeof *r->files.name);
    r->files.size = malloc(sizeof *r->files.size);
    if (r->files.name)
        r->files.name[0] = NULL;
    if (!r->mem || !r->files.v || !r->files.name || !r->files.size ||
        !(r->files.v[0] = strdup(nm)) || !(r->files.name[0] = strdup(nm))) {
        qr_reader_free(r);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    memcpy(r->mem, data, len);
    r->mem[len] = '\0';
    r->mem_len = len;
    r->files.n = r->files.cap = 1;
    r->files.size[0] = (int64_t)len;
    r->total = (int64_t)len;
    return r;
}

static void csv_reset(qr_reader *r)
{
    for (size_t i = 0; i < r->ncols; i++)
        free(r->cols[i]);
    free(r->cols);
    r->cols = NULL;
    r->ncols = 0;
    r->have_header = 0;
}

static void source_close(qr_reader *r)
{
    if (!r->open)
        return;
    if (r->gz)
        gzclose(r->gz);
    r->gz = NULL;
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
        if (r->zmode == 2)
            inflateEnd(&r->zs);
    }
    int64_t size = r->files.size[r->next_file - 1];
    r->done += size >= 0 ? size : r->raw_pos;   /* stdin: the bytes it gave */
    r->open = 0;
    csv_reset(r);
}

void qr_reader_free(qr_reader *r)
{
    if (!r)
        return;
    source_close(r);
    free(r->text_field);
    free(r->id_field);
    free(r->text_column);
    free(r->id_column);
    qr_file_list_free(&r->files);
    if (!r->mem)
        free(r->chunk);
    free(r->mem);
    free(r->zin);
    free(r->line.p);
    free(r->repair.p);
    free(r->idbuf.p);
    qr_jsonl_fast_free(r->fast);
    if (r->cd != (iconv_t)-1)
        iconv_close(r->cd);
    free(r->fields.p);
    free(r->fstart);
    free(r);
}

int64_t qr_reader_bytes_total(const qr_reader *r)
{
    return r->total;
}

int64_t qr_reader_bytes_read(const qr_reader *r)
{
    int64_t n = r->done;
    if (r->open) {
        if (r->mem)
            n += (int64_t)r->cpos;
        else
            n += r->raw_pos;
    }
    return n;
}

int qr_reader_may_wait(const qr_reader *r)
{
    if (r->mem)
        return 0;
    if (!r->open || (r->cpos == r->cend && r->eof))
        return r->next_file < r->files.n && r->files.size[r->next_file] < 0;
    if (r->fd < 0)
        return 0;
    if (r->cpos < r->lines_end)
        return 0;
    struct pollfd pf = { .fd = r->fd, .events = POLLIN };
    return poll(&pf, 1, 0) == 0;
}

void qr_reader_set_cancel(qr_reader *r, const volatile int *cancel)
{
    r->cancel = cancel;
}

size_t qr_reader_file_count(const qr_reader *r)
{
    return r->files.n;
}

const char *qr_reader_file(const qr_reader *r, size_t i)
{
    return i < r->files.n ? r->files.name[i] : NULL;
}

/* {==================================================================
 * Sources: buffered reading from a gz stream (plain files pass through),
 * from a stream (read(2) as bytes arrive, gzip inflated here) or from
 * memory.
 * =================================================================== */
static int source_open(qr_reader *r, qr_error *err)
{
    const char *name = r->files.name[r->next_file];
    const char *path = r->files.v[r->next_file++];
    r->open = 1;
    r->eof = 0;
    r->cpos = r->cend = 0;
    r->raw_pos = 0;
    r->at_start = 1;
    r->line_no = 0;
    r->have_header = 0;
    if (r->mem) {
        r->name = name;
        r->source_file = name;
        r->chunk = (unsigned char *)r->mem;
        r->cend = r->mem_len;
        r->eof = 1;
        return 0;
    }
    r->zmode = 0;
    r->zin_eof = 0;
    r->lines_end = 0;
    if (strcmp(path, "-") == 0) {
        r->name = "stdin";
        r->source_file = NULL;
        if ((r->fd = dup(STDIN_FILENO)) < 0) {
            r->fatal = 1;
            return qr_error_at(err, "stdin", 0, 0, "cannot read standard input: %s",
                               strerror(errno));
        }
        return 0;
    } else if (r->files.size[r->next_file - 1] < 0) {
        r->name = name;
        r->source_file = name;
        if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            r->fatal = 1;
            return qr_error_at(err, name, 0, 0, "cannot open: %s", strerror(errno));
        }
        return 0;
    } else {
        r->name = name;
        r->source_file = name;
        if (!(r->gz = gzopen(path, "rb"))) {
            r->fatal = 1;
            return qr_error_at(err, name, 0, 0, "cannot open: %s",
                               errno ? strerror(errno) : "out of memory");
        }
    }
    gzbuffer(r->gz, CHUNK);
    return 0;
}

/* gzerror's message, without the "path: " zlib puts in front. */
static const char *gz_message(qr_reader *r, int *code)
{
    const char *msg = gzerror(r->gz, code);
    size_t n = strlen(r->files.v[r->next_file - 1]);
    if (strncmp(msg, r->files.v[r->next_file - 1], n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
        msg += n + 2;
    return msg;
}

static int stream_fill(qr_reader *r, qr_error *err);

static int source_fill(qr_reader *r, qr_error *err)
{
    if (r->eof)
        return 0;
    if (r->fd >= 0)
        return stream_fill(r, err);
    int n = gzread(r->gz, r->chunk, CHUNK);
    if (n < 0) {
        int code;
        const char *msg = gz_message(r, &code);
        r->fatal = 1;
        return qr_error_at(err, r->name, (int)r->line_no + 1, 0, "read error: %s",
                           code == Z_ERRNO ? strerror(errno) : msg);
    }
    if (n == 0) {
        /* gzread returns 0 both at the end and on a truncated .gz */
        int code;
        const char *msg = gz_message(r, &code);
        if (code != Z_OK && code != Z_STREAM_END) {
            r->fatal = 1;
            return qr_error_at(err, r->name, (int)r->line_no + 1, 0,
                               "read error: %s (is the .gz file truncated?)", msg);
        }
        r->eof = 1;
        return 0;
    }
    r->cpos = 0;
    r->cend = (size_t)n;
    /* once per chunk: gzoffset costs a system call */
    z_off_t off = gzoffset(r->gz);
    if (off > 0)
        r->raw_pos = (int64_t)off;
    else if (r->files.size[r->next_file - 1] < 0)
        r->raw_pos += n;   /* a pipe has no offset: count what it gave */
    return 0;
}

/* Waits until the stream has bytes to read (or its end), giving up when
 * *r->cancel is set: 0, or -2 with err. */
static int stream_wait(qr_reader *r, qr_error *err)
{
    struct pollfd pf = { .fd = r->fd, .events = POLLIN };
    for (;;) {
        if (r->cancel && __atomic_load_n(r->cancel, __ATOMIC_RELAXED)) {
            r->fatal = 1;
            return qr_error_at(err, r->name, (int)r->line_no + 1, 0, "interrupted while waiting for input");
        }
        int n = poll(&pf, 1, r->cancel ? WAIT_MS : -1);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR) {
            r->fatal = 1;
            return qr_error_at(err, r->name, (int)r->line_no + 1, 0, "read error: %s", strerror(errno));
        }
    }
}

/* read(2) of what has arrived, at least one byte unless at the end: the
 * count, or -1 (err set, fatal). */
static ssize_t stream_read(qr_reader *r, unsigned char *p, size_t cap, qr_error *err)
{
    for (;;) {
        if (stream_wait(r, err) != 0)
            return -1;
        ssize_t n = read(r->fd, p, cap);
        if (n >= 0)
            return n;
        if (errno != EINTR && errno != EAGAIN) {
            r->fatal = 1;
            qr_error_at(err, r->name, (int)r->line_no + 1, 0, "read error: %s", strerror(errno));
            return -1;
        }
    }
}

/* Fills the chunk from a stream with what has arrived, inflated when the
 * stream is gzip: 0 (cend > cpos, or eof set), or -2 with err. Bytes read
 * count as they come out (uncompressed), a pipe having no size to show. */
static int stream_fill_chunk(qr_reader *r, qr_error *err);

static int stream_fill(qr_reader *r, qr_error *err)
{
    int rc = stream_fill_chunk(r, err);
    const unsigned char *nl = r->cend ? memrchr(r->chunk, '\n', r->cend) : NULL;
    r->lines_end = nl ? (size_t)(nl - r->chunk) + 1 : 0;
    return rc;
}

static int stream_fill_chunk(qr_reader *r, qr_error *err)
{
    r->cpos = r->cend = 0;
    if (r->zmode == 0) {
        /* the first two bytes tell gzip (1f 8b) from anything else */
        size_t have = 0;
        while (have < 2) {
            ssize_t n = stream_read(r, r->chunk + have, ZIN - have, err);
            if (n < 0)
                return -2;
            if (n == 0)
                break;
            have += (size_t)n;
        }
        if (have < 2 || r->chunk[0] != 0x1f || r->chunk[1] != 0x8b) {
            r->zmode = 1;
            r->cend = have;
            r->raw_pos += (int64_t)have;
            r->eof = have == 0;
            return 0;
        }
        memset(&r->zs, 0, sizeof r->zs);
        if (!r->zin && !(r->zin = malloc(ZIN))) {
            r->fatal = 1;
            return qr_error_at(err, r->name, 0, 0, "out of memory reading the input");
        }
        if (inflateInit2(&r->zs, 15 + 32) != Z_OK) {
            r->fatal = 1;
            return qr_error_at(err, r->name, 0, 0, "out of memory reading the input");
        }
        r->zmode = 2;
        r->zdone = 0;
        memcpy(r->zin, r->chunk, have);
        r->zs.next_in = r->zin;
        r->zs.avail_in = (uInt)have;
    }
    if (r->zmode == 1) {
        ssize_t n = stream_read(r, r->chunk, CHUNK, err);
        if (n < 0)
            return -2;
        r->cend = (size_t)n;
        r->raw_pos += n;
        r->eof = n == 0;
        return 0;
    }
    /* gzip: inflate what has come; wait for more only when nothing came out */
    for (;;) {
        if (r->zs.avail_in == 0) {
            if (r->zin_eof) {
                if (!r->zdone) {
                    r->fatal = 1;
                    return qr_error_at(err, r->name, (int)r->line_no + 1, 0,
                                       "read error: unexpected end of file (is the .gz file truncated?)");
                }
                r->eof = 1;
                return 0;
            }
            ssize_t n = stream_read(r, r->zin, ZIN, err);
            if (n < 0)
                return -2;
            r->zin_eof = n == 0;
            r->zs.next_in = r->zin;
            r->zs.avail_in = (uInt)n;
            continue;
        }
        uInt in = r->zs.avail_in;
        r->zs.next_out = r->chunk;
        r->zs.avail_out = CHUNK;
        int rc = inflate(&r->zs, Z_NO_FLUSH);
        size_t out = CHUNK - r->zs.avail_out;
        if (rc == Z_STREAM_END) {
            /* a member ends; another may follow (cat a.gz b.gz) */
            inflateReset(&r->zs);
            r->zdone = 1;
        } else if (rc == Z_DATA_ERROR && r->zdone && out == 0) {
            /* not gzip after a complete member: ignored, as gzip does */
            r->zs.avail_in = 0;
            r->zin_eof = 1;
            continue;
        } else if (rc == Z_MEM_ERROR) {
            r->fatal = 1;
            return qr_error_at(err, r->name, 0, 0, "out of memory reading the input");
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            r->fatal = 1;
            return qr_error_at(err, r->name, (int)r->line_no + 1, 0, "read error: %s",
                               r->zs.msg ? r->zs.msg : "invalid gzip data");
        } else if (r->zs.avail_in < in) {
            r->zdone = 0;
        }
        if (out) {
            r->cend = out;
            r->raw_pos += (int64_t)out;
            return 0;
        }
    }
}

static void skip_bom(qr_reader *r, const char **s, size_t *n)
{
    if (r->at_start) {
        r->at_start = 0;
        if (*n >= 3 && memcmp(*s, "\xEF\xBB\xBF", 3) == 0) {
            *s += 3;
            *n -= 3;
        }
    }
}

/* The next line without its '\n' (a '\r' before it stays). Points into the
 * read buffer or r->line; valid until the next call. 1, 0 at the end, -2. */
static int source_line(qr_reader *r, const char **line, size_t *len, qr_error *err)
{
    r->line.n = 0;
    int partial = 0;
    for (;;) {
        if (r->cpos == r->cend) {
            if (!r->eof && source_fill(r, err) != 0)
                return -2;
            if (r->cpos == r->cend) {
                if (!partial)
                    return 0;
                *line = r->line.p;
                *len = r->line.n;
                r->line_no++;
                skip_bom(r, line, len);
                return 1;
            }
        }
        const unsigned char *p = r->chunk + r->cpos;
        size_t avail = r->cend - r->cpos;
        const unsigned char *nl = memchr(p, '\n', avail);
        if (nl) {
            size_t n = (size_t)(nl - p);
            if (!partial) {
                *line = (const char *)p;
                *len = n;
            } else {
                if (buf_add(&r->line, p, n) != 0)
                    goto oom;
                *line = r->line.p;
                *len = r->line.n;
            }
            r->cpos += n + 1;
            r->line_no++;
            skip_bom(r, line, len);
            return 1;
        }
        if (buf_add(&r->line, p, avail) != 0)
            goto oom;
        partial = 1;
        r->cpos = r->cend;
    }
oom:
    r->fatal = 1;
    return qr_error_at(err, r->name, (int)r->line_no + 1, 0, "out of memory reading a line");
}

/* The whole rest of the source. */
static int source_all(qr_reader *r, const char **s, size_t *len, qr_error *err)
{
    if (r->mem) {
        *s = r->mem;
        *len = r->mem_len;
        r->cpos = r->cend;
    } else {
        r->line.n = 0;
        for (;;) {
            if (buf_add(&r->line, r->chunk + r->cpos, r->cend - r->cpos) != 0) {
                r->fatal = 1;
                return qr_error_at(err, r->name, 0, 0, "out of memory reading the file");
            }
            r->cpos = r->cend;
            if (r->eof)
                break;
            if (source_fill(r, err) != 0)
                return -2;
        }
        *s = r->line.p ? r->line.p : "";
        *len = r->line.n;
    }
    skip_bom(r, s, len);
    return 0;
}

/* }================================================================== */

/* {==================================================================
 * Documents
 * =================================================================== */
static int oom_at(qr_reader *r, qr_error *err)
{
    r->fatal = 1;
    qr_error_at(err, r->name, (int)r->line_no, 0, "out of memory");
    return -2;
}

/* Sets provenance and the default id (name, or name:line when line > 0). */
static int start_doc(qr_reader *r, qr_doc *doc, long line, qr_error *err)
{
    qr_doc_reset(doc);
    doc->seq = r->seq++;
    doc->source_line = line;
    if (r->source_file && !(doc->source_file = strdup(r->source_file)))
        return oom_at(r, err);
    const char *id = r->name;
    if (line > 0) {
        size_t n = strlen(r->name) + 24;
        r->idbuf.n = 0;
        if (buf_reserve(&r->idbuf, n) != 0)
            return oom_at(r, err);
        snprintf(r->idbuf.p, n, "%s:%ld", r->name, line);
        id = r->idbuf.p;
    }
    return qr_doc_set_id(doc, id, err) == 0 ? 0 : oom_at(r, err);
}

/* s[0..n) as valid UTF-8: repaired, or converted from input.encoding.
 * *out is NULL when s can be used as it is, else the text in r->repair
 * (*out_len bytes). Returns the number of U+FFFD put in, -1 on OOM. */
static long to_utf8(qr_reader *r, const char *s, size_t n, const char **out, size_t *out_len)
{
    *out = NULL;
    if (r->cd == (iconv_t)-1) {
        long fixed = qr_io_repair_utf8(s, n, &r->repair.p, &r->repair.cap, out_len);
        if (fixed > 0)
            *out = r->repair.p;
        return fixed;
    }
    buf *b = &r->repair;
    b->n = 0;
    if (buf_reserve(b, n * 2 + 16) != 0)
        return -1;
    char *in = (char *)s;
    size_t inl = n;
    long bad = 0;
    iconv(r->cd, NULL, NULL, NULL, NULL);
    while (inl > 0) {
        char *o = b->p + b->n;
        size_t room = b->cap - b->n - 1, before = room;
        size_t rc = iconv(r->cd, &in, &inl, &o, &room);
        b->n += before - room;
        if (rc != (size_t)-1)
            break;
        if (errno == E2BIG) {
            if (buf_reserve(b, inl * 2 + 16) != 0)
                return -1;
        } else {                       /* EILSEQ, EINVAL: one bad byte */
            if (buf_add(b, "\xEF\xBF\xBD", 3) != 0)
                return -1;
            in++;
            inl--;
            bad++;
            iconv(r->cd, NULL, NULL, NULL, NULL);
        }
    }
    b->p[b->n] = '\0';
    *out = b->p;
    *out_len = b->n;
    return bad;
}

/* Adds the file and line to an error from the document model. */
static int relocate(qr_reader *r, long line, qr_error *err)
{
    if (err) {
        char msg[sizeof err->message];
        memcpy(msg, err->message, sizeof msg);
        qr_error_at(err, r->name, (int)line, 0, "%s", msg);
    }
    return -1;
}

static int set_text(qr_reader *r, qr_doc *doc, const char *s, size_t len, qr_error *err)
{
    size_t n;
    const char *o;
    long fixed = to_utf8(r, s, len, &o, &n);
    if (fixed < 0)
        return oom_at(r, err);
    if (o) {
        s = o;
        len = n;
    }
    doc->n_repaired += (int)fixed;
    if (qr_doc_set_text(doc, s, len, err) != 0)
        return relocate(r, doc->source_line, err);
    return 0;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f' && s[i] != '\v')
            return 0;
    return 1;
}

/* Binary data, as git and grep tell it: a NUL byte in the first 8000
 * bytes (of a file, or of a line). Text never has one there; an image, a
 * PDF, an office file or UTF-16 text does. -1 with err for a malformed
 * record, which the pipeline's input policy handles; 0 for text. */
enum { BINARY_PEEK = 8000 };

static int refuse_binary(qr_reader *r, const char *s, size_t n, long line, qr_error *err)
{
    const char *z = memchr(s, '\0', n < BINARY_PEEK ? n : BINARY_PEEK);
    if (!z)
        return 0;
    const unsigned char *u = (const unsigned char *)s;
    if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return qr_error_at(err, r->name, (int)line, 0,
                           "UTF-16 text (it starts with the byte order mark %02X %02X), not UTF-8: "
                           "convert it first, as in iconv -f UTF-16 -t UTF-8", u[0], u[1]);
    if (line == 0)      /* a whole file: no line to put a column on */
        return qr_error_at(err, r->name, 0, 0, "binary data or UTF-16, not UTF-8 text (a NUL byte at "
                           "byte %zu); leave such files out of the input", (size_t)(z - s));
    return qr_error_at(err, r->name, (int)line, (int)(z - s) + 1,
                       "binary data or UTF-16, not UTF-8 text (a NUL byte); leave such files out of "
                       "the input");
}

static int next_text(qr_reader *r, qr_doc *doc, qr_error *err)
{
    const char *s = "";
    size_t n = 0;
    if (source_all(r, &s, &n, err) != 0)
        return -2;
    int rc = start_doc(r, doc, 0, err);
    if (rc)
        return rc;
    if (refuse_binary(r, s, n, 0, err) != 0)
        return -1;
    return set_text(r, doc, s, n, err);
}

/* 1, 0 at the end of this file, -1, -2 */
static int next_line(qr_reader *r, qr_doc *doc, qr_error *err)
{
    const char *s;
    size_t n;
    for (;;) {
        int rc = source_line(r, &s, &n, err);
        if (rc <= 0)
            return rc;
        if (!is_blank(s, n))
            break;
    }
    if (n > 0 && s[n - 1] == '\r')
        n--;
    int rc = start_doc(r, doc, r->line_no, err);
    if (rc)
        return rc;
    /* start_doc does not touch the read buffer, so s is still valid */
    if (refuse_binary(r, s, n, r->line_no, err) != 0)
        return -1;
    rc = set_text(r, doc, s, n, err);
    return rc == 0 ? 1 : rc;
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* JSONL records are parsed with simdjson (io/jsonl_fast.h), about twice as
 * fast as cJSON and far faster than jansson on records with long text
 * fields (bench/RESULTS.md). The fast path takes only what simdjson and
 * jansson read alike; everything else -- malformed lines included, so every
 * error message is jansson's -- goes through jansson. */

/* Parses line s[0..n) on the fast path: 0 with *rec filled, -1 for jansson
 * to parse the line. */
static int jsonl_fast(qr_reader *r, const char *s, size_t n, qr_jsonl_record *rec)
{
    memset(rec, 0, sizeof *rec);
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (n == 0 || s[0] != '{')
        return -1;
    if (!r->fast && !(r->fast = qr_jsonl_fast_new()))
        return -1;              /* out of memory: jansson will say so */
    /* a line read straight from the chunk has its padding (the chunk's
     * next bytes or its zeroed tail); a joined or repaired one is copied */
    uintptr_t a = (uintptr_t)s, c = (uintptr_t)r->chunk;
    int padded = !r->mem && r->chunk && a >= c && a - c + n <= CHUNK;
    return qr_jsonl_fast_parse(r->fast, s, n, padded, r->text_field, r->id_field, rec);
}

/* The document id of an id member: a string, or a number written as jansson
 * reads it; NULL for other types. */
static const char *id_text(const json_t *id, char num[64])
{
    if (json_is_string(id))
        return json_string_value(id);
    if (json_is_integer(id)) {
        snprintf(num, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        return num;
    }
    if (json_is_real(id)) {
        snprintf(num, 64, "%.17g", json_real_value(id));
        return num;
    }
    return NULL;
}

static int next_jsonl(qr_reader *r, qr_doc *doc, qr_error *err)
{
    const char *s;
    size_t n;
    for (;;) {
        int rc = source_line(r, &s, &n, err);
        if (rc <= 0)
            return rc;
        if (!is_blank(s, n))
            break;
    }
    long line = r->line_no;
    size_t fixed_len;
    const char *o;
    long fixed = to_utf8(r, s, n, &o, &fixed_len);
    if (fixed < 0)
        return oom_at(r, err);
    if (o) {
        s = o;
        n = fixed_len;
    }
    qr_jsonl_record rec;
    char num[64];
    const char *ids = NULL;
    if (jsonl_fast(r, s, n, &rec) == 0 &&
        (!rec.id || json_is_null(rec.id) || (ids = id_text(rec.id, num)))) {
        int rc = start_doc(r, doc, line, err);
        if (rc == 0) {
            doc->n_repaired = (int)fixed;
            if (rec.id && !json_is_null(rec.id) && qr_doc_set_id(doc, ids, err) != 0)
                rc = oom_at(r, err);
            else if (qr_doc_set_text(doc, rec.text, rec.text_len, err) != 0)
                rc = relocate(r, line, err);
        }
        json_decref(rec.id);
        if (rc) {
            json_decref(rec.meta);
            return rc;
        }
        if (rec.meta)
            qr_doc_set_meta(doc, rec.meta);
        return 1;
    }
    json_decref(rec.id);    /* an id of the wrong type: jansson's message */
    json_decref(rec.meta);
    json_error_t jerr;
    json_t *obj = json_loadb(s, n, JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
    int rc = start_doc(r, doc, line, err);
    if (rc) {
        json_decref(obj);
        return rc;
    }
    doc->n_repaired = (int)fixed;
    if (!obj) {
        /* a line that does not even start like JSON: plain text, most likely */
        size_t k = 0;
        while (k < n && (s[k] == ' ' || s[k] == '\t'))
            k++;
        int json_like = k < n && (s[k] == '{' || s[k] == '[' || s[k] == '"');
        return qr_error_at(err, r->name, (int)line, jerr.column > 0 ? jerr.column : 0,
                           "invalid JSON: %s%s", jerr.text,
                           json_like ? "" : " (the input is read as JSONL, a JSON object a line; "
                                            "for plain text set input: { format: text } or { format: lines })");
    }
    if (!json_is_object(obj)) {
        qr_error_at(err, r->name, (int)line, 0,
                    "a JSONL record must be a JSON object, this line holds %s",
                    json_type_name(obj));
        json_decref(obj);
        return -1;
    }
    json_t *id = json_object_get(obj, r->id_field);
    if (id && !json_is_null(id)) {
        ids = id_text(id, num);
        if (!ids) {
            qr_error_at(err, r->name, (int)line, 0,
                        "field \"%s\" is %s; an id must be a string or a number "
                        "(set input.id_field to use another field)",
                        r->id_field, json_type_name(id));
            json_decref(obj);
            return -1;
        }
        if (qr_doc_set_id(doc, ids, err) != 0) {
            json_decref(obj);
            return oom_at(r, err);
        }
    }
    json_t *text = json_object_get(obj, r->text_field);
    if (!text || !json_is_string(text)) {
        if (!text) {
            /* name the members there are, so the right one is easy to pick */
            char members[256] = "";
            size_t used = 0, shown = 0, total = json_object_size(obj);
            const char *key;
            json_t *v;
            json_object_foreach(obj, key, v) {
                (void)v;
                int w = snprintf(members + used, sizeof members - used, "%s%s", shown ? ", " : "", key);
                if (w < 0 || (size_t)w >= sizeof members - used - 16) {
                    members[used] = '\0';    /* room left for " and N more" */
                    break;
                }
                used += (size_t)w;
                shown++;
            }
            if (shown < total)
                snprintf(members + used, sizeof members - used, "%s%zu more", shown ? " and " : "",
                         total - shown);
            qr_error_at(err, r->name, (int)line, 0,
                        "no \"%s\" field in this record (%s%s; set input.text_field to the "
                        "member that holds the text)", r->text_field,
                        total ? "its members: " : "it has no members", members);
        }
        else
            qr_error_at(err, r->name, (int)line, 0, "field \"%s\" is %s, not a string",
                        r->text_field, json_type_name(text));
        json_decref(obj);
        return -1;
    }
    if (qr_doc_set_text(doc, json_string_value(text), json_string_length(text), err) != 0) {
        relocate(r, line, err);
        json_decref(obj);
        return -1;
    }
    json_object_del(obj, r->text_field);
    json_object_del(obj, r->id_field);
    if (json_object_size(obj) > 0)
        qr_doc_set_meta(doc, obj);
    else
        json_decref(obj);
    return 1;
}

/* {------------------------------------------------------------------
 * CSV (RFC 4180, with a header row)
 * ------------------------------------------------------------------- */
static int field_push(qr_reader *r)
{
    if (r->nf == r->fcap) {
        size_t cap = r->fcap ? r->fcap * 2 : 16;
        size_t *v = realloc(r->fstart, cap * sizeof *v);
        if (!v)
            return -1;
        r->fstart = v;
        r->fcap = cap;
    }
    if (buf_reserve(&r->fields, 1) != 0)
        return -1;
    r->fstart[r->nf++] = r->fields.n;
    return 0;
}

/* Reads one record into r->fields/fstart (nf fields, each NUL-terminated).
 * *start gets the line it starts on. 1, 0 at the end, -1 unterminated quote,
 * -2 fatal. Empty lines outside quotes are skipped. */
static int csv_record(qr_reader *r, long *start, qr_error *err)
{
    const char *s;
    size_t n;
    int rc;
    for (;;) {
        if ((rc = source_line(r, &s, &n, err)) <= 0)
            return rc;
        if (n > 0 && !(n == 1 && s[0] == '\r'))
            break;
    }
    *start = r->line_no;
    r->fields.n = 0;
    r->nf = 0;
    if (field_push(r) != 0)
        return oom_at(r, err);
    char d = r->delimiter;
    int quoted = 0, in_quotes = 0;
    for (;;) {
        size_t i = 0;
        while (i < n) {
            char c = s[i];
            if (in_quotes) {
                const char *q = memchr(s + i, '"', n - i);
                size_t m = q ? (size_t)(q - (s + i)) : n - i;
                if (buf_add(&r->fields, s + i, m) != 0)
                    return oom_at(r, err);
                i += m;
                if (!q)
                    break;
                if (i + 1 < n && s[i + 1] == '"') {
                    if (buf_add(&r->fields, "\"", 1) != 0)
                        return oom_at(r, err);
                    i += 2;
                } else {
                    in_quotes = 0;
                    i++;
                }
            } else if (c == d) {
                if (buf_add(&r->fields, "", 1) != 0 || field_push(r) != 0)
                    return oom_at(r, err);
                quoted = 0;
                i++;
            } else if (c == '"' && !quoted && r->fields.n == r->fstart[r->nf - 1]) {
                quoted = in_quotes = 1;
                i++;
            } else if (c == '\r' && i + 1 == n) {
                i++; /* CRLF line end */
            } else {
                /* lenient: a quote inside an unquoted field, or text after a
                 * closing quote, is kept as it is */
                if (buf_add(&r->fields, &c, 1) != 0)
                    return oom_at(r, err);
                i++;
            }
        }
        if (!in_quotes)
            break;
        if (buf_add(&r->fields, "\n", 1) != 0)
            return oom_at(r, err);
        if ((rc = source_line(r, &s, &n, err)) < 0)
            return rc;
        if (rc == 0) {
            qr_error_at(err, r->name, (int)*start, 0,
                        "a quoted field opened on this line is never closed "
                        "(a stray \" in the field?)");
            return -1;
        }
    }
    if (buf_add(&r->fields, "", 1) != 0)
        return oom_at(r, err);
    return 1;
}

/* TSV: one record per line, fields split at tabs, \t \n \r \\ unescaped
 * (what the tsv export writes). */
static int tsv_record(qr_reader *r, long *start, qr_error *err)
{
    const char *s;
    size_t n;
    int rc;
    for (;;) {
        if ((rc = source_line(r, &s, &n, err)) <= 0)
            return rc;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (n > 0)
            break;
    }
    *start = r->line_no;
    r->fields.n = 0;
    r->nf = 0;
    if (field_push(r) != 0 || buf_reserve(&r->fields, n + 1) != 0)
        return oom_at(r, err);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\t') {
            r->fields.p[r->fields.n++] = '\0';
            if (field_push(r) != 0 || buf_reserve(&r->fields, n - i + 1) != 0)
                return oom_at(r, err);
            continue;
        }
        if (c == '\\' && i + 1 < n) {
            char e = s[i + 1];
            char u = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == '\\' ? '\\' : 0;
            if (u) {
                c = u;
                i++;
            }
        }
        r->fields.p[r->fields.n++] = c;
    }
    r->fields.p[r->fields.n++] = '\0';
    return 1;
}

static int table_record(qr_reader *r, long *start, qr_error *err)
{
    return r->format == QR_INPUT_TSV ? tsv_record(r, start, err) : csv_record(r, start, err);
}

static const char *csv_field(const qr_reader *r, size_t i)
{
    return r->fields.p + r->fstart[i];
}

static size_t csv_field_len(const qr_reader *r, size_t i)
{
    size_t end = i + 1 < r->nf ? r->fstart[i + 1] - 1 : r->fields.n - 1;
    return end - r->fstart[i];
}

static int csv_header(qr_reader *r, qr_error *err)
{
    long line;
    int rc = table_record(r, &line, err);
    if (rc == 0)
        return 0;
    if (rc < 0) {
        r->fatal = 1;
        return -2;
    }
    if (!(r->cols = calloc(r->nf, sizeof *r->cols)))
        return oom_at(r, err);
    r->ncols = r->nf;
    r->text_idx = r->id_idx = -1;
    for (size_t i = 0; i < r->nf; i++) {
        const char *f = csv_field(r, i), *o;
        size_t ol;
        if (memchr(f, '\0', csv_field_len(r, i))) {    /* refuse_binary, for a header */
            qr_error_at(err, r->name, (int)line, 0, "binary data or UTF-16, not UTF-8 text (a NUL "
                        "byte in the header); leave such files out of the input");
            r->fatal = 1;
            return -2;
        }
        long fixed = to_utf8(r, f, csv_field_len(r, i), &o, &ol);
        if (fixed < 0 || !(r->cols[i] = strdup(o ? o : f)))
            return oom_at(r, err);
        f = r->cols[i];
        if (r->text_idx < 0 && strcmp(f, r->text_column) == 0)
            r->text_idx = (long)i;
        if (r->id_idx < 0 && strcmp(f, r->id_column) == 0)
            r->id_idx = (long)i;
    }
    if (r->text_idx < 0) {
        buf names = { 0 };
        /* Long or many names are cut so the hint still fits the message. */
        size_t i = 0;
        for (; i < r->ncols && names.n < 400; i++) {
            size_t cl = strlen(r->cols[i]), show = cl;
            if (show > 40)
                for (show = 40; show > 0 && ((unsigned char)r->cols[i][show] & 0xC0) == 0x80;)
                    show--;
            if (buf_add(&names, i ? ", " : "", i ? 2 : 0) != 0 ||
                buf_add(&names, r->cols[i], show) != 0 ||
                (show < cl && buf_add(&names, "...", 3) != 0))
                break;
        }
        if (i < r->ncols)
            buf_add(&names, ", ...", 5);
        qr_error_at(err, r->name, (int)line, 0,
                    "no column \"%s\" in the header (columns: %s); set input.text_column",
                    r->text_column, names.p ? names.p : "");
        free(names.p);
        r->fatal = 1;
        return -2;
    }
    r->have_header = 1;
    return 1;
}

static int next_csv(qr_reader *r, qr_doc *doc, qr_error *err)
{
    if (!r->have_header) {
        int rc = csv_header(r, err);
        if (rc <= 0)
            return rc;
    }
    long line;
    int rc = table_record(r, &line, err);
    if (rc == -2 || rc == 0)
        return rc;
    int status = start_doc(r, doc, line, err);
    if (status)
        return status;
    if (rc < 0)
        return -1;
    if (r->nf != r->ncols)
        return qr_error_at(err, r->name, (int)line, 0, "this row has %zu fields, the header has %zu %s",
                           r->nf, r->ncols,
                           r->format == QR_INPUT_TSV ? "(tabs inside a field must be written \\t)"
                                                     : "(a missing quote, or a wrong input.delimiter?)");
    if (r->id_idx >= 0 && csv_field_len(r, (size_t)r->id_idx) > 0 &&
        qr_doc_set_id(doc, csv_field(r, (size_t)r->id_idx), err) != 0)
        return oom_at(r, err);
    json_t *meta = NULL;
    long fixed_total = 0;
    for (size_t i = 0; i < r->nf; i++) {
        if ((long)i == r->text_idx || (long)i == r->id_idx)
            continue;
        const char *f = csv_field(r, i);
        size_t fl = csv_field_len(r, i), rl;
        const char *o;
        long fixed = to_utf8(r, f, fl, &o, &rl);
        if (fixed < 0) {
            json_decref(meta);
            return oom_at(r, err);
        }
        if (o) {
            f = o;
            fl = rl;
        }
        fixed_total += fixed;
        if (!meta && !(meta = json_object())) {
            json_decref(meta);
            return oom_at(r, err);
        }
        json_object_set_new(meta, r->cols[i], json_stringn(f, fl));
    }
    qr_doc_set_meta(doc, meta);
    if (set_text(r, doc, csv_field(r, (size_t)r->text_idx),
                 csv_field_len(r, (size_t)r->text_idx), err) != 0)
        return r->fatal ? -2 : -1;
    doc->n_repaired += (int)fixed_total;
    return 1;
}

/* }------------------------------------------------------------------ */

int qr_reader_next(qr_reader *r, qr_doc *doc, qr_error *err)
{
    if (r->fatal) {
        qr_error_set(err, "the reader stopped after an earlier error");
        return -2;
    }
    for (;;) {
        if (!r->open) {
            if (r->next_file >= r->files.n)
                return 0;
            if (source_open(r, err) != 0)
                return -2;
        }
        int rc;
        switch (r->format) {
        case QR_INPUT_TEXT:
            rc = next_text(r, doc, err);
            source_close(r);
            if (rc == -2)
                r->fatal = 1;
            return rc == 0 ? 1 : rc;
        case QR_INPUT_LINES: rc = next_line(r, doc, err); break;
        case QR_INPUT_JSONL: rc = next_jsonl(r, doc, err); break;
        case QR_INPUT_CSV:
        case QR_INPUT_TSV: rc = next_csv(r, doc, err); break;
        default:
            qr_error_set(err, "unknown input format %d", (int)r->format);
            r->fatal = 1;
            return -2;
        }
        if (rc == 0) {
            source_close(r);
            continue;
        }
        if (rc == -2)
            r->fatal = 1;
        return rc;
    }
}

/* }================================================================== */
