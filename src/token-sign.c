/* Signing on the token and asking it which mechanisms it has. */
#include "token.h"

#include "msg.h"

/* Mechanisms one C_GetMechanismList call is expected to cover. */
#define MECHANISMS_AT_ONCE 512

int token_has_mechanism(struct token_ctx *ctx, CK_MECHANISM_TYPE mech)
{
    CK_MECHANISM_TYPE list[MECHANISMS_AT_ONCE];
    CK_ULONG n = MECHANISMS_AT_ONCE;
    CK_RV rv = ctx->slot.module->fn->C_GetMechanismList(ctx->slot.id, list, &n);

    if (rv != CKR_OK) {
        debugf("C_GetMechanismList: %s", token_rv_name(rv));
        return 0;
    }
    for (CK_ULONG i = 0; i < n; i++) {
        if (list[i] == mech)
            return 1;
    }
    return 0;
}

int token_sign(struct token_ctx *ctx, CK_OBJECT_HANDLE key, CK_MECHANISM *mech,
               const unsigned char *data, CK_ULONG data_len, unsigned char *sig, CK_ULONG *sig_len)
{
    CK_FUNCTION_LIST *fn = ctx->slot.module->fn;
    CK_RV rv;

    rv = fn->C_SignInit(ctx->session, mech, key);
    if (rv == CKR_MECHANISM_INVALID) {
        errorf("cannot sign: the mechanism is not supported by this token (%s)", token_rv_name(rv));
        return -1;
    }
    if (rv != CKR_OK) {
        errorf("cannot sign: C_SignInit: %s", token_rv_name(rv));
        return -1;
    }
    rv = fn->C_Sign(ctx->session, (CK_BYTE *)data, data_len, sig, sig_len);
    if (rv != CKR_OK) {
        errorf("cannot sign: C_Sign: %s", token_rv_name(rv));
        return -1;
    }
    return 0;
}
