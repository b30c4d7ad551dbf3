/* Text the operator types, turned into OpenSSL X.509 values: distinguished
 * names (OpenSSL slash form or RFC 4514) and subjectAltName entries.
 * No token involved; unit-tested in tests/unit/. */
#ifndef P11CERT_X509_PARSE_H
#define P11CERT_X509_PARSE_H

#include <stddef.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Parses a DN in either form:
 *   /C=US/ST=California/L=Mountain View/O=Org/OU=IT/CN=api.example.com
 *     (a trailing "/" allowed, "\/" escapes a slash, "\\" a backslash,
 *      "+" joins a multi-valued RDN, "\+" a literal plus)
 *   CN=api.example.com,O=Org,C=US
 *     (RFC 4514: most specific first, "\," "\+" "\\" "\"" "\XX" escapes)
 * Attribute names are OpenSSL short or long names or dotted OIDs; values
 * are UTF-8, non-empty, within the X.520 size limits OpenSSL knows (C is
 * two letters, CN at most 64 characters).
 * Returns a new X509_NAME, or NULL with a one-line reason in why. */
X509_NAME *x509_name_parse(const char *text, char *why, size_t why_len);

/* The value of the last CN of name, or NULL. Points into name. */
const char *x509_name_common_name(const X509_NAME *name);

/* Parses one SAN: "DNS:name" (wildcard only as the whole leftmost label),
 * "IP:address" (IPv4 or IPv6), "email:local@domain", "URI:scheme:rest".
 * The type prefix is case-insensitive. Returns a new GENERAL_NAME, or NULL
 * with a reason in why. */
GENERAL_NAME *x509_san_parse(const char *text, char *why, size_t why_len);

/* Parses each of texts[0..n) with x509_san_parse into one list; a duplicate
 * is an error. Returns NULL with a reason naming the bad entry. */
GENERAL_NAMES *x509_san_list_parse(const char *const *texts, size_t n, char *why, size_t why_len);

#endif
