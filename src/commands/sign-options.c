/* The options csr and selfsign share, opening their key, and writing and
 * describing what they signed. */
#include "commands/sign-options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json-out.h"
#include "util/outfile.h"
#include "x509/x509.h"

int sign_options_take(struct sign_request *req, int id, const char *arg, int *taken)
{
    *taken = 1;
    switch (id) {
    case SIGN_OPT_SUBJECT:
        req->subject = arg;
        return 0;
    case SIGN_OPT_SAN:
        if (req->n_sans == SIGN_JOB_MAX_SANS) {
            cli_usage_error("at most %d --san", SIGN_JOB_MAX_SANS);
            return -1;
        }
        req->sans[req->n_sans++] = arg;
        return 0;
    case SIGN_OPT_HASH:
        req->hash = arg;
        return 0;
    case SIGN_OPT_OUT:
        return cli_parse_output("--out", arg, 1, &req->out);
    case SIGN_OPT_FORCE:
        req->force = 1;
        return 0;
    default:
        *taken = 0;
        return 0;
    }
}

int sign_options_open(struct cli *cli, const struct sign_request *req, struct token_ctx *ctx,
                      struct sign_job *job)
{
    int ret;

    if ((ret = sign_job_parse(job, req, 0)) != EXIT_OK)
        return ret;
    if (outfile_check(req->out, req->force) < 0)
        return EXIT_FAIL;
    if ((ret = cli_open_token(cli, req->key_uri, "key URI", 0, ctx)) != EXIT_OK)
        return ret;
    /* The key URI opened the token; its object attributes name the key. */
    if ((ret = sign_job_prepare(job, ctx, ctx->uri, req)) != EXIT_OK)
        return ret;
    if (job->cn_added) {
        json_t *sans = x509_sans_json(job->sans);

        notef("no --san given: the CN was added as %s", json_string_value(json_array_get(sans, 0)));
        json_decref(sans);
    }
    return EXIT_OK;
}

static json_t *describe(const struct sign_job *job)
{
    char *key_uri =
        token_object_uri(job->ctx, CKO_PRIVATE_KEY, job->key.id, job->key.id_len, job->key.label);
    char *subject = x509_name_text(job->subject);
    char key_type[64];
    json_t *doc;

    x509_pubkey_describe(job->signer.pubkey, key_type, sizeof(key_type));
    doc = json_pack("{s:s?, s:s, s:s?, s:o, s:b, s:s}", "key", key_uri, "key_type", key_type,
                    "subject", subject, "san", x509_sans_json(job->sans), "cn_added_as_san",
                    job->cn_added, "signature_algorithm", signer_algorithm_name(&job->signer));
    free(key_uri);
    free(subject);
    return doc;
}

static void print_summary(const char *what, const char *out, json_t *doc)
{
    json_t *sans = json_object_get(doc, "san"), *san;
    size_t i;

    printf("%s: %s\n", what, out);
    printf("subject: %s\n", json_string_value(json_object_get(doc, "subject")));
    json_array_foreach(sans, i, san)
    {
        printf("san: %s\n", json_string_value(san));
    }
    printf("key: %s (%s)\n", json_string_value(json_object_get(doc, "key")),
           json_string_value(json_object_get(doc, "key_type")));
    printf("signature: %s\n", json_string_value(json_object_get(doc, "signature_algorithm")));
    if (json_object_get(doc, "not_after"))
        printf("valid: %s to %s\n", json_string_value(json_object_get(doc, "not_before")),
               json_string_value(json_object_get(doc, "not_after")));
}

int sign_options_output(struct cli *cli, const struct sign_job *job, const char *what, BIO *data,
                        const char *out, int force, json_t *extra)
{
    json_t *doc = describe(job);
    char *bytes;
    long len = BIO_get_mem_data(data, &bytes);
    int ret = EXIT_FAIL;

    if (!doc) {
        errorf("out of memory");
        goto cleanup;
    }
    if (extra)
        json_object_update(doc, extra);
    if (cli->json && !out) {
        json_object_set_new(doc, "pem", json_stringn(bytes, (size_t)len));
        ret = json_out_print(doc) < 0 ? EXIT_FAIL : EXIT_OK;
        doc = NULL;
        goto cleanup;
    }
    if (outfile_write(out, force, 0644, bytes, (size_t)len) < 0)
        goto cleanup;
    if (out && cli->json) {
        json_object_set_new(doc, "out", json_string(out));
        ret = json_out_print(doc) < 0 ? EXIT_FAIL : EXIT_OK;
        doc = NULL;
        goto cleanup;
    }
    if (out)
        print_summary(what, out, doc);
    ret = EXIT_OK;
cleanup:
    json_decref(doc);
    return ret;
}
