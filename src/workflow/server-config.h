/* server-config: what nginx, Apache or stunnel needs to serve TLS with a
 * token key through the libp11 engine — the OpenSSL configuration (the
 * module, and the PIN as the engine's PIN setting in a 0600 file: never in
 * a key URI, which servers log), the server's own configuration file, the
 * certificate with its chain — and the steps left to the operator. */
#ifndef P11CERT_WORKFLOW_SERVER_CONFIG_H
#define P11CERT_WORKFLOW_SERVER_CONFIG_H

#include <limits.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "token/profile.h"
#include "token/token.h"
#include "util/hostport.h"
#include "x509/decode.h"

#define SERVER_MAX_DOMAINS 100

enum server_kind {
    SERVER_NGINX,
    SERVER_APACHE,
    SERVER_STUNNEL,
};

struct server_config_request {
    const char *server;  /* "nginx", "apache", "stunnel" ("haproxy" is refused) */
    const char *cert;    /* the certificate file */
    const char *chain;   /* NULL, or its CA certificates (chain.crt) */
    const char *listen;  /* ADDR:PORT or PORT; NULL: 443 */
    const char *connect; /* stunnel: the plain service behind it; NULL: 127.0.0.1:8080 */
    const char *domains[SERVER_MAX_DOMAINS];
    size_t n_domains;
    const char *out_dir; /* NULL: "." */
    const char *user;    /* the worker user; NULL: www-data */
    int force;           /* replace existing files */
};

/* Everything the templates write from, made by server_config_prepare. */
struct server_setup {
    enum server_kind kind;
    const char *name; /* "nginx" */
    char dir[PATH_MAX];
    char openssl_cnf[PATH_MAX + 16], conf[PATH_MAX + 16], fullchain[PATH_MAX + 16];
    struct hostport listen; /* host "" for every address */
    struct hostport connect;
    const char *user;
    char group[64]; /* the user's primary group */
    const char *const *domains;
    size_t n_domains;
    struct x509_bundle cert, chain;
    STACK_OF(X509) *served;       /* the leaf and its intermediates, as the server sends them */
    char *key_uri;                /* the key's own URI (no PIN in it); set by server_config_write */
    char *module;                 /* the module's path */
    char engine[PATH_MAX];        /* libp11's engine */
    struct token_profile profile; /* the token's: what its module needs in the workers */
    int force;
};

/* Everything that needs no token, before it is opened: the server (haproxy
 * refused with the alternative), the addresses, the user, the inputs and
 * every output file checked. Returns the exit status; free setup with
 * server_setup_free in every case. */
int server_config_prepare(const struct server_config_request *req, struct server_setup *setup);

/* On ctx (opened as config says, logged in, the PIN kept): the key key_uri names is the
 * certificate's and signs, then every file is written. *result gets what
 * to print: {"server", "files", "key", "env": [{"name", "value"}], "user",
 * "access": [...], "start"}. Returns the exit status. */
int server_config_write(const struct token_config *config, struct token_ctx *ctx,
                        P11KitUri *key_uri, struct server_setup *setup, json_t **result);

void server_setup_free(struct server_setup *setup);

/* ---- the templates (server-*.c) ------------------------------------------ */

/* An OpenSSL configuration value in double quotes, for the PIN: '"' and
 * '\' escaped, so that '#', '$' and spaces stay what they are. Returns 0,
 * or -1 when value holds a control character (no configuration line can
 * carry it) or out is too small. */
int server_cnf_quote(const char *value, char *out, size_t out_len);

/* DIR/openssl.cnf: the engine, the module and the PIN. */
int server_render_openssl(FILE *out, const struct server_setup *s, const char *pin);
void server_render_nginx(FILE *out, const struct server_setup *s);
void server_render_apache(FILE *out, const struct server_setup *s);
void server_render_stunnel(FILE *out, const struct server_setup *s);

/* ADDR:PORT as the server's configuration writes it ("[::1]:443",
 * "127.0.0.1:443", or the port alone for every address). */
const char *server_listen_text(const struct hostport *hp, char *buf, size_t len);

/* The steps that make the token reachable by the worker user: the general
 * rule, and with the SoftHSM profile the token directory to open to it.
 * Appends text lines to access. */
void server_access_steps(const struct server_setup *s, json_t *access);

#endif
