/* The one bridge between OpenSSL and the token: "sign these TBS bytes with
 * that key". OpenSSL hashes locally and names the algorithm; the token
 * signs with a raw mechanism (CKM_RSA_PKCS over a DigestInfo, CKM_RSA_PKCS_PSS
 * over the hash, CKM_ECDSA over the hash, CKM_EDDSA over the whole TBS), so
 * the same code works on tokens and remoting layers without hashed
 * mechanisms. A token whose profile says sign_rsa / sign_ec = hashed gets
 * the whole TBS and the hashed mechanism instead (CKM_SHA256_RSA_PKCS,
 * CKM_SHA256_RSA_PKCS_PSS, CKM_ECDSA_SHA256, ...): a TPM does raw RSA as a
 * decryption, which a signing key may not do. Every signature is verified
 * either way. No engine, no provider. */
#ifndef P11CERT_SIGNER_H
#define P11CERT_SIGNER_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "token/token.h"

struct signer {
    struct token_ctx *ctx;
    const struct token_key *key;
    EVP_PKEY *pubkey;  /* the key's public half, as OpenSSL sees it */
    const EVP_MD *md;  /* NULL for Ed25519, which hashes inside */
    int pss;           /* RSASSA-PSS instead of PKCS #1 v1.5 */
    int hashed;        /* the token hashes: a hashed mechanism over the whole TBS */
    X509_ALGOR *algor; /* the AlgorithmIdentifier the signature carries */
    /* Where it signs: CK_INVALID_HANDLE (as signer_init leaves it) for
     * ctx's session. A copy of the struct with another session (from
     * token_open_session) signs on another thread; the copy owns nothing
     * and is never freed. */
    CK_SESSION_HANDLE session;
};

/* hash: "sha256", "sha384", "sha512" (NULL: sha256). pss needs an RSA key
 * and CKM_RSA_PKCS_PSS on the token (its hashed form, for a profile that
 * signs hashed). The mechanism per key type comes from the token's profile
 * (token_ctx_profile). Reports its own errors. */
int signer_init(struct signer *s, struct token_ctx *ctx, const struct token_key *key,
                const char *hash, int pss);
void signer_free(struct signer *s);

/* Signs the request on the token and verifies the signature with the public
 * key before returning. */
int signer_sign_request(struct signer *s, X509_REQ *req);

/* Same for a certificate: both algorithm identifiers are set first. */
int signer_sign_certificate(struct signer *s, X509 *cert);

/* Signs a fresh test message on the token and checks the signature with
 * verify_key — the certificate's key, say — as OpenSSL verifies it:
 * *verified, or why not in why. Returns 0, or -1 when the token could not
 * sign (reported). */
int signer_test_signature(struct signer *s, EVP_PKEY *verify_key, int *verified, char *why,
                          size_t why_len);

/* A short name of the signature algorithm ("sha256WithRSAEncryption"). */
const char *signer_algorithm_name(const struct signer *s);

#endif
