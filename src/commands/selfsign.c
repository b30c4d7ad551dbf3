/* p11cert selfsign: a self-signed certificate for internal use, signed on
 * the token. */
#include <string.h>

#include "commands/cli.h"
#include "workflow/sign-job.h"
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

int cmd_selfsign(struct cli *cli, int argc, char **argv)
{
    struct cli_parser parser;
    struct sign_request request;
    struct sign_job job;
    X509 *cert = NULL;
    BIO *data = NULL;
    json_t *extra = NULL;
    const char *arg;
    char **args;
    unsigned long days = 365;
    int opt, der = 0, ret = EXIT_USAGE;

    memset(&request, 0, sizeof(request));
    memset(&job, 0, sizeof(job));
    if (cli_parser_init(&parser, cli, &spec, argc, argv) < 0)
        return EXIT_FAIL;
    while ((opt = cli_next(&parser, &arg)) >= 0) {
        if (sign_job_option(&request, opt, arg) < 0)
            goto cleanup;
        if (opt == OPT_DAYS && cli_parse_uint("--days", arg, MAX_DAYS, &days) < 0)
            goto cleanup;
        if (opt == OPT_DER)
            der = 1;
    }
    if (opt == CLI_HELP)
        ret = EXIT_OK;
    if (opt != CLI_END || cli_args(&parser, &args) < 0)
        goto cleanup;
    if (der && !request.out) {
        cli_usage_error("--der writes binary: give --out F too");
        goto cleanup;
    }
    request.key_uri = args[0];
    ret = sign_job_open(&job, cli, &request);
    if (ret != EXIT_OK)
        goto cleanup;
    ret = EXIT_FAIL;
    cert = x509_selfsigned_new(job.subject, job.sans, job.signer.pubkey, days);
    if (!cert || signer_sign_certificate(&job.signer, cert) < 0 ||
        !(data = x509_certificate_encode(cert, der)) || !(extra = x509_certificate_json(cert)) ||
        sign_job_output(cli, &job, "certificate", data, request.out, request.force, extra) < 0)
        goto cleanup;
    ret = EXIT_OK;
cleanup:
    json_decref(extra);
    BIO_free(data);
    X509_free(cert);
    sign_job_close(&job);
    cli_parser_free(&parser);
    return ret;
}
