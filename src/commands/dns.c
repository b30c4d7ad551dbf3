/* p11cert dns: CNAME records that point custom domains at the service
 * endpoint (dns records, dns-records.c) and a live check that they do (dns
 * check, dns-check.c). */
#include "commands/commands.h"

/* Names read "dns SUBCOMMAND": the prefix of their messages. */
static const struct command subcommands[] = {
    {"dns records", dns_cmd_records, "CNAME records pointing custom domains at the endpoint",
     NEEDS_NO_TOKEN},
    {"dns check", dns_cmd_check, "ask a resolver whether the domains point at the endpoint",
     NEEDS_NO_TOKEN},
};

int cmd_dns(struct cli *cli, int argc, char **argv)
{
    return cli_run_subcommand(cli, subcommands, sizeof(subcommands) / sizeof(subcommands[0]), argc,
                              argv);
}
