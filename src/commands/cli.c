/* Option parsing for main and every command, and the help made from the
 * same option tables. */
#include "commands/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef P11CERT_VERSION
#define P11CERT_VERSION "0.1.0"
#endif

enum {
    OPT_MODULE = 1000,
    OPT_MODULE_INIT_ARGS,
    OPT_PROFILE,
    OPT_PIN_SOURCE,
    OPT_JSON,
    OPT_VERSION,
    OPT_QUIET = 'q',
    OPT_VERBOSE = 'v',
    OPT_HELP = 'h',
};

static const struct cli_option global_options[] = {
    {OPT_MODULE, "module", "PATH|NAME",
     "PKCS#11 module: a .so path or a p11-kit module name (default: $P11CERT_MODULE, "
     "module-path=/module-name= in the URI, else every module p11-kit registers)"},
    {OPT_MODULE_INIT_ARGS, "module-init-args", "STRING",
     "given to the module as C_Initialize's reserved argument (NSS softokn: \"configdir='sql:DIR' "
     "certPrefix='' keyPrefix='' secmod='secmod.db' flags=\"; default: "
     "$P11CERT_MODULE_INIT_ARGS, else the module's x-init-reserved in p11-kit's registry)"},
    {OPT_PROFILE, "profile", "NAME|FILE",
     "the token profile to use (tokens/NAME, or a file): known quirks and defaults (default: "
     "the profile that matches the token's manufacturer and model)"},
    {OPT_PIN_SOURCE, "pin-source", "SRC",
     "where the user PIN comes from: prompt, file:PATH, env:NAME or fd:N (default: the "
     "URI's pin-source=/pin-value=, else a prompt on a terminal); there is no --pin"},
    {OPT_JSON, "json", NULL, "one JSON document on stdout instead of text"},
    {OPT_QUIET, "quiet", NULL, "only errors on stderr (-q)"},
    {OPT_VERBOSE, "verbose", NULL, "more detail on stderr (-v)"},
    {OPT_HELP, "help", NULL, "this help (-h)"},
    {OPT_VERSION, "version", NULL, "the version"},
    {0, NULL, NULL, NULL},
};

static const char exit_statuses[] =
    "exit status: 0 success, 1 the operation or a check failed, 2 usage error (unknown\n"
    "option, missing or malformed argument)\n";

int cli_usage_error(const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    errorf("%s", line);
    return CLI_ERROR;
}

int cli_parse_secret_source(const char *option, const char *text, struct secret_source *out)
{
    char why[256];

    if (secret_source_parse(text, 0, out, why, sizeof(why)) < 0)
        return cli_usage_error("bad %s: %s", option, why), -1;
    return 0;
}

int cli_parse_uint(const char *option, const char *text, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    unsigned long value;

    if (!text || !*text || *text == '-' || *text == '+')
        return cli_usage_error("%s wants a whole number, not \"%s\"", option, text ? text : "");
    value = strtoul(text, &end, 10);
    if (*end || value == 0 || value > max)
        return cli_usage_error("%s wants a whole number from 1 to %lu, not \"%s\"", option, max,
                               text);
    *out = value;
    return 0;
}

static size_t count_options(const struct cli_option *opts)
{
    size_t n = 0;

    while (opts && opts[n].name)
        n++;
    return n;
}

static struct option *build_long_options(const struct cli_option *opts)
{
    size_t n_cmd = count_options(opts), n_glob = count_options(global_options), k = 0;
    struct option *longs = calloc(n_cmd + n_glob + 1, sizeof(*longs));

    if (!longs)
        return NULL;
    for (size_t i = 0; i < n_cmd; i++, k++)
        longs[k] = (struct option){opts[i].name, opts[i].arg ? required_argument : no_argument,
                                   NULL, opts[i].id};
    for (size_t i = 0; i < n_glob; i++, k++)
        longs[k] = (struct option){global_options[i].name,
                                   global_options[i].arg ? required_argument : no_argument, NULL,
                                   global_options[i].id};
    return longs;
}

/* Help text wrapped under its option at 80 columns. */
static void print_wrapped(const char *text, int indent, int first_column)
{
    int column = first_column;
    const char *word = text;

    while (*word) {
        int len = (int)strcspn(word, " ");

        if (column > indent && column + 1 + len > 79) {
            printf("\n%*s", indent, "");
            column = indent;
        } else if (column > indent) {
            putchar(' ');
            column++;
        }
        printf("%.*s", len, word);
        column += len;
        word += len;
        while (*word == ' ')
            word++;
    }
    putchar('\n');
}

static void print_options(const struct cli_option *opts)
{
    for (size_t i = 0; opts && opts[i].name; i++) {
        char left[64];
        int width;

        snprintf(left, sizeof(left), "--%s%s%s", opts[i].name, opts[i].arg ? " " : "",
                 opts[i].arg ? opts[i].arg : "");
        width = printf("  %-22s", left);
        if (width > 24) {
            printf("\n%*s", 26, "");
            width = 26;
        } else {
            printf("  ");
            width += 2;
        }
        print_wrapped(opts[i].help, 26, width);
    }
}

static void print_command_help(const char *name, const struct cli_spec *spec)
{
    printf("usage: p11cert %s %s\n\n%s\n\noptions:\n", name, spec->usage, spec->about);
    print_options(spec->options);
    printf("\nglobal options:\n");
    print_options(global_options);
    printf("\n%s", exit_statuses);
}

static void print_main_help(const struct command *commands)
{
    printf("usage: p11cert [global options] COMMAND [options] [arguments]\n\n"
           "Keys generated on a PKCS#11 token (HSM, smart card) that never leave it;\n"
           "requests and certificates signed by the token.\n\ncommands:\n");
    for (size_t i = 0; commands[i].name; i++)
        printf("  %-10s  %s\n", commands[i].name, commands[i].summary);
    printf("\nglobal options (before or after COMMAND):\n");
    print_options(global_options);
    printf("\n'p11cert COMMAND --help' describes a command.\n%s", exit_statuses);
}

/* A global option, wherever it stands. Returns 0, CLI_HELP or CLI_ERROR. */
static int global_option(struct cli *cli, int id, const char *arg)
{

    switch (id) {
    case OPT_MODULE:
        cli->token.module = arg;
        return 0;
    case OPT_MODULE_INIT_ARGS:
        cli->token.init_args = arg;
        return 0;
    case OPT_PROFILE:
        if (!*arg)
            return cli_usage_error("--profile wants a profile name or file");
        cli->token.profile = arg;
        return 0;
    case OPT_PIN_SOURCE:
        if (cli_parse_secret_source("--pin-source", arg, &cli->token.pin_source) < 0)
            return CLI_ERROR;
        return 0;
    case OPT_JSON:
        cli->json = 1;
        return 0;
    case OPT_QUIET:
        cli->level = MSG_QUIET;
        msg_setup(cli->command ? cli->command->name : NULL, cli->level);
        return 0;
    case OPT_VERBOSE:
        cli->level = MSG_VERBOSE;
        msg_setup(cli->command ? cli->command->name : NULL, cli->level);
        return 0;
    case OPT_VERSION:
        printf("p11cert %s\n", P11CERT_VERSION);
        return CLI_HELP;
    default:
        return CLI_ERROR;
    }
}

static int getopt_error(char **argv, int opt)
{
    const char *word = argv[optind - 1];

    if (opt == ':')
        return cli_usage_error("%s needs an argument; see --help", word);
    if (optopt && optopt < 256 && word[0] == '-' && word[1] != '-')
        return cli_usage_error("unknown option -%c; see --help", optopt);
    return cli_usage_error("unknown or ambiguous option \"%s\"; see --help", word);
}

int cli_parse_globals(struct cli *cli, const struct command *commands, int argc, char **argv)
{
    struct option *longs = build_long_options(NULL);
    int opt, ret = CLI_ERROR;

    if (!longs)
        return CLI_ERROR;
    opterr = 0;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "+:qvh", longs, NULL)) != -1) {
        if (opt == '?' || opt == ':') {
            ret = getopt_error(argv, opt);
            goto cleanup;
        }
        if (opt == OPT_HELP) {
            print_main_help(commands);
            ret = CLI_HELP;
            goto cleanup;
        }
        if ((ret = global_option(cli, opt, optarg)) != 0)
            goto cleanup;
    }
    ret = optind;
cleanup:
    free(longs);
    return ret;
}

int cli_parser_init(struct cli_parser *p, struct cli *cli, const struct cli_spec *spec, int argc,
                    char **argv)
{
    p->cli = cli;
    p->spec = spec;
    p->argc = argc;
    p->argv = argv;
    p->long_options = build_long_options(spec->options);
    opterr = 0;
    optind = 0;
    return p->long_options ? 0 : -1;
}

void cli_parser_free(struct cli_parser *p)
{
    free(p->long_options);
    p->long_options = NULL;
}

int cli_next(struct cli_parser *p, const char **arg)
{
    for (;;) {
        int opt = getopt_long(p->argc, p->argv, ":qvh", p->long_options, NULL);
        int rc;

        *arg = optarg;
        if (opt == -1)
            return CLI_END;
        if (opt == '?' || opt == ':')
            return getopt_error(p->argv, opt);
        if (opt == OPT_HELP) {
            print_command_help(p->argv[0], p->spec);
            return CLI_HELP;
        }
        if (opt < 1000 && opt != OPT_QUIET && opt != OPT_VERBOSE)
            return opt;
        if ((rc = global_option(p->cli, opt, optarg)) != 0)
            return rc;
    }
}

int cli_args(struct cli_parser *p, char ***args)
{
    int n = p->argc - optind;

    *args = p->argv + optind;
    if (n < p->spec->min_args)
        return cli_usage_error("missing argument: usage: p11cert %s %s", p->argv[0],
                               p->spec->usage);
    if (p->spec->max_args >= 0 && n > p->spec->max_args)
        return cli_usage_error("unexpected argument \"%s\"; see --help",
                               p->argv[optind + p->spec->max_args]);
    return n;
}
