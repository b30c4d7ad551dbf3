/* p11cert convert: a CA's reply (PEM, DER, PKCS#7, PKCS#12) as PEM, leaf
 * first; a PKCS#12 private key is written or imported only when asked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "util/json-out.h"
#include "util/outfile.h"
#include "util/text.h"
#include "workflow/convert.h"
#include "workflow/token-lock.h"
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
        return cli_parse_output("--out", arg, 1, &a->out);
    if (id == OPT_KEY_OUT)
        return cli_parse_output("--key-out", arg, 0, &a->key_out);
    if (id == OPT_DER)
        a->der = 1;
    else if (id == OPT_FORCE)
        a->force = 1;
    else if (id == OPT_IMPORT_KEY)
        a->import_key = arg;
    else if (id == OPT_LABEL)
        a->label = arg;
    return 0;
}

/* The usage errors found before any file is read. */
static int check_args(const struct convert_args *a, const struct cli_args *files)
{
    struct cli_file outs[] = {{"--out", a->out}, {"--key-out", a->key_out}};
    const char *why = NULL;
    P11KitUri *uri = NULL;

    if (a->der && !a->out)
        why = "--der writes binary: give --out F too";
    else if (a->import_key && (!a->label || !*a->label))
        why = "--import-key needs --label L: the key's label on the token";
    else if (a->label && text_has_control(a->label))
        why = "--label must be UTF-8 text without control characters, as PKCS#11 labels are";
    else if (a->label && !a->import_key)
        why = "--label names the key put on a token: give --import-key TOKEN-URI too";
    if (why)
        cli_usage_error("%s", why);
    else if (a->import_key && (uri = token_uri_parse(a->import_key, "token URI")))
        p11_kit_uri_free(uri);
    return why || (a->import_key && !uri) ? -1 : cli_check_outputs(outs, 2, files, NULL, 0);
}

/* The note that a private key was left alone, or the one key that
 * --import-key / --key-out can use. */
static int check_key(const struct convert_args *a, const struct convert_result *r)
{
    if (a->import_key || a->key_out)
        return convert_one_key(r, a->import_key ? "--import-key" : "--key-out");
    if (r->key) {
        notef("\"%s\" holds a private key: it was not written", r->key_file);
        notef("--import-key TOKEN-URI --label L puts it on a token; --key-out F writes it to a "
              "file");
    }
    return EXIT_OK;
}

/* With every output staged: the key on the token, then the files; a file
 * that cannot be named takes the key off the token again. */
static int import_and_commit(struct cli *cli, const struct convert_args *a,
                             const struct convert_result *r, struct convert_outputs *o)
{
    struct token_ctx ctx;
    struct token_key made;
    int ret, lock_fd;

    if (!a->import_key)
        return convert_commit(o);
    memset(&ctx, 0, sizeof(ctx));
    if ((ret = cli_open_token_locked(cli, a->import_key, "token URI", 0, &ctx, &lock_fd)) ==
            EXIT_OK &&
        (ret = convert_key_import(&ctx, a->label, r->key, r->ordered, &made)) == EXIT_OK &&
        (ret = convert_commit(o)) != EXIT_OK) {
        convert_key_undo(&ctx, &made);
        errorf("the key put on the token was removed again: nothing was changed");
    }
    token_ctx_free(&ctx);
    token_unlock(lock_fd);
    return ret;
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

static int report(struct cli *cli, const struct convert_args *a, const struct convert_result *r,
                  const struct convert_outputs *o)
{
    json_t *doc, *list;
    char *bytes;
    long len = BIO_get_mem_data(o->certs, &bytes);

    if (!cli->json) {
        if (a->out)
            print_summary(a->out, r->ordered, r->chained, a->der);
        return EXIT_OK;
    }
    list = json_array();
    for (int i = 0; list && i < sk_X509_num(r->ordered); i++)
        json_array_append_new(list, x509_certificate_json(sk_X509_value(r->ordered, i)));
    doc = json_pack("{s:o, s:O, s:s?, s:b, s:b}", "certificates", list, "format", r->formats, "out",
                    a->out, "leaf_first", r->chained, "private_key_found", r->n_keys > 0);
    if (doc && !a->out)
        json_object_set_new(doc, "pem", json_stringn(bytes, (size_t)len));
    return json_out_print(doc) < 0 ? EXIT_FAIL : EXIT_OK;
}

int cmd_convert(struct cli *cli, int argc, char **argv)
{
    struct convert_args a;
    struct convert_result result;
    struct convert_request req;
    struct convert_outputs outputs = {0};
    struct cli_args args;
    int ret;

    memset(&a, 0, sizeof(a));
    memset(&result, 0, sizeof(result));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        return ret;
    if (check_args(&a, &args) < 0)
        return EXIT_USAGE;
    if (outfile_check(a.out, a.force) < 0 || outfile_check(a.key_out, a.force) < 0)
        return EXIT_FAIL;
    req = (struct convert_request){args.v, args.n, &a.password, a.der};
    if ((ret = convert_read(&req, &result)) == EXIT_OK &&
        (ret = check_key(&a, &result)) == EXIT_OK &&
        (ret = convert_stage(&result, a.out, !cli->json, a.key_out, a.force, a.der, &outputs)) ==
            EXIT_OK &&
        (ret = import_and_commit(cli, &a, &result, &outputs)) == EXIT_OK)
        ret = report(cli, &a, &result, &outputs);
    convert_outputs_free(&outputs);
    convert_result_free(&result);
    return ret;
}
