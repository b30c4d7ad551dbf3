/* check: a certificate bundle checked, one PASS/FAIL line (name, ok,
 * detail) per check in a report; nothing here prints. */
#ifndef P11CERT_WORKFLOW_CHECK_H
#define P11CERT_WORKFLOW_CHECK_H

#include <jansson.h>
#include <openssl/x509.h>

#include "signer/signer.h"
#include "x509/decode.h"

#define CHECK_MAX_DOMAINS 100

struct check_request {
    const char *cert, *chain, *trust; /* files; trust may be "system" */
    const char *domains[CHECK_MAX_DOMAINS];
    size_t n_domains;
    int tls;                /* handshakes with the token key (needs the key) */
    const char *server;     /* --server HOST:PORT: check what a running server presents */
    const char *servername; /* SNI for it; NULL: the first domain, else HOST when a name */
    int offline;            /* never fetch a missing issuer from its caIssuers URL */
};

struct check_inputs {
    struct x509_bundle cert, chain;
};

struct check_report {
    json_t *checks; /* [{name, ok, detail}] */
    int failed;
    json_t *fetched; /* issuers fetched for the chain: [{url, subject, format}] */
};

void check_add(struct check_report *r, const char *name, int ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The token key and the certificate are a pair: equal public keys, and a
 * fresh signature made on the token verifies with the certificate. */
void check_key_pair(struct check_report *r, struct signer *signer, X509 *cert);

/* The certificate covers host in its SANs, as browsers match them. */
void check_name(struct check_report *r, X509 *cert, const char *host);

/* Now is inside the validity window; fewer than 30 days left is a warning
 * in the detail, not a failure. */
void check_validity(struct check_report *r, X509 *cert);

/* The certificate may authenticate a TLS server (EKU serverAuth, key usage). */
void check_server_auth(struct check_report *r, X509 *cert);

/* The certificate is an end entity: basicConstraints CA:TRUE (which
 * browsers refuse in a server's certificate) fails. */
void check_leaf(struct check_report *r, X509 *cert);

/* Every dNSName of the certificate is a host name as util/hostname.h has
 * the rules (a leftmost "*." allowed): raw UTF-8, control characters, bad
 * labels fail, naming the entry. */
void check_san_names(struct check_report *r, X509 *cert);

/* A TLS 1.2 and a TLS 1.3 handshake in memory with the token key, the
 * client verifying against root and (when given) host. */
void check_tls(struct check_report *r, struct token_ctx *ctx, const struct token_key *key,
               X509 *cert, STACK_OF(X509) *intermediates, X509 *root, const char *host);

/* Whether domain may be given to --domain: a host name (a trailing dot
 * allowed, no wildcard) or an IP address. EXIT_OK, or EXIT_USAGE with the
 * reason in why. Pure. */
int check_domain_valid(const char *domain, char *why, size_t why_len);

/* Reads the files, before any token is opened. Returns the exit status. */
int check_read(const struct check_request *req, struct check_inputs *in);
void check_inputs_free(struct check_inputs *in);

/* Every check into r: with ctx (opened and logged in; the PIN kept for
 * --tls) the key key_uri names is checked against the certificate, and
 * --tls shakes hands with it. Returns the exit status of the run itself:
 * EXIT_OK when every check could be made, whatever they found. */
int check_run(struct token_ctx *ctx, P11KitUri *key_uri, const struct check_request *req,
              const struct check_inputs *in, struct check_report *r);

/* check --server: a TLS 1.2 and a TLS 1.3 handshake with req->server,
 * then every check on what it presented: with ctx the certificate is for
 * the key key_uri names, the chain it sent validates (against req->trust,
 * default the system's store) and omits no intermediate, the SNI name and
 * every domain are covered, the validity window, serverAuth. Returns the
 * exit status of the run itself (a bad HOST:PORT is a usage error). */
int check_server_run(struct token_ctx *ctx, P11KitUri *key_uri, const struct check_request *req,
                     struct check_report *r);

#endif
