/* Public keys between the token's attributes and OpenSSL. */
#ifndef P11CERT_X509_PUBKEY_H
#define P11CERT_X509_PUBKEY_H

#include <openssl/evp.h>

#include "token/token.h"

/* An EVP_PKEY from CKA_MODULUS/CKA_PUBLIC_EXPONENT or CKA_EC_PARAMS/
 * CKA_EC_POINT. Reports its own errors; NULL on failure. */
EVP_PKEY *x509_pubkey_from_token(const struct token_pubkey *pk);

/* The other way: a public key as the token would hold it (the EC point as
 * a DER OCTET STRING, as CKA_EC_POINT carries it). Returns 0 or -1. */
int x509_pubkey_to_token(EVP_PKEY *pkey, struct token_pubkey *pk);

/* "RSA 2048", "EC P-256", "Ed25519" into buf. */
const char *x509_pubkey_describe(const EVP_PKEY *pkey, char *buf, size_t len);

/* The bytes whose SHA-1 is the conventional CKA_ID: the RSA modulus, or
 * the EC/EdDSA point without its DER wrapping. */
int x509_pubkey_id(const struct token_pubkey *pk, unsigned char id[20]);

/* CKA_EC_PARAMS for a curve: the DER of its OID. Returns the length, or
 * -1 when out is too small. */
int x509_curve_params(int nid, unsigned char *out, size_t out_len);

/* "P-256", "P-384", "P-521", "Ed25519" or the OID's short name, for a
 * CKA_EC_PARAMS value; NULL when it cannot be decoded. */
const char *x509_curve_name(const unsigned char *params, size_t len);

#endif
