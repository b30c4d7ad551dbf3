/* base64url without padding (RFC 4648 section 5), the encoding of every
 * binary value in JWS and JWK (RFC 7515, RFC 7517) and of an EAB key. */
#ifndef P11CERT_UTIL_BASE64URL_H
#define P11CERT_UTIL_BASE64URL_H

#include <stddef.h>

/* The encoding of len bytes, NUL-terminated; malloc'd, NULL out of memory. */
char *base64url_encode(const void *data, size_t len);

/* Decodes len characters of text (no padding; '=' padding, '+' and '/'
 * are refused, as are characters outside the alphabet and a length that no
 * encoding has). *out is OPENSSL_malloc'd (it may be a key: free it with
 * OPENSSL_clear_free). Returns 0, or -1 with a reason in why that quotes
 * nothing of text. */
int base64url_decode(const char *text, size_t len, unsigned char **out, size_t *out_len, char *why,
                     size_t why_len);

#endif
