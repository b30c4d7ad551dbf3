/* What csr and selfsign share in the command layer: the options both take
 * (ids below 20; each command's own from 20) and how a signed result is
 * written and described. */
#ifndef P11CERT_COMMANDS_SIGN_OPTIONS_H
#define P11CERT_COMMANDS_SIGN_OPTIONS_H

#include <jansson.h>

#include "commands/cli.h"
#include "workflow/sign-job.h"

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

/* Takes one of SIGN_JOB_OPTIONS into req (*taken), or leaves an id that is
 * not one of them. Returns 0, or -1 after a usage error. */
int sign_options_take(struct sign_request *req, int id, const char *arg, int *taken);

/* Parses the request, checks its output file, opens the token of its key
 * URI as the command's row says and prepares the job. Returns the exit
 * status; the caller closes the job and frees ctx in every case. */
int sign_options_open(struct cli *cli, const struct sign_request *req, struct token_ctx *ctx,
                      struct sign_job *job);

/* Writes data (what: "request" or "certificate") to out, or to stdout when
 * out is NULL, then describes the result: a few lines of text when written
 * to a file, or with --json one document (holding the PEM when there is no
 * out) that extra's members are merged into. Returns the exit status. */
int sign_options_output(struct cli *cli, const struct sign_job *job, const char *what, BIO *data,
                        const char *out, int force, json_t *extra);

#endif
