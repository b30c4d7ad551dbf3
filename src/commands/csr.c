/* p11cert csr: a PKCS#10 request signed on the token, or many (--batch). */
#include <stdio.h>
#include <string.h>

#include "commands/commands.h"
#include "commands/sign-options.h"
#include "util/json-out.h"
#include "workflow/batch-pool.h"
#include "workflow/csr-batch.h"

enum {
    OPT_PSS = 20,
    OPT_DER,
    OPT_BATCH,
    OPT_JOBS,
};

static const struct cli_option options[] = {
    SIGN_JOB_OPTIONS,
    {OPT_PSS, "pss", NULL, "RSASSA-PSS instead of PKCS #1 v1.5 (RSA keys, if the token has it)"},
    {OPT_DER, "der", NULL, "DER instead of PEM (with --out)"},
    {OPT_BATCH, "batch", "FILE",
     "many requests, one JSON object a line ({\"key\": URI, \"subject\": DN, \"san\": [S, "
     "...], \"out\": PATH, \"hash\": H}), from FILE or - (standard input); with one login"},
    {OPT_JOBS, "jobs", "N",
     "with --batch: sign on N sessions at once, each with a thread of its own (1 to 64; "
     "default 1); output and messages stay in input order"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "KEY-URI --subject DN [--san S]... [--hash H] [--pss] [--out F] [--der] | --batch FILE "
    "[--jobs N]",
    "Makes a PKCS#10 certificate signing request for the key pair KEY-URI names (an RFC 7512\n"
    "URI such as \"pkcs11:token=mytoken;object=web\"). The token signs it; the signature is\n"
    "verified with the public key before anything is written.\n"
    "With --batch, one request a line of FILE, all with one module load and one login: a bad\n"
    "line is reported with its number and the others still go through. --jobs N signs on N\n"
    "sessions at once (a token with more than one signing engine, or more CPUs, goes faster);\n"
    "the files, the messages and the summary are the same as with one.",
    options,
    0,
    1,
};

struct csr_args {
    struct sign_request req;
    const char *batch;
    int der;
    unsigned long jobs; /* 0: not given */
};

static int take(void *opts, int id, const char *arg)
{
    struct csr_args *a = opts;
    int taken;

    if (sign_options_take(&a->req, id, arg, &taken) < 0)
        return -1;
    if (id == OPT_PSS)
        a->req.pss = 1;
    else if (id == OPT_DER)
        a->der = 1;
    else if (id == OPT_BATCH)
        a->batch = arg;
    else if (id == OPT_JOBS)
        return cli_parse_uint("--jobs", arg, BATCH_JOBS_MAX, &a->jobs);
    return 0;
}

static int print_batch_summary(struct cli *cli, const struct csr_batch_result *r)
{
    json_t *doc, *f;
    size_t i;

    if (cli->json) {
        doc = json_pack("{s:I, s:I, s:O}", "requests", (json_int_t)r->requests, "written",
                        (json_int_t)r->written, "failed", r->failed);
        if (doc && r->stopped)
            json_object_set_new(doc, "stopped_at_line", json_integer((json_int_t)r->stopped_line));
        return json_out_print(doc);
    }
    printf("requests: %zu\nwritten: %zu\nfailed: %zu", r->requests, r->written,
           json_array_size(r->failed));
    json_array_foreach(r->failed, i, f)
    {
        printf("%s%lld", i ? ", " : " (line ",
               (long long)json_integer_value(json_object_get(f, "line")));
    }
    printf("%s\n", json_array_size(r->failed) ? ")" : "");
    return 0;
}

static int run_batch(struct cli *cli, const struct csr_args *a, int n_args)
{
    struct csr_batch_options opts = {.file = a->batch,
                                     .force = a->req.force,
                                     .der = a->der,
                                     .pss = a->req.pss,
                                     .opening = cli_token_opening(cli, 0),
                                     .jobs = (unsigned)a->jobs,
                                     .progress = !cli->json};
    struct csr_batch_result result;
    int ret;

    if (n_args > 0 || a->req.subject || a->req.n_sans || a->req.hash || a->req.out) {
        cli_usage_error("--batch takes KEY-URI, subject, san, hash and out from each line of "
                        "FILE, not from the command line");
        return EXIT_USAGE;
    }
    ret = csr_batch_run(&opts, &result);
    if (result.read && print_batch_summary(cli, &result) < 0)
        ret = EXIT_FAIL;
    csr_batch_result_free(&result);
    return ret;
}

int cmd_csr(struct cli *cli, int argc, char **argv)
{
    struct csr_args a;
    struct cli_args args;
    struct token_ctx ctx;
    struct sign_job job;
    BIO *data = NULL;
    int ret;

    memset(&a, 0, sizeof(a));
    memset(&ctx, 0, sizeof(ctx));
    memset(&job, 0, sizeof(job));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        return ret;
    if (a.batch)
        return run_batch(cli, &a, args.n);
    if (a.jobs) {
        cli_usage_error("--jobs is for --batch: one request is signed once");
        return EXIT_USAGE;
    }
    if (args.n != 1) {
        cli_usage_error("missing argument: usage: p11cert csr %s", spec.usage);
        return EXIT_USAGE;
    }
    if (a.der && !a.req.out) {
        cli_usage_error("--der writes binary: give --out F too");
        return EXIT_USAGE;
    }
    a.req.key_uri = args.v[0];
    if ((ret = sign_options_open(cli, &a.req, &ctx, &job)) == EXIT_OK &&
        (ret = sign_job_request(&job, a.der, &data)) == EXIT_OK)
        ret = sign_options_output(cli, &job, "request", data, a.req.out, a.req.force, NULL);
    BIO_free(data);
    sign_job_close(&job);
    token_ctx_free(&ctx);
    return ret;
}
