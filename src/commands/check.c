/* p11cert check: one PASS/FAIL line per check of a certificate bundle. */
#include <stdio.h>
#include <string.h>

#include "commands/commands.h"
#include "util/json-out.h"
#include "workflow/check.h"

enum {
    OPT_CERT = 1,
    OPT_CHAIN,
    OPT_KEY,
    OPT_DOMAIN,
    OPT_TLS,
    OPT_TRUST,
    OPT_SERVER,
    OPT_SERVERNAME,
    OPT_OFFLINE,
};

static const struct cli_option options[] = {
    {OPT_CERT, "cert", "F", "the certificate to check (required)"},
    {OPT_CHAIN, "chain", "F", "its CA certificates (chain.crt, any order and format)"},
    {OPT_KEY, "key", "KEY-URI", "the token key it must be for"},
    {OPT_DOMAIN, "domain", "NAME", "a name its SANs must cover (repeatable)"},
    {OPT_TLS, "tls", NULL, "TLS 1.2 and 1.3 handshakes in memory with the token key (needs --key)"},
    {OPT_TRUST, "trust", "FILE|system",
     "trust anchors for the chain (default: a self-signed root in --chain; with --server, "
     "the system's)"},
    {OPT_SERVER, "server", "HOST:PORT", "check what a running TLS server presents instead"},
    {OPT_SERVERNAME, "servername", "NAME",
     "the SNI name for --server (default: the first --domain, else HOST)"},
    {OPT_OFFLINE, "offline", NULL, "never fetch a missing issuer from its caIssuers URL"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "--cert F [--chain F] [--key KEY-URI] [--domain NAME]... [--tls] [--trust FILE|system]\n"
    "       [--offline]\n"
    "       p11cert check --server HOST:PORT [--servername NAME] [--domain NAME]... [--key "
    "KEY-URI]\n"
    "       [--trust FILE|system]",
    "Checks a certificate bundle, one line per check: the certificate and the token key form\n"
    "a pair (same public key, and a fresh signature made on the token verifies), the chain\n"
    "validates to its root (an issuer --chain lacks is fetched from its caIssuers URL unless\n"
    "--offline), every --domain is covered by a SAN, the validity window holds (a warning\n"
    "under 30 days left), serverAuth is allowed, it is no CA certificate (CA:TRUE) and every\n"
    "dNSName is a host name; --tls makes real handshakes.\n"
    "With --server, the same checks on what a running server presents after real TLS 1.2\n"
    "and 1.3 handshakes, and that the chain it sends omits no intermediate.\n"
    "Exits 0 only if every check passes.",
    options,
    0,
    0,
};

struct check_args {
    struct check_request req;
    const char *key;
};

static int take(void *opts, int id, const char *arg)
{
    struct check_args *a = opts;

    switch (id) {
    case OPT_CERT:
        a->req.cert = arg;
        return 0;
    case OPT_CHAIN:
        a->req.chain = arg;
        return 0;
    case OPT_KEY:
        a->key = arg;
        return 0;
    case OPT_TRUST:
        a->req.trust = arg;
        return 0;
    case OPT_TLS:
        a->req.tls = 1;
        return 0;
    case OPT_SERVER:
        a->req.server = arg;
        return 0;
    case OPT_SERVERNAME:
        a->req.servername = arg;
        return 0;
    case OPT_OFFLINE:
        a->req.offline = 1;
        return 0;
    case OPT_DOMAIN: {
        char why[256];

        /* Before anything is read, like dns records: a name no certificate
         * can cover is a usage error, not a FAIL line. */
        if (check_domain_valid(arg, why, sizeof(why)) != EXIT_OK) {
            cli_usage_error("bad domain \"%s\": %s", arg, why);
            return -1;
        }
        if (a->req.n_domains == CHECK_MAX_DOMAINS) {
            cli_usage_error("at most %d --domain", CHECK_MAX_DOMAINS);
            return -1;
        }
        a->req.domains[a->req.n_domains++] = arg;
        return 0;
    }
    }
    return 0;
}

/* Which checks: a bundle (--cert) or a server (--server), not both. */
static int check_usage(const struct check_args *a)
{
    const char *problem = NULL;

    if (a->req.server && (a->req.cert || a->req.chain || a->req.tls))
        problem = "--server checks a running server: not with --cert, --chain or --tls";
    else if (!a->req.server && a->req.servername)
        problem = "--servername goes with --server HOST:PORT";
    else if (!a->req.server && !a->req.cert)
        problem = "--cert F is required (or --server HOST:PORT)";
    else if (a->req.tls && !a->key)
        problem = "--tls needs --key KEY-URI";
    if (!problem)
        return EXIT_OK;
    cli_usage_error("%s", problem);
    return EXIT_USAGE;
}

static void print_report(const struct check_report *r)
{
    json_t *check;
    size_t i;

    json_array_foreach(r->checks, i, check)
    {
        printf("%s  %-14s %s\n", json_is_true(json_object_get(check, "ok")) ? "PASS" : "FAIL",
               json_string_value(json_object_get(check, "name")),
               json_string_value(json_object_get(check, "detail")));
    }
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
    struct check_args a;
    struct check_inputs in;
    struct check_report report = {json_array(), 0, json_array()};
    struct cli_args args;
    struct token_ctx ctx;
    P11KitUri *uri;
    int ret;

    memset(&a, 0, sizeof(a));
    memset(&in, 0, sizeof(in));
    memset(&ctx, 0, sizeof(ctx));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        goto cleanup;
    if ((ret = check_usage(&a)) != EXIT_OK)
        goto cleanup;
    ret = EXIT_USAGE;
    /* A malformed key URI is a usage error, found before any file is read. */
    if (a.key && !(uri = token_uri_parse(a.key, "key URI")))
        goto cleanup;
    if (a.key)
        p11_kit_uri_free(uri);
    if ((!a.req.server && (ret = check_read(&a.req, &in)) != EXIT_OK) ||
        (a.key && (ret = cli_open_token(cli, a.key, "key URI", a.req.tls ? NEEDS_KEPT_PIN : 0,
                                        &ctx)) != EXIT_OK) ||
        (ret = a.req.server
                   ? check_server_run(a.key ? &ctx : NULL, ctx.uri, &a.req, &report)
                   : check_run(a.key ? &ctx : NULL, ctx.uri, &a.req, &in, &report)) != EXIT_OK)
        goto cleanup;
    if (cli->json)
        json_out_print(json_pack("{s:b, s:O, s:O}", "ok", report.failed == 0, "checks",
                                 report.checks, "fetched", report.fetched));
    else
        print_report(&report);
    ret = report.failed ? EXIT_FAIL : EXIT_OK;
cleanup:
    json_decref(report.checks);
    json_decref(report.fetched);
    check_inputs_free(&in);
    token_ctx_free(&ctx);
    return ret;
}
