/* Choosing a token: the slots of every loaded module, matched against the
 * URI's module, slot and token attributes. Slot numbers are never used to
 * choose (SoftHSM renumbers them); only the URI's attributes are. */
#include "token/token.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "util/msg.h"

/* Slots one C_GetSlotList call is expected to cover; more cost a second. */
#define SLOTS_AT_ONCE 32

/* One C_GetSlotList with a buffer large enough for every token we know of,
 * instead of the usual length query first. */
static int module_slot_list(struct token_module *m, CK_SLOT_ID **ids, CK_ULONG *n)
{
    CK_ULONG count = SLOTS_AT_ONCE;
    CK_RV rv;

    *ids = NULL;
    for (;;) {
        CK_SLOT_ID *grown = realloc(*ids, (count ? count : 1) * sizeof(CK_SLOT_ID));

        if (!grown) {
            free(*ids);
            *ids = NULL;
            errorf("out of memory");
            return -1;
        }
        *ids = grown;
        rv = m->fn->C_GetSlotList(CK_TRUE, *ids, &count);
        if (rv != CKR_BUFFER_TOO_SMALL)
            break;
    }
    if (rv != CKR_OK) {
        free(*ids);
        *ids = NULL;
        errorf("cannot list the slots of %s: C_GetSlotList: %s", m->name, token_rv_name(rv));
        return -1;
    }
    *n = count;
    return 0;
}

static int slot_matches(struct token_ctx *ctx, struct token_module *m, CK_SLOT_ID id,
                        int with_uninitialized, CK_TOKEN_INFO *info)
{
    CK_SLOT_ID wanted = p11_kit_uri_get_slot_id(ctx->uri);
    CK_RV rv;

    /* A slot-id that is not this one: no call is worth making. */
    if (wanted != (CK_SLOT_ID)-1 && wanted != id)
        return 0;
    if (token_uri_has_slot_info(ctx->uri)) {
        CK_SLOT_INFO slot_info;

        if (m->fn->C_GetSlotInfo(id, &slot_info) != CKR_OK ||
            !p11_kit_uri_match_slot_info(ctx->uri, &slot_info))
            return 0;
    }
    rv = m->fn->C_GetTokenInfo(id, info);
    if (rv != CKR_OK) {
        debugf("%s: slot %lu: C_GetTokenInfo: %s", m->name, (unsigned long)id, token_rv_name(rv));
        return 0;
    }
    if (!with_uninitialized && !(info->flags & CKF_TOKEN_INITIALIZED))
        return 0;
    return token_uri_matches_token(ctx->uri, id, info);
}

int token_find_slots(struct token_ctx *ctx, int with_uninitialized, struct token_slot **slots,
                     size_t *n_slots)
{
    struct token_slot *found = NULL;
    size_t n_found = 0;
    int ret = -1;

    for (size_t i = 0; i < ctx->n_modules; i++) {
        struct token_module *m = &ctx->modules[i];
        CK_SLOT_ID *ids = NULL;
        CK_ULONG n_ids = 0;

        if (!m->usable)
            continue;
        if (token_uri_has_module_info(ctx->uri)) {
            CK_INFO info;

            if (m->fn->C_GetInfo(&info) != CKR_OK ||
                !p11_kit_uri_match_module_info(ctx->uri, &info))
                continue;
        }
        if (module_slot_list(m, &ids, &n_ids) < 0) {
            if (ctx->n_modules == 1)
                goto cleanup;
            continue;
        }
        for (CK_ULONG s = 0; s < n_ids; s++) {
            struct token_slot slot = {.module = m, .id = ids[s]};
            struct token_slot *grown;

            if (!slot_matches(ctx, m, ids[s], with_uninitialized, &slot.info))
                continue;
            grown = realloc(found, (n_found + 1) * sizeof(*grown));
            if (!grown) {
                free(ids);
                errorf("out of memory");
                goto cleanup;
            }
            found = grown;
            found[n_found++] = slot;
        }
        free(ids);
    }
    *slots = found;
    *n_slots = n_found;
    found = NULL;
    ret = 0;
cleanup:
    free(found);
    return ret;
}

char *token_slot_uri(const struct token_slot *slot)
{
    P11KitUri *uri = p11_kit_uri_new();
    char *text = NULL;

    if (!uri)
        return NULL;
    memcpy(p11_kit_uri_get_token_info(uri), &slot->info, sizeof(CK_TOKEN_INFO));
    if (p11_kit_uri_format(uri, P11_KIT_URI_FOR_TOKEN, &text) != P11_KIT_URI_OK)
        text = NULL;
    p11_kit_uri_free(uri);
    return text;
}
