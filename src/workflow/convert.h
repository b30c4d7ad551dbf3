/* convert: whatever a CA sent back (PEM, DER, PKCS#7, PKCS#12) read by
 * content, each certificate once, leaf first when they form a chain; and
 * what is done with a PFX's private key, only when asked: put on a token as
 * a non-extractable signing key beside its certificate, or written to a
 * 0600 file with a warning. */
#ifndef P11CERT_WORKFLOW_CONVERT_H
#define P11CERT_WORKFLOW_CONVERT_H

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "token/token.h"
#include "util/outfile.h"
#include "x509/decode.h"

struct convert_request {
    char **files;
    int n_files;
    const struct secret_source *password; /* for PKCS#12 inputs */
    int der;                              /* one DER certificate wanted: more is a usage error */
};

struct convert_result {
    struct x509_bundle *bundles; /* one per input */
    int n_bundles;
    STACK_OF(X509) *all;     /* every certificate once, input order */
    STACK_OF(X509) *ordered; /* all's, leaf first (borrowed) */
    json_t *formats;         /* the format of each input */
    int chained;             /* how many of ordered form the leaf's path (0: none) */
    EVP_PKEY *key;           /* the one private key among the inputs (bundles'), or NULL */
    const char *key_file;    /* where it came from */
    int n_keys;
};

/* Reads and orders the inputs, with a note for what the operator should
 * know (duplicates dropped, no single chain). Returns the exit status. */
int convert_read(const struct convert_request *req, struct convert_result *out);
void convert_result_free(struct convert_result *result);

/* Whether the inputs hold exactly the one private key that option (which
 * asks for it) can use; else reported. Returns the exit status. */
int convert_one_key(const struct convert_result *r, const char *option);

/* Stores key on ctx's token (opened read-write, logged in) as a
 * non-extractable, sensitive private key labelled label, with its
 * certificate among certs beside it (*made: what convert_key_undo removes
 * when a later step fails); on a failure nothing is left on the token.
 * Returns the exit status. */
int convert_key_import(struct token_ctx *ctx, const char *label, EVP_PKEY *key,
                       STACK_OF(X509) *certs, struct token_key *made);
void convert_key_undo(struct token_ctx *ctx, const struct token_key *made);

/* Writes key as unencrypted PKCS#8 PEM to a 0600 temporary file beside path
 * (replacing a file only when force); convert_key_commit gives it its name,
 * with a warning that the key now lives in a file, or outfile_abort drops
 * it. Returns the exit status. */
int convert_key_stage(const char *path, int force, EVP_PKEY *key, struct outfile *out);
int convert_key_commit(struct outfile *out);

/* convert's outputs, all made ready before the token is touched, so that a
 * failure leaves neither a half-written file nor a changed token. */
struct convert_outputs {
    BIO *certs;         /* the certificates, encoded */
    struct outfile out; /* staged --out (its path NULL: standard output at commit) */
    struct outfile key; /* staged --key-out */
    int to_stdout, has_key;
};

/* Encodes the certificates (one DER with der) and stages out (NULL:
 * standard output, when to_stdout) and key_out (NULL: none). Returns the
 * exit status; convert_outputs_free in every case. */
int convert_stage(const struct convert_result *r, const char *out, int to_stdout,
                  const char *key_out, int force, int der, struct convert_outputs *o);

/* Gives the staged files their names (the key first) and writes standard
 * output. Returns the exit status. */
int convert_commit(struct convert_outputs *o);
void convert_outputs_free(struct convert_outputs *o);

#endif
