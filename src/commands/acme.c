/* p11cert acme: certificates from an ACME CA (RFC 8555) with the account
 * key and the certificate key on the token: acme account (acme-account.c),
 * acme issue (acme-issue.c), acme revoke (acme-revoke.c). */
#include "commands/commands.h"

/* Names read "acme SUBCOMMAND": the prefix of their messages. */
static const struct command subcommands[] = {
    {"acme account", acme_cmd_account, "register the account key with the CA, or find its account",
     NEEDS_TOKEN | NEEDS_LOGIN},
    /* --import adds a read-write session. */
    {"acme issue", acme_cmd_issue, "order a certificate for the token key and validate the names",
     NEEDS_TOKEN | NEEDS_LOGIN},
    {"acme revoke", acme_cmd_revoke, "revoke a certificate with the account key",
     NEEDS_TOKEN | NEEDS_LOGIN},
};

int cmd_acme(struct cli *cli, int argc, char **argv)
{
    return cli_run_subcommand(cli, subcommands, sizeof(subcommands) / sizeof(subcommands[0]), argc,
                              argv);
}
