/* What `p11cert convert` does with a private key found in a PKCS#12 file,
 * and only when asked: put it on a token (--import-key) or write it out
 * (--key-out). Without either the key is never written. Decoding the file
 * is x509-decode.c's job; the certificates are cmd-convert.c's. */
#ifndef P11CERT_CONVERT_KEY_H
#define P11CERT_CONVERT_KEY_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "commands/cli.h"

/* Stores key on the token token_uri names as a non-extractable,
 * sensitive private key labelled label, with certs (leaf first, the one
 * that matches key among them) beside it. Reports its own errors; returns
 * 0 or -1. */
int convert_key_import(struct cli *cli, const char *token_uri, const char *label, EVP_PKEY *key,
                       STACK_OF(X509) *certs);

/* Writes key as unencrypted PKCS#8 PEM to path with mode 0600 (replacing
 * a file only when force), with a warning that it now lives in a file.
 * Reports its own errors; returns 0 or -1. */
int convert_key_write(const char *path, int force, EVP_PKEY *key);

#endif
