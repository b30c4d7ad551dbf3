/* p11cert import: the issued certificate stored on the token beside the key
 * it certifies, found by its public key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "util/json-out.h"
#include "util/text.h"
#include "workflow/import.h"
#include "workflow/token-lock.h"
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
     "also store the CA certificates of FILE on the certificate's path (as authority "
     "certificates, without an id)"},
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

struct import_args {
    struct import_request req;
    const char *token_uri, *key_uri;
};

static int take(void *opts, int id, const char *arg)
{
    struct import_args *a = opts;

    if (id == OPT_TOKEN)
        a->token_uri = arg;
    else if (id == OPT_KEY)
        a->key_uri = arg;
    else if (id == OPT_LABEL)
        a->req.label = arg;
    else if (id == OPT_CHAIN)
        a->req.chain_file = arg;
    return 0;
}

static int check_args(const struct import_args *a)
{
    P11KitUri *uri;

    if (!a->token_uri == !a->key_uri) {
        cli_usage_error("give either --token TOKEN-URI or --key KEY-URI");
        return -1;
    }
    if (a->req.label && (!*a->req.label || strlen(a->req.label) >= TOKEN_LABEL_MAX)) {
        cli_usage_error("--label takes 1 to %d characters", TOKEN_LABEL_MAX - 1);
        return -1;
    }
    if (a->req.label && text_has_control(a->req.label)) {
        cli_usage_error("--label must be UTF-8 text without control characters, as PKCS#11 "
                        "labels are");
        return -1;
    }
    /* A malformed URI is a usage error, found before any file is read. */
    if (!(uri = token_uri_parse(a->key_uri ? a->key_uri : a->token_uri,
                                a->key_uri ? "key URI" : "token URI")))
        return -1;
    p11_kit_uri_free(uri);
    return 0;
}

static int report(struct cli *cli, struct token_ctx *ctx, X509 *cert, const struct import_result *r)
{
    const struct token_key *key = &r->key;
    char *uri = token_object_uri(ctx, CKO_CERTIFICATE, key->id, key->id_len, r->label);
    json_t *doc = x509_certificate_json(cert);

    json_object_set_new(doc, "uri", json_string(uri ? uri : ""));
    json_object_set_new(doc, "label", json_out_text(r->label));
    json_object_set_new(doc, "id", json_out_hex(key->id, key->id_len));
    json_object_set_new(doc, "already_there", json_boolean(r->already));
    json_object_set_new(doc, "chain", json_incref(r->chain));
    json_object_set_new(doc, "chain_left_out", json_incref(r->left_out));
    free(uri);
    if (cli->json)
        return json_out_print(doc);
    if (r->already)
        notef("the certificate is on the token already; nothing changed");
    printf("%s\n", json_string_value(json_object_get(doc, "uri")));
    if (json_array_size(r->chain))
        notef("stored %zu CA certificate(s) from the chain", json_array_size(r->chain));
    for (size_t i = 0; i < json_array_size(r->left_out); i++) {
        json_t *c = json_array_get(r->left_out, i);

        notef("left out of --chain: \"%s\": %s", json_string_value(json_object_get(c, "label")),
              json_string_value(json_object_get(c, "why")));
    }
    json_decref(doc);
    return 0;
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
    struct import_args a;
    struct import_inputs in;
    struct import_result result;
    struct cli_args args;
    struct token_ctx ctx;
    int ret, lock_fd = -1;

    memset(&a, 0, sizeof(a));
    memset(&in, 0, sizeof(in));
    memset(&result, 0, sizeof(result));
    memset(&ctx, 0, sizeof(ctx));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        return ret;
    if (check_args(&a) < 0)
        return EXIT_USAGE;
    a.req.cert_file = args.v[0];
    if ((ret = import_read(&a.req, &in)) != EXIT_OK)
        goto cleanup;
    ret = cli_open_token_locked(cli, a.key_uri ? a.key_uri : a.token_uri,
                                a.key_uri ? "key URI" : "token URI", 0, &ctx, &lock_fd);
    /* With --key, the URI that opened the token names the key too. */
    if (ret == EXIT_OK &&
        (ret = import_store(&ctx, &cli->token, a.key_uri ? ctx.uri : NULL, &a.req, &in, &result)) ==
            EXIT_OK &&
        report(cli, &ctx, import_certificate(&in), &result) < 0)
        ret = EXIT_FAIL;
cleanup:
    import_result_free(&result);
    import_inputs_free(&in);
    token_ctx_free(&ctx);
    token_unlock(lock_fd);
    return ret;
}
