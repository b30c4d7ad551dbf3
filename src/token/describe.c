/* What `list` shows about one object, read in one C_GetAttributeValue. */
#include "token/token.h"

#include <string.h>

static int flag(const CK_ATTRIBUTE *attr)
{
    if (attr->ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return -1;
    return *(const CK_BBOOL *)attr->pValue ? 1 : 0;
}

int token_describe_object(struct token_ctx *ctx, CK_OBJECT_HANDLE obj, struct token_object *out)
{
    CK_BBOOL sensitive, extractable, never_extractable;
    unsigned char modulus[1024];
    CK_ATTRIBUTE attrs[] = {
        {CKA_CLASS, &out->cls, sizeof(out->cls)},
        {CKA_KEY_TYPE, &out->key_type, sizeof(out->key_type)},
        {CKA_MODULUS_BITS, &out->bits, sizeof(out->bits)},
        {CKA_MODULUS, modulus, sizeof(modulus)}, /* for tokens without CKA_MODULUS_BITS */
        {CKA_EC_PARAMS, out->ec_params, sizeof(out->ec_params)},
        {CKA_SENSITIVE, &sensitive, sizeof(sensitive)},
        {CKA_EXTRACTABLE, &extractable, sizeof(extractable)},
        {CKA_NEVER_EXTRACTABLE, &never_extractable, sizeof(never_extractable)},
        {CKA_ID, out->id, sizeof(out->id)},
        {CKA_LABEL, out->label, sizeof(out->label) - 1},
    };

    memset(out, 0, sizeof(*out));
    out->cls = (CK_OBJECT_CLASS)-1;
    if (token_get_attributes(ctx, obj, attrs, sizeof(attrs) / sizeof(attrs[0])) < 0)
        return -1;
    out->is_key = attrs[1].ulValueLen != CK_UNAVAILABLE_INFORMATION;
    if (attrs[2].ulValueLen == CK_UNAVAILABLE_INFORMATION)
        out->bits = attrs[3].ulValueLen != CK_UNAVAILABLE_INFORMATION ? attrs[3].ulValueLen * 8 : 0;
    out->ec_params_len =
        attrs[4].ulValueLen == CK_UNAVAILABLE_INFORMATION ? 0 : attrs[4].ulValueLen;
    out->sensitive = flag(&attrs[5]);
    out->extractable = flag(&attrs[6]);
    out->never_extractable = flag(&attrs[7]);
    out->id_len = attrs[8].ulValueLen == CK_UNAVAILABLE_INFORMATION ? 0 : attrs[8].ulValueLen;
    out->label[attrs[9].ulValueLen == CK_UNAVAILABLE_INFORMATION ? 0 : attrs[9].ulValueLen] = '\0';
    return 0;
}

int token_private_key_exists(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len,
                             int *exists)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_ID, (void *)id, id_len},
    };
    CK_OBJECT_HANDLE found;
    CK_ULONG n_found = 0;

    *exists = 0;
    if (token_find_objects(ctx, tmpl, 2, &found, 1, &n_found) < 0)
        return -1;
    *exists = n_found > 0;
    return 0;
}

int token_holds_key_type(struct token_ctx *ctx, CK_KEY_TYPE type, int *holds)
{
    CK_ATTRIBUTE tmpl = {CKA_KEY_TYPE, &type, sizeof(type)};
    CK_OBJECT_HANDLE found;
    CK_ULONG n_found = 0;

    *holds = 0;
    if (token_find_objects(ctx, &tmpl, 1, &found, 1, &n_found) < 0)
        return -1;
    *holds = n_found > 0;
    return 0;
}
