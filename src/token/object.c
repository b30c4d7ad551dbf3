/* Objects on the opened token: searches by template, attribute reads, the
 * key pair a URI names, and objects' URIs. Each search is exactly one
 * C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal, whatever the
 * number of objects on the token. */
#include "token/token.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util/msg.h"

int token_find_objects(struct token_ctx *ctx, CK_ATTRIBUTE *tmpl, CK_ULONG n,
                       CK_OBJECT_HANDLE *found, CK_ULONG max, CK_ULONG *n_found)
{
    CK_FUNCTION_LIST *fn = ctx->slot.module->fn;
    CK_RV rv;

    *n_found = 0;
    rv = fn->C_FindObjectsInit(ctx->session, tmpl, n);
    if (rv != CKR_OK) {
        errorf("cannot search the token: C_FindObjectsInit: %s", token_rv_name(rv));
        return -1;
    }
    rv = fn->C_FindObjects(ctx->session, found, max, n_found);
    fn->C_FindObjectsFinal(ctx->session);
    if (rv != CKR_OK) {
        errorf("cannot search the token: C_FindObjects: %s", token_rv_name(rv));
        return -1;
    }
    return 0;
}

int token_list_objects(struct token_ctx *ctx, CK_ATTRIBUTE *tmpl, CK_ULONG n,
                       CK_OBJECT_HANDLE **found, CK_ULONG *n_found)
{
    CK_FUNCTION_LIST *fn = ctx->slot.module->fn;
    CK_OBJECT_HANDLE *all = NULL;
    CK_ULONG count = 0, got = 0;
    CK_RV rv;
    int ret = -1;

    rv = fn->C_FindObjectsInit(ctx->session, tmpl, n);
    if (rv != CKR_OK) {
        errorf("cannot search the token: C_FindObjectsInit: %s", token_rv_name(rv));
        return -1;
    }
    do {
        CK_OBJECT_HANDLE *grown = realloc(all, (count + 256) * sizeof(*all));

        if (!grown) {
            errorf("out of memory");
            goto cleanup;
        }
        all = grown;
        rv = fn->C_FindObjects(ctx->session, all + count, 256, &got);
        if (rv != CKR_OK) {
            errorf("cannot search the token: C_FindObjects: %s", token_rv_name(rv));
            goto cleanup;
        }
        count += got;
    } while (got == 256);
    *found = all;
    *n_found = count;
    all = NULL;
    ret = 0;
cleanup:
    fn->C_FindObjectsFinal(ctx->session);
    free(all);
    return ret;
}

/* Attributes one read may hold: more than any caller asks for. */
#define ATTRIBUTES_AT_ONCE 16

int token_require_unused(struct token_ctx *ctx, CK_ATTRIBUTE_TYPE attr, const void *value,
                         CK_ULONG len, const char *what, const char *shown, const char *hint)
{
    CK_ATTRIBUTE tmpl = {attr, (void *)value, len};
    CK_OBJECT_HANDLE found;
    CK_ULONG n_found;

    if (token_find_objects(ctx, &tmpl, 1, &found, 1, &n_found) < 0)
        return -1;
    if (n_found) {
        errorf("%s \"%s\" is already used on this token", what, shown);
        if (hint)
            hintf("%s", hint);
        return -1;
    }
    return 0;
}

int token_get_attributes(struct token_ctx *ctx, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE *attrs,
                         CK_ULONG n)
{
    CK_ULONG sizes[ATTRIBUTES_AT_ONCE];
    CK_RV rv;

    if (n > ATTRIBUTES_AT_ONCE) {
        errorf("internal error: %lu attributes in one read", (unsigned long)n);
        return -1;
    }
    for (CK_ULONG i = 0; i < n; i++)
        sizes[i] = attrs[i].ulValueLen;
    rv = ctx->slot.module->fn->C_GetAttributeValue(ctx->session, obj, attrs, n);
    /* These leave the attribute concerned marked unavailable and fill the
     * rest: the caller checks each one it needs. */
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE &&
        rv != CKR_BUFFER_TOO_SMALL) {
        errorf("cannot read the object's attributes: C_GetAttributeValue: %s", token_rv_name(rv));
        return -1;
    }
    /* A length larger than the buffer (some remoting layers pass the
     * backend's on) means the value is not there: never index past it. */
    for (CK_ULONG i = 0; i < n; i++) {
        if (attrs[i].pValue && attrs[i].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
            attrs[i].ulValueLen > sizes[i])
            attrs[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
    }
    return 0;
}

static char *format_object_uri(struct token_ctx *ctx, CK_OBJECT_CLASS cls, const unsigned char *id,
                               CK_ULONG id_len, const char *label, P11KitUriType type)
{
    P11KitUri *uri = p11_kit_uri_new();
    CK_ATTRIBUTE attr;
    char *text = NULL;

    if (!uri)
        return NULL;
    memcpy(p11_kit_uri_get_token_info(uri), &ctx->slot.info, sizeof(CK_TOKEN_INFO));
    attr = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof(cls)};
    p11_kit_uri_set_attribute(uri, &attr);
    if (id_len) {
        attr = (CK_ATTRIBUTE){CKA_ID, (void *)id, id_len};
        p11_kit_uri_set_attribute(uri, &attr);
    }
    if (label && *label) {
        attr = (CK_ATTRIBUTE){CKA_LABEL, (void *)label, strlen(label)};
        p11_kit_uri_set_attribute(uri, &attr);
    }
    if (p11_kit_uri_format(uri, type, &text) != P11_KIT_URI_OK)
        text = NULL;
    p11_kit_uri_free(uri);
    return text;
}

char *token_object_uri(struct token_ctx *ctx, CK_OBJECT_CLASS cls, const unsigned char *id,
                       CK_ULONG id_len, const char *label)
{
    return format_object_uri(ctx, cls, id, id_len, label, P11_KIT_URI_FOR_OBJECT_ON_TOKEN);
}

char *token_object_short_uri(struct token_ctx *ctx, CK_OBJECT_CLASS cls, const unsigned char *id,
                             CK_ULONG id_len, const char *label)
{
    return format_object_uri(ctx, cls, id, id_len, label, P11_KIT_URI_FOR_OBJECT);
}
