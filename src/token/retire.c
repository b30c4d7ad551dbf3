/* What replacing a certificate or a key pair needs: the certificate
 * objects that carry a key's id and their values, and every object of an
 * id removed. Each is one template search, never an enumeration. */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "util/msg.h"

int token_find_certificates_by_id(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len,
                                  CK_OBJECT_HANDLE *found, CK_ULONG max, CK_ULONG *n_found)
{
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_ID, (void *)id, id_len},
    };

    return token_find_objects(ctx, tmpl, 2, found, max, n_found);
}

int token_read_value(struct token_ctx *ctx, CK_OBJECT_HANDLE obj, unsigned char **value,
                     CK_ULONG *len)
{
    CK_ATTRIBUTE attr = {CKA_VALUE, NULL, 0};
    CK_RV rv;

    *value = NULL;
    *len = 0;
    /* Two calls: a certificate's size is not known before it is asked. */
    rv = ctx->slot.module->fn->C_GetAttributeValue(ctx->session, obj, &attr, 1);
    if (rv != CKR_OK || attr.ulValueLen == CK_UNAVAILABLE_INFORMATION || attr.ulValueLen == 0 ||
        attr.ulValueLen > TOKEN_VALUE_MAX) {
        errorf("cannot read the object's value: C_GetAttributeValue: %s",
               rv != CKR_OK ? token_rv_name(rv) : "no value");
        return -1;
    }
    if (!(attr.pValue = malloc(attr.ulValueLen))) {
        errorf("out of memory");
        return -1;
    }
    rv = ctx->slot.module->fn->C_GetAttributeValue(ctx->session, obj, &attr, 1);
    if (rv != CKR_OK) {
        errorf("cannot read the object's value: C_GetAttributeValue: %s", token_rv_name(rv));
        free(attr.pValue);
        return -1;
    }
    *value = attr.pValue;
    *len = attr.ulValueLen;
    return 0;
}

/* More objects than one key pair and its certificates ever have. */
#define RETIRE_MAX 16

int token_destroy_by_id(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len,
                        CK_ULONG *n_destroyed)
{
    CK_ATTRIBUTE tmpl = {CKA_ID, (void *)id, id_len};
    CK_OBJECT_HANDLE found[RETIRE_MAX];
    CK_ULONG n;

    *n_destroyed = 0;
    if (id_len == 0) {
        errorf("internal error: removing the objects of an empty id");
        return -1;
    }
    if (token_find_objects(ctx, &tmpl, 1, found, RETIRE_MAX, &n) < 0)
        return -1;
    for (CK_ULONG i = 0; i < n; i++) {
        if (token_destroy_object(ctx, found[i]) < 0)
            return -1;
        (*n_destroyed)++;
    }
    return 0;
}
