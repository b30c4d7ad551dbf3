/* A TLS client for check --server: one real handshake over TCP with a
 * running server, at one protocol version, with SNI. It verifies nothing
 * itself: it brings back what the server presented, so that each check
 * (key, chain, names, dates) is made and reported on its own. */
#ifndef P11CERT_X509_TLS_CLIENT_H
#define P11CERT_X509_TLS_CLIENT_H

#include <stddef.h>

#include <openssl/x509.h>

/* Seconds for the TCP connection, and for each read or write after it. */
#define TLS_CLIENT_TIMEOUT 10

/* What one handshake brought back. */
struct tls_peer {
    X509 *leaf;           /* the certificate the server presented */
    STACK_OF(X509) *sent; /* every certificate it sent after the leaf, in its order */
    char version[16];     /* "TLSv1.3" */
    char cipher[64];
};

/* Connects to host:port (a name or an address; an IPv6 address without
 * brackets) and makes a handshake at version (TLS1_2_VERSION or
 * TLS1_3_VERSION), sending servername (NULL: none) as SNI. Returns 0 with
 * peer filled (free it with tls_peer_free), or -1 with the reason in why. */
int tls_client_handshake(const char *host, const char *port, const char *servername, int version,
                         struct tls_peer *peer, char *why, size_t why_len);

void tls_peer_free(struct tls_peer *peer);

#endif
