/* Keys found by their public value, and objects put on the token beside
 * them: certificates, and key pairs brought in from a PFX. Every lookup is
 * a template search on the value itself, never an enumeration. */
#include "token/token.h"

#include <stdio.h>
#include <string.h>

#include "util/msg.h"

static const CK_BBOOL yes = CK_TRUE;

/* The private half by the public half's id and type; *found says whether
 * exactly one was there. */
static int private_by_id(struct token_ctx *ctx, struct token_key *key, int *found_one)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_KEY_TYPE, &key->pubkey.type, sizeof(key->pubkey.type)},
        {CKA_ID, key->id, key->id_len},
    };
    CK_OBJECT_HANDLE found[2];
    CK_ULONG n_found;

    *found_one = 0;
    if (token_find_objects(ctx, tmpl, 3, found, 2, &n_found) < 0)
        return -1;
    if (n_found == 1) {
        key->priv = found[0];
        *found_one = 1;
    }
    return 0;
}

/* Searches class objects of key type pk->type whose attr equals value;
 * *found_one says whether there was one (in *found). */
static int find_one(struct token_ctx *ctx, CK_OBJECT_CLASS cls, CK_KEY_TYPE type,
                    CK_ATTRIBUTE_TYPE attr, const void *value, CK_ULONG len,
                    CK_OBJECT_HANDLE *found, int *found_one)
{
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_KEY_TYPE, &type, sizeof(type)},
        {attr, (void *)value, len},
    };
    CK_ULONG n_found;

    if (token_find_objects(ctx, tmpl, 3, found, 1, &n_found) < 0)
        return -1;
    *found_one = n_found == 1;
    return 0;
}

int token_find_key_by_public(struct token_ctx *ctx, const struct token_pubkey *pk,
                             struct token_key *key, int *found)
{
    CK_OBJECT_HANDLE obj;
    CK_OBJECT_CLASS cls;

    memset(key, 0, sizeof(*key));
    key->priv = key->pub = CK_INVALID_HANDLE;
    *found = 0;
    if (pk->type == CKK_RSA) {
        /* RSA private keys carry the modulus: one search finds the key. */
        if (find_one(ctx, CKO_PRIVATE_KEY, CKK_RSA, CKA_MODULUS, pk->modulus, pk->modulus_len, &obj,
                     found) < 0)
            return -1;
        if (!*found)
            return 0;
        key->priv = obj;
        return token_read_key(ctx, obj, &cls, key);
    }
    /* EC private keys do not: the public half, then its private half. */
    if (find_one(ctx, CKO_PUBLIC_KEY, pk->type, CKA_EC_POINT, pk->ec_point, pk->ec_point_len, &obj,
                 found) < 0)
        return -1;
    /* A few tokens store the raw point rather than its DER wrapping. */
    if (!*found && pk->ec_point_raw_len &&
        find_one(ctx, CKO_PUBLIC_KEY, pk->type, CKA_EC_POINT, pk->ec_point_raw,
                 pk->ec_point_raw_len, &obj, found) < 0)
        return -1;
    if (!*found)
        return 0;
    key->pub = obj;
    if (token_read_key(ctx, obj, &cls, key) < 0)
        return -1;
    return private_by_id(ctx, key, found);
}

int token_store_certificate(struct token_ctx *ctx, const struct token_certificate *cert,
                            int *already, CK_OBJECT_HANDLE *made)
{
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE type = CKC_X_509;
    CK_ULONG category = cert->authority ? 2 : 1; /* authority, or token user */
    CK_BBOOL not_private = CK_FALSE;
    CK_ATTRIBUTE tmpl[14] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_VALUE, (void *)cert->value, cert->value_len},
        {CKA_CERTIFICATE_TYPE, &type, sizeof(type)},
        {CKA_TOKEN, (void *)&yes, sizeof(yes)},
        {CKA_SUBJECT, (void *)cert->subject, cert->subject_len},
        {CKA_ISSUER, (void *)cert->issuer, cert->issuer_len},
        {CKA_SERIAL_NUMBER, (void *)cert->serial, cert->serial_len},
        {CKA_LABEL, (void *)cert->label, strlen(cert->label)},
    };
    CK_ULONG n = 8, n_found;
    CK_OBJECT_HANDLE obj;
    CK_RV rv;

    *already = 0;
    *made = CK_INVALID_HANDLE;
    if (token_find_objects(ctx, tmpl, 2, &obj, 1, &n_found) < 0)
        return -1;
    if (n_found) {
        *already = 1;
        return 0;
    }
    if (cert->id)
        tmpl[n++] = (CK_ATTRIBUTE){CKA_ID, (void *)cert->id, cert->id_len};
    /* Some tokens make objects private by default, which hides a certificate
     * from whoever looks for it before logging in; the full template says
     * what the token should not have to guess. The minimal one has nothing
     * beyond what PKCS#11 requires: openCryptoki 3.8 refuses even
     * CKA_CERTIFICATE_CATEGORY (CKR_ATTRIBUTE_TYPE_INVALID). */
    if (cert->full) {
        tmpl[n++] = (CK_ATTRIBUTE){CKA_CERTIFICATE_CATEGORY, &category, sizeof(category)};
        tmpl[n++] = (CK_ATTRIBUTE){CKA_PRIVATE, &not_private, sizeof(not_private)};
        tmpl[n++] = (CK_ATTRIBUTE){CKA_START_DATE, (void *)&cert->start_date, sizeof(CK_DATE)};
        tmpl[n++] = (CK_ATTRIBUTE){CKA_END_DATE, (void *)&cert->end_date, sizeof(CK_DATE)};
    }
    rv = ctx->slot.module->fn->C_CreateObject(ctx->session, tmpl, n, &obj);
    if (rv != CKR_OK) {
        errorf("cannot store the %scertificate \"%s\": C_CreateObject: %s",
               cert->authority ? "CA " : "", cert->label, token_rv_name(rv));
        if (cert->full && (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_VALUE_INVALID))
            hintf("the token refuses an attribute of the full certificate template: try a "
                  "token profile with cert_template = minimal");
        return -1;
    }
    *made = obj;
    return 0;
}

int token_destroy_object(struct token_ctx *ctx, CK_OBJECT_HANDLE obj)
{
    CK_RV rv;

    if (obj == CK_INVALID_HANDLE)
        return 0;
    if ((rv = ctx->slot.module->fn->C_DestroyObject(ctx->session, obj)) != CKR_OK) {
        errorf("cannot remove an object from the token: C_DestroyObject: %s", token_rv_name(rv));
        return -1;
    }
    return 0;
}

static CK_RV create(struct token_ctx *ctx, CK_ATTRIBUTE *policy, CK_ULONG n_policy,
                    CK_ATTRIBUTE *material, CK_ULONG n_material, CK_OBJECT_HANDLE *obj)
{
    CK_ATTRIBUTE tmpl[24];

    if (n_policy + n_material > sizeof(tmpl) / sizeof(tmpl[0]))
        return CKR_TEMPLATE_INCONSISTENT;
    memcpy(tmpl, policy, n_policy * sizeof(*tmpl));
    memcpy(tmpl + n_policy, material, n_material * sizeof(*tmpl));
    return ctx->slot.module->fn->C_CreateObject(ctx->session, tmpl, n_policy + n_material, obj);
}

int token_create_key_pair(struct token_ctx *ctx, CK_KEY_TYPE type, CK_ATTRIBUTE *priv_material,
                          CK_ULONG n_priv, CK_ATTRIBUTE *pub_material, CK_ULONG n_pub,
                          const char *label, const unsigned char *id, CK_ULONG id_len,
                          struct token_key *key)
{
    CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY, pub_class = CKO_PUBLIC_KEY;
    CK_ULONG label_len = strlen(label);
    CK_ATTRIBUTE priv[TOKEN_KEY_POLICY_SIZE + 4] = {
        {CKA_CLASS, &priv_class, sizeof(priv_class)},
        {CKA_KEY_TYPE, &type, sizeof(type)},
        {CKA_LABEL, (void *)label, label_len},
        {CKA_ID, (void *)id, id_len},
    };
    CK_ATTRIBUTE pub[TOKEN_KEY_POLICY_SIZE + 4] = {
        {CKA_CLASS, &pub_class, sizeof(pub_class)},
        {CKA_KEY_TYPE, &type, sizeof(type)},
        {CKA_LABEL, (void *)label, label_len},
        {CKA_ID, (void *)id, id_len},
    };
    CK_ULONG n_priv_policy = 4, n_pub_policy = 4;
    CK_RV rv;

    memset(key, 0, sizeof(*key));
    key->priv = key->pub = CK_INVALID_HANDLE;
    token_key_policy(priv, &n_priv_policy, pub, &n_pub_policy, 1);
    rv = create(ctx, priv, n_priv_policy, priv_material, n_priv, &key->priv);
    if (rv == CKR_OK)
        rv = create(ctx, pub, n_pub_policy, pub_material, n_pub, &key->pub);
    if (rv != CKR_OK)
        errorf("cannot create the key on the token: C_CreateObject: %s", token_rv_name(rv));
    if (rv != CKR_OK || token_check_key_policy(ctx, key) < 0) {
        token_destroy_key(ctx, key, 0);
        key->priv = key->pub = CK_INVALID_HANDLE;
        return -1;
    }
    memcpy(key->id, id, id_len);
    key->id_len = id_len;
    snprintf(key->label, sizeof(key->label), "%s", label);
    key->pubkey.type = type;
    return 0;
}

void token_destroy_certificates(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len)
{
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_ID, (void *)id, id_len},
    };
    CK_OBJECT_HANDLE found[8];
    CK_ULONG n_found = 0;

    if (token_find_objects(ctx, tmpl, 2, found, 8, &n_found) < 0)
        return;
    for (CK_ULONG i = 0; i < n_found; i++)
        ctx->slot.module->fn->C_DestroyObject(ctx->session, found[i]);
}
