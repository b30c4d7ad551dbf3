/* Unit-test helper: certificates made in memory with OpenSSL (EC P-256 keys,
 * no files), and the small hierarchy root -> intermediate -> leaf that the
 * tests share. Included by the test files that need certificates (after
 * cmocka.h); main runs its tests with setup_pki and teardown_pki. */
#ifndef P11CERT_TEST_PKI_H
#define P11CERT_TEST_PKI_H

#include <openssl/evp.h>
#include <openssl/x509v3.h>

/* root "CN=Test Root" -> inter "CN=Test Intermediate" -> leaf
 * "CN=www.example.com" (DNS:www.example.com, DNS:*.api.example.com,
 * IP:192.0.2.1). */
struct pki {
    EVP_PKEY *root_key, *inter_key, *leaf_key;
    X509 *root, *inter, *leaf;
};

static struct pki pki;

#define PKI_DAY 86400L

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;

    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(ext);
    assert_true(X509_add_ext(cert, ext, -1));
    X509_EXTENSION_free(ext);
}

/* A certificate for key named cn, valid from not_before to not_after
 * (seconds from now), with the name and key identifier of issuer (NULL:
 * itself) and signed by issuer_key (NULL: key) — which need not be the
 * issuer's key, for a signature that does not verify. */
static X509 *make_cert_dated(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                             int ca, const char *san, long serial, long not_before, long not_after)
{
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();

    assert_non_null(cert);
    assert_true(X509_set_version(cert, X509_VERSION_3));
    assert_true(ASN1_INTEGER_set(X509_get_serialNumber(cert), serial));
    assert_true(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
                                           -1, 0));
    assert_true(X509_set_subject_name(cert, name));
    assert_true(X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name));
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(cert), not_before));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(cert), not_after));
    assert_true(X509_set_pubkey(cert, key));
    add_ext(cert, issuer ? issuer : cert, NID_basic_constraints,
            ca ? "critical,CA:TRUE" : "CA:FALSE");
    add_ext(cert, issuer ? issuer : cert, NID_subject_key_identifier, "hash");
    if (issuer)
        add_ext(cert, issuer, NID_authority_key_identifier, "keyid:always");
    if (san)
        add_ext(cert, cert, NID_subject_alt_name, san);
    assert_true(X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    X509_NAME_free(name);
    return cert;
}

/* The same, valid from an hour ago for 30 days. */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, int ca,
                       const char *san, long serial)
{
    return make_cert_dated(cn, key, issuer, issuer_key, ca, san, serial, -3600, 30 * PKI_DAY);
}

static int setup_pki(void **state)
{
    (void)state;
    pki.root_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    pki.inter_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    pki.leaf_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!pki.root_key || !pki.inter_key || !pki.leaf_key)
        return -1;
    pki.root = make_cert("Test Root", pki.root_key, NULL, NULL, 1, NULL, 1);
    pki.inter = make_cert("Test Intermediate", pki.inter_key, pki.root, pki.root_key, 1, NULL, 2);
    pki.leaf = make_cert("www.example.com", pki.leaf_key, pki.inter, pki.inter_key, 0,
                         "DNS:www.example.com,DNS:*.api.example.com,IP:192.0.2.1", 3);
    return 0;
}

static int teardown_pki(void **state)
{
    (void)state;
    X509_free(pki.root);
    X509_free(pki.inter);
    X509_free(pki.leaf);
    EVP_PKEY_free(pki.root_key);
    EVP_PKEY_free(pki.inter_key);
    EVP_PKEY_free(pki.leaf_key);
    return 0;
}

#endif
