/*
 * outfile — the pieces every output file is written with: its folders made
 * first, the data written under a temporary name next to it
 * ("<path>.tmp-<pid>-<hex>") and renamed over it at the end, so an
 * interrupted run never leaves a half-written file that looks complete.
 *
 * Failures come back as -1 / NULL with errno set, so each caller keeps its
 * own wording ("cannot write the model '…'", "export: cannot create folder
 * …"). Nothing here allocates but qr_outfile_open's name and the
 * background writer.
 */
#ifndef QR_OUTFILE_H
#define QR_OUTFILE_H

#include <stdio.h>

/* Creates the folders of p: every prefix that ends before a '/', and p
 * itself when `whole`. p is written to while working and restored; on a
 * failure it is left cut at the folder that could not be made, and -1 is
 * returned with errno. An existing folder is fine. */
int qr_mkdirs(char *p, int whole);
/* Whether qr_mkdirs(p, whole) would succeed, making nothing (quarry
 * check): each existing prefix is a folder, and when one is missing, the
 * last that exists can take it. 0, or -1 with errno and p cut as qr_mkdirs
 * leaves it. */
int qr_mkdirs_check(char *p, int whole);

/* "<path>.tmp-<pid>", allocated; NULL when out of memory. For an output
 * made as a folder tree (the caller removes a stale one first). */
char *qr_outfile_tmpname(const char *path);
/* Creates "<path>.tmp-<pid>-<hex>", a name no file has (O_EXCL: an existing
 * file or symbolic link there is never written through), and opens it for
 * writing. *tmp gets that name (allocated; the caller frees it), or NULL
 * when out of memory. NULL with errno when the file cannot be created. */
FILE *qr_outfile_open(const char *path, char **tmp);
/* Closes f, written under tmp, and renames tmp over path. 0, or -1 with
 * errno when a write, the close or the rename failed; tmp is then removed. */
int qr_outfile_commit(FILE *f, const char *tmp, const char *path);

/* A background writer: a thread that writes to f what it is handed while
 * the caller fills its next buffer, so the write system calls (copying
 * into the page cache) overlap the work that makes the output instead of
 * adding to it. Bytes reach f in the order they were handed over. One
 * handed-over buffer at a time: a second hand-over waits for the first to
 * be written. The caller must not use f until qr_bgwriter_wait returned. */
typedef struct qr_bgwriter qr_bgwriter;

/* Called on the writer's thread with each handed-over buffer, just before
 * it is written (a checksum kept as the bytes go out, say). */
typedef void (*qr_bgwriter_fn)(void *ud, const char *p, size_t n);

/* Starts the thread. `replaces`, when not NULL, is the path of a file the
 * output will be renamed over at the end: the thread first drops that
 * file's cached pages, so that the rename has fewer to free; when that
 * file exists, the thread also starts writing f to disk after each buffer,
 * without waiting (Linux sync_file_range), so the rename (ext4 flushes a
 * file renamed over another) finds little left to do. `seen`, when not
 * NULL, is called with each buffer (and seen_ud) before it is written.
 * NULL with errno when out of memory or the thread cannot be started (the
 * caller then writes f itself). */
qr_bgwriter *qr_bgwriter_new(FILE *f, const char *replaces, qr_bgwriter_fn seen, void *seen_ud);
/* Hands buf[0..*n) over and gives back, in *buf and *cap (and *n = 0),
 * the buffer the writer finished with (NULL and 0 the first time). 0, or
 * -1 with errno when an earlier write failed: the caller's buffer is then
 * left as it was, and the writer takes nothing more. */
int qr_bgwriter_give(qr_bgwriter *w, char **buf, size_t *cap, size_t *n);
/* Waits until all that was handed over is written: 0, or -1 with errno of
 * the first write that failed. f may then be used (flushed, closed). */
int qr_bgwriter_wait(qr_bgwriter *w);
/* Waits, stops the thread, frees the writer and its buffer; NULL is fine.
 * f is left open. */
void qr_bgwriter_free(qr_bgwriter *w);

#endif
