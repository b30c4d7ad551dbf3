/* The checks of `p11cert check`: each adds one PASS/FAIL line (name, ok,
 * detail) to a report; none prints. */
#ifndef P11CERT_CHECKS_H
#define P11CERT_CHECKS_H

#include <jansson.h>
#include <openssl/x509.h>

#include "signer/signer.h"

struct check_report {
    json_t *checks; /* [{name, ok, detail}] */
    int failed;
};

void check_add(struct check_report *r, const char *name, int ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The token key and the certificate are a pair: equal public keys, and a
 * fresh signature made on the token verifies with the certificate. */
void check_key_pair(struct check_report *r, struct signer *signer, X509 *cert);

/* The certificate covers host in its SANs, as browsers match them. */
void check_name(struct check_report *r, X509 *cert, const char *host);

/* Now is inside the validity window; fewer than 30 days left is a warning
 * in the detail, not a failure. */
void check_validity(struct check_report *r, X509 *cert);

/* The certificate may authenticate a TLS server (EKU serverAuth, key usage). */
void check_server_auth(struct check_report *r, X509 *cert);

/* A TLS 1.2 and a TLS 1.3 handshake in memory with the token key, the
 * client verifying against root and (when given) host. */
void check_tls(struct check_report *r, struct token_ctx *ctx, const struct token_key *key,
               X509 *cert, STACK_OF(X509) *intermediates, X509 *root, const char *host);

#endif
