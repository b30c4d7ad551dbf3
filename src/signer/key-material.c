/* Private-key values out of OpenSSL into PKCS#11 attributes, every byte of
 * them in one buffer that is wiped with OPENSSL_cleanse. */
#include "signer/key-material.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include "util/msg.h"
#include "signer/pubkey.h"

/* Appends a BIGNUM parameter to the secret buffer, padded to width bytes
 * when width is not 0, and to the private template. */
static int add_bn(struct signer_key_material *m, EVP_PKEY *key, const char *name,
                  CK_ATTRIBUTE_TYPE type, int width)
{
    BIGNUM *bn = NULL;
    int len, ok = 0;
    unsigned char *at = m->secret + m->used;

    if (!EVP_PKEY_get_bn_param(key, name, &bn))
        return 0;
    len = width ? width : BN_num_bytes(bn);
    if (len > 0 && m->used + (size_t)len <= sizeof(m->secret) && BN_bn2binpad(bn, at, len) == len &&
        m->n_priv < 10) {
        m->priv[m->n_priv++] = (CK_ATTRIBUTE){type, at, (CK_ULONG)len};
        m->used += (size_t)len;
        ok = 1;
    }
    BN_clear_free(bn);
    return ok;
}

static int rsa_material(struct signer_key_material *m, EVP_PKEY *key)
{
    struct token_pubkey *pk = &m->pubkey;

    m->type = CKK_RSA;
    m->pub[m->n_pub++] = (CK_ATTRIBUTE){CKA_MODULUS, pk->modulus, pk->modulus_len};
    m->pub[m->n_pub++] = (CK_ATTRIBUTE){CKA_PUBLIC_EXPONENT, pk->exponent, pk->exponent_len};
    m->priv[m->n_priv++] = (CK_ATTRIBUTE){CKA_MODULUS, pk->modulus, pk->modulus_len};
    m->priv[m->n_priv++] = (CK_ATTRIBUTE){CKA_PUBLIC_EXPONENT, pk->exponent, pk->exponent_len};
    return add_bn(m, key, OSSL_PKEY_PARAM_RSA_D, CKA_PRIVATE_EXPONENT, 0) &&
           add_bn(m, key, OSSL_PKEY_PARAM_RSA_FACTOR1, CKA_PRIME_1, 0) &&
           add_bn(m, key, OSSL_PKEY_PARAM_RSA_FACTOR2, CKA_PRIME_2, 0) &&
           add_bn(m, key, OSSL_PKEY_PARAM_RSA_EXPONENT1, CKA_EXPONENT_1, 0) &&
           add_bn(m, key, OSSL_PKEY_PARAM_RSA_EXPONENT2, CKA_EXPONENT_2, 0) &&
           add_bn(m, key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, CKA_COEFFICIENT, 0);
}

static int ec_material(struct signer_key_material *m, EVP_PKEY *key)
{
    struct token_pubkey *pk = &m->pubkey;
    size_t raw_len = sizeof(m->secret) - m->used;

    m->type = pk->type;
    m->pub[m->n_pub++] = (CK_ATTRIBUTE){CKA_EC_PARAMS, pk->ec_params, pk->ec_params_len};
    m->pub[m->n_pub++] = (CK_ATTRIBUTE){CKA_EC_POINT, pk->ec_point, pk->ec_point_len};
    m->priv[m->n_priv++] = (CK_ATTRIBUTE){CKA_EC_PARAMS, pk->ec_params, pk->ec_params_len};
    if (pk->type == CKK_EC)
        return add_bn(m, key, OSSL_PKEY_PARAM_PRIV_KEY, CKA_VALUE,
                      (EVP_PKEY_get_bits(key) + 7) / 8);
    if (!EVP_PKEY_get_raw_private_key(key, m->secret + m->used, &raw_len))
        return 0;
    m->priv[m->n_priv++] = (CK_ATTRIBUTE){CKA_VALUE, m->secret + m->used, (CK_ULONG)raw_len};
    m->used += raw_len;
    return 1;
}

int signer_key_material(EVP_PKEY *key, struct signer_key_material *m)
{
    int ok;

    memset(m, 0, sizeof(*m));
    if (signer_pubkey_to_token(key, &m->pubkey) < 0)
        return -1;
    ok = m->pubkey.type == CKK_RSA ? rsa_material(m, key) : ec_material(m, key);
    if (!ok) {
        errorf("cannot read the private key's values: %s", msg_openssl_reason());
        signer_key_material_wipe(m);
        return -1;
    }
    return 0;
}

void signer_key_material_wipe(struct signer_key_material *m)
{
    OPENSSL_cleanse(m->secret, sizeof(m->secret));
    m->used = 0;
    m->n_priv = 0;
}
