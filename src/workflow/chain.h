/* chain: the certification path from any number of files in any order and
 * format, built by OpenSSL; chain.crt and fullchain are cut from it. */
#ifndef P11CERT_WORKFLOW_CHAIN_H
#define P11CERT_WORKFLOW_CHAIN_H

#include <jansson.h>

#include "util/secret.h"
#include "x509/chain.h"

struct chain_request {
    char **files;
    int n_files;
    const char *leaf;  /* --leaf FILE, or NULL: the one input that issued no other */
    const char *trust; /* --trust FILE or "system", or NULL: self-signed inputs */
    const struct secret_source *password; /* for PKCS#12 inputs */
    int offline;                          /* never fetch a missing issuer from its caIssuers URL */
};

/* Reads the inputs (with a leaf given, PEM files are pooled and only the
 * certificates a path can use are decoded), drops duplicates and builds
 * the path, fetching missing issuers from caIssuers URLs (workflow/aia.h)
 * unless offline; each fetch is appended to fetched (when not NULL). A
 * failure is reported naming the certificate. Returns the exit status;
 * free the path with x509_path_free in every case. */
int chain_build(const struct chain_request *req, struct x509_path *path, json_t *fetched);

/* The same path from certificates already read (acme issue's download):
 * leaf (NULL: found among certs) and certs as chain_build has them after
 * reading; req gives the trust, its password and offline (files and leaf
 * are not read). */
int chain_build_from(STACK_OF(X509) *certs, X509 *leaf, const struct chain_request *req,
                     struct x509_path *path, json_t *fetched);

#endif
