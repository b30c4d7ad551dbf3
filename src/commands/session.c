/* The token a command works on, opened once, here, as the command's row in
 * the table says (cli.h, enum command_needs), then handed down. */
#include "commands/cli.h"

#include "workflow/token-lock.h"

struct token_opening cli_token_opening(const struct cli *cli, unsigned extra)
{
    struct token_opening how = {&cli->token, (cli->command->needs | extra) & ~NEEDS_TOKEN};

    return how;
}

int cli_open_token(struct cli *cli, const char *uri_text, const char *what, unsigned extra,
                   struct token_ctx *ctx)
{
    struct token_opening how = cli_token_opening(cli, extra);
    P11KitUri *uri = token_uri_parse(uri_text, what);

    if (!uri)
        return EXIT_USAGE;
    return token_open_uri(ctx, &how, uri) < 0 ? EXIT_FAIL : EXIT_OK;
}

int cli_open_token_locked(struct cli *cli, const char *uri_text, const char *what, unsigned extra,
                          struct token_ctx *ctx, int *lock_fd)
{
    struct token_opening how = cli_token_opening(cli, extra);
    P11KitUri *uri = token_uri_parse(uri_text, what);

    *lock_fd = -1;
    if (!uri)
        return EXIT_USAGE;
    if (token_lock(&cli->token, uri, lock_fd) < 0) {
        p11_kit_uri_free(uri);
        return EXIT_FAIL;
    }
    return token_open_uri(ctx, &how, uri) < 0 ? EXIT_FAIL : EXIT_OK;
}
