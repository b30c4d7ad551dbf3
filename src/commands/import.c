/* p11cert import: the issued certificate stored on the token beside the key
 * it certifies, found by its public key. */
#include <stdlib.h>
#include <string.h>

#include "commands/cli.h"
#include "util/json-out.h"
#include "token/profile.h"
#include "x509/decode.h"
#include "signer/pubkey.h"
#include "signer/cert-object.h"
#include "x509/x509.h"

enum {
    OPT_TOKEN = 1,
    OPT_KEY,
    OPT_LABEL,
    OPT_CHAIN,
};

static const struct cli_option options[] = {
    {OPT_TOKEN, "token", "TOKEN-URI",
     "the token; the key is found by the certificate's public key"},
    {OPT_KEY, "key", "KEY-URI", "the key the certificate must be for"},
    {OPT_LABEL, "label", "L", "the certificate's label (default: the key's)"},
    {OPT_CHAIN, "chain", "FILE",
     "also store the CA certificates of FILE (as authority certificates, without an id)"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "CERT-FILE (--token TOKEN-URI | --key KEY-URI) [--label L] [--chain FILE]",
    "Stores the certificate of CERT-FILE (any format convert reads; its first certificate) on\n"
    "the token beside its private key, with the key's CKA_ID. A certificate whose key is not\n"
    "on the token is refused; storing the same certificate twice changes nothing.",
    options,
    1,
    1,
};

/* The key cert certifies: by its public value on the token, or the one
 * KEY-URI names, which must then match. Returns 1 found, 0 not, -1 error. */
static int find_certified_key(struct token_ctx *ctx, X509 *cert, int by_uri, struct token_key *key)
{
    struct token_pubkey pk;
    EVP_PKEY *token_pub;
    int same;

    if (x509_pubkey_to_token(X509_get0_pubkey(cert), &pk) < 0)
        return -1;
    if (!by_uri)
        return token_find_key_by_public(ctx, &pk, key);
    if (token_find_key(ctx, key) < 0 || !(token_pub = x509_pubkey_from_token(&key->pubkey)))
        return -1;
    same = EVP_PKEY_eq(token_pub, X509_get0_pubkey(cert)) == 1;
    EVP_PKEY_free(token_pub);
    return same;
}

static int store(struct token_ctx *ctx, X509 *cert, const unsigned char *id, CK_ULONG id_len,
                 const char *label, int full, int *already)
{
    struct token_certificate object;
    unsigned char *buffer;
    int rc;

    if (x509_certificate_object(cert, &object, &buffer) < 0)
        return -1;
    object.id = id;
    object.id_len = id_len;
    object.label = label;
    object.authority = id == NULL;
    object.full = full;
    rc = token_store_certificate(ctx, &object, already);
    OPENSSL_free(buffer);
    return rc;
}

/* The CA certificates of the chain file, skipping the leaf if it is there. */
static int store_chain(struct token_ctx *ctx, X509 *leaf, struct x509_bundle *chain, int full,
                       json_t *stored)
{
    for (int i = 0; i < sk_X509_num(chain->certs); i++) {
        X509 *ca = sk_X509_value(chain->certs, i);
        char *label;
        int already, rc;

        if (X509_cmp(ca, leaf) == 0)
            continue;
        if (!(label = x509_certificate_label(ca)))
            return -1;
        rc = store(ctx, ca, NULL, 0, label, full, &already);
        if (rc == 0)
            json_array_append_new(stored, json_pack("{s:o, s:b}", "label", json_out_text(label),
                                                    "already_there", already));
        free(label);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int report(struct cli *cli, struct token_ctx *ctx, const struct token_key *key, X509 *cert,
                  const char *label, int already, json_t *chain)
{
    char *uri = token_object_uri(ctx, CKO_CERTIFICATE, key->id, key->id_len, label);
    json_t *doc = x509_certificate_json(cert);

    json_object_set_new(doc, "uri", json_string(uri ? uri : ""));
    json_object_set_new(doc, "label", json_out_text(label));
    json_object_set_new(doc, "id", json_out_hex(key->id, key->id_len));
    json_object_set_new(doc, "already_there", json_boolean(already));
    json_object_set_new(doc, "chain", json_incref(chain));
    free(uri);
    if (cli->json)
        return json_out_print(doc);
    if (already)
        notef("the certificate is on the token already; nothing changed");
    printf("%s\n", json_string_value(json_object_get(doc, "uri")));
    if (json_array_size(chain))
        notef("stored %zu CA certificate(s) from the chain", json_array_size(chain));
    json_decref(doc);
    return 0;
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
    struct cli_parser parser;
    struct token_ctx ctx;
    struct token_key key;
    struct x509_bundle bundle = {0}, chain = {0};
    struct secret_source no_password = {0};
    P11KitUri *uri;
    json_t *stored = json_array();
    const char *arg, *token_uri = NULL, *key_uri = NULL, *label = NULL, *chain_file = NULL;
    char **args;
    X509 *cert;
    struct token_profile profile;
    int opt, found, already = 0, full, ret = EXIT_USAGE;

    memset(&ctx, 0, sizeof(ctx));
    if (cli_parser_init(&parser, cli, &spec, argc, argv) < 0)
        return EXIT_FAIL;
    while ((opt = cli_next(&parser, &arg)) >= 0) {
        if (opt == OPT_TOKEN)
            token_uri = arg;
        else if (opt == OPT_KEY)
            key_uri = arg;
        else if (opt == OPT_LABEL)
            label = arg;
        else if (opt == OPT_CHAIN)
            chain_file = arg;
    }
    if (opt == CLI_HELP)
        ret = EXIT_OK;
    if (opt != CLI_END || cli_args(&parser, &args) < 0)
        goto cleanup;
    if (!token_uri == !key_uri) {
        cli_usage_error("give either --token TOKEN-URI or --key KEY-URI");
        goto cleanup;
    }
    if (label && (!*label || strlen(label) >= TOKEN_LABEL_MAX)) {
        cli_usage_error("--label takes 1 to %d characters", TOKEN_LABEL_MAX - 1);
        goto cleanup;
    }
    if (!(uri = token_uri_parse(key_uri ? key_uri : token_uri, key_uri ? "key URI" : "token URI")))
        goto cleanup;
    ret = EXIT_FAIL;
    if (x509_decode_file(args[0], &no_password, &bundle) < 0 ||
        (chain_file && x509_decode_file(chain_file, &no_password, &chain) < 0)) {
        p11_kit_uri_free(uri);
        goto cleanup;
    }
    cert = sk_X509_value(bundle.certs, 0);
    if (sk_X509_num(bundle.certs) > 1)
        notef("\"%s\" holds %d certificates: importing the first; give CA certificates with "
              "--chain",
              args[0], sk_X509_num(bundle.certs));
    if (token_ctx_init(&ctx, &cli->token, uri) < 0 ||
        token_open(&ctx, &cli->token, TOKEN_NEEDS_RW | TOKEN_NEEDS_LOGIN) < 0)
        goto cleanup;
    found = find_certified_key(&ctx, cert, key_uri != NULL, &key);
    if (found < 0)
        goto cleanup;
    if (found == 0) {
        errorf(key_uri ? "the certificate is not for the key the URI names"
                       : "the certificate's key is not on this token");
        hintf("import a certificate on the token that holds its key ('p11cert list' shows the "
              "keys)");
        goto cleanup;
    }
    if (!label)
        label = key.label;
    /* The token profile says which certificate template the token wants. */
    if (token_profile_for_slot(&cli->token, &ctx.slot, &profile) < 0)
        goto cleanup;
    full = profile.cert_template == PROFILE_CERT_FULL;
    if (store(&ctx, cert, key.id, key.id_len, label, full, &already) < 0 ||
        (chain_file && store_chain(&ctx, cert, &chain, full, stored) < 0) ||
        report(cli, &ctx, &key, cert, label, already, stored) < 0)
        goto cleanup;
    ret = EXIT_OK;
cleanup:
    json_decref(stored);
    x509_bundle_free(&bundle);
    x509_bundle_free(&chain);
    token_ctx_free(&ctx);
    cli_parser_free(&parser);
    return ret;
}
