/* Unit tests of the subjectAltName parser (x509_san_parse, x509_san_list_parse):
 * each type, prefix case, the values OpenSSL ends up holding, and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "x509/parse.h"

/* Parses text and checks the GENERAL_NAME's type and exact bytes. */
static void assert_san(const char *text, int type, const void *bytes, int len)
{
    char why[256] = "";
    GENERAL_NAME *gn = x509_san_parse(text, why, sizeof(why));
    const ASN1_STRING *value;
    int got_type;

    if (!gn)
        fail_msg("\"%s\" was rejected: %s", text, why);
    value = GENERAL_NAME_get0_value(gn, &got_type);
    assert_int_equal(got_type, type);
    assert_int_equal(ASN1_STRING_length(value), len);
    assert_memory_equal(ASN1_STRING_get0_data(value), bytes, (size_t)len);
    GENERAL_NAME_free(gn);
}

static void assert_san_text(const char *text, int type, const char *value)
{
    assert_san(text, type, value, (int)strlen(value));
}

static void assert_bad_san(const char *text, const char *needle)
{
    char why[256] = "";
    GENERAL_NAME *gn = x509_san_parse(text, why, sizeof(why));

    if (gn) {
        GENERAL_NAME_free(gn);
        fail_msg("\"%s\" was accepted", text ? text : "(null)");
    }
    assert_null(strchr(why, '\n'));
    if (!strstr(why, needle))
        fail_msg("reason for \"%s\" is \"%s\", expected it to contain \"%s\"", text, why, needle);
}

static void test_dns(void **state)
{
    (void)state;
    assert_san_text("DNS:example.com", GEN_DNS, "example.com");
    assert_san_text("DNS:api.eu-west-1.example.com", GEN_DNS, "api.eu-west-1.example.com");
    assert_san_text("DNS:localhost", GEN_DNS, "localhost");
    assert_san_text("DNS:xn--bcher-kva.example", GEN_DNS, "xn--bcher-kva.example");
}

static void test_prefix_case_insensitive(void **state)
{
    (void)state;
    assert_san_text("dns:Example.COM", GEN_DNS, "Example.COM");
    assert_san_text("Dns:a.b", GEN_DNS, "a.b");
    assert_san_text("EMAIL:a@b.example", GEN_EMAIL, "a@b.example");
    assert_san_text("uri:https://x.example/", GEN_URI, "https://x.example/");
}

static void test_dns_wildcard(void **state)
{
    (void)state;
    assert_san_text("DNS:*.example.com", GEN_DNS, "*.example.com");
    assert_san_text("DNS:*.a", GEN_DNS, "*.a");
}

static void test_bad_wildcard(void **state)
{
    (void)state;
    assert_bad_san("DNS:foo.*.example.com", "leftmost label");
    assert_bad_san("DNS:*foo.example.com", "leftmost label");
    assert_bad_san("DNS:f*o.example.com", "leftmost label");
    assert_bad_san("DNS:*.*.example.com", "leftmost label");
    assert_bad_san("DNS:*", "leftmost label");
    assert_bad_san("DNS:*.", "trailing dot");
}

static void test_ipv4(void **state)
{
    static const unsigned char addr[] = {192, 0, 2, 1};

    (void)state;
    assert_san("IP:192.0.2.1", GEN_IPADD, addr, 4);
}

static void test_ipv6(void **state)
{
    static const unsigned char doc[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const unsigned char loop[16] = {[15] = 1};

    (void)state;
    assert_san("IP:2001:db8::1", GEN_IPADD, doc, 16);
    assert_san("ip:::1", GEN_IPADD, loop, 16);
}

static void test_email(void **state)
{
    (void)state;
    assert_san_text("email:first.last+tag@mail.example.com", GEN_EMAIL,
                    "first.last+tag@mail.example.com");
}

static void test_uri(void **state)
{
    (void)state;
    assert_san_text("URI:https://example.com/path?q=1", GEN_URI, "https://example.com/path?q=1");
    assert_san_text("URI:urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", GEN_URI,
                    "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    assert_san_text("URI:spiffe://trust.example/ns/a", GEN_URI, "spiffe://trust.example/ns/a");
}

static void test_bad_type(void **state)
{
    char why[256];

    (void)state;
    assert_null(x509_san_parse("FOO:x", why, sizeof(why)));
    assert_string_equal(why,
                        "bad SAN \"FOO:x\": unknown type \"FOO\" (use DNS:, IP:, email: or URI:)");
}

static void test_bad_missing_type(void **state)
{
    (void)state;
    assert_bad_san("example.com", "missing type");
    assert_bad_san("", "empty SAN");
    assert_bad_san(NULL, "empty SAN");
    assert_bad_san(":x", "unknown type \"\"");
    assert_bad_san("DNSX:a.com", "unknown type \"DNSX\"");
}

static void test_bad_empty_value(void **state)
{
    (void)state;
    assert_bad_san("DNS:", "empty value");
    assert_bad_san("IP:", "empty value");
    assert_bad_san("email:", "empty value");
    assert_bad_san("URI:", "empty value");
}

static void test_bad_dns_labels(void **state)
{
    (void)state;
    assert_bad_san("DNS:a..b.com", "empty label");
    assert_bad_san("DNS:.example.com", "empty label");
    assert_bad_san("DNS:example.com.", "trailing dot");
}

static void test_bad_dns_characters(void **state)
{
    (void)state;
    assert_bad_san("DNS:a_b.example.com", "contains '_'");
    assert_bad_san("DNS:exa mple.com", "contains ' '");
    assert_bad_san("DNS:-a.example.com", "starts or ends with '-'");
    assert_bad_san("DNS:a-.example.com", "starts or ends with '-'");
    assert_bad_san("DNS:b\xc3\xbc"
                   "cher.example",
                   "A-label");
    assert_bad_san("DNS:192.0.2.1", "IP:");
}

static void test_bad_dns_lengths(void **state)
{
    char text[400];

    (void)state;
    snprintf(text, sizeof(text), "DNS:%s.com",
             "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0");
    assert_san_text(text, GEN_DNS, text + 4);
    snprintf(text, sizeof(text), "DNS:%s.com",
             "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01");
    assert_bad_san(text, "longer than 63");
    /* 4 labels of 63 plus 3 dots is 255 octets. */
    memcpy(text, "DNS:", 4);
    memset(text + 4, 'a', 255);
    text[4 + 63] = text[4 + 127] = text[4 + 191] = '.';
    text[4 + 255] = '\0';
    assert_bad_san(text, "longer than 253");
}

static void test_bad_ip(void **state)
{
    (void)state;
    assert_bad_san("IP:256.1.1.1", "not an IPv4 or IPv6 address");
    assert_bad_san("IP:1.2.3", "not an IPv4 or IPv6 address");
    assert_bad_san("IP:example.com", "not an IPv4 or IPv6 address");
    assert_bad_san("IP:fe80::1%eth0", "not an IPv4 or IPv6 address");
    assert_bad_san("IP: 192.0.2.1", "not an IPv4 or IPv6 address");
    assert_bad_san("IP:2001:db8:::1", "not an IPv4 or IPv6 address");
}

static void test_bad_email(void **state)
{
    (void)state;
    assert_bad_san("email:nobody", "one '@'");
    assert_bad_san("email:a@b@example.com", "one '@'");
    assert_bad_san("email:@example.com", "local part");
    assert_bad_san("email:a b@example.com", "invalid character");
    assert_bad_san("email:a@-bad.example", "domain: ");
    assert_bad_san("email:a@", "domain: empty host name");
}

static void test_bad_uri(void **state)
{
    (void)state;
    assert_bad_san("URI:example.com/x", "needs a scheme");
    assert_bad_san("URI://example.com", "needs a scheme");
    assert_bad_san("URI:1http://example.com", "needs a scheme");
    assert_bad_san("URI:https:", "nothing after");
    assert_bad_san("URI:https://a b.example", "space");
}

/* A long entry is quoted in part so the reason itself always fits. */
static void test_long_text_keeps_reason(void **state)
{
    char text[600], why[256];

    (void)state;
    memcpy(text, "DNS:", 4);
    memset(text + 4, 'a', 500);
    strcpy(text + 504, "_.example");
    assert_null(x509_san_parse(text, why, sizeof(why)));
    assert_non_null(strstr(why, "...\": "));
    assert_non_null(strstr(why, "longer than 253 characters"));
    memset(text, 'X', 500);
    strcpy(text + 500, ":x");
    assert_null(x509_san_parse(text, why, sizeof(why)));
    assert_non_null(strstr(why, "(use DNS:, IP:, email: or URI:)"));
}

static void test_list(void **state)
{
    const char *const texts[] = {"DNS:example.com", "DNS:*.example.com", "IP:192.0.2.1",
                                 "email:ops@example.com", "URI:https://example.com/"};
    char why[256];
    GENERAL_NAMES *list = x509_san_list_parse(texts, 5, why, sizeof(why));

    (void)state;
    assert_non_null(list);
    assert_int_equal(sk_GENERAL_NAME_num(list), 5);
    assert_int_equal(sk_GENERAL_NAME_value(list, 0)->type, GEN_DNS);
    assert_int_equal(sk_GENERAL_NAME_value(list, 2)->type, GEN_IPADD);
    assert_int_equal(sk_GENERAL_NAME_value(list, 4)->type, GEN_URI);
    GENERAL_NAMES_free(list);

    list = x509_san_list_parse(NULL, 0, why, sizeof(why));
    assert_non_null(list);
    assert_int_equal(sk_GENERAL_NAME_num(list), 0);
    GENERAL_NAMES_free(list);
}

static void assert_bad_list(const char *const *texts, size_t n, const char *expected)
{
    char why[256] = "";
    GENERAL_NAMES *list = x509_san_list_parse(texts, n, why, sizeof(why));

    if (list) {
        GENERAL_NAMES_free(list);
        fail_msg("list starting \"%s\" was accepted", texts[0]);
    }
    assert_string_equal(why, expected);
}

static void test_list_duplicates(void **state)
{
    const char *const dns[] = {"DNS:a.example", "DNS:b.example", "dns:A.Example"};
    const char *const ip[] = {"IP:::1", "IP:0:0::1"};
    const char *const ip4[] = {"IP:192.0.2.1", "IP:192.0.2.1"};
    const char *const mail[] = {"email:Ops@Example.com", "email:Ops@example.COM"};
    const char *const uri[] = {"URI:https://x.example/", "URI:https://x.example/"};
    const char *const distinct[] = {"email:ops@x.example", "email:OPS@x.example", "DNS:x.example",
                                    "URI:https://x.example/a"};
    char why[256];
    GENERAL_NAMES *list;

    (void)state;
    assert_bad_list(dns, 3, "duplicate SAN \"dns:A.Example\" (same as \"DNS:a.example\")");
    assert_bad_list(ip, 2, "duplicate SAN \"IP:0:0::1\" (same as \"IP:::1\")");
    assert_bad_list(ip4, 2, "duplicate SAN \"IP:192.0.2.1\" (same as \"IP:192.0.2.1\")");
    assert_bad_list(mail, 2,
                    "duplicate SAN \"email:Ops@example.COM\" (same as \"email:Ops@Example.com\")");
    assert_bad_list(
        uri, 2, "duplicate SAN \"URI:https://x.example/\" (same as \"URI:https://x.example/\")");
    /* Local parts are case-sensitive; a DNS name and a URI never clash. */
    list = x509_san_list_parse(distinct, 4, why, sizeof(why));
    assert_non_null(list);
    assert_int_equal(sk_GENERAL_NAME_num(list), 4);
    GENERAL_NAMES_free(list);
}

static void test_list_bad_entry(void **state)
{
    const char *const texts[] = {"DNS:ok.example", "DNS:bad_name.example", "IP:192.0.2.1"};

    (void)state;
    assert_bad_list(texts, 3,
                    "bad SAN \"DNS:bad_name.example\": label \"bad_name\" contains '_' (only "
                    "letters, digits and '-' are allowed)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dns),
        cmocka_unit_test(test_prefix_case_insensitive),
        cmocka_unit_test(test_dns_wildcard),
        cmocka_unit_test(test_bad_wildcard),
        cmocka_unit_test(test_ipv4),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_uri),
        cmocka_unit_test(test_bad_type),
        cmocka_unit_test(test_bad_missing_type),
        cmocka_unit_test(test_bad_empty_value),
        cmocka_unit_test(test_bad_dns_labels),
        cmocka_unit_test(test_bad_dns_characters),
        cmocka_unit_test(test_bad_dns_lengths),
        cmocka_unit_test(test_bad_ip),
        cmocka_unit_test(test_bad_email),
        cmocka_unit_test(test_bad_uri),
        cmocka_unit_test(test_long_text_keeps_reason),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_list_duplicates),
        cmocka_unit_test(test_list_bad_entry),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
