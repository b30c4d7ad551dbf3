/* import: an issued certificate stored on the token beside the key it
 * certifies (found by its public value, or the key a URI names), with the
 * key's id and label; on request, the CA certificates of its path beside it
 * (and only those: end-entity certificates and unrelated CAs are left out,
 * with the reason). Storing a certificate that is there already changes
 * nothing. */
#ifndef P11CERT_WORKFLOW_IMPORT_H
#define P11CERT_WORKFLOW_IMPORT_H

#include <jansson.h>

#include "token/token.h"
#include "x509/decode.h"

struct import_request {
    const char *cert_file;  /* its first certificate is imported */
    const char *chain_file; /* NULL, or CA certificates: those of the leaf's path are stored */
    const char *label;      /* NULL: the key's */
};

struct import_inputs {
    struct x509_bundle cert, chain;
};

struct import_result {
    struct token_key key;
    const char *label; /* the certificate's label */
    int already;       /* the certificate was on the token already */
    json_t *chain;     /* [{"label", "already_there"}] of the CA certificates stored */
    json_t *left_out;  /* [{"label", "why"}] of --chain's certificates not on the path */
};

/* Reads the files, before any token is opened. Returns the exit status. */
int import_read(const struct import_request *req, struct import_inputs *in);
void import_inputs_free(struct import_inputs *in);

/* The certificate to import: the first of the file. */
X509 *import_certificate(const struct import_inputs *in);

/* Stores the certificate on ctx's token (opened read-write, logged in)
 * beside its key: found by the certificate's public value, or, with
 * key_uri, the key it names, which must be the certificate's. The token
 * profile (config) says which certificate template the token wants.
 * Returns the exit status. */
int import_store(struct token_ctx *ctx, const struct token_config *config, P11KitUri *key_uri,
                 const struct import_request *req, const struct import_inputs *in,
                 struct import_result *out);
void import_result_free(struct import_result *result);

#endif
