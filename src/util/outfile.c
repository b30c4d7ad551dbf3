/* Atomic output files: mkstemp beside the target, then link() (which never
 * replaces) or rename() (with --force). A run killed midway leaves at most a
 * hidden ".NAME.XXXXXX", never a truncated NAME. */
#include "util/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/msg.h"

int outfile_check(const char *path, int force)
{
    struct stat st;
    char *copy, *dir;
    int ret = -1;

    if (!path)
        return 0;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            errorf("cannot write \"%s\": it is a directory", path);
            return -1;
        }
        if (!force) {
            errorf("\"%s\" exists; give --force to replace it", path);
            return -1;
        }
    }
    copy = strdup(path);
    if (!copy)
        return -1;
    dir = dirname(copy);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        errorf("cannot write \"%s\": directory \"%s\" does not exist", path, dir);
    else if (access(dir, W_OK) != 0)
        errorf("cannot write \"%s\": %s", path, strerror(errno));
    else
        ret = 0;
    free(copy);
    return ret;
}

int outfile_open(struct outfile *out, const char *path, int force, mode_t mode)
{
    char *copy = NULL, *dir, *base;
    int fd = -1, ret = -1;

    memset(out, 0, sizeof(*out));
    out->path = path;
    out->force = force;
    if (!path) {
        out->fp = stdout;
        return 0;
    }
    if (outfile_check(path, force) < 0)
        return -1;
    copy = strdup(path);
    if (!copy)
        goto cleanup;
    dir = dirname(copy);
    base = strrchr(path, '/') ? strrchr(path, '/') + 1 : (char *)path;
    if (asprintf(&out->tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
        out->tmp = NULL;
        goto cleanup;
    }
    fd = mkstemp(out->tmp);
    if (fd < 0) {
        errorf("cannot create a file beside \"%s\": %s", path, strerror(errno));
        free(out->tmp);
        out->tmp = NULL;
        goto cleanup;
    }
    if (fchmod(fd, mode) < 0 || !(out->fp = fdopen(fd, "w"))) {
        errorf("cannot write \"%s\": %s", out->tmp, strerror(errno));
        goto cleanup;
    }
    fd = -1;
    ret = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    if (ret != 0)
        outfile_abort(out);
    free(copy);
    return ret;
}

/* Flushes (and with sync, fsyncs) the temporary file and closes it. */
static int close_tmp(struct outfile *out, int sync)
{
    int failed = fflush(out->fp) != 0 || (sync && fsync(fileno(out->fp)) != 0);

    failed |= fclose(out->fp) != 0;
    out->fp = NULL;
    if (failed) {
        errorf("cannot write \"%s\": %s", out->path, strerror(errno));
        outfile_abort(out);
        return -1;
    }
    return 0;
}

int outfile_publish(struct outfile *out)
{
    /* link() fails with EEXIST rather than replace a file that appeared
     * since the check: nothing is overwritten without --force. */
    if (out->force ? rename(out->tmp, out->path) != 0 : link(out->tmp, out->path) != 0) {
        errorf("cannot write \"%s\": %s", out->path, strerror(errno));
        outfile_abort(out);
        return -1;
    }
    if (!out->force)
        unlink(out->tmp);
    free(out->tmp);
    out->tmp = NULL;
    return 0;
}

int outfile_commit(struct outfile *out)
{
    if (!out->path) {
        if (fflush(stdout) != 0) {
            errorf("cannot write to standard output: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    if (close_tmp(out, 1) < 0)
        return -1;
    return outfile_publish(out);
}

int outfile_close_unsynced(struct outfile *out)
{
    return close_tmp(out, 0);
}

int outfile_sync_dir_of(const char *path)
{
    char *copy = strdup(path);
    int fd = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    int ret = fd >= 0 && syncfs(fd) == 0 ? 0 : -1;

    if (ret < 0)
        errorf("cannot sync the files written beside \"%s\": %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(copy);
    return ret;
}

int outfile_write(const char *path, int force, mode_t mode, const void *data, size_t len)
{
    struct outfile out;
    int ret = -1;

    if (outfile_open(&out, path, force, mode) < 0)
        return -1;
    if (fwrite(data, 1, len, out.fp) != len)
        errorf("cannot write \"%s\": %s", path ? path : "standard output", strerror(errno));
    else
        ret = outfile_commit(&out);
    outfile_abort(&out);
    return ret;
}

void outfile_abort(struct outfile *out)
{
    if (out->fp && out->fp != stdout)
        fclose(out->fp);
    out->fp = NULL;
    if (out->tmp) {
        unlink(out->tmp);
        free(out->tmp);
        out->tmp = NULL;
    }
}
