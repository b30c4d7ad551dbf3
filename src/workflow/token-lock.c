/* The lock that makes p11cert's writers to one module on one machine take
 * turns. Tokens that cache objects per process need it: SoftHSM 2.6 does
 * not see a pair another process made while it was making its own
 * (Generation::commit takes the other's update of the generation file as
 * its own), so the check after creating cannot find it; and its logins
 * rewrite token.object, truncated before it is locked (ObjectFile::store),
 * so a process reading it then sees no token. Processes on other machines
 * are still sorted out by keygen's label contest (token_keygen_contest). */
#include "workflow/token-lock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "util/lockfile.h"
#include "util/msg.h"

#define LOCK_WAIT_POLLS 2400 /* 50 ms each: two minutes */

static const char *lock_name(const struct token_config *config, P11KitUri *uri)
{
    if (config->module)
        return config->module;
    if (p11_kit_uri_get_module_path(uri))
        return p11_kit_uri_get_module_path(uri);
    if (p11_kit_uri_get_module_name(uri))
        return p11_kit_uri_get_module_name(uri);
    return "(p11-kit registered modules)";
}

/* dir is this user's alone: a real directory (no link), owned by us, that
 * nobody else may write. */
static int private_dir(const char *dir)
{
    struct stat st;

    if (lstat(dir, &st) != 0) {
        errorf("cannot lock the token: %s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        errorf("cannot lock the token: %s is not a directory of this user's alone (owner %u, "
               "mode %04o)",
               dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
        hintf("remove it if it is not yours to keep, or set XDG_RUNTIME_DIR to a private "
              "directory");
        return -1;
    }
    return 0;
}

/* $XDG_RUNTIME_DIR (the session's private directory), else a directory of
 * our own under $TMPDIR or /tmp, made now if it is not there. */
static int lock_dir(char *out, size_t len)
{
    const char *runtime = getenv("XDG_RUNTIME_DIR"), *tmp = getenv("TMPDIR");

    struct stat st;

    /* A runtime directory that is not there (a stale variable) is passed
     * over; one that is there must be private. */
    if (runtime && *runtime == '/' && lstat(runtime, &st) == 0) {
        snprintf(out, len, "%s", runtime);
        return private_dir(out);
    }
    snprintf(out, len, "%s/p11cert-%u", tmp && *tmp == '/' ? tmp : "/tmp", (unsigned)geteuid());
    if (mkdir(out, 0700) != 0 && errno != EEXIST) {
        errorf("cannot lock the token: cannot make %s: %s", out, strerror(errno));
        return -1;
    }
    return private_dir(out);
}

static void lock_waiting(void *arg, const char *path)
{
    (void)arg;
    debugf("waiting for another p11cert writing to this token (%s)", path);
}

int token_lock(const struct token_config *config, P11KitUri *uri, int *fd)
{
    const char *name = lock_name(config, uri);
    unsigned char digest[SHA256_DIGEST_LENGTH];
    char dir[400], path[512], why[600];

    *fd = -1;
    if (lock_dir(dir, sizeof(dir)) < 0)
        return -1;
    SHA256((const unsigned char *)name, strlen(name), digest);
    snprintf(path, sizeof(path), "%s/p11cert-token-%02x%02x%02x%02x%02x%02x%02x%02x.lock", dir,
             digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6],
             digest[7]);
    *fd = lockfile_take(path, LOCK_WAIT_POLLS, lock_waiting, NULL, why, sizeof(why));
    if (*fd < 0 && why[0])
        debugf("no token lock (%s): going ahead without it", why);
    else if (*fd < 0)
        warnf("another p11cert holds %s: going ahead without waiting for it", path);
    return 0;
}

void token_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* never removed: another p11cert may be waiting on it */
}
