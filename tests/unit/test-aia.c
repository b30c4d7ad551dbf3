/* Unit tests of x509/aia.h: the caIssuers URL taken from a certificate's
 * Authority Information Access extension (http and https only; OCSP
 * entries, ldap:, other name types, unprintable bytes, long URLs and a
 * damaged extension skipped), and the issuer check a fetched certificate
 * must pass (name, key identifier, key usage, signature). The certificates
 * are made in memory (pki.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "x509/aia.h"

#include "pki.h"

/* One access description of an AIA extension under test. */
struct entry {
    int method;        /* NID_ad_ca_issuers or NID_ad_OCSP */
    int type;          /* GEN_URI or GEN_DNS */
    const char *value; /* the bytes of the name */
    size_t len;        /* 0: strlen(value) */
};

/* A copy of cert, re-read from its DER (fresh extension caches). */
static X509 *reparsed(X509 *cert)
{
    X509 *copy = X509_dup(cert);

    assert_non_null(copy);
    return copy;
}

/* The leaf with an AIA extension of the n entries, signed again. */
static X509 *leaf_with(const struct entry *entries, size_t n)
{
    AUTHORITY_INFO_ACCESS *aia = sk_ACCESS_DESCRIPTION_new_null();
    X509 *cert = X509_dup(pki.leaf), *out;

    assert_non_null(aia);
    assert_non_null(cert);
    for (size_t i = 0; i < n; i++) {
        ACCESS_DESCRIPTION *ad = ACCESS_DESCRIPTION_new();
        ASN1_IA5STRING *text = ASN1_IA5STRING_new();
        size_t len = entries[i].len ? entries[i].len : strlen(entries[i].value);

        assert_non_null(ad);
        assert_non_null(text);
        assert_true(ASN1_STRING_set(text, entries[i].value, (int)len));
        ASN1_OBJECT_free(ad->method);
        ad->method = OBJ_nid2obj(entries[i].method);
        GENERAL_NAME_set0_value(ad->location, entries[i].type, text);
        assert_true(sk_ACCESS_DESCRIPTION_push(aia, ad) > 0);
    }
    assert_int_equal(X509_add1_ext_i2d(cert, NID_info_access, aia, 0, X509V3_ADD_REPLACE), 1);
    assert_true(X509_sign(cert, pki.inter_key, EVP_sha256()) > 0);
    AUTHORITY_INFO_ACCESS_free(aia);
    out = reparsed(cert);
    X509_free(cert);
    return out;
}

/* The URL x509_ca_issuers_url takes from entries ("" for none). */
static void assert_url(const struct entry *entries, size_t n, const char *expected)
{
    char url[X509_AIA_URL_MAX + 1];
    X509 *cert = leaf_with(entries, n);
    int found = x509_ca_issuers_url(cert, url, sizeof(url));

    assert_int_equal(found, expected[0] != '\0');
    assert_string_equal(url, expected);
    assert_int_equal(ERR_peek_error(), 0);
    X509_free(cert);
}

static void test_url_none(void **state)
{
    char url[64] = "left over";

    (void)state;
    assert_int_equal(x509_ca_issuers_url(pki.leaf, url, sizeof(url)), 0);
    assert_string_equal(url, "");
}

static void test_url_http_https(void **state)
{
    const struct entry http[] = {{NID_ad_ca_issuers, GEN_URI, "http://ca.example/int.cer", 0}};
    const struct entry https[] = {{NID_ad_ca_issuers, GEN_URI, "https://ca.example/i.p7c", 0}};
    const struct entry upper[] = {{NID_ad_ca_issuers, GEN_URI, "HTTP://CA.EXAMPLE/INT.CER", 0}};

    (void)state;
    assert_url(http, 1, "http://ca.example/int.cer");
    assert_url(https, 1, "https://ca.example/i.p7c");
    assert_url(upper, 1, "HTTP://CA.EXAMPLE/INT.CER");
}

/* OCSP entries, ldap: and other schemes, and other name types are passed
 * over for the first usable caIssuers URL. */
static void test_url_first_usable(void **state)
{
    const struct entry mixed[] = {
        {NID_ad_OCSP, GEN_URI, "http://ocsp.example/", 0},
        {NID_ad_ca_issuers, GEN_URI, "ldap://ldap.example/cn=CA?cACertificate", 0},
        {NID_ad_ca_issuers, GEN_DNS, "http://dns-name.example/", 0},
        {NID_ad_ca_issuers, GEN_URI, "ftp://ftp.example/ca.cer", 0},
        {NID_ad_ca_issuers, GEN_URI, "http://ca.example/second.cer", 0},
        {NID_ad_ca_issuers, GEN_URI, "http://ca.example/third.cer", 0},
    };
    const struct entry ocsp_only[] = {{NID_ad_OCSP, GEN_URI, "http://ocsp.example/", 0}};
    const struct entry ldap_only[] = {{NID_ad_ca_issuers, GEN_URI, "ldap://x.example/", 0}};

    (void)state;
    assert_url(mixed, 6, "http://ca.example/second.cer");
    assert_url(ocsp_only, 1, "");
    assert_url(ldap_only, 1, "");
}

/* Bytes a URL cannot hold, a scheme with nothing after it. */
static void test_url_malformed(void **state)
{
    const struct entry space[] = {{NID_ad_ca_issuers, GEN_URI, "http://ca.example/a b.cer", 0}};
    const struct entry control[] = {{NID_ad_ca_issuers, GEN_URI, "http://ca.example/\001.cer", 0}};
    const struct entry high[] = {{NID_ad_ca_issuers, GEN_URI, "http://ca.example/\377.cer", 0}};
    const struct entry nul[] = {{NID_ad_ca_issuers, GEN_URI, "http://ca\0.example/", 19}};
    const struct entry bare[] = {{NID_ad_ca_issuers, GEN_URI, "http://", 0}};
    const struct entry bare_s[] = {{NID_ad_ca_issuers, GEN_URI, "https://", 0}};
    const struct entry newline[] = {
        {NID_ad_ca_issuers, GEN_URI, "http://ca.example/\n", 0},
        {NID_ad_ca_issuers, GEN_URI, "http://ca.example/ok.cer", 0},
    };

    (void)state;
    assert_url(space, 1, "");
    assert_url(control, 1, "");
    assert_url(high, 1, "");
    assert_url(nul, 1, "");
    assert_url(bare, 1, "");
    assert_url(bare_s, 1, "");
    assert_url(newline, 2, "http://ca.example/ok.cer");
}

/* X509_AIA_URL_MAX bytes are taken, one more is not; a buffer too small
 * for the URL is none rather than a cut URL. */
static void test_url_length(void **state)
{
    char *longest = malloc(X509_AIA_URL_MAX + 2), url[32];
    struct entry e = {NID_ad_ca_issuers, GEN_URI, NULL, 0};
    const struct entry fits[] = {{NID_ad_ca_issuers, GEN_URI, "http://a.example/x", 0}};
    X509 *cert;

    (void)state;
    assert_non_null(longest);
    memset(longest, 'a', X509_AIA_URL_MAX + 1);
    memcpy(longest, "http://", 7);
    longest[X509_AIA_URL_MAX] = '\0';
    e.value = longest;
    assert_url(&e, 1, longest);
    longest[X509_AIA_URL_MAX] = 'a';
    longest[X509_AIA_URL_MAX + 1] = '\0';
    assert_url(&e, 1, "");
    free(longest);

    cert = leaf_with(fits, 1);
    assert_int_equal(x509_ca_issuers_url(cert, url, 18), 0);
    assert_string_equal(url, "");
    assert_int_equal(x509_ca_issuers_url(cert, url, 19), 1);
    assert_string_equal(url, "http://a.example/x");
    X509_free(cert);
}

/* An AIA extension whose value is not an AUTHORITY_INFO_ACCESS: none, and
 * OpenSSL's error queue left empty. */
static void test_url_damaged(void **state)
{
    static const unsigned char junk[] = {0x04, 0x03, 0x01, 0x02, 0x03};
    ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext;
    X509 *cert = X509_dup(pki.leaf), *copy;
    char url[64];

    (void)state;
    assert_non_null(value);
    assert_true(ASN1_OCTET_STRING_set(value, junk, sizeof(junk)));
    ext = X509_EXTENSION_create_by_NID(NULL, NID_info_access, 0, value);
    assert_non_null(ext);
    assert_true(X509_add_ext(cert, ext, -1));
    assert_true(X509_sign(cert, pki.inter_key, EVP_sha256()) > 0);
    copy = reparsed(cert);
    ERR_clear_error();
    assert_int_equal(x509_ca_issuers_url(copy, url, sizeof(url)), 0);
    assert_string_equal(url, "");
    assert_int_equal(ERR_peek_error(), 0);
    X509_free(copy);
    X509_free(cert);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(value);
}

static void assert_contains(const char *text, const char *needle)
{
    if (!text || !strstr(text, needle))
        fail_msg("\"%s\" lacks \"%s\"", text ? text : "(null)", needle);
}

/* The intermediate's name with another key: its key identifier is the
 * intermediate's when same_ski, else its own. */
static X509 *impostor(EVP_PKEY *key, int same_ski, const char *key_usage)
{
    X509 *cert = make_cert("Test Intermediate", key, pki.root, pki.root_key, 1, NULL, 301), *out;

    if (same_ski)
        assert_int_equal(X509_add1_ext_i2d(cert, NID_subject_key_identifier,
                                           (void *)X509_get0_subject_key_id(pki.inter), 0,
                                           X509V3_ADD_REPLACE),
                         1);
    if (key_usage) {
        X509V3_CTX ctx;
        X509_EXTENSION *ext;

        X509V3_set_ctx(&ctx, pki.root, cert, NULL, NULL, 0);
        ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage, key_usage);
        assert_non_null(ext);
        assert_true(X509_add_ext(cert, ext, -1));
        X509_EXTENSION_free(ext);
    }
    assert_true(X509_sign(cert, pki.root_key, EVP_sha256()) > 0);
    out = reparsed(cert);
    X509_free(cert);
    return out;
}

static void test_issued_by(void **state)
{
    EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *forged = impostor(other, 1, NULL), *own_ski = impostor(other, 0, NULL);
    X509 *no_sign = impostor(pki.inter_key, 1, "critical,digitalSignature");
    const char *why = "unset";

    (void)state;
    assert_non_null(other);
    assert_int_equal(x509_issued_by(pki.leaf, pki.inter, &why), 1);
    assert_null(why);
    assert_int_equal(x509_issued_by(pki.inter, pki.root, NULL), 1);
    /* Another CA altogether. */
    assert_int_equal(x509_issued_by(pki.leaf, pki.root, &why), 0);
    assert_contains(why, "its subject is not the issuer");
    /* The right name, another key and key identifier. */
    assert_int_equal(x509_issued_by(pki.leaf, own_ski, &why), 0);
    assert_contains(why, "key identifier");
    /* The right name and key identifier, another key: only the signature
     * tells. */
    assert_int_equal(x509_issued_by(pki.leaf, forged, &why), 0);
    assert_string_equal(why, "the signature does not verify with its key");
    /* The right key, but not allowed to sign certificates. */
    assert_int_equal(x509_issued_by(pki.leaf, no_sign, &why), 0);
    assert_contains(why, "key usage");
    /* The leaf issued nothing. */
    assert_int_equal(x509_issued_by(pki.inter, pki.leaf, &why), 0);
    assert_non_null(why);
    assert_int_equal(ERR_peek_error(), 0);
    X509_free(forged);
    X509_free(own_ski);
    X509_free(no_sign);
    EVP_PKEY_free(other);
}

static void test_find_issuer(void **state)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    const char *why = NULL;

    (void)state;
    assert_non_null(certs);
    assert_null(x509_find_issuer(certs, pki.leaf, &why));
    assert_string_equal(why, "there is no certificate");
    assert_true(sk_X509_push(certs, pki.root) > 0);
    assert_null(x509_find_issuer(certs, pki.leaf, &why));
    assert_contains(why, "its subject is not the issuer");
    /* A PKCS#7 answer may hold more than the issuer: it is found among them. */
    assert_true(sk_X509_push(certs, pki.inter) > 0);
    assert_ptr_equal(x509_find_issuer(certs, pki.leaf, &why), pki.inter);
    assert_ptr_equal(x509_find_issuer(certs, pki.inter, NULL), pki.root);
    sk_X509_free(certs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_none),         cmocka_unit_test(test_url_http_https),
        cmocka_unit_test(test_url_first_usable), cmocka_unit_test(test_url_malformed),
        cmocka_unit_test(test_url_length),       cmocka_unit_test(test_url_damaged),
        cmocka_unit_test(test_issued_by),        cmocka_unit_test(test_find_issuer),
    };

    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
