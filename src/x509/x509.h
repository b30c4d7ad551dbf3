/* Building, describing and writing requests and certificates with
 * OpenSSL 3. Signing happens in the signer layer; text parsing in x509/parse.h. */
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

/* "RSA 2048", "EC P-256", "Ed25519" into buf. */
const char *x509_pubkey_describe(const EVP_PKEY *pkey, char *buf, size_t len);

/* A label for a CA certificate: its subject's CN, else its whole subject;
 * malloc'd. */
char *x509_certificate_label(X509 *cert);

/* CKA_EC_PARAMS for a curve: the DER of its OID. Returns the length, or
 * -1 when out is too small. */
int x509_curve_params(int nid, unsigned char *out, size_t out_len);

/* The curve a CKA_EC_PARAMS value names: an OID, or the PrintableString
 * "edwards25519" some tokens use. NID_undef when it cannot be decoded. */
int x509_curve_nid(const unsigned char *params, size_t len);

/* "P-256", "P-384", "P-521", "Ed25519" or the OID's short name, for a
 * CKA_EC_PARAMS value; NULL when it cannot be decoded. */
const char *x509_curve_name(const unsigned char *params, size_t len);

/* The encoded structure (PEM, or DER when der) in a memory BIO. */
BIO *x509_request_encode(X509_REQ *req, int der);
BIO *x509_certificate_encode(X509 *cert, int der);

/* certs[from..to) one after the other (PEM blocks, or DER back to back). */
BIO *x509_certs_encode(STACK_OF(X509) *certs, int from, int to, int der);

/* RFC 4514 text of a name; malloc'd. */
char *x509_name_text(const X509_NAME *name);

/* ["DNS:a.example", "IP:192.0.2.1", ...] */
json_t *x509_sans_json(const GENERAL_NAMES *sans);

/* subject, issuer, serial, not_before, not_after (RFC 3339),
 * sha256_fingerprint, as CLI.md's JSON says. */
json_t *x509_certificate_json(X509 *cert);

#endif
