/* Unit-test helper: stderr captured while a call reports its own errors.
 * Included by the test files that check messages (after cmocka.h). */
#ifndef P11CERT_TEST_CAPTURE_H
#define P11CERT_TEST_CAPTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* stderr captured while a call reports its own errors. */
struct capture {
    int saved;
    char path[64];
};

static void capture_start(struct capture *c)
{
    int fd;

    strcpy(c->path, "/tmp/p11cert-test-stderr-XXXXXX");
    fd = mkstemp(c->path);
    assert_true(fd >= 0);
    fflush(stderr);
    c->saved = dup(STDERR_FILENO);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    close(fd);
}

static void capture_end(struct capture *c, char *out, size_t out_len)
{
    int fd;
    ssize_t n;

    fflush(stderr);
    dup2(c->saved, STDERR_FILENO);
    close(c->saved);
    fd = open(c->path, O_RDONLY);
    assert_true(fd >= 0);
    n = read(fd, out, out_len - 1);
    close(fd);
    unlink(c->path);
    out[n > 0 ? n : 0] = '\0';
}

#endif
