/* Unit-test helper: stderr captured while a call reports its own errors.
 * Included by the test files that check messages (after cmocka.h). */
#ifndef P11CERT_TEST_CAPTURE_H
#define P11CERT_TEST_CAPTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A standard stream (stderr while a call reports its own errors, stdout
 * for --help) captured into a temporary file. */
struct capture {
    int saved;
    FILE *stream;
    int fd;
    char path[64];
};

static void capture_stream_start(struct capture *c, FILE *stream, int std_fd)
{
    int fd;

    strcpy(c->path, "/tmp/p11cert-test-capture-XXXXXX");
    fd = mkstemp(c->path);
    assert_true(fd >= 0);
    c->stream = stream;
    c->fd = std_fd;
    fflush(stream);
    c->saved = dup(std_fd);
    assert_true(dup2(fd, std_fd) >= 0);
    close(fd);
}

static void capture_end(struct capture *c, char *out, size_t out_len)
{
    int fd;
    ssize_t n;

    fflush(c->stream);
    dup2(c->saved, c->fd);
    close(c->saved);
    fd = open(c->path, O_RDONLY);
    assert_true(fd >= 0);
    n = read(fd, out, out_len - 1);
    close(fd);
    unlink(c->path);
    out[n > 0 ? n : 0] = '\0';
}

static void capture_start(struct capture *c)
{
    capture_stream_start(c, stderr, STDERR_FILENO);
}

#endif
