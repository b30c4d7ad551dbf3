/* Output files that are never half-written: data goes to a hidden temporary
 * file beside the target, which takes the target's name only when complete.
 * An existing file is replaced only with --force. With no path, stdout. */
#ifndef P11CERT_OUTFILE_H
#define P11CERT_OUTFILE_H

#include <stdio.h>
#include <sys/types.h>

struct outfile {
    const char *path; /* NULL: stdout */
    char *tmp;        /* the hidden temporary name */
    FILE *fp;         /* where to write */
    int force;
};

/* Checks up front, before any work, that path can be written: a new name,
 * or (with force) a regular file — never a directory, device, FIFO, socket
 * or dangling symbolic link — in a directory that exists. */
int outfile_check(const char *path, int force);

/* Whether a and b name the same file (existing: the same inode; new: the
 * same name in the same directory), however they are spelled. */
int outfile_same_file(const char *a, const char *b);

/* mode: 0644 for certificates, 0600 for anything secret. */
int outfile_open(struct outfile *out, const char *path, int force, mode_t mode);

/* Flushes, syncs and gives the file its name. Reports its own errors. */
int outfile_commit(struct outfile *out);

/* Many files at once (csr --batch), with one sync for all instead of an
 * fsync each (on a busy disk the fsyncs cost more than the token): each is
 * written to its temporary file, then one syncfs per directory makes them
 * durable, and only then does each get its name, so a name never points at
 * data that is not on disk. */
#define OUTFILE_BATCH_MAX 64

struct outfile_batch {
    struct outfile_pending {
        struct outfile file;
        char *path; /* the batch's own copy */
        char *item; /* prefixes its messages ("line 7"), as msg_set_item */
        size_t tag; /* the caller's (a line number) */
    } pending[OUTFILE_BATCH_MAX];
    size_t n;
};

/* Writes data to a temporary file beside path (checked as outfile_open
 * does), to be named by outfile_batch_publish; item may be NULL. Returns 0
 * or -1 (reported).
 * Publish first when outfile_batch_full. */
int outfile_batch_add(struct outfile_batch *b, const char *path, int force, mode_t mode,
                      const void *data, size_t len, const char *item, size_t tag);
int outfile_batch_full(const struct outfile_batch *b);

/* Syncs and names every pending file, in order. A file that cannot be
 * synced or named is reported under its item and handed to failed(arg,
 * tag, why). Returns how many were named; the batch is empty afterwards. */
size_t outfile_batch_publish(struct outfile_batch *b,
                             void (*failed)(void *arg, size_t tag, const char *why), void *arg);

/* Removes every pending temporary file. */
void outfile_batch_abort(struct outfile_batch *b);

/* The whole of data to path (or stdout), atomically: open, write, commit. */
int outfile_write(const char *path, int force, mode_t mode, const void *data, size_t len);

/* Removes the temporary file; safe after commit and on a closed outfile. */
void outfile_abort(struct outfile *out);

#endif
