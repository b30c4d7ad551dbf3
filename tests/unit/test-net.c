/* Unit tests of net/http.h that need no server: requests refused before
 * anything is sent (a scheme that is not http or https, a method libcurl
 * would be asked to invent, a request without its bounds), the header
 * lookup of a response, and the size limits in words its reasons use
 * (msg_size_text, util/msg.h). The exchanges
 * themselves are tested end to end against real servers (aia.bats). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/http.h"
#include "util/msg.h"

/* A request that would be valid but for what the test changes. */
static struct net_request valid(const char *url)
{
    struct net_request req = {0};

    req.url = url;
    req.max_bytes = 1024;
    req.timeout_ms = 1000;
    req.max_redirects = 0;
    return req;
}

static void assert_refused(const struct net_request *req, const char *why_expected)
{
    struct net_response resp;
    char why[256] = "";

    memset(&resp, 0x5a, sizeof(resp));
    assert_int_equal(net_request_perform(req, &resp, why, sizeof(why)), -1);
    assert_string_equal(why, why_expected);
    /* Empty after a failure, and freeing it is safe. */
    assert_null(resp.body);
    assert_null(resp.headers);
    assert_int_equal(resp.status, 0);
    net_response_free(&resp);
}

static void test_refused_schemes(void **state)
{
    static const char *const urls[] = {
        "ftp://127.0.0.1/ca.cer", "file:///etc/passwd", "ldap://127.0.0.1/cn=CA",
        "127.0.0.1/ca.cer",       "http:/127.0.0.1/x",  "",
    };
    struct net_request req;

    (void)state;
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        req = valid(urls[i]);
        assert_refused(&req, "not an http:// or https:// URL");
    }
    req = valid(NULL);
    assert_refused(&req, "not an http:// or https:// URL");
}

static void test_refused_methods(void **state)
{
    struct net_request req = valid("http://127.0.0.1:9/");

    (void)state;
    req.method = "PUT";
    assert_refused(&req, "method \"PUT\" is not one of GET, HEAD, POST");
    req.method = "get";
    assert_refused(&req, "method \"get\" is not one of GET, HEAD, POST");
}

/* Every request states its bounds: nothing unbounded is ever sent. */
static void test_refused_without_bounds(void **state)
{
    struct net_request req = valid("http://127.0.0.1:9/");

    (void)state;
    req.max_bytes = 0;
    assert_refused(&req, "the request has no size, time or redirect limit");
    req = valid("http://127.0.0.1:9/");
    req.timeout_ms = 0;
    assert_refused(&req, "the request has no size, time or redirect limit");
    req = valid("http://127.0.0.1:9/");
    req.max_redirects = -1;
    assert_refused(&req, "the request has no size, time or redirect limit");
}

static void test_header_lookup(void **state)
{
    struct net_header headers[] = {
        {"Content-Type", "application/json"},
        {"Link", "<https://a.example/dir>;rel=\"index\""},
        {"Replay-Nonce", "abc"},
        {"link", "<https://a.example/alt>;rel=\"alternate\""},
    };
    struct net_response resp = {0};

    (void)state;
    resp.headers = headers;
    resp.n_headers = 4;
    assert_string_equal(net_response_header(&resp, "content-type", 0), "application/json");
    assert_string_equal(net_response_header(&resp, "REPLAY-NONCE", 0), "abc");
    assert_string_equal(net_response_header(&resp, "Link", 0),
                        "<https://a.example/dir>;rel=\"index\"");
    assert_string_equal(net_response_header(&resp, "Link", 1),
                        "<https://a.example/alt>;rel=\"alternate\"");
    assert_null(net_response_header(&resp, "Link", 2));
    assert_null(net_response_header(&resp, "Location", 0));
    assert_null(net_response_header(&resp, "Replay", 0));
    resp.n_headers = 0;
    assert_null(net_response_header(&resp, "Content-Type", 0));
}

static void test_size_text(void **state)
{
    char text[32];

    (void)state;
    msg_size_text(1024 * 1024, text, sizeof(text));
    assert_string_equal(text, "1 MiB");
    msg_size_text(16 * 1024 * 1024, text, sizeof(text));
    assert_string_equal(text, "16 MiB");
    msg_size_text(64 * 1024, text, sizeof(text));
    assert_string_equal(text, "64 KiB");
    msg_size_text(1536, text, sizeof(text));
    assert_string_equal(text, "1536 bytes");
    msg_size_text(1024 * 1024 + 1024, text, sizeof(text));
    assert_string_equal(text, "1025 KiB");
    msg_size_text(0, text, sizeof(text));
    assert_string_equal(text, "0 bytes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_schemes),
        cmocka_unit_test(test_refused_methods),
        cmocka_unit_test(test_refused_without_bounds),
        cmocka_unit_test(test_header_lookup),
        cmocka_unit_test(test_size_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
