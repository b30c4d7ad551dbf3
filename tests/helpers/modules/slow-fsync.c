/* slow-fsync.so: a test-only LD_PRELOAD library that holds a process inside
 * fsync(2), so a test can kill it at the moment an output file is written
 * but not yet renamed into place. Never built into p11cert.
 *
 *   SLOW_FSYNC_READY   a file created when fsync is entered (required)
 *   SLOW_FSYNC_SECONDS how long to wait there (default 30)
 *
 * Without SLOW_FSYNC_READY it is a plain fsync. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int fsync(int fd)
{
    int (*real_fsync)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    const char *ready = getenv("SLOW_FSYNC_READY"), *text = getenv("SLOW_FSYNC_SECONDS");
    struct timespec ts = {text ? strtol(text, NULL, 10) : 30, 0};

    if (ready) {
        int marker = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (marker >= 0)
            close(marker);
        nanosleep(&ts, NULL);
    }
    return real_fsync(fd);
}
