#include "cli_input.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_input_open(const char *cmd, const char *path, struct stat *sb)
{
    int is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? 0 : open(path, O_RDONLY);
    if (fd < 0) {
        cli_usage_error(cmd, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, sb) != 0)
        memset(sb, 0, sizeof *sb);
    if (S_ISDIR(sb->st_mode)) {
        cli_input_close(fd, path);
        cli_usage_error(cmd, "cannot read '%s': %s", path, strerror(EISDIR));
        return -1;
    }
    return fd;
}

void cli_input_close(int fd, const char *path)
{
    if (strcmp(path, "-") != 0)
        close(fd);
}

ssize_t cli_input_read(const char *cmd, const char *path, int fd, char **buf, size_t *cap, size_t have,
                       size_t first)
{
    if (have == *cap) {
        size_t ncap = *cap ? *cap * 2 : first;
        char *nb = realloc(*buf, ncap);
        if (!nb) {
            cli_usage_error(cmd, "%s: out of memory reading the input", path);
            return -1;
        }
        *buf = nb;
        *cap = ncap;
    }
    for (;;) {
        ssize_t r = read(fd, *buf + have, *cap - have);
        if (r >= 0)
            return r;
        if (errno != EINTR) {
            cli_usage_error(cmd, "cannot read '%s': %s", path, strerror(errno));
            return -1;
        }
    }
}
