/* Unit tests of PKCS#12 decoding on files made here with OpenSSL's
 * PKCS12_add_* calls (no files, small iteration counts) and then edited as
 * DER: which key of several is kept (the one whose certificate the file
 * holds) and which are refused; iteration counts over the limits, refused
 * before any key derivation; a MAC that is damaged, has a count of 0 or an
 * algorithm OpenSSL lacks, each told apart from a wrong password. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pkcs12.h>

#include "x509/decode.h"

#include "capture.h"
#include "pki.h"

#define PASSWORD "p12-unit-password"

/* Iteration counts whose DER encodings (02 03 xx xx xx) occur once in a
 * file, so that a test can find and edit them. */
#define KEY_ITER  0x012345
#define PART_ITER 0x012346
#define MAC_ITER  0x012347

struct der {
    unsigned char *data;
    int len;
};

/* A PFX: the certificates in one encrypted part, the keys (shrouded) in a
 * plain part, a SHA-256 MAC (mac: 0 for none). */
static struct der make_pfx(EVP_PKEY *const *keys, int n_keys, X509 *const *certs, int n_certs,
                           int mac)
{
    STACK_OF(PKCS7) *safes = NULL;
    STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
    struct der der = {NULL, 0};
    PKCS12 *p12;

    for (int i = 0; i < n_certs; i++)
        assert_non_null(PKCS12_add_cert(&bags, certs[i]));
    if (n_certs) {
        assert_non_null(PKCS12_add_safe(&safes, bags, NID_aes_256_cbc, PART_ITER, PASSWORD));
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
        bags = NULL;
    }
    for (int i = 0; i < n_keys; i++)
        assert_non_null(PKCS12_add_key(&bags, keys[i], 0, KEY_ITER, NID_aes_256_cbc, PASSWORD));
    if (n_keys) {
        assert_non_null(PKCS12_add_safe(&safes, bags, -1, 0, NULL));
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    }
    p12 = PKCS12_add_safes(safes, 0);
    assert_non_null(p12);
    sk_PKCS7_pop_free(safes, PKCS7_free);
    if (mac)
        assert_true(PKCS12_set_mac(p12, PASSWORD, -1, NULL, 0, MAC_ITER, EVP_sha256()));
    der.len = i2d_PKCS12(p12, &der.data);
    assert_true(der.len > 0);
    PKCS12_free(p12);
    return der;
}

/* Every INTEGER value iter in der becomes top << 16 | (iter & 0xffff);
 * returns how many there were. */
static int set_iterations(struct der *der, long iter, unsigned char top)
{
    const unsigned char pattern[] = {0x02, 0x03, (unsigned char)(iter >> 16),
                                     (unsigned char)(iter >> 8), (unsigned char)iter};
    int found = 0;

    for (int i = 0; i + 5 <= der->len; i++)
        if (memcmp(der->data + i, pattern, 5) == 0) {
            der->data[i + 2] = top;
            found++;
        }
    return found;
}

/* The bytes of needle in der, changed to their value xor'd with flip at
 * offset at. */
static void flip(struct der *der, const unsigned char *needle, size_t len, size_t at,
                 unsigned char bits)
{
    unsigned char *p = memmem(der->data, (size_t)der->len, needle, len);

    assert_non_null(p);
    p[at] ^= bits;
}

/* Decodes der with password (NULL: none given). With needle NULL it must
 * succeed; else fail with one line holding needle. */
static void decode(const struct der *der, const char *password, const char *needle,
                   struct x509_bundle *out)
{
    struct secret_source src = {0};
    struct capture cap;
    char err[2048];
    int rc;

    if (password) {
        src.kind = SECRET_SOURCE_ENV;
        strcpy(src.path, "P11CERT_TEST_PFX_PASSWORD");
        setenv("P11CERT_TEST_PFX_PASSWORD", password, 1);
    }
    capture_start(&cap);
    rc = x509_decode(der->data, (size_t)der->len, "t.p12", password ? &src : NULL, out);
    capture_end(&cap, err, sizeof(err));
    if (!needle) {
        if (rc != 0)
            fail_msg("decode failed: %s", err);
        return;
    }
    assert_int_equal(rc, -1);
    if (!strstr(err, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err, needle);
    if (strchr(err, '\n') != err + strlen(err) - 1)
        fail_msg("not one line: \"%s\"", err);
}

static void test_one_key(void **state)
{
    struct der der = make_pfx(&pki.leaf_key, 1, (X509 *[]){pki.inter, pki.leaf}, 2, 1);
    struct x509_bundle out;

    (void)state;
    decode(&der, PASSWORD, NULL, &out);
    assert_int_equal(EVP_PKEY_eq(out.key, pki.leaf_key), 1);
    /* the key's certificate first */
    assert_int_equal(X509_cmp(sk_X509_value(out.certs, 0), pki.leaf), 0);
    assert_int_equal(sk_X509_num(out.certs), 2);
    x509_bundle_free(&out);
    OPENSSL_free(der.data);
}

static void test_two_keys_certificate_of_second(void **state)
{
    struct der der = make_pfx((EVP_PKEY *[]){pki.inter_key, pki.leaf_key}, 2, &pki.leaf, 1, 1);
    struct x509_bundle out;

    (void)state;
    decode(&der, PASSWORD, NULL, &out);
    assert_int_equal(EVP_PKEY_eq(out.key, pki.leaf_key), 1);
    assert_int_equal(X509_cmp(sk_X509_value(out.certs, 0), pki.leaf), 0);
    x509_bundle_free(&out);
    OPENSSL_free(der.data);
}

static void test_two_keys_refused(void **state)
{
    struct der both = make_pfx((EVP_PKEY *[]){pki.inter_key, pki.leaf_key}, 2,
                               (X509 *[]){pki.leaf, pki.inter}, 2, 1);
    struct der neither = make_pfx((EVP_PKEY *[]){pki.inter_key, pki.leaf_key}, 2, &pki.root, 1, 1);
    struct x509_bundle out;

    (void)state;
    decode(&both, PASSWORD,
           "2 private keys with their certificates (the key of Test Intermediate, the key of "
           "www.example.com)",
           &out);
    decode(&neither, PASSWORD, "2 private keys (EC P-256, EC P-256) and the certificate of none",
           &out);
    OPENSSL_free(both.data);
    OPENSSL_free(neither.data);
}

static void test_iterations_over_the_limit(void **state)
{
    struct der der;
    struct x509_bundle out;

    (void)state;
    der = make_pfx(&pki.leaf_key, 1, &pki.leaf, 1, 1);
    assert_int_equal(set_iterations(&der, MAC_ITER, 0x7f), 1);
    decode(&der, PASSWORD, "the MAC asks for 8332103 PKCS#12 KDF iterations, over the limit", &out);
    OPENSSL_free(der.data);

    der = make_pfx(&pki.leaf_key, 1, &pki.leaf, 1, 1);
    assert_int_equal(set_iterations(&der, PART_ITER, 0x7f), 1);
    decode(&der, PASSWORD, "the encrypted part 1 asks for 8332102 PBKDF2 iterations", &out);
    /* refused before any password is needed */
    decode(&der, NULL, "the encrypted part 1 asks for 8332102 PBKDF2 iterations", &out);
    OPENSSL_free(der.data);

    der = make_pfx(&pki.leaf_key, 1, &pki.leaf, 1, 1);
    assert_int_equal(set_iterations(&der, KEY_ITER, 0x7f), 1);
    decode(&der, PASSWORD, "the private key in part 2 asks for 8332101 PBKDF2 iterations", &out);
    OPENSSL_free(der.data);

    /* each under the limit, all of them together over it */
    der = make_pfx((EVP_PKEY *[]){pki.leaf_key, pki.leaf_key, pki.leaf_key, pki.leaf_key,
                                  pki.leaf_key, pki.leaf_key, pki.leaf_key, pki.leaf_key,
                                  pki.leaf_key},
                   9, &pki.leaf, 1, 1);
    assert_int_equal(set_iterations(&der, KEY_ITER, 0x0f), 9);
    assert_int_equal(set_iterations(&der, PART_ITER, 0x0f), 1);
    assert_int_equal(set_iterations(&der, MAC_ITER, 0x0f), 1);
    decode(&der, PASSWORD, "its key derivations add up to more than 10000000 iterations", &out);
    OPENSSL_free(der.data);
}

static void test_mac_problems(void **state)
{
    static const unsigned char sha256_oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                               0x65, 0x03, 0x04, 0x02, 0x01};
    struct der der;
    struct x509_bundle out;
    const unsigned char *p;
    PKCS12 *p12;
    const ASN1_OCTET_STRING *mac = NULL;
    const ASN1_INTEGER *iter = NULL;

    (void)state;
    /* a damaged MAC: the password still decrypts the contents */
    der = make_pfx(&pki.leaf_key, 1, &pki.leaf, 1, 1);
    p = der.data;
    p12 = d2i_PKCS12(NULL, &p, der.len);
    PKCS12_get0_mac(&mac, NULL, NULL, NULL, p12);
    flip(&der, ASN1_STRING_get0_data(mac), (size_t)ASN1_STRING_length(mac), 0, 0x01);
    PKCS12_free(p12);
    decode(&der, PASSWORD, "its MAC does not verify, yet the password decrypts its contents", &out);
    decode(&der, "not-the-password", "wrong password (the PKCS#12 integrity check fails)", &out);
    decode(&der, NULL, "needs a password: give --password-source", &out);
    OPENSSL_free(der.data);

    /* an iteration count of 0, set in the decoded file and encoded again */
    der = make_pfx(&pki.leaf_key, 1, &pki.leaf, 1, 1);
    p = der.data;
    p12 = d2i_PKCS12(NULL, &p, der.len);
    PKCS12_get0_mac(NULL, NULL, NULL, &iter, p12);
    assert_true(ASN1_INTEGER_set((ASN1_INTEGER *)iter, 0));
    OPENSSL_free(der.data);
    der.data = NULL;
    der.len = i2d_PKCS12(p12, &der.data);
    PKCS12_free(p12);
    decode(&der, PASSWORD, "the MAC has an iteration count of 0, and it must be at least 1", &out);
    OPENSSL_free(der.data);

    /* an algorithm OpenSSL does not know (2.16.840.1.101.3.4.2.127) */
    der = make_pfx(&pki.leaf_key, 1, &pki.leaf, 1, 1);
    flip(&der, sha256_oid, sizeof(sha256_oid), sizeof(sha256_oid) - 1, 0x7e);
    decode(&der, PASSWORD, "its MAC uses 2.16.840.1.101.3.4.2.127, an algorithm OpenSSL cannot",
           &out);
    OPENSSL_free(der.data);
}

static void test_no_mac(void **state)
{
    struct der der = make_pfx(&pki.leaf_key, 1, &pki.leaf, 1, 0);
    struct x509_bundle out;

    (void)state;
    decode(&der, PASSWORD, NULL, &out);
    assert_int_equal(EVP_PKEY_eq(out.key, pki.leaf_key), 1);
    x509_bundle_free(&out);
    decode(&der, "not-the-password", "the PKCS#12 contents cannot be decrypted", &out);
    OPENSSL_free(der.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_key),
        cmocka_unit_test(test_two_keys_certificate_of_second),
        cmocka_unit_test(test_two_keys_refused),
        cmocka_unit_test(test_iterations_over_the_limit),
        cmocka_unit_test(test_mac_problems),
        cmocka_unit_test(test_no_mac),
    };
    int rc = cmocka_run_group_tests(tests, setup_pki, teardown_pki);

    unsetenv("P11CERT_TEST_PFX_PASSWORD");
    return rc;
}
