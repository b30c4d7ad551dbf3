/* p11cert convert: whatever a CA sent back (PEM, DER, PKCS#7, PKCS#12), as
 * PEM certificates, leaf first when they form a chain. A private key in a
 * PKCS#12 file is never written unless asked (convert-key.c does that). */
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "commands/cli.h"
#include "workflow/convert-key.h"
#include "util/json-out.h"
#include "util/outfile.h"
#include "x509/chain.h"
#include "x509/decode.h"
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

static int parse_args(struct cli *cli, int argc, char **argv, struct convert_args *a, char ***files,
                      int *n_files)
{
    struct cli_parser parser;
    P11KitUri *uri = NULL;
    const char *arg;
    int opt, ret = EXIT_USAGE;

    memset(a, 0, sizeof(*a));
    if (cli_parser_init(&parser, cli, &spec, argc, argv) < 0)
        return EXIT_FAIL;
    while ((opt = cli_next(&parser, &arg)) >= 0) {
        switch (opt) {
        case OPT_OUT:
            a->out = arg;
            break;
        case OPT_DER:
            a->der = 1;
            break;
        case OPT_PASSWORD_SOURCE:
            if (cli_parse_secret_source("--password-source", arg, &a->password) < 0)
                goto cleanup;
            break;
        case OPT_FORCE:
            a->force = 1;
            break;
        case OPT_IMPORT_KEY:
            a->import_key = arg;
            break;
        case OPT_LABEL:
            a->label = arg;
            break;
        case OPT_KEY_OUT:
            a->key_out = arg;
            break;
        }
    }
    if (opt == CLI_HELP)
        ret = EXIT_OK;
    if (opt != CLI_END || (*n_files = cli_args(&parser, files)) < 0)
        goto cleanup;
    if (a->der && !a->out)
        cli_usage_error("--der writes binary: give --out F too");
    else if (a->import_key && (!a->label || !*a->label))
        cli_usage_error("--import-key needs --label L: the key's label on the token");
    else if (a->label && !a->import_key)
        cli_usage_error("--label names the key put on a token: give --import-key TOKEN-URI too");
    else if (a->out && a->key_out && strcmp(a->out, a->key_out) == 0)
        cli_usage_error("--out and --key-out name the same file");
    else if (a->import_key && !(uri = token_uri_parse(a->import_key, "token URI")))
        ; /* a malformed URI is a usage error, found before any file is read */
    else
        ret = -1; /* go on */
    p11_kit_uri_free(uri);
cleanup:
    cli_parser_free(&parser);
    return ret;
}

/* The certificates leaf first, then its issuer and so on, then whatever
 * is not on that path in input order; input order when no single leaf. */
static STACK_OF(X509) *order_certificates(STACK_OF(X509) *all, int *chained)
{
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;
    struct x509_path path = {0};
    STACK_OF(X509) *ordered = sk_X509_new_null();
    int n_path = 0;

    *chained = 0;
    if (!ordered)
        return NULL;
    req.certs = all;
    req.order_only = 1;
    if (sk_X509_num(all) > 1 && x509_path_build(&req, &path, &diag) == 0 &&
        sk_X509_num(path.certs) > 1) {
        n_path = sk_X509_num(path.certs);
        *chained = n_path;
    }
    for (int i = 0; i < n_path; i++)
        sk_X509_push(ordered, sk_X509_value(path.certs, i));
    for (int i = 0; i < sk_X509_num(all); i++) {
        X509 *cert = sk_X509_value(all, i);
        int on_path = 0;

        for (int k = 0; k < n_path && !on_path; k++)
            on_path = X509_cmp(cert, sk_X509_value(path.certs, k)) == 0;
        if (!on_path)
            sk_X509_push(ordered, cert);
    }
    /* The path's certificates are all's own objects (the store hands back
     * what it was given), so ordered may borrow them from all. */
    x509_path_free(&path);
    return ordered;
}

/* What --import-key / --key-out do with the one private key, or the note
 * that it was left alone. */
static int handle_key(struct cli *cli, const struct convert_args *a, EVP_PKEY *key,
                      const char *key_file, int n_keys, STACK_OF(X509) *ordered)
{
    int asked = a->import_key || a->key_out;

    if (!asked) {
        if (key) {
            notef("\"%s\" holds a private key: it was not written", key_file);
            notef("--import-key TOKEN-URI --label L puts it on a token; --key-out F writes it "
                  "to a file");
        }
        return 0;
    }
    if (n_keys == 0) {
        errorf("no private key among the inputs: %s needs a PKCS#12 file that holds one",
               a->import_key ? "--import-key" : "--key-out");
        return -1;
    }
    if (n_keys > 1) {
        errorf("%d inputs hold a private key: convert them one at a time", n_keys);
        return -1;
    }
    if (a->import_key && convert_key_import(cli, a->import_key, a->label, key, ordered) < 0)
        return -1;
    if (a->key_out && convert_key_write(a->key_out, a->force, key) < 0)
        return -1;
    return 0;
}

static BIO *encode_all(STACK_OF(X509) *certs, int der)
{
    BIO *bio = BIO_new(BIO_s_mem());

    for (int i = 0; bio && i < sk_X509_num(certs); i++) {
        X509 *cert = sk_X509_value(certs, i);
        if (!(der ? i2d_X509_bio(bio, cert) : PEM_write_bio_X509(bio, cert))) {
            BIO_free(bio);
            return NULL;
        }
    }
    return bio;
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

static int write_output(struct cli *cli, const struct convert_args *a, STACK_OF(X509) *certs,
                        json_t *formats, int chained, int has_key)
{
    json_t *doc = NULL, *list = json_array();
    BIO *data = encode_all(certs, a->der);
    char *bytes = NULL;
    long len = 0;
    int ret = -1;

    if (!data || !list) {
        errorf("cannot encode the certificates: %s", msg_openssl_reason());
        goto cleanup;
    }
    len = BIO_get_mem_data(data, &bytes);
    if (cli->json) {
        for (int i = 0; i < sk_X509_num(certs); i++)
            json_array_append_new(list, x509_certificate_json(sk_X509_value(certs, i)));
        doc = json_pack("{s:O, s:O, s:s?, s:b, s:b}", "certificates", list, "format", formats,
                        "out", a->out, "leaf_first", chained, "private_key_found", has_key);
        if (!doc) {
            errorf("out of memory");
            goto cleanup;
        }
    }
    if (cli->json && !a->out) {
        json_object_set_new(doc, "pem", json_stringn(bytes, (size_t)len));
        ret = json_out_print(doc);
        doc = NULL;
        goto cleanup;
    }
    if (outfile_write(a->out, a->force, 0644, bytes, (size_t)len) < 0)
        goto cleanup;
    if (cli->json) {
        ret = json_out_print(doc);
        doc = NULL;
        goto cleanup;
    }
    if (a->out)
        print_summary(a->out, certs, chained, a->der);
    ret = 0;
cleanup:
    json_decref(doc);
    json_decref(list);
    BIO_free(data);
    return ret;
}

int cmd_convert(struct cli *cli, int argc, char **argv)
{
    struct convert_args a;
    struct x509_bundle *bundles = NULL;
    STACK_OF(X509) *all = sk_X509_new_null(), *ordered = NULL;
    json_t *formats = json_array();
    EVP_PKEY *key = NULL;
    const char *key_file = NULL;
    char **files;
    int n_files = 0, n_keys = 0, dropped, chained = 0, ret;

    ret = parse_args(cli, argc, argv, &a, &files, &n_files);
    if (ret >= 0)
        goto cleanup;
    ret = EXIT_FAIL;
    if (!all || !formats || !(bundles = calloc((size_t)n_files, sizeof(*bundles)))) {
        errorf("out of memory");
        goto cleanup;
    }
    if (outfile_check(a.out, a.force) < 0 || outfile_check(a.key_out, a.force) < 0)
        goto cleanup;
    for (int i = 0; i < n_files; i++) {
        struct x509_bundle *b = &bundles[i];

        if (x509_decode_file(files[i], &a.password, b) < 0)
            goto cleanup;
        debugf("\"%s\": %s, %d certificate(s)%s", files[i], b->format, sk_X509_num(b->certs),
               b->key ? " and a private key" : "");
        json_array_append_new(formats, json_string(b->format));
        if (b->key) {
            n_keys++;
            key = b->key;
            key_file = files[i];
        }
        for (int k = 0; k < sk_X509_num(b->certs); k++) {
            X509 *cert = sk_X509_value(b->certs, k);
            if (!X509_up_ref(cert) || !sk_X509_push(all, cert)) {
                errorf("out of memory");
                goto cleanup;
            }
        }
    }
    if ((dropped = x509_certs_dedup(all)) < 0) {
        errorf("cannot compare the certificates: out of memory");
        goto cleanup;
    }
    if (dropped > 0)
        notef("%d duplicate certificate%s dropped", dropped, dropped == 1 ? "" : "s");
    if (a.der && sk_X509_num(all) > 1) {
        cli_usage_error("--der writes one certificate; the inputs hold %d: leave out --der for "
                        "PEM",
                        sk_X509_num(all));
        ret = EXIT_USAGE;
        goto cleanup;
    }
    if (!(ordered = order_certificates(all, &chained))) {
        errorf("out of memory");
        goto cleanup;
    }
    if (!chained && sk_X509_num(all) > 1)
        notef("the certificates do not form one chain from a single leaf: written in input "
              "order");
    else if (chained && chained < sk_X509_num(all))
        notef("%d certificate%s not on the leaf's path: written after it in input order",
              sk_X509_num(all) - chained, sk_X509_num(all) - chained == 1 ? " is" : "s are");
    if (handle_key(cli, &a, key, key_file, n_keys, ordered) < 0 ||
        write_output(cli, &a, ordered, formats, chained, n_keys > 0) < 0)
        goto cleanup;
    ret = EXIT_OK;
cleanup:
    for (int i = 0; bundles && i < n_files; i++)
        x509_bundle_free(&bundles[i]);
    free(bundles);
    sk_X509_free(ordered);
    sk_X509_pop_free(all, X509_free);
    json_decref(formats);
    return ret;
}
