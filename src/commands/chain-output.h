/* chain's outputs: chain.crt and the fullchain cut from the path and
 * written, and the path described (text, or the --json document). */
#ifndef P11CERT_COMMANDS_CHAIN_OUTPUT_H
#define P11CERT_COMMANDS_CHAIN_OUTPUT_H

#include <jansson.h>

#include "commands/cli.h"
#include "util/secret.h"
#include "x509/chain.h"

/* chain's options, and what was fetched for the path. */
struct chain_args {
    const char *leaf, *out, *fullchain, *trust;
    struct secret_source password;
    int no_root, force, offline;
    json_t *fetched; /* from caIssuers URLs: [{url, subject, format}] */
};

/* Writes --out (or standard output) and --fullchain from path and says
 * what it did. Returns 0, or -1 reported. */
int chain_output(struct cli *cli, const struct chain_args *a, const struct x509_path *path);

#endif
