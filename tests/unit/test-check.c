/* Unit tests of check's rules that need no token: a leaf must not be a CA
 * (basicConstraints CA:TRUE), every dNSName must be a host name (no raw
 * UTF-8, no control characters, no bad labels; shown escaped), and which
 * --domain values are usage errors. Certificates are made in memory (pki.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/msg.h"
#include "workflow/check.h"

#include "pki.h"

/* The one check r holds: its ok and detail. */
static int only_check(struct check_report *r, const char **detail)
{
    json_t *check;

    assert_int_equal(json_array_size(r->checks), 1);
    check = json_array_get(r->checks, 0);
    *detail = json_string_value(json_object_get(check, "detail"));
    return json_is_true(json_object_get(check, "ok"));
}

static void test_leaf(void **state)
{
    struct check_report r = {json_array(), 0, NULL};
    const char *detail;

    (void)state;
    check_leaf(&r, pki.leaf);
    assert_true(only_check(&r, &detail));
    json_decref(r.checks);

    r = (struct check_report){json_array(), 0, NULL};
    check_leaf(&r, pki.inter); /* critical, CA:TRUE */
    assert_false(only_check(&r, &detail));
    assert_non_null(strstr(detail, "basicConstraints says CA:TRUE"));
    assert_int_equal(r.failed, 1);
    json_decref(r.checks);
}

/* check_san_names on a leaf with subjectAltName san: its ok and detail
 * (copied into detail). */
static int san_names(const char *san, char *detail, size_t len)
{
    struct check_report r = {json_array(), 0, NULL};
    X509 *cert = make_cert("san.example", pki.leaf_key, pki.inter, pki.inter_key, 0, san, 9);
    const char *text;
    int ok;

    check_san_names(&r, cert);
    ok = only_check(&r, &text);
    snprintf(detail, len, "%s", text);
    json_decref(r.checks);
    X509_free(cert);
    return ok;
}

static void test_san_names(void **state)
{
    char detail[512];

    (void)state;
    assert_true(san_names("DNS:a.example,DNS:*.b.example,IP:192.0.2.1", detail, sizeof(detail)));
    assert_string_equal(detail, "2 dNSName(s), each a valid host name");
    assert_true(san_names("DNS:xn--bcher-kva.example", detail, sizeof(detail)));
    assert_true(san_names("IP:192.0.2.1", detail, sizeof(detail)));
    assert_string_equal(detail, "no dNSName to check");

    assert_false(san_names("DNS:ok.example,DNS:b\xc3\xbc"
                           "cher.example",
                           detail, sizeof(detail)));
    assert_string_equal(detail,
                        "dNSName \"b\\xc3\\xbccher.example\" is not a host name: it is not "
                        "ASCII (raw UTF-8? an IDN must be written as its A-label, xn--...)");
    assert_false(san_names("DNS:bad..example", detail, sizeof(detail)));
    assert_non_null(strstr(detail, "dNSName \"bad..example\" is not a host name: empty label"));
    assert_false(san_names("DNS:under_score.example", detail, sizeof(detail)));
    assert_non_null(strstr(detail, "contains '_'"));
    assert_false(san_names("DNS:a.*.example", detail, sizeof(detail)));
    assert_non_null(strstr(detail, "'*' is only allowed as the whole leftmost label"));
}

static void test_san_control_character(void **state)
{
    struct check_report r = {json_array(), 0, NULL};
    X509 *cert = make_cert("ctl.example", pki.leaf_key, pki.inter, pki.inter_key, 0, NULL, 10);
    GENERAL_NAMES *sans = GENERAL_NAMES_new();
    GENERAL_NAME *gn = GENERAL_NAME_new();
    ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
    const char *detail;

    (void)state;
    assert_true(ASN1_STRING_set(ia5, "evil\x1b[31m.example", -1));
    GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
    sk_GENERAL_NAME_push(sans, gn);
    assert_true(X509_add1_ext_i2d(cert, NID_subject_alt_name, sans, 0, 0));
    check_san_names(&r, cert);
    assert_false(only_check(&r, &detail));
    assert_string_equal(detail,
                        "dNSName \"evil\\x1b[31m.example\" is not a host name: it holds a control "
                        "character");
    json_decref(r.checks);
    GENERAL_NAMES_free(sans);
    X509_free(cert);
}

static void test_domain_valid(void **state)
{
    static const char *const good[] = {"www.example.com", "www.example.com.", "localhost",
                                       "192.0.2.1",       "2001:db8::1",      "xn--bcher-kva.de"};
    static const char *const bad[] = {"",
                                      "bad..name",
                                      "bad_name.example",
                                      "*.example",
                                      "-x.example",
                                      "b\xc3\xbc"
                                      "cher.de",
                                      "1.2.3.999",
                                      "a.example..",
                                      "."};
    char why[256];

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        why[0] = '\0';
        if (check_domain_valid(good[i], why, sizeof(why)) != EXIT_OK)
            fail_msg("\"%s\" refused: %s", good[i], why);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        if (check_domain_valid(bad[i], why, sizeof(why)) != EXIT_USAGE || !why[0])
            fail_msg("\"%s\" taken", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf),
        cmocka_unit_test(test_san_names),
        cmocka_unit_test(test_san_control_character),
        cmocka_unit_test(test_domain_valid),
    };
    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
