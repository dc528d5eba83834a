/*
 * reader — turns input files into documents (the `input:` section).
 *
 * Formats (qr_input_format):
 *   text   one document per file; id = the path (see "Names" below)
 *   lines  one document per non-empty line; id = path:LINE (1-based);
 *          lines that are empty or only whitespace are skipped
 *   jsonl  one JSON object per line; `text_field` (default "text") is the
 *          text, `id_field` (default "id", string or number) the id, every
 *          other member goes to doc->meta; no id -> path:LINE; blank lines
 *          are skipped
 *   csv    RFC 4180 with a header row; `text_column` (default "text") is
 *          the text, `id_column` (default "id") the id, every other column
 *          goes to doc->meta as a string; no id column -> path:LINE; quoted
 *          fields may span lines; `delimiter` (default ",")
 *   tsv    a header row, then a record per line, fields split at tabs;
 *          \t \n \r \\ in a field are unescaped (the tsv export's output);
 *          columns as for csv; no quoting
 *
 * Paths: files; directories (recursive, entries in byte order, hidden
 * entries starting with '.' skipped); globs (glob(3): *, ? and [...]);
 * "-" for standard input (named "stdin" in ids and messages). Files ending
 * in .gz are decompressed (zlib); other files are read as they are. Paths
 * are used as given: the caller resolves relative ones (input.paths are
 * relative to the pipeline file, command-line inputs to the working
 * directory). A UTF-8 byte-order mark at the start of a file is dropped.
 *
 * Names: ids, doc->source_file and messages name a file by its path cleaned
 * lexically ("pipelines/../samples/a.txt" -> "samples/a.txt", as Go's
 * path.Clean); the file itself is opened by the path as found.
 *
 * Encoding: text is UTF-8 unless `encoding` names another character set
 * (an iconv name whose bytes below 0x80 are ASCII: latin1, cp1252, …);
 * such records are converted with iconv(3) after lines and fields are
 * split, bytes invalid in that encoding becoming U+FFFD. Invalid UTF-8 is
 * replaced by U+FFFD at read time (one per maximal invalid subpart, as
 * Unicode recommends). Replacements are counted in doc->n_repaired and
 * are never an error. For jsonl the line's bytes are
 * repaired before parsing, so a bad byte inside a JSON string becomes
 * U+FFFD in the value (and a bad byte outside strings is a JSON syntax
 * error anyway).
 *
 * Ownership and threads: a qr_reader owns copies of the paths and options
 * it was given. It has no global state; one reader is used by one thread.
 */
#ifndef QR_IO_READER_H
#define QR_IO_READER_H

#include <stdint.h>
#include "quarry_module.h"
#include "doc.h"

typedef enum qr_input_format {
    QR_INPUT_TEXT = 0,
    QR_INPUT_LINES,
    QR_INPUT_JSONL,
    QR_INPUT_CSV,
    QR_INPUT_TSV
} qr_input_format;

typedef struct qr_input_opts {
    qr_input_format format;   /* default QR_INPUT_TEXT                         */
    const char *text_field;   /* jsonl; default "text"                          */
    const char *id_field;     /* jsonl; default "id"                            */
    const char *text_column;  /* csv, tsv; default "text"                       */
    const char *id_column;    /* csv, tsv; default "id"                         */
    char delimiter;           /* csv; default ','                               */
    const char *encoding;     /* iconv name of the files' character set;
                                 default "utf-8"; must be ASCII-compatible     */
    const char *const *outputs; /* the run's outputs (absolute, cleaned, NULL-
                                 terminated) that folder walks and globs pass
                                 over, with their temporary files; NULL: none */
    int from_pipeline;        /* the paths are the pipeline's input.paths, not
                                 the caller's (for the hint of a missing one) */
} qr_input_opts;

/* The options of the `input:` section, for the validator, `quarry check`
 * and `quarry steps` (format, paths, text_field, id_field, text_column,
 * id_column, delimiter). `paths` is handled by the caller; every other key
 * goes through qr_input_opts_set. NULL-terminated. */
extern const qr_option_def qr_input_option_defs[];

/* Fills the defaults above. Strings point to static storage. */
void qr_input_opts_init(qr_input_opts *opts);

/* Sets one option from its YAML text: key is one of the names above but
 * "paths"; value is borrowed (must outlive qr_reader_new, which copies).
 * Returns 0, or -1 with err (unknown key, unknown format, a delimiter that
 * is not one byte). */
int qr_input_opts_set(qr_input_opts *opts, const char *key, const char *value,
                      qr_error *err);

const char *qr_input_format_name(qr_input_format f); /* "text", "lines", ... */

typedef struct qr_reader qr_reader;

/* Expands paths (directories, globs) and checks that every file can be
 * opened for reading. Returns NULL with err on a path that does not exist,
 * a glob that matches nothing, an unreadable file, or no paths at all. */
qr_reader *qr_reader_new(const qr_input_opts *opts, const char *const *paths,
                         size_t npaths, qr_error *err);

/* Files a folder walk or a glob passed over because they are outputs of
 * the run (qr_input_opts.outputs), as display names. */
size_t qr_reader_skipped_count(const qr_reader *r);
const char *qr_reader_skipped(const qr_reader *r, size_t i);
/* Folders among the inputs that held no file to read (display names). */
size_t qr_reader_empty_count(const qr_reader *r);
const char *qr_reader_empty(const qr_reader *r, size_t i);

/* Reads from a memory buffer (copied) instead of files, as if it were a
 * file named `name` (NULL: "input"): Lua's p:process(record) and tests. */
qr_reader *qr_reader_new_memory(const qr_input_opts *opts, const char *name,
                                const char *data, size_t len, qr_error *err);

void qr_reader_free(qr_reader *r); /* NULL is fine */

/* Reads the next record into doc (qr_doc_reset first, then id, text, meta,
 * source_file, source_line, seq, n_repaired).
 *   1  a document was read
 *   0  end of input
 *  -1  a malformed record: err says "what" with err->file / err->line set
 *      (qr_error_format gives "file:line: ..."); doc->id (path:LINE, or the
 *      record's id when it could be read), source_file, source_line and seq
 *      are set, so the caller can apply its error policy and call again
 *  -2  fatal: an I/O error, a corrupt .gz, a CSV file without the
 *      text column; the reader must not be used further
 * seq counts every record returned as 1 or -1, from 0. */
int qr_reader_next(qr_reader *r, qr_doc *doc, qr_error *err);

/* Progress: total input size in bytes (compressed size for .gz), -1 when
 * unknown (stdin, a pipe or a device among the inputs: a read may then
 * wait for its data); bytes consumed so far. */
int64_t qr_reader_bytes_total(const qr_reader *r);
int64_t qr_reader_bytes_read(const qr_reader *r);

/* Standard input, pipes, FIFOs, terminals and devices are streams: they
 * are read as their bytes arrive (gzip too), so a record is returned as
 * soon as it is complete. The two calls below serve a caller that has
 * something to do before a wait (flush its outputs) or must not wait
 * forever (Ctrl-C). */

/* 1 when the next qr_reader_next may wait for input: the open source is a
 * stream with no complete line buffered and no bytes ready, or the next
 * source to open is a stream. 0 for files and memory (never blocks). */
int qr_reader_may_wait(const qr_reader *r);
/* A wait for input gives up when *cancel becomes non-zero (checked every
 * 200 ms, or at once when a signal interrupts the wait): qr_reader_next
 * then returns -2, "interrupted while waiting for input". NULL (the
 * default): waits last until input or its end comes. */
void qr_reader_set_cancel(qr_reader *r, const volatile int *cancel);

/* The files the paths expanded to, in reading order ("-" for stdin). */
size_t qr_reader_file_count(const qr_reader *r);
const char *qr_reader_file(const qr_reader *r, size_t i);

/* Replaces invalid UTF-8 in s[0..len) by U+FFFD. Returns the number of
 * replacements. When nonzero, the repaired text (NUL-terminated, *out_len
 * bytes) is in *buf, a malloc'd buffer of *cap bytes grown as needed and
 * reused across calls (the caller frees it); when zero, nothing is written.
 * Returns -1 on out of memory. */
long qr_io_repair_utf8(const char *s, size_t len, char **buf, size_t *cap,
                       size_t *out_len);

#endif
