/* p11cert acme issue: one order for the names, both keys on the token; the
 * challenge one of dns-01 (RFC 2136), http-01 answered by p11cert, or
 * http-01 files under a web root. The challenge options and the checks:
 * acme-issue-args.c; the output: acme-issue-output.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/acme-issue.h"
#include "commands/commands.h"
#include "util/interrupt.h"
#include "workflow/token-lock.h"

static const struct cli_option options[] = {
    ACME_TARGET_OPTIONS,
    {OPT_KEY, "key", "KEY-URI", "the certificate's key, on the account key's token (required)"},
    {OPT_DOMAIN, "domain", "NAME", "a name for the certificate (repeatable; *.NAME with dns-01)"},
    {OPT_DNS_SERVER, "dns-server", "ADDR[:PORT]", "dns-01: the zone's primary, for RFC 2136"},
    {OPT_TSIG_KEY, "tsig-key", "SRC", "dns-01: the TSIG key, from file:PATH, env:NAME or fd:N"},
    {OPT_ZONE, "zone", "ZONE", "dns-01: the zone (default: found by asking for the SOA)"},
    {OPT_HTTP_LISTEN, "http-listen", "ADDR:PORT", "http-01: p11cert answers on ADDR:PORT"},
    {OPT_WEBROOT, "webroot", "DIR", "http-01: files under DIR/.well-known/acme-challenge/"},
    {OPT_SUBJECT, "subject", "DN", "the CSR's subject (default: CN=the first --domain)"},
    {OPT_OUT, "out", "F", "the certificate (default: cert.pem)"},
    {OPT_CHAIN_OUT, "chain-out", "F", "chain.crt: issuer first, root last (default: chain.crt)"},
    {OPT_FULLCHAIN, "fullchain", "F", "also the certificate and its intermediates in F"},
    {OPT_FORCE, "force", NULL, "replace existing output files"},
    {OPT_IMPORT, "import", NULL, "store the certificate on the token beside its key"},
    {OPT_PREFERRED_CHAIN, "preferred-chain", "ISSUER-CN",
     "take the chain whose top certificate is issued by ISSUER-CN, if the CA offers one"},
    {OPT_TRUST, "trust", "FILE|system", "the roots the chain must reach (default: system)"},
    {OPT_STATE_DIR, "state-dir", "DIR", "where the renewal record goes"},
    {OPT_NO_RECORD, "no-record", NULL, "write no renewal record"},
    {OPT_ROTATE_KEY, "rotate-key", NULL,
     "the renewal record asks renew for a new key pair at every renewal"},
    {OPT_TIMEOUT, "timeout", "S", "seconds for the whole order (default 300)"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "--account-key KEY-URI --key KEY-URI --domain NAME... CHALLENGE [--directory URL] "
    "[--subject DN] [--out F] [--chain-out F] [--fullchain F] [--import] "
    "[--preferred-chain ISSUER-CN] [--ca-bundle FILE] [--trust FILE|system] [--state-dir DIR] "
    "[--no-record | --rotate-key] [--timeout S]",
    "Orders a certificate for the names: the CHALLENGE (--dns-server ADDR --tsig-key SRC\n"
    "[--zone Z], --http-listen ADDR:PORT or --webroot DIR) is presented and removed again on\n"
    "every path, the CSR is signed on the token by --key, the chain is built and checked as\n"
    "chain and check do before anything is written.",
    options,
    0,
    0,
};

static int take(void *opts, int id, const char *arg)
{
    struct issue_args *a = opts;
    const char **grown;
    int taken;

    acme_target_take(&a->target, id, arg, &taken);
    if (id == OPT_DOMAIN) {
        if (!(grown = realloc(a->domains, (a->n_domains + 1) * sizeof(*grown)))) {
            cli_usage_error("out of memory");
            return -1;
        }
        a->domains = grown;
        a->domains[a->n_domains++] = arg;
    }
    a->key = id == OPT_KEY ? arg : a->key;
    a->o.subject = id == OPT_SUBJECT ? arg : a->o.subject;
    a->o.out = id == OPT_OUT ? arg : a->o.out;
    a->o.chain_out = id == OPT_CHAIN_OUT ? arg : a->o.chain_out;
    a->o.fullchain = id == OPT_FULLCHAIN ? arg : a->o.fullchain;
    a->o.force |= id == OPT_FORCE;
    a->o.import |= id == OPT_IMPORT;
    a->o.preferred_chain = id == OPT_PREFERRED_CHAIN ? arg : a->o.preferred_chain;
    a->o.trust = id == OPT_TRUST ? arg : a->o.trust;
    a->o.state_dir = id == OPT_STATE_DIR ? arg : a->o.state_dir;
    a->o.no_record |= id == OPT_NO_RECORD;
    a->o.rotate_key |= id == OPT_ROTATE_KEY;
    a->timeout = id == OPT_TIMEOUT ? arg : a->timeout;
    return acme_issue_take_challenge(a, id, arg);
}

int acme_cmd_issue(struct cli *cli, int argc, char **argv)
{
    struct issue_args a;
    struct acme_session s;
    struct acme_issue_result res;
    struct sign_job job;
    struct acme_target t;
    struct token_ctx ctx;
    struct cli_args args;
    unsigned long timeout = ACME_ISSUE_TIMEOUT;
    int ret, sig, lock_fd = -1;

    memset(&a, 0, sizeof(a));
    memset(&s, 0, sizeof(s));
    memset(&res, 0, sizeof(res));
    memset(&job, 0, sizeof(job));
    memset(&ctx, 0, sizeof(ctx));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        goto cleanup;
    ret = EXIT_USAGE;
    if (acme_issue_check_args(&a, &timeout) < 0 ||
        !(a.o.key_uri = token_uri_parse(a.key, "--key URI")))
        goto cleanup;
    a.o.account_key_text = a.target.account_key;
    a.o.key_text = a.key;
    a.o.domains = a.domains;
    a.o.n_domains = a.n_domains;
    a.o.out = a.o.out ? a.o.out : "cert.pem";
    a.o.chain_out = a.o.chain_out ? a.o.chain_out : "chain.crt";
    a.o.config = &cli->token;
    if ((ret = acme_issue_prepare(&a.o, &job)) != EXIT_OK)
        goto cleanup;
    /* --import writes to the token: it takes its turn with the other
     * writers to the module, as import does. */
    ret = acme_target_open(cli, &a.target, a.o.import ? NEEDS_RW_SESSION : 0, (unsigned)timeout,
                           &ctx, &t, a.o.import ? &lock_fd : NULL);
    if (ret == EXIT_OK)
        ret = acme_issue_run(&ctx, &t, &a.o, &job, &s, &res);
    if (ret == EXIT_OK && acme_issue_print(cli, &a, &s, &res) < 0)
        ret = EXIT_FAIL;
cleanup:
    /* A signal during the order: the challenges are gone, the token is
     * closed, and then the process dies of it. */
    sig = interrupt_pending();
    acme_issue_result_free(&res);
    sign_job_close(&job);
    acme_session_close(&s);
    token_ctx_free(&ctx);
    token_unlock(lock_fd);
    if (a.o.key_uri)
        p11_kit_uri_free(a.o.key_uri);
    free(a.domains);
    interrupt_die(sig);
    return ret;
}
