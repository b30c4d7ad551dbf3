/* Signing on the token and asking it which mechanisms it has. */
#include "token/token.h"

#include <stdlib.h>

#include "util/msg.h"

/* Mechanisms one C_GetMechanismList call is expected to cover. */
#define MECHANISMS_AT_ONCE 512

int token_has_mechanism(struct token_ctx *ctx, CK_MECHANISM_TYPE mech)
{
    CK_MECHANISM_TYPE *list = NULL;
    CK_ULONG n = MECHANISMS_AT_ONCE;
    CK_RV rv;
    int found = 0;

    /* One call with room for any token we know of; a longer list costs a
     * second one, sized by the first. */
    for (;;) {
        CK_MECHANISM_TYPE *grown = realloc(list, (n ? n : 1) * sizeof(*list));

        if (!grown) {
            errorf("out of memory");
            goto cleanup;
        }
        list = grown;
        rv = ctx->slot.module->fn->C_GetMechanismList(ctx->slot.id, list, &n);
        if (rv != CKR_BUFFER_TOO_SMALL)
            break;
    }
    if (rv != CKR_OK) {
        warnf("the token does not list its mechanisms: C_GetMechanismList: %s", token_rv_name(rv));
        goto cleanup;
    }
    for (CK_ULONG i = 0; i < n && !found; i++)
        found = list[i] == mech;
cleanup:
    free(list);
    return found;
}

int token_mechanism_key_sizes(struct token_ctx *ctx, CK_MECHANISM_TYPE mech, CK_ULONG *min,
                              CK_ULONG *max)
{
    CK_MECHANISM_INFO info;
    CK_RV rv = ctx->slot.module->fn->C_GetMechanismInfo(ctx->slot.id, mech, &info);

    if (rv != CKR_OK) {
        debugf("C_GetMechanismInfo(0x%lx): %s", (unsigned long)mech, token_rv_name(rv));
        return 0;
    }
    *min = info.ulMinKeySize;
    *max = info.ulMaxKeySize;
    return info.ulMaxKeySize != 0;
}

int token_sign(struct token_ctx *ctx, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key,
               CK_MECHANISM *mech, const unsigned char *data, CK_ULONG data_len, unsigned char *sig,
               CK_ULONG *sig_len)
{
    CK_FUNCTION_LIST *fn = ctx->slot.module->fn;
    CK_RV rv;

    rv = fn->C_SignInit(session, mech, key);
    if (rv == CKR_MECHANISM_INVALID) {
        errorf("cannot sign: the mechanism is not supported by this token (%s)", token_rv_name(rv));
        return -1;
    }
    if (rv != CKR_OK) {
        errorf("cannot sign: C_SignInit: %s", token_rv_name(rv));
        return -1;
    }
    rv = fn->C_Sign(session, (CK_BYTE *)data, data_len, sig, sig_len);
    if (rv != CKR_OK) {
        errorf("cannot sign: C_Sign: %s", token_rv_name(rv));
        return -1;
    }
    return 0;
}
