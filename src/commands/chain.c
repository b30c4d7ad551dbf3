/* p11cert chain: chain.crt (the leaf's issuer first, the root last) and a
 * fullchain from any number of files in any order and format. The path is
 * OpenSSL's (workflow/chain.h); this file writes and explains it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "util/json-out.h"
#include "util/outfile.h"
#include "workflow/chain.h"
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

static int take(void *opts, int id, const char *arg)
{
    struct chain_args *a = opts;

    if (id == OPT_TRUST && !*arg) {
        cli_usage_error("--trust wants a file or \"system\"");
        return -1;
    }
    if (id == OPT_PASSWORD_SOURCE)
        return cli_parse_secret_source("--password-source", arg, &a->password);
    if (id == OPT_OUT)
        return cli_parse_output("--out", arg, 1, &a->out);
    if (id == OPT_FULLCHAIN)
        return cli_parse_output("--fullchain", arg, 0, &a->fullchain);
    if (id == OPT_LEAF)
        a->leaf = arg;
    else if (id == OPT_TRUST)
        a->trust = arg;
    else if (id == OPT_NO_ROOT)
        a->no_root = 1;
    else if (id == OPT_FORCE)
        a->force = 1;
    return 0;
}

/* certs[from..to) as PEM: to path (stdout when NULL), or into *json. */
static int write_certs(const char *path, int force, STACK_OF(X509) *certs, int from, int to,
                       json_t **json)
{
    BIO *data = x509_certs_encode(certs, from, to, 0);
    char *bytes = NULL;
    long len;
    int ret = -1;

    if (data) {
        len = BIO_get_mem_data(data, &bytes);
        if (json)
            ret = (*json = json_stringn(bytes ? bytes : "", (size_t)len)) ? 0 : -1;
        else
            ret = outfile_write(path, force, 0644, bytes, (size_t)len);
    }
    BIO_free(data);
    return ret;
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
            printf("%-13s %s\n", x509_path_role(path, i), subject ? subject : "?");
        else
            notef("%s: %s", x509_path_role(path, i), subject ? subject : "?");
        free(subject);
    }
    if (to_stdout)
        printf("root from %s\n", anchor);
    else
        notef("root from %s", anchor);
}

static int output_json(const struct chain_args *a, const struct x509_path *path, int chain_end)
{
    int n = sk_X509_num(path->certs);
    json_t *list = json_array(), *pem = NULL, *doc;

    for (int i = 0; list && i < n; i++) {
        json_t *c = x509_certificate_json(sk_X509_value(path->certs, i));

        json_object_set_new(c, "role", json_string(x509_path_role(path, i)));
        json_array_append_new(list, c);
    }
    doc = json_pack("{s:o, s:s?, s:b, s:s?, s:s?}", "path", list, "root", path->root_name,
                    "root_included", chain_end == n && n > 1, "out", a->out, "fullchain",
                    a->fullchain);
    if (!doc ||
        write_certs(a->out, a->force, path->certs, 1, chain_end, a->out ? NULL : &pem) < 0) {
        json_decref(doc);
        return -1;
    }
    if (pem)
        json_object_set_new(doc, "pem", pem);
    return json_out_print(doc);
}

static int output(struct cli *cli, const struct chain_args *a, const struct x509_path *path)
{
    int n = sk_X509_num(path->certs);
    int chain_end = a->no_root || n == 1 ? n - 1 : n; /* chain.crt is [1, chain_end) */
    int full_end = n > 1 ? n - 1 : 1;                 /* fullchain is [0, full_end) */

    if (chain_end <= 1)
        notef("chain.crt is empty: %s",
              n == 1 ? "the leaf is its own root" : "the leaf's issuer is the root, left out");
    if (a->fullchain && write_certs(a->fullchain, a->force, path->certs, 0, full_end, NULL) < 0)
        return -1;
    if (cli->json)
        return output_json(a, path, chain_end);
    if (write_certs(a->out, a->force, path->certs, 1, chain_end, NULL) < 0)
        return -1;
    describe_path(path, a->trust, a->out != NULL);
    if (a->out)
        printf("chain: %s (%d certificate%s)\n", a->out, chain_end > 1 ? chain_end - 1 : 0,
               chain_end - 1 == 1 ? "" : "s");
    if (a->fullchain && a->out)
        printf("fullchain: %s (%d certificate%s)\n", a->fullchain, full_end,
               full_end == 1 ? "" : "s");
    return 0;
}

int cmd_chain(struct cli *cli, int argc, char **argv)
{
    struct chain_args a;
    struct chain_request req;
    struct x509_path path = {0};
    struct cli_args args;
    struct cli_file outs[] = {{"--out", NULL}, {"--fullchain", NULL}};
    struct cli_file extra[] = {{"--leaf", NULL}, {"--trust", NULL}};
    int ret;

    memset(&a, 0, sizeof(a));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        return ret;
    outs[0].path = a.out;
    outs[1].path = a.fullchain;
    extra[0].path = a.leaf;
    extra[1].path = a.trust;
    if (cli_check_outputs(outs, 2, &args, extra, 2) < 0)
        return EXIT_USAGE;
    if (outfile_check(a.out, a.force) < 0 || outfile_check(a.fullchain, a.force) < 0)
        return EXIT_FAIL;
    req = (struct chain_request){args.v, args.n, a.leaf, a.trust, &a.password};
    if ((ret = chain_build(&req, &path)) == EXIT_OK && output(cli, &a, &path) < 0)
        ret = EXIT_FAIL;
    x509_path_free(&path);
    return ret;
}
