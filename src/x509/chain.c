/* Path building with OpenSSL's X509_verify_cert. This file chooses the
 * leaf and the anchors and explains failures; OpenSSL's issuer lookup does
 * the searching (it prefers issuers within their validity period). Nothing
 * here compares every input with every other: duplicates and the leaf are
 * found with hash sets, so a pool of thousands of certificates stays fast.
 * Nothing here prints either: the caller shows the diagnosis. */
#include "x509/chain-internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "util/msg.h"
#include "x509/decode.h"
#include "x509/x509.h"

/* At most this many anchors are set aside (expired, not yet valid) before
 * giving up on finding a better path. */
#define MAX_ATTEMPTS 8

static int accept_everything(int ok, X509_STORE_CTX *ctx)
{
    (void)ok;
    (void)ctx;
    return 1;
}

static int contains(STACK_OF(X509) *certs, X509 *cert)
{
    for (int i = 0; i < sk_X509_num(certs); i++)
        if (X509_cmp(sk_X509_value(certs, i), cert) == 0)
            return 1;
    return 0;
}

static X509_STORE *anchor_store(const struct x509_chain_request *req, STACK_OF(X509) *anchors,
                                STACK_OF(X509) *excluded)
{
    X509_STORE *store = X509_STORE_new();

    if (!store)
        return NULL;
    for (int i = 0; i < sk_X509_num(anchors); i++) {
        X509 *a = sk_X509_value(anchors, i);
        if (!contains(excluded, a) && !X509_STORE_add_cert(store, a))
            goto fail;
    }
    if (req->trust_system && !X509_STORE_set_default_paths(store))
        goto fail;
    if (req->order_only)
        X509_STORE_set_verify_cb(store, accept_everything);
    return store;
fail:
    X509_STORE_free(store);
    return NULL;
}

/* After a failure at an anchor that has expired or is not yet valid, with
 * another anchor left: set it aside so that the next try finds another
 * path (a cross-signed one, to a root that is still valid). */
static int retry_without(X509_STORE_CTX *ctx, STACK_OF(X509) *anchors, STACK_OF(X509) *excluded,
                         struct x509_path *path)
{
    int err = X509_STORE_CTX_get_error(ctx);
    X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
    char *label;

    if ((err != X509_V_ERR_CERT_HAS_EXPIRED && err != X509_V_ERR_CERT_NOT_YET_VALID) || !cur ||
        !contains(anchors, cur) || contains(excluded, cur) ||
        sk_X509_num(anchors) - sk_X509_num(excluded) < 2)
        return 0;
    if (!sk_X509_push(excluded, cur))
        return 0;
    label = x509_subject_text(cur);
    snprintf(path->note, sizeof(path->note), "root \"%s\" is %s: another path was used",
             label ? label : "?", err == X509_V_ERR_CERT_HAS_EXPIRED ? "expired" : "not yet valid");
    free(label);
    return 1;
}

int x509_path_build(const struct x509_chain_request *req, struct x509_path *path,
                    struct x509_chain_diag *diag)
{
    STACK_OF(X509) *anchors = sk_X509_new_null(), *untrusted = sk_X509_new_null();
    STACK_OF(X509) *set_aside = sk_X509_new_null(), *excluded = sk_X509_new_null();
    X509_STORE *store = NULL;
    X509_STORE_CTX *ctx = NULL;
    X509 *leaf = req->leaf;
    int explicit_trust = req->trust || req->trust_system, ret = -1, done = 0;

    memset(path, 0, sizeof(*path));
    diag->why[0] = diag->hint[0] = '\0';
    diag->stuck = NULL;
    if (!anchors || !untrusted || !set_aside || !excluded) {
        snprintf(diag->why, sizeof(diag->why), "cannot build the path: out of memory");
        goto cleanup;
    }
    if (!leaf && !(leaf = x509_find_leaf(req->certs, 0, diag)) &&
        !(req->order_only && (leaf = x509_find_leaf(req->certs, 1, diag))))
        goto cleanup;
    for (int i = 0; i < sk_X509_num(req->certs); i++) {
        X509 *cert = sk_X509_value(req->certs, i);

        if (X509_cmp(cert, leaf) == 0)
            continue;
        /* With --trust, a self-signed input is no anchor; left among the
         * untrusted, it would end a path that cannot verify and hide the
         * cross-signed path to a trusted root. */
        if (X509_self_signed(cert, 0) == 1)
            sk_X509_push(explicit_trust ? set_aside : anchors, cert);
        else
            sk_X509_push(untrusted, cert);
    }
    for (int i = 0; req->trust && i < sk_X509_num(req->trust); i++)
        sk_X509_push(anchors, sk_X509_value(req->trust, i));
    for (int i = 0; req->fetched && i < sk_X509_num(req->fetched); i++)
        sk_X509_push(untrusted, sk_X509_value(req->fetched, i));

    for (int attempt = 0; attempt < MAX_ATTEMPTS && !done; attempt++) {
        X509_STORE_CTX_free(ctx);
        X509_STORE_free(store);
        ctx = NULL;
        if (!(store = anchor_store(req, anchors, excluded)) || !(ctx = X509_STORE_CTX_new()) ||
            !X509_STORE_CTX_init(ctx, store, leaf, untrusted)) {
            snprintf(diag->why, sizeof(diag->why), "cannot build the path: %s",
                     msg_openssl_reason());
            goto cleanup;
        }
        if (X509_verify_cert(ctx) > 0 || req->order_only)
            done = 1;
        else if (!retry_without(ctx, anchors, excluded, path)) {
            x509_chain_diagnose(ctx, req, set_aside, diag);
            goto cleanup;
        }
    }
    if (!done) {
        snprintf(diag->why, sizeof(diag->why),
                 "no path: every root tried is outside its validity period");
        goto cleanup;
    }
    path->certs = X509_STORE_CTX_get1_chain(ctx);
    if (!path->certs || sk_X509_num(path->certs) < 1) {
        snprintf(diag->why, sizeof(diag->why), "cannot build the path: out of memory");
        goto cleanup;
    }
    path->root_name = x509_subject_text(sk_X509_value(path->certs, sk_X509_num(path->certs) - 1));
    path->roots = sk_X509_num(anchors) - sk_X509_num(excluded);
    ret = 0;
cleanup:
    ERR_clear_error();
    if (ret < 0)
        x509_path_free(path);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_free(anchors);
    sk_X509_free(untrusted);
    sk_X509_free(set_aside);
    sk_X509_free(excluded);
    return ret;
}

int x509_chain_build(X509 *cert, STACK_OF(X509) *cas, STACK_OF(X509) *fetched, const char *trust,
                     struct x509_path *path, struct x509_chain_diag *diag)
{
    struct x509_chain_request req = {0};
    struct x509_bundle anchors = {0};
    STACK_OF(X509) *own = NULL;
    int ret = -1;

    memset(path, 0, sizeof(*path));
    memset(diag, 0, sizeof(*diag));
    req.certs = cas;
    req.leaf = cert;
    req.fetched = fetched;
    if (trust && strcmp(trust, "system") == 0) {
        req.trust_system = 1;
    } else if (trust) {
        if (x509_decode_file(trust, NULL, &anchors) < 0) {
            snprintf(diag->why, sizeof(diag->why), "cannot read the trust anchors in \"%s\"",
                     trust);
            return -1;
        }
        req.trust = anchors.certs;
    }
    if (!req.certs && !(req.certs = sk_X509_new_null())) {
        snprintf(diag->why, sizeof(diag->why), "out of memory");
        goto cleanup;
    }
    /* A self-signed certificate given alone is its own root. */
    if (!trust && sk_X509_num(req.certs) == 0 && (X509_get_extension_flags(cert) & EXFLAG_SS)) {
        if (!(req.trust = own = sk_X509_new_null()) || !sk_X509_push(own, cert)) {
            snprintf(diag->why, sizeof(diag->why), "out of memory");
            goto cleanup;
        }
    }
    if (x509_path_build(&req, path, diag) < 0)
        goto cleanup;
    ret = 0;
cleanup:
    sk_X509_free(own);
    if (req.certs != cas)
        sk_X509_free(req.certs);
    x509_bundle_free(&anchors);
    return ret;
}

STACK_OF(X509) *x509_path_intermediates(const struct x509_path *path)
{
    STACK_OF(X509) *out = sk_X509_new_null();
    int n = sk_X509_num(path->certs);

    for (int i = 1; out && i < n - 1; i++) {
        X509 *cert = sk_X509_value(path->certs, i);
        if (!X509_up_ref(cert) || !sk_X509_push(out, cert)) {
            sk_X509_pop_free(out, X509_free);
            return NULL;
        }
    }
    return out;
}

X509 *x509_path_root(const struct x509_path *path)
{
    int n = sk_X509_num(path->certs);
    X509 *root = n > 0 ? sk_X509_value(path->certs, n - 1) : NULL;

    if (root && !X509_up_ref(root))
        return NULL;
    return root;
}

void x509_path_free(struct x509_path *path)
{
    if (!path)
        return;
    sk_X509_pop_free(path->certs, X509_free);
    free(path->root_name);
    path->certs = NULL;
    path->root_name = NULL;
}

STACK_OF(X509) *x509_certs_order(STACK_OF(X509) *all, int *chained)
{
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;
    struct x509_path path = {0};
    STACK_OF(X509) *ordered = sk_X509_new_null();
    int n_path = 0;

    *chained = 0;
    if (!ordered)
        return NULL;
    req.certs = all;
    req.order_only = 1;
    if (sk_X509_num(all) > 1 && x509_path_build(&req, &path, &diag) == 0 &&
        sk_X509_num(path.certs) > 1) {
        n_path = sk_X509_num(path.certs);
        *chained = n_path;
    }
    for (int i = 0; i < n_path; i++)
        sk_X509_push(ordered, sk_X509_value(path.certs, i));
    for (int i = 0; i < sk_X509_num(all); i++) {
        X509 *cert = sk_X509_value(all, i);
        int on_path = 0;

        for (int k = 0; k < n_path && !on_path; k++)
            on_path = X509_cmp(cert, sk_X509_value(path.certs, k)) == 0;
        if (!on_path)
            sk_X509_push(ordered, cert);
    }
    /* The path's certificates are all's own objects (the store hands back
     * what it was given), so ordered may borrow them from all. */
    x509_path_free(&path);
    return ordered;
}
