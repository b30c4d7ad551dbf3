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

static int uri_has_module_info(P11KitUri *uri)
{
    CK_INFO *mi = p11_kit_uri_get_module_info(uri);

    return mi->manufacturerID[0] || mi->libraryDescription[0] ||
           mi->libraryVersion.major != (CK_BYTE)-1;
}

static int uri_has_slot_info(P11KitUri *uri)
{
    CK_SLOT_INFO *si = p11_kit_uri_get_slot_info(uri);

    return si->slotDescription[0] || si->manufacturerID[0];
}

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

    if (wanted != (CK_SLOT_ID)-1 && wanted != id)
        return 0;
    if (uri_has_slot_info(ctx->uri)) {
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
    return p11_kit_uri_match_token_info(ctx->uri, info);
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
        if (uri_has_module_info(ctx->uri)) {
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

char *token_padded_string(char *out, const unsigned char *in, size_t width)
{
    size_t len = width;

    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\0'))
        len--;
    memcpy(out, in, len);
    out[len] = '\0';
    return out;
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

static void hint_candidates(struct token_slot *slots, size_t n)
{
    char list[512] = "", label[33];
    size_t used = 0;

    for (size_t i = 0; i < n && used < sizeof(list); i++) {
        token_padded_string(label, slots[i].info.label, sizeof(slots[i].info.label));
        int w = snprintf(list + used, sizeof(list) - used, "%s\"%s\" (%s)", i ? ", " : "", label,
                         slots[i].module->name);
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

size_t token_flag_names(CK_FLAGS flags, const char **names, size_t max)
{
    static const struct {
        CK_FLAGS flag;
        const char *words;
    } table[] = {
        {CKF_LOGIN_REQUIRED, "login required"},
        {CKF_PROTECTED_AUTHENTICATION_PATH, "PIN pad"},
        {CKF_WRITE_PROTECTED, "write protected"},
        {CKF_USER_PIN_INITIALIZED, "user PIN set"},
        {CKF_USER_PIN_COUNT_LOW, "user PIN count low"},
        {CKF_USER_PIN_FINAL_TRY, "user PIN final try"},
        {CKF_USER_PIN_LOCKED, "user PIN locked"},
        {CKF_USER_PIN_TO_BE_CHANGED, "user PIN to be changed"},
        {CKF_TOKEN_INITIALIZED, "initialized"},
    };
    size_t n = 0;

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]) && n < max; i++) {
        if (flags & table[i].flag)
            names[n++] = table[i].words;
    }
    if (!(flags & CKF_TOKEN_INITIALIZED) && n < max)
        names[n++] = "not initialized";
    return n;
}

const char *token_flags_words(CK_FLAGS flags, char *buf, size_t len)
{
    const char *names[16];
    size_t n = token_flag_names(flags, names, 16), used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);

        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    return buf;
}
