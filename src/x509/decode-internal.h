/* What the decoder's files share: decode.c sniffs and decodes PEM, DER and
 * PKCS#7; pkcs12.c decodes PKCS#12, with pkcs12-params.c (the limits on
 * its key derivations) and pkcs12-bags.c (its parts and bags). Nothing
 * outside x509/decode*.c and x509/pkcs12*.c includes this. */
#ifndef P11CERT_X509_DECODE_INTERNAL_H
#define P11CERT_X509_DECODE_INTERNAL_H

#include <stdint.h>

#include <openssl/pkcs12.h>

#include "x509/decode.h"

/* Appends cert to out->certs (created on first use). Returns 0 or -1. */
int x509_bundle_push(struct x509_bundle *out, X509 *cert);

/* ---- PKCS#12 (x509/pkcs12*.c) ---- */

/* The most iterations one key derivation of a PKCS#12 file may ask for
 * (OpenSSL writes 2048, Windows 2000, Java 10000), and the most all of a
 * file's derivations may add up to. */
#define X509_P12_ITER_MAX       1000000
#define X509_P12_ITER_TOTAL_MAX 10000000LL
/* How deep SafeContents bags may nest, and how many keys a file may hold. */
#define X509_P12_DEPTH_MAX 4
#define X509_P12_KEYS_MAX  8

/* Checks what p12 asks before any key derivation: its MAC's digest is one
 * OpenSSL has and its iteration count is from 1 to X509_P12_ITER_MAX; every
 * derivation that can be seen without the password (each encrypted part,
 * each shrouded key in a plain part) is within the limits. Returns 0, or
 * -1 after reporting one line that names the file (name). */
int x509_p12_check_params(PKCS12 *p12, const char *name);

/* Checks the derivation alg asks for (what names the part in the message)
 * against the limits, and adds its cost to *spent. 0, or -1 reported. */
int x509_p12_charge_pbe(const X509_ALGOR *alg, const char *name, const char *what, int64_t *spent);

/* Everything a PKCS#12 file holds, in file order. */
struct x509_p12_contents {
    struct x509_bundle bundle; /* the certificates (bundle.key unused) */
    EVP_PKEY *keys[X509_P12_KEYS_MAX];
    size_t n_keys;
    int decrypted; /* something in it was decrypted with the password */
};

/* Walks every part and bag of p12, decrypting with pass (NULL: the empty
 * password in its other encoding) what is encrypted, each derivation
 * checked against the limits before it runs. Returns 0 with out filled, or
 * -1 with nothing in out: *reported when this said why, else OpenSSL's
 * error queue holds it (a wrong password, an algorithm it lacks). */
int x509_p12_walk(PKCS12 *p12, const char *pass, const char *name, struct x509_p12_contents *out,
                  int *reported);

void x509_p12_contents_free(struct x509_p12_contents *c);

/* The certificates and key of p12, its password read from password (kind
 * NONE: the empty password, or the error that one is needed). Returns 0,
 * or -1 after reporting one line that names the file. */
int x509_decode_pkcs12(PKCS12 *p12, const char *name, const struct secret_source *password,
                       struct x509_bundle *out);

#endif
