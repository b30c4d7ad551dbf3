/* chain's inputs read and pooled, the anchors chosen, the path built. */
#include "workflow/chain.h"

#include <string.h>

#include "util/msg.h"
#include "workflow/aia.h"
#include "x509/decode.h"
#include "x509/pool.h"

/* Appends the certificates of file to pool (new references); the first
 * one in *first when first is not NULL. */
static int read_into(const char *file, const struct secret_source *password, STACK_OF(X509) *pool,
                     X509 **first)
{
    struct x509_bundle b;
    int ret = -1;

    if (x509_decode_file(file, password, &b) < 0)
        return -1;
    if (b.key)
        notef("\"%s\" holds a private key: it was not read", file);
    for (int k = 0; k < sk_X509_num(b.certs); k++) {
        X509 *cert = sk_X509_value(b.certs, k);

        if (!X509_up_ref(cert) || !sk_X509_push(pool, cert)) {
            errorf("out of memory");
            goto cleanup;
        }
        if (k == 0 && first)
            *first = cert;
    }
    ret = 0;
cleanup:
    x509_bundle_free(&b);
    return ret;
}

/* The leaf (into *leaf) and every input into certs. */
static int read_inputs(const struct chain_request *req, STACK_OF(X509) *certs, X509 **leaf)
{
    struct x509_pool *lazy = NULL;
    int taken, dropped, ret = -1;

    /* The leaf first: when it is also among the files, that copy is the
     * duplicate that goes. */
    if (req->leaf && read_into(req->leaf, req->password, certs, leaf) < 0)
        return -1;
    /* With the leaf known, PEM files of certificates are pooled and only
     * the certificates a path can use are decoded (x509/pool.h). */
    if (req->leaf && !(lazy = x509_pool_new())) {
        errorf("out of memory");
        return -1;
    }
    for (int i = 0; i < req->n_files; i++) {
        if (lazy && x509_pool_add_pem_file(lazy, req->files[i], &taken) < 0)
            goto cleanup;
        if ((!lazy || !taken) && read_into(req->files[i], req->password, certs, NULL) < 0)
            goto cleanup;
    }
    if (lazy && x509_pool_take_issuers(lazy, certs) < 0)
        goto cleanup;
    if (x509_certs_dedup(certs, &dropped) < 0) {
        errorf("cannot compare the certificates: out of memory");
        goto cleanup;
    }
    ret = 0;
cleanup:
    x509_pool_free(lazy);
    return ret;
}

int chain_build_from(STACK_OF(X509) *certs, X509 *leaf, const struct chain_request *req,
                     struct x509_path *path, json_t *fetched)
{
    struct x509_chain_request build = {0};
    struct x509_chain_diag diag;
    struct x509_bundle anchors = {0};
    struct aia_fetcher aia;
    int ret = EXIT_FAIL, more = 1;

    memset(path, 0, sizeof(*path));
    if (aia_fetcher_init(&aia, req->offline, fetched) != EXIT_OK)
        goto cleanup;
    if (req->trust && strcmp(req->trust, "system") == 0)
        build.trust_system = 1;
    else if (req->trust && x509_decode_file(req->trust, req->password, &anchors) < 0)
        goto cleanup;
    build.certs = certs;
    build.leaf = leaf;
    build.trust = anchors.certs;
    build.fetched = aia.certs;
    while (x509_path_build(&build, path, &diag) < 0) {
        if (aia_fetch_missing(&aia, &diag, &more) != EXIT_OK)
            goto cleanup;
        if (!more) {
            errorf("%s", diag.why);
            if (diag.hint[0])
                hintf("%s", diag.hint);
            goto cleanup;
        }
    }
    if (path->note[0])
        notef("%s", path->note);
    if (path->roots > 1)
        notef("%d roots to choose from: the path ends in \"%s\"", path->roots, path->root_name);
    ret = EXIT_OK;
cleanup:
    aia_fetcher_free(&aia);
    x509_bundle_free(&anchors);
    return ret;
}

int chain_build(const struct chain_request *req, struct x509_path *path, json_t *fetched)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    X509 *leaf = NULL;
    int ret = EXIT_FAIL;

    memset(path, 0, sizeof(*path));
    if (!certs)
        errorf("out of memory");
    else if (read_inputs(req, certs, &leaf) == 0)
        ret = chain_build_from(certs, leaf, req, path, fetched);
    sk_X509_pop_free(certs, X509_free);
    return ret;
}
