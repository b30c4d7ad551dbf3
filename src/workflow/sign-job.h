/* The workflow shared by csr and selfsign: the subject and SANs parsed
 * before the token is touched, then the token opened, the key found by its
 * URI and a signer made for it. */
#ifndef P11CERT_SIGN_JOB_H
#define P11CERT_SIGN_JOB_H

#include <jansson.h>
#include <openssl/bio.h>

#include "commands/cli.h"
#include "signer/signer.h"
#include "x509/parse.h"

#define SIGN_JOB_MAX_SANS 100

/* The options csr and selfsign share, with ids below 20; each command's own
 * options use ids from 20. */
enum {
    SIGN_OPT_SUBJECT = 1,
    SIGN_OPT_SAN,
    SIGN_OPT_HASH,
    SIGN_OPT_OUT,
    SIGN_OPT_FORCE,
};

#define SIGN_JOB_OPTIONS                                                                           \
    {SIGN_OPT_SUBJECT, "subject", "DN",                                                            \
     "the subject: /C=US/ST=California/O=Org/OU=IT/CN=host or "                                    \
     "CN=host,O=Org,C=US (required)"},                                                             \
        {SIGN_OPT_SAN, "san", "S",                                                                 \
         "a subjectAltName: DNS:name, IP:address, email:addr or URI:uri (repeatable); with "       \
         "none, a host-name CN is added as DNS:"},                                                 \
        {SIGN_OPT_HASH, "hash", "H", "sha256 (default), sha384 or sha512"},                        \
        {SIGN_OPT_OUT, "out", "F", "write to F (default: standard output)"},                       \
    {                                                                                              \
        SIGN_OPT_FORCE, "force", NULL, "replace F if it exists"                                    \
    }

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
    struct token_ctx ctx;
    struct token_key key;
    struct signer signer;
    X509_NAME *subject;
    GENERAL_NAMES *sans;
    int cn_added; /* the CN was added as a DNS SAN */
};

/* Takes one of SIGN_JOB_OPTIONS into req: 1 taken, 0 not one of them,
 * -1 a usage error (reported). */
int sign_job_option(struct sign_request *req, int id, const char *arg);

/* Parses the request's subject, SANs and hash into a zeroed job (subject,
 * sans, cn_added) and touches no token. A malformed one is reported and
 * returns EXIT_USAGE; batch words the messages for JSON members rather than
 * options. */
int sign_job_parse(struct sign_job *job, const struct sign_request *req, int batch);

/* Loads the module(s), opens the one token uri selects and logs in; ctx
 * takes uri. Reports its own errors; returns 0 or -1. */
int sign_job_open_token(struct token_ctx *ctx, struct cli *cli, P11KitUri *uri);

/* Finds the key pair uri names on ctx's opened token (uri stays the
 * caller's): one key lookup, as token_find_key makes it. */
int sign_job_find_key(struct token_ctx *ctx, P11KitUri *uri, struct token_key *key);

/* Parses the request's text (a malformed DN, SAN or hash is a usage error:
 * returns EXIT_USAGE), then opens the token and finds the key (EXIT_FAIL on
 * failure). Returns EXIT_OK when the job is ready to sign. */
int sign_job_open(struct sign_job *job, struct cli *cli, const struct sign_request *req);

/* Frees everything and finalizes the module; safe on a failed open. */
void sign_job_close(struct sign_job *job);

/* Writes data (what: "request" or "certificate", PEM or DER) to out, or to
 * stdout when out is NULL, then describes the result: a few lines of text
 * when written to a file, or with --json one document (holding the PEM
 * when there is no out) that extra's members are merged into. */
int sign_job_output(struct cli *cli, struct sign_job *job, const char *what, BIO *data,
                    const char *out, int force, json_t *extra);

#endif
