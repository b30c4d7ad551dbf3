/* acme issue, step by step: the request parsed and the outputs checked
 * before anything is touched; on the token the account found and the
 * certificate key's signer made; the order, its authorizations, the
 * challenges presented, answered, polled and taken away again on every
 * path (Ctrl-C and SIGTERM included); the CSR signed on the token; the
 * chain downloaded (workflow/acme-finish.c does the rest). */
#include "workflow/acme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/hostname.h"
#include "util/interrupt.h"
#include "util/msg.h"
#include "util/outfile.h"
#include "workflow/acme-finish.h"
#include "workflow/acme-solve.h"

static int check_domains(const struct acme_issue_options *o)
{
    char why[512];

    for (size_t i = 0; i < o->n_domains; i++) {
        if (hostname_check(o->domains[i], HOSTNAME_ALLOW_WILDCARD, why, sizeof(why)) < 0) {
            errorf("bad --domain \"%s\": %s", o->domains[i], why);
            return -1;
        }
        if (o->domains[i][0] == '*' && o->challenge.kind != ACME_SOLVE_DNS) {
            errorf("the wildcard %s can only be validated with dns-01 (--dns-server)",
                   o->domains[i]);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(o->domains[i], o->domains[j]) == 0) {
                errorf("the domain %s is given twice", o->domains[i]);
                return -1;
            }
    }
    return 0;
}

int acme_issue_prepare(const struct acme_issue_options *o, struct sign_job *job)
{
    struct sign_request req = {0};
    char subject[300], *sans[SIGN_JOB_MAX_SANS];
    int ret;

    if (check_domains(o) < 0)
        return EXIT_USAGE;
    if (o->n_domains > SIGN_JOB_MAX_SANS) {
        errorf("at most %d --domain", SIGN_JOB_MAX_SANS);
        return EXIT_USAGE;
    }
    /* The CN is the first name the CA would put there itself; a wildcard
     * too (an ACME CA drops a CN it cannot validate). */
    snprintf(subject, sizeof(subject), "/CN=%s", o->domains[0]);
    req.subject = o->subject ? o->subject : subject;
    for (size_t i = 0; i < o->n_domains; i++) {
        size_t len = strlen(o->domains[i]) + 5;

        if (!(sans[i] = malloc(len))) {
            for (size_t j = 0; j < i; j++)
                free(sans[j]);
            errorf("out of memory");
            return EXIT_FAIL;
        }
        snprintf(sans[i], len, "DNS:%s", o->domains[i]);
        req.sans[i] = sans[i];
    }
    req.n_sans = o->n_domains;
    ret = sign_job_parse(job, &req, 0);
    for (size_t i = 0; i < o->n_domains; i++)
        free(sans[i]);
    if (ret != EXIT_OK)
        return ret;
    if (outfile_check(o->out, o->force) < 0 || outfile_check(o->chain_out, o->force) < 0 ||
        outfile_check(o->fullchain, o->force) < 0)
        return EXIT_FAIL;
    return EXIT_OK;
}

/* The certificate key must be on the token the account key opened: one
 * module load and one login for both. */
static int same_token(struct token_ctx *ctx, const struct acme_issue_options *o)
{
    if (token_uri_matches_token(o->key_uri, ctx->slot.id, &ctx->slot.info))
        return 0;
    errorf("--key names a token other than --account-key's: both keys must be on one token");
    hintf("give --key a URI of the account key's token (or one without token attributes)");
    return -1;
}

/* The account for the key must exist: acme issue never makes one. */
static int find_account(struct acme_session *s, const char *account_key_text)
{
    struct acme_account_request req = {NULL, 0, 0, 0, NULL};

    if (acme_account_get(&s->client, &req, &s->account) < 0)
        return -1;
    if (!s->account.found) {
        errorf("there is no account for this key at %s", s->client.directory_url);
        hintf("make one first: p11cert acme account --account-key '%s' --agree-tos",
              account_key_text);
        return -1;
    }
    if (s->account.status && strcmp(s->account.status, "valid") != 0) {
        errorf("the account %s is %s", s->account.url, s->account.status);
        return -1;
    }
    return 0;
}

/* Each pending authorization's challenge into the solver; *pending gets
 * the authorizations to answer and wait for. */
static int collect_challenges(struct acme_session *s, const struct acme_order *order,
                              struct acme_solver *solver, struct acme_authz *authz,
                              size_t *n_pending)
{
    const char *type = acme_solver_type(solver->o);

    *n_pending = 0;
    for (size_t i = 0; i < order->n_authorizations; i++) {
        struct acme_authz *a = &authz[*n_pending];
        const struct acme_challenge *ch;
        char *keyauth;
        int rc;

        if (acme_authz_get(&s->client, order->authorizations[i], a) < 0)
            return -1;
        if (strcmp(a->status, "valid") == 0) {
            debugf("%s: authorized already", a->identifier);
            acme_authz_free(a);
            continue;
        }
        if (strcmp(a->status, "pending") != 0) {
            errorf("the authorization of %s is %s", a->identifier, a->status);
            (*n_pending)++;
            return -1;
        }
        (*n_pending)++;
        if (!(ch = acme_authz_challenge(a, type))) {
            errorf("the CA offers no %s challenge for %s", type, a->identifier);
            return -1;
        }
        if (!(keyauth = acme_key_authorization(&s->client, ch->token))) {
            errorf("out of memory");
            return -1;
        }
        rc = acme_solver_add(solver, a->identifier, ch->token, keyauth);
        free(keyauth);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The challenges answered and waited for, then taken away. */
static int authorize(struct acme_session *s, const struct acme_order *order,
                     const struct acme_issue_options *o)
{
    struct acme_solver solver;
    struct acme_authz *authz = calloc(order->n_authorizations, sizeof(*authz));
    size_t n = 0;
    int ret = EXIT_FAIL;

    if (!authz) {
        errorf("out of memory");
        return EXIT_FAIL;
    }
    if (acme_solver_init(&solver, &o->challenge) != EXIT_OK) {
        free(authz);
        return EXIT_FAIL;
    }
    if (collect_challenges(s, order, &solver, authz, &n) < 0)
        goto cleanup;
    if (n > 0 && acme_solver_present(&solver) != EXIT_OK)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        const struct acme_challenge *ch =
            acme_authz_challenge(&authz[i], acme_solver_type(&o->challenge));

        if (acme_challenge_respond(&s->client, ch->url) < 0)
            goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        if (acme_authz_wait(&s->client, &authz[i]) < 0)
            goto cleanup;
    if (n > 0)
        notef("%zu name(s) validated with %s", n, acme_solver_type(&o->challenge));
    ret = EXIT_OK;
cleanup:
    if (acme_solver_cleanup(&solver) < 0)
        ret = EXIT_FAIL;
    for (size_t i = 0; i < order->n_authorizations; i++)
        acme_authz_free(&authz[i]);
    free(authz);
    return ret;
}

static int order_and_download(struct acme_session *s, const struct acme_issue_options *o,
                              struct sign_job *job, struct acme_issue_result *res)
{
    struct acme_order order;
    BIO *csr = NULL;
    unsigned char *der = NULL;
    long der_len;
    int ret = EXIT_FAIL;

    if (acme_order_new(&s->client, o->domains, o->n_domains, &order) < 0)
        goto cleanup;
    if (!(res->order_url = strdup(order.url))) {
        errorf("out of memory");
        goto cleanup;
    }
    debugf("order %s: %zu authorization(s)", order.url, order.n_authorizations);
    if (authorize(s, &order, o) != EXIT_OK)
        goto cleanup;
    if (sign_job_request(job, 1, &csr) != EXIT_OK)
        goto cleanup;
    der_len = BIO_get_mem_data(csr, (char **)&der);
    if (acme_order_finalize(&s->client, &order, der, (size_t)der_len) < 0)
        goto cleanup;
    ret = acme_obtain(s, o, job, order.certificate, res);
cleanup:
    BIO_free(csr);
    acme_order_free(&order);
    return ret;
}

int acme_order_certificate(struct token_ctx *ctx, const struct acme_target *t,
                           const struct acme_issue_options *o, struct sign_job *job,
                           struct acme_session *s, struct acme_issue_result *res)
{
    struct sign_request req = {0};
    struct interrupt_guard guard = {0};
    int ret = EXIT_FAIL;

    memset(res, 0, sizeof(*res));
    if (same_token(ctx, o) < 0)
        return EXIT_FAIL;
    /* From here on a signal is noted, and the challenges are taken away
     * before the process dies of it. */
    interrupt_catch(&guard);
    if (acme_session_open(ctx, t, interrupt_pending, s) != EXIT_OK ||
        find_account(s, o->account_key_text) < 0 ||
        sign_job_prepare(job, ctx, o->key_uri, &req) != EXIT_OK)
        goto cleanup;
    ret = order_and_download(s, o, job, res);
cleanup:
    /* The caller dies of the signal once the token is closed. */
    interrupt_restore(&guard);
    if (interrupt_pending())
        errorf("interrupted by signal %d: the order is abandoned, its challenges removed",
               interrupt_pending());
    return ret;
}

int acme_issue_run(struct token_ctx *ctx, const struct acme_target *t,
                   const struct acme_issue_options *o, struct sign_job *job, struct acme_session *s,
                   struct acme_issue_result *res)
{
    int ret = acme_order_certificate(ctx, t, o, job, s, res);

    if (ret == EXIT_OK && !interrupt_pending())
        ret = acme_install(ctx, o, res);
    if (ret == EXIT_OK && !o->no_record && acme_record_write(ctx, t, o, res) < 0)
        ret = EXIT_FAIL;
    return ret;
}

void acme_issue_result_free(struct acme_issue_result *res)
{
    free(res->order_url);
    json_decref(res->certificate);
    free(res->root);
    json_decref(res->checks);
    free(res->record);
    free(res->chain_issuer);
    x509_path_free(&res->path);
    memset(res, 0, sizeof(*res));
}
