/* Atomic output files: mkstemp beside the target, then renameat2 with
 * RENAME_NOREPLACE (or link(), which never replaces either) or rename()
 * (with --force). A run killed midway leaves at most a
 * hidden ".NAME.XXXXXX", never a truncated NAME. */
#include "util/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/msg.h"

/* What is at path now, for an output: nothing, a regular file, or
 * something no output may replace. Reports the last. */
static int check_existing(const char *path, int force)
{
    struct stat st, target;

    if (lstat(path, &st) != 0)
        return 0;
    if (S_ISLNK(st.st_mode) && stat(path, &target) != 0) {
        errorf("cannot write \"%s\": it is a symbolic link to a file that does not exist", path);
        hintf("remove the link, or name the file it should point to");
        return -1;
    }
    if (S_ISLNK(st.st_mode))
        st = target;
    if (S_ISDIR(st.st_mode)) {
        errorf("cannot write \"%s\": it is a directory", path);
        return -1;
    }
    /* rename() would put a regular file where a device, FIFO or socket was
     * (as root: over /dev/null), even with --force. */
    if (!S_ISREG(st.st_mode)) {
        errorf("cannot write \"%s\": it is not a regular file (a device, FIFO or socket); an "
               "output is a regular file or a new name",
               path);
        return -1;
    }
    if (!force) {
        errorf("\"%s\" exists; give --force to replace it", path);
        return -1;
    }
    return 0;
}

int outfile_check(const char *path, int force)
{
    struct stat st;
    char *copy, *dir;
    int ret = -1;

    if (!path)
        return 0;
    if (check_existing(path, force) < 0)
        return -1;
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

/* The file path names, or, when there is none yet, its directory and its
 * last component: two paths name the same file when these are equal. */
struct file_identity {
    dev_t dev;
    ino_t ino;
    char base[NAME_MAX + 1]; /* "" when the file exists */
};

static int identify(const char *path, struct file_identity *id)
{
    struct stat st;
    char *copy;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int ret = -1;

    memset(id, 0, sizeof(*id));
    if (stat(path, &st) == 0) {
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        return 0;
    }
    if (!(copy = strdup(path)))
        return -1;
    if (stat(dirname(copy), &st) == 0 && strlen(base) <= NAME_MAX) {
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        snprintf(id->base, sizeof(id->base), "%s", base);
        ret = 0;
    }
    free(copy);
    return ret;
}

int outfile_same_file(const char *a, const char *b)
{
    struct file_identity ia, ib;

    if (!a || !b || identify(a, &ia) < 0 || identify(b, &ib) < 0)
        return 0;
    return ia.dev == ib.dev && ia.ino == ib.ino && strcmp(ia.base, ib.base) == 0;
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
    /* ".NAME.XXXXXX" must itself be a legal name: a long NAME is cut. */
    if (asprintf(&out->tmp, "%s/.%.*s.XXXXXX", dir, NAME_MAX - 8, base) < 0) {
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

/* The temporary file takes the name without replacing a file that appeared
 * since the check (EEXIST): nothing is overwritten without --force. One
 * renameat2(RENAME_NOREPLACE) where the filesystem has it, else link() and
 * unlink(): two directory changes instead of one, which a batch of files
 * pays for each. */
static int name_no_replace(const char *tmp, const char *path)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (link(tmp, path) != 0)
        return -1;
    unlink(tmp);
    return 0;
}

static int publish(struct outfile *out)
{
    if (out->force ? rename(out->tmp, out->path) != 0 : name_no_replace(out->tmp, out->path) != 0) {
        errorf("cannot write \"%s\": %s", out->path, strerror(errno));
        outfile_abort(out);
        return -1;
    }
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
    return publish(out);
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

/* ---- many files, one sync ---------------------------------------------- */

static int sync_dir_of(const char *path)
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

int outfile_batch_full(const struct outfile_batch *b)
{
    return b->n == OUTFILE_BATCH_MAX;
}

int outfile_batch_add(struct outfile_batch *b, const char *path, int force, mode_t mode,
                      const void *data, size_t len, const char *item, size_t tag)
{
    struct outfile_pending *p = &b->pending[b->n];

    if (b->n == OUTFILE_BATCH_MAX) {
        errorf("internal error: too many files waiting to be named");
        return -1;
    }
    memset(p, 0, sizeof(*p));
    if (outfile_open(&p->file, path, force, mode) < 0)
        return -1;
    if (fwrite(data, 1, len, p->file.fp) != len) {
        errorf("cannot write \"%s\": %s", path, strerror(errno));
        outfile_abort(&p->file);
        return -1;
    }
    if (close_tmp(&p->file, 0) < 0)
        return -1;
    /* path may be the caller's temporary string: the batch keeps a copy. */
    if (!(p->path = strdup(path)) || (item && !(p->item = strdup(item)))) {
        errorf("out of memory");
        free(p->path);
        outfile_abort(&p->file);
        return -1;
    }
    p->file.path = p->path;
    p->tag = tag;
    b->n++;
    return 0;
}

static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? (size_t)(slash - path) : 0;
}

size_t outfile_batch_publish(struct outfile_batch *b,
                             void (*failed)(void *arg, size_t tag, const char *why), void *arg)
{
    char sync_error[512] = "";
    size_t named = 0;

    for (size_t i = 0; i < b->n; i++) {
        const char *path = b->pending[i].path, *prev = i ? b->pending[i - 1].path : NULL;

        /* One syncfs per directory in a row (a batch usually has one). */
        if (prev && dir_len(prev) == dir_len(path) && strncmp(prev, path, dir_len(path)) == 0)
            continue;
        msg_set_item(b->pending[i].item);
        if (sync_dir_of(path) < 0 && !sync_error[0])
            snprintf(sync_error, sizeof(sync_error), "%s", msg_last_error());
    }
    for (size_t i = 0; i < b->n; i++) {
        struct outfile_pending *p = &b->pending[i];

        msg_set_item(p->item);
        if (!sync_error[0] && publish(&p->file) == 0) {
            named++;
        } else {
            outfile_abort(&p->file);
            failed(arg, p->tag, sync_error[0] ? sync_error : msg_last_error());
        }
        free(p->path);
        free(p->item);
    }
    b->n = 0;
    msg_set_item(NULL);
    return named;
}

void outfile_batch_abort(struct outfile_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        outfile_abort(&b->pending[i].file);
        free(b->pending[i].path);
        free(b->pending[i].item);
    }
    b->n = 0;
}
