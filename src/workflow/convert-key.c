/* What convert does with the private key a PFX holds, and only when asked:
 * put it on a token as a non-extractable signing key beside its
 * certificate, or write it to a 0600 file with a warning. */
#include "workflow/convert.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "signer/cert-object.h"
#include "signer/key-material.h"
#include "signer/pubkey.h"
#include "util/msg.h"
#include "util/outfile.h"

/* The PFX's certificate for this key, stored with its id and label. */
static int store_certificate(struct token_ctx *ctx, EVP_PKEY *key, STACK_OF(X509) *certs,
                             const struct token_key *made)
{
    CK_OBJECT_HANDLE made_cert;
    int already;

    for (int i = 0; i < sk_X509_num(certs); i++) {
        X509 *cert = sk_X509_value(certs, i);

        if (EVP_PKEY_eq(X509_get0_pubkey(cert), key) == 1)
            return signer_store_certificate(ctx, cert, made->id, made->id_len, made->label, 0,
                                            &already, &made_cert);
    }
    warnf("the PFX holds no certificate for its key: only the key pair was stored");
    return 0;
}

int convert_key_import(struct token_ctx *ctx, const char *label, EVP_PKEY *key,
                       STACK_OF(X509) *certs, struct token_key *made_out)
{
    struct token_key made;
    struct signer_key_material m;
    unsigned char id[20];
    char *made_uri = NULL, *id_text = NULL;
    int created = 0, ret = EXIT_FAIL;

    memset(&m, 0, sizeof(m));
    if (signer_key_material(key, &m) < 0 || signer_pubkey_id(&m.pubkey, id) < 0 ||
        !(id_text = OPENSSL_buf2hexstr(id, sizeof(id))) ||
        token_require_unused(ctx, CKA_LABEL, label, strlen(label), "label", label,
                             "choose another --label") < 0 ||
        token_require_unused(ctx, CKA_ID, id, sizeof(id), "the key id", id_text,
                             "the PFX's key is on the token already: 'p11cert list' shows it") < 0)
        goto cleanup;
    if (token_create_key_pair(ctx, m.type, m.priv, m.n_priv, m.pub, m.n_pub, label, id, sizeof(id),
                              &made) < 0)
        goto cleanup;
    created = 1;
    signer_key_material_wipe(&m);
    if (store_certificate(ctx, key, certs, &made) < 0)
        goto cleanup;
    made_uri = token_object_uri(ctx, CKO_PRIVATE_KEY, made.id, made.id_len, made.label);
    notef("the private key is on the token now, non-extractable: %s",
          made_uri ? made_uri : made.label);
    *made_out = made;
    ret = EXIT_OK;
cleanup:
    if (ret != EXIT_OK && created)
        convert_key_undo(ctx, &made);
    signer_key_material_wipe(&m);
    OPENSSL_free(id_text);
    free(made_uri);
    return ret;
}

void convert_key_undo(struct token_ctx *ctx, const struct token_key *made)
{
    token_destroy_certificates(ctx, made->id, made->id_len);
    token_destroy_key(ctx, made, 0);
}

int convert_key_stage(const char *path, int force, EVP_PKEY *key, struct outfile *out)
{
    if (outfile_open(out, path, force, 0600) < 0)
        return EXIT_FAIL;
    /* Unbuffered: no stdio buffer keeps a copy of the key after fclose.
     * OpenSSL cleanses its own encoding buffers. */
    setvbuf(out->fp, NULL, _IONBF, 0);
    if (!PEM_write_PrivateKey(out->fp, key, NULL, NULL, 0, NULL, NULL)) {
        errorf("cannot write the private key: %s", msg_openssl_reason());
        outfile_abort(out);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

int convert_key_commit(struct outfile *out)
{
    if (outfile_commit(out) < 0)
        return EXIT_FAIL;
    warnf("the private key is now in \"%s\" (mode 0600), off any token: protect or destroy it",
          out->path);
    return EXIT_OK;
}
