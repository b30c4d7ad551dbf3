/* The command-line frame: global options, the command table, and each
 * command's options declared once — the parser and --help are made from the
 * same table, so they cannot drift apart. */
#ifndef P11CERT_CLI_H
#define P11CERT_CLI_H

#include "util/msg.h"
#include "token/token.h"

/* Everything main owns and passes down. */
struct cli {
    struct token_config token; /* --module, --pin-source */
    int json;                  /* --json: one JSON document on stdout */
    enum msg_level level;      /* -q / -v */
    const struct command *command;
};

struct command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *summary;
};

/* One option of a command: its id (returned by cli_next), long name,
 * argument name (NULL: no argument) and help text. */
struct cli_option {
    int id;
    const char *name;
    const char *arg;
    const char *help;
};

/* What a command declares about itself for the parser and --help. */
struct cli_spec {
    const char *usage;                /* after "p11cert CMD " */
    const char *about;                /* a paragraph under the usage line */
    const struct cli_option *options; /* ends with {0} */
    int min_args, max_args;           /* positional arguments (-1: no limit) */
};

enum {
    CLI_END = -1,   /* no more options; positional arguments follow */
    CLI_ERROR = -2, /* usage error, reported: exit 2 */
    CLI_HELP = -3,  /* --help printed: exit 0 */
};

struct cli_parser {
    struct cli *cli;
    const struct cli_spec *spec;
    int argc;
    char **argv;
    void *long_options; /* struct option[], built from spec and the globals */
};

/* Prepares to parse a command's argv (argv[0] is the command's name). */
int cli_parser_init(struct cli_parser *p, struct cli *cli, const struct cli_spec *spec, int argc,
                    char **argv);
void cli_parser_free(struct cli_parser *p);

/* The next command option's id, with its argument in *arg; global options
 * are handled here. After CLI_END, cli_args gives the positional arguments,
 * their count checked against the spec. */
int cli_next(struct cli_parser *p, const char **arg);
int cli_args(struct cli_parser *p, char ***args);

/* Parses the global options before the command (main). Returns the index of
 * the command in argv, or CLI_ERROR / CLI_HELP (help or version printed). */
int cli_parse_globals(struct cli *cli, const struct command *commands, int argc, char **argv);

/* Reports a usage error with the command's name and returns CLI_ERROR. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses a secret's source (--pin-source, --password-source); reports and
 * returns -1 on error. */
int cli_parse_secret_source(const char *option, const char *text, struct secret_source *out);

/* Parses a positive integer option; reports and returns -1 on error. */
int cli_parse_uint(const char *option, const char *text, unsigned long max, unsigned long *out);

/* The command table (main.c) and the commands. */
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

#endif
