/* What the acme subcommands share in the command layer: the account key,
 * the CA's directory and the trust for its TLS certificate. */
#ifndef P11CERT_COMMANDS_ACME_OPTIONS_H
#define P11CERT_COMMANDS_ACME_OPTIONS_H

#include "commands/cli.h"
#include "workflow/acme.h"

enum {
    ACME_OPT_ACCOUNT_KEY = 1,
    ACME_OPT_DIRECTORY,
    ACME_OPT_CA_BUNDLE,
    ACME_OPT_FIRST_OWN = 10, /* each subcommand's own options from here */
};

#define ACME_TARGET_OPTIONS                                                                        \
    {ACME_OPT_ACCOUNT_KEY, "account-key", "KEY-URI",                                               \
     "the ACME account key on the token (required): it signs every request"},                      \
        {ACME_OPT_DIRECTORY, "directory", "URL",                                                   \
         "the CA's ACME directory (default: Let's Encrypt, " ACME_DEFAULT_DIRECTORY ")"},          \
    {                                                                                              \
        ACME_OPT_CA_BUNDLE, "ca-bundle", "FILE",                                                   \
            "the CA certificates the ACME server's TLS certificate must chain to (default: the "   \
            "system's store)"                                                                      \
    }

/* Seconds acme account and acme revoke give the CA. */
#define ACME_SHORT_TIMEOUT 120

struct acme_target_args {
    const char *account_key, *directory, *ca_bundle;
};

/* Takes one of ACME_TARGET_OPTIONS (*taken), or leaves another id. */
void acme_target_take(struct acme_target_args *a, int id, const char *arg, int *taken);

/* --account-key given. Returns 0, or -1 after a usage error. */
int acme_target_check(const struct acme_target_args *a);

/* Opens the account key's token as the running command's row says (plus
 * extra) and fills t (its account_uri is ctx's). With lock_fd, the token
 * lock is taken first (cli_open_token_locked). Returns the exit status. */
int acme_target_open(struct cli *cli, const struct acme_target_args *a, unsigned extra,
                     unsigned timeout, struct token_ctx *ctx, struct acme_target *t, int *lock_fd);

#endif
