/* Public keys between the token's attributes and OpenSSL: the bridge both
 * ways, and the key id convention (SHA-1 of the public value). */
#ifndef P11CERT_SIGNER_PUBKEY_H
#define P11CERT_SIGNER_PUBKEY_H

#include <openssl/evp.h>

#include "token/token.h"

/* An EVP_PKEY from CKA_MODULUS/CKA_PUBLIC_EXPONENT or CKA_EC_PARAMS/
 * CKA_EC_POINT. Reports its own errors; NULL on failure. */
EVP_PKEY *signer_pubkey_from_token(const struct token_pubkey *pk);

/* The other way: a public key as the token would hold it (the EC point as
 * a DER OCTET STRING, as CKA_EC_POINT carries it). Returns 0 or -1. */
int signer_pubkey_to_token(EVP_PKEY *pkey, struct token_pubkey *pk);

/* The SHA-1 of the bytes that make the conventional CKA_ID: the RSA
 * modulus, or the EC/EdDSA point without its DER wrapping. Returns 0 or
 * -1 (no public value). */
int signer_pubkey_id(const struct token_pubkey *pk, unsigned char id[20]);

#endif
