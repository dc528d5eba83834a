/*
 * cli_input — the inputs of the streaming text commands (tokenize, match):
 * a path, or standard input for "-", opened with the same messages and read
 * into one growing buffer that the command reuses from input to input.
 */
#ifndef QR_CLI_INPUT_H
#define QR_CLI_INPUT_H

#include <sys/stat.h>
#include <sys/types.h>

/* Opens path ("-": standard input) and fills *sb. A path that cannot be
 * opened or is a folder prints "quarry CMD: cannot open 'P': …" or
 * "quarry CMD: cannot read 'P': Is a directory" and gives -1. */
int cli_input_open(const char *cmd, const char *path, struct stat *sb);
/* Closes what cli_input_open opened; standard input stays open. */
void cli_input_close(int fd, const char *path);
/* Reads fd (opened for path) into (*buf)[have..*cap), first growing the
 * buffer when it is full: to `first` bytes, then doubling. Retries on EINTR.
 * Returns the bytes read, 0 at the end of the input, or -1 after printing
 * "quarry CMD: cannot read 'P': …" or "quarry CMD: P: out of memory reading
 * the input". */
ssize_t cli_input_read(const char *cmd, const char *path, int fd, char **buf, size_t *cap, size_t have,
                       size_t first);

#endif
