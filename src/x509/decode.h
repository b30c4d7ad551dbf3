/* Whatever a CA sends back, decoded by content (not by file name): PEM
 * (text before the blocks, CRLF, a UTF-8 BOM), a DER certificate, PKCS#7 in
 * PEM or DER, PKCS#12 (legacy RC2-40/3DES files too, through OpenSSL's
 * legacy provider, loaded only for those). OpenSSL does all decoding. */
#ifndef P11CERT_X509_DECODE_H
#define P11CERT_X509_DECODE_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util/secret.h"

/* What one input held. */
struct x509_bundle {
    STACK_OF(X509) *certs; /* in the order the input holds them */
    EVP_PKEY *key;         /* a PKCS#12 private key, or NULL; never written unless asked */
    const char *format;    /* "PEM", "DER", "PKCS#7", "PKCS#12", "PKCS#12 (legacy)" */
};

/* Decodes data (name says where it came from, for messages). A PKCS#12
 * password comes from password (kind NONE: try the empty password, then
 * report that one is needed). Returns 0, or -1 after reporting one line. */
int x509_decode(const unsigned char *data, size_t len, const char *name,
                const struct secret_source *password, struct x509_bundle *out);

/* Reads path (a regular file of at most 16 MiB) and decodes it. */
int x509_decode_file(const char *path, const struct secret_source *password,
                     struct x509_bundle *out);

void x509_bundle_free(struct x509_bundle *bundle);

#endif
