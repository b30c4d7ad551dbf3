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

/* Checks up front, before any work, that path can be written: not there
 * (unless force), not a directory, in a directory that exists. */
int outfile_check(const char *path, int force);

/* mode: 0644 for certificates, 0600 for anything secret. */
int outfile_open(struct outfile *out, const char *path, int force, mode_t mode);

/* Flushes, syncs and gives the file its name. Reports its own errors. */
int outfile_commit(struct outfile *out);

/* Many files at once (csr --batch), with one sync for all instead of an
 * fsync each: outfile_close_unsynced writes the temporary file out and
 * closes it; outfile_sync_dir_of syncs the filesystem holding a path
 * (syncfs); only then does outfile_publish give each file its name, so a
 * name never points at data that is not on disk. Both report their errors
 * and abort the file on failure. */
int outfile_close_unsynced(struct outfile *out);
int outfile_sync_dir_of(const char *path);
int outfile_publish(struct outfile *out);

/* The whole of data to path (or stdout), atomically: open, write, commit. */
int outfile_write(const char *path, int force, mode_t mode, const void *data, size_t len);

/* Removes the temporary file; safe after commit and on a closed outfile. */
void outfile_abort(struct outfile *out);

#endif
