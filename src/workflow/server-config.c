/* server-config's first half: everything that needs no token — which
 * server, its addresses and worker user, the certificate and the chain it
 * will send, and every output file checked before anything is done. */
#include "workflow/server-config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "util/hostname.h"
#include "util/msg.h"
#include "util/outfile.h"
#include "x509/chain.h"
#include "x509/names.h"

static const char *const server_names[] = {"nginx", "apache", "stunnel"};

static int server_kind(const char *name, enum server_kind *kind)
{
    for (size_t i = 0; i < sizeof(server_names) / sizeof(server_names[0]); i++) {
        if (strcmp(name, server_names[i]) == 0) {
            *kind = (enum server_kind)i;
            return EXIT_OK;
        }
    }
    if (strcmp(name, "haproxy") == 0) {
        errorf("haproxy cannot serve a token key: Debian's haproxy 2.6 is built without OpenSSL "
               "engine support, so it loads private keys from files only");
        hintf("put stunnel in front of it: p11cert server-config stunnel --connect "
              "127.0.0.1:PORT ..., with haproxy listening without TLS on 127.0.0.1:PORT");
        return EXIT_FAIL;
    }
    errorf("unknown server \"%s\": nginx, apache or stunnel", name);
    return EXIT_USAGE;
}

static int addresses(const struct server_config_request *req, struct server_setup *s)
{
    char why[300];

    if (req->connect && s->kind != SERVER_STUNNEL) {
        errorf("--connect is stunnel's: %s serves the requests itself", s->name);
        return EXIT_USAGE;
    }
    if (hostport_parse(req->listen ? req->listen : "443", HOSTPORT_PORT_ALONE, &s->listen, why,
                       sizeof(why)) < 0) {
        errorf("bad --listen: %s", why);
        return EXIT_USAGE;
    }
    if (hostport_parse(req->connect ? req->connect : "127.0.0.1:8080", 0, &s->connect, why,
                       sizeof(why)) < 0) {
        errorf("bad --connect: %s", why);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < req->n_domains; i++) {
        if (hostname_check(req->domains[i], HOSTNAME_ALLOW_WILDCARD, why, sizeof(why)) < 0) {
            errorf("bad --domain \"%s\": %s", req->domains[i], why);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

/* The worker user must exist here: the server's configuration names it. */
static int worker_user(const char *user, struct server_setup *s)
{
    struct passwd *pw = getpwnam(user);
    struct group *gr = pw ? getgrgid(pw->pw_gid) : NULL;

    if (!pw || !gr) {
        errorf("no user \"%s\" on this machine: the server's workers run as --user", user);
        return EXIT_FAIL;
    }
    s->user = user;
    snprintf(s->group, sizeof(s->group), "%s", gr->gr_name);
    return EXIT_OK;
}

/* DIR/openssl.cnf, DIR/SERVER.conf and DIR/fullchain.pem, absolute, and
 * each one writable (not there, unless force). */
static int output_paths(const struct server_config_request *req, struct server_setup *s)
{
    const char *dir = req->out_dir ? req->out_dir : ".";

    if (!realpath(dir, s->dir)) {
        errorf("cannot use --out-dir \"%s\": %s", dir, strerror(errno));
        return EXIT_FAIL;
    }
    /* The three configuration formats quote differently: a directory
     * they can all carry unquoted. */
    if (s->dir[strspn(s->dir, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                              "/._+@,~-")]) {
        errorf("cannot use --out-dir \"%s\": its path holds a character (a space, a quote, ';', "
               "'#', '$' ...) that the server's configuration would have to quote",
               s->dir);
        return EXIT_FAIL;
    }
    snprintf(s->openssl_cnf, sizeof(s->openssl_cnf), "%s/openssl.cnf", s->dir);
    snprintf(s->conf, sizeof(s->conf), "%s/%s.conf", s->dir, s->name);
    snprintf(s->fullchain, sizeof(s->fullchain), "%s/fullchain.pem", s->dir);
    if (outfile_check(s->openssl_cnf, req->force) < 0 || outfile_check(s->conf, req->force) < 0 ||
        outfile_check(s->fullchain, req->force) < 0)
        return EXIT_FAIL;
    return EXIT_OK;
}

/* What the server sends: the leaf, then its path through the chain file's
 * certificates (path order, not file order), without the root. */
static int served_chain(const struct server_config_request *req, struct server_setup *s)
{
    X509 *leaf = sk_X509_value(s->cert.certs, 0);
    STACK_OF(X509) *all = sk_X509_new_null(), *ordered = NULL;
    int chained = 0, dropped = 0, ret = EXIT_FAIL;

    s->served = sk_X509_new_null();
    if (!all || !s->served || !sk_X509_push(all, leaf))
        goto cleanup;
    for (int i = 0; i < sk_X509_num(s->chain.certs); i++) {
        if (!sk_X509_push(all, sk_X509_value(s->chain.certs, i)))
            goto cleanup;
    }
    if (x509_certs_dedup(all, &dropped) < 0 || !(ordered = x509_certs_order(all, &chained)))
        goto cleanup;
    for (int i = 0; i < chained; i++) {
        X509 *cert = sk_X509_value(ordered, i);

        if (i > 0 && X509_check_issued(cert, cert) == X509_V_OK)
            break; /* the root: clients have it, a server does not send it */
        if (!sk_X509_push(s->served, cert))
            goto cleanup;
        X509_up_ref(cert);
    }
    if (req->chain && sk_X509_num(s->served) == 1 && sk_X509_num(all) > 1 &&
        X509_check_issued(leaf, leaf) != X509_V_OK) {
        errorf("\"%s\" does not hold the issuer of \"%s\"", req->chain, req->cert);
        hintf("p11cert chain builds chain.crt from whatever the CA sent");
        goto cleanup;
    }
    if (!req->chain && X509_check_issued(leaf, leaf) != X509_V_OK)
        warnf("no --chain: the server will send the certificate alone, and clients that lack "
              "its intermediates will refuse it");
    ret = EXIT_OK;
cleanup:
    sk_X509_free(ordered);
    sk_X509_free(all);
    return ret;
}

static int read_inputs(const struct server_config_request *req, struct server_setup *s)
{
    struct secret_source no_password = {0};
    X509 *leaf;
    char *uncovered;
    int ret;

    if (x509_decode_file(req->cert, &no_password, &s->cert) < 0 ||
        (req->chain && x509_decode_file(req->chain, &no_password, &s->chain) < 0))
        return EXIT_FAIL;
    leaf = sk_X509_value(s->cert.certs, 0);
    if (!(uncovered = x509_uncovered_names(leaf, req->domains, req->n_domains)))
        return EXIT_FAIL;
    ret = *uncovered ? EXIT_FAIL : EXIT_OK;
    if (*uncovered)
        errorf("\"%s\" does not cover %s", req->cert, uncovered);
    free(uncovered);
    return ret == EXIT_OK ? served_chain(req, s) : ret;
}

int server_config_prepare(const struct server_config_request *req, struct server_setup *s)
{
    int ret;

    memset(s, 0, sizeof(*s));
    if ((ret = server_kind(req->server, &s->kind)) != EXIT_OK)
        return ret;
    s->name = server_names[s->kind];
    s->domains = req->domains;
    s->n_domains = req->n_domains;
    s->force = req->force;
    if ((ret = addresses(req, s)) != EXIT_OK ||
        (ret = worker_user(req->user ? req->user : "www-data", s)) != EXIT_OK ||
        (ret = output_paths(req, s)) != EXIT_OK || (ret = read_inputs(req, s)) != EXIT_OK)
        return ret;
    return EXIT_OK;
}

void server_setup_free(struct server_setup *s)
{
    x509_bundle_free(&s->cert);
    x509_bundle_free(&s->chain);
    sk_X509_pop_free(s->served, X509_free);
    free(s->key_uri);
    free(s->module);
    memset(s, 0, sizeof(*s));
}
