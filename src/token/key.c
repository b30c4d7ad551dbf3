/* Finding the key pair a URI names. Each lookup is a template search, so
 * its cost does not grow with the objects on the token:
 *  - a URI with object= or id=: one search for every object carrying that
 *    label or id, whatever its class, then one read per object found (a
 *    key pair: one search and two reads);
 *  - otherwise, or when that is not conclusive: the public half by the URI,
 *    then the private half by the public half's CKA_ID.
 * More than one private key matching is refused with the candidates. */
#include "token/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/msg.h"

/* Objects one label or id may carry before the one-search path gives way to
 * the class-by-class one: a key pair, its certificate and a little more. */
#define SHARED_NAME_MAX 6

static char *searched_uri(P11KitUri *uri)
{
    return token_uri_display(uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN);
}

/* A URI's type= must name a key, if it names anything. */
static int uri_names_a_key(P11KitUri *uri)
{
    CK_ATTRIBUTE *given = p11_kit_uri_get_attribute(uri, CKA_CLASS);

    if (given && given->ulValueLen == sizeof(CK_OBJECT_CLASS)) {
        CK_OBJECT_CLASS wanted = *(CK_OBJECT_CLASS *)given->pValue;

        if (wanted != CKO_PRIVATE_KEY && wanted != CKO_PUBLIC_KEY) {
            errorf("the URI names an object of another type than a key (type=); use "
                   "type=private or leave type out");
            return 0;
        }
    }
    return 1;
}

/* The URI's label and id as a template, after the class when cls is given.
 * Returns the number of entries. */
static CK_ULONG uri_template(P11KitUri *uri, CK_OBJECT_CLASS *cls, CK_ATTRIBUTE tmpl[3])
{
    CK_ATTRIBUTE *given;
    CK_ULONG n = 0;

    if (cls)
        tmpl[n++] = (CK_ATTRIBUTE){CKA_CLASS, cls, sizeof(*cls)};
    if ((given = p11_kit_uri_get_attribute(uri, CKA_LABEL)) != NULL)
        tmpl[n++] = *given;
    if ((given = p11_kit_uri_get_attribute(uri, CKA_ID)) != NULL)
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
        int w;

        if (token_get_attributes(ctx, found[i], attrs, 2) < 0)
            continue;
        if (attrs[1].ulValueLen != CK_UNAVAILABLE_INFORMATION)
            label[attrs[1].ulValueLen] = '\0';
        uri = token_object_short_uri(
            ctx, CKO_PRIVATE_KEY, id,
            attrs[0].ulValueLen == CK_UNAVAILABLE_INFORMATION ? 0 : attrs[0].ulValueLen, label);
        w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? " " : "",
                     uri ? uri : "(unnamed)");
        free(uri);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    hintf("candidates: %s", list);
}

static void refuse_ambiguous(struct token_ctx *ctx, P11KitUri *uri)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE tmpl[3];
    CK_ULONG n = uri_template(uri, &cls, tmpl);
    char *searched = searched_uri(uri);

    errorf("\"%s\" matches more than one key; add %s to the URI to pick one",
           searched ? searched : "pkcs11:",
           p11_kit_uri_get_attribute(uri, CKA_LABEL) ? "id=" : "object= or id=");
    free(searched);
    hint_key_candidates(ctx, tmpl, n);
}

int token_read_key(struct token_ctx *ctx, CK_OBJECT_HANDLE obj, CK_OBJECT_CLASS *cls,
                   struct token_key *key)
{
    struct token_pubkey *pk = &key->pubkey;
    CK_ATTRIBUTE attrs[] = {
        {CKA_CLASS, cls, sizeof(*cls)},
        {CKA_KEY_TYPE, &pk->type, sizeof(pk->type)},
        {CKA_ID, key->id, sizeof(key->id)},
        {CKA_LABEL, key->label, sizeof(key->label) - 1},
        {CKA_MODULUS, pk->modulus, sizeof(pk->modulus)},
        {CKA_PUBLIC_EXPONENT, pk->exponent, sizeof(pk->exponent)},
        {CKA_EC_PARAMS, pk->ec_params, sizeof(pk->ec_params)},
        {CKA_EC_POINT, pk->ec_point, sizeof(pk->ec_point)},
    };
    CK_ULONG *lens[] = {NULL,
                        NULL,
                        &key->id_len,
                        NULL,
                        &pk->modulus_len,
                        &pk->exponent_len,
                        &pk->ec_params_len,
                        &pk->ec_point_len};

    *cls = (CK_OBJECT_CLASS)-1;
    if (token_get_attributes(ctx, obj, attrs, sizeof(attrs) / sizeof(attrs[0])) < 0)
        return -1;
    if (attrs[1].ulValueLen == CK_UNAVAILABLE_INFORMATION)
        pk->type = (CK_KEY_TYPE)-1;
    for (size_t i = 2; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
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

int token_key_has_public_value(const struct token_key *key)
{
    if (key->pubkey.type == CKK_RSA)
        return key->pubkey.modulus_len > 0 && key->pubkey.exponent_len > 0;
    return key->pubkey.ec_params_len > 0 && key->pubkey.ec_point_len > 0;
}

static int same_pair(const struct token_key *priv, const struct token_key *pub)
{
    return priv->pubkey.type == pub->pubkey.type && priv->id_len == pub->id_len &&
           memcmp(priv->id, pub->id, priv->id_len) == 0;
}

/* The one-search path. *done is 0 when it could not conclude, and the
 * class-by-class path must decide (and word any error). */
static int find_by_name(struct token_ctx *ctx, P11KitUri *uri, struct token_key *key, int *done)
{
    CK_ATTRIBUTE tmpl[3];
    CK_ULONG n = uri_template(uri, NULL, tmpl), n_found = 0;
    CK_OBJECT_HANDLE found[SHARED_NAME_MAX];
    struct token_key pubs[SHARED_NAME_MAX], obj;
    size_t n_pubs = 0, n_privs = 0;

    *done = 0;
    if (n == 0 || token_find_objects(ctx, tmpl, n, found, SHARED_NAME_MAX, &n_found) < 0)
        return n == 0 ? 0 : -1;
    if (n_found == SHARED_NAME_MAX)
        return 0;
    for (CK_ULONG i = 0; i < n_found; i++) {
        CK_OBJECT_CLASS cls;

        memset(&obj, 0, sizeof(obj));
        if (token_read_key(ctx, found[i], &cls, &obj) < 0)
            return -1;
        if (cls == CKO_PRIVATE_KEY && n_privs++ == 0) {
            *key = obj;
            key->priv = found[i];
        } else if (cls == CKO_PUBLIC_KEY) {
            pubs[n_pubs] = obj;
            pubs[n_pubs++].pub = found[i];
        }
    }
    if (n_privs > 1) {
        refuse_ambiguous(ctx, uri);
        return -1;
    }
    if (n_privs == 0)
        return 0;
    for (size_t i = 0; i < n_pubs; i++) {
        if (!same_pair(key, &pubs[i]))
            continue;
        key->pub = pubs[i].pub;
        if (!token_key_has_public_value(key))
            key->pubkey = pubs[i].pubkey;
        break;
    }
    *done = token_key_has_public_value(key);
    return 0;
}

/* The class-by-class path, step 1: the public half by the URI. */
static int find_public_half(struct token_ctx *ctx, P11KitUri *uri, struct token_key *key,
                            int *found_one)
{
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY, read_cls;
    CK_ATTRIBUTE tmpl[3];
    CK_OBJECT_HANDLE found[2];
    CK_ULONG n_found, n = uri_template(uri, &cls, tmpl);

    *found_one = 0;
    if (token_find_objects(ctx, tmpl, n, found, 2, &n_found) < 0)
        return -1;
    if (n_found > 1) {
        refuse_ambiguous(ctx, uri);
        return -1;
    }
    if (n_found == 0)
        return 0;
    key->pub = found[0];
    *found_one = 1;
    return token_read_key(ctx, key->pub, &read_cls, key);
}

/* Step 2: the private half by the public half's CKA_ID when it has one,
 * else by the URI's own attributes. */
static int find_private_half(struct token_ctx *ctx, P11KitUri *uri, struct token_key *key,
                             int have_public)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY, read_cls;
    CK_ATTRIBUTE tmpl[3];
    CK_OBJECT_HANDLE found[2];
    CK_ULONG n_found, n;

    if (have_public && key->id_len > 0) {
        tmpl[0] = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof(cls)};
        tmpl[1] = (CK_ATTRIBUTE){CKA_ID, key->id, key->id_len};
        tmpl[2] = (CK_ATTRIBUTE){CKA_KEY_TYPE, &key->pubkey.type, sizeof(key->pubkey.type)};
        n = 3;
    } else {
        n = uri_template(uri, &cls, tmpl);
    }
    if (token_find_objects(ctx, tmpl, n, found, 2, &n_found) < 0)
        return -1;
    if (n_found == 0) {
        char *searched = searched_uri(uri);

        if (have_public)
            errorf("key \"%s\" has a public half but no private key with its id on this token",
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
        refuse_ambiguous(ctx, uri);
        return -1;
    }
    key->priv = found[0];
    if (!have_public && token_read_key(ctx, key->priv, &read_cls, key) < 0)
        return -1;
    if (!token_key_has_public_value(key)) {
        errorf("key \"%s\" has no public key object beside it on the token, and its private "
               "half does not carry the public value",
               key->label);
        return -1;
    }
    return 0;
}

int token_find_key(struct token_ctx *ctx, P11KitUri *uri, struct token_key *key)
{
    int have_public = 0, done = 0;

    memset(key, 0, sizeof(*key));
    key->priv = key->pub = CK_INVALID_HANDLE;
    if (!uri_names_a_key(uri))
        return -1;
    if (find_by_name(ctx, uri, key, &done) < 0)
        return -1;
    if (done)
        return 0;
    memset(key, 0, sizeof(*key));
    key->priv = key->pub = CK_INVALID_HANDLE;
    if (find_public_half(ctx, uri, key, &have_public) < 0)
        return -1;
    return find_private_half(ctx, uri, key, have_public);
}
