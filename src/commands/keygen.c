/* p11cert keygen: a signing key pair generated on the token. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "commands/commands.h"
#include "util/json-out.h"
#include "util/text.h"
#include "workflow/keygen.h"
#include "workflow/token-lock.h"

enum {
    OPT_LABEL = 1,
    OPT_ID,
    OPT_TYPE,
};

static const struct cli_option options[] = {
    {OPT_LABEL, "label", "L", "the label of both halves (required; must not be in use)"},
    {OPT_ID, "id", "HEX", "CKA_ID of both halves (default: SHA-1 of the public key value)"},
    {OPT_TYPE, "type", "T",
     "rsa:2048, rsa:3072, rsa:4096, ec:p256, ec:p384, ec:p521 or ed25519 (default: the token "
     "profile's default_key_type, rsa:2048 unless it says otherwise)"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "TOKEN-URI --label L [--id HEX] [--type T]",
    "Generates a key pair on the token TOKEN-URI names. The private key is sensitive and\n"
    "never extractable, for signing only; its attributes are read back and checked.\n"
    "Prints the private key's URI, for csr, selfsign and servers (libp11, GnuTLS).",
    options,
    1,
    1,
};

struct keygen_args {
    struct keygen_request req;
    unsigned char id[TOKEN_ID_MAX];
};

/* --id: 1 to TOKEN_ID_MAX bytes of hex, colons allowed ("01:a2"). */
static int parse_id(const char *text, struct keygen_args *a)
{
    long n = 0;
    unsigned char *bytes = OPENSSL_hexstr2buf(text, &n);
    int ret = -1;

    if (!bytes || n <= 0 || n > TOKEN_ID_MAX) {
        cli_usage_error("bad --id \"%s\": give 1 to %d bytes in hex, e.g. 01a2", text,
                        TOKEN_ID_MAX);
    } else {
        memcpy(a->id, bytes, (size_t)n);
        a->req.id = a->id;
        a->req.id_len = (CK_ULONG)n;
        a->req.id_text = text;
        ret = 0;
    }
    OPENSSL_free(bytes);
    return ret;
}

static int take(void *opts, int id, const char *arg)
{
    struct keygen_args *a = opts;

    switch (id) {
    case OPT_LABEL:
        a->req.label = arg;
        return 0;
    case OPT_ID:
        return parse_id(arg, a);
    case OPT_TYPE:
        if ((a->req.type = keygen_type_by_name(arg)))
            return 0;
        if (keygen_type_too_weak(arg))
            cli_usage_error("--type %s is too weak: RSA keys have at least 2048 bits", arg);
        else
            cli_usage_error("unknown --type \"%s\": use %s", arg, keygen_type_choices());
        return -1;
    }
    return 0;
}

static int check_label(const char *label)
{
    if (label && (!json_out_is_utf8(label) || text_has_control(label))) {
        cli_usage_error("--label must be UTF-8 text without control characters, as PKCS#11 "
                        "labels are");
        return -1;
    }
    if (!label || !*label || strlen(label) >= TOKEN_LABEL_MAX) {
        if (label)
            cli_usage_error("--label takes 1 to %d characters", TOKEN_LABEL_MAX - 1);
        else
            cli_usage_error("--label is required (1 to %d characters)", TOKEN_LABEL_MAX - 1);
        return -1;
    }
    return 0;
}

static int print_result(struct cli *cli, struct token_ctx *ctx, const struct keygen_result *r)
{
    const struct token_key *key = &r->key;
    char *priv = token_object_uri(ctx, CKO_PRIVATE_KEY, key->id, key->id_len, key->label);
    char *pub = token_object_uri(ctx, CKO_PUBLIC_KEY, key->id, key->id_len, key->label);
    int ret = EXIT_FAIL;

    if (!priv || !pub) {
        errorf("cannot format the key's URI");
    } else if (cli->json) {
        if (json_out_print(json_pack("{s:s, s:s, s:s, s:s, s:o}", "uri", priv, "public_uri", pub,
                                     "label", key->label, "type", r->type->name, "id",
                                     json_out_hex(key->id, key->id_len))) == 0)
            ret = EXIT_OK;
    } else {
        printf("%s\n", priv);
        notef("generated %s key \"%s\" on the token; it cannot leave it", r->type->name,
              key->label);
        ret = EXIT_OK;
    }
    free(priv);
    free(pub);
    return ret;
}

int cmd_keygen(struct cli *cli, int argc, char **argv)
{
    struct keygen_args a;
    struct keygen_result result;
    struct cli_args args;
    struct token_ctx ctx;
    /* The PIN is kept (and wiped with ctx): a token whose profile says
     * relogin_to_remove has a pair that keygen must remove again removed
     * after a fresh login. */
    struct token_opening how = cli_token_opening(cli, TOKEN_KEEP_PIN);
    P11KitUri *uri;
    int ret, lock_fd, sig;

    memset(&a, 0, sizeof(a));
    memset(&ctx, 0, sizeof(ctx));
    memset(&result, 0, sizeof(result));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        return ret;
    if (check_label(a.req.label) < 0 || !(uri = token_uri_parse(args.v[0], "token URI")))
        return EXIT_USAGE;
    /* The lock is taken before the module is loaded (token-lock.c says why). */
    if (token_lock(&cli->token, uri, &lock_fd) < 0) {
        p11_kit_uri_free(uri);
        return EXIT_FAIL;
    }
    ret = token_open_uri(&ctx, &how, uri) < 0 ? EXIT_FAIL
                                              : keygen_generate(&ctx, &cli->token, &a.req, &result);
    if (ret == EXIT_OK)
        ret = print_result(cli, &ctx, &result);
    ret = keygen_finish(&ctx, &result, ret);
    sig = interrupt_pending();
    token_ctx_free(&ctx);
    token_unlock(lock_fd);
    interrupt_die(sig);
    return ret;
}
