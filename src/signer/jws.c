/* JWS signatures and JWKs from a token key (signer/jws.h). */
#include "signer/jws.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "signer/internal.h"
#include "util/base64url.h"
#include "util/msg.h"

/* The curves JWA (RFC 7518, 3.4) signs with, by OpenSSL's group name. */
static const struct {
    const char *group, *crv, *alg, *hash;
    size_t coord_len;
} curves[] = {
    {"prime256v1", "P-256", "ES256", "sha256", 32},
    {"secp384r1", "P-384", "ES384", "sha384", 48},
    {"secp521r1", "P-521", "ES512", "sha512", 66},
};

static int curve_index(EVP_PKEY *pkey)
{
    char group[64];
    size_t len = 0;

    if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        &len))
        return -1;
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
        if (strcmp(group, curves[i].group) == 0)
            return (int)i;
    return -1;
}

int signer_jws_init(struct signer_jws *j, struct token_ctx *ctx, const struct token_key *key)
{
    int curve;

    memset(j, 0, sizeof(*j));
    if (key->pubkey.type == CKK_EC_EDWARDS) {
        errorf("an Ed25519 key cannot be an ACME account key: CAs take ES256, ES384 and RS256");
        hintf("make one with: p11cert keygen TOKEN-URI --label acme-account --type ec:p256");
        return -1;
    }
    if (signer_init(&j->signer, ctx, key, "sha256", 0) < 0)
        return -1;
    if (key->pubkey.type == CKK_RSA) {
        j->alg = "RS256";
        return 0;
    }
    if ((curve = curve_index(j->signer.pubkey)) < 0) {
        errorf("the account key's curve has no JWS algorithm: use P-256, P-384 or P-521");
        signer_jws_free(j);
        return -1;
    }
    if (strcmp(curves[curve].hash, "sha256") != 0) {
        signer_free(&j->signer);
        if (signer_init(&j->signer, ctx, key, curves[curve].hash, 0) < 0)
            return -1;
    }
    j->alg = curves[curve].alg;
    j->coord_len = curves[curve].coord_len;
    return 0;
}

void signer_jws_free(struct signer_jws *j)
{
    signer_free(&j->signer);
}

/* A big number's minimal big-endian bytes, base64url: JWK's form for n and e. */
static json_t *bn_member(EVP_PKEY *pkey, const char *param)
{
    BIGNUM *bn = NULL;
    unsigned char bytes[1024];
    char *text = NULL;
    json_t *value = NULL;
    int len;

    if (EVP_PKEY_get_bn_param(pkey, param, &bn) && (len = BN_num_bytes(bn)) > 0 &&
        (size_t)len <= sizeof(bytes) && BN_bn2bin(bn, bytes) == len &&
        (text = base64url_encode(bytes, (size_t)len)))
        value = json_string(text);
    free(text);
    BN_free(bn);
    return value;
}

static json_t *ec_jwk(const struct signer_jws *j)
{
    unsigned char point[1 + 2 * 66];
    size_t len = 0;
    char *x = NULL, *y = NULL;
    json_t *jwk = NULL;
    int curve = curve_index(j->signer.pubkey);

    /* The uncompressed point: 0x04, then x and y, each coord_len bytes. */
    if (curve >= 0 &&
        EVP_PKEY_get_octet_string_param(j->signer.pubkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                        sizeof(point), &len) &&
        len == 1 + 2 * j->coord_len && point[0] == 0x04 &&
        (x = base64url_encode(point + 1, j->coord_len)) &&
        (y = base64url_encode(point + 1 + j->coord_len, j->coord_len)))
        jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", curves[curve].crv, "x", x, "y",
                        y);
    free(x);
    free(y);
    return jwk;
}

json_t *signer_jws_jwk(const struct signer_jws *j)
{
    json_t *jwk;

    if (j->coord_len)
        jwk = ec_jwk(j);
    else
        jwk = json_pack("{s:s, s:o*, s:o*}", "kty", "RSA", "n",
                        bn_member(j->signer.pubkey, OSSL_PKEY_PARAM_RSA_N), "e",
                        bn_member(j->signer.pubkey, OSSL_PKEY_PARAM_RSA_E));
    if (!jwk || (!j->coord_len && (!json_object_get(jwk, "n") || !json_object_get(jwk, "e")))) {
        errorf("cannot express the account key as a JWK: %s", msg_openssl_reason());
        json_decref(jwk);
        return NULL;
    }
    return jwk;
}

int signer_jws_thumbprint(const struct signer_jws *j, char out[SIGNER_THUMBPRINT_SIZE])
{
    json_t *jwk = signer_jws_jwk(j);
    unsigned char hash[32];
    char *canonical = NULL, *text = NULL;
    int ret = -1;

    /* jansson's compact, key-sorted form is RFC 7638's: members in
     * lexicographic order, no white space. */
    if (!jwk || !(canonical = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS)) ||
        !EVP_Digest(canonical, strlen(canonical), hash, NULL, EVP_sha256(), NULL) ||
        !(text = base64url_encode(hash, sizeof(hash))) || strlen(text) >= SIGNER_THUMBPRINT_SIZE) {
        if (jwk)
            errorf("cannot compute the account key's thumbprint: out of memory");
        goto cleanup;
    }
    memcpy(out, text, strlen(text) + 1);
    ret = 0;
cleanup:
    free(text);
    free(canonical);
    json_decref(jwk);
    return ret;
}

/* r||s from the token, each half left-padded to coord_len (PKCS#11 says the
 * halves are the order's length; a token that drops leading zeros is
 * forgiven). */
static int pad_ecdsa(const struct signer_jws *j, unsigned char *sig, CK_ULONG *len)
{
    unsigned char fixed[2 * 66];
    CK_ULONG half = *len / 2;

    if (*len % 2 != 0 || half > j->coord_len)
        return -1;
    memset(fixed, 0, sizeof(fixed));
    memcpy(fixed + j->coord_len - half, sig, half);
    memcpy(fixed + 2 * j->coord_len - half, sig + half, half);
    *len = 2 * j->coord_len;
    memcpy(sig, fixed, *len);
    return 0;
}

static int verify(const struct signer_jws *j, const void *input, size_t len,
                  const unsigned char *sig, CK_ULONG sig_len)
{
    unsigned char der[SIGNATURE_MAX];
    CK_ULONG der_len = sig_len;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    int ok = 0;

    memcpy(der, sig, sig_len);
    if (mctx && (!j->coord_len || signer_ecdsa_to_der(der, &der_len) == 0) &&
        EVP_DigestVerifyInit(mctx, NULL, j->signer.md, NULL, j->signer.pubkey) == 1)
        ok = EVP_DigestVerify(mctx, der, der_len, input, len) == 1;
    EVP_MD_CTX_free(mctx);
    return ok;
}

int signer_jws_sign(struct signer_jws *j, const void *input, size_t len, unsigned char *sig,
                    size_t *sig_len)
{
    unsigned char raw[SIGNATURE_MAX];
    CK_ULONG raw_len;

    if (signer_sign_tbs(&j->signer, input, len, raw, &raw_len, 0) < 0)
        return -1;
    if (j->coord_len && pad_ecdsa(j, raw, &raw_len) < 0) {
        errorf("the token's ECDSA signature has %lu bytes, not 2 x %zu", (unsigned long)raw_len,
               j->coord_len);
        return -1;
    }
    if (!verify(j, input, len, raw, raw_len)) {
        errorf("the token's signature does not verify with the account key's public half: %s",
               msg_openssl_reason());
        return -1;
    }
    if (raw_len > SIGNER_JWS_SIG_MAX) {
        errorf("the token's signature is longer than %d bytes", SIGNER_JWS_SIG_MAX);
        return -1;
    }
    memcpy(sig, raw, raw_len);
    *sig_len = raw_len;
    return 0;
}
