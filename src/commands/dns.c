/* p11cert dns: CNAME records that point custom domains at the service
 * endpoint (dns records, dns-records.c), a live check that they do (dns
 * check, dns-check.c), and the records sent to the zone's server (dns apply,
 * dns-apply.c). */
#include "commands/commands.h"

/* Names read "dns SUBCOMMAND": the prefix of their messages. */
static const struct command subcommands[] = {
    {"dns records", dns_cmd_records, "CNAME records pointing custom domains at the endpoint",
     NEEDS_NO_TOKEN},
    {"dns check", dns_cmd_check, "ask a resolver whether the domains point at the endpoint",
     NEEDS_NO_TOKEN},
    {"dns apply", dns_cmd_apply, "send the CNAME records to the zone's server (RFC 2136, TSIG)",
     NEEDS_NO_TOKEN},
};

int cmd_dns(struct cli *cli, int argc, char **argv)
{
    return cli_run_subcommand(cli, subcommands, sizeof(subcommands) / sizeof(subcommands[0]), argc,
                              argv);
}
