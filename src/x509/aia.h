/* Authority Information Access: where a certificate says its issuer's
 * certificate can be fetched (caIssuers), and whether a certificate that
 * came from there really issued it. Fetching is not done here. */
#ifndef P11CERT_X509_AIA_H
#define P11CERT_X509_AIA_H

#include <stddef.h>

#include <openssl/x509.h>

/* Longest caIssuers URL taken, in bytes. */
#define X509_AIA_URL_MAX 2048

/* The first caIssuers URL of cert that is http:// or https://, copied into
 * url (len bytes at least X509_AIA_URL_MAX + 1 to take any). Returns 1, or 0
 * when there is none: no AIA extension, one that does not decode, only OCSP
 * entries, other schemes (ldap:), a URL too long or with bytes that are not
 * printable ASCII. Cannot fail. */
int x509_ca_issuers_url(X509 *cert, char *url, size_t len);

/* Whether issuer issued cert: the names and key identifiers match, the
 * key usage allows signing certificates (X509_check_issued) and cert's
 * signature verifies with issuer's key. When it did not and mismatch is
 * not NULL, *mismatch says what did not match, in words ("the signature
 * does not verify with its key"). A predicate: never fails. */
int x509_issued_by(X509 *cert, X509 *issuer, const char **mismatch);

/* The first of candidates that issued cert, or NULL (borrowed), with
 * *mismatch (when not NULL) saying why the first candidate did not. */
X509 *x509_find_issuer(STACK_OF(X509) *candidates, X509 *cert, const char **mismatch);

#endif
