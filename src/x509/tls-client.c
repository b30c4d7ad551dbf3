/* check --server's TLS client: OpenSSL's connect BIO, a bounded wait for
 * the TCP connection and for every read and write, no verification in the
 * handshake (the checks are made afterwards, each on its own). */
#include "x509/tls-client.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "util/msg.h"

/* A blocking socket that gives up after TLS_CLIENT_TIMEOUT seconds on a
 * silent server, instead of hanging the check. */
static int bound_io(BIO *conn)
{
    struct timeval tv = {TLS_CLIENT_TIMEOUT, 0};
    int fd = (int)BIO_get_fd(conn, NULL);

    return fd >= 0 && BIO_socket_nbio(fd, 0) &&
           setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
           setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0;
}

/* A non-blocking connect, waited for until the deadline; a refused
 * connection fails at once (BIO_do_connect_retry would try again). */
static int bounded_connect(BIO *conn)
{
    time_t deadline = time(NULL) + TLS_CLIENT_TIMEOUT;
    int rc;

    while ((rc = (int)BIO_do_connect(conn)) <= 0) {
        if (!BIO_should_retry(conn) || BIO_wait(conn, deadline, 100) <= 0)
            return -1;
    }
    return 0;
}

static BIO *connect_to(const char *host, const char *port, char *why, size_t why_len)
{
    BIO *conn = BIO_new(BIO_s_connect());

    if (!conn || !BIO_set_conn_hostname(conn, host) || !BIO_set_conn_port(conn, port) ||
        !BIO_set_nbio(conn, 1) || bounded_connect(conn) < 0) {
        snprintf(why, why_len, "cannot connect to %s port %s: %s", host, port,
                 msg_openssl_reason());
        BIO_free_all(conn);
        return NULL;
    }
    if (!bound_io(conn)) {
        snprintf(why, why_len, "cannot set up the connection to %s port %s", host, port);
        BIO_free_all(conn);
        return NULL;
    }
    return conn;
}

static SSL_CTX *client_ctx(int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, version) ||
        !SSL_CTX_set_max_proto_version(ctx, version)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    return ctx;
}

/* The server's certificates as it sent them: the leaf, and the rest. */
static int take_peer(SSL *ssl, struct tls_peer *peer)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl); /* the leaf first, on a client */

    if (!(peer->leaf = SSL_get1_peer_certificate(ssl)) || !(peer->sent = sk_X509_new_null()))
        return -1;
    for (int i = 1; i < sk_X509_num(chain); i++) {
        X509 *cert = sk_X509_value(chain, i);

        if (!sk_X509_push(peer->sent, cert))
            return -1;
        X509_up_ref(cert);
    }
    snprintf(peer->version, sizeof(peer->version), "%s", SSL_get_version(ssl));
    snprintf(peer->cipher, sizeof(peer->cipher), "%s", SSL_get_cipher_name(ssl));
    return 0;
}

int tls_client_handshake(const char *host, const char *port, const char *servername, int version,
                         struct tls_peer *peer, char *why, size_t why_len)
{
    SSL_CTX *ctx = client_ctx(version);
    SSL *ssl = NULL;
    BIO *conn = NULL;
    int ret = -1;

    memset(peer, 0, sizeof(*peer));
    if (!ctx || !(ssl = SSL_new(ctx)) ||
        (servername && !SSL_set_tlsext_host_name(ssl, servername))) {
        snprintf(why, why_len, "cannot set up TLS: %s", msg_openssl_reason());
        goto cleanup;
    }
    if (!(conn = connect_to(host, port, why, why_len)))
        goto cleanup;
    SSL_set_bio(ssl, conn, conn); /* ssl owns the connection now */
    if (SSL_connect(ssl) != 1) {
        snprintf(why, why_len, "handshake failed: %s", msg_openssl_reason());
        goto cleanup;
    }
    if (take_peer(ssl, peer) < 0) {
        snprintf(why, why_len, "the server presented no certificate");
        goto cleanup;
    }
    SSL_shutdown(ssl);
    ret = 0;
cleanup:
    if (ret != 0)
        tls_peer_free(peer);
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return ret;
}

void tls_peer_free(struct tls_peer *peer)
{
    X509_free(peer->leaf);
    sk_X509_pop_free(peer->sent, X509_free);
    memset(peer, 0, sizeof(*peer));
}
