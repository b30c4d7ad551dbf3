/* p11cert server-config: the files nginx, Apache or stunnel needs to serve
 * TLS with a token key, and the steps left. */
#include <stdio.h>
#include <string.h>

#include "commands/commands.h"
#include "util/json-out.h"
#include "workflow/server-config.h"

enum {
    OPT_KEY = 1,
    OPT_CERT,
    OPT_CHAIN,
    OPT_LISTEN,
    OPT_CONNECT,
    OPT_DOMAIN,
    OPT_PIN_FILE,
    OPT_OUT_DIR,
    OPT_USER,
    OPT_FORCE,
};

static const struct cli_option options[] = {
    {OPT_KEY, "key", "KEY-URI", "the token key the server signs with (required)"},
    {OPT_CERT, "cert", "F", "its certificate (required)"},
    {OPT_CHAIN, "chain", "F", "the certificate's CA certificates (chain.crt)"},
    {OPT_LISTEN, "listen", "ADDR:PORT", "where the server listens (default: port 443)"},
    {OPT_CONNECT, "connect", "ADDR:PORT",
     "stunnel: the plain service it passes connections to (default: 127.0.0.1:8080)"},
    {OPT_DOMAIN, "domain", "NAME", "a name the server answers to (repeatable)"},
    {OPT_PIN_FILE, "pin-file", "PATH", "the PIN the server logs in with (else --pin-source)"},
    {OPT_OUT_DIR, "out-dir", "DIR", "where the files go (default: .)"},
    {OPT_USER, "user", "USER", "the worker user that must reach the token (default: www-data)"},
    {OPT_FORCE, "force", NULL, "replace files that are there"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "nginx|apache|stunnel --key KEY-URI --cert F [--chain F] [--listen ADDR:PORT]\n"
    "       [--connect ADDR:PORT] [--domain NAME]... [--pin-file PATH] [--out-dir DIR] [--user "
    "USER]\n"
    "       [--force]",
    "Writes what the server needs to serve TLS with the token key through the libp11\n"
    "engine: DIR/openssl.cnf (the module, and the PIN as the engine's PIN setting, mode 0600;\n"
    "never in a key URI, which servers log), DIR/fullchain.pem and DIR/SERVER.conf, a whole\n"
    "file the server starts with (nginx -c, apache2 -f, stunnel FILE). It logs in once with\n"
    "the PIN and makes a test signature to prove both, then prints the steps left: the\n"
    "environment the server needs, and how the worker user reaches the token. haproxy is\n"
    "refused: Debian's haproxy has no engine support (stunnel in front of it works).",
    options,
    1,
    1,
};

struct server_args {
    struct server_config_request req;
    const char *key, *pin_file;
};

static int take(void *opts, int id, const char *arg)
{
    struct server_args *a = opts;

    switch (id) {
    case OPT_KEY:
        a->key = arg;
        break;
    case OPT_CERT:
        a->req.cert = arg;
        break;
    case OPT_CHAIN:
        a->req.chain = arg;
        break;
    case OPT_LISTEN:
        a->req.listen = arg;
        break;
    case OPT_CONNECT:
        a->req.connect = arg;
        break;
    case OPT_PIN_FILE:
        a->pin_file = arg;
        break;
    case OPT_OUT_DIR:
        a->req.out_dir = arg;
        break;
    case OPT_USER:
        a->req.user = arg;
        break;
    case OPT_FORCE:
        a->req.force = 1;
        break;
    case OPT_DOMAIN:
        if (a->req.n_domains == SERVER_MAX_DOMAINS) {
            cli_usage_error("at most %d --domain", SERVER_MAX_DOMAINS);
            return -1;
        }
        a->req.domains[a->req.n_domains++] = arg;
        break;
    }
    return 0;
}

/* The steps left, as lines a shell could take: the exports, the access
 * steps (comments and commands), the start command. */
static void print_steps(json_t *r)
{
    json_t *item;
    size_t i;

    json_array_foreach(json_object_get(r, "files"), i, item)
    {
        printf("# wrote %s\n", json_string_value(item));
    }
    printf("# the key: %s\n", json_string_value(json_object_get(r, "key")));
    printf("# the server's environment:\n");
    json_array_foreach(json_object_get(r, "env"), i, item)
    {
        printf("export %s=%s\n", json_string_value(json_object_get(item, "name")),
               json_string_value(json_object_get(item, "value")));
    }
    json_array_foreach(json_object_get(r, "access"), i, item)
    {
        printf("%s\n", json_string_value(item));
    }
    printf("# start it:\n%s\n", json_string_value(json_object_get(r, "start")));
}

int cmd_server_config(struct cli *cli, int argc, char **argv)
{
    struct server_args a;
    struct server_setup setup;
    struct cli_args args;
    struct token_ctx ctx;
    json_t *result = NULL;
    P11KitUri *uri;
    int ret;

    memset(&a, 0, sizeof(a));
    memset(&setup, 0, sizeof(setup));
    memset(&ctx, 0, sizeof(ctx));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        return ret;
    a.req.server = args.v[0];
    if (!a.key || !a.req.cert) {
        cli_usage_error("--key KEY-URI and --cert F are required");
        return EXIT_USAGE;
    }
    if (!(uri = token_uri_parse(a.key, "key URI")))
        return EXIT_USAGE;
    p11_kit_uri_free(uri);
    if (a.pin_file) {
        struct secret_source *src = &cli->token.pin_source;

        if (!*a.pin_file || strlen(a.pin_file) >= sizeof(src->path)) {
            cli_usage_error("--pin-file wants a path of 1 to %zu characters",
                            sizeof(src->path) - 1);
            return EXIT_USAGE;
        }
        src->kind = SECRET_SOURCE_FILE; /* the PIN is its first line, as with file: */
        snprintf(src->path, sizeof(src->path), "%s", a.pin_file);
    }
    if ((ret = server_config_prepare(&a.req, &setup)) == EXIT_OK &&
        (ret = cli_open_token(cli, a.key, "key URI", NEEDS_KEPT_PIN, &ctx)) == EXIT_OK &&
        (ret = server_config_write(&cli->token, &ctx, ctx.uri, &setup, &result)) == EXIT_OK) {
        if (cli->json)
            json_out_print(json_incref(result));
        else
            print_steps(result);
    }
    json_decref(result);
    server_setup_free(&setup);
    token_ctx_free(&ctx);
    return ret;
}
