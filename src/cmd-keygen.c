/* p11cert keygen: a signing key pair generated on the token. */
#include <stdlib.h>
#include <string.h>

#include <openssl/obj_mac.h>

#include "cli.h"
#include "json-out.h"
#include "x509-pubkey.h"

enum {
    OPT_LABEL = 1,
    OPT_ID,
    OPT_TYPE,
};

static const struct cli_option options[] = {
    {OPT_LABEL, "label", "L", "the label of both halves (required; must not be in use)"},
    {OPT_ID, "id", "HEX", "CKA_ID of both halves (default: SHA-1 of the public key value)"},
    {OPT_TYPE, "type", "T",
     "rsa:2048 (default), rsa:3072, rsa:4096, ec:p256, ec:p384, ec:p521 or ed25519"},
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

struct key_type {
    const char *name;
    CK_KEY_TYPE type;
    CK_ULONG bits;
    int nid;
    CK_MECHANISM_TYPE mechanism;
};

static const struct key_type key_types[] = {
    {"rsa:2048", CKK_RSA, 2048, NID_undef, CKM_RSA_PKCS_KEY_PAIR_GEN},
    {"rsa:3072", CKK_RSA, 3072, NID_undef, CKM_RSA_PKCS_KEY_PAIR_GEN},
    {"rsa:4096", CKK_RSA, 4096, NID_undef, CKM_RSA_PKCS_KEY_PAIR_GEN},
    {"ec:p256", CKK_EC, 0, NID_X9_62_prime256v1, CKM_EC_KEY_PAIR_GEN},
    {"ec:p384", CKK_EC, 0, NID_secp384r1, CKM_EC_KEY_PAIR_GEN},
    {"ec:p521", CKK_EC, 0, NID_secp521r1, CKM_EC_KEY_PAIR_GEN},
    {"ed25519", CKK_EC_EDWARDS, 0, NID_ED25519, CKM_EC_EDWARDS_KEY_PAIR_GEN},
    {NULL, 0, 0, 0, 0},
};

static const struct key_type *key_type_by_name(const char *name)
{
    for (const struct key_type *t = key_types; t->name; t++) {
        if (strcmp(t->name, name) == 0)
            return t;
    }
    if (strncmp(name, "rsa:", 4) == 0 && atoi(name + 4) > 0 && atoi(name + 4) < 2048)
        cli_usage_error("--type %s is too weak: RSA keys have at least 2048 bits", name);
    else
        cli_usage_error("unknown --type \"%s\": use rsa:2048, rsa:3072, rsa:4096, ec:p256, "
                        "ec:p384, ec:p521 or ed25519",
                        name);
    return NULL;
}

/* --id: 1 to TOKEN_ID_MAX bytes of hex, colons allowed ("01:a2"). */
static int parse_id(const char *text, unsigned char *id, CK_ULONG *len)
{
    long n = 0;
    unsigned char *bytes = OPENSSL_hexstr2buf(text, &n);

    if (!bytes || n <= 0 || n > TOKEN_ID_MAX) {
        OPENSSL_free(bytes);
        return cli_usage_error("bad --id \"%s\": give 1 to %d bytes in hex, e.g. 01a2", text,
                               TOKEN_ID_MAX);
    }
    memcpy(id, bytes, (size_t)n);
    *len = (CK_ULONG)n;
    OPENSSL_free(bytes);
    return 0;
}

/* A label or id already on the token is refused before anything is made. */
static int check_unused(struct token_ctx *ctx, CK_ATTRIBUTE_TYPE type, const void *value,
                        CK_ULONG len, const char *what, const char *shown)
{
    CK_ATTRIBUTE tmpl = {type, (void *)value, len};
    CK_OBJECT_HANDLE found;
    CK_ULONG n_found;

    if (token_find_objects(ctx, &tmpl, 1, &found, 1, &n_found) < 0)
        return -1;
    if (n_found) {
        errorf("%s \"%s\" is already used on this token; choose another", what, shown);
        return -1;
    }
    return 0;
}

static int print_result(struct cli *cli, struct token_ctx *ctx, const struct token_key *key,
                        const struct key_type *type)
{
    char *priv = token_object_uri(ctx, CKO_PRIVATE_KEY, key->id, key->id_len, key->label);
    char *pub = token_object_uri(ctx, CKO_PUBLIC_KEY, key->id, key->id_len, key->label);
    int ret = -1;

    if (!priv || !pub) {
        errorf("cannot format the key's URI");
    } else if (cli->json) {
        ret = json_out_print(json_pack("{s:s, s:s, s:s, s:s, s:o}", "uri", priv, "public_uri", pub,
                                       "label", key->label, "type", type->name, "id",
                                       json_out_hex(key->id, key->id_len)));
    } else {
        printf("%s\n", priv);
        notef("generated %s key \"%s\" on the token; it cannot leave it", type->name, key->label);
        ret = 0;
    }
    free(priv);
    free(pub);
    return ret;
}

int cmd_keygen(struct cli *cli, int argc, char **argv)
{
    struct cli_parser parser;
    struct token_ctx ctx;
    struct token_key key;
    struct token_keygen gen;
    P11KitUri *uri = NULL;
    const struct key_type *type = &key_types[0];
    unsigned char id[TOKEN_ID_MAX], params[32], derived[20];
    CK_ULONG id_len = 0;
    const char *arg, *label = NULL, *id_text = NULL;
    char **args;
    int opt, generated = 0, ret = EXIT_USAGE;

    memset(&ctx, 0, sizeof(ctx));
    memset(&gen, 0, sizeof(gen));
    if (cli_parser_init(&parser, cli, &spec, argc, argv) < 0)
        return EXIT_FAIL;
    while ((opt = cli_next(&parser, &arg)) >= 0) {
        if (opt == OPT_LABEL)
            label = arg;
        else if (opt == OPT_ID && (id_text = arg) && parse_id(arg, id, &id_len) < 0)
            goto cleanup;
        else if (opt == OPT_TYPE && !(type = key_type_by_name(arg)))
            goto cleanup;
    }
    if (opt == CLI_HELP)
        ret = EXIT_OK;
    if (opt != CLI_END || cli_args(&parser, &args) < 0)
        goto cleanup;
    if (!label || !*label || strlen(label) >= TOKEN_LABEL_MAX) {
        cli_usage_error(label ? "--label takes 1 to %d characters"
                              : "--label is required (1 to %d characters)",
                        TOKEN_LABEL_MAX - 1);
        goto cleanup;
    }

    ret = EXIT_FAIL;
    gen.type = type->type;
    gen.bits = type->bits;
    gen.label = label;
    gen.id = id_len ? id : NULL;
    gen.id_len = id_len;
    if (type->nid != NID_undef) {
        int len = x509_curve_params(type->nid, params, sizeof(params));

        if (len < 0)
            goto cleanup;
        gen.ec_params = params;
        gen.ec_params_len = (CK_ULONG)len;
    }
    if (!(uri = token_uri_parse(args[0], "token URI"))) {
        ret = EXIT_USAGE;
        goto cleanup;
    }
    if (token_ctx_init(&ctx, &cli->token, uri) < 0 ||
        token_open(&ctx, &cli->token, TOKEN_NEEDS_RW | TOKEN_NEEDS_LOGIN) < 0)
        goto cleanup;
    if (!token_has_mechanism(&ctx, type->mechanism)) {
        errorf("%s keys are not supported by this token (its mechanism list lacks the key "
               "generation mechanism)",
               type->name);
        goto cleanup;
    }
    if (check_unused(&ctx, CKA_LABEL, label, strlen(label), "label", label) < 0 ||
        (id_len && check_unused(&ctx, CKA_ID, id, id_len, "id", id_text) < 0))
        goto cleanup;
    if (token_generate_key_pair(&ctx, &gen, &key) < 0)
        goto cleanup;
    generated = 1;
    if (!id_len && (x509_pubkey_id(&key.pubkey, derived) < 0 ||
                    token_set_key_id(&ctx, &key, derived, sizeof(derived)) < 0))
        goto cleanup;
    if (print_result(cli, &ctx, &key, type) < 0)
        goto cleanup;
    ret = EXIT_OK;
cleanup:
    if (ret != EXIT_OK && generated)
        token_destroy_key(&ctx, &key);
    token_ctx_free(&ctx);
    cli_parser_free(&parser);
    return ret;
}
