/* Big certificate pools for chain: the certificates of plain PEM files are
 * kept as DER and decoded only when a path can pass through them.
 *
 * OpenSSL 3.0 spends nearly all of d2i_X509 decoding the public key (a new
 * decoder context for every certificate): reading a 10,000-certificate pool
 * to use four of them costs more than building the path. Which certificates
 * a path can use is known from names alone: OpenSSL only tries an issuer
 * whose subject equals the certificate's issuer name (X509_check_issued), so
 * only certificates whose subject is an issuer name on the way up from the
 * leaf are decoded. The path itself is still OpenSSL's (x509/chain.c). */
#ifndef P11CERT_X509_POOL_H
#define P11CERT_X509_POOL_H

#include <openssl/x509.h>

struct x509_pool;

struct x509_pool *x509_pool_new(void);
void x509_pool_free(struct x509_pool *pool);

/* Takes the certificates of path when it is a PEM file of CERTIFICATE
 * blocks only (*taken = 1); anything else is left alone (*taken = 0,
 * nothing reported: decode the file the usual way, which words any error).
 * Returns 0, or -1 out of memory (reported). */
int x509_pool_add_pem_file(struct x509_pool *pool, const char *path, int *taken);

/* Decodes the pooled certificates that can be issuers on a path up from
 * certs (their subject is the issuer name of a certificate in certs, or of
 * one decoded so) and appends them to certs. Returns 0, or -1 (reported). */
int x509_pool_take_issuers(struct x509_pool *pool, STACK_OF(X509) *certs);

#endif
