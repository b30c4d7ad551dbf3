/* From the certificate URL to the files (workflow/acme-finish.h). */
#include "workflow/acme-finish.h"

#include <stdlib.h>
#include <string.h>

#include "util/msg.h"
#include "util/outfile.h"
#include "workflow/chain.h"
#include "workflow/check.h"
#include "workflow/import.h"
#include "x509/decode.h"
#include "x509/parse.h"
#include "x509/x509.h"

/* The chain at url, decoded. */
static int download(struct acme_session *s, const char *url, struct x509_bundle *chain,
                    struct acme_reply *reply)
{
    struct secret_source no_password = {0};

    if (acme_certificate_get(&s->client, url, reply) < 0)
        return -1;
    if (x509_decode(reply->body, reply->body_len, "the CA's certificate chain", &no_password,
                    chain) < 0)
        return -1;
    return 0;
}

/* The issuer CN of the chain's last certificate: what --preferred-chain
 * names (the root the chain leads to). */
static const char *top_issuer(const struct x509_bundle *chain)
{
    X509 *top = sk_X509_value(chain->certs, sk_X509_num(chain->certs) - 1);

    return x509_name_common_name(X509_get_issuer_name(top));
}

/* The default chain, or the first alternate whose top issuer is preferred. */
static int choose_chain(struct acme_session *s, const char *url, const char *preferred,
                        struct x509_bundle *chain, struct acme_issue_result *res)
{
    struct acme_reply reply, alt;
    struct x509_bundle other;
    const char *issuer;
    int ret = -1;

    if (download(s, url, chain, &reply) < 0)
        goto cleanup;
    res->n_alternates = reply.n_alternates;
    issuer = top_issuer(chain);
    for (size_t i = 0;
         preferred && (!issuer || strcmp(issuer, preferred) != 0) && i < reply.n_alternates; i++) {
        memset(&other, 0, sizeof(other));
        if (download(s, reply.alternates[i], &other, &alt) < 0) {
            acme_reply_free(&alt);
            x509_bundle_free(&other);
            goto cleanup;
        }
        acme_reply_free(&alt);
        issuer = top_issuer(&other);
        if (issuer && strcmp(issuer, preferred) == 0) {
            x509_bundle_free(chain);
            *chain = other;
            debugf("the alternate chain %s leads to \"%s\"", reply.alternates[i], preferred);
        } else {
            x509_bundle_free(&other);
        }
    }
    issuer = top_issuer(chain);
    if (preferred && (!issuer || strcmp(issuer, preferred) != 0))
        notef("none of the %zu chain(s) the CA offers is issued by \"%s\": taking its default",
              reply.n_alternates + 1, preferred);
    if (issuer && !(res->chain_issuer = strdup(issuer))) {
        errorf("out of memory");
        goto cleanup;
    }
    ret = 0;
cleanup:
    acme_reply_free(&reply);
    return ret;
}

/* The three outputs, PEM: the leaf, chain.crt (issuer first, root last,
 * as chain writes it) and the fullchain (leaf and intermediates), each
 * written to a hidden temporary file beside its name: they get their names
 * together, from outfile_batch_publish. */
int acme_outputs_prepare(const struct acme_issue_options *o, const struct x509_path *path,
                         struct outfile_batch *batch)
{
    int n = sk_X509_num(path->certs);
    struct {
        const char *file;
        int from, to;
    } outs[3] = {{o->out, 0, 1}, {o->chain_out, 1, n}, {o->fullchain, 0, n > 1 ? n - 1 : 1}};

    memset(batch, 0, sizeof(*batch));
    for (int i = 0; i < 3; i++) {
        BIO *pem;
        char *bytes = NULL;
        long len;
        int rc;

        if (!outs[i].file)
            continue;
        if (!(pem = x509_certs_encode(path->certs, outs[i].from, outs[i].to, 0))) {
            errorf("cannot encode the certificates: %s", msg_openssl_reason());
            outfile_batch_abort(batch);
            return -1;
        }
        len = BIO_get_mem_data(pem, &bytes);
        rc = outfile_batch_add(batch, outs[i].file, o->force, 0644, bytes, (size_t)len, NULL, 0);
        BIO_free(pem);
        if (rc < 0) {
            outfile_batch_abort(batch);
            return -1;
        }
    }
    return 0;
}

static void output_failed(void *arg, size_t tag, const char *why)
{
    (void)tag;
    (void)why;
    *(int *)arg = 1;
}

int acme_outputs_publish(struct outfile_batch *batch)
{
    size_t n = batch->n;
    int failed = 0;

    return outfile_batch_publish(batch, output_failed, &failed) == n && !failed ? 0 : -1;
}

static int write_outputs(const struct acme_issue_options *o, const struct x509_path *path)
{
    struct outfile_batch batch;

    if (acme_outputs_prepare(o, path, &batch) < 0)
        return -1;
    return acme_outputs_publish(&batch);
}

/* check's checks on the path, with the --key: failures are reported. */
static int run_checks(struct token_ctx *ctx, const struct acme_issue_options *o,
                      const struct x509_path *path, struct acme_issue_result *res)
{
    struct check_request req = {0};
    struct check_inputs in = {{0}, {0}};
    struct check_report report = {json_array(), 0, json_array()};
    size_t i;
    json_t *c;
    int ret = EXIT_FAIL;

    req.trust = o->trust ? o->trust : "system";
    req.offline = 1; /* the path is complete: nothing to fetch */
    for (i = 0; i < o->n_domains && i < CHECK_MAX_DOMAINS; i++)
        req.domains[i] = o->domains[i][0] == '*' ? o->domains[i] + 2 : o->domains[i];
    req.n_domains = i;
    in.cert.certs = sk_X509_new_null();
    in.chain.certs = x509_path_intermediates(path);
    if (!report.checks || !in.cert.certs || !in.chain.certs ||
        !sk_X509_push(in.cert.certs, sk_X509_value(path->certs, 0)) ||
        !X509_up_ref(sk_X509_value(path->certs, 0)) ||
        (sk_X509_num(path->certs) > 1 && (!sk_X509_push(in.chain.certs, x509_path_root(path))))) {
        errorf("out of memory");
        goto cleanup;
    }
    if (check_run(ctx, o->key_uri, &req, &in, &report) != EXIT_OK)
        goto cleanup;
    json_array_foreach(report.checks, i, c)
    {
        if (!json_is_true(json_object_get(c, "ok")))
            errorf("the issued certificate fails the %s check: %s",
                   json_string_value(json_object_get(c, "name")),
                   json_string_value(json_object_get(c, "detail")));
    }
    res->checks = json_incref(report.checks);
    ret = report.failed ? EXIT_FAIL : EXIT_OK;
cleanup:
    check_inputs_free(&in);
    json_decref(report.checks);
    json_decref(report.fetched);
    return ret;
}

int acme_import_leaf(struct token_ctx *ctx, const struct acme_issue_options *o, X509 *leaf,
                     struct acme_issue_result *res)
{
    struct import_request req = {NULL, NULL, NULL};
    struct import_inputs in = {{0}, {0}};
    struct import_result result;
    int ret = EXIT_FAIL;

    memset(&result, 0, sizeof(result));
    if (!(in.cert.certs = sk_X509_new_null()) || !sk_X509_push(in.cert.certs, leaf) ||
        !X509_up_ref(leaf)) {
        errorf("out of memory");
        goto cleanup;
    }
    if ((ret = import_store(ctx, o->config, o->key_uri, &req, &in, &result)) == EXIT_OK) {
        res->imported = 1;
        res->already_imported = result.already;
    }
cleanup:
    import_result_free(&result);
    import_inputs_free(&in);
    return ret;
}

int acme_obtain(struct acme_session *s, const struct acme_issue_options *o, struct sign_job *job,
                const char *cert_url, struct acme_issue_result *res)
{
    struct x509_bundle chain = {0};
    struct chain_request creq = {NULL, 0, NULL, o->trust ? o->trust : "system", NULL, 1};
    struct secret_source no_password = {0};
    X509 *leaf;
    int ret = EXIT_FAIL;

    creq.password = &no_password;
    if (choose_chain(s, cert_url, o->preferred_chain, &chain, res) < 0)
        goto cleanup;
    leaf = sk_X509_value(chain.certs, 0);
    if (EVP_PKEY_eq(X509_get0_pubkey(leaf), job->signer.pubkey) != 1) {
        errorf("the CA's certificate is not for the --key: its public key differs");
        goto cleanup;
    }
    if (chain_build_from(chain.certs, leaf, &creq, &res->path, NULL) != EXIT_OK)
        goto cleanup;
    res->chain_len = sk_X509_num(res->path.certs) - 1;
    res->root = res->path.root_name ? strdup(res->path.root_name) : NULL;
    res->certificate = x509_certificate_json(leaf);
    memcpy(res->key_id, job->key.id, job->key.id_len);
    res->key_id_len = job->key.id_len;
    if (run_checks(job->ctx, o, &res->path, res) != EXIT_OK)
        goto cleanup;
    ret = EXIT_OK;
cleanup:
    x509_bundle_free(&chain);
    return ret;
}

int acme_install(struct token_ctx *ctx, const struct acme_issue_options *o,
                 struct acme_issue_result *res)
{
    if (o->import && acme_import_leaf(ctx, o, sk_X509_value(res->path.certs, 0), res) != EXIT_OK)
        return EXIT_FAIL;
    if (write_outputs(o, &res->path) < 0)
        return EXIT_FAIL;
    return EXIT_OK;
}
