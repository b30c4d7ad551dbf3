/* Option parsing for main and every command, from the option tables (the
 * help made from the same tables is help.c). */
#include "commands/cli.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/cli-internal.h"

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

const struct cli_option cli_global_options[] = {
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

void cli_usage_error(const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    errorf("%s", line);
}

int cli_parse_secret_source(const char *option, const char *text, struct secret_source *out)
{
    char why[256];

    if (secret_source_parse(text, 0, out, why, sizeof(why)) < 0) {
        cli_usage_error("bad %s: %s", option, why);
        return -1;
    }
    return 0;
}

int cli_parse_uint(const char *option, const char *text, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    unsigned long value;

    /* strtoul would skip leading blanks and take a sign: only digits. One
     * message for every refusal, saying what is allowed. */
    value = text && isdigit((unsigned char)*text) ? strtoul(text, &end, 10) : 0;
    if (!end || *end || value == 0 || value > max) {
        cli_usage_error("%s wants a whole number from 1 to %lu, not \"%s\"", option, max,
                        text ? text : "");
        return -1;
    }
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
    size_t n_cmd = count_options(opts), n_glob = count_options(cli_global_options), k = 0;
    struct option *longs = calloc(n_cmd + n_glob + 1, sizeof(*longs));

    if (!longs)
        return NULL;
    for (size_t i = 0; i < n_cmd; i++, k++)
        longs[k] = (struct option){opts[i].name, opts[i].arg ? required_argument : no_argument,
                                   NULL, opts[i].id};
    for (size_t i = 0; i < n_glob; i++, k++)
        longs[k] = (struct option){cli_global_options[i].name,
                                   cli_global_options[i].arg ? required_argument : no_argument,
                                   NULL, cli_global_options[i].id};
    return longs;
}

/* A global option, wherever it stands. Returns 0, or -1 with the exit
 * status in *status (--version printed, or a usage error). */
static int global_option(struct cli *cli, int id, const char *arg, int *status)
{
    *status = EXIT_USAGE;
    switch (id) {
    case OPT_MODULE:
        cli->token.module = arg;
        return 0;
    case OPT_MODULE_INIT_ARGS:
        cli->token.init_args = arg;
        return 0;
    case OPT_PROFILE:
        if (!*arg) {
            cli_usage_error("--profile wants a profile name or file");
            return -1;
        }
        cli->token.profile = arg;
        return 0;
    case OPT_PIN_SOURCE:
        return cli_parse_secret_source("--pin-source", arg, &cli->token.pin_source);
    case OPT_JSON:
        cli->json = 1;
        return 0;
    case OPT_QUIET:
    case OPT_VERBOSE:
        cli->level = id == OPT_QUIET ? MSG_QUIET : MSG_VERBOSE;
        msg_setup(cli->command ? cli->command->name : NULL, cli->level);
        return 0;
    case OPT_VERSION:
        cli_print_version();
        *status = EXIT_OK;
        return -1;
    default:
        return -1;
    }
}

static void getopt_error(char **argv, int opt)
{
    const char *word = argv[optind - 1];

    if (opt == ':')
        cli_usage_error("%s needs an argument; see --help", word);
    else if (optopt && optopt < 256 && word[0] == '-' && word[1] != '-')
        cli_usage_error("unknown option -%c; see --help", optopt);
    else
        cli_usage_error("unknown or ambiguous option \"%s\"; see --help", word);
}

int cli_parse_globals(struct cli *cli, const struct command *commands, int argc, char **argv,
                      int *status)
{
    struct option *longs = build_long_options(NULL);
    int opt, ret = -1;

    *status = EXIT_FAIL;
    if (!longs)
        return -1;
    opterr = 0;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "+:qvh", longs, NULL)) != -1) {
        if (opt == '?' || opt == ':') {
            getopt_error(argv, opt);
            *status = EXIT_USAGE;
            goto cleanup;
        }
        if (opt == OPT_HELP) {
            cli_print_main_help(commands);
            *status = EXIT_OK;
            goto cleanup;
        }
        if (global_option(cli, opt, optarg, status) < 0)
            goto cleanup;
    }
    ret = optind;
cleanup:
    free(longs);
    return ret;
}

int cli_parse(struct cli *cli, const struct cli_spec *spec, int argc, char **argv, cli_take_fn take,
              void *opts, struct cli_args *args, int *status)
{
    struct option *longs = build_long_options(spec->options);
    int opt, ret = -1;

    *status = EXIT_USAGE;
    if (!longs) {
        errorf("out of memory");
        *status = EXIT_FAIL;
        return -1;
    }
    opterr = 0;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":qvh", longs, NULL)) != -1) {
        if (opt == '?' || opt == ':') {
            getopt_error(argv, opt);
            goto cleanup;
        }
        if (opt == OPT_HELP) {
            cli_print_command_help(argv[0], spec);
            *status = EXIT_OK;
            goto cleanup;
        }
        if (opt < OPT_MODULE && opt != OPT_QUIET && opt != OPT_VERBOSE) {
            if (!take || take(opts, opt, optarg) < 0)
                goto cleanup;
        } else if (global_option(cli, opt, optarg, status) < 0) {
            goto cleanup;
        }
    }
    args->v = argv + optind;
    args->n = argc - optind;
    if (args->n < spec->min_args) {
        cli_usage_error("missing argument: usage: p11cert %s %s", argv[0], spec->usage);
        goto cleanup;
    }
    if (spec->max_args >= 0 && args->n > spec->max_args) {
        cli_usage_error("unexpected argument \"%s\"; see --help", argv[optind + spec->max_args]);
        goto cleanup;
    }
    ret = 0;
cleanup:
    free(longs);
    return ret;
}

int cli_run_subcommand(struct cli *cli, const struct command *subs, size_t n, int argc, char **argv)
{
    const struct command *sub = NULL;
    const char *word = argc > 1 ? argv[1] : NULL;

    if (!word) {
        errorf("give a subcommand; 'p11cert %s --help' lists them", argv[0]);
        return EXIT_USAGE;
    }
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0) {
        cli_print_subcommand_help(argv[0], cli->command->summary, subs, n);
        return EXIT_OK;
    }
    for (size_t i = 0; i < n && !sub; i++) {
        const char *space = strchr(subs[i].name, ' ');

        if (space && strcmp(space + 1, word) == 0)
            sub = &subs[i];
    }
    if (!sub) {
        errorf("unknown subcommand \"%s\"; 'p11cert %s --help' lists them", word, argv[0]);
        return EXIT_USAGE;
    }
    cli->command = sub;
    msg_setup(sub->name, cli->level);
    argv[1] = (char *)sub->name;
    return sub->run(cli, argc - 1, argv + 1);
}
