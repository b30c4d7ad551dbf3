/* p11cert acme revoke: a certificate revoked, the request signed by the
 * account key on the token. */
#include <stdio.h>
#include <string.h>

#include "commands/acme-options.h"
#include "commands/commands.h"
#include "util/json-out.h"

enum {
    OPT_CERT = ACME_OPT_FIRST_OWN,
    OPT_REASON,
};

static const struct cli_option options[] = {
    ACME_TARGET_OPTIONS,
    {OPT_CERT, "cert", "F", "the certificate to revoke (required; its first certificate)"},
    {OPT_REASON, "reason", "R",
     "unspecified, keyCompromise, superseded or cessationOfOperation (default: none given)"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "--account-key KEY-URI --cert F [--reason R] [--directory URL] [--ca-bundle FILE]",
    "Asks the CA to revoke the certificate in F, with a request signed by the account that\n"
    "ordered it.",
    options,
    0,
    0,
};

struct revoke_args {
    struct acme_target_args target;
    const char *cert, *reason;
};

static int take(void *opts, int id, const char *arg)
{
    struct revoke_args *a = opts;
    int taken;

    acme_target_take(&a->target, id, arg, &taken);
    if (id == OPT_CERT)
        a->cert = arg;
    else if (id == OPT_REASON)
        a->reason = arg;
    return 0;
}

int acme_cmd_revoke(struct cli *cli, int argc, char **argv)
{
    struct revoke_args a;
    struct acme_session s;
    struct acme_target t;
    struct token_ctx ctx;
    struct cli_args args;
    int ret, reason = -1;

    memset(&a, 0, sizeof(a));
    memset(&s, 0, sizeof(s));
    memset(&ctx, 0, sizeof(ctx));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        return ret;
    if (acme_target_check(&a.target) < 0)
        return EXIT_USAGE;
    if (!a.cert) {
        cli_usage_error("--cert F is required");
        return EXIT_USAGE;
    }
    if (a.reason && (reason = acme_reason_code(a.reason)) < 0) {
        cli_usage_error("--reason wants unspecified, keyCompromise, superseded or "
                        "cessationOfOperation");
        return EXIT_USAGE;
    }
    if ((ret = acme_target_open(cli, &a.target, 0, ACME_SHORT_TIMEOUT, &ctx, &t, NULL)) == EXIT_OK)
        ret = acme_revoke_run(&ctx, &t, a.cert, reason, &s);
    if (ret == EXIT_OK) {
        if (cli->json)
            ret = json_out_print(json_pack("{s:b, s:s, s:s?, s:s}", "revoked", 1, "cert", a.cert,
                                           "reason", a.reason, "account", s.account.url)) < 0
                      ? EXIT_FAIL
                      : EXIT_OK;
        else
            printf("revoked: %s%s%s\n", a.cert, a.reason ? ", reason " : "",
                   a.reason ? a.reason : "");
    }
    acme_session_close(&s);
    token_ctx_free(&ctx);
    return ret;
}
