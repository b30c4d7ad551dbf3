/* Unit tests of the dns layer's pure parts: host-name checks as dns uses
 * them, the endpoints-file parser (malformed lines with their numbers), the
 * records' zone text (exact ldns output, $ORIGIN and relative owners), the
 * refusals (apex, self, outside the zone, twice) and --server parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/socket.h>

#include "dns/dns.h"

static void assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("\"%s\" does not contain \"%s\"", text, needle);
}

/* ---- names ---- */

static void assert_name(const char *given, const char *expected)
{
    char out[DNS_NAME_SIZE], why[256] = "";

    if (dns_name_normalize(given, out, why, sizeof(why)) < 0)
        fail_msg("\"%s\" was rejected: %s", given, why);
    assert_string_equal(out, expected);
}

static void assert_bad_name(const char *given, const char *needle)
{
    char out[DNS_NAME_SIZE], why[256] = "";

    if (dns_name_normalize(given, out, why, sizeof(why)) == 0)
        fail_msg("\"%s\" was accepted as \"%s\"", given, out);
    assert_null(strchr(why, '\n'));
    assert_contains(why, needle);
}

static void test_names_valid(void **state)
{
    char label63[64], name253[254];

    (void)state;
    assert_name("developers.example.com", "developers.example.com");
    assert_name("developers.example.com.", "developers.example.com");
    assert_name("Gateway.EXAMPLE.com", "gateway.example.com");
    assert_name("xn--bcher-kva.example", "xn--bcher-kva.example");
    assert_name("a-b.c-d.example", "a-b.c-d.example");
    assert_name("3com.example", "3com.example");
    memset(label63, 'a', 63);
    label63[63] = '\0';
    snprintf(name253, sizeof(name253), "%s.%s.%s.%.61s", label63, label63, label63, label63);
    assert_int_equal(strlen(name253), 253);
    assert_name(name253, name253);
}

static void test_names_invalid(void **state)
{
    char label64[65], name254[256];

    (void)state;
    memset(label64, 'a', 64);
    label64[64] = '\0';
    assert_bad_name(label64, "longer than 63");
    memset(name254, 'a', sizeof(name254));
    for (int i = 63; i < 254; i += 64)
        name254[i] = '.';
    name254[254] = '\0';
    assert_bad_name(name254, "longer than 253");
    assert_bad_name("", "empty");
    assert_bad_name(".", "empty");
    assert_bad_name("a..example.com", "empty label");
    assert_bad_name(".example.com", "empty label");
    assert_bad_name("example.com..", "empty label");
    assert_bad_name("under_score.example.com", "'_'");
    assert_bad_name("-lead.example.com", "starts or ends with '-'");
    assert_bad_name("trail-.example.com", "starts or ends with '-'");
    assert_bad_name("b\xc3\xbc"
                    "cher.example",
                    "A-label");
    assert_bad_name("*.example.com", "wildcard");
    assert_bad_name("192.0.2.1", "all digits");
    assert_bad_name("sp ace.example.com", "' '");
}

/* ---- endpoints ---- */

static const char good_endpoints[] = "\xef\xbb\xbf# regions\n"
                                     "\n"
                                     "us-east  gateway.us-east.example.net   # the default\n"
                                     "\tus-west\tGateway.US-West.example.net.\r\n"
                                     "   # indented comment\n"
                                     "eu_1.a gw.eu.example.net";

static void test_endpoints_parse(void **state)
{
    struct dns_endpoints eps;
    char why[512] = "", *regions;

    (void)state;
    if (dns_endpoints_parse(good_endpoints, strlen(good_endpoints), "ep", &eps, why, sizeof(why)) <
        0)
        fail_msg("rejected: %s", why);
    assert_int_equal(eps.count, 3);
    assert_string_equal(eps.entries[0].region, "us-east");
    assert_string_equal(eps.entries[0].host, "gateway.us-east.example.net");
    assert_int_equal(eps.entries[0].line, 3);
    assert_string_equal(eps.entries[1].host, "gateway.us-west.example.net");
    assert_int_equal(eps.entries[1].line, 4);
    assert_int_equal(eps.entries[2].line, 6);
    assert_string_equal(dns_endpoints_lookup(&eps, "us-west"), "gateway.us-west.example.net");
    assert_string_equal(dns_endpoints_lookup(&eps, "US-EAST"), "gateway.us-east.example.net");
    assert_string_equal(dns_endpoints_lookup(&eps, "eu_1.a"), "gw.eu.example.net");
    assert_null(dns_endpoints_lookup(&eps, "us"));
    assert_null(dns_endpoints_lookup(&eps, "mars"));
    regions = dns_endpoints_regions(&eps);
    assert_string_equal(regions, "us-east, us-west, eu_1.a");
    free(regions);
    dns_endpoints_free(&eps);
}

static void test_endpoints_empty(void **state)
{
    struct dns_endpoints eps;
    char why[256] = "", *regions;

    (void)state;
    assert_int_equal(dns_endpoints_parse("# nothing\n\n", 11, "ep", &eps, why, sizeof(why)), 0);
    assert_int_equal(eps.count, 0);
    assert_null(dns_endpoints_lookup(&eps, "us-east"));
    regions = dns_endpoints_regions(&eps);
    assert_string_equal(regions, "");
    free(regions);
    dns_endpoints_free(&eps);
    assert_int_equal(dns_endpoints_parse("", 0, "ep", &eps, why, sizeof(why)), 0);
    assert_int_equal(eps.count, 0);
    dns_endpoints_free(&eps);
}

/* text must be refused with "NAME:LINE: ..." containing needle. */
static void assert_bad_endpoints(const char *text, size_t len, const char *where,
                                 const char *needle)
{
    struct dns_endpoints eps;
    char why[512] = "";

    if (dns_endpoints_parse(text, len, "/etc/ep", &eps, why, sizeof(why)) == 0) {
        dns_endpoints_free(&eps);
        fail_msg("accepted: \"%s\"", text);
    }
    assert_int_equal(eps.count, 0);
    assert_null(eps.entries);
    assert_null(strchr(why, '\n'));
    if (strncmp(why, where, strlen(where)) != 0)
        fail_msg("\"%s\" does not start with \"%s\"", why, where);
    assert_contains(why, needle);
}

#define BAD_ENDPOINTS(text, where, needle)                                                         \
    assert_bad_endpoints(text, sizeof(text) - 1, where, needle)

static void test_endpoints_malformed(void **state)
{
    (void)state;
    BAD_ENDPOINTS("us-east gw.example.net\nus-west\n", "/etc/ep:2: ", "one word");
    BAD_ENDPOINTS("# c\n\nus-east gw.example.net extra\n", "/etc/ep:3: ", "more than two words");
    BAD_ENDPOINTS("us-east gw_1.example.net\n", "/etc/ep:1: ", "'_'");
    BAD_ENDPOINTS("a b\nus-east -gw.example.net", "/etc/ep:2: ", "starts or ends with '-'");
    BAD_ENDPOINTS("us-east *.example.net\n", "/etc/ep:1: ", "wildcard");
    BAD_ENDPOINTS("us/east gw.example.net\n", "/etc/ep:1: ", "region \"us/east\"");
    BAD_ENDPOINTS("us-east gw.example.net\n#\nUS-EAST other.example.net\n",
                  "/etc/ep:3: ", "already defined on line 1");
    BAD_ENDPOINTS("us-east gw.example.net\nx y\0z\n", "/etc/ep:2: ", "NUL");
    BAD_ENDPOINTS("us-east gw..example.net\n", "/etc/ep:1: ", "empty label");
}

/* ---- records ---- */

static void make(const char *const *domains, size_t n, const char *target, const char *origin,
                 uint32_t ttl, struct dns_record_set *set)
{
    struct dns_records_request req = {domains, n, target, origin, ttl};
    char why[512] = "", hint[256] = "";

    if (dns_records_make(&req, set, why, sizeof(why), hint, sizeof(hint)) < 0)
        fail_msg("refused: %s", why);
    assert_string_equal(hint, "");
}

static void test_records_absolute(void **state)
{
    const char *domains[] = {"developers.example.com", "Gateway.Example.com."};
    struct dns_record_set set;

    (void)state;
    make(domains, 2, "gateway.us-east.example.net.", NULL, 3600, &set);
    assert_int_equal(set.count, 2);
    assert_string_equal(set.target, "gateway.us-east.example.net");
    assert_null(set.origin);
    assert_string_equal(set.records[0].domain, "developers.example.com");
    assert_string_equal(set.records[0].text,
                        "developers.example.com.\t3600\tIN\tCNAME\tgateway.us-east.example.net.");
    assert_string_equal(set.records[1].domain, "gateway.example.com");
    assert_string_equal(set.records[1].text,
                        "gateway.example.com.\t3600\tIN\tCNAME\tgateway.us-east.example.net.");
    assert_string_equal(set.zone_text,
                        "; CNAME records: custom domains -> gateway.us-east.example.net. (made by "
                        "p11cert)\n"
                        "developers.example.com.\t3600\tIN\tCNAME\tgateway.us-east.example.net.\n"
                        "gateway.example.com.\t3600\tIN\tCNAME\tgateway.us-east.example.net.\n");
    dns_record_set_free(&set);
}

static void test_records_origin(void **state)
{
    const char *domains[] = {"developers.example.com", "a.b.Example.COM"};
    struct dns_record_set set;

    (void)state;
    make(domains, 2, "gw.example.com", "example.com.", 300, &set);
    assert_string_equal(set.origin, "example.com");
    assert_string_equal(set.records[0].text, "developers\t300\tIN\tCNAME\tgw.example.com.");
    assert_string_equal(set.records[1].text, "a.b\t300\tIN\tCNAME\tgw.example.com.");
    assert_string_equal(set.zone_text,
                        "; CNAME records: custom domains -> gw.example.com. (made by "
                        "p11cert)\n"
                        "$ORIGIN example.com.\n"
                        "developers\t300\tIN\tCNAME\tgw.example.com.\n"
                        "a.b\t300\tIN\tCNAME\tgw.example.com.\n");
    dns_record_set_free(&set);
}

static void test_records_ttl(void **state)
{
    const char *domains[] = {"x.example.com"};
    struct dns_record_set set;

    (void)state;
    make(domains, 1, "t.example.net", NULL, 2147483647U, &set);
    assert_string_equal(set.records[0].text,
                        "x.example.com.\t2147483647\tIN\tCNAME\tt.example.net.");
    dns_record_set_free(&set);
}

static void assert_refused(const char *const *domains, size_t n, const char *target,
                           const char *origin, const char *needle, const char *hint_needle)
{
    struct dns_records_request req = {domains, n, target, origin, 3600};
    struct dns_record_set set;
    char why[512] = "", hint[256] = "x";

    if (dns_records_make(&req, &set, why, sizeof(why), hint, sizeof(hint)) == 0) {
        dns_record_set_free(&set);
        fail_msg("accepted");
    }
    assert_null(set.records);
    assert_null(set.zone_text);
    assert_null(strchr(why, '\n'));
    assert_contains(why, needle);
    if (hint_needle)
        assert_contains(hint, hint_needle);
    else
        assert_string_equal(hint, "");
}

static void test_records_refused(void **state)
{
    const char *apex[] = {"www.example.com", "Example.com."};
    const char *outside[] = {"api.example.org"};
    const char *suffix_only[] = {"notexample.com"};
    const char *self[] = {"gw.example.net"};
    const char *twice[] = {"a.example.com", "b.example.com", "A.example.com."};
    const char *bad[] = {"ok.example.com", "bad_one.example.com"};

    (void)state;
    assert_refused(apex, 2, "gw.example.net", "example.com", "apex of the zone example.com",
                   "ALIAS/ANAME");
    assert_refused(outside, 1, "gw.example.net", "example.com", "not in the zone example.com",
                   NULL);
    assert_refused(suffix_only, 1, "gw.example.net", "example.com", "not in the zone", NULL);
    assert_refused(self, 1, "GW.example.net.", NULL, "is the target itself", NULL);
    assert_refused(twice, 3, "gw.example.net", NULL, "a.example.com is given twice", NULL);
    assert_refused(bad, 2, "gw.example.net", NULL, "bad domain \"bad_one.example.com\"", NULL);
    assert_refused(outside, 1, "gw..example.net", NULL, "bad target", NULL);
    assert_refused(outside, 1, "gw.example.net", "exa mple.com", "bad origin", NULL);
    assert_refused(outside, 0, "gw.example.net", NULL, "no domain", NULL);
}

/* ---- --server ---- */

static void assert_server(const char *text, const char *addr, int family, unsigned port)
{
    struct dns_server server;
    char why[256] = "";

    if (dns_server_parse(text, &server, why, sizeof(why)) < 0)
        fail_msg("\"%s\" was rejected: %s", text, why);
    assert_string_equal(server.addr, addr);
    assert_int_equal(server.family, family);
    assert_int_equal(server.port, port);
}

static void assert_bad_server(const char *text, const char *needle)
{
    struct dns_server server;
    char why[256] = "";

    if (dns_server_parse(text, &server, why, sizeof(why)) == 0)
        fail_msg("\"%s\" was accepted", text);
    assert_contains(why, needle);
}

static void test_server_parse(void **state)
{
    (void)state;
    assert_server("127.0.0.1", "127.0.0.1", AF_INET, 53);
    assert_server("127.0.0.1:5353", "127.0.0.1", AF_INET, 5353);
    assert_server("::1", "::1", AF_INET6, 53);
    assert_server("2001:db8::53", "2001:db8::53", AF_INET6, 53);
    assert_server("[::1]", "::1", AF_INET6, 53);
    assert_server("[::1]:5353", "::1", AF_INET6, 5353);
    assert_bad_server("127.0.0.1:0", "port");
    assert_bad_server("127.0.0.1:65536", "port");
    assert_bad_server("127.0.0.1:", "port");
    assert_bad_server("127.0.0.1:53x", "port");
    assert_bad_server("ns.example.com:53", "not an IP address");
    assert_bad_server("[::1", "without ']'");
    assert_bad_server("[::1]5353", "':PORT'");
    assert_bad_server("[127.0.0.1]:53", "not an IP address");
    assert_bad_server("", "ADDR[:PORT]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_valid),         cmocka_unit_test(test_names_invalid),
        cmocka_unit_test(test_endpoints_parse),     cmocka_unit_test(test_endpoints_empty),
        cmocka_unit_test(test_endpoints_malformed), cmocka_unit_test(test_records_absolute),
        cmocka_unit_test(test_records_origin),      cmocka_unit_test(test_records_ttl),
        cmocka_unit_test(test_records_refused),     cmocka_unit_test(test_server_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
