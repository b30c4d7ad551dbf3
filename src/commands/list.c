/* p11cert list: the objects on a token, with what matters about keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "util/json-out.h"
#include "util/text.h"
#include "x509/x509.h"

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
static const char *key_description(const struct token_object *o, char *buf, size_t len)
{
    const char *curve;

    if (!o->is_key)
        return NULL;
    if (o->key_type == CKK_RSA) {
        snprintf(buf, len, "RSA %lu", (unsigned long)o->bits);
    } else if (o->key_type == CKK_EC || o->key_type == CKK_EC_EDWARDS) {
        curve = o->ec_params_len ? x509_curve_name(o->ec_params, o->ec_params_len) : NULL;
        snprintf(buf, len, "%s%s", o->key_type == CKK_EC ? "EC " : "", curve ? curve : "?");
    } else {
        snprintf(buf, len, "key type 0x%lx", (unsigned long)o->key_type);
    }
    return buf;
}

static json_t *flag_json(int flag)
{
    return flag < 0 ? json_null() : json_boolean(flag);
}

/* An object whose attributes cannot be read is listed as such: the
 * operator sees it and the rest, and can clean up. */
static json_t *unreadable_json(CK_OBJECT_HANDLE handle)
{
    return json_pack("{s:I, s:s}", "handle", (json_int_t)handle, "error", msg_last_error());
}

static json_t *object_json(struct token_ctx *ctx, CK_OBJECT_HANDLE handle, int *unreadable)
{
    struct token_object o;
    char *uri, key[64];
    json_t *doc;
    int paired = 1;

    msg_set_item(NULL);
    if (token_describe_object(ctx, handle, &o) < 0) {
        (*unreadable)++;
        return unreadable_json(handle);
    }
    if (o.cls == CKO_PUBLIC_KEY && token_private_key_exists(ctx, o.id, o.id_len, &paired) < 0)
        paired = 1; /* reported; not called an orphan on a failed search */
    uri = token_object_uri(ctx, o.cls, o.id, o.id_len, o.label);
    doc = json_pack("{s:s?, s:s, s:o, s:o}", "uri", uri, "class", class_name(o.cls), "label",
                    json_out_text(o.label), "id", json_out_hex(o.id, o.id_len));
    free(uri);
    if (doc && (o.cls == CKO_PRIVATE_KEY || o.cls == CKO_PUBLIC_KEY)) {
        const char *desc = key_description(&o, key, sizeof(key));

        json_object_set_new(doc, "key_type", desc ? json_string(desc) : json_null());
    }
    if (doc && o.cls == CKO_PUBLIC_KEY)
        json_object_set_new(doc, "private_key", json_boolean(paired));
    if (doc && o.cls == CKO_PRIVATE_KEY) {
        json_object_set_new(doc, "sensitive", flag_json(o.sensitive));
        json_object_set_new(doc, "extractable", flag_json(o.extractable));
        json_object_set_new(doc, "never_extractable", flag_json(o.never_extractable));
    }
    return doc;
}

static void print_object(json_t *obj)
{
    char shown[4 * TOKEN_LABEL_MAX + 1];
    const char *key_type = json_string_value(json_object_get(obj, "key_type"));
    json_t *sensitive = json_object_get(obj, "sensitive");

    if (json_object_get(obj, "error")) {
        printf("(object handle %lld: unreadable: %s)\n",
               (long long)json_integer_value(json_object_get(obj, "handle")),
               json_string_value(json_object_get(obj, "error")));
        return;
    }
    printf("%s\n    %s", json_string_value(json_object_get(obj, "uri")),
           json_string_value(json_object_get(obj, "class")));
    if (key_type)
        printf(", %s", key_type);
    printf(", label \"%s\"",
           text_escape(json_string_value(json_object_get(obj, "label")), shown, sizeof(shown)));
    if (*json_string_value(json_object_get(obj, "id")))
        printf(", id %s", json_string_value(json_object_get(obj, "id")));
    if (sensitive)
        printf(", sensitive=%s extractable=%s never-extractable=%s",
               json_is_true(sensitive) ? "yes" : "no",
               json_is_true(json_object_get(obj, "extractable")) ? "yes" : "no",
               json_is_true(json_object_get(obj, "never_extractable")) ? "yes" : "no");
    if (json_is_false(json_object_get(obj, "private_key")))
        printf(", no private key with its id (left by a key generation that did not finish?)");
    printf("\n");
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
    struct cli_args args;
    struct token_ctx ctx;
    CK_OBJECT_HANDLE *handles = NULL;
    CK_ULONG n_handles = 0, n_tmpl = 0;
    CK_ATTRIBUTE *tmpl;
    json_t *list = NULL, *obj;
    size_t i;
    int ret, unreadable = 0;

    memset(&ctx, 0, sizeof(ctx));
    if (cli_parse(cli, &spec, argc, argv, NULL, NULL, &args, &ret) < 0)
        return ret;
    if ((ret = cli_open_token(cli, args.n ? args.v[0] : NULL, "token URI", 0, &ctx)) != EXIT_OK)
        goto cleanup;
    ret = EXIT_FAIL;
    /* The URI's object attributes (object=, id=, type=) narrow the list. */
    tmpl = p11_kit_uri_get_attributes(ctx.uri, &n_tmpl);
    if (token_list_objects(&ctx, tmpl, n_tmpl, &handles, &n_handles) < 0 || !(list = json_array()))
        goto cleanup;
    for (i = 0; i < n_handles; i++) {
        if (!(obj = object_json(&ctx, handles[i], &unreadable)))
            goto cleanup;
        json_array_append_new(list, obj);
    }
    if (cli->json) {
        ret = json_out_print(json_pack("{s:O}", "objects", list)) < 0 || unreadable ? EXIT_FAIL
                                                                                    : EXIT_OK;
        goto cleanup;
    }
    json_array_foreach(list, i, obj)
    {
        print_object(obj);
    }
    if (n_handles == 0)
        notef("no objects match");
    ret = unreadable ? EXIT_FAIL : EXIT_OK;
    if (unreadable)
        errorf("%d object(s) could not be read; the others are listed", unreadable);
cleanup:
    json_decref(list);
    free(handles);
    token_ctx_free(&ctx);
    return ret;
}
