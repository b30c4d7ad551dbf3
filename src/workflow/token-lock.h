/* Commands that create objects on a token (keygen, import, convert
 * --import-key) take turns when they use one module on one machine, so a
 * concurrent twin cannot slip between "is this label free?" and "create". */
#ifndef P11CERT_WORKFLOW_TOKEN_LOCK_H
#define P11CERT_WORKFLOW_TOKEN_LOCK_H

#include "token/token.h"

/* The lock of the module config and uri name (--module, else the URI's
 * module-path or module-name, else every registered module): an advisory
 * lock on a file in a directory only this user can create and write
 * ($XDG_RUNTIME_DIR, else $TMPDIR/p11cert-UID or /tmp/p11cert-UID, made
 * 0700). Taken before the module is loaded; waits up to two minutes for
 * another p11cert of this user. Returns 0 with the descriptor in *fd (-1
 * when going ahead without a lock, said with -v), or -1 when the directory
 * is another user's or open to others (reported: nothing is done). */
int token_lock(const struct token_config *config, P11KitUri *uri, int *fd);
void token_unlock(int fd);

#endif
