/* Unit tests of x509_decode's format sniffing on in-memory inputs (PEM with
 * a BOM, CRLF and text before the blocks, DER, PKCS#7, PKCS#12, and the
 * malformed: empty, garbage, truncated, UTF-16, a key instead of a
 * certificate), and of x509_covers_host. The certificates are made here
 * with OpenSSL (pki.h): no files needed. The path builder is test-chain.c's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include "x509/decode.h"
#include "x509/names.h"

#include "capture.h"
#include "pki.h"

/* Growing byte buffers. */
struct buf {
    unsigned char *data;
    size_t len;
};

static void buf_add(struct buf *b, const void *data, size_t len)
{
    b->data = realloc(b->data, b->len + len + 1);
    assert_non_null(b->data);
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_bio(struct buf *b, BIO *bio)
{
    char *data;
    long len = BIO_get_mem_data(bio, &data);

    buf_add(b, data, (size_t)len);
    BIO_free(bio);
}

static void buf_pem(struct buf *b, X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_mem());

    assert_true(PEM_write_bio_X509(bio, cert));
    buf_bio(b, bio);
}

static void buf_der(struct buf *b, X509 *cert)
{
    unsigned char *der = NULL;
    int len = i2d_X509(cert, &der);

    assert_true(len > 0);
    buf_add(b, der, (size_t)len);
    OPENSSL_free(der);
}

/* PKCS#7 signed data carrying certs (none: an empty bundle). */
static void buf_pkcs7(struct buf *b, int pem, X509 *first, X509 *second)
{
    PKCS7 *p7 = PKCS7_new();
    BIO *bio = BIO_new(BIO_s_mem());

    assert_true(PKCS7_set_type(p7, NID_pkcs7_signed));
    assert_true(PKCS7_content_new(p7, NID_pkcs7_data));
    if (first)
        assert_true(PKCS7_add_certificate(p7, first));
    if (second)
        assert_true(PKCS7_add_certificate(p7, second));
    assert_true(pem ? PEM_write_bio_PKCS7(bio, p7) : i2d_PKCS7_bio(bio, p7));
    PKCS7_free(p7);
    buf_bio(b, bio);
}

/* Decodes b; with expect_ok, no message; else exactly one line on stderr
 * that contains needle. */
static void decode_expect(struct buf *b, int expect_ok, const char *needle,
                          const struct secret_source *password, struct x509_bundle *out)
{
    struct capture cap;
    char err[2048];
    int rc;

    capture_start(&cap);
    rc = x509_decode(b->data, b->len, "input", password, out);
    capture_end(&cap, err, sizeof(err));
    if (expect_ok) {
        if (rc != 0)
            fail_msg("decode failed: %s", err);
        return;
    }
    assert_int_equal(rc, -1);
    assert_null(out->certs);
    if (!strstr(err, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err, needle);
    if (strchr(err, '\n') != err + strlen(err) - 1)
        fail_msg("not one line: \"%s\"", err);
}

static void expect_certs(struct buf *b, const char *format, X509 *first, X509 *second)
{
    struct x509_bundle out;

    decode_expect(b, 1, NULL, NULL, &out);
    assert_string_equal(out.format, format);
    assert_int_equal(sk_X509_num(out.certs), second ? 2 : 1);
    assert_int_equal(X509_cmp(sk_X509_value(out.certs, 0), first), 0);
    if (second)
        assert_int_equal(X509_cmp(sk_X509_value(out.certs, 1), second), 0);
    assert_null(out.key);
    x509_bundle_free(&out);
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static void expect_error(struct buf *b, const char *needle)
{
    struct x509_bundle out;

    decode_expect(b, 0, needle, NULL, &out);
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static void test_pem(void **state)
{
    struct buf b = {0};

    (void)state;
    buf_pem(&b, pki.leaf);
    expect_certs(&b, "PEM", pki.leaf, NULL);

    buf_pem(&b, pki.leaf);
    buf_pem(&b, pki.inter);
    expect_certs(&b, "PEM", pki.leaf, pki.inter);
}

static void test_pem_bom_crlf_text(void **state)
{
    struct buf pem = {0}, b = {0};

    (void)state;
    buf_pem(&pem, pki.leaf);
    buf_pem(&pem, pki.inter);
    buf_add(&b, "\xef\xbb\xbf", 3);
    buf_str(&b, "Subject: www.example.com\r\nIssued by: Test Intermediate\r\n\r\n");
    for (size_t i = 0; i < pem.len; i++) {
        if (pem.data[i] == '\n')
            buf_str(&b, "\r\n");
        else
            buf_add(&b, &pem.data[i], 1);
    }
    buf_str(&b, "\r\nThank you for your order.\r\n");
    free(pem.data);
    expect_certs(&b, "PEM", pki.leaf, pki.inter);
}

static void test_pem_trusted_certificate(void **state)
{
    struct buf b = {0};
    BIO *bio = BIO_new(BIO_s_mem());

    (void)state;
    assert_true(X509_add1_trust_object(pki.root, OBJ_nid2obj(NID_server_auth)));
    assert_true(PEM_write_bio_X509_AUX(bio, pki.root));
    X509_trust_clear(pki.root);
    buf_bio(&b, bio);
    assert_non_null(strstr((char *)b.data, "BEGIN TRUSTED CERTIFICATE"));
    expect_certs(&b, "PEM", pki.root, NULL);
}

static void test_der(void **state)
{
    struct buf b = {0};

    (void)state;
    buf_der(&b, pki.leaf);
    expect_certs(&b, "DER", pki.leaf, NULL);

    buf_der(&b, pki.leaf);
    buf_der(&b, pki.inter);
    expect_certs(&b, "DER", pki.leaf, pki.inter);
}

static void test_pkcs7(void **state)
{
    struct buf b = {0};

    (void)state;
    buf_pkcs7(&b, 0, pki.leaf, pki.inter);
    expect_certs(&b, "PKCS#7", pki.leaf, pki.inter);
    buf_pkcs7(&b, 1, pki.leaf, pki.inter);
    expect_certs(&b, "PKCS#7", pki.leaf, pki.inter);
    buf_pkcs7(&b, 0, NULL, NULL);
    expect_error(&b, "holds no certificates");
    buf_pkcs7(&b, 1, NULL, NULL);
    expect_error(&b, "holds no certificates");
}

static void test_pkcs12(void **state)
{
    STACK_OF(X509) *cas = sk_X509_new_null();
    struct secret_source none = {0}, env = {0};
    struct x509_bundle out;
    struct buf b = {0};
    PKCS12 *p12;
    BIO *bio = BIO_new(BIO_s_mem());

    (void)state;
    sk_X509_push(cas, pki.inter);
    p12 = PKCS12_create("s3cret-for-test", "leaf", pki.leaf_key, pki.leaf, cas, 0, 0, 0, 0, 0);
    assert_non_null(p12);
    assert_true(i2d_PKCS12_bio(bio, p12));
    PKCS12_free(p12);
    sk_X509_free(cas);
    buf_bio(&b, bio);

    env.kind = SECRET_SOURCE_ENV;
    strcpy(env.path, "P11CERT_TEST_PFX_PASSWORD");
    setenv("P11CERT_TEST_PFX_PASSWORD", "s3cret-for-test", 1);
    decode_expect(&b, 1, NULL, &env, &out);
    assert_string_equal(out.format, "PKCS#12");
    assert_int_equal(sk_X509_num(out.certs), 2);
    assert_int_equal(X509_cmp(sk_X509_value(out.certs, 0), pki.leaf), 0);
    assert_non_null(out.key);
    assert_int_equal(EVP_PKEY_eq(out.key, pki.leaf_key), 1);
    x509_bundle_free(&out);

    setenv("P11CERT_TEST_PFX_PASSWORD", "wrong", 1);
    decode_expect(&b, 0, "wrong password", &env, &out);
    decode_expect(&b, 0, "needs a password: give --password-source", &none, &out);
    decode_expect(&b, 0, "needs a password: give --password-source", NULL, &out);
    unsetenv("P11CERT_TEST_PFX_PASSWORD");
    free(b.data);
}

static void test_empty(void **state)
{
    struct buf b = {0};

    (void)state;
    buf_add(&b, "", 0);
    expect_error(&b, "empty");
    buf_add(&b, "\xef\xbb\xbf", 3);
    expect_error(&b, "empty");
}

static void test_garbage(void **state)
{
    static const unsigned char binary[] = {0x01, 0x02, 0xff, 0x00, 0x13, 0x37, 0x42, 0x99};
    struct buf b = {0};

    (void)state;
    buf_add(&b, binary, sizeof(binary));
    expect_error(&b, "neither PEM nor DER");
    buf_str(&b, "hello, this is not a certificate\n");
    expect_error(&b, "without a \"-----BEGIN\" PEM line");
    buf_str(&b, "-----BEGIN CERTIFICATE-----\n!!!! not base64 !!!!\n-----END CERTIFICATE-----\n");
    expect_error(&b, "input");
    buf_str(&b, "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n");
    expect_error(&b, "not a valid certificate");
    /* A DER SEQUENCE that is none of the structures. */
    buf_add(&b, "\x30\x03\x02\x01\x05", 5);
    expect_error(&b, "not a certificate, PKCS#7 or PKCS#12");
}

static void test_truncated(void **state)
{
    struct buf full = {0}, b = {0};

    (void)state;
    buf_der(&full, pki.leaf);
    buf_add(&b, full.data, full.len / 2);
    expect_error(&b, "truncated DER");
    buf_add(&b, full.data, full.len - 1);
    expect_error(&b, "truncated DER");
    /* A whole certificate and then a piece of another. */
    buf_add(&b, full.data, full.len);
    buf_add(&b, full.data, 10);
    expect_error(&b, "not a certificate");
    free(full.data);
}

static void test_utf16(void **state)
{
    struct buf pem = {0}, b = {0};

    (void)state;
    buf_pem(&pem, pki.leaf);
    for (int variant = 0; variant < 3; variant++) {
        if (variant == 0)
            buf_add(&b, "\xff\xfe", 2);
        else if (variant == 1)
            buf_add(&b, "\xfe\xff", 2);
        for (size_t i = 0; i < pem.len; i++) {
            unsigned char pair[2] = {0, 0};
            pair[variant == 1 ? 1 : 0] = pem.data[i];
            buf_add(&b, pair, 2);
        }
        expect_error(&b, "UTF-16");
    }
    free(pem.data);
}

static void test_private_key(void **state)
{
    struct buf b = {0};
    BIO *bio = BIO_new(BIO_s_mem());
    unsigned char *der = NULL;
    int len;

    (void)state;
    assert_true(PEM_write_bio_PrivateKey(bio, pki.leaf_key, NULL, NULL, 0, NULL, NULL));
    buf_bio(&b, bio);
    expect_error(&b, "holds a private key, not a certificate");

    len = i2d_PrivateKey(pki.leaf_key, &der);
    assert_true(len > 0);
    buf_add(&b, der, (size_t)len);
    OPENSSL_clear_free(der, (size_t)len);
    expect_error(&b, "holds a private key, not a certificate");

    /* A key and a certificate: the certificate is read. */
    bio = BIO_new(BIO_s_mem());
    assert_true(PEM_write_bio_PrivateKey(bio, pki.leaf_key, NULL, NULL, 0, NULL, NULL));
    buf_bio(&b, bio);
    buf_pem(&b, pki.leaf);
    {
        struct x509_bundle out;
        struct capture cap;
        char err[512];

        capture_start(&cap);
        assert_int_equal(x509_decode(b.data, b.len, "input", NULL, &out), 0);
        capture_end(&cap, err, sizeof(err));
        assert_int_equal(sk_X509_num(out.certs), 1);
        assert_null(out.key);
        x509_bundle_free(&out);
    }
    free(b.data);
}

static void test_covers_host(void **state)
{
    X509 *cn_only = make_cert("cn.example.com", pki.leaf_key, pki.inter, pki.inter_key, 0, NULL, 9);
    X509 *dns_ip = make_cert("x", pki.leaf_key, pki.inter, pki.inter_key, 0, "DNS:192.0.2.9", 10);

    (void)state;
    assert_true(x509_covers_host(pki.leaf, "www.example.com"));
    assert_true(x509_covers_host(pki.leaf, "WWW.Example.COM"));
    assert_true(x509_covers_host(pki.leaf, "www.example.com."));
    assert_true(x509_covers_host(pki.leaf, "v1.api.example.com"));
    assert_false(x509_covers_host(pki.leaf, "a.v1.api.example.com"));
    assert_false(x509_covers_host(pki.leaf, "api.example.com"));
    assert_false(x509_covers_host(pki.leaf, "example.com"));
    assert_false(x509_covers_host(pki.leaf, "mail.example.com"));
    assert_true(x509_covers_host(pki.leaf, "192.0.2.1"));
    assert_false(x509_covers_host(pki.leaf, "192.0.2.2"));
    assert_false(x509_covers_host(pki.leaf, ""));
    assert_false(x509_covers_host(cn_only, "cn.example.com"));
    assert_false(x509_covers_host(dns_ip, "192.0.2.9"));
    X509_free(cn_only);
    X509_free(dns_ip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pem),
        cmocka_unit_test(test_pem_bom_crlf_text),
        cmocka_unit_test(test_pem_trusted_certificate),
        cmocka_unit_test(test_der),
        cmocka_unit_test(test_pkcs7),
        cmocka_unit_test(test_pkcs12),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_private_key),
        cmocka_unit_test(test_covers_host),
    };

    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
