/* check --server: what a running TLS server presents, checked the way a
 * client sees it. The handshakes come from x509/tls-client.c; the checks
 * on the certificate are check.c's, so a bundle and a server are judged
 * alike. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "util/hostport.h"
#include "util/msg.h"
#include "workflow/check.h"
#include "x509/chain.h"
#include "x509/names.h"
#include "x509/tls-client.h"

/* SNI: --servername, else the first --domain, else HOST when it is a name
 * (an address is never sent as SNI). */
static const char *sni_name(const struct check_request *req, const struct hostport *hp)
{
    unsigned char addr[16];

    if (req->servername)
        return req->servername;
    if (req->n_domains)
        return req->domains[0];
    if (hp->ipv6 || inet_pton(AF_INET, hp->host, addr) == 1)
        return NULL;
    return hp->host;
}

/* One handshake a version; the certificates of the first that worked. */
static void check_handshakes(struct check_report *r, const struct hostport *hp, const char *sni,
                             struct tls_peer *peer)
{
    static const struct {
        int version;
        const char *name;
    } versions[] = {{TLS1_3_VERSION, "tls 1.3"}, {TLS1_2_VERSION, "tls 1.2"}};

    for (size_t i = 0; i < 2; i++) {
        struct tls_peer got;
        char why[512];

        if (tls_client_handshake(hp->host, hp->port, sni, versions[i].version, &got, why,
                                 sizeof(why)) < 0) {
            check_add(r, versions[i].name, 0, "%s", why);
            continue;
        }
        check_add(r, versions[i].name, 1, "%s, %s, %d certificate(s) after the leaf%s%s",
                  got.version, got.cipher, sk_X509_num(got.sent), sni ? ", SNI " : "",
                  sni ? sni : "");
        if (!peer->leaf)
            *peer = got;
        else
            tls_peer_free(&got);
    }
}

/* Whether cert is among certs (the same encoding). */
static int sent_by_server(STACK_OF(X509) *certs, X509 *cert)
{
    for (int i = 0; i < sk_X509_num(certs); i++) {
        if (X509_cmp(sk_X509_value(certs, i), cert) == 0)
            return 1;
    }
    return 0;
}

/* The chain the server sent validates, and it did not lean on an
 * intermediate the client happened to have: every certificate between
 * the leaf and the anchor came from the server. */
static void check_sent_chain(struct check_report *r, const struct tls_peer *peer, const char *trust)
{
    struct x509_path path;
    struct x509_chain_diag diag;
    int n;

    /* Nothing is fetched here: what matters is what the server sends. */
    if (x509_chain_build(peer->leaf, peer->sent, NULL, trust ? trust : "system", &path, &diag) <
        0) {
        check_add(r, "chain", 0, "what the server sent does not validate: %s", diag.why);
        return;
    }
    n = sk_X509_num(path.certs);
    for (int i = 1; i < n - 1; i++) {
        X509 *cert = sk_X509_value(path.certs, i);

        if (!sent_by_server(peer->sent, cert)) {
            char *label = x509_cert_label(cert);

            check_add(r, "chain", 0, "the server omits the intermediate %s",
                      label ? label : "(unnamed)");
            free(label);
            x509_path_free(&path);
            return;
        }
    }
    check_add(r, "chain", 1, "the server sends every intermediate; validates to %s",
              path.root_name);
    x509_path_free(&path);
}

int check_server_run(struct token_ctx *ctx, P11KitUri *key_uri, const struct check_request *req,
                     struct check_report *r)
{
    struct tls_peer peer = {0};
    struct hostport hp;
    struct token_key key;
    struct signer signer = {0};
    const char *sni;
    char why[300];
    int ret = EXIT_FAIL;

    if (hostport_parse(req->server, 0, &hp, why, sizeof(why)) < 0) {
        errorf("bad --server: %s", why);
        return EXIT_USAGE;
    }
    if (ctx &&
        (token_find_key(ctx, key_uri, &key) < 0 || signer_init(&signer, ctx, &key, NULL, 0) < 0))
        goto cleanup;
    sni = sni_name(req, &hp);
    check_handshakes(r, &hp, sni, &peer);
    if (!peer.leaf) {
        ret = EXIT_OK; /* the failed handshakes are the report */
        goto cleanup;
    }
    if (ctx)
        check_key_pair(r, &signer, peer.leaf);
    check_sent_chain(r, &peer, req->trust);
    if (sni)
        check_add(r, "sni", x509_covers_host(peer.leaf, sni),
                  "the certificate presented for SNI %s %s it", sni,
                  x509_covers_host(peer.leaf, sni) ? "covers" : "does not cover");
    for (size_t i = 0; i < req->n_domains; i++)
        check_name(r, peer.leaf, req->domains[i]);
    check_validity(r, peer.leaf);
    check_server_auth(r, peer.leaf);
    ret = EXIT_OK;
cleanup:
    tls_peer_free(&peer);
    signer_free(&signer);
    return ret;
}
