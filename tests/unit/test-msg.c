/* util/msg's capture (msg_capture_*): what a csr --batch --jobs worker says
 * is held back, on its own thread, and shown later by the main thread, in
 * the order it was said, under the item set then. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "capture.h"
#include "util/msg.h"

static void captured_messages_are_held_then_shown_in_order(void **state)
{
    struct msg_capture held;
    struct capture c;
    char out[4096];

    (void)state;
    msg_setup("csr", MSG_NORMAL);
    capture_start(&c);
    msg_capture_start(&held);
    errorf("cannot sign: %s", "C_Sign: CKR_DEVICE_ERROR");
    hintf("try %d", 2);
    warnf("careful");
    debugf("not shown at the normal level");
    assert_string_equal(msg_last_error(), "cannot sign: C_Sign: CKR_DEVICE_ERROR");
    msg_capture_stop();
    capture_end(&c, out, sizeof(out));
    assert_string_equal(out, ""); /* nothing reached stderr */

    capture_start(&c);
    msg_set_item("line 7");
    assert_string_equal(msg_last_error(), "");
    msg_capture_replay(&held);
    assert_string_equal(msg_last_error(), "cannot sign: C_Sign: CKR_DEVICE_ERROR");
    msg_set_item(NULL);
    capture_end(&c, out, sizeof(out));
    assert_string_equal(out, "p11cert: csr: line 7: cannot sign: C_Sign: CKR_DEVICE_ERROR\n"
                             "p11cert: csr: line 7: hint: try 2\n"
                             "p11cert: csr: line 7: warning: careful\n");
}

static void a_full_capture_says_so(void **state)
{
    struct msg_capture held;
    struct capture c;
    char out[8192];

    (void)state;
    msg_setup("csr", MSG_NORMAL);
    msg_capture_start(&held);
    for (int i = 0; i < 100; i++)
        errorf("error number %d, with some words to fill the capture up", i);
    msg_capture_stop();
    assert_true(held.truncated);
    capture_start(&c);
    msg_capture_replay(&held);
    capture_end(&c, out, sizeof(out));
    assert_non_null(strstr(out, "p11cert: csr: error number 0,"));
    assert_null(strstr(out, "error number 99,"));
    assert_non_null(strstr(out, "(more messages were made here than could be kept)\n"));
}

static void *worker(void *arg)
{
    struct msg_capture *held = arg;

    msg_capture_start(held);
    errorf("from the worker");
    msg_capture_stop();
    return NULL;
}

static void a_capture_is_the_capturing_threads_only(void **state)
{
    struct msg_capture held;
    struct capture c;
    pthread_t t;
    char out[4096];

    (void)state;
    msg_setup("csr", MSG_NORMAL);
    capture_start(&c);
    msg_set_item(NULL);
    errorf("from the main thread");
    assert_int_equal(pthread_create(&t, NULL, worker, &held), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    /* The worker's error is neither shown nor this thread's last. */
    assert_string_equal(msg_last_error(), "from the main thread");
    msg_capture_replay(&held);
    assert_string_equal(msg_last_error(), "from the worker");
    capture_end(&c, out, sizeof(out));
    assert_string_equal(out, "p11cert: csr: from the main thread\n"
                             "p11cert: csr: from the worker\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(captured_messages_are_held_then_shown_in_order),
        cmocka_unit_test(a_full_capture_says_so),
        cmocka_unit_test(a_capture_is_the_capturing_threads_only),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
