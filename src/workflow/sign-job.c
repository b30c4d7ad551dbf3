/* csr and selfsign: everything before and after the structure they sign. */
#include "workflow/sign-job.h"

#include <stdlib.h>
#include <string.h>

#include "util/json-out.h"
#include "util/outfile.h"
#include "x509/x509.h"
#include "signer/pubkey.h"

int sign_job_option(struct sign_request *req, int id, const char *arg)
{
    switch (id) {
    case SIGN_OPT_SUBJECT:
        req->subject = arg;
        return 1;
    case SIGN_OPT_SAN:
        if (req->n_sans == SIGN_JOB_MAX_SANS)
            return cli_usage_error("at most %d --san", SIGN_JOB_MAX_SANS), -1;
        req->sans[req->n_sans++] = arg;
        return 1;
    case SIGN_OPT_HASH:
        req->hash = arg;
        return 1;
    case SIGN_OPT_OUT:
        req->out = arg;
        return 1;
    case SIGN_OPT_FORCE:
        req->force = 1;
        return 1;
    default:
        return 0;
    }
}

int sign_job_parse(struct sign_job *job, const struct sign_request *req, int batch)
{
    const char *dash = batch ? "" : "--"; /* in a batch they are JSON members */
    char why[512];

    if (!req->subject)
        return cli_usage_error("%ssubject is required, e.g. \"/C=US/O=Org/CN=api.example.com\"",
                               dash),
               EXIT_USAGE;
    job->subject = x509_name_parse(req->subject, why, sizeof(why));
    if (!job->subject)
        return cli_usage_error("bad %ssubject: %s", dash, why), EXIT_USAGE;
    if (req->n_sans > 0) {
        job->sans = x509_san_list_parse(req->sans, req->n_sans, why, sizeof(why));
        if (!job->sans)
            return cli_usage_error("bad %ssan: %s", dash, why), EXIT_USAGE;
    }
    if (req->hash && strcmp(req->hash, "sha256") != 0 && strcmp(req->hash, "sha384") != 0 &&
        strcmp(req->hash, "sha512") != 0)
        return cli_usage_error("bad %shash \"%s\": use sha256, sha384 or sha512", dash, req->hash),
               EXIT_USAGE;
    if (x509_sans_default(job->subject, &job->sans, &job->cn_added) < 0)
        return cli_usage_error("cannot add the CN as a SAN: out of memory"), EXIT_USAGE;
    return EXIT_OK;
}

int sign_job_open_token(struct token_ctx *ctx, struct cli *cli, P11KitUri *uri)
{
    if (token_ctx_init(ctx, &cli->token, uri) < 0 ||
        token_open(ctx, &cli->token, TOKEN_NEEDS_LOGIN) < 0)
        return -1;
    return 0;
}

int sign_job_find_key(struct token_ctx *ctx, P11KitUri *uri, struct token_key *key)
{
    P11KitUri *opened = ctx->uri;
    int ret;

    /* token_find_key reads the object attributes from ctx->uri: lend it the
     * key's URI for the one search, then give the token's back. */
    ctx->uri = uri;
    ret = token_find_key(ctx, key);
    ctx->uri = opened;
    return ret;
}

int sign_job_open(struct sign_job *job, struct cli *cli, const struct sign_request *req)
{
    P11KitUri *uri;
    int ret;

    memset(job, 0, sizeof(*job));
    job->ctx.session = CK_INVALID_HANDLE;
    if ((ret = sign_job_parse(job, req, 0)) != EXIT_OK)
        return ret;
    if (outfile_check(req->out, req->force) < 0)
        return EXIT_FAIL;
    if (!(uri = token_uri_parse(req->key_uri, "key URI")))
        return EXIT_USAGE;
    if (sign_job_open_token(&job->ctx, cli, uri) < 0 ||
        sign_job_find_key(&job->ctx, job->ctx.uri, &job->key) < 0 ||
        signer_init(&job->signer, &job->ctx, &job->key, req->hash, req->pss) < 0)
        return EXIT_FAIL;
    if (job->cn_added) {
        json_t *sans = x509_sans_json(job->sans);

        notef("no --san given: the CN was added as %s", json_string_value(json_array_get(sans, 0)));
        json_decref(sans);
    }
    return EXIT_OK;
}

void sign_job_close(struct sign_job *job)
{
    signer_free(&job->signer);
    token_ctx_free(&job->ctx);
    X509_NAME_free(job->subject);
    GENERAL_NAMES_free(job->sans);
    job->subject = NULL;
    job->sans = NULL;
}

static json_t *describe(const struct sign_job *job)
{
    char *key_uri = token_object_uri((struct token_ctx *)&job->ctx, CKO_PRIVATE_KEY, job->key.id,
                                     job->key.id_len, job->key.label);
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

int sign_job_output(struct cli *cli, struct sign_job *job, const char *what, BIO *data,
                    const char *out, int force, json_t *extra)
{
    struct outfile file = {0};
    json_t *doc = describe(job);
    char *bytes;
    long len = BIO_get_mem_data(data, &bytes);
    int ret = -1;

    if (!doc) {
        errorf("out of memory");
        goto cleanup;
    }
    if (extra)
        json_object_update(doc, extra);
    if (cli->json && !out) {
        json_object_set_new(doc, "pem", json_stringn(bytes, (size_t)len));
        ret = json_out_print(doc);
        doc = NULL;
        goto cleanup;
    }
    if (outfile_open(&file, out, force, 0644) < 0)
        goto cleanup;
    if (fwrite(bytes, 1, (size_t)len, file.fp) != (size_t)len || outfile_commit(&file) < 0)
        goto cleanup;
    if (out && cli->json) {
        json_object_set_new(doc, "out", json_string(out));
        ret = json_out_print(doc);
        doc = NULL;
        goto cleanup;
    }
    if (out)
        print_summary(what, out, doc);
    ret = 0;
cleanup:
    outfile_abort(&file);
    json_decref(doc);
    return ret;
}
