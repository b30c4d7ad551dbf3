/* The keys of a csr --batch: the token opened once, when the first key URI
 * is met, and each distinct key URI looked up once (the result, found or
 * not, is cached by the URI's text), with a signer per key and hash made
 * on first use. */
#include "workflow/batch-keys.h"

#include <stdlib.h>
#include <string.h>

#include "util/msg.h"

static int hash_index(const char *hash)
{
    if (hash && strcmp(hash, "sha384") == 0)
        return 1;
    if (hash && strcmp(hash, "sha512") == 0)
        return 2;
    return 0;
}

static char *dup_error(void)
{
    const char *last = msg_last_error();

    return strdup(*last ? last : "failed");
}

/* A key URI of the batch must select the token the first one opened: all
 * keys of a batch are signed through one login. */
static int on_opened_token(struct batch_keys *b, P11KitUri *uri)
{
    struct token_names names;

    token_info_names(&b->ctx.slot.info, &names);
    /* With --module the URI's module attributes were not used to load it. */
    if (!b->opening.config->module && !token_uri_names_module(uri, b->ctx.slot.module->name)) {
        errorf("the key URI names another module than the batch's first key: all keys of a "
               "batch must be on token \"%s\"",
               names.label);
        return 0;
    }
    if (!token_uri_matches_token(uri, b->ctx.slot.id, &b->ctx.slot.info)) {
        errorf("the key URI selects another token than the batch's first key: all keys of a "
               "batch must be on token \"%s\"",
               names.label);
        return 0;
    }
    return 1;
}

/* Opens the token the first key's URI selects, and logs in. */
static int open_token(struct batch_keys *b, const char *uri_text)
{
    P11KitUri *uri = token_uri_parse(uri_text, "key URI");

    if (!uri || token_open_uri(&b->ctx, &b->opening, uri) < 0) {
        b->stopped = 1;
        return -1;
    }
    b->opened = 1;
    return 0;
}

/* The cache entry of a key URI, looked up on the token the first time it is
 * seen; entry->error says why it cannot sign. NULL: out of memory. */
struct batch_key *batch_keys_get(struct batch_keys *b, const char *uri_text, size_t line)
{
    struct batch_key *k, **grown;

    for (size_t i = 0; i < b->n_keys; i++) {
        if (strcmp(b->keys[i]->uri_text, uri_text) == 0)
            return b->keys[i];
    }
    grown = realloc(b->keys, (b->n_keys + 1) * sizeof(*grown));
    if (!grown || !(k = calloc(1, sizeof(*k)))) {
        if (grown)
            b->keys = grown;
        errorf("out of memory");
        return NULL;
    }
    b->keys = grown;
    b->keys[b->n_keys++] = k;
    k->key.priv = k->key.pub = CK_INVALID_HANDLE;
    k->error_line = line;
    if (!(k->uri_text = strdup(uri_text))) {
        errorf("out of memory");
        goto failed;
    }
    if (!(k->uri = token_uri_parse(uri_text, "key URI")))
        goto failed;
    if (!b->opened && open_token(b, uri_text) < 0)
        goto failed;
    if (!on_opened_token(b, k->uri) || token_find_key(&b->ctx, k->uri, &k->key) < 0)
        goto failed;
    return k;
failed:
    k->error = dup_error();
    return k;
}

/* The key's signer for a hash, made once; NULL when it cannot be made
 * (reported on this line). */
struct signer *batch_keys_signer(struct batch_keys *b, struct batch_key *k, const char *hash,
                                 int pss)
{
    int i = hash_index(hash);

    if (k->signer_state[i] == 0) {
        if (signer_init(&k->signers[i], &b->ctx, &k->key, hash, pss) < 0) {
            k->signer_state[i] = -1;
            k->signer_errors[i] = dup_error();
            return NULL;
        }
        k->signer_state[i] = 1;
    }
    if (k->signer_state[i] < 0) {
        errorf("%s", k->signer_errors[i] ? k->signer_errors[i] : "cannot sign with this key");
        return NULL;
    }
    return &k->signers[i];
}

void batch_keys_free(struct batch_keys *b)
{
    for (size_t i = 0; i < b->n_keys; i++) {
        struct batch_key *k = b->keys[i];

        for (int h = 0; h < BATCH_HASHES; h++) {
            if (k->signer_state[h] > 0)
                signer_free(&k->signers[h]);
            free(k->signer_errors[h]);
        }
        X509_PUBKEY_free(k->spki);
        if (k->uri)
            p11_kit_uri_free(k->uri);
        free(k->uri_text);
        free(k->error);
        free(k);
    }
    free(b->keys);
    token_ctx_free(&b->ctx); /* C_Finalize logs out and closes the session */
    b->keys = NULL;
    b->n_keys = 0;
}
