/* The commands, one file each in commands/, listed in main.c's table. */
#ifndef P11CERT_COMMANDS_COMMANDS_H
#define P11CERT_COMMANDS_COMMANDS_H

#include "commands/cli.h"

int cmd_tokens(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_keygen(struct cli *cli, int argc, char **argv);
int cmd_csr(struct cli *cli, int argc, char **argv);
int cmd_selfsign(struct cli *cli, int argc, char **argv);
int cmd_convert(struct cli *cli, int argc, char **argv);
int cmd_chain(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_dns(struct cli *cli, int argc, char **argv);
int cmd_acme(struct cli *cli, int argc, char **argv);
int cmd_server_config(struct cli *cli, int argc, char **argv);
int cmd_renew(struct cli *cli, int argc, char **argv);

/* dns's subcommands (dns.c lists them). */
int dns_cmd_records(struct cli *cli, int argc, char **argv);
int dns_cmd_check(struct cli *cli, int argc, char **argv);
int dns_cmd_apply(struct cli *cli, int argc, char **argv);

/* acme's subcommands (acme.c lists them). */
int acme_cmd_account(struct cli *cli, int argc, char **argv);
int acme_cmd_issue(struct cli *cli, int argc, char **argv);
int acme_cmd_revoke(struct cli *cli, int argc, char **argv);

#endif
