/* Public keys from token attributes to OpenSSL EVP_PKEY, and the key id
 * convention (SHA-1 of the public value). */
#include "signer/pubkey.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include "util/msg.h"
#include "x509/x509.h"

/* CKA_EC_POINT is a DER OCTET STRING around the point on most tokens and
 * the raw point on a few: take whichever this is. */
static const unsigned char *ec_point_raw(const struct token_pubkey *pk, size_t *len,
                                         ASN1_OCTET_STRING **holder)
{
    const unsigned char *p = pk->ec_point;

    *holder = d2i_ASN1_OCTET_STRING(NULL, &p, (long)pk->ec_point_len);
    if (*holder && p == pk->ec_point + pk->ec_point_len) {
        *len = (size_t)ASN1_STRING_length(*holder);
        return ASN1_STRING_get0_data(*holder);
    }
    ASN1_OCTET_STRING_free(*holder);
    *holder = NULL;
    *len = pk->ec_point_len;
    return pk->ec_point;
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;

    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

static EVP_PKEY *rsa_from_token(const struct token_pubkey *pk)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *n = BN_bin2bn(pk->modulus, (int)pk->modulus_len, NULL);
    BIGNUM *e = BN_bin2bn(pk->exponent, (int)pk->exponent_len, NULL);
    EVP_PKEY *pkey = NULL;

    if (bld && n && e && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
        pkey = from_params("RSA", bld);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return pkey;
}

static EVP_PKEY *ec_from_token(const struct token_pubkey *pk)
{
    ASN1_OCTET_STRING *holder = NULL;
    size_t len;
    const unsigned char *point = ec_point_raw(pk, &len, &holder);
    int nid = x509_curve_nid(pk->ec_params, pk->ec_params_len);
    EVP_PKEY *pkey = NULL;

    if (nid == NID_ED25519 || pk->type == CKK_EC_EDWARDS) {
        if (nid == NID_ED25519)
            pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, point, len);
    } else if (nid != NID_undef) {
        OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();

        if (bld &&
            OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, OBJ_nid2sn(nid), 0) &&
            OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, len))
            pkey = from_params("EC", bld);
        OSSL_PARAM_BLD_free(bld);
    }
    ASN1_OCTET_STRING_free(holder);
    return pkey;
}

EVP_PKEY *signer_pubkey_from_token(const struct token_pubkey *pk)
{
    EVP_PKEY *pkey = NULL;

    switch (pk->type) {
    case CKK_RSA:
        if (pk->modulus_len && pk->exponent_len)
            pkey = rsa_from_token(pk);
        break;
    case CKK_EC:
    case CKK_EC_EDWARDS:
        if (pk->ec_params_len && pk->ec_point_len)
            pkey = ec_from_token(pk);
        break;
    default:
        errorf("the key's type (CKA_KEY_TYPE 0x%lx) is not RSA, EC or EdDSA",
               (unsigned long)pk->type);
        return NULL;
    }
    if (!pkey)
        errorf("the token's public key cannot be used: %s", msg_openssl_reason());
    return pkey;
}

/* Copies an OpenSSL BIGNUM parameter big-endian into out. */
static int bn_param(EVP_PKEY *pkey, const char *name, unsigned char *out, size_t size,
                    CK_ULONG *len)
{
    BIGNUM *bn = NULL;
    int n, ok = 0;

    if (EVP_PKEY_get_bn_param(pkey, name, &bn) && (n = BN_num_bytes(bn)) > 0 && (size_t)n <= size) {
        *len = (CK_ULONG)BN_bn2bin(bn, out);
        ok = 1;
    }
    BN_free(bn);
    return ok;
}

/* The DER OCTET STRING around a raw point, as CKA_EC_POINT holds it. */
static int wrap_point(const unsigned char *point, size_t len, struct token_pubkey *pk)
{
    ASN1_OCTET_STRING *oct = ASN1_OCTET_STRING_new();
    unsigned char *p = pk->ec_point;
    int n, ok = 0;

    if (oct && len <= sizeof(pk->ec_point_raw) && ASN1_OCTET_STRING_set(oct, point, (int)len) &&
        (n = i2d_ASN1_OCTET_STRING(oct, NULL)) > 0 && (size_t)n <= sizeof(pk->ec_point)) {
        pk->ec_point_len = (CK_ULONG)i2d_ASN1_OCTET_STRING(oct, &p);
        memcpy(pk->ec_point_raw, point, len);
        pk->ec_point_raw_len = (CK_ULONG)len;
        ok = 1;
    }
    ASN1_OCTET_STRING_free(oct);
    return ok;
}

int signer_pubkey_to_token(EVP_PKEY *pkey, struct token_pubkey *pk)
{
    unsigned char point[160];
    size_t point_len = sizeof(point);
    char group[64];
    int nid, len, ok = 0;

    memset(pk, 0, sizeof(*pk));
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
        pk->type = CKK_RSA;
        ok = bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, pk->modulus, sizeof(pk->modulus),
                      &pk->modulus_len) &&
             bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, pk->exponent, sizeof(pk->exponent),
                      &pk->exponent_len);
        break;
    case EVP_PKEY_EC:
        pk->type = CKK_EC;
        ok = EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                            NULL) &&
             (nid = OBJ_sn2nid(group)) != NID_undef &&
             EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
                                             &point_len);
        if (ok && (len = x509_curve_params(nid, pk->ec_params, sizeof(pk->ec_params))) > 0)
            pk->ec_params_len = (CK_ULONG)len;
        ok = ok && pk->ec_params_len && wrap_point(point, point_len, pk);
        break;
    case EVP_PKEY_ED25519:
        pk->type = CKK_EC_EDWARDS;
        ok = EVP_PKEY_get_raw_public_key(pkey, point, &point_len) &&
             (len = x509_curve_params(NID_ED25519, pk->ec_params, sizeof(pk->ec_params))) > 0;
        if (ok)
            pk->ec_params_len = (CK_ULONG)len;
        ok = ok && wrap_point(point, point_len, pk);
        break;
    default:
        break;
    }
    if (!ok)
        errorf("the certificate's public key is not RSA, EC (P-256/384/521) or Ed25519");
    return ok ? 0 : -1;
}

int signer_pubkey_id(const struct token_pubkey *pk, unsigned char id[20])
{
    ASN1_OCTET_STRING *holder = NULL;
    const unsigned char *value;
    size_t len;

    if (pk->type == CKK_RSA) {
        value = pk->modulus;
        len = pk->modulus_len;
    } else {
        value = ec_point_raw(pk, &len, &holder);
    }
    SHA1(value, len, id);
    ASN1_OCTET_STRING_free(holder);
    return len ? 0 : -1;
}
