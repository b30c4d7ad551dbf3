/* The account key of an ACME client as JWS (RFC 7515) wants it: the
 * algorithm its key type makes (ES256 for P-256, ES384 for P-384, ES512 for
 * P-521, RS256 for RSA), signatures in JWS form (ECDSA as the raw r||s that
 * CKM_ECDSA returns, each half as long as the curve's order), the public
 * key as a JWK (RFC 7517) and its thumbprint (RFC 7638). The signing is the
 * token's, through signer.h; every signature is verified before it goes
 * out. */
#ifndef P11CERT_SIGNER_JWS_H
#define P11CERT_SIGNER_JWS_H

#include <stddef.h>

#include <jansson.h>

#include "signer/signer.h"

/* Room for the base64url SHA-256 thumbprint (43 characters) and its NUL. */
#define SIGNER_THUMBPRINT_SIZE 44

/* Room for any JWS signature (RSA 8192). */
#define SIGNER_JWS_SIG_MAX 1024

struct signer_jws {
    struct signer signer;
    const char *alg;  /* "ES256", "ES384", "ES512", "RS256" */
    size_t coord_len; /* EC: the bytes of each of r, s, x and y; 0 for RSA */
};

/* For key on ctx's token (logged in). Refuses a key JWS cannot name for an
 * ACME CA (Ed25519, an unknown curve). Reports its own errors. */
int signer_jws_init(struct signer_jws *j, struct token_ctx *ctx, const struct token_key *key);
void signer_jws_free(struct signer_jws *j);

/* The public key as a JWK holding only the required members (kty, crv, x,
 * y or kty, n, e), the form RFC 7638 hashes. A new reference, or NULL
 * after reporting. */
json_t *signer_jws_jwk(const struct signer_jws *j);

/* The key's RFC 7638 thumbprint: base64url(SHA-256(the JWK's members in
 * lexicographic order, no white space)). Returns 0, or -1 after reporting. */
int signer_jws_thumbprint(const struct signer_jws *j, char out[SIGNER_THUMBPRINT_SIZE]);

/* Signs the JWS signing input (ASCII "PROTECTED.PAYLOAD") on the token and
 * checks the signature with the public key: sig gets SIGNER_JWS_SIG_MAX
 * bytes at most, *sig_len says how many. Returns 0, or -1 after reporting. */
int signer_jws_sign(struct signer_jws *j, const void *input, size_t len, unsigned char *sig,
                    size_t *sig_len);

#endif
