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

/* Removes the temporary file; safe after commit and on a closed outfile. */
void outfile_abort(struct outfile *out);

#endif
