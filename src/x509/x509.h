/* Building, describing and writing requests and certificates with
 * OpenSSL 3. Signing happens in signer.c; text parsing in x509-parse.c. */
#ifndef P11CERT_X509_H
#define P11CERT_X509_H

#include <stdio.h>

#include <jansson.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* A PKCS#10 request for subject and pubkey, with a subjectAltName
 * extension when sans is not empty. Unsigned. */
X509_REQ *x509_request_new(const X509_NAME *subject, const GENERAL_NAMES *sans, EVP_PKEY *pubkey);

/* The same with the public key already encoded (from x509_spki_new): for
 * many requests with one key, the key is encoded once (csr --batch). */
X509_REQ *x509_request_new_spki(const X509_NAME *subject, const GENERAL_NAMES *sans,
                                EVP_PKEY *pubkey, X509_PUBKEY *spki);
X509_PUBKEY *x509_spki_new(EVP_PKEY *pubkey);

/* A v3 certificate issued by subject to itself for internal TLS use:
 * a random 128-bit serial, valid from now for days, CA:FALSE,
 * digitalSignature, serverAuth, subjectKeyIdentifier and the SANs.
 * Unsigned. */
X509 *x509_selfsigned_new(const X509_NAME *subject, const GENERAL_NAMES *sans, EVP_PKEY *pubkey,
                          unsigned long days);

/* When sans is empty and the subject's CN is a host name, a list holding
 * DNS:CN (the CA/Browser rules ignore the CN). *added tells whether. */
int x509_sans_default(const X509_NAME *subject, GENERAL_NAMES **sans, int *added);

/* The encoded structure (PEM, or DER when der) in a memory BIO. */
BIO *x509_request_encode(X509_REQ *req, int der);
BIO *x509_certificate_encode(X509 *cert, int der);

/* RFC 4514 text of a name; malloc'd. */
char *x509_name_text(const X509_NAME *name);

/* ["DNS:a.example", "IP:192.0.2.1", ...] */
json_t *x509_sans_json(const GENERAL_NAMES *sans);

/* subject, issuer, serial, not_before, not_after (RFC 3339),
 * sha256_fingerprint, as CLI.md's JSON says. */
json_t *x509_certificate_json(X509 *cert);

#endif
