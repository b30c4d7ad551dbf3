/* p11cert chain: chain.crt (the leaf's issuer first, the root last) and a
 * fullchain from any number of files in any order and format. The path is
 * OpenSSL's (workflow/chain.h), written and explained by chain-output.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/chain-output.h"
#include "commands/commands.h"
#include "util/outfile.h"
#include "workflow/chain.h"

enum {
    OPT_LEAF = 1,
    OPT_OUT,
    OPT_FULLCHAIN,
    OPT_TRUST,
    OPT_NO_ROOT,
    OPT_FORCE,
    OPT_PASSWORD_SOURCE,
    OPT_OFFLINE,
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
    {OPT_OFFLINE, "offline", NULL, "never fetch a missing issuer from its caIssuers URL"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "FILE... [--leaf F] [--out chain.crt] [--fullchain F] [--trust FILE|system] [--no-root] "
    "[--offline]",
    "Builds the certification path with OpenSSL from certificates in any number of files, in\n"
    "any order and format, and writes chain.crt: the leaf's issuer first, then each next\n"
    "issuer, the root last. An issuer missing from the files is fetched from the caIssuers URL\n"
    "of the certificate it issued (at most 8, unless --offline). A missing link, an expired\n"
    "certificate or a broken signature is an error naming the certificate. With several paths\n"
    "(cross-signed roots) an unexpired one ending in a trusted self-signed root wins.",
    options,
    1,
    -1,
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
    if (id == OPT_LEAF)
        a->leaf = arg;
    else if (id == OPT_OUT)
        a->out = arg;
    else if (id == OPT_FULLCHAIN)
        a->fullchain = arg;
    else if (id == OPT_TRUST)
        a->trust = arg;
    else if (id == OPT_NO_ROOT)
        a->no_root = 1;
    else if (id == OPT_FORCE)
        a->force = 1;
    else if (id == OPT_OFFLINE)
        a->offline = 1;
    return 0;
}

int cmd_chain(struct cli *cli, int argc, char **argv)
{
    struct chain_args a;
    struct chain_request req;
    struct x509_path path = {0};
    struct cli_args args;
    int ret;

    memset(&a, 0, sizeof(a));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        return ret;
    if (a.out && a.fullchain && strcmp(a.out, a.fullchain) == 0) {
        cli_usage_error("--out and --fullchain name the same file");
        return EXIT_USAGE;
    }
    if (outfile_check(a.out, a.force) < 0 || outfile_check(a.fullchain, a.force) < 0)
        return EXIT_FAIL;
    req = (struct chain_request){args.v, args.n, a.leaf, a.trust, &a.password, a.offline};
    if (!(a.fetched = json_array()) || (ret = chain_build(&req, &path, a.fetched)) != EXIT_OK ||
        chain_output(cli, &a, &path) < 0)
        ret = EXIT_FAIL;
    json_decref(a.fetched);
    x509_path_free(&path);
    return ret;
}
