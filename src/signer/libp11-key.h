/* The token key as an OpenSSL EVP_PKEY that TLS can use, through libp11 —
 * the library servers (nginx, openssl s_server) load token keys with, so a
 * handshake made with it is the one they will make. libp11 enumerates
 * objects: it serves check --tls, never a hot path. */
#ifndef P11CERT_SIGNER_LIBP11_KEY_H
#define P11CERT_SIGNER_LIBP11_KEY_H

#include <libp11.h>

#include "token/token.h"

struct libp11_key {
    struct token_ctx *token; /* whose session libp11 closes when done */
    PKCS11_CTX *ctx;
    PKCS11_SLOT *slots;
    unsigned int n_slots;
    EVP_PKEY *pkey; /* signs on the token; a reference of ours */
};

/* Loads the module of the opened token a second time through libp11 (the
 * same library instance, so the login is shared) and finds key by its id.
 * Reports its own errors. */
int signer_libp11_key(struct token_ctx *ctx, const struct token_key *key, struct libp11_key *out);

/* libp11 closes every session of the slot when it lets it go, the token
 * context's own included: that session is marked closed here, so call this
 * after the context's last token operation. */
void signer_libp11_key_free(struct libp11_key *k);

/* The libp11 engine OpenSSL loads as "pkcs11" (pkcs11.so in OpenSSL's
 * engines directory), for the configuration servers read. Returns 0, or
 * -1 after reporting that it is not installed. */
int signer_engine_path(char *buf, size_t len);

#endif
