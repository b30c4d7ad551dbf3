/* Host names a certificate covers. */
#ifndef P11CERT_X509_NAMES_H
#define P11CERT_X509_NAMES_H

#include <stddef.h>

#include <openssl/x509.h>

/* Whether cert's subjectAltName covers host as browsers match it: a
 * wildcard stands for exactly one leftmost label, the CN is not used, an
 * address matches iPAddress entries only. A predicate: never fails. */
int x509_covers_host(X509 *cert, const char *host);

/* The names of names[0..n) that cert does not cover, ", "-separated ("" when
 * it covers them all); malloc'd, NULL when out of memory. */
char *x509_uncovered_names(X509 *cert, const char *const *names, size_t n);

#endif
