/* Certificates and the token: the DER pieces of a CKO_CERTIFICATE, storing
 * one beside its key, and finding the key a certificate certifies. */
#ifndef P11CERT_SIGNER_CERT_OBJECT_H
#define P11CERT_SIGNER_CERT_OBJECT_H

#include <openssl/x509.h>

#include "token/token.h"

/* The pieces of a certificate object for cert (value, subject, issuer,
 * serial), malloc'd into *buffer (free it with OPENSSL_free) and pointed
 * to from out. The id and label are the caller's. */
int signer_certificate_object(X509 *cert, struct token_certificate *out, unsigned char **buffer);

/* Stores cert on the token with id and label (id NULL: a CA certificate,
 * category authority with the full template, no id), the full template
 * when full (a token profile's cert_template = full). *already: the same
 * certificate was on the token and nothing changed; *made: the object made
 * (token_store_certificate). Returns 0 or -1 (reported). */
int signer_store_certificate(struct token_ctx *ctx, X509 *cert, const unsigned char *id,
                             CK_ULONG id_len, const char *label, int full, int *already,
                             CK_OBJECT_HANDLE *made);

/* The key pair on the token that cert certifies: found by cert's public
 * value, or, with key_uri, the one it names, which must then be cert's.
 * *found says whether there is one. Returns 0 or -1 (reported). */
int signer_find_certified_key(struct token_ctx *ctx, X509 *cert, P11KitUri *key_uri,
                              struct token_key *key, int *found);

#endif
