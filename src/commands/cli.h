/* The command-line frame: global options, the command table, and each
 * command's options declared once — the parser and --help are made from the
 * same table, so they cannot drift apart. The command layer is the only one
 * that knows about argv, struct cli or the output mode; the workflow below
 * it gets option structs and an opened token. */
#ifndef P11CERT_COMMANDS_CLI_H
#define P11CERT_COMMANDS_CLI_H

#include "token/token.h"
#include "util/msg.h"

/* Everything main owns and passes down. */
struct cli {
    struct token_config token; /* --module, --module-init-args, --profile, --pin-source */
    int json;                  /* --json: one JSON document on stdout */
    enum msg_level level;      /* -q / -v */
    const struct command *command;
};

/* What a command needs from a token, stated in its row of the table and
 * provided by cli_open_token: the command layer opens the session, once,
 * and hands it down. */
enum command_needs {
    NEEDS_NO_TOKEN = 0,
    NEEDS_TOKEN = 1 << 8,                    /* one token session, chosen by a URI argument */
    NEEDS_LOGIN = TOKEN_NEEDS_LOGIN,         /* ... logged in as the user */
    NEEDS_LOGIN_IF_PIN = TOKEN_LOGIN_IF_PIN, /* ... logged in when a PIN source is at hand */
    NEEDS_RW_SESSION = TOKEN_NEEDS_RW,       /* ... read-write */
    NEEDS_KEPT_PIN = TOKEN_KEEP_PIN,         /* ... the PIN kept for a second login (libp11) */
};

struct command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *summary;
    unsigned needs; /* enum command_needs */
};

/* One option of a command: its id (handed to the command's take function),
 * long name, argument name (NULL: no argument) and help text. */
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

/* Takes one command option into the command's option struct. Returns 0, or
 * -1 after reporting a usage error (cli_usage_error). */
typedef int (*cli_take_fn)(void *opts, int id, const char *arg);

/* The positional arguments after the options. */
struct cli_args {
    char **v;
    int n;
};

/* Parses a command's argv (argv[0] is the command's name) against spec:
 * each command option goes to take(opts, ...) (take may be NULL when spec
 * has none), global options to cli, wherever they stand; the number of
 * positional arguments is checked against the spec. Returns 0 when the
 * command goes on; else -1 with the exit status to return in *status
 * (EXIT_OK after --help, EXIT_USAGE after a reported usage error). */
int cli_parse(struct cli *cli, const struct cli_spec *spec, int argc, char **argv, cli_take_fn take,
              void *opts, struct cli_args *args, int *status);

/* Parses the global options before the command (main). Returns the index
 * of the command in argv, or -1 with the exit status in *status (after
 * --help or --version, or a usage error). */
int cli_parse_globals(struct cli *cli, const struct command *commands, int argc, char **argv,
                      int *status);

/* Runs a command's subcommand, as with git (`p11cert dns records ...`):
 * argv[1] names one of subs[0..n) (whose names read "dns records", the
 * prefix of their messages); "--help" lists them. Returns the exit status. */
int cli_run_subcommand(struct cli *cli, const struct command *subs, size_t n, int argc,
                       char **argv);

/* Reports a usage error with the command's name. */
void cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses a secret's source (--pin-source, --password-source, --tsig-key).
 * Returns 0, or -1 after reporting a usage error. */
int cli_parse_secret_source(const char *option, const char *text, struct secret_source *out);

/* Parses a positive integer option of at most max. Returns 0, or -1 after
 * reporting a usage error. */
int cli_parse_uint(const char *option, const char *text, unsigned long max, unsigned long *out);

/* An output option's argument: "-" is standard output (*path NULL) when
 * to_stdout allows it, "" is a usage error. Returns 0, or -1 after
 * reporting it. */
int cli_parse_output(const char *option, const char *arg, int to_stdout, const char **path);

/* A file an option names, for cli_check_files. */
struct cli_file {
    const char *option; /* "--out", or "FILE" for a positional input */
    const char *path;   /* NULL: not given */
};

/* Outputs that name the same file as each other or as an input (however
 * the paths are spelled): a usage error that names both. Returns 0, or -1
 * after reporting it. */
int cli_check_files(const struct cli_file *outs, size_t n_outs, const struct cli_file *ins,
                    size_t n_ins);

/* The same, the inputs being the positional FILEs plus extra (e.g. --leaf,
 * --trust). */
int cli_check_outputs(const struct cli_file *outs, size_t n_outs, const struct cli_args *files,
                      const struct cli_file *extra, size_t n_extra);

/* Opens the token uri_text selects (what names it in errors: "key URI")
 * as the running command's row says (its needs, plus extra for an option
 * that needs more, such as check --tls), into ctx. Returns the exit status:
 * EXIT_OK with ctx open (free it with token_ctx_free), EXIT_USAGE for a
 * malformed URI, EXIT_FAIL (reported). */
int cli_open_token(struct cli *cli, const char *uri_text, const char *what, unsigned extra,
                   struct token_ctx *ctx);

/* The same for a command that creates objects: first the lock that makes
 * writers to one module take turns (workflow/token-lock.h; *lock_fd for
 * token_unlock, after token_ctx_free). */
int cli_open_token_locked(struct cli *cli, const char *uri_text, const char *what, unsigned extra,
                          struct token_ctx *ctx, int *lock_fd);

/* What the workflow needs to open a token itself, when the URI is known
 * only later (csr --batch meets it in its first line). */
struct token_opening cli_token_opening(const struct cli *cli, unsigned extra);

#endif
