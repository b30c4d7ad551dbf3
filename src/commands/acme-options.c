/* The options every acme subcommand has. */
#include "commands/acme-options.h"

#include <string.h>

void acme_target_take(struct acme_target_args *a, int id, const char *arg, int *taken)
{
    *taken = 1;
    if (id == ACME_OPT_ACCOUNT_KEY)
        a->account_key = arg;
    else if (id == ACME_OPT_DIRECTORY)
        a->directory = arg;
    else if (id == ACME_OPT_CA_BUNDLE)
        a->ca_bundle = arg;
    else
        *taken = 0;
}

int acme_target_check(const struct acme_target_args *a)
{
    if (!a->account_key) {
        cli_usage_error("--account-key KEY-URI is required (make one with p11cert keygen "
                        "--type ec:p256)");
        return -1;
    }
    if (a->directory && strncmp(a->directory, "https://", 8) != 0 &&
        strncmp(a->directory, "http://", 7) != 0) {
        cli_usage_error("--directory wants an https:// URL");
        return -1;
    }
    return 0;
}

int acme_target_open(struct cli *cli, const struct acme_target_args *a, unsigned extra,
                     unsigned timeout, struct token_ctx *ctx, struct acme_target *t, int *lock_fd)
{
    int ret = lock_fd ? cli_open_token_locked(cli, a->account_key, "--account-key URI", extra, ctx,
                                              lock_fd)
                      : cli_open_token(cli, a->account_key, "--account-key URI", extra, ctx);

    memset(t, 0, sizeof(*t));
    if (ret != EXIT_OK)
        return ret;
    t->account_uri = ctx->uri;
    t->directory = a->directory;
    t->ca_bundle = a->ca_bundle;
    t->timeout = timeout;
    return EXIT_OK;
}
