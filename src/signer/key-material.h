/* A software private key (from a PFX) as PKCS#11 attributes, for putting it
 * on a token. The bytes live in one buffer that is wiped when done. */
#ifndef P11CERT_SIGNER_KEY_MATERIAL_H
#define P11CERT_SIGNER_KEY_MATERIAL_H

#include <openssl/evp.h>

#include "token/token.h"

struct signer_key_material {
    CK_KEY_TYPE type;
    CK_ATTRIBUTE priv[10]; /* the private half's values */
    CK_ULONG n_priv;
    CK_ATTRIBUTE pub[4]; /* the public half's values */
    CK_ULONG n_pub;
    struct token_pubkey pubkey;     /* the public value, for the id */
    unsigned char secret[8 * 1024]; /* private values; wiped */
    size_t used;
};

/* Fills m from an RSA, EC (P-256/384/521) or Ed25519 key. Reports its own
 * errors; m is wiped on failure. */
int signer_key_material(EVP_PKEY *key, struct signer_key_material *m);

/* Wipes the private values. */
void signer_key_material_wipe(struct signer_key_material *m);

#endif
