/* p11cert chain: chain.crt (the leaf's issuer first, the root last) and a
 * fullchain from any number of files in any order and format. The path is
 * OpenSSL's (x509-chain.c); this file reads, writes and explains. */
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "commands/cli.h"
#include "util/json-out.h"
#include "util/outfile.h"
#include "x509/chain.h"
#include "x509/decode.h"
#include "x509/pool.h"
#include "x509/x509.h"

enum {
    OPT_LEAF = 1,
    OPT_OUT,
    OPT_FULLCHAIN,
    OPT_TRUST,
    OPT_NO_ROOT,
    OPT_FORCE,
    OPT_PASSWORD_SOURCE,
};

static const struct cli_option options[] = {
    {OPT_LEAF, "leaf", "F", "the leaf certificate (default: the one input that issued no other)"},
    {OPT_OUT, "out", "F", "write chain.crt to F (default: standard output)"},
    {OPT_FULLCHAIN, "fullchain", "F", "also write the leaf and the intermediates to F"},
    {OPT_TRUST, "trust", "FILE|system",
     "the trust anchors: certificates in FILE, or the system's store (default: the self-signed "
     "roots among the inputs)"},
    {OPT_NO_ROOT, "no-root", NULL, "leave the root out of chain.crt"},
    {OPT_FORCE, "force", NULL, "replace existing output files"},
    {OPT_PASSWORD_SOURCE, "password-source", "SRC",
     "PKCS#12 password: prompt, file:PATH, env:NAME or fd:N"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "FILE... [--leaf F] [--out chain.crt] [--fullchain F] [--trust FILE|system] [--no-root]",
    "Builds the certification path with OpenSSL from certificates in any number of files, in\n"
    "any order and format, and writes chain.crt: the leaf's issuer first, then each next\n"
    "issuer, the root last. A missing link, an expired certificate or a broken signature is an\n"
    "error naming the certificate. With several paths (cross-signed roots) an unexpired one\n"
    "ending in a trusted self-signed root wins.",
    options,
    1,
    -1,
};

struct chain_args {
    const char *leaf, *out, *fullchain, *trust;
    struct secret_source password;
    int no_root, force;
};

static int parse_args(struct cli *cli, int argc, char **argv, struct chain_args *a, char ***files,
                      int *n_files)
{
    struct cli_parser parser;
    const char *arg;
    int opt, ret = EXIT_USAGE;

    memset(a, 0, sizeof(*a));
    if (cli_parser_init(&parser, cli, &spec, argc, argv) < 0)
        return EXIT_FAIL;
    while ((opt = cli_next(&parser, &arg)) >= 0) {
        switch (opt) {
        case OPT_LEAF:
            a->leaf = arg;
            break;
        case OPT_OUT:
            a->out = arg;
            break;
        case OPT_FULLCHAIN:
            a->fullchain = arg;
            break;
        case OPT_TRUST:
            a->trust = arg;
            break;
        case OPT_NO_ROOT:
            a->no_root = 1;
            break;
        case OPT_FORCE:
            a->force = 1;
            break;
        case OPT_PASSWORD_SOURCE:
            if (cli_parse_secret_source("--password-source", arg, &a->password) < 0)
                goto cleanup;
            break;
        }
    }
    if (opt == CLI_HELP)
        ret = EXIT_OK;
    if (opt != CLI_END || (*n_files = cli_args(&parser, files)) < 0)
        goto cleanup;
    if (a->trust && !*a->trust)
        cli_usage_error("--trust wants a file or \"system\"");
    else if (a->out && a->fullchain && strcmp(a->out, a->fullchain) == 0)
        cli_usage_error("--out and --fullchain name the same file");
    else
        ret = -1; /* go on */
cleanup:
    cli_parser_free(&parser);
    return ret;
}

/* Appends the certificates of file to pool (new references); the first
 * one in *first when first is not NULL. */
static int read_into(const char *file, const struct secret_source *password, STACK_OF(X509) *pool,
                     X509 **first)
{
    struct x509_bundle b;
    int ret = -1;

    if (x509_decode_file(file, password, &b) < 0)
        return -1;
    if (b.key)
        notef("\"%s\" holds a private key: it was not read", file);
    for (int k = 0; k < sk_X509_num(b.certs); k++) {
        X509 *cert = sk_X509_value(b.certs, k);
        if (!X509_up_ref(cert) || !sk_X509_push(pool, cert)) {
            errorf("out of memory");
            goto cleanup;
        }
        if (k == 0 && first)
            *first = cert;
    }
    ret = 0;
cleanup:
    x509_bundle_free(&b);
    return ret;
}

static const char *role(int i, int n)
{
    if (i == 0)
        return "leaf";
    return i == n - 1 ? "root" : "intermediate";
}

static int write_certs(const char *path, int force, STACK_OF(X509) *certs, int from, int to)
{
    struct outfile file = {0};
    int ret = -1;

    if (outfile_open(&file, path, force, 0644) < 0)
        return -1;
    for (int i = from; i < to; i++)
        if (!PEM_write_X509(file.fp, sk_X509_value(certs, i))) {
            errorf("cannot write \"%s\": %s", path ? path : "standard output",
                   msg_openssl_reason());
            goto cleanup;
        }
    ret = outfile_commit(&file);
cleanup:
    outfile_abort(&file);
    return ret;
}

static char *pem_text(STACK_OF(X509) *certs, int from, int to)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL, *text = NULL;
    long len;

    for (int i = from; bio && i < to; i++)
        if (!PEM_write_bio_X509(bio, sk_X509_value(certs, i)))
            goto cleanup;
    if (bio && (len = BIO_get_mem_data(bio, &data)) >= 0)
        text = strndup(data ? data : "", (size_t)len);
cleanup:
    BIO_free(bio);
    return text;
}

static void describe_path(const struct x509_path *path, const char *trust, int to_stdout)
{
    int n = sk_X509_num(path->certs);
    const char *anchor = !trust                         ? "a self-signed input"
                         : strcmp(trust, "system") == 0 ? "the system's store"
                                                        : trust;

    for (int i = 0; i < n; i++) {
        char *subject = x509_name_text(X509_get_subject_name(sk_X509_value(path->certs, i)));
        if (to_stdout)
            printf("%-13s %s\n", role(i, n), subject ? subject : "?");
        else
            notef("%s: %s", role(i, n), subject ? subject : "?");
        free(subject);
    }
    if (to_stdout)
        printf("root from %s\n", anchor);
    else
        notef("root from %s", anchor);
}

static int output(struct cli *cli, const struct chain_args *a, const struct x509_path *path)
{
    int n = sk_X509_num(path->certs);
    int chain_end = a->no_root || n == 1 ? n - 1 : n; /* chain.crt is [1, chain_end) */
    int full_end = n > 1 ? n - 1 : 1;                 /* fullchain is [0, full_end) */
    json_t *doc = NULL, *list;
    int ret = -1;

    if (chain_end <= 1)
        notef("chain.crt is empty: %s",
              n == 1 ? "the leaf is its own root" : "the leaf's issuer is the root, left out");
    if (a->fullchain && write_certs(a->fullchain, a->force, path->certs, 0, full_end) < 0)
        return -1;
    if (cli->json) {
        list = json_array();
        for (int i = 0; list && i < n; i++) {
            json_t *c = x509_certificate_json(sk_X509_value(path->certs, i));
            json_object_set_new(c, "role", json_string(role(i, n)));
            json_array_append_new(list, c);
        }
        doc = json_pack("{s:o, s:s?, s:b, s:s?, s:s?}", "path", list, "root", path->root_name,
                        "root_included", chain_end == n && n > 1, "out", a->out, "fullchain",
                        a->fullchain);
        if (!doc) {
            errorf("out of memory");
            return -1;
        }
        if (!a->out) {
            char *pem = pem_text(path->certs, 1, chain_end);
            json_object_set_new(doc, "pem", pem ? json_string(pem) : json_null());
            free(pem);
        } else if (write_certs(a->out, a->force, path->certs, 1, chain_end) < 0) {
            json_decref(doc);
            return -1;
        }
        return json_out_print(doc);
    }
    if (write_certs(a->out, a->force, path->certs, 1, chain_end) < 0)
        return -1;
    describe_path(path, a->trust, a->out != NULL);
    if (a->out)
        printf("chain: %s (%d certificate%s)\n", a->out, chain_end > 1 ? chain_end - 1 : 0,
               chain_end - 1 == 1 ? "" : "s");
    if (a->fullchain && a->out)
        printf("fullchain: %s (%d certificate%s)\n", a->fullchain, full_end,
               full_end == 1 ? "" : "s");
    ret = 0;
    return ret;
}

int cmd_chain(struct cli *cli, int argc, char **argv)
{
    struct chain_args a;
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;
    struct x509_path path = {0};
    struct x509_bundle anchors = {0};
    STACK_OF(X509) *pool = sk_X509_new_null();
    struct x509_pool *lazy = NULL;
    X509 *leaf = NULL;
    char **files;
    int n_files = 0, ret, taken;

    ret = parse_args(cli, argc, argv, &a, &files, &n_files);
    if (ret >= 0)
        goto cleanup;
    ret = EXIT_FAIL;
    if (!pool) {
        errorf("out of memory");
        goto cleanup;
    }
    if (outfile_check(a.out, a.force) < 0 || outfile_check(a.fullchain, a.force) < 0)
        goto cleanup;
    /* The leaf first: when it is also among the files, that copy is the
     * duplicate that goes. */
    if (a.leaf && read_into(a.leaf, &a.password, pool, &leaf) < 0)
        goto cleanup;
    /* With the leaf known, PEM files of certificates are pooled and only
     * the certificates a path can use are decoded (x509-pool.h). */
    if (a.leaf && !(lazy = x509_pool_new())) {
        errorf("out of memory");
        goto cleanup;
    }
    for (int i = 0; i < n_files; i++) {
        if (lazy && (taken = x509_pool_add_pem_file(lazy, files[i])) != 0) {
            if (taken < 0)
                goto cleanup;
            continue;
        }
        if (read_into(files[i], &a.password, pool, NULL) < 0)
            goto cleanup;
    }
    if (lazy && x509_pool_take_issuers(lazy, pool) < 0)
        goto cleanup;
    if (x509_certs_dedup(pool) < 0) {
        errorf("cannot compare the certificates: out of memory");
        goto cleanup;
    }
    if (a.trust && strcmp(a.trust, "system") == 0)
        req.trust_system = 1;
    else if (a.trust && x509_decode_file(a.trust, &a.password, &anchors) < 0)
        goto cleanup;
    req.certs = pool;
    req.leaf = leaf;
    req.trust = anchors.certs;
    if (x509_path_build(&req, &path, &diag) < 0) {
        errorf("%s", diag.why);
        if (diag.hint[0])
            hintf("%s", diag.hint);
        goto cleanup;
    }
    if (path.note[0])
        notef("%s", path.note);
    if (path.roots > 1)
        notef("%d roots to choose from: the path ends in \"%s\"", path.roots, path.root_name);
    if (output(cli, &a, &path) < 0)
        goto cleanup;
    ret = EXIT_OK;
cleanup:
    x509_path_free(&path);
    x509_bundle_free(&anchors);
    sk_X509_pop_free(pool, X509_free);
    x509_pool_free(lazy);
    return ret;
}
