/* p11cert: global options, the command table, dispatch. A command is one
 * cmd-*.c file and one row below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "commands/commands.h"

/* What each command needs from a token (cli.h, enum command_needs): the
 * command layer opens the session it says, once, and hands it down. */
static const struct command commands[] = {
    {"tokens", cmd_tokens, "list the tokens: URI, label, manufacturer, model, serial, flags",
     NEEDS_NO_TOKEN},
    {"list", cmd_list, "list the objects on a token", NEEDS_TOKEN | NEEDS_LOGIN_IF_PIN},
    {"keygen", cmd_keygen, "generate a key pair on a token; the private key never leaves it",
     NEEDS_TOKEN | NEEDS_LOGIN | NEEDS_RW_SESSION},
    {"csr", cmd_csr, "make a PKCS#10 request signed by a token key", NEEDS_TOKEN | NEEDS_LOGIN},
    {"selfsign", cmd_selfsign, "make a self-signed certificate signed by a token key",
     NEEDS_TOKEN | NEEDS_LOGIN},
    /* convert opens a token only with --import-key, check only with --key. */
    {"convert", cmd_convert, "turn a CA's reply (DER, PKCS#7, PKCS#12, PEM) into PEM",
     NEEDS_TOKEN | NEEDS_LOGIN | NEEDS_RW_SESSION},
    {"chain", cmd_chain, "build chain.crt (issuer first, root last) from certificates",
     NEEDS_NO_TOKEN},
    {"import", cmd_import, "store an issued certificate on the token beside its key",
     NEEDS_TOKEN | NEEDS_LOGIN | NEEDS_RW_SESSION},
    {"check", cmd_check, "check a certificate, its chain, its names and its token key",
     NEEDS_TOKEN | NEEDS_LOGIN},
    {"dns", cmd_dns, "CNAME records for custom domains: text, live check, update", NEEDS_NO_TOKEN},
    /* server-config logs in once to prove the PIN it writes for the server. */
    {"server-config", cmd_server_config,
     "configure nginx, Apache or stunnel to serve TLS with a token key", NEEDS_TOKEN | NEEDS_LOGIN},
    /* acme's subcommands state their own needs (commands/acme.c). */
    {"acme", cmd_acme, "certificates from an ACME CA, both keys on the token", NEEDS_NO_TOKEN},
    /* renew opens each record's token itself, once for all its records. */
    {"renew", cmd_renew, "renew the certificates whose renewal records say they are due",
     NEEDS_NO_TOKEN},
    {NULL, NULL, NULL, 0},
};

/* There is no --pin: a PIN in argv is visible to every user through ps and
 * /proc. Whoever types one is told so, and the copy in argv is wiped. */
static int refuse_pin_in_argv(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--pin") == 0 || strncmp(argv[i], "--pin=", 6) == 0) {
            if (argv[i][5] == '=')
                OPENSSL_cleanse(argv[i] + 6, strlen(argv[i] + 6));
            else if (i + 1 < argc)
                OPENSSL_cleanse(argv[i + 1], strlen(argv[i + 1]));
            errorf("there is no --pin option: a PIN on the command line is visible to other "
                   "users");
            hintf("use --pin-source file:PATH, env:NAME or fd:N, or a prompt on a terminal");
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct cli cli;
    int at, status;

    memset(&cli, 0, sizeof(cli));
    cli.token.module = getenv("P11CERT_MODULE");
    if (cli.token.module && !*cli.token.module)
        cli.token.module = NULL;
    cli.token.init_args = getenv("P11CERT_MODULE_INIT_ARGS");
    if (cli.token.init_args && !*cli.token.init_args)
        cli.token.init_args = NULL;
    msg_setup(NULL, MSG_NORMAL);

    if (refuse_pin_in_argv(argc, argv) < 0)
        return EXIT_USAGE;
    if ((at = cli_parse_globals(&cli, commands, argc, argv, &status)) < 0)
        return status;
    if (at >= argc) {
        errorf("no command given; 'p11cert --help' lists them");
        return EXIT_USAGE;
    }
    for (const struct command *c = commands; c->name; c++) {
        if (strcmp(c->name, argv[at]) == 0) {
            cli.command = c;
            msg_setup(c->name, cli.level);
            return c->run(&cli, argc - at, argv + at);
        }
    }
    errorf("unknown command \"%s\"; 'p11cert --help' lists them", argv[at]);
    return EXIT_USAGE;
}
