/* A real TLS handshake in memory (a BIO pair, no sockets): the server side
 * presents the certificate and chain and signs with the token key, the
 * client side verifies the chain against the root and the host name. */
#ifndef P11CERT_TLS_CHECK_H
#define P11CERT_TLS_CHECK_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* version: TLS1_2_VERSION or TLS1_3_VERSION. host may be NULL. Returns 0
 * when the handshake completed and the client verified the server; else -1
 * with the reason in detail. Either way detail says what was negotiated. */
int tls_check_handshake(X509 *leaf, STACK_OF(X509) *intermediates, X509 *root, EVP_PKEY *server_key,
                        int version, const char *host, char *detail, size_t detail_len);

#endif
