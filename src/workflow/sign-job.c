/* csr and selfsign: everything before and around the structure they sign. */
#include "workflow/sign-job.h"

#include <string.h>

#include "util/msg.h"
#include "x509/x509.h"

int sign_job_parse(struct sign_job *job, const struct sign_request *req, int batch)
{
    const char *dash = batch ? "" : "--"; /* in a batch they are JSON members */
    char why[512];

    if (!req->subject) {
        errorf("%ssubject is required, e.g. \"/C=US/O=Org/CN=api.example.com\"", dash);
        return EXIT_USAGE;
    }
    if (!(job->subject = x509_name_parse(req->subject, why, sizeof(why)))) {
        errorf("bad %ssubject: %s", dash, why);
        return EXIT_USAGE;
    }
    if (req->n_sans > 0 &&
        !(job->sans = x509_san_list_parse(req->sans, req->n_sans, why, sizeof(why)))) {
        errorf("bad %ssan: %s", dash, why);
        return EXIT_USAGE;
    }
    if (req->hash && strcmp(req->hash, "sha256") != 0 && strcmp(req->hash, "sha384") != 0 &&
        strcmp(req->hash, "sha512") != 0) {
        errorf("bad %shash \"%s\": use sha256, sha384 or sha512", dash, req->hash);
        return EXIT_USAGE;
    }
    if (x509_sans_default(job->subject, &job->sans, &job->cn_added) < 0) {
        errorf("cannot add the CN as a SAN: out of memory");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int sign_job_prepare(struct sign_job *job, struct token_ctx *ctx, P11KitUri *key_uri,
                     const struct sign_request *req)
{
    job->ctx = ctx;
    if (token_find_key(ctx, key_uri, &job->key) < 0 ||
        signer_init(&job->signer, ctx, &job->key, req->hash, req->pss) < 0)
        return EXIT_FAIL;
    job->have_signer = 1;
    return EXIT_OK;
}

int sign_job_request(struct sign_job *job, int der, BIO **data)
{
    X509_REQ *req = x509_request_new(job->subject, job->sans, job->signer.pubkey);
    int ret = EXIT_FAIL;

    if (req && signer_sign_request(&job->signer, req) == 0 &&
        (*data = x509_request_encode(req, der)) != NULL)
        ret = EXIT_OK;
    X509_REQ_free(req);
    return ret;
}

int sign_job_selfsigned(struct sign_job *job, unsigned long days, int der, X509 **cert, BIO **data)
{
    *cert = x509_selfsigned_new(job->subject, job->sans, job->signer.pubkey, days);
    if (!*cert || signer_sign_certificate(&job->signer, *cert) < 0 ||
        !(*data = x509_certificate_encode(*cert, der)))
        return EXIT_FAIL;
    return EXIT_OK;
}

void sign_job_close(struct sign_job *job)
{
    if (job->have_signer)
        signer_free(&job->signer);
    X509_NAME_free(job->subject);
    GENERAL_NAMES_free(job->sans);
    memset(job, 0, sizeof(*job));
}
