/* A token key for OpenSSL's TLS stack, through libp11. */
#include "signer/libp11-key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util/msg.h"

/* The slot libp11 sees for the token ctx opened: same serial and label. */
static PKCS11_SLOT *same_token(struct libp11_key *k, const CK_TOKEN_INFO *info)
{
    struct token_names names;

    token_info_names(info, &names);
    for (unsigned int i = 0; i < k->n_slots; i++) {
        PKCS11_TOKEN *t = k->slots[i].token;

        if (t && t->serialnr && t->label && strcmp(t->serialnr, names.serial) == 0 &&
            strcmp(t->label, names.label) == 0)
            return &k->slots[i];
    }
    return NULL;
}

int signer_libp11_key(struct token_ctx *ctx, const struct token_key *key, struct libp11_key *out)
{
    char *path = p11_kit_module_get_filename(ctx->slot.module->fn);
    PKCS11_SLOT *slot;
    PKCS11_KEY *keys = NULL;
    unsigned int n_keys = 0;
    int ret = -1, eddsa = 0;

    memset(out, 0, sizeof(*out));
    out->token = ctx;
    /* libp11 0.4.12 crashes or finds no key at all on such a token: say so
     * rather than let it. */
    if (token_holds_key_type(ctx, CKK_EC_EDWARDS, &eddsa) == 0 && eddsa) {
        errorf("libp11 0.4.12, the engine servers load token keys with, cannot use any key on a "
               "token that holds an Ed25519 key");
        free(path);
        return -1;
    }
    if (!path) {
        errorf("cannot tell which library the module was loaded from");
        return -1;
    }
    out->ctx = PKCS11_CTX_new();
    if (!out->ctx || PKCS11_CTX_load(out->ctx, path) < 0 ||
        PKCS11_enumerate_slots(out->ctx, &out->slots, &out->n_slots) < 0) {
        errorf("libp11 cannot load \"%s\": %s", path, msg_openssl_reason());
        goto cleanup;
    }
    slot = same_token(out, &ctx->slot.info);
    if (!slot) {
        errorf("libp11 does not see the token");
        goto cleanup;
    }
    /* libp11 keeps its own login state: it logs in again, which the token
     * answers as already logged in or with a fresh login. */
    if (PKCS11_open_session(slot, 0) < 0 || PKCS11_login(slot, 0, ctx->pin.data) < 0) {
        errorf("libp11 cannot log in to the token: %s", msg_openssl_reason());
        goto cleanup;
    }
    if (PKCS11_enumerate_keys(slot->token, &keys, &n_keys) < 0) {
        errorf("libp11 cannot list the token's keys (libp11 0.4.12 fails on a token that "
               "holds an Ed25519 key)");
        goto cleanup;
    }
    for (unsigned int i = 0; i < n_keys && !out->pkey; i++) {
        if (keys[i].id_len == key->id_len && memcmp(keys[i].id, key->id, key->id_len) == 0)
            out->pkey = PKCS11_get_private_key(&keys[i]);
    }
    if (!out->pkey) {
        errorf("libp11 does not find key \"%s\" on the token", key->label);
        goto cleanup;
    }
    ret = 0;
cleanup:
    free(path);
    if (ret != 0)
        signer_libp11_key_free(out);
    return ret;
}

void signer_libp11_key_free(struct libp11_key *k)
{
    EVP_PKEY_free(k->pkey);
    if (k->slots) {
        /* C_CloseAllSessions on the slot: ours goes too. */
        PKCS11_release_all_slots(k->ctx, k->slots, k->n_slots);
        token_session_lost(k->token);
    }
    if (k->ctx) {
        /* The module stays initialized for token_ctx_free's C_Finalize. */
        PKCS11_CTX_free(k->ctx);
    }
    memset(k, 0, sizeof(*k));
}

int signer_engine_path(char *buf, size_t len)
{
    const char *dir = OPENSSL_info(OPENSSL_INFO_ENGINES_DIR);

    snprintf(buf, len, "%s/pkcs11.so", dir ? dir : "");
    if (dir && access(buf, R_OK) == 0)
        return 0;
    errorf("libp11's OpenSSL engine is not installed: no \"%s\"", buf);
    hintf("install it: apt-get install libengine-pkcs11-openssl");
    return -1;
}
