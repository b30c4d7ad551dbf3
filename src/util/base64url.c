/* base64url by hand: a table lookup each way, simpler than bending
 * OpenSSL's base64 (with its padding and line breaks) into this alphabet. */
#include "util/base64url.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *base64url_encode(const void *data, size_t len)
{
    const unsigned char *in = data;
    char *out = malloc(len / 3 * 4 + 5), *p = out;
    size_t i;

    if (!out)
        return NULL;
    for (i = 0; i + 3 <= len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

        *p++ = alphabet[v >> 18 & 63];
        *p++ = alphabet[v >> 12 & 63];
        *p++ = alphabet[v >> 6 & 63];
        *p++ = alphabet[v & 63];
    }
    if (len - i == 1) {
        *p++ = alphabet[in[i] >> 2];
        *p++ = alphabet[(in[i] & 3) << 4];
    } else if (len - i == 2) {
        *p++ = alphabet[in[i] >> 2];
        *p++ = alphabet[(in[i] & 3) << 4 | in[i + 1] >> 4];
        *p++ = alphabet[(in[i + 1] & 15) << 2];
    }
    *p = '\0';
    return out;
}

static int value_of(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

int base64url_decode(const char *text, size_t len, unsigned char **out, size_t *out_len, char *why,
                     size_t why_len)
{
    unsigned char *buf;
    unsigned acc = 0;
    size_t n = 0;
    int bits = 0;

    *out = NULL;
    *out_len = 0;
    if (len % 4 == 1) {
        snprintf(why, why_len, "its length (%zu characters) is not one of base64url", len);
        return -1;
    }
    if (!(buf = OPENSSL_malloc(len / 4 * 3 + 3))) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        int v = value_of(text[i]);

        if (v < 0) {
            snprintf(why, why_len,
                     "character %zu is not of the base64url alphabet (A-Z a-z 0-9 - _)", i + 1);
            OPENSSL_clear_free(buf, len / 4 * 3 + 3);
            return -1;
        }
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (unsigned char)(acc >> bits);
        }
    }
    acc = 0;
    *out = buf;
    *out_len = n;
    return 0;
}
