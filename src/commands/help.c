/* --help, made from the same option tables the parser uses: a command's
 * usage, its paragraph and its options, then the global ones. */
#include "commands/cli-internal.h"

#include <stdio.h>
#include <string.h>

static const char exit_statuses[] =
    "exit status: 0 success, 1 the operation or a check failed, 2 usage error\n"
    "(unknown option, missing or malformed argument)\n";

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

void cli_print_command_help(const char *name, const struct cli_spec *spec)
{
    printf("usage: p11cert %s %s\n\n%s\n\noptions:\n", name, spec->usage, spec->about);
    print_options(spec->options);
    printf("\nglobal options:\n");
    print_options(cli_global_options);
    printf("\n%s", exit_statuses);
}

void cli_print_main_help(const struct command *commands)
{
    printf("usage: p11cert [global options] COMMAND [options] [arguments]\n\n"
           "Keys generated on a PKCS#11 token (HSM, smart card) that never leave it;\n"
           "requests and certificates signed by the token.\n\ncommands:\n");
    for (size_t i = 0; commands[i].name; i++)
        printf("  %-10s  %s\n", commands[i].name, commands[i].summary);
    printf("\nglobal options (before or after COMMAND):\n");
    print_options(cli_global_options);
    printf("\n'p11cert COMMAND --help' describes a command.\n%s", exit_statuses);
}

void cli_print_subcommand_help(const char *name, const char *summary, const struct command *subs,
                               size_t n)
{
    printf("usage: p11cert %s SUBCOMMAND [options]\n\n%s.\n\nsubcommands:\n", name, summary);
    for (size_t i = 0; i < n; i++) {
        const char *space = strchr(subs[i].name, ' ');

        printf("  %-8s  %s\n", space ? space + 1 : subs[i].name, subs[i].summary);
    }
    printf("\n'p11cert %s SUBCOMMAND --help' describes one.\n%s", name, exit_statuses);
}
