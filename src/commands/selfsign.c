/* p11cert selfsign: a self-signed certificate for internal use, signed on
 * the token. */
#include <string.h>

#include "commands/commands.h"
#include "commands/sign-options.h"
#include "x509/x509.h"

enum {
    OPT_DAYS = 20,
    OPT_DER,
};

/* Ten years: beyond that a self-signed server certificate is a mistake. */
#define MAX_DAYS 3650

static const struct cli_option options[] = {
    SIGN_JOB_OPTIONS,
    {OPT_DAYS, "days", "N", "valid for N days from now (default 365, at most 3650)"},
    {OPT_DER, "der", NULL, "DER instead of PEM (with --out)"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "KEY-URI --subject DN [--san S]... [--days N] [--hash H] [--out F] [--der]",
    "Makes a self-signed X.509 v3 certificate for internal use with the key pair KEY-URI\n"
    "names: CA:FALSE, digitalSignature, serverAuth, a subject key identifier and the SANs.\n"
    "The token signs it; the signature is verified before anything is written.",
    options,
    1,
    1,
};

struct selfsign_args {
    struct sign_request req;
    unsigned long days;
    int der;
};

static int take(void *opts, int id, const char *arg)
{
    struct selfsign_args *a = opts;
    int taken;

    if (sign_options_take(&a->req, id, arg, &taken) < 0)
        return -1;
    if (taken)
        return 0;
    if (id == OPT_DAYS)
        return cli_parse_uint("--days", arg, MAX_DAYS, &a->days);
    if (id == OPT_DER)
        a->der = 1;
    return 0;
}

int cmd_selfsign(struct cli *cli, int argc, char **argv)
{
    struct selfsign_args a;
    struct cli_args args;
    struct token_ctx ctx;
    struct sign_job job;
    X509 *cert = NULL;
    BIO *data = NULL;
    json_t *extra = NULL;
    int ret;

    memset(&a, 0, sizeof(a));
    memset(&ctx, 0, sizeof(ctx));
    memset(&job, 0, sizeof(job));
    a.days = 365;
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        return ret;
    if (a.der && !a.req.out) {
        cli_usage_error("--der writes binary: give --out F too");
        return EXIT_USAGE;
    }
    a.req.key_uri = args.v[0];
    if ((ret = sign_options_open(cli, &a.req, &ctx, &job)) != EXIT_OK ||
        (ret = sign_job_selfsigned(&job, a.days, a.der, &cert, &data)) != EXIT_OK)
        goto cleanup;
    ret = EXIT_FAIL;
    if ((extra = x509_certificate_json(cert)) != NULL)
        ret = sign_options_output(cli, &job, "certificate", data, a.req.out, a.req.force, extra);
cleanup:
    json_decref(extra);
    BIO_free(data);
    X509_free(cert);
    sign_job_close(&job);
    token_ctx_free(&ctx);
    return ret;
}
