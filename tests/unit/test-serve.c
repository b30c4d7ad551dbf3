/* Unit tests of what server-config and check --server parse and quote:
 * hostport_parse (util/hostport.c: ports alone, IPv4, [IPv6], names, and
 * what is refused), server_cnf_quote (workflow/server-openssl.c: the PIN as
 * an openssl.cnf value) and server_listen_text. Pure: no token, no server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/hostport.h"
#include "workflow/server-config.h"

static void test_hostport_good(void **state)
{
    static const struct {
        const char *text;
        int flags;
        const char *host, *port;
        int ipv6;
    } cases[] = {
        {"127.0.0.1:443", 0, "127.0.0.1", "443", 0},
        {"[::1]:8443", 0, "::1", "8443", 1},
        {"www.example.com:1", 0, "www.example.com", "1", 0},
        {"localhost:65535", 0, "localhost", "65535", 0},
        {"443", HOSTPORT_PORT_ALONE, "", "443", 0},
        {"0.0.0.0:443", HOSTPORT_PORT_ALONE, "0.0.0.0", "443", 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hostport hp;
        char why[256] = "";

        assert_int_equal(hostport_parse(cases[i].text, cases[i].flags, &hp, why, sizeof(why)), 0);
        assert_string_equal(hp.host, cases[i].host);
        assert_string_equal(hp.port, cases[i].port);
        assert_int_equal(hp.ipv6, cases[i].ipv6);
    }
}

static void test_hostport_bad(void **state)
{
    static const struct {
        const char *text;
        int flags;
        const char *why;
    } cases[] = {
        {"443", 0, "expected HOST:PORT"},
        {"127.0.0.1", 0, "expected HOST:PORT"},
        {"127.0.0.1:0", 0, "the port must be a number from 1 to 65535"},
        {"127.0.0.1:65536", 0, "the port must be a number from 1 to 65535"},
        {"127.0.0.1:44x", 0, "the port must be"},
        {"127.0.0.1:", 0, "the port must be"},
        {"127.0.0.1:-1", 0, "the port must be"},
        {":443", 0, "no host before the port"},
        {"::1:443", 0, "is neither a host name nor an IPv4 address"},
        {"[::1]443", 0, "expected [IPV6]:PORT"},
        {"[::1", 0, "expected [IPV6]:PORT"},
        {"[1.2.3.4]:443", 0, "nor an IPv6 address"},
        {"bad host:443", 0, "is neither a host name"},
        {"0", HOSTPORT_PORT_ALONE, "the port must be"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hostport hp;
        char why[256] = "";

        assert_int_equal(hostport_parse(cases[i].text, cases[i].flags, &hp, why, sizeof(why)), -1);
        if (!strstr(why, cases[i].why))
            fail_msg("\"%s\": \"%s\" does not say \"%s\"", cases[i].text, why, cases[i].why);
    }
}

static void test_cnf_quote(void **state)
{
    static const struct {
        const char *value, *quoted;
    } cases[] = {
        {"123456", "\"123456\""},
        {"a#b$c d", "\"a#b$c d\""},
        {"say \"x\"", "\"say \\\"x\\\"\""},
        {"back\\slash", "\"back\\\\slash\""},
        {"", "\"\""},
    };
    char out[64];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(server_cnf_quote(cases[i].value, out, sizeof(out)), 0);
        assert_string_equal(out, cases[i].quoted);
    }
    assert_int_equal(server_cnf_quote("line\nbreak", out, sizeof(out)), -1);
    assert_int_equal(server_cnf_quote("tab\there", out, sizeof(out)), -1);
    assert_int_equal(server_cnf_quote("del\x7f", out, sizeof(out)), -1);
    /* Too small for the quotes and the escapes: refused, not cut. */
    assert_int_equal(server_cnf_quote("123456", out, 8), -1);
    assert_int_equal(server_cnf_quote("\"\"", out, 6), -1);
}

static void test_listen_text(void **state)
{
    struct hostport hp;
    char why[128], buf[300];

    (void)state;
    assert_int_equal(hostport_parse("[::1]:443", 0, &hp, why, sizeof(why)), 0);
    assert_string_equal(server_listen_text(&hp, buf, sizeof(buf)), "[::1]:443");
    assert_int_equal(hostport_parse("443", HOSTPORT_PORT_ALONE, &hp, why, sizeof(why)), 0);
    assert_string_equal(server_listen_text(&hp, buf, sizeof(buf)), "443");
    assert_int_equal(hostport_parse("10.0.0.1:8443", 0, &hp, why, sizeof(why)), 0);
    assert_string_equal(server_listen_text(&hp, buf, sizeof(buf)), "10.0.0.1:8443");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostport_good),
        cmocka_unit_test(test_hostport_bad),
        cmocka_unit_test(test_cnf_quote),
        cmocka_unit_test(test_listen_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
