/* Advisory file locks (util/lockfile.h). */
#include "util/lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

int lockfile_take(const char *path, long polls, void (*waiting)(void *arg, const char *path),
                  void *arg, char *why, size_t why_len)
{
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

    why[0] = '\0';
    if (fd < 0) {
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    for (long poll = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; poll++) {
        if ((errno != EWOULDBLOCK && errno != EINTR) || (polls >= 0 && poll == polls)) {
            if (errno != EWOULDBLOCK && errno != EINTR)
                snprintf(why, why_len, "%s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (poll == 0 && waiting)
            waiting(arg, path);
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    }
    return fd;
}
