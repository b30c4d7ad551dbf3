/* p11cert csr: a PKCS#10 request signed on the token. */
#include <string.h>

#include "commands/cli.h"
#include "workflow/csr-batch.h"
#include "workflow/sign-job.h"
#include "x509/x509.h"

enum {
    OPT_PSS = 20,
    OPT_DER,
    OPT_BATCH,
};

static const struct cli_option options[] = {
    SIGN_JOB_OPTIONS,
    {OPT_PSS, "pss", NULL, "RSASSA-PSS instead of PKCS #1 v1.5 (RSA keys, if the token has it)"},
    {OPT_DER, "der", NULL, "DER instead of PEM (with --out)"},
    {OPT_BATCH, "batch", "FILE",
     "many requests, one JSON object a line ({\"key\": URI, \"subject\": DN, \"san\": [S, "
     "...], \"out\": PATH, \"hash\": H}), from FILE or - (standard input); with one login"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "KEY-URI --subject DN [--san S]... [--hash H] [--pss] [--out F] [--der] | --batch FILE",
    "Makes a PKCS#10 certificate signing request for the key pair KEY-URI names (an RFC 7512\n"
    "URI such as \"pkcs11:token=mytoken;object=web\"). The token signs it; the signature is\n"
    "verified with the public key before anything is written.\n"
    "With --batch, one request a line of FILE, all with one module load and one login: a bad\n"
    "line is reported with its number and the others still go through.",
    options,
    0,
    1,
};

int cmd_csr(struct cli *cli, int argc, char **argv)
{
    struct cli_parser parser;
    struct sign_request request;
    struct sign_job job;
    X509_REQ *req = NULL;
    BIO *data = NULL;
    const char *arg;
    struct csr_batch_options batch = {0};
    char **args;
    int opt, n_args, der = 0, ret = EXIT_USAGE;

    memset(&request, 0, sizeof(request));
    memset(&job, 0, sizeof(job));
    if (cli_parser_init(&parser, cli, &spec, argc, argv) < 0)
        return EXIT_FAIL;
    while ((opt = cli_next(&parser, &arg)) >= 0) {
        if (sign_job_option(&request, opt, arg) < 0)
            goto cleanup;
        if (opt == OPT_PSS)
            request.pss = 1;
        else if (opt == OPT_DER)
            der = 1;
        else if (opt == OPT_BATCH)
            batch.file = arg;
    }
    if (opt == CLI_HELP)
        ret = EXIT_OK;
    if (opt != CLI_END || (n_args = cli_args(&parser, &args)) < 0)
        goto cleanup;
    if (batch.file) {
        if (n_args > 0 || request.subject || request.n_sans || request.hash || request.out) {
            cli_usage_error("--batch takes KEY-URI, subject, san, hash and out from each line "
                            "of FILE, not from the command line");
            goto cleanup;
        }
        batch.force = request.force;
        batch.der = der;
        batch.pss = request.pss;
        ret = csr_batch_run(cli, &batch);
        goto cleanup;
    }
    if (n_args != 1) {
        cli_usage_error("missing argument: usage: p11cert csr %s", spec.usage);
        goto cleanup;
    }
    if (der && !request.out) {
        cli_usage_error("--der writes binary: give --out F too");
        goto cleanup;
    }
    request.key_uri = args[0];
    ret = sign_job_open(&job, cli, &request);
    if (ret != EXIT_OK)
        goto cleanup;
    ret = EXIT_FAIL;
    req = x509_request_new(job.subject, job.sans, job.signer.pubkey);
    if (!req || signer_sign_request(&job.signer, req) < 0 ||
        !(data = x509_request_encode(req, der)) ||
        sign_job_output(cli, &job, "request", data, request.out, request.force, NULL) < 0)
        goto cleanup;
    ret = EXIT_OK;
cleanup:
    BIO_free(data);
    X509_REQ_free(req);
    sign_job_close(&job);
    cli_parser_free(&parser);
    return ret;
}
