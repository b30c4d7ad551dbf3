/* Objects on the opened token: searches by template, attribute reads, the
 * key pair a URI names, and objects' URIs. Each search is exactly one
 * C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal, whatever the
 * number of objects on the token. */
#include "token.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"

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

int token_get_attributes(struct token_ctx *ctx, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE *attrs,
                         CK_ULONG n)
{
    CK_RV rv = ctx->slot.module->fn->C_GetAttributeValue(ctx->session, obj, attrs, n);

    /* These leave the attribute concerned marked unavailable and fill the
     * rest: the caller checks each one it needs. */
    if (rv == CKR_OK || rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE ||
        rv == CKR_BUFFER_TOO_SMALL)
        return 0;
    errorf("cannot read the object's attributes: C_GetAttributeValue: %s", token_rv_name(rv));
    return -1;
}

char *token_object_uri(struct token_ctx *ctx, CK_OBJECT_CLASS cls, const unsigned char *id,
                       CK_ULONG id_len, const char *label)
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
    if (p11_kit_uri_format(uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, &text) != P11_KIT_URI_OK)
        text = NULL;
    p11_kit_uri_free(uri);
    return text;
}

static char *searched_uri(struct token_ctx *ctx)
{
    char *text = NULL;

    if (p11_kit_uri_format(ctx->uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, &text) != P11_KIT_URI_OK)
        return NULL;
    return text;
}

/* The object attributes of the URI (label, id) as a search template for
 * class cls. Returns the number of entries, or -1 when the URI names an
 * object that cannot be a key. */
static int key_template(struct token_ctx *ctx, CK_OBJECT_CLASS *cls, CK_ATTRIBUTE tmpl[3])
{
    CK_ATTRIBUTE *given;
    int n = 0;

    given = p11_kit_uri_get_attribute(ctx->uri, CKA_CLASS);
    if (given && given->ulValueLen == sizeof(CK_OBJECT_CLASS)) {
        CK_OBJECT_CLASS wanted = *(CK_OBJECT_CLASS *)given->pValue;

        if (wanted != CKO_PRIVATE_KEY && wanted != CKO_PUBLIC_KEY) {
            errorf("the URI names an object of another type than a key (type=); use "
                   "type=private or leave type out");
            return -1;
        }
    }
    tmpl[n++] = (CK_ATTRIBUTE){CKA_CLASS, cls, sizeof(*cls)};
    if ((given = p11_kit_uri_get_attribute(ctx->uri, CKA_LABEL)) != NULL)
        tmpl[n++] = *given;
    if ((given = p11_kit_uri_get_attribute(ctx->uri, CKA_ID)) != NULL)
        tmpl[n++] = *given;
    return n;
}

/* Reads label and id of up to 8 matches of tmpl and names them in a hint:
 * an ambiguous URI is refused with its candidates, never guessed. */
static void hint_key_candidates(struct token_ctx *ctx, CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
    CK_OBJECT_HANDLE found[8];
    CK_ULONG n_found = 0;
    char list[1024] = "";
    size_t used = 0;

    if (token_find_objects(ctx, tmpl, n, found, 8, &n_found) < 0)
        return;
    for (CK_ULONG i = 0; i < n_found && used < sizeof(list); i++) {
        unsigned char id[TOKEN_ID_MAX];
        char label[TOKEN_LABEL_MAX] = "";
        CK_ATTRIBUTE attrs[] = {
            {CKA_ID, id, sizeof(id)},
            {CKA_LABEL, label, sizeof(label) - 1},
        };
        char *uri;

        if (token_get_attributes(ctx, found[i], attrs, 2) < 0)
            continue;
        if (attrs[1].ulValueLen != CK_UNAVAILABLE_INFORMATION)
            label[attrs[1].ulValueLen] = '\0';
        uri = token_object_uri(
            ctx, *(CK_OBJECT_CLASS *)tmpl[0].pValue, id,
            attrs[0].ulValueLen == CK_UNAVAILABLE_INFORMATION ? 0 : attrs[0].ulValueLen, label);
        int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? " " : "",
                         uri ? uri : "(unnamed)");
        free(uri);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    hintf("candidates: %s", list);
}

/* Copies the public half's attributes (or, for a token that keeps no
 * public object, what the private half tells of it) into key. */
static int read_key_attributes(struct token_ctx *ctx, CK_OBJECT_HANDLE obj, struct token_key *key)
{
    struct token_pubkey *pk = &key->pubkey;
    CK_ATTRIBUTE attrs[] = {
        {CKA_KEY_TYPE, &pk->type, sizeof(pk->type)},
        {CKA_ID, key->id, sizeof(key->id)},
        {CKA_LABEL, key->label, sizeof(key->label) - 1},
        {CKA_MODULUS, pk->modulus, sizeof(pk->modulus)},
        {CKA_PUBLIC_EXPONENT, pk->exponent, sizeof(pk->exponent)},
        {CKA_EC_PARAMS, pk->ec_params, sizeof(pk->ec_params)},
        {CKA_EC_POINT, pk->ec_point, sizeof(pk->ec_point)},
    };
    CK_ULONG *lens[] = {NULL,
                        &key->id_len,
                        NULL,
                        &pk->modulus_len,
                        &pk->exponent_len,
                        &pk->ec_params_len,
                        &pk->ec_point_len};

    if (token_get_attributes(ctx, obj, attrs, sizeof(attrs) / sizeof(attrs[0])) < 0)
        return -1;
    if (attrs[0].ulValueLen == CK_UNAVAILABLE_INFORMATION) {
        errorf("the key's type (CKA_KEY_TYPE) cannot be read");
        return -1;
    }
    for (size_t i = 1; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
        CK_ULONG len = attrs[i].ulValueLen;

        if (len == CK_UNAVAILABLE_INFORMATION)
            len = 0;
        if (lens[i])
            *lens[i] = len;
        else
            key->label[len] = '\0';
    }
    return 0;
}

static int find_public_half(struct token_ctx *ctx, struct token_key *key, int *found_one)
{
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    CK_ATTRIBUTE tmpl[3];
    CK_OBJECT_HANDLE found[2];
    CK_ULONG n_found;
    int n = key_template(ctx, &cls, tmpl);

    *found_one = 0;
    if (n < 0 || token_find_objects(ctx, tmpl, (CK_ULONG)n, found, 2, &n_found) < 0)
        return -1;
    if (n_found > 1) {
        char *searched = searched_uri(ctx);

        errorf("\"%s\" matches more than one key; add object= or id= to the URI",
               searched ? searched : "pkcs11:");
        free(searched);
        hint_key_candidates(ctx, tmpl, (CK_ULONG)n);
        return -1;
    }
    if (n_found == 0)
        return 0;
    key->pub = found[0];
    *found_one = 1;
    return read_key_attributes(ctx, key->pub, key);
}

/* The private half: by the public half's CKA_ID when it has one, else by
 * the URI's own attributes. */
static int find_private_half(struct token_ctx *ctx, struct token_key *key, int have_public)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE tmpl[3];
    CK_OBJECT_HANDLE found[2];
    CK_ULONG n_found;
    int n;

    if (have_public && key->id_len > 0) {
        tmpl[0] = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof(cls)};
        tmpl[1] = (CK_ATTRIBUTE){CKA_ID, key->id, key->id_len};
        tmpl[2] = (CK_ATTRIBUTE){CKA_KEY_TYPE, &key->pubkey.type, sizeof(key->pubkey.type)};
        n = 3;
    } else if ((n = key_template(ctx, &cls, tmpl)) < 0) {
        return -1;
    }
    if (token_find_objects(ctx, tmpl, (CK_ULONG)n, found, 2, &n_found) < 0)
        return -1;
    if (n_found == 0) {
        char *searched = searched_uri(ctx);

        if (have_public)
            errorf("the key \"%s\" has a public half but no private key with its id on this "
                   "token",
                   key->label);
        else
            errorf("no key matches \"%s\"", searched ? searched : "pkcs11:");
        free(searched);
        if (!ctx->logged_in)
            hintf("private keys are visible only after login: give --pin-source");
        else
            hintf("'p11cert list' shows the objects on the token and their URIs");
        return -1;
    }
    if (n_found > 1) {
        errorf("more than one private key has the id of key \"%s\"; give object= and id= "
               "to pick one",
               key->label);
        hint_key_candidates(ctx, tmpl, (CK_ULONG)n);
        return -1;
    }
    key->priv = found[0];
    if (!have_public)
        return read_key_attributes(ctx, key->priv, key);
    return 0;
}

int token_find_key(struct token_ctx *ctx, struct token_key *key)
{
    int have_public = 0;

    memset(key, 0, sizeof(*key));
    key->priv = key->pub = CK_INVALID_HANDLE;
    if (find_public_half(ctx, key, &have_public) < 0)
        return -1;
    return find_private_half(ctx, key, have_public);
}
