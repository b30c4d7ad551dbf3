/* acme account, acme issue and acme revoke: the account key and the
 * certificate key on one opened token, the ACME exchange (acme/acme.h), the
 * challenges presented (workflow/acme-solve.c), and after the download the
 * same chain, import and checks as chain, import and check. */
#ifndef P11CERT_WORKFLOW_ACME_H
#define P11CERT_WORKFLOW_ACME_H

#include <stddef.h>

#include <jansson.h>

#include "acme/acme.h"
#include "dns/dns.h"
#include "token/token.h"
#include "util/secret.h"
#include "x509/chain.h"
#include "workflow/sign-job.h"

/* What every acme subcommand has: the account key and the CA. */
struct acme_target {
    P11KitUri *account_uri; /* --account-key, parsed */
    const char *directory;  /* NULL: ACME_DEFAULT_DIRECTORY */
    const char *ca_bundle;  /* NULL: the system's store */
    unsigned timeout;       /* seconds for the whole exchange */
};

/* The account key found on the token, its JWS signer and the client. */
struct acme_session {
    struct token_key key;
    struct signer_jws jws;
    int have_jws;
    struct acme_client client;
    int have_client;
    struct acme_account account;
};

/* Finds the account key on ctx (opened, logged in) and reads the CA's
 * directory. interrupted may be NULL. Returns the exit status. */
int acme_session_open(struct token_ctx *ctx, const struct acme_target *t, int (*interrupted)(void),
                      struct acme_session *s);
void acme_session_close(struct acme_session *s);

/* ---- acme account ---- */

struct acme_account_options {
    const char *const *emails; /* mailto: is added */
    size_t n_emails;
    int agree_tos;
    const char *eab_kid;
    const struct secret_source *eab_hmac; /* the base64url HMAC key */
    const char *eab_alg;                  /* NULL: HS256 */
};

/* Finds the key's account, or registers it. s->account says which. */
int acme_account_run(struct token_ctx *ctx, const struct acme_target *t,
                     const struct acme_account_options *o, struct acme_session *s);

/* ---- acme revoke ---- */

/* RFC 5280 reason names accepted by --reason, and their codes; -1 unknown. */
int acme_reason_code(const char *name);

int acme_revoke_run(struct token_ctx *ctx, const struct acme_target *t, const char *cert_file,
                    int reason, struct acme_session *s);

/* ---- acme issue ---- */

enum acme_solver_kind {
    ACME_SOLVE_DNS,     /* dns-01 through RFC 2136 */
    ACME_SOLVE_LISTEN,  /* http-01, answered by p11cert */
    ACME_SOLVE_WEBROOT, /* http-01, files under a web server's root */
};

struct acme_challenge_options {
    enum acme_solver_kind kind;
    const char *dns_server_text;
    struct dns_server dns_server;
    const char *tsig_text; /* as given: the record keeps the source, not the key */
    const struct secret_source *tsig;
    const char *zone;
    const char *listen;
    const char *webroot;
};

struct acme_issue_options {
    const char *account_key_text, *key_text; /* as given, for the record */
    P11KitUri *key_uri;
    const char *const *domains;
    size_t n_domains;
    const char *subject; /* NULL: CN=the first domain */
    const char *out, *chain_out, *fullchain;
    int force;
    int import;
    const char *preferred_chain; /* an issuer CN */
    const char *trust;           /* NULL: the system's store */
    const char *state_dir;       /* NULL: the default */
    int no_record;
    int rotate_key; /* the record's setting: every renewal makes a new key pair */
    struct acme_challenge_options challenge;
    const struct token_config *config; /* the token profile (import), the PIN's source (record) */
};

/* What was issued, for the output. */
struct acme_issue_result {
    char *order_url;
    json_t *certificate; /* x509_certificate_json of the leaf */
    int chain_len;       /* certificates in chain.crt */
    char *root;          /* the path's root, RFC 4514 */
    json_t *checks;      /* [{name, ok, detail}] */
    int imported, already_imported;
    char *record; /* the renewal record's path, or NULL */
    size_t n_alternates;
    char *chain_issuer;                 /* the topmost issuer's CN of the chain taken */
    struct x509_path path;              /* leaf, intermediates, root: what was issued, checked */
    unsigned char key_id[TOKEN_ID_MAX]; /* the certificate key's CKA_ID */
    CK_ULONG key_id_len;
};

/* The request's subject and SANs parsed, outputs and the challenge's
 * options checked, before any token or server is touched. Returns the exit
 * status (EXIT_USAGE for a bad option). */
int acme_issue_prepare(const struct acme_issue_options *o, struct sign_job *job);

/* The order on ctx's token, up to a checked certificate: account found,
 * authorizations, challenges presented and removed again on every path (a
 * signal included: then the caller dies of it once they are gone), CSR
 * signed by o->key_uri's key, the chain downloaded and chosen, built and
 * checked into res->path. Nothing is written or stored: acme issue and
 * renew each install it their way. Returns the exit status. */
int acme_order_certificate(struct token_ctx *ctx, const struct acme_target *t,
                           const struct acme_issue_options *o, struct sign_job *job,
                           struct acme_session *s, struct acme_issue_result *res);

/* acme issue: acme_order_certificate, then the certificate imported (with
 * o->import), the outputs written and the renewal record kept. Returns the
 * exit status. */
int acme_issue_run(struct token_ctx *ctx, const struct acme_target *t,
                   const struct acme_issue_options *o, struct sign_job *job, struct acme_session *s,
                   struct acme_issue_result *res);
void acme_issue_result_free(struct acme_issue_result *res);

#endif
