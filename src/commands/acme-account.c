/* p11cert acme account: the account for the token's account key, found
 * with onlyReturnExisting, or registered (--agree-tos, External Account
 * Binding for CAs that want it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/acme-options.h"
#include "commands/commands.h"
#include "util/json-out.h"

enum {
    OPT_EMAIL = ACME_OPT_FIRST_OWN,
    OPT_AGREE_TOS,
    OPT_EAB_KID,
    OPT_EAB_HMAC,
    OPT_EAB_ALG,
};

static const struct cli_option options[] = {
    ACME_TARGET_OPTIONS,
    {OPT_EMAIL, "email", "ADDR", "a contact address for a new account (repeatable)"},
    {OPT_AGREE_TOS, "agree-tos", NULL,
     "agree to the CA's terms of service (a new account needs it)"},
    {OPT_EAB_KID, "eab-kid", "ID", "the External Account Binding key id the CA handed out"},
    {OPT_EAB_HMAC, "eab-hmac", "SRC",
     "its HMAC key (base64url) from file:PATH, env:NAME, fd:N or prompt"},
    {OPT_EAB_ALG, "eab-alg", "ALG", "the EAB MAC: HS256 (default), HS384 or HS512"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "--account-key KEY-URI [--directory URL] [--email ADDR]... [--agree-tos] "
    "[--eab-kid ID --eab-hmac SRC [--eab-alg ALG]] [--ca-bundle FILE]",
    "Finds the CA's account for the account key on the token (onlyReturnExisting), or, with\n"
    "--agree-tos, registers one, and prints its URL and status. Every request is signed on\n"
    "the token (ES256/ES384 for EC keys, RS256 for RSA keys).",
    options,
    0,
    0,
};

struct account_args {
    struct acme_target_args target;
    const char **emails;
    size_t n_emails;
    struct acme_account_options o;
    struct secret_source eab_hmac;
};

static int take(void *opts, int id, const char *arg)
{
    struct account_args *a = opts;
    const char **grown;
    int taken;

    acme_target_take(&a->target, id, arg, &taken);
    if (id == OPT_EMAIL) {
        if (!strchr(arg, '@') || strchr(arg, ',') || strncmp(arg, "mailto:", 7) == 0) {
            cli_usage_error("--email wants an address (name@example.com), got \"%s\"", arg);
            return -1;
        }
        if (!(grown = realloc(a->emails, (a->n_emails + 1) * sizeof(*grown)))) {
            cli_usage_error("out of memory");
            return -1;
        }
        a->emails = grown;
        a->emails[a->n_emails++] = arg;
    } else if (id == OPT_AGREE_TOS) {
        a->o.agree_tos = 1;
    } else if (id == OPT_EAB_KID) {
        a->o.eab_kid = arg;
    } else if (id == OPT_EAB_HMAC) {
        a->o.eab_hmac = &a->eab_hmac;
        return cli_parse_secret_source("--eab-hmac", arg, &a->eab_hmac);
    } else if (id == OPT_EAB_ALG) {
        if (strcmp(arg, "HS256") != 0 && strcmp(arg, "HS384") != 0 && strcmp(arg, "HS512") != 0) {
            cli_usage_error("--eab-alg wants HS256, HS384 or HS512");
            return -1;
        }
        a->o.eab_alg = arg;
    }
    return 0;
}

static int print_account(struct cli *cli, const struct acme_session *s)
{
    const struct acme_account *acct = &s->account;

    if (cli->json)
        return json_out_print(json_pack(
            "{s:s, s:s?, s:b, s:O?, s:s, s:s, s:s}", "url", acct->url, "status", acct->status,
            "created", acct->created, "contact", acct->contact, "directory",
            s->client.directory_url, "algorithm", s->jws.alg, "thumbprint", s->client.thumbprint));
    printf("account: %s\n", acct->url);
    printf("status: %s (%s)\n", acct->status ? acct->status : "unknown",
           acct->created ? "created now" : "found: the key had one already");
    return 0;
}

int acme_cmd_account(struct cli *cli, int argc, char **argv)
{
    struct account_args a;
    struct acme_session s;
    struct acme_target t;
    struct token_ctx ctx;
    struct cli_args args;
    int ret;

    memset(&a, 0, sizeof(a));
    memset(&s, 0, sizeof(s));
    memset(&ctx, 0, sizeof(ctx));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        goto cleanup;
    ret = EXIT_USAGE;
    if (acme_target_check(&a.target) < 0)
        goto cleanup;
    if (!a.o.eab_kid != !a.o.eab_hmac) {
        cli_usage_error("--eab-kid and --eab-hmac go together");
        goto cleanup;
    }
    a.o.emails = a.emails;
    a.o.n_emails = a.n_emails;
    if ((ret = acme_target_open(cli, &a.target, 0, ACME_SHORT_TIMEOUT, &ctx, &t, NULL)) != EXIT_OK)
        goto cleanup;
    ret = acme_account_run(&ctx, &t, &a.o, &s);
    if (ret == EXIT_OK && print_account(cli, &s) < 0)
        ret = EXIT_FAIL;
cleanup:
    acme_session_close(&s);
    token_ctx_free(&ctx);
    free(a.emails);
    return ret;
}
