/* Sessions and logging in: where the PIN comes from, PIN-pad readers, and a
 * wrong or locked PIN explained with the token's own flags. */
#include "token/token.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "token/internal.h"
#include "token/profile.h"
#include "util/msg.h"

/* Where the PIN comes from, in order: --pin-source, the URI's pin-value,
 * the URI's pin-source, a prompt when stdin is a terminal. */
static int pin_source_for(const struct token_ctx *ctx, const struct token_config *config,
                          struct secret_source *src, const char **value)
{
    const char *uri_source = p11_kit_uri_get_pin_source(ctx->uri);
    char why[256];

    *value = NULL;
    if (config->pin_source.kind != SECRET_SOURCE_NONE) {
        *src = config->pin_source;
        return 0;
    }
    if ((*value = p11_kit_uri_get_pin_value(ctx->uri)) != NULL)
        return 0;
    if (uri_source) {
        if (secret_source_parse(uri_source, 1, src, why, sizeof(why)) < 0) {
            errorf("bad pin-source in the URI: %s", why);
            return -1;
        }
        return 0;
    }
    if (isatty(STDIN_FILENO)) {
        memset(src, 0, sizeof(*src));
        src->kind = SECRET_SOURCE_PROMPT;
        return 0;
    }
    memset(src, 0, sizeof(*src));
    src->kind = SECRET_SOURCE_NONE;
    return 0;
}

/* The token family's own hint for rv, if its profile has one (a TPM's
 * "PIN locked" is a dictionary-attack lockout, not a PIN to unblock). */
static int profile_hint(struct token_ctx *ctx, const struct token_config *config, CK_RV rv)
{
    struct token_profile profile;

    return token_profile_for_slot(config, &ctx->slot, &profile) == 0 &&
           token_profile_hintf(&profile, rv);
}

static void explain_login_failure(struct token_ctx *ctx, const struct token_config *config,
                                  CK_RV rv, const char *label)
{
    CK_TOKEN_INFO info;
    CK_FLAGS flags = ctx->slot.info.flags;

    /* The counters moved with this attempt: read them again. */
    if (ctx->slot.module->fn->C_GetTokenInfo(ctx->slot.id, &info) == CKR_OK)
        flags = info.flags;
    if (rv == CKR_PIN_LOCKED || (flags & CKF_USER_PIN_LOCKED)) {
        errorf("login to token \"%s\" failed: %s: the user PIN is locked", label,
               token_rv_name(rv));
        if (!profile_hint(ctx, config, CKR_PIN_LOCKED))
            hintf("the security officer must unblock it (e.g. pkcs11-tool --init-pin --login "
                  "--login-type so)");
    } else if (rv == CKR_PIN_INCORRECT) {
        errorf("login to token \"%s\" failed: %s", label, token_rv_name(rv));
        if (profile_hint(ctx, config, rv))
            return;
        if (flags & CKF_USER_PIN_FINAL_TRY)
            hintf("one try is left before the token locks the PIN; check the PIN source");
        else if (flags & CKF_USER_PIN_COUNT_LOW)
            hintf("the token reports few tries left (PIN count low); check the PIN source");
        else
            hintf("check the PIN source (--pin-source, or pin-source= in the URI)");
    } else {
        errorf("login to token \"%s\" failed: C_Login: %s", label, token_rv_name(rv));
        profile_hint(ctx, config, rv);
    }
}

int token_login(struct token_ctx *ctx, const struct token_config *config, unsigned needs)
{
    CK_FUNCTION_LIST *fn = ctx->slot.module->fn;
    struct secret_source src;
    struct secret pin = {NULL, 0};
    const char *value = NULL;
    struct token_names names;
    char what[80];
    CK_RV rv;
    int ret = -1;

    token_info_names(&ctx->slot.info, &names);
    if (!(ctx->slot.info.flags & CKF_LOGIN_REQUIRED))
        return 0;
    if (ctx->slot.info.flags & CKF_PROTECTED_AUTHENTICATION_PATH) {
        notef("enter the user PIN of token \"%s\" on the reader's PIN pad", names.label);
        rv = fn->C_Login(ctx->session, CKU_USER, NULL, 0);
        goto check;
    }
    if (pin_source_for(ctx, config, &src, &value) < 0)
        return -1;
    if (!value && src.kind == SECRET_SOURCE_NONE) {
        if (!(needs & TOKEN_NEEDS_LOGIN)) {
            notef("not logged in (no PIN source): private objects are not shown");
            return 0;
        }
        errorf("token \"%s\" needs the user PIN and there is no terminal to ask for it",
               names.label);
        hintf("give --pin-source file:PATH, env:NAME or fd:N (or pin-source= in the URI)");
        return -1;
    }
    snprintf(what, sizeof(what), "user PIN of token \"%s\"", names.label);
    if (value ? secret_set(&pin, value) < 0 : secret_read(&src, what, &pin) < 0)
        goto cleanup;
    if (value) {
        /* The URI's pin-value is p11-kit's copy: wipe it, not only free it. */
        OPENSSL_cleanse((char *)value, strlen(value));
        p11_kit_uri_set_pin_value(ctx->uri, NULL);
        value = NULL;
    }
    rv = fn->C_Login(ctx->session, CKU_USER, (CK_UTF8CHAR *)pin.data, (CK_ULONG)pin.len);
    if (rv == CKR_OK && (needs & TOKEN_KEEP_PIN)) {
        ctx->pin = pin; /* token_ctx_free wipes it */
        pin.data = NULL;
        pin.len = 0;
    }
    secret_wipe(&pin);
check:
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        explain_login_failure(ctx, config, rv, names.label);
        goto cleanup;
    }
    ctx->logged_in = 1;
    ret = 0;
cleanup:
    secret_wipe(&pin);
    return ret;
}

int token_relogin(struct token_ctx *ctx)
{
    CK_FUNCTION_LIST *fn = ctx->slot.module->fn;
    CK_RV rv;

    if (!ctx->logged_in || !ctx->pin.data) {
        errorf("cannot log in again: the PIN was not kept");
        return -1;
    }
    if ((rv = fn->C_Logout(ctx->session)) != CKR_OK)
        debugf("C_Logout: %s", token_rv_name(rv));
    ctx->logged_in = 0;
    rv = fn->C_Login(ctx->session, CKU_USER, (CK_UTF8CHAR *)ctx->pin.data, (CK_ULONG)ctx->pin.len);
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        errorf("cannot log in again: C_Login: %s", token_rv_name(rv));
        return -1;
    }
    ctx->logged_in = 1;
    return 0;
}
