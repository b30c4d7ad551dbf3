/* The acme layer: RFC 8555 as a client speaks it. The directory, nonces
 * (with badNonce retried on the fresh nonce the error carries), requests
 * signed as JWS by the account key on the token (signer/jws.h), External
 * Account Binding, accounts, orders, authorizations, challenges, polling
 * with Retry-After under one deadline, finalization, the certificate chain
 * and its alternates, revocation, and problem documents (RFC 7807) in
 * words. HTTP is net/http.h's. Nothing here knows of files, the CLI or DNS:
 * the workflow presents the challenges. Functions return 0, or -1 after
 * reporting (an interruption is not reported: acme_client.stopped says so). */
#ifndef P11CERT_ACME_ACME_H
#define P11CERT_ACME_ACME_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "signer/jws.h"

/* Let's Encrypt's production directory: the default of --directory. */
#define ACME_DEFAULT_DIRECTORY "https://acme-v02.api.letsencrypt.org/directory"

/* The largest JSON reply or certificate chain accepted. */
#define ACME_MAX_REPLY (1024 * 1024)

/* Transport failures (and a 503 without Retry-After) retried, with backoff. */
#define ACME_TRANSPORT_RETRIES 3

/* badNonce errors retried in a row on one request. */
#define ACME_NONCE_RETRIES 20

struct acme_directory {
    char *new_nonce, *new_account, *new_order, *revoke_cert, *key_change;
    char *terms_of_service; /* meta.termsOfService, or NULL */
    int eab_required;       /* meta.externalAccountRequired */
};

struct acme_client_config {
    struct signer_jws *key;   /* the account key, on an opened token */
    const char *directory;    /* the directory URL */
    const char *ca_bundle;    /* the ACME server's TLS trust (NULL: the system's) */
    unsigned timeout;         /* seconds for everything this client does */
    int (*interrupted)(void); /* non-zero: a signal came, stop (may be NULL) */
};

struct acme_client {
    struct signer_jws *key;
    json_t *jwk;
    char thumbprint[SIGNER_THUMBPRINT_SIZE];
    char *account_url; /* the "kid" of every request once the account is known */
    char *directory_url;
    struct acme_directory dir;
    char *nonce; /* the next request's, from the last reply's Replay-Nonce */
    const char *ca_bundle;
    struct timespec deadline; /* CLOCK_MONOTONIC */
    unsigned timeout;
    int (*interrupted)(void);
    int stopped;     /* a wait or request ended because of interrupted() */
    unsigned posts;  /* signed requests sent (each a token signature) */
    unsigned nonces; /* badNonce errors retried */
};

/* What a request got back. */
struct acme_reply {
    long status;
    json_t *json;        /* the body when it is JSON (a problem document too) */
    unsigned char *body; /* the body as sent, NUL-terminated */
    size_t body_len;
    char *location;     /* the Location header, or NULL */
    char *content_type; /* without parameters, lower case, or NULL */
    long retry_after;   /* seconds; -1 when none */
    char **alternates;  /* Link: <URL>;rel="alternate" */
    size_t n_alternates;
};

/* Reads the directory (cfg->directory) and makes the key's JWK and
 * thumbprint. */
int acme_client_open(struct acme_client *c, const struct acme_client_config *cfg);
void acme_client_free(struct acme_client *c);

/* A signed POST to url: payload (borrowed), or POST-as-GET when NULL, with
 * accept as the Accept header (NULL: none). Signed with the account URL as
 * "kid" once known, else with the JWK. A badNonce is retried with the nonce
 * it carries, a 429/503 with Retry-After after waiting (within the
 * deadline), a transport failure up to ACME_TRANSPORT_RETRIES times with
 * backoff. Returns 0 when the server answered, whatever the status (see
 * acme_expect), -1 after reporting (what names the request). */
int acme_post(struct acme_client *c, const char *what, const char *url, json_t *payload,
              const char *accept, struct acme_reply *reply);

/* 0 when reply is a success (2xx); else -1 after reporting "WHAT: the
 * problem in words". */
int acme_expect(const struct acme_reply *reply, const char *what);

/* The problem's type without "urn:ietf:params:acme:error:" (the whole URI
 * for other types), when reply is a problem document; else NULL. */
const char *acme_problem_type(const struct acme_reply *reply);

void acme_reply_free(struct acme_reply *reply);

/* Waits seconds (at least 1), or until the deadline or an interruption,
 * which is -1 (the deadline reported; what says what was awaited). */
int acme_wait(struct acme_client *c, const char *what, long seconds);

/* The same in milliseconds (at least 1): the polls of a validation. */
int acme_wait_ms(struct acme_client *c, const char *what, long ms);

/* Seconds left before the deadline (0 when passed). */
long acme_time_left(const struct acme_client *c);

/* ---- problem documents (RFC 7807, RFC 8555 6.7) ---- */

/* The problem in words: "DETAIL (TYPE)", then each subproblem
 * "; IDENTIFIER: DETAIL (TYPE)". Never fails: text is cut to fit. */
void acme_problem_words(json_t *problem, char *text, size_t len);

/* ---- accounts (account.c) ---- */

struct acme_eab {
    const char *kid;          /* from the CA */
    const unsigned char *key; /* the decoded HMAC key */
    size_t key_len;
    const char *alg; /* "HS256" (NULL too), "HS384", "HS512" */
};

struct acme_account_request {
    const char *const *contacts; /* "mailto:..." URIs */
    size_t n_contacts;
    int agree_tos;              /* termsOfServiceAgreed */
    int create;                 /* 0: only look it up (onlyReturnExisting) */
    const struct acme_eab *eab; /* NULL: none */
};

struct acme_account {
    int found;   /* there is an account for the key (found or created) */
    int created; /* it was made now */
    char *url;
    char *status;    /* "valid", "deactivated", "revoked" */
    json_t *contact; /* as the CA holds it (may be NULL) */
};

/* Looks the key's account up with onlyReturnExisting; with req->create and
 * none there, registers one. The account URL becomes c's kid. */
int acme_account_get(struct acme_client *c, const struct acme_account_request *req,
                     struct acme_account *out);
void acme_account_free(struct acme_account *a);

/* The External Account Binding of RFC 8555 7.3.4 for c's key: a JWS over
 * the JWK, MACed with the EAB key (jws.c). A new reference, or NULL after
 * reporting. */
json_t *acme_eab_binding(struct acme_client *c, const struct acme_eab *eab);

/* revokeCert (RFC 8555 7.6) with the account key: der is the certificate,
 * reason a CRL reason code (-1: none sent). */
int acme_revoke(struct acme_client *c, const unsigned char *der, size_t der_len, int reason);

/* ---- orders, authorizations, challenges (order.c) ---- */

struct acme_challenge {
    char *type, *url, *token, *status;
    json_t *error; /* a problem document, or NULL */
};

struct acme_authz {
    char *url;
    char *identifier; /* the DNS name */
    int wildcard;
    char *status; /* "pending", "valid", "invalid", ... */
    struct acme_challenge *challenges;
    size_t n_challenges;
};

struct acme_order {
    char *url;
    char *status; /* "pending", "ready", "processing", "valid", "invalid" */
    char **authorizations;
    size_t n_authorizations;
    char *finalize, *certificate;
    json_t *error;
};

/* newOrder for the DNS names. */
int acme_order_new(struct acme_client *c, const char *const *names, size_t n,
                   struct acme_order *order);

/* The authorization at url (POST-as-GET). */
int acme_authz_get(struct acme_client *c, const char *url, struct acme_authz *authz);

/* The challenge of type in authz, or NULL. */
const struct acme_challenge *acme_authz_challenge(const struct acme_authz *authz, const char *type);

/* Tells the CA the challenge at url is ready (POST {}). */
int acme_challenge_respond(struct acme_client *c, const char *url);

/* Polls the authorization until it is no longer pending: 0 when valid,
 * -1 after reporting why not (the challenge's error in words). */
int acme_authz_wait(struct acme_client *c, struct acme_authz *authz);

/* Sends the CSR (DER) to the order's finalize URL and polls the order until
 * it is valid (order->certificate set) or reports why not. */
int acme_order_finalize(struct acme_client *c, struct acme_order *order, const unsigned char *csr,
                        size_t csr_len);

/* Downloads the certificate chain at url as application/pem-certificate-
 * chain; reply->alternates lists the other chains the CA offers. */
int acme_certificate_get(struct acme_client *c, const char *url, struct acme_reply *reply);

void acme_order_free(struct acme_order *order);
void acme_authz_free(struct acme_authz *authz);

/* token "." thumbprint (RFC 8555 8.1); malloc'd, NULL out of memory. */
char *acme_key_authorization(const struct acme_client *c, const char *token);

/* The dns-01 TXT value: base64url(SHA-256(key authorization)) (8.4). */
int acme_dns01_value(const char *key_authorization, char out[SIGNER_THUMBPRINT_SIZE]);

#endif
