/* Reading a small file whole: open, check it is a regular file within the
 * bound, read to the end. */
#include "util/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util/msg.h"

int file_read_all(const char *path, size_t max, struct file_data *out, char *why, size_t why_len)
{
    struct stat st;
    char bound[32];
    size_t got = 0, cap = 0;
    int fd, ret = -1;

    memset(out, 0, sizeof(*out));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_len, "%s", strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        snprintf(why, why_len, "%s", strerror(errno));
        goto cleanup;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(why, why_len, "it is a directory");
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, why_len, "not a regular file");
        goto cleanup;
    }
    if ((unsigned long long)st.st_size > max) {
        msg_size_text(max, bound, sizeof(bound));
        snprintf(why, why_len, "larger than %s", bound);
        goto cleanup;
    }
    cap = (size_t)st.st_size + 1;
    if (!(out->data = malloc(cap))) {
        snprintf(why, why_len, "out of memory");
        goto cleanup;
    }
    /* The size is what fstat said; a file that shrinks meanwhile is read
     * to its new end, one that grows is read up to the bound. */
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, out->data + got, (size_t)st.st_size - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(why, why_len, "%s", strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    out->data[got] = '\0';
    out->len = got;
    ret = 0;
cleanup:
    if (ret != 0) {
        OPENSSL_clear_free(out->data, cap);
        memset(out, 0, sizeof(*out));
    }
    close(fd);
    return ret;
}

void file_data_free(struct file_data *file)
{
    if (file->data)
        OPENSSL_clear_free(file->data, file->len + 1);
    memset(file, 0, sizeof(*file));
}
