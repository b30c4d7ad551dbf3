/* import's steps: the certified key, the token's certificate template, the
 * certificate, then the CA certificates of its path (and only those). */
#include "workflow/import.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "signer/cert-object.h"
#include "token/profile.h"
#include "util/json-out.h"
#include "util/msg.h"
#include "x509/chain.h"
#include "x509/x509.h"

int import_read(const struct import_request *req, struct import_inputs *in)
{
    struct secret_source no_password = {0};

    memset(in, 0, sizeof(*in));
    if (x509_decode_file(req->cert_file, &no_password, &in->cert) < 0 ||
        (req->chain_file && x509_decode_file(req->chain_file, &no_password, &in->chain) < 0))
        return EXIT_FAIL;
    if (sk_X509_num(in->cert.certs) > 1)
        notef("\"%s\" holds %d certificates: importing the first; give CA certificates with "
              "--chain",
              req->cert_file, sk_X509_num(in->cert.certs));
    return EXIT_OK;
}

void import_inputs_free(struct import_inputs *in)
{
    x509_bundle_free(&in->cert);
    x509_bundle_free(&in->chain);
}

X509 *import_certificate(const struct import_inputs *in)
{
    return sk_X509_value(in->cert.certs, 0);
}

/* Why cert, from --chain, is not on leaf's path (cut: the first
 * certificate the path was cut at, or NULL). */
static const char *left_out_why(X509 *cert, X509 *cut)
{
    if (cut && X509_cmp(cert, cut) == 0)
        return X509_check_ca(cert) ? "its signature on the certificate below it does not verify"
                                   : "an end-entity certificate, not a CA";
    if (!X509_check_ca(cert))
        return "an end-entity certificate, not a CA";
    return "a CA certificate that issued nothing on the leaf's path";
}

/* The certificates of chain on leaf's path, in path order (leaf's issuer
 * first): built by OpenSSL's issuer lookup (x509/chain.h), each link then
 * checked here: the issuer is a CA and its signature verifies. What is
 * left out goes into left_out with the reason. A new stack borrowing
 * chain's certificates (sk_X509_free it); NULL after reporting. */
static STACK_OF(X509) *path_of(X509 *leaf, STACK_OF(X509) *chain, json_t *left_out)
{
    struct x509_chain_request req = {.certs = chain, .leaf = leaf, .order_only = 1};
    struct x509_chain_diag diag;
    struct x509_path path;
    STACK_OF(X509) *on_path = sk_X509_new_null();
    X509 *cut = NULL;

    if (!on_path || x509_path_build(&req, &path, &diag) < 0) {
        errorf("cannot order the --chain certificates: %s", on_path ? diag.why : "out of memory");
        sk_X509_free(on_path);
        return NULL;
    }
    for (int i = 1; i < sk_X509_num(path.certs) && !cut; i++) {
        X509 *issuer = sk_X509_value(path.certs, i), *below = sk_X509_value(path.certs, i - 1);

        if (!X509_check_ca(issuer) || X509_verify(below, X509_get0_pubkey(issuer)) != 1)
            cut = issuer;
        else
            sk_X509_push(on_path, issuer);
    }
    ERR_clear_error();
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *cert = sk_X509_value(chain, i);
        int on = X509_cmp(cert, leaf) == 0;
        char *label;

        for (int k = 0; k < sk_X509_num(on_path) && !on; k++)
            on = X509_cmp(cert, sk_X509_value(on_path, k)) == 0;
        if (on || !(label = x509_certificate_label(cert)))
            continue;
        json_array_append_new(left_out, json_pack("{s:o, s:s}", "label", json_out_text(label),
                                                  "why", left_out_why(cert, cut)));
        free(label);
    }
    /* The path holds chain's own objects (the store hands back what it
     * was given), so on_path may borrow them. */
    x509_path_free(&path);
    return on_path;
}

/* The CA certificates of the chain file that are on the leaf's path;
 * made[] gets each object made (room for every one of chain). */
static int store_chain(struct token_ctx *ctx, X509 *leaf, STACK_OF(X509) *chain, int full,
                       struct import_result *out, CK_OBJECT_HANDLE *made)
{
    STACK_OF(X509) *on_path;
    int ret = -1;

    if (!chain)
        return 0;
    if (!(on_path = path_of(leaf, chain, out->left_out)))
        return -1;
    for (int i = 0; i < sk_X509_num(on_path); i++) {
        X509 *ca = sk_X509_value(on_path, i);
        char *label;
        int already, rc;

        if (!(label = x509_certificate_label(ca)))
            goto cleanup;
        rc = signer_store_certificate(ctx, ca, NULL, 0, label, full, &already, &made[i]);
        if (rc == 0)
            json_array_append_new(out->chain, json_pack("{s:o, s:b}", "label", json_out_text(label),
                                                        "already_there", already));
        free(label);
        if (rc < 0)
            goto cleanup;
    }
    ret = 0;
cleanup:
    sk_X509_free(on_path);
    return ret;
}

int import_store(struct token_ctx *ctx, const struct token_config *config, P11KitUri *key_uri,
                 const struct import_request *req, const struct import_inputs *in,
                 struct import_result *out)
{
    X509 *cert = import_certificate(in);
    int n_chain = sk_X509_num(in->chain.certs) > 0 ? sk_X509_num(in->chain.certs) : 0;
    CK_OBJECT_HANDLE made_leaf = CK_INVALID_HANDLE, *made_chain = NULL;
    struct token_profile profile;
    int found, full, ret = EXIT_FAIL;

    memset(out, 0, sizeof(*out));
    if (!(out->chain = json_array()) || !(out->left_out = json_array())) {
        errorf("out of memory");
        return EXIT_FAIL;
    }
    if (signer_find_certified_key(ctx, cert, key_uri, &out->key, &found) < 0)
        return EXIT_FAIL;
    if (!found) {
        errorf(key_uri ? "the certificate is not for the key the URI names"
                       : "the certificate's key is not on this token");
        hintf("import a certificate on the token that holds its key ('p11cert list' shows the "
              "keys)");
        return EXIT_FAIL;
    }
    out->label = req->label ? req->label : out->key.label;
    if (token_profile_for_slot(config, &ctx->slot, &profile) < 0)
        return EXIT_FAIL;
    full = profile.cert_template == PROFILE_CERT_FULL;
    if (!(made_chain = malloc((size_t)(n_chain + 1) * sizeof(*made_chain)))) {
        errorf("out of memory");
        return EXIT_FAIL;
    }
    for (int i = 0; i < n_chain; i++)
        made_chain[i] = CK_INVALID_HANDLE;
    if (signer_store_certificate(ctx, cert, out->key.id, out->key.id_len, out->label, full,
                                 &out->already, &made_leaf) < 0 ||
        store_chain(ctx, cert, in->chain.certs, full, out, made_chain) < 0)
        goto cleanup;
    ret = EXIT_OK;
cleanup:
    /* A certificate the token refused undoes the ones this import stored. */
    if (ret != EXIT_OK) {
        token_destroy_object(ctx, made_leaf);
        for (int i = 0; i < n_chain; i++)
            token_destroy_object(ctx, made_chain[i]);
    }
    free(made_chain);
    return ret;
}

void import_result_free(struct import_result *result)
{
    json_decref(result->chain);
    json_decref(result->left_out);
    result->chain = NULL;
    result->left_out = NULL;
}
