/* csr --batch's key cache (workflow/batch-keys.c); only csr-batch.c uses it. */
#ifndef P11CERT_WORKFLOW_BATCH_KEYS_H
#define P11CERT_WORKFLOW_BATCH_KEYS_H

#include "signer/signer.h"

/* sha256, sha384, sha512: a signer per key and hash, made on first use. */
#define BATCH_HASHES 3

struct batch_key {
    char *uri_text; /* the key URI as the line gave it: the cache key */
    P11KitUri *uri; /* parsed, for the lookup and the token match */
    struct token_key key;
    X509_PUBKEY *spki; /* the public key encoded once, for every request */
    char *error;       /* why the key cannot sign, when it cannot */
    size_t error_line; /* the line that reported it first */
    struct signer signers[BATCH_HASHES];
    char *signer_errors[BATCH_HASHES];
    int signer_state[BATCH_HASHES]; /* 0 not made, 1 ready, -1 failed */
};

struct batch_keys {
    struct token_opening opening; /* how to open the token of the first key */
    struct token_ctx ctx;         /* that token */
    int opened;                   /* ctx holds an open, logged-in session */
    int stopped;                  /* the token could not be opened: stop */
    struct batch_key **keys;
    size_t n_keys;
};

/* The cache entry of a key URI met on line, looked up on the token the
 * first time it is seen (opening the token for the first one); its error
 * says why it cannot sign. NULL: out of memory. */
struct batch_key *batch_keys_get(struct batch_keys *b, const char *uri_text, size_t line);

/* The key's signer for a hash, made once; NULL when it cannot be made
 * (reported on this line). */
struct signer *batch_keys_signer(struct batch_keys *b, struct batch_key *k, const char *hash,
                                 int pss);

/* Frees the cache and finalizes the token's module. */
void batch_keys_free(struct batch_keys *b);

#endif
