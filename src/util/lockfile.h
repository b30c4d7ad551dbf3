/* Advisory locks on files (flock): the token lock of one module, the
 * renew lock of one state directory. */
#ifndef P11CERT_LOCKFILE_H
#define P11CERT_LOCKFILE_H

#include <stddef.h>

/* Takes an exclusive lock on path (created 0600 if missing; a symlink is
 * refused), waiting in 50 ms polls: at most polls of them (-1: as long as
 * it takes). waiting(arg, path) is called once if it has to wait. Returns
 * the locked descriptor, or -1: *why says what went wrong ("" when the
 * polls ran out). Unlock by closing it; the file stays, for the next. */
int lockfile_take(const char *path, long polls, void (*waiting)(void *arg, const char *path),
                  void *arg, char *why, size_t why_len);

#endif
