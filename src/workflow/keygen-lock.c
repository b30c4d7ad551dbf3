/* The lock that makes keygens with one module on one machine take turns. */
#include "workflow/keygen.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "util/lockfile.h"
#include "util/msg.h"

/* Keygens with one module on one machine take turns: an advisory lock on a
 * file named after the module in $XDG_RUNTIME_DIR or /tmp, held from before
 * the module is loaded until the pair is complete. Tokens that cache objects
 * per process need it: SoftHSM 2.6 does not see a pair another process made
 * while it was making its own (Generation::commit takes the other's update
 * of the generation file as its own), so the check after creating cannot
 * find it; and its logins rewrite token.object, truncated before it is
 * locked (ObjectFile::store), so a process reading it then sees no token.
 * Processes on other machines are still sorted out by token_keygen_contest. */
#define KEYGEN_LOCK_WAIT_POLLS 2400 /* 50 ms each: two minutes */

static void keygen_waiting(void *arg, const char *path)
{
    (void)arg;
    debugf("waiting for another keygen on this token (%s)", path);
}

int keygen_lock(const char *module)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    const char *dir = getenv("XDG_RUNTIME_DIR");
    char path[512], why[600];
    int fd;

    SHA256((const unsigned char *)module, strlen(module), digest);
    if (!dir || *dir != '/')
        dir = "/tmp";
    snprintf(path, sizeof(path), "%s/p11cert-keygen-%02x%02x%02x%02x%02x%02x%02x%02x.lock", dir,
             digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6],
             digest[7]);
    fd = lockfile_take(path, KEYGEN_LOCK_WAIT_POLLS, keygen_waiting, NULL, why, sizeof(why));
    if (fd < 0 && why[0])
        debugf("no keygen lock (%s): relying on the check after creating", why);
    else if (fd < 0)
        warnf("another keygen holds %s: going ahead without waiting for it", path);
    return fd;
}

void keygen_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* never removed: another keygen may be waiting on it */
}
