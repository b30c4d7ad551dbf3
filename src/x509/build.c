/* Requests and self-signed certificates, assembled with OpenSSL 3 and left
 * unsigned for signer.c. */
#include "x509/x509.h"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "util/hostname.h"
#include "util/msg.h"
#include "x509/parse.h"

int x509_sans_default(const X509_NAME *subject, GENERAL_NAMES **sans, int *added)
{
    const char *cn = x509_name_common_name(subject);
    char why[128], san[300];
    GENERAL_NAME *name;

    *added = 0;
    if (*sans && sk_GENERAL_NAME_num(*sans) > 0)
        return 0;
    if (!cn || hostname_check(cn, HOSTNAME_ALLOW_WILDCARD, why, sizeof(why)) < 0)
        return 0;
    snprintf(san, sizeof(san), "DNS:%s", cn);
    name = x509_san_parse(san, why, sizeof(why));
    if (!name)
        return 0;
    if (!*sans && !(*sans = sk_GENERAL_NAME_new_null())) {
        GENERAL_NAME_free(name);
        return -1;
    }
    if (!sk_GENERAL_NAME_push(*sans, name)) {
        GENERAL_NAME_free(name);
        return -1;
    }
    *added = 1;
    return 0;
}

/* Copies an encoded SubjectPublicKeyInfo into to, as bytes: no key object
 * is made (OpenSSL 3.0 runs its encoders for every X509_PUBKEY_set). */
static int copy_spki(X509_PUBKEY *to, X509_PUBKEY *from)
{
    ASN1_OBJECT *alg;
    const unsigned char *key;
    int key_len, ptype;
    X509_ALGOR *algor;
    const void *pval;
    void *param = NULL;
    unsigned char *bytes;

    if (!to || !X509_PUBKEY_get0_param(NULL, &key, &key_len, &algor, from))
        return 0;
    X509_ALGOR_get0((const ASN1_OBJECT **)&alg, &ptype, &pval, algor);
    if (ptype == V_ASN1_OBJECT)
        param = OBJ_dup(pval);
    else if (ptype == V_ASN1_SEQUENCE)
        param = ASN1_STRING_dup(pval);
    else if (ptype != V_ASN1_NULL && ptype != V_ASN1_UNDEF)
        return 0;
    if ((ptype == V_ASN1_OBJECT || ptype == V_ASN1_SEQUENCE) && !param)
        return 0;
    if (!(bytes = OPENSSL_memdup(key, (size_t)key_len)) ||
        !X509_PUBKEY_set0_param(to, OBJ_dup(alg), ptype, param, bytes, key_len)) {
        OPENSSL_free(bytes);
        return 0;
    }
    return 1;
}

X509_PUBKEY *x509_spki_new(EVP_PKEY *pubkey)
{
    X509_PUBKEY *spki = NULL;

    if (!X509_PUBKEY_set(&spki, pubkey)) {
        errorf("cannot encode the public key: %s", msg_openssl_reason());
        return NULL;
    }
    return spki;
}

X509_REQ *x509_request_new(const X509_NAME *subject, const GENERAL_NAMES *sans, EVP_PKEY *pubkey)
{
    return x509_request_new_spki(subject, sans, pubkey, NULL);
}

X509_REQ *x509_request_new_spki(const X509_NAME *subject, const GENERAL_NAMES *sans,
                                EVP_PKEY *pubkey, X509_PUBKEY *spki)
{
    X509_REQ *req = X509_REQ_new();
    STACK_OF(X509_EXTENSION) *exts = NULL;
    int ok =
        req && X509_REQ_set_version(req, X509_REQ_VERSION_1) &&
        X509_REQ_set_subject_name(req, subject) &&
        (spki ? copy_spki(X509_REQ_get_X509_PUBKEY(req), spki) : X509_REQ_set_pubkey(req, pubkey));

    if (ok && sans && sk_GENERAL_NAME_num(sans) > 0) {
        ok = X509V3_add1_i2d(&exts, NID_subject_alt_name, (void *)sans, 0, X509V3_ADD_DEFAULT) ==
                 1 &&
             X509_REQ_add_extensions(req, exts);
    }
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    if (!ok) {
        errorf("cannot build the request: %s", msg_openssl_reason());
        X509_REQ_free(req);
        return NULL;
    }
    return req;
}

static int add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    int ok = ext && X509_add_ext(cert, ext, -1);

    X509_EXTENSION_free(ext);
    return ok;
}

/* A positive 128-bit random serial (RFC 5280: at most 20 octets, and CAs
 * use at least 64 random bits). */
static int set_random_serial(X509 *cert)
{
    unsigned char bytes[16];
    BIGNUM *bn = NULL;
    int ok;

    if (RAND_bytes(bytes, sizeof(bytes)) != 1)
        return 0;
    bytes[0] &= 0x7f;
    bytes[0] |= 0x40; /* no leading zero octet: always 16 octets */
    bn = BN_bin2bn(bytes, sizeof(bytes), NULL);
    ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
    BN_free(bn);
    return ok;
}

X509 *x509_selfsigned_new(const X509_NAME *subject, const GENERAL_NAMES *sans, EVP_PKEY *pubkey,
                          unsigned long days)
{
    X509 *cert = X509_new();
    X509V3_CTX ctx;
    int ok = cert && X509_set_version(cert, X509_VERSION_3) && set_random_serial(cert) &&
             X509_set_issuer_name(cert, subject) && X509_set_subject_name(cert, subject) &&
             X509_gmtime_adj(X509_getm_notBefore(cert), 0) &&
             X509_time_adj_ex(X509_getm_notAfter(cert), (int)days, 0, NULL) &&
             X509_set_pubkey(cert, pubkey);

    if (ok) {
        X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
        ok = add_ext(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
             add_ext(cert, &ctx, NID_key_usage, "critical,digitalSignature") &&
             add_ext(cert, &ctx, NID_ext_key_usage, "serverAuth") &&
             add_ext(cert, &ctx, NID_subject_key_identifier, "hash");
    }
    if (ok && sans && sk_GENERAL_NAME_num(sans) > 0)
        ok = X509_add1_ext_i2d(cert, NID_subject_alt_name, (void *)sans, 0, X509V3_ADD_DEFAULT);
    if (!ok) {
        errorf("cannot build the certificate: %s", msg_openssl_reason());
        X509_free(cert);
        return NULL;
    }
    return cert;
}
