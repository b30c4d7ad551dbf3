/* What csr and selfsign share: the subject and SANs parsed before the token
 * is touched, then on the opened token the key found and a signer made for
 * it, then the structure built and signed (verified before it is returned). */
#ifndef P11CERT_WORKFLOW_SIGN_JOB_H
#define P11CERT_WORKFLOW_SIGN_JOB_H

#include <openssl/bio.h>

#include "signer/signer.h"
#include "x509/parse.h"

#define SIGN_JOB_MAX_SANS 100

/* One request as the operator gave it (options, or a line of a batch). */
struct sign_request {
    const char *key_uri;
    const char *out;
    int force;
    const char *subject;
    const char *sans[SIGN_JOB_MAX_SANS];
    size_t n_sans;
    const char *hash; /* NULL: sha256 */
    int pss;
};

struct sign_job {
    struct token_ctx *ctx; /* the opened token: the caller's */
    struct token_key key;
    struct signer signer;
    int have_signer;
    X509_NAME *subject;
    GENERAL_NAMES *sans;
    int cn_added; /* the CN was added as a DNS SAN */
};

/* Parses the request's subject, SANs and hash into a zeroed job and touches
 * no token. A malformed one is reported and returns EXIT_USAGE; batch
 * words the messages for JSON members rather than options. */
int sign_job_parse(struct sign_job *job, const struct sign_request *req, int batch);

/* On ctx's opened, logged-in token: the key pair key_uri names and a
 * signer for it with the request's hash and padding. Returns the exit
 * status (reported). */
int sign_job_prepare(struct sign_job *job, struct token_ctx *ctx, P11KitUri *key_uri,
                     const struct sign_request *req);

/* The signed, verified request (PEM or DER) in *data. */
int sign_job_request(struct sign_job *job, int der, BIO **data);

/* The signed, verified self-signed certificate, valid for days, in *cert
 * (the caller frees it) and encoded in *data. */
int sign_job_selfsigned(struct sign_job *job, unsigned long days, int der, X509 **cert, BIO **data);

/* Frees what the job holds (not the token); safe on a failed one. */
void sign_job_close(struct sign_job *job);

#endif
