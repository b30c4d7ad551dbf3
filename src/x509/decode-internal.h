/* What the decoder's files share: decode.c sniffs and decodes PEM, DER and
 * PKCS#7; pkcs12.c decodes PKCS#12. Nothing outside x509/decode*.c and
 * pkcs12.c includes this. */
#ifndef P11CERT_X509_DECODE_INTERNAL_H
#define P11CERT_X509_DECODE_INTERNAL_H

#include <openssl/pkcs12.h>

#include "x509/decode.h"

/* Appends cert to out->certs (created on first use). Returns 0 or -1. */
int x509_bundle_push(struct x509_bundle *out, X509 *cert);

/* The certificates and key of p12, its password read from password (kind
 * NONE: the empty password, or the error that one is needed). Returns 0,
 * or -1 after reporting one line that names the file. */
int x509_decode_pkcs12(PKCS12 *p12, const char *name, const struct secret_source *password,
                       struct x509_bundle *out);

#endif
