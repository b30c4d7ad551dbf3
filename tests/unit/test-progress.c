/* Unit tests of util/progress.c without a terminal: the requests of a batch
 * file counted as csr --batch counts them (lines holding more than blanks),
 * the file left where it stood, and every call silent when stderr is no
 * terminal. Drawing on a terminal is tests/softhsm/progress.bats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/progress.h"

static size_t count(const char *text, long skip)
{
    FILE *f = tmpfile();
    size_t n;
    char rest[64];

    assert_non_null(f);
    fputs(text, f);
    fseek(f, skip, SEEK_SET);
    n = progress_count_lines(f);
    /* Back where it was: what is read next is what followed skip. */
    assert_int_equal(ftell(f), skip);
    memset(rest, 0, sizeof(rest));
    assert_int_equal(fread(rest, 1, sizeof(rest) - 1, f), strlen(text) - (size_t)skip);
    assert_string_equal(rest, text + skip);
    fclose(f);
    return n;
}

static void test_count_lines(void **state)
{
    (void)state;
    assert_int_equal(count("", 0), 0);
    assert_int_equal(count("{}\n", 0), 1);
    assert_int_equal(count("{}", 0), 1);                        /* no final newline */
    assert_int_equal(count("{}\n\n  \t\r\n{}\r\n \n{}", 0), 3); /* blank lines are none */
    assert_int_equal(count("{}\n{}\n{}\n", 3), 2);              /* from where it stands */
    assert_int_equal(count(" \n\t\n", 0), 0);
}

static void test_pipe_is_not_counted(void **state)
{
    int fds[2];
    FILE *in;

    (void)state;
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "{}\n", 3), 3);
    close(fds[1]);
    in = fdopen(fds[0], "r");
    assert_non_null(in);
    assert_int_equal(progress_count_lines(in), 0);
    fclose(in);
}

static void test_device_is_not_counted(void **state)
{
    FILE *in = fopen("/dev/zero", "r");

    (void)state;
    assert_non_null(in);
    /* It can seek, and never ends: not read at all. */
    assert_int_equal(progress_count_lines(in), 0);
    assert_int_equal(ftell(in), 0);
    fclose(in);
}

static void test_silent_off_a_terminal(void **state)
{
    struct progress p;
    FILE *err = tmpfile();
    int saved = dup(STDERR_FILENO);

    (void)state;
    assert_non_null(err);
    assert_true(saved >= 0);
    /* stderr as a file: no progress, whatever is asked. */
    assert_int_equal(dup2(fileno(err), STDERR_FILENO), STDERR_FILENO);
    progress_start(&p, "requests", 3, 1);
    assert_int_equal(p.on, 0);
    progress_show(&p, 1, 0);
    progress_show(&p, 3, 1);
    progress_end(&p);
    fflush(stderr);
    /* cmocka reports on stderr: back to it before any assertion. */
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    assert_int_equal(ftell(err), 0);
    fclose(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_lines),
        cmocka_unit_test(test_pipe_is_not_counted),
        cmocka_unit_test(test_device_is_not_counted),
        cmocka_unit_test(test_silent_off_a_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
