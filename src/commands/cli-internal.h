/* What the command frame's files share: cli.c parses, help.c prints. */
#ifndef P11CERT_COMMANDS_CLI_INTERNAL_H
#define P11CERT_COMMANDS_CLI_INTERNAL_H

#include <stddef.h>

#include "commands/cli.h"

/* The global options, accepted before or after the command; ends with {0}. */
extern const struct cli_option cli_global_options[];

void cli_print_main_help(const struct command *commands);
void cli_print_command_help(const char *name, const struct cli_spec *spec);
void cli_print_subcommand_help(const char *name, const char *summary, const struct command *subs,
                               size_t n);
void cli_print_version(void);

#endif
