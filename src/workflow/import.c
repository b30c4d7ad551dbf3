/* import's steps: the certified key, the token's certificate template, the
 * certificate, then the CA certificates. */
#include "workflow/import.h"

#include <stdlib.h>
#include <string.h>

#include "signer/cert-object.h"
#include "token/profile.h"
#include "util/json-out.h"
#include "util/msg.h"
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

/* The CA certificates of the chain file, skipping the leaf if it is there;
 * made[] gets each object made (room for every one of chain). */
static int store_chain(struct token_ctx *ctx, X509 *leaf, STACK_OF(X509) *chain, int full,
                       json_t *stored, CK_OBJECT_HANDLE *made)
{
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *ca = sk_X509_value(chain, i);
        char *label;
        int already, rc;

        if (X509_cmp(ca, leaf) == 0)
            continue;
        if (!(label = x509_certificate_label(ca)))
            return -1;
        rc = signer_store_certificate(ctx, ca, NULL, 0, label, full, &already, &made[i]);
        if (rc == 0)
            json_array_append_new(stored, json_pack("{s:o, s:b}", "label", json_out_text(label),
                                                    "already_there", already));
        free(label);
        if (rc < 0)
            return -1;
    }
    return 0;
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
    if (!(out->chain = json_array())) {
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
        store_chain(ctx, cert, in->chain.certs, full, out->chain, made_chain) < 0)
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
    result->chain = NULL;
}
