/* p11cert check: one PASS/FAIL line per check of a certificate bundle. */
#include <stdlib.h>
#include <string.h>

#include "workflow/checks.h"
#include "commands/cli.h"
#include "util/json-out.h"
#include "x509/chain.h"
#include "x509/decode.h"

enum {
    OPT_CERT = 1,
    OPT_CHAIN,
    OPT_KEY,
    OPT_DOMAIN,
    OPT_TLS,
    OPT_TRUST,
};

#define MAX_DOMAINS 100

static const struct cli_option options[] = {
    {OPT_CERT, "cert", "F", "the certificate to check (required)"},
    {OPT_CHAIN, "chain", "F", "its CA certificates (chain.crt, any order and format)"},
    {OPT_KEY, "key", "KEY-URI", "the token key it must be for"},
    {OPT_DOMAIN, "domain", "NAME", "a name its SANs must cover (repeatable)"},
    {OPT_TLS, "tls", NULL, "TLS 1.2 and 1.3 handshakes in memory with the token key (needs --key)"},
    {OPT_TRUST, "trust", "FILE|system",
     "trust anchors for the chain (default: a self-signed root in --chain)"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "--cert F [--chain F] [--key KEY-URI] [--domain NAME]... [--tls] [--trust FILE|system]",
    "Checks a certificate bundle, one line per check: the certificate and the token key form\n"
    "a pair (same public key, and a fresh signature made on the token verifies), the chain\n"
    "validates to its root, every --domain is covered by a SAN, the validity window holds\n"
    "(a warning under 30 days left), serverAuth is allowed; --tls makes real handshakes.\n"
    "Exits 0 only if every check passes.",
    options,
    0,
    0,
};

struct check_args {
    const char *cert, *chain, *key, *trust;
    const char *domains[MAX_DOMAINS];
    size_t n_domains;
    int tls;
};

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

/* The chain check; on success the path's intermediates and root for TLS. */
static void check_chain(struct check_report *r, X509 *cert, STACK_OF(X509) *cas, const char *trust,
                        STACK_OF(X509) **intermediates, X509 **root)
{
    struct x509_path path;
    char why[1024];

    if (x509_chain_build(cert, cas, trust, &path, why, sizeof(why)) < 0) {
        check_add(r, "chain", 0, "%s", why);
        return;
    }
    check_add(r, "chain", 1, "validates to %s (%d certificate(s))", path.root_name,
              sk_X509_num(path.certs));
    *intermediates = x509_path_intermediates(&path);
    *root = x509_path_root(&path);
    x509_path_free(&path);
}

static int run_checks(struct cli *cli, const struct check_args *a, struct check_report *r)
{
    struct x509_bundle cert_in = {0}, chain_in = {0};
    struct secret_source no_password = {0};
    struct token_ctx ctx;
    struct token_key key;
    struct signer signer = {0};
    STACK_OF(X509) *intermediates = NULL;
    X509 *cert, *root = NULL;
    P11KitUri *uri = NULL;
    int ret = -1, have_key = 0;

    memset(&ctx, 0, sizeof(ctx));
    if (a->key && !(uri = token_uri_parse(a->key, "key URI")))
        return -2;
    if (x509_decode_file(a->cert, &no_password, &cert_in) < 0 ||
        (a->chain && x509_decode_file(a->chain, &no_password, &chain_in) < 0))
        goto cleanup;
    cert = sk_X509_value(cert_in.certs, 0);
    if (uri) {
        int opened = token_ctx_init(&ctx, &cli->token, uri) == 0;

        uri = NULL; /* ctx owns it now, whatever happened */
        if (!opened ||
            token_open(&ctx, &cli->token, TOKEN_NEEDS_LOGIN | (a->tls ? TOKEN_KEEP_PIN : 0)) < 0 ||
            token_find_key(&ctx, &key) < 0 || signer_init(&signer, &ctx, &key, NULL, 0) < 0)
            goto cleanup;
        have_key = 1;
        check_key_pair(r, &signer, cert);
    }
    check_chain(r, cert, chain_in.certs, a->trust, &intermediates, &root);
    for (size_t i = 0; i < a->n_domains; i++)
        check_name(r, cert, a->domains[i]);
    check_validity(r, cert);
    check_server_auth(r, cert);
    if (a->tls && have_key && root)
        check_tls(r, &ctx, &key, cert, intermediates, root, a->n_domains ? a->domains[0] : NULL);
    else if (a->tls)
        check_add(r, "tls", 0, "no handshake: the chain does not validate to a root");
    ret = 0;
cleanup:
    if (uri)
        p11_kit_uri_free(uri);
    sk_X509_pop_free(intermediates, X509_free);
    X509_free(root);
    signer_free(&signer);
    token_ctx_free(&ctx);
    x509_bundle_free(&cert_in);
    x509_bundle_free(&chain_in);
    return ret;
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
    struct cli_parser parser;
    struct check_args a;
    struct check_report report = {json_array(), 0};
    const char *arg;
    char **args;
    int opt, rc, ret = EXIT_USAGE;

    memset(&a, 0, sizeof(a));
    if (cli_parser_init(&parser, cli, &spec, argc, argv) < 0)
        return EXIT_FAIL;
    while ((opt = cli_next(&parser, &arg)) >= 0) {
        if (opt == OPT_CERT)
            a.cert = arg;
        else if (opt == OPT_CHAIN)
            a.chain = arg;
        else if (opt == OPT_KEY)
            a.key = arg;
        else if (opt == OPT_TRUST)
            a.trust = arg;
        else if (opt == OPT_TLS)
            a.tls = 1;
        else if (opt == OPT_DOMAIN && a.n_domains == MAX_DOMAINS) {
            cli_usage_error("at most %d --domain", MAX_DOMAINS);
            goto cleanup;
        } else if (opt == OPT_DOMAIN)
            a.domains[a.n_domains++] = arg;
    }
    if (opt == CLI_HELP)
        ret = EXIT_OK;
    if (opt != CLI_END || cli_args(&parser, &args) < 0)
        goto cleanup;
    if (!a.cert || (a.tls && !a.key)) {
        cli_usage_error(!a.cert ? "--cert F is required" : "--tls needs --key KEY-URI");
        goto cleanup;
    }
    rc = run_checks(cli, &a, &report);
    ret = rc == -2 ? EXIT_USAGE : EXIT_FAIL;
    if (rc < 0)
        goto cleanup;
    if (cli->json)
        json_out_print(json_pack("{s:b, s:O}", "ok", report.failed == 0, "checks", report.checks));
    else
        print_report(&report);
    ret = report.failed ? EXIT_FAIL : EXIT_OK;
cleanup:
    json_decref(report.checks);
    cli_parser_free(&parser);
    return ret;
}
