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
