/* Key-pair generation with a minimal, explicit template (ARCHITECTURE.md):
 * token objects, private and sensitive, never extractable, for signing and
 * verifying only. Real HSMs refuse all-usages-true templates. What the token
 * made is read back and checked; a pair that fails the check is destroyed. */
#include "token.h"

#include <stdio.h>
#include <string.h>

#include "msg.h"

static CK_MECHANISM_TYPE keygen_mechanism(CK_KEY_TYPE type)
{
    switch (type) {
    case CKK_RSA:
        return CKM_RSA_PKCS_KEY_PAIR_GEN;
    case CKK_EC:
        return CKM_EC_KEY_PAIR_GEN;
    default:
        return CKM_EC_EDWARDS_KEY_PAIR_GEN;
    }
}

/* The private half must be what we asked for, whatever the token's defaults. */
static int check_private_half(struct token_ctx *ctx, const struct token_key *key)
{
    CK_BBOOL sensitive = CK_FALSE, extractable = CK_TRUE, sign = CK_FALSE,
             never_extractable = CK_FALSE;
    CK_ATTRIBUTE attrs[] = {
        {CKA_SENSITIVE, &sensitive, sizeof(sensitive)},
        {CKA_EXTRACTABLE, &extractable, sizeof(extractable)},
        {CKA_SIGN, &sign, sizeof(sign)},
        {CKA_NEVER_EXTRACTABLE, &never_extractable, sizeof(never_extractable)},
    };

    if (token_get_attributes(ctx, key->priv, attrs, 4) < 0)
        return -1;
    if (!sensitive || extractable || !sign || attrs[0].ulValueLen == CK_UNAVAILABLE_INFORMATION ||
        attrs[1].ulValueLen == CK_UNAVAILABLE_INFORMATION) {
        errorf("the token did not honour the key template (sensitive=%d extractable=%d "
               "sign=%d); the key pair was removed",
               sensitive, extractable, sign);
        return -1;
    }
    if (attrs[3].ulValueLen != CK_UNAVAILABLE_INFORMATION && !never_extractable)
        warnf("the token reports CKA_NEVER_EXTRACTABLE false for a key generated on it");
    return 0;
}

/* The public value, as token_find_key would read it. */
static int read_public_half(struct token_ctx *ctx, struct token_key *key)
{
    struct token_pubkey *pk = &key->pubkey;
    CK_ATTRIBUTE attrs[] = {
        {CKA_MODULUS, pk->modulus, sizeof(pk->modulus)},
        {CKA_PUBLIC_EXPONENT, pk->exponent, sizeof(pk->exponent)},
        {CKA_EC_PARAMS, pk->ec_params, sizeof(pk->ec_params)},
        {CKA_EC_POINT, pk->ec_point, sizeof(pk->ec_point)},
    };
    int rsa = pk->type == CKK_RSA;
    CK_ATTRIBUTE *want = rsa ? attrs : attrs + 2;

    if (token_get_attributes(ctx, key->pub, want, 2) < 0)
        return -1;
    if (want[0].ulValueLen == CK_UNAVAILABLE_INFORMATION ||
        want[1].ulValueLen == CK_UNAVAILABLE_INFORMATION) {
        errorf("the token did not return the new public key's value");
        return -1;
    }
    if (rsa) {
        pk->modulus_len = attrs[0].ulValueLen;
        pk->exponent_len = attrs[1].ulValueLen;
    } else {
        pk->ec_params_len = attrs[2].ulValueLen;
        pk->ec_point_len = attrs[3].ulValueLen;
    }
    return 0;
}

int token_generate_key_pair(struct token_ctx *ctx, const struct token_keygen *spec,
                            struct token_key *key)
{
    static const unsigned char f4[] = {0x01, 0x00, 0x01};
    CK_MECHANISM mech = {keygen_mechanism(spec->type), NULL, 0};
    CK_ULONG label_len = strlen(spec->label);
    CK_ATTRIBUTE pub[TOKEN_KEY_POLICY_SIZE + 6], priv[TOKEN_KEY_POLICY_SIZE + 4];
    CK_ULONG n_pub = 0, n_priv = 0;
    CK_RV rv;
    int ret = -1;

    memset(key, 0, sizeof(*key));
    key->priv = key->pub = CK_INVALID_HANDLE;
    key->pubkey.type = spec->type;

    token_key_policy(priv, &n_priv, pub, &n_pub);
    pub[n_pub++] = (CK_ATTRIBUTE){CKA_LABEL, (void *)spec->label, label_len};
    priv[n_priv++] = (CK_ATTRIBUTE){CKA_LABEL, (void *)spec->label, label_len};
    if (spec->id) {
        pub[n_pub++] = (CK_ATTRIBUTE){CKA_ID, (void *)spec->id, spec->id_len};
        priv[n_priv++] = (CK_ATTRIBUTE){CKA_ID, (void *)spec->id, spec->id_len};
    }
    if (spec->type == CKK_RSA) {
        pub[n_pub++] = (CK_ATTRIBUTE){CKA_MODULUS_BITS, (void *)&spec->bits, sizeof(spec->bits)};
        pub[n_pub++] = (CK_ATTRIBUTE){CKA_PUBLIC_EXPONENT, (void *)f4, sizeof(f4)};
    } else {
        pub[n_pub++] = (CK_ATTRIBUTE){CKA_EC_PARAMS, (void *)spec->ec_params, spec->ec_params_len};
    }

    rv = ctx->slot.module->fn->C_GenerateKeyPair(ctx->session, &mech, pub, n_pub, priv, n_priv,
                                                 &key->pub, &key->priv);
    if (rv != CKR_OK) {
        key->pub = key->priv = CK_INVALID_HANDLE;
        errorf("key generation failed: C_GenerateKeyPair: %s", token_rv_name(rv));
        goto cleanup;
    }
    if (check_private_half(ctx, key) < 0 || read_public_half(ctx, key) < 0)
        goto cleanup;
    snprintf(key->label, sizeof(key->label), "%s", spec->label);
    if (spec->id) {
        memcpy(key->id, spec->id, spec->id_len);
        key->id_len = spec->id_len;
    }
    ret = 0;
cleanup:
    if (ret != 0)
        token_destroy_key(ctx, key);
    return ret;
}

int token_set_key_id(struct token_ctx *ctx, struct token_key *key, const unsigned char *id,
                     CK_ULONG id_len)
{
    CK_ATTRIBUTE attr = {CKA_ID, (void *)id, id_len};
    CK_OBJECT_HANDLE halves[2] = {key->pub, key->priv};

    for (int i = 0; i < 2; i++) {
        CK_RV rv = ctx->slot.module->fn->C_SetAttributeValue(ctx->session, halves[i], &attr, 1);

        if (rv != CKR_OK) {
            errorf("cannot set the key's id: C_SetAttributeValue: %s", token_rv_name(rv));
            hintf("give --id HEX so that the id is set at generation");
            return -1;
        }
    }
    memcpy(key->id, id, id_len);
    key->id_len = id_len;
    return 0;
}

void token_destroy_key(struct token_ctx *ctx, const struct token_key *key)
{
    if (key->pub != CK_INVALID_HANDLE)
        ctx->slot.module->fn->C_DestroyObject(ctx->session, key->pub);
    if (key->priv != CK_INVALID_HANDLE)
        ctx->slot.module->fn->C_DestroyObject(ctx->session, key->priv);
}
