/* Unit tests of the DN parser (x509_name_parse, x509_name_common_name):
 * both text forms, escapes, multi-valued RDNs, size limits and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/x509.h>

#include "x509/parse.h"

/* The name as "/SN=value/SN=value+SN=value", least specific first, built
 * from the entries themselves: '+' where OpenSSL put two in one set. */
static void name_string(const X509_NAME *name, char *out, size_t out_len)
{
    size_t used = 0;
    int prev_set = -1;

    out[0] = '\0';
    for (int i = 0; i < X509_NAME_entry_count(name); i++) {
        const X509_NAME_ENTRY *ne = X509_NAME_get_entry(name, i);
        const ASN1_STRING *v = X509_NAME_ENTRY_get_data(ne);
        const char *sn = OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(ne)));
        int set = X509_NAME_ENTRY_set(ne);
        used +=
            (size_t)snprintf(out + used, out_len - used, "%c%s=%.*s", set == prev_set ? '+' : '/',
                             sn, ASN1_STRING_length(v), (const char *)ASN1_STRING_get0_data(v));
        prev_set = set;
        assert_true(used < out_len);
    }
}

static void assert_dn(const char *text, const char *expected)
{
    char why[256] = "", got[1024];
    X509_NAME *name = x509_name_parse(text, why, sizeof(why));

    if (!name)
        fail_msg("\"%s\" was rejected: %s", text, why);
    name_string(name, got, sizeof(got));
    assert_string_equal(got, expected);
    X509_NAME_free(name);
}

/* Rejected, with a one-line reason that contains needle. */
static void assert_bad_dn(const char *text, const char *needle)
{
    char why[256] = "";
    X509_NAME *name = x509_name_parse(text, why, sizeof(why));

    if (name) {
        X509_NAME_free(name);
        fail_msg("\"%s\" was accepted", text ? text : "(null)");
    }
    assert_null(strchr(why, '\n'));
    if (!strstr(why, needle))
        fail_msg("reason for \"%s\" is \"%s\", expected it to contain \"%s\"", text, why, needle);
}

static void test_slash_classic_trailing_slash(void **state)
{
    char why[256], line[256];
    X509_NAME *name;

    (void)state;
    assert_dn("/C=US/ST=California/L=Mountain View/O=WSO2/OU=IT/",
              "/C=US/ST=California/L=Mountain View/O=WSO2/OU=IT");
    /* OpenSSL's own rendering agrees. */
    name = x509_name_parse("/C=US/ST=California/L=Mountain View/O=WSO2/OU=IT/", why, sizeof(why));
    assert_non_null(name);
    X509_NAME_oneline(name, line, sizeof(line));
    assert_string_equal(line, "/C=US/ST=California/L=Mountain View/O=WSO2/OU=IT");
    assert_int_equal(X509_NAME_entry_count(name), 5);
    X509_NAME_free(name);
}

static void test_slash_with_cn(void **state)
{
    (void)state;
    assert_dn("/C=US/O=Org/OU=IT/CN=api.example.com", "/C=US/O=Org/OU=IT/CN=api.example.com");
}

static void test_slash_escaped_slash(void **state)
{
    (void)state;
    assert_dn("/O=A\\/B Corp/CN=x", "/O=A/B Corp/CN=x");
}

static void test_slash_escaped_backslash(void **state)
{
    (void)state;
    assert_dn("/CN=a\\\\b", "/CN=a\\b");
}

static void test_slash_multi_valued(void **state)
{
    char why[256];
    X509_NAME *name;

    (void)state;
    assert_dn("/O=x/CN=a+UID=b", "/O=x/CN=a+UID=b");
    name = x509_name_parse("/O=x/CN=a+UID=b/OU=y", why, sizeof(why));
    assert_non_null(name);
    assert_int_equal(X509_NAME_entry_count(name), 4);
    assert_int_equal(X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 1)),
                     X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 2)));
    assert_int_not_equal(X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 0)),
                         X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 1)));
    assert_int_not_equal(X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 2)),
                         X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 3)));
    X509_NAME_free(name);
}

static void test_slash_escaped_plus_and_equals(void **state)
{
    (void)state;
    assert_dn("/CN=a\\+b", "/CN=a+b");
    assert_dn("/CN=a=b", "/CN=a=b");
}

static void test_slash_utf8_and_long_names(void **state)
{
    char why[256];
    X509_NAME *name;

    (void)state;
    assert_dn("/countryName=DE/organizationName=Zo\xc3\xab GmbH", "/C=DE/O=Zo\xc3\xab GmbH");
    name = x509_name_parse("/O=Zo\xc3\xab", why, sizeof(why));
    assert_non_null(name);
    assert_int_equal(ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, 0))),
                     V_ASN1_UTF8STRING);
    X509_NAME_free(name);
}

static void test_rfc4514_reversed(void **state)
{
    (void)state;
    assert_dn("CN=a,O=b,C=US", "/C=US/O=b/CN=a");
}

static void test_rfc4514_spaces(void **state)
{
    (void)state;
    assert_dn("CN=api.example.com, O=Example Org , C=US", "/C=US/O=Example Org/CN=api.example.com");
}

static void test_rfc4514_escapes(void **state)
{
    (void)state;
    assert_dn("CN=Smith\\, John,O=x", "/O=x/CN=Smith, John");
    assert_dn("CN=a\\+b\\\\c\\\"d\\<e\\>f\\;g\\=h", "/CN=a+b\\c\"d<e>f;g=h");
    assert_dn("CN=\\#1", "/CN=#1");
}

static void test_rfc4514_hex_escape(void **state)
{
    (void)state;
    assert_dn("CN=Caf\\C3\\A9,O=x", "/O=x/CN=Caf\xc3\xa9");
    assert_dn("CN=a\\2cb", "/CN=a,b");
}

static void test_rfc4514_escaped_spaces_kept(void **state)
{
    (void)state;
    assert_dn("CN=\\ a\\ ,O=x", "/O=x/CN= a ");
}

static void test_rfc4514_multi_valued(void **state)
{
    char why[256];
    X509_NAME *name;

    (void)state;
    assert_dn("CN=a+UID=b,O=x,C=US", "/C=US/O=x/CN=a+UID=b");
    name = x509_name_parse("CN=a+UID=b,O=x", why, sizeof(why));
    assert_non_null(name);
    assert_int_equal(X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 1)),
                     X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 2)));
    X509_NAME_free(name);
}

static void test_attribute_names_any_case(void **state)
{
    (void)state;
    assert_dn("cn=a,o=b,c=US", "/C=US/O=b/CN=a");
    assert_dn("/st=Bavaria/EMAILADDRESS=a@example.com", "/ST=Bavaria/emailAddress=a@example.com");
}

static void test_dotted_oid_and_dc(void **state)
{
    (void)state;
    assert_dn("2.5.4.3=a,DC=example,DC=com", "/DC=com/DC=example/CN=a");
    assert_dn("/serialNumber=42/street=Main St/title=Boss",
              "/serialNumber=42/street=Main St/title=Boss");
}

static void test_common_name(void **state)
{
    char why[256];
    X509_NAME *name;

    (void)state;
    name = x509_name_parse("/CN=first/O=x/CN=last.example.com", why, sizeof(why));
    assert_non_null(name);
    assert_string_equal(x509_name_common_name(name), "last.example.com");
    X509_NAME_free(name);
    name = x509_name_parse("/C=US/O=x", why, sizeof(why));
    assert_non_null(name);
    assert_null(x509_name_common_name(name));
    X509_NAME_free(name);
    assert_null(x509_name_common_name(NULL));
}

static void test_cn_size_limit(void **state)
{
    char text[128];

    (void)state;
    snprintf(text, sizeof(text), "/CN=%064d", 0);
    assert_dn(text, text);
    snprintf(text, sizeof(text), "/CN=%065d", 0);
    assert_bad_dn(text, "CN: ");
    assert_bad_dn(text, "longer than 64 characters");
}

static void test_country_two_letters(void **state)
{
    char why[256];

    (void)state;
    assert_null(x509_name_parse("/C=USA/O=x", why, sizeof(why)));
    assert_string_equal(why, "C: \"USA\" must be 2 characters");
    assert_bad_dn("C=U", "must be 2 characters");
}

static void test_bad_empty(void **state)
{
    (void)state;
    assert_bad_dn("", "empty DN");
    assert_bad_dn(NULL, "empty DN");
    assert_bad_dn("/", "empty DN");
    assert_bad_dn("   ", "empty DN");
}

static void test_bad_empty_rdn(void **state)
{
    (void)state;
    assert_bad_dn("/C=US//O=x", "empty RDN");
    assert_bad_dn("//C=US", "empty RDN");
    assert_bad_dn("CN=a,,O=b", "empty RDN");
    assert_bad_dn("CN=a,", "empty RDN");
    assert_bad_dn(",CN=a", "empty RDN");
}

static void test_bad_unknown_attribute(void **state)
{
    char why[256];

    (void)state;
    assert_null(x509_name_parse("/C=US/FOO=bar", why, sizeof(why)));
    assert_string_equal(why, "unknown attribute \"FOO\"");
    /* Known to OpenSSL, but not something a name is made of. */
    assert_bad_dn("sha256=x", "unknown attribute \"sha256\"");
    assert_bad_dn("1.2.3.4.x=y", "unknown attribute");
}

static void test_bad_empty_value(void **state)
{
    (void)state;
    assert_bad_dn("/CN=", "CN: empty value");
    assert_bad_dn("/CN=/O=x", "CN: empty value");
    assert_bad_dn("CN=  ,O=x", "CN: empty value");
    assert_bad_dn("/O=x/CN=a+UID=", "UID: empty value");
}

static void test_bad_dangling_backslash(void **state)
{
    (void)state;
    assert_bad_dn("/CN=abc\\", "dangling");
    assert_bad_dn("CN=abc\\", "dangling");
}

static void test_bad_missing_equals(void **state)
{
    (void)state;
    assert_bad_dn("/CN", "\"CN\" has no '='");
    assert_bad_dn("/C=US/Org", "\"Org\" has no '='");
    assert_bad_dn("CN=a,O", "has no '='");
    assert_bad_dn("/=x", "attribute name is missing");
}

static void test_bad_plus(void **state)
{
    (void)state;
    assert_bad_dn("CN=a+,O=b", "nothing after '+'");
    assert_bad_dn("/CN=a+/O=b", "nothing after '+'");
    assert_bad_dn("/CN=a+", "nothing after '+'");
    assert_bad_dn("/+CN=a", "empty attribute before '+'");
}

static void test_bad_rfc4514_escapes(void **state)
{
    (void)state;
    assert_bad_dn("CN=a\\qb", "bad escape");
    assert_bad_dn("CN=a\\00b", "NUL");
    assert_bad_dn("CN=#0403616263", "hex-encoded");
    assert_bad_dn("CN=a;b", "unescaped ';'");
    assert_bad_dn("CN=\"quoted\"", "unescaped '\"'");
}

static void test_bad_utf8(void **state)
{
    (void)state;
    assert_bad_dn("CN=\\C3", "CN: ");
    assert_bad_dn("/CN=\xff\xfe", "CN: ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slash_classic_trailing_slash),
        cmocka_unit_test(test_slash_with_cn),
        cmocka_unit_test(test_slash_escaped_slash),
        cmocka_unit_test(test_slash_escaped_backslash),
        cmocka_unit_test(test_slash_multi_valued),
        cmocka_unit_test(test_slash_escaped_plus_and_equals),
        cmocka_unit_test(test_slash_utf8_and_long_names),
        cmocka_unit_test(test_rfc4514_reversed),
        cmocka_unit_test(test_rfc4514_spaces),
        cmocka_unit_test(test_rfc4514_escapes),
        cmocka_unit_test(test_rfc4514_hex_escape),
        cmocka_unit_test(test_rfc4514_escaped_spaces_kept),
        cmocka_unit_test(test_rfc4514_multi_valued),
        cmocka_unit_test(test_attribute_names_any_case),
        cmocka_unit_test(test_dotted_oid_and_dc),
        cmocka_unit_test(test_common_name),
        cmocka_unit_test(test_cn_size_limit),
        cmocka_unit_test(test_country_two_letters),
        cmocka_unit_test(test_bad_empty),
        cmocka_unit_test(test_bad_empty_rdn),
        cmocka_unit_test(test_bad_unknown_attribute),
        cmocka_unit_test(test_bad_empty_value),
        cmocka_unit_test(test_bad_dangling_backslash),
        cmocka_unit_test(test_bad_missing_equals),
        cmocka_unit_test(test_bad_plus),
        cmocka_unit_test(test_bad_rfc4514_escapes),
        cmocka_unit_test(test_bad_utf8),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
