#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int qr_mkdirs(char *p, int whole)
{
    if (!*p)
        return 0;
    for (char *s = p + 1;; s++) {
        char c = *s;
        if (c != '/' && !(c == '\0' && whole)) {
            if (c == '\0')
                return 0;
            continue;
        }
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            return -1;
        *s = c;
        if (c == '\0')
            return 0;
    }
}

char *qr_outfile_tmpname(const char *path)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (tmp)
        snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    return tmp;
}

FILE *qr_outfile_open(const char *path, char **tmp)
{
    if (!(*tmp = qr_outfile_tmpname(path))) {
        errno = ENOMEM;
        return NULL;
    }
    return fopen(*tmp, "wb");
}

int qr_outfile_commit(FILE *f, const char *tmp, const char *path)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}
