/* Fetching what the CA did not send: when a path stops at a certificate
 * whose issuer is in none of the inputs, the caIssuers URL of that
 * certificate is fetched (net/http.h), decoded (DER, PKCS#7 certs-only or
 * PEM, by x509/decode.h), checked to hold the certificate's issuer, and
 * added for the next try of the path. Each fetch is one stderr line and one
 * entry of the --json log. */
#ifndef P11CERT_WORKFLOW_AIA_H
#define P11CERT_WORKFLOW_AIA_H

#include <jansson.h>
#include <openssl/x509.h>

#include "x509/chain.h"

/* The bounds of CLI.md. */
#define AIA_MAX_FETCHES   8
#define AIA_MAX_BYTES     (1024UL * 1024)
#define AIA_TIMEOUT_MS    10000L
#define AIA_MAX_REDIRECTS 3

struct aia_fetcher {
    int offline;           /* --offline: never fetch */
    int count;             /* fetches made so far */
    STACK_OF(X509) *certs; /* everything they brought: x509_chain_request.fetched */
    json_t *log;           /* borrowed, may be NULL: [{url, subject, format}] appended */
};

/* Returns the exit status (EXIT_FAIL: out of memory, reported). */
int aia_fetcher_init(struct aia_fetcher *f, int offline, json_t *log);
void aia_fetcher_free(struct aia_fetcher *f);

/* After a path build failed with diag: when diag->stuck names a
 * caIssuers URL, fetches it and adds its certificates to f->certs (*more
 * = 1: build again). Nothing to fetch is *more = 0, with diag->why saying
 * why when it is worth knowing (--offline: the URL it could have come
 * from; the fetches ran out). Returns EXIT_OK, or EXIT_FAIL when the
 * fetch failed (a server down, a 404, too large, not a certificate, not
 * the issuer): one line reported. */
int aia_fetch_missing(struct aia_fetcher *f, struct x509_chain_diag *diag, int *more);

#endif
