/* p11cert list: the objects on a token, with what matters about keys. */
#include <stdlib.h>
#include <string.h>

#include "commands/cli.h"
#include "util/json-out.h"
#include "signer/pubkey.h"

static const struct cli_option options[] = {
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "[TOKEN-URI]",
    "Lists the objects on the token TOKEN-URI names (object=, id= and type= narrow the list):\n"
    "URI, class, key type and size, label, id, and for keys whether they are sensitive,\n"
    "extractable and never extractable. Private objects are listed after a login, when a\n"
    "PIN source is at hand.",
    options,
    0,
    1,
};

static const char *class_name(CK_OBJECT_CLASS cls)
{
    switch (cls) {
    case CKO_PRIVATE_KEY:
        return "private-key";
    case CKO_PUBLIC_KEY:
        return "public-key";
    case CKO_SECRET_KEY:
        return "secret-key";
    case CKO_CERTIFICATE:
        return "certificate";
    case CKO_DATA:
        return "data";
    default:
        return "other";
    }
}

/* "RSA 2048", "EC P-256", "Ed25519", or NULL for objects that are no key. */
static const char *key_description(CK_ATTRIBUTE *attrs, char *buf, size_t len)
{
    CK_KEY_TYPE type = *(CK_KEY_TYPE *)attrs[0].pValue;
    const char *curve;

    if (attrs[0].ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return NULL;
    if (type == CKK_RSA) {
        CK_ULONG bits =
            attrs[1].ulValueLen != CK_UNAVAILABLE_INFORMATION
                ? *(CK_ULONG *)attrs[1].pValue
                : (attrs[2].ulValueLen != CK_UNAVAILABLE_INFORMATION ? attrs[2].ulValueLen * 8 : 0);
        snprintf(buf, len, "RSA %lu", (unsigned long)bits);
    } else if (type == CKK_EC || type == CKK_EC_EDWARDS) {
        curve = attrs[3].ulValueLen != CK_UNAVAILABLE_INFORMATION
                    ? x509_curve_name(attrs[3].pValue, attrs[3].ulValueLen)
                    : NULL;
        snprintf(buf, len, "%s%s", type == CKK_EC ? "EC " : "", curve ? curve : "?");
    } else {
        snprintf(buf, len, "key type 0x%lx", (unsigned long)type);
    }
    return buf;
}

static json_t *flag_json(CK_ATTRIBUTE *attr)
{
    if (attr->ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return json_null();
    return json_boolean(*(CK_BBOOL *)attr->pValue);
}

static json_t *object_json(struct token_ctx *ctx, CK_OBJECT_HANDLE obj)
{
    CK_OBJECT_CLASS cls = (CK_OBJECT_CLASS)-1;
    CK_KEY_TYPE type;
    CK_ULONG bits;
    CK_BBOOL sensitive, extractable, never_extractable;
    unsigned char modulus[1024], params[128], id[TOKEN_ID_MAX];
    char label[TOKEN_LABEL_MAX], key[64];
    CK_ATTRIBUTE attrs[] = {
        {CKA_KEY_TYPE, &type, sizeof(type)},
        {CKA_MODULUS_BITS, &bits, sizeof(bits)},
        {CKA_MODULUS, modulus, sizeof(modulus)},
        {CKA_EC_PARAMS, params, sizeof(params)},
        {CKA_SENSITIVE, &sensitive, sizeof(sensitive)},
        {CKA_EXTRACTABLE, &extractable, sizeof(extractable)},
        {CKA_NEVER_EXTRACTABLE, &never_extractable, sizeof(never_extractable)},
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_ID, id, sizeof(id)},
        {CKA_LABEL, label, sizeof(label) - 1},
    };
    CK_ULONG id_len;
    char *uri;
    json_t *doc;

    if (token_get_attributes(ctx, obj, attrs, sizeof(attrs) / sizeof(attrs[0])) < 0)
        return NULL;
    id_len = attrs[8].ulValueLen == CK_UNAVAILABLE_INFORMATION ? 0 : attrs[8].ulValueLen;
    label[attrs[9].ulValueLen == CK_UNAVAILABLE_INFORMATION ? 0 : attrs[9].ulValueLen] = '\0';
    uri = token_object_uri(ctx, cls, id, id_len, label);
    doc = json_pack("{s:s?, s:s, s:o, s:o}", "uri", uri, "class", class_name(cls), "label",
                    json_out_text(label), "id", json_out_hex(id, id_len));
    free(uri);
    if (doc && (cls == CKO_PRIVATE_KEY || cls == CKO_PUBLIC_KEY)) {
        const char *desc = key_description(attrs, key, sizeof(key));

        json_object_set_new(doc, "key_type", desc ? json_string(desc) : json_null());
    }
    if (doc && cls == CKO_PRIVATE_KEY) {
        json_object_set_new(doc, "sensitive", flag_json(&attrs[4]));
        json_object_set_new(doc, "extractable", flag_json(&attrs[5]));
        json_object_set_new(doc, "never_extractable", flag_json(&attrs[6]));
    }
    return doc;
}

static void print_object(json_t *obj)
{
    const char *key_type = json_string_value(json_object_get(obj, "key_type"));
    json_t *sensitive = json_object_get(obj, "sensitive");

    printf("%s\n    %s", json_string_value(json_object_get(obj, "uri")),
           json_string_value(json_object_get(obj, "class")));
    if (key_type)
        printf(", %s", key_type);
    printf(", label \"%s\"", json_string_value(json_object_get(obj, "label")));
    if (*json_string_value(json_object_get(obj, "id")))
        printf(", id %s", json_string_value(json_object_get(obj, "id")));
    if (sensitive)
        printf(", sensitive=%s extractable=%s never-extractable=%s",
               json_is_true(sensitive) ? "yes" : "no",
               json_is_true(json_object_get(obj, "extractable")) ? "yes" : "no",
               json_is_true(json_object_get(obj, "never_extractable")) ? "yes" : "no");
    printf("\n");
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
    struct cli_parser parser;
    struct token_ctx ctx;
    P11KitUri *uri;
    CK_OBJECT_HANDLE *handles = NULL;
    CK_ULONG n_handles = 0, n_tmpl = 0;
    CK_ATTRIBUTE *tmpl;
    json_t *list = NULL, *obj;
    const char *arg;
    char **args;
    int opt, n_args, ret = EXIT_USAGE;
    size_t i;

    memset(&ctx, 0, sizeof(ctx));
    if (cli_parser_init(&parser, cli, &spec, argc, argv) < 0)
        return EXIT_FAIL;
    while ((opt = cli_next(&parser, &arg)) >= 0)
        ;
    if (opt == CLI_HELP)
        ret = EXIT_OK;
    if (opt != CLI_END || (n_args = cli_args(&parser, &args)) < 0)
        goto cleanup;
    if (!(uri = token_uri_parse(n_args ? args[0] : NULL, "token URI")))
        goto cleanup;
    ret = EXIT_FAIL;
    if (token_ctx_init(&ctx, &cli->token, uri) < 0 ||
        token_open(&ctx, &cli->token, TOKEN_LOGIN_IF_PIN) < 0)
        goto cleanup;
    tmpl = p11_kit_uri_get_attributes(ctx.uri, &n_tmpl);
    if (token_list_objects(&ctx, tmpl, n_tmpl, &handles, &n_handles) < 0)
        goto cleanup;
    list = json_array();
    for (i = 0; i < n_handles; i++) {
        if (!(obj = object_json(&ctx, handles[i])))
            goto cleanup;
        json_array_append_new(list, obj);
    }
    if (cli->json) {
        ret = json_out_print(json_pack("{s:O}", "objects", list)) < 0 ? EXIT_FAIL : EXIT_OK;
        goto cleanup;
    }
    json_array_foreach(list, i, obj)
    {
        print_object(obj);
    }
    if (n_handles == 0)
        notef("no objects match");
    ret = EXIT_OK;
cleanup:
    json_decref(list);
    free(handles);
    token_ctx_free(&ctx);
    cli_parser_free(&parser);
    return ret;
}
