/* Unit tests of secret sources (secret_source_parse, secret_read, secret_set,
 * secret_wipe) with temporary files, environment variables and pipes, and of
 * hostname_check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/hostname.h"
#include "util/secret.h"

#include "capture.h"

/* A temporary file holding len bytes of content; the caller unlinks path. */
static void temp_file(char *path, const char *content, size_t len)
{
    int fd;

    strcpy(path, "/tmp/p11cert-test-pin-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    close(fd);
}

static void assert_source(const char *text, int bare, enum secret_source_kind kind,
                          const char *path, int fd)
{
    struct secret_source src;
    char why[256] = "";

    if (secret_source_parse(text, bare, &src, why, sizeof(why)) != 0)
        fail_msg("\"%s\" was rejected: %s", text, why);
    assert_int_equal(src.kind, kind);
    if (path)
        assert_string_equal(src.path, path);
    if (kind == SECRET_SOURCE_FD)
        assert_int_equal(src.fd, fd);
}

static void assert_bad_source(const char *text, int bare, const char *needle)
{
    struct secret_source src;
    char why[256] = "";

    assert_int_equal(secret_source_parse(text, bare, &src, why, sizeof(why)), -1);
    if (!strstr(why, needle))
        fail_msg("reason for \"%s\" is \"%s\", expected \"%s\"", text, why, needle);
}

static void test_source_kinds(void **state)
{
    (void)state;
    assert_source("prompt", 0, SECRET_SOURCE_PROMPT, NULL, 0);
    assert_source("file:/run/pin", 0, SECRET_SOURCE_FILE, "/run/pin", 0);
    assert_source("file:relative/pin:x", 0, SECRET_SOURCE_FILE, "relative/pin:x", 0);
    assert_source("env:P11CERT_PIN", 0, SECRET_SOURCE_ENV, "P11CERT_PIN", 0);
    assert_source("fd:0", 0, SECRET_SOURCE_FD, NULL, 0);
    assert_source("fd:17", 0, SECRET_SOURCE_FD, NULL, 17);
}

static void test_source_bare_path(void **state)
{
    (void)state;
    assert_source("/etc/pin.txt", 1, SECRET_SOURCE_FILE, "/etc/pin.txt", 0);
    assert_bad_source("/etc/pin.txt", 0, "not a source");
}

static void test_source_bad_prefix(void **state)
{
    struct secret_source src;
    char why[256];

    (void)state;
    assert_bad_source("pin:1234", 0, "unknown source type \"pin:\"");
    assert_bad_source("pin:1234", 1, "unknown source type \"pin:\"");
    /* A PIN typed where its source belongs must not be echoed back. */
    assert_int_equal(secret_source_parse("pin:1234", 0, &src, why, sizeof(why)), -1);
    assert_null(strstr(why, "1234"));
    assert_int_equal(secret_source_parse("s3cr3t", 0, &src, why, sizeof(why)), -1);
    assert_null(strstr(why, "s3cr3t"));
    assert_bad_source("Prompt", 0, "not a source");
}

static void test_source_empty_parts(void **state)
{
    (void)state;
    assert_bad_source("", 0, "empty source");
    assert_bad_source(NULL, 1, "empty source");
    assert_bad_source("file:", 0, "needs a path");
    assert_bad_source("env:", 0, "needs a name");
    assert_bad_source("env:A=B", 0, "contains '='");
}

static void test_source_bad_fd(void **state)
{
    (void)state;
    assert_bad_source("fd:", 0, "needs a descriptor number");
    assert_bad_source("fd:-1", 0, "needs a descriptor number");
    assert_bad_source("fd:+3", 0, "needs a descriptor number");
    assert_bad_source("fd: 3", 0, "needs a descriptor number");
    assert_bad_source("fd:abc", 0, "needs a descriptor number");
    assert_bad_source("fd:3x", 0, "not a descriptor number");
    assert_bad_source("fd:99999999999", 0, "not a descriptor number");
}

/* Reads with src and expects the secret value. */
static void assert_read(const struct secret_source *src, const char *expected)
{
    struct secret s;

    assert_int_equal(secret_read(src, "user PIN", &s), 0);
    assert_non_null(s.data);
    assert_int_equal(s.len, strlen(expected));
    assert_string_equal(s.data, expected);
    secret_wipe(&s);
    assert_null(s.data);
    assert_int_equal(s.len, 0);
}

/* Expects failure with exactly one error line that contains needle and not the secret. */
static void assert_read_fails(const struct secret_source *src, const char *needle,
                              const char *secret)
{
    struct capture cap;
    struct secret s;
    char err[1024];
    int rc;

    capture_start(&cap);
    rc = secret_read(src, "user PIN", &s);
    capture_end(&cap, err, sizeof(err));
    assert_int_equal(rc, -1);
    assert_null(s.data);
    if (!strstr(err, needle))
        fail_msg("error is \"%s\", expected \"%s\"", err, needle);
    if (secret && strstr(err, secret))
        fail_msg("error \"%s\" shows the secret", err);
}

static void test_read_file(void **state)
{
    struct secret_source src = {.kind = SECRET_SOURCE_FILE};

    (void)state;
    temp_file(src.path, "1234\n", 5);
    assert_read(&src, "1234");
    unlink(src.path);
    temp_file(src.path, "12 34\r\nsecond line\n", 19);
    assert_read(&src, "12 34");
    unlink(src.path);
    temp_file(src.path, "no-newline", 10);
    assert_read(&src, "no-newline");
    unlink(src.path);
    /* Reading a PIN makes the process non-dumpable. */
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

static void test_read_file_errors(void **state)
{
    struct secret_source src = {.kind = SECRET_SOURCE_FILE};

    (void)state;
    strcpy(src.path, "/nonexistent/p11cert/pin");
    assert_read_fails(&src,
                      "cannot read the user PIN from file \"/nonexistent/p11cert/pin\": No such "
                      "file or directory\n",
                      NULL);
    temp_file(src.path, "", 0);
    assert_read_fails(&src, "the file is empty", NULL);
    unlink(src.path);
    temp_file(src.path, "\nsecond", 7);
    assert_read_fails(&src, "the file is empty", "second");
    unlink(src.path);
    strcpy(src.path, "/tmp");
    assert_read_fails(&src, "from file \"/tmp\": Is a directory", NULL);
}

static void test_read_file_size_limit(void **state)
{
    struct secret_source src = {.kind = SECRET_SOURCE_FILE};
    char pin[SECRET_MAX + 3];

    (void)state;
    memset(pin, 'k', sizeof(pin));
    pin[SECRET_MAX] = '\0';
    temp_file(src.path, pin, SECRET_MAX);
    assert_read(&src, pin);
    unlink(src.path);
    pin[SECRET_MAX] = '\r';
    pin[SECRET_MAX + 1] = '\n';
    temp_file(src.path, pin, SECRET_MAX + 2);
    pin[SECRET_MAX] = '\0';
    assert_read(&src, pin);
    unlink(src.path);
    memset(pin, 'k', sizeof(pin));
    temp_file(src.path, pin, SECRET_MAX + 1);
    pin[SECRET_MAX + 1] = '\0';
    assert_read_fails(&src, "longer than 256 bytes", pin);
    unlink(src.path);
}

static void test_read_env(void **state)
{
    struct secret_source src = {.kind = SECRET_SOURCE_ENV};

    (void)state;
    strcpy(src.path, "P11CERT_TEST_PIN");
    setenv("P11CERT_TEST_PIN", "env pin\n", 1);
    assert_read(&src, "env pin\n");
    setenv("P11CERT_TEST_PIN", "", 1);
    assert_read_fails(&src, "environment variable \"P11CERT_TEST_PIN\" is empty", NULL);
    unsetenv("P11CERT_TEST_PIN");
    assert_read_fails(&src, "environment variable \"P11CERT_TEST_PIN\" is not set", NULL);
}

/* Every way a secret comes in leaves the process non-dumpable, on
 * failure too (a failed read may have held part of it). */
static void test_undumpable(void **state)
{
    struct secret_source src = {.kind = SECRET_SOURCE_ENV};
    struct secret s = {NULL, 0};
    struct capture c;
    char err[512];

    (void)state;
    strcpy(src.path, "P11CERT_TEST_PIN");
    setenv("P11CERT_TEST_PIN", "Pin-7f3a9c", 1);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
    assert_int_equal(secret_read(&src, "user PIN", &s), 0);
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    secret_wipe(&s);

    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    assert_int_equal(secret_set(&s, "Pin-7f3a9c"), 0);
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    secret_wipe(&s);

    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    unsetenv("P11CERT_TEST_PIN");
    capture_start(&c);
    assert_int_equal(secret_read(&src, "user PIN", &s), -1);
    capture_end(&c, err, sizeof(err));
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    assert_null(s.data);

    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    secret_protect_process();
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

static void test_env_name_not_echoed(void **state)
{
    (void)state;
    /* What stands where a variable's name belongs may be the PIN itself. */
    assert_bad_source("env:Pin-7f3a9c", 0, "takes a variable name");
    assert_bad_source("env:9LIVES", 0, "takes a variable name");
}

static void test_read_fd(void **state)
{
    struct secret_source src = {.kind = SECRET_SOURCE_FD};
    int p[2];
    char rest[16] = "";

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "pipe-pin\nrest", 13), 13);
    close(p[1]);
    src.fd = p[0];
    assert_read(&src, "pipe-pin");
    /* Only the line was consumed: what follows is left for its reader. */
    assert_int_equal(read(p[0], rest, sizeof(rest) - 1), 4);
    assert_string_equal(rest, "rest");
    close(p[0]);

    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "eof-pin", 7), 7);
    close(p[1]);
    src.fd = p[0];
    assert_read(&src, "eof-pin");
    close(p[0]);
}

static void test_read_fd_errors(void **state)
{
    struct secret_source src = {.kind = SECRET_SOURCE_FD};
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    close(p[1]);
    src.fd = p[0];
    assert_read_fails(&src, "from descriptor", NULL);
    close(p[0]);
    src.fd = 987;
    assert_read_fails(&src, "from descriptor 987: Bad file descriptor", NULL);
}

/* Without a controlling terminal there is nobody to prompt: an error, not a hang. */
static void test_read_prompt_without_terminal(void **state)
{
    pid_t pid;
    int status;

    (void)state;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct secret_source src = {.kind = SECRET_SOURCE_PROMPT};
        struct secret s;
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDERR_FILENO);
        setsid();
        _exit(secret_read(&src, "user PIN", &s) == -1 && s.data == NULL ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* secret_read_text: everything, newlines and all, from a file, a
 * descriptor (to its end) or a variable; longer than SECRET_TEXT_MAX is
 * refused without showing any of it. */
static void test_read_text(void **state)
{
    const char clause[] = "key \"k\" {\n\talgorithm hmac-sha256;\n\tsecret \"AQ==\";\n};\n";
    struct secret_source src = {.kind = SECRET_SOURCE_FILE};
    struct capture cap;
    struct secret s;
    char err[1024], *big;
    int fds[2], rc;

    (void)state;
    temp_file(src.path, clause, sizeof(clause) - 1);
    assert_int_equal(secret_read_text(&src, "TSIG key", &s), 0);
    assert_int_equal(s.len, sizeof(clause) - 1);
    assert_string_equal(s.data, clause);
    secret_wipe(&s);
    /* secret_read takes the first line of the same file. */
    assert_read(&src, "key \"k\" {");
    unlink(src.path);

    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], clause, sizeof(clause) - 1), (ssize_t)(sizeof(clause) - 1));
    close(fds[1]);
    src = (struct secret_source){.kind = SECRET_SOURCE_FD, .fd = fds[0]};
    assert_int_equal(secret_read_text(&src, "TSIG key", &s), 0);
    assert_string_equal(s.data, clause);
    secret_wipe(&s);
    close(fds[0]);

    src = (struct secret_source){.kind = SECRET_SOURCE_ENV};
    strcpy(src.path, "P11CERT_TEST_TSIG");
    setenv("P11CERT_TEST_TSIG", clause, 1);
    assert_int_equal(secret_read_text(&src, "TSIG key", &s), 0);
    assert_string_equal(s.data, clause);
    secret_wipe(&s);
    unsetenv("P11CERT_TEST_TSIG");

    big = malloc(SECRET_TEXT_MAX + 2);
    assert_non_null(big);
    memset(big, 'Q', SECRET_TEXT_MAX + 1);
    big[SECRET_TEXT_MAX + 1] = '\0';
    src = (struct secret_source){.kind = SECRET_SOURCE_FILE};
    temp_file(src.path, big, SECRET_TEXT_MAX + 1);
    capture_start(&cap);
    rc = secret_read_text(&src, "TSIG key", &s);
    capture_end(&cap, err, sizeof(err));
    assert_int_equal(rc, -1);
    assert_null(s.data);
    if (!strstr(err, "it is longer than 4096 bytes"))
        fail_msg("error is \"%s\"", err);
    assert_null(strstr(err, "QQQQ"));
    unlink(src.path);
    /* Exactly SECRET_TEXT_MAX bytes are taken. */
    temp_file(src.path, big, SECRET_TEXT_MAX);
    assert_int_equal(secret_read_text(&src, "TSIG key", &s), 0);
    assert_int_equal(s.len, SECRET_TEXT_MAX);
    secret_wipe(&s);
    unlink(src.path);
    free(big);
}

static void test_set_and_wipe(void **state)
{
    struct secret s;
    char long_value[SECRET_MAX + 2];
    struct capture cap;
    char err[256];

    (void)state;
    assert_int_equal(secret_set(&s, "pin-value"), 0);
    assert_string_equal(s.data, "pin-value");
    assert_int_equal(s.len, 9);
    secret_wipe(&s);
    assert_null(s.data);
    secret_wipe(&s); /* twice is harmless */
    secret_wipe(NULL);
    memset(long_value, 'x', sizeof(long_value) - 1);
    long_value[sizeof(long_value) - 1] = '\0';
    capture_start(&cap);
    assert_int_equal(secret_set(&s, long_value), -1);
    capture_end(&cap, err, sizeof(err));
    assert_null(s.data);
    assert_null(strstr(err, "xxxx"));
}

static void assert_host(const char *name, int flags)
{
    char why[256] = "";

    if (hostname_check(name, flags, why, sizeof(why)) != 0)
        fail_msg("\"%s\" was rejected: %s", name, why);
}

static void assert_bad_host(const char *name, int flags, const char *needle)
{
    char why[256] = "";

    assert_int_equal(hostname_check(name, flags, why, sizeof(why)), -1);
    if (!strstr(why, needle))
        fail_msg("reason for \"%s\" is \"%s\", expected \"%s\"", name, why, needle);
}

static void test_hostname_valid(void **state)
{
    (void)state;
    assert_host("example.com", 0);
    assert_host("localhost", 0);
    assert_host("a", 0);
    assert_host("Api-1.Example.COM", 0);
    assert_host("xn--bcher-kva.example", 0);
    assert_host("1.example.com", 0);
    assert_host("example.com.", HOSTNAME_ALLOW_TRAILING_DOT);
    assert_host("*.example.com", HOSTNAME_ALLOW_WILDCARD);
    assert_host("*.example.com.", HOSTNAME_ALLOW_WILDCARD | HOSTNAME_ALLOW_TRAILING_DOT);
}

static void test_hostname_flags(void **state)
{
    (void)state;
    assert_bad_host("*.example.com", 0, "wildcards are not allowed");
    assert_bad_host("example.com.", 0, "trailing dot");
    assert_bad_host(".", HOSTNAME_ALLOW_TRAILING_DOT, "empty host name");
    assert_bad_host("*", HOSTNAME_ALLOW_WILDCARD, "leftmost label");
    assert_bad_host("a.*.example", HOSTNAME_ALLOW_WILDCARD, "leftmost label");
}

static void test_hostname_invalid(void **state)
{
    (void)state;
    assert_bad_host("", 0, "empty host name");
    assert_bad_host(NULL, 0, "empty host name");
    assert_bad_host("a..b", 0, "empty label");
    assert_bad_host(".a", 0, "empty label");
    assert_bad_host("-a.b", 0, "starts or ends with '-'");
    assert_bad_host("a-.b", 0, "starts or ends with '-'");
    assert_bad_host("a_b.c", 0, "contains '_'");
    assert_bad_host("a/b", 0, "contains '/'");
    assert_bad_host("caf\xc3\xa9.example", 0, "A-label");
    assert_bad_host("192.0.2.1", 0, "all digits");
    assert_bad_host("123", 0, "all digits");
}

static void test_hostname_lengths(void **state)
{
    char name[300];

    (void)state;
    memset(name, 'a', 63);
    strcpy(name + 63, ".example");
    assert_host(name, 0);
    memset(name, 'a', 64);
    strcpy(name + 64, ".example");
    assert_bad_host(name, 0, "longer than 63 characters");
    /* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 octets: the most allowed. */
    memset(name, 'b', 253);
    name[63] = name[127] = name[191] = '.';
    name[253] = '\0';
    assert_host(name, 0);
    name[253] = '.';
    name[254] = '\0';
    assert_host(name, HOSTNAME_ALLOW_TRAILING_DOT);
    name[253] = 'b';
    assert_bad_host(name, 0, "longer than 253 characters");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source_kinds),
        cmocka_unit_test(test_source_bare_path),
        cmocka_unit_test(test_source_bad_prefix),
        cmocka_unit_test(test_source_empty_parts),
        cmocka_unit_test(test_source_bad_fd),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_read_file_errors),
        cmocka_unit_test(test_read_file_size_limit),
        cmocka_unit_test(test_read_env),
        cmocka_unit_test(test_undumpable),
        cmocka_unit_test(test_env_name_not_echoed),
        cmocka_unit_test(test_read_fd),
        cmocka_unit_test(test_read_fd_errors),
        cmocka_unit_test(test_read_prompt_without_terminal),
        cmocka_unit_test(test_read_text),
        cmocka_unit_test(test_set_and_wipe),
        cmocka_unit_test(test_hostname_valid),
        cmocka_unit_test(test_hostname_flags),
        cmocka_unit_test(test_hostname_invalid),
        cmocka_unit_test(test_hostname_lengths),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
