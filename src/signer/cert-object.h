/* Certificates as the token stores them: the DER pieces of a CKO_CERTIFICATE. */
#ifndef P11CERT_X509_STORE_H
#define P11CERT_X509_STORE_H

#include <openssl/x509.h>

#include "token/token.h"

/* The pieces of a certificate object for cert (value, subject, issuer,
 * serial), malloc'd into *buffer (free it with OPENSSL_free) and pointed
 * to from out. The id and label are the caller's. */
int x509_certificate_object(X509 *cert, struct token_certificate *out, unsigned char **buffer);

/* A label for a CA certificate: its subject's CN, else its whole subject. */
char *x509_certificate_label(X509 *cert);

#endif
