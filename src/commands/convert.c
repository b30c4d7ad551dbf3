/* p11cert convert: a CA's reply (PEM, DER, PKCS#7, PKCS#12) as PEM, leaf
 * first; a PKCS#12 private key is written or imported only when asked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "util/json-out.h"
#include "util/outfile.h"
#include "workflow/convert.h"
#include "x509/x509.h"

enum {
    OPT_OUT = 1,
    OPT_DER,
    OPT_PASSWORD_SOURCE,
    OPT_FORCE,
    OPT_IMPORT_KEY,
    OPT_LABEL,
    OPT_KEY_OUT,
};

static const struct cli_option options[] = {
    {OPT_OUT, "out", "F", "write to F (default: standard output)"},
    {OPT_DER, "der", NULL, "one certificate as DER instead of PEM (with --out)"},
    {OPT_PASSWORD_SOURCE, "password-source", "SRC",
     "PKCS#12 password: prompt, file:PATH, env:NAME or fd:N (default: try the empty one)"},
    {OPT_FORCE, "force", NULL, "replace existing output files"},
    {OPT_IMPORT_KEY, "import-key", "TOKEN-URI",
     "put a PKCS#12 private key on this token, non-extractable (needs --label)"},
    {OPT_LABEL, "label", "L", "the label of the key put on the token"},
    {OPT_KEY_OUT, "key-out", "F", "write a PKCS#12 private key to F as PKCS#8 PEM, mode 0600"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "FILE... [--out F] [--der] [--password-source SRC] [--import-key TOKEN-URI --label L] "
    "[--key-out F]",
    "Reads what a CA sends back: PEM (with text before the blocks, CRLF, a UTF-8 BOM), DER,\n"
    "PKCS#7 (.p7b, PEM or DER) and PKCS#12 (.pfx/.p12, legacy RC2-40/3DES files too),\n"
    "deciding the format by content, not by name. Writes the certificates as PEM, leaf\n"
    "first when they form a chain, each once. A private key in a PKCS#12 file is never\n"
    "written unless --import-key or --key-out asks for it.",
    options,
    1,
    -1,
};

struct convert_args {
    const char *out, *import_key, *label, *key_out;
    struct secret_source password;
    int der, force;
};

static int take(void *opts, int id, const char *arg)
{
    struct convert_args *a = opts;

    if (id == OPT_PASSWORD_SOURCE)
        return cli_parse_secret_source("--password-source", arg, &a->password);
    if (id == OPT_OUT)
        a->out = arg;
    else if (id == OPT_DER)
        a->der = 1;
    else if (id == OPT_FORCE)
        a->force = 1;
    else if (id == OPT_IMPORT_KEY)
        a->import_key = arg;
    else if (id == OPT_LABEL)
        a->label = arg;
    else if (id == OPT_KEY_OUT)
        a->key_out = arg;
    return 0;
}

/* The usage errors found before any file is read. */
static int check_args(const struct convert_args *a)
{
    const char *why = NULL;
    P11KitUri *uri = NULL;

    if (a->der && !a->out)
        why = "--der writes binary: give --out F too";
    else if (a->import_key && (!a->label || !*a->label))
        why = "--import-key needs --label L: the key's label on the token";
    else if (a->label && !a->import_key)
        why = "--label names the key put on a token: give --import-key TOKEN-URI too";
    else if (a->out && a->key_out && strcmp(a->out, a->key_out) == 0)
        why = "--out and --key-out name the same file";
    if (why)
        cli_usage_error("%s", why);
    else if (a->import_key && (uri = token_uri_parse(a->import_key, "token URI")))
        p11_kit_uri_free(uri);
    return why || (a->import_key && !uri) ? -1 : 0;
}

/* What --import-key / --key-out do with the one private key, or the note
 * that it was left alone. */
static int handle_key(struct cli *cli, const struct convert_args *a, const struct convert_result *r)
{
    struct token_ctx ctx;
    int ret;

    if (!a->import_key && !a->key_out) {
        if (r->key) {
            notef("\"%s\" holds a private key: it was not written", r->key_file);
            notef("--import-key TOKEN-URI --label L puts it on a token; --key-out F writes it "
                  "to a file");
        }
        return EXIT_OK;
    }
    if ((ret = convert_one_key(r, a->import_key ? "--import-key" : "--key-out")) != EXIT_OK)
        return ret;
    if (a->import_key) {
        memset(&ctx, 0, sizeof(ctx));
        if ((ret = cli_open_token(cli, a->import_key, "token URI", 0, &ctx)) == EXIT_OK)
            ret = convert_key_import(&ctx, a->label, r->key, r->ordered);
        token_ctx_free(&ctx);
        if (ret != EXIT_OK)
            return ret;
    }
    return a->key_out ? convert_key_write(a->key_out, a->force, r->key) : EXIT_OK;
}

static void print_summary(const char *out, STACK_OF(X509) *certs, int chained, int der)
{
    printf("%d certificate%s written to %s (%s%s)\n", sk_X509_num(certs),
           sk_X509_num(certs) == 1 ? "" : "s", out, der ? "DER" : "PEM",
           chained ? ", leaf first" : "");
    for (int i = 0; i < sk_X509_num(certs); i++) {
        char *subject = x509_name_text(X509_get_subject_name(sk_X509_value(certs, i)));
        printf("  %s\n", subject ? subject : "?");
        free(subject);
    }
}

static int write_output(struct cli *cli, const struct convert_args *a,
                        const struct convert_result *r)
{
    STACK_OF(X509) *certs = r->ordered;
    BIO *data = x509_certs_encode(certs, 0, sk_X509_num(certs), a->der);
    json_t *doc = NULL, *list = json_array();
    char *bytes = NULL;
    long len;
    int ret = EXIT_FAIL;

    if (!data || !list || (len = BIO_get_mem_data(data, &bytes)) < 0)
        goto cleanup;
    if (cli->json) {
        for (int i = 0; i < sk_X509_num(certs); i++)
            json_array_append_new(list, x509_certificate_json(sk_X509_value(certs, i)));
        if (!(doc = json_pack("{s:O, s:O, s:s?, s:b, s:b}", "certificates", list, "format",
                              r->formats, "out", a->out, "leaf_first", r->chained,
                              "private_key_found", r->n_keys > 0))) {
            errorf("out of memory");
            goto cleanup;
        }
        if (!a->out)
            json_object_set_new(doc, "pem", json_stringn(bytes, (size_t)len));
    }
    if ((a->out || !cli->json) && outfile_write(a->out, a->force, 0644, bytes, (size_t)len) < 0)
        goto cleanup;
    if (cli->json) {
        ret = json_out_print(doc) < 0 ? EXIT_FAIL : EXIT_OK;
        doc = NULL;
        goto cleanup;
    }
    if (a->out)
        print_summary(a->out, certs, r->chained, a->der);
    ret = EXIT_OK;
cleanup:
    json_decref(doc);
    json_decref(list);
    BIO_free(data);
    return ret;
}

int cmd_convert(struct cli *cli, int argc, char **argv)
{
    struct convert_args a;
    struct convert_result result;
    struct convert_request req;
    struct cli_args args;
    int ret;

    memset(&a, 0, sizeof(a));
    memset(&result, 0, sizeof(result));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        return ret;
    if (check_args(&a) < 0)
        return EXIT_USAGE;
    if (outfile_check(a.out, a.force) < 0 || outfile_check(a.key_out, a.force) < 0)
        return EXIT_FAIL;
    req = (struct convert_request){args.v, args.n, &a.password, a.der};
    if ((ret = convert_read(&req, &result)) == EXIT_OK &&
        (ret = handle_key(cli, &a, &result)) == EXIT_OK)
        ret = write_output(cli, &a, &result);
    convert_result_free(&result);
    return ret;
}
