/*
 * outfile — the pieces every output file is written with: its folders made
 * first, the data written under a temporary name next to it
 * ("<path>.tmp<pid>") and renamed over it at the end, so an interrupted run
 * never leaves a half-written file that looks complete.
 *
 * Failures come back as -1 / NULL with errno set, so each caller keeps its
 * own wording ("cannot write the model '…'", "export: cannot create folder
 * …"). Nothing here allocates but qr_outfile_open's name.
 */
#ifndef QR_OUTFILE_H
#define QR_OUTFILE_H

#include <stdio.h>

/* Creates the folders of p: every prefix that ends before a '/', and p
 * itself when `whole`. p is written to while working and restored; on a
 * failure it is left cut at the folder that could not be made, and -1 is
 * returned with errno. An existing folder is fine. */
int qr_mkdirs(char *p, int whole);

/* "<path>.tmp<pid>", allocated; NULL when out of memory. */
char *qr_outfile_tmpname(const char *path);
/* Opens "<path>.tmp<pid>" for writing. *tmp gets that name (allocated; the
 * caller frees it), or NULL when out of memory. NULL with errno when the
 * name cannot be made or the file opened. */
FILE *qr_outfile_open(const char *path, char **tmp);
/* Closes f, written under tmp, and renames tmp over path. 0, or -1 with
 * errno when a write, the close or the rename failed; tmp is then removed. */
int qr_outfile_commit(FILE *f, const char *tmp, const char *path);

#endif
