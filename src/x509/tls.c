/* TLS handshakes in memory, both ends in this process, for check --tls. */
#include "x509/tls.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "util/msg.h"

/* Enough round trips for any TLS 1.2 or 1.3 handshake. */
#define MAX_ROUNDS 64
/* Room in each direction for a flight with a long chain in it. */
#define BIO_PAIR_SIZE (64 * 1024)

static SSL_CTX *server_ctx(X509 *leaf, STACK_OF(X509) *intermediates, EVP_PKEY *key, int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, version) ||
        !SSL_CTX_set_max_proto_version(ctx, version) || !SSL_CTX_use_certificate(ctx, leaf) ||
        !SSL_CTX_use_PrivateKey(ctx, key) || !SSL_CTX_check_private_key(ctx))
        goto fail;
    for (int i = 0; i < sk_X509_num(intermediates); i++) {
        if (!SSL_CTX_add1_chain_cert(ctx, sk_X509_value(intermediates, i)))
            goto fail;
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

static SSL_CTX *client_ctx(X509 *root, int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, version) ||
        !SSL_CTX_set_max_proto_version(ctx, version) ||
        !X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), root)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

/* The other end has to move before this one can. */
static int wants_io(SSL *ssl, int rc)
{
    int err = SSL_get_error(ssl, rc);

    return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
}

/* Drives both ends until both finish or one fails. */
static int handshake(SSL *client, SSL *server)
{
    int client_done = 0, server_done = 0;

    for (int round = 0; round < MAX_ROUNDS && !(client_done && server_done); round++) {
        if (!client_done) {
            int rc = SSL_do_handshake(client);

            if (rc == 1)
                client_done = 1;
            else if (!wants_io(client, rc))
                return -1;
        }
        if (!server_done) {
            int rc = SSL_do_handshake(server);

            if (rc == 1)
                server_done = 1;
            else if (!wants_io(server, rc))
                return -1;
        }
    }
    return client_done && server_done ? 0 : -1;
}

int tls_check_handshake(X509 *leaf, STACK_OF(X509) *intermediates, X509 *root, EVP_PKEY *server_key,
                        int version, const char *host, char *detail, size_t detail_len)
{
    SSL_CTX *sctx = server_ctx(leaf, intermediates, server_key, version);
    SSL_CTX *cctx = client_ctx(root, version);
    SSL *server = NULL, *client = NULL;
    BIO *server_bio = NULL, *client_bio = NULL;
    long verify;
    int ret = -1;

    if (!sctx || !cctx) {
        snprintf(detail, detail_len, "cannot set up TLS: %s", msg_openssl_reason());
        goto cleanup;
    }
    server = SSL_new(sctx);
    client = SSL_new(cctx);
    if (!server || !client ||
        !BIO_new_bio_pair(&server_bio, BIO_PAIR_SIZE, &client_bio, BIO_PAIR_SIZE)) {
        snprintf(detail, detail_len, "cannot set up TLS: %s", msg_openssl_reason());
        goto cleanup;
    }
    SSL_set_bio(server, server_bio, server_bio); /* the SSLs own the BIOs now */
    SSL_set_bio(client, client_bio, client_bio);
    if (host && (!SSL_set_tlsext_host_name(client, host) || !SSL_set1_host(client, host))) {
        snprintf(detail, detail_len, "cannot set up TLS: %s", msg_openssl_reason());
        goto cleanup;
    }
    SSL_set_accept_state(server);
    SSL_set_connect_state(client);
    if (handshake(client, server) < 0) {
        verify = SSL_get_verify_result(client);
        snprintf(detail, detail_len, "handshake failed: %s",
                 verify != X509_V_OK ? X509_verify_cert_error_string(verify)
                                     : msg_openssl_reason());
        goto cleanup;
    }
    snprintf(detail, detail_len, "%s, %s, the client verified the chain%s%s",
             SSL_get_version(client), SSL_get_cipher_name(client), host ? " and " : "",
             host ? host : "");
    ret = 0;
cleanup:
    ERR_clear_error();
    SSL_free(server);
    SSL_free(client);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return ret;
}
