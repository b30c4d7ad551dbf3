/* Opening a session on the one token a URI selects, logging in as the
 * operation needs, and forgetting a session that someone else closed. */
#include "token/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/internal.h"
#include "util/msg.h"

/* Registered modules skipped because they cannot initialize may hold the
 * token that was not found: name them (-v says why). */
static void hint_skipped(const struct token_ctx *ctx)
{
    char list[256] = "";
    size_t used = 0, n = 0;

    for (size_t i = 0; i < ctx->n_modules; i++) {
        int w;

        if (ctx->modules[i].usable)
            continue;
        n++;
        w = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "",
                     ctx->modules[i].name);
        if (w > 0 && (size_t)w < sizeof(list) - used)
            used += (size_t)w;
    }
    if (n)
        hintf("%zu registered module(s) could not be initialized and were skipped: %s (-v says "
              "why)",
              n, list);
}

static void hint_candidates(struct token_slot *slots, size_t n)
{
    char list[512] = "";
    struct token_names names;
    size_t used = 0;

    for (size_t i = 0; i < n && used < sizeof(list); i++) {
        token_info_names(&slots[i].info, &names);
        int w = snprintf(list + used, sizeof(list) - used, "%s\"%s\" (%s)", i ? ", " : "",
                         names.label, slots[i].module->name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    hintf("the candidates are %s", list);
}

int token_open(struct token_ctx *ctx, const struct token_config *config, unsigned needs)
{
    struct token_slot *slots = NULL;
    size_t n_slots = 0;
    int ret = -1;
    char *searched = NULL;

    if (token_find_slots(ctx, 0, &slots, &n_slots) < 0)
        goto cleanup;
    if (n_slots != 1) {
        searched = token_uri_display(ctx->uri, P11_KIT_URI_FOR_TOKEN | P11_KIT_URI_FOR_MODULE);
        if (n_slots == 0) {
            errorf("no initialized token matches \"%s\" in %zu module(s)",
                   searched ? searched : "pkcs11:", ctx->n_modules);
            hintf("'p11cert tokens' lists the tokens and their URIs");
            hint_skipped(ctx);
        } else {
            errorf("\"%s\" matches %zu tokens; add token= (or serial=) to the URI to pick one",
                   searched ? searched : "pkcs11:", n_slots);
            hint_candidates(slots, n_slots);
        }
        goto cleanup;
    }
    ret = token_open_slot(ctx, config, &slots[0], needs);
cleanup:
    free(searched);
    free(slots);
    return ret;
}

int token_open_slot(struct token_ctx *ctx, const struct token_config *config,
                    const struct token_slot *slot, unsigned needs)
{
    CK_FLAGS flags = CKF_SERIAL_SESSION;
    CK_RV rv;
    struct token_names names;

    ctx->slot = *slot;
    token_info_names(&slot->info, &names);
    if (needs & TOKEN_NEEDS_RW) {
        if (slot->info.flags & CKF_WRITE_PROTECTED) {
            errorf("token \"%s\" is write-protected", names.label);
            return -1;
        }
        flags |= CKF_RW_SESSION;
    }
    rv = slot->module->fn->C_OpenSession(slot->id, flags, NULL, NULL, &ctx->session);
    if (rv != CKR_OK) {
        errorf("cannot open a session on token \"%s\": C_OpenSession: %s", names.label,
               token_rv_name(rv));
        ctx->session = CK_INVALID_HANDLE;
        return -1;
    }
    if (needs & (TOKEN_NEEDS_LOGIN | TOKEN_LOGIN_IF_PIN))
        return token_login(ctx, config, needs);
    return 0;
}

CK_RV token_open_session(struct token_ctx *ctx, CK_SESSION_HANDLE *session)
{
    CK_RV rv =
        ctx->slot.module->fn->C_OpenSession(ctx->slot.id, CKF_SERIAL_SESSION, NULL, NULL, session);

    if (rv != CKR_OK)
        *session = CK_INVALID_HANDLE;
    return rv;
}

void token_close_session(struct token_ctx *ctx, CK_SESSION_HANDLE session)
{
    CK_RV rv;

    if (session == CK_INVALID_HANDLE)
        return;
    rv = ctx->slot.module->fn->C_CloseSession(session);
    if (rv != CKR_OK)
        debugf("C_CloseSession: %s", token_rv_name(rv));
}

void token_session_lost(struct token_ctx *ctx)
{
    ctx->session = CK_INVALID_HANDLE;
    ctx->logged_in = 0;
}

int token_open_uri(struct token_ctx *ctx, const struct token_opening *how, P11KitUri *uri)
{
    if (token_ctx_init(ctx, how->config, uri) < 0)
        return -1;
    return token_open(ctx, how->config, how->needs);
}
