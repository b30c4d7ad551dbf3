/* The subjectAltName parser: "DNS:", "IP:", "email:" and "URI:" entries
 * checked as browsers and CAs will read them, into GENERAL_NAMEs. */
#include "x509/parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/hostname.h"
#include "util/msg.h"

#define SAN_TYPES "(use DNS:, IP:, email: or URI:)"

/* "bad SAN "TEXT": reason", with TEXT cut short so the reason always fits. */
static void san_fail(char *why, size_t why_len, const char *text, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void san_fail(char *why, size_t why_len, const char *text, const char *fmt, ...)
{
    va_list ap;
    int used, shown = (int)strnlen(text, 80);

    used = snprintf(why, why_len, "bad SAN \"%.*s%s\": ", shown, text,
                    text[shown] != '\0' ? "..." : "");
    if (used < 0 || (size_t)used >= why_len)
        return;
    va_start(ap, fmt);
    vsnprintf(why + used, why_len - (size_t)used, fmt, ap);
    va_end(ap);
}

static GENERAL_NAME *san_ia5(int type, const char *value, char *why, size_t why_len)
{
    GENERAL_NAME *gn = GENERAL_NAME_new();
    ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

    if (!gn || !ia5 || !ASN1_STRING_set(ia5, value, (int)strlen(value))) {
        snprintf(why, why_len, "cannot build a SAN: %s", msg_openssl_reason());
        GENERAL_NAME_free(gn);
        ASN1_IA5STRING_free(ia5);
        return NULL;
    }
    GENERAL_NAME_set0_value(gn, type, ia5);
    return gn;
}

static GENERAL_NAME *san_ip(const char *text, const char *value, char *why, size_t why_len)
{
    unsigned char addr[16];
    int len = 0;
    GENERAL_NAME *gn = NULL;
    ASN1_OCTET_STRING *os = NULL;

    if (inet_pton(AF_INET, value, addr) == 1)
        len = 4;
    else if (inet_pton(AF_INET6, value, addr) == 1)
        len = 16;
    if (len == 0) {
        san_fail(why, why_len, text, "not an IPv4 or IPv6 address");
        return NULL;
    }
    gn = GENERAL_NAME_new();
    os = ASN1_OCTET_STRING_new();
    if (!gn || !os || !ASN1_OCTET_STRING_set(os, addr, len)) {
        snprintf(why, why_len, "cannot build a SAN: %s", msg_openssl_reason());
        GENERAL_NAME_free(gn);
        ASN1_OCTET_STRING_free(os);
        return NULL;
    }
    GENERAL_NAME_set0_value(gn, GEN_IPADD, os);
    return gn;
}

/* rfc822Name is IA5: an ASCII local part (no quoting), '@', a host name. */
static int san_email_check(const char *text, const char *value, char *why, size_t why_len)
{
    const char *at = strchr(value, '@');
    char reason[160];

    if (!at || strchr(at + 1, '@')) {
        san_fail(why, why_len, text, "expected one '@' (local@domain)");
        return -1;
    }
    if (at == value || at - value > 64) {
        san_fail(why, why_len, text, "the local part must be 1 to 64 characters");
        return -1;
    }
    for (const char *c = value; c < at; c++) {
        if (*c <= ' ' || *c >= 0x7f || strchr("\"(),:;<>[\\]", *c)) {
            san_fail(why, why_len, text, "the local part contains an invalid character");
            return -1;
        }
    }
    if (hostname_check(at + 1, 0, reason, sizeof(reason)) < 0) {
        san_fail(why, why_len, text, "domain: %s", reason);
        return -1;
    }
    return 0;
}

static int san_uri_check(const char *text, const char *value, char *why, size_t why_len)
{
    size_t scheme = 0;

    if (isalpha((unsigned char)value[0])) {
        scheme = 1;
        while (isalnum((unsigned char)value[scheme]) ||
               (value[scheme] != '\0' && strchr("+.-", value[scheme])))
            scheme++;
    }
    if (scheme == 0 || value[scheme] != ':') {
        san_fail(why, why_len, text, "the URI needs a scheme (e.g. https://...)");
        return -1;
    }
    if (value[scheme + 1] == '\0') {
        san_fail(why, why_len, text, "nothing after the URI scheme");
        return -1;
    }
    for (const char *c = value; *c; c++) {
        if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f) {
            san_fail(why, why_len, text,
                     "the URI contains a space, control or non-ASCII character "
                     "(percent-encode it)");
            return -1;
        }
    }
    return 0;
}

GENERAL_NAME *x509_san_parse(const char *text, char *why, size_t why_len)
{
    const char *colon, *value;
    char reason[160];
    size_t tlen;

    if (!text || *text == '\0') {
        snprintf(why, why_len, "empty SAN " SAN_TYPES);
        return NULL;
    }
    colon = strchr(text, ':');
    if (!colon) {
        san_fail(why, why_len, text, "missing type " SAN_TYPES);
        return NULL;
    }
    tlen = (size_t)(colon - text);
    value = colon + 1;
    if (*value == '\0') {
        san_fail(why, why_len, text, "empty value");
        return NULL;
    }
    if (tlen == 3 && strncasecmp(text, "DNS", 3) == 0) {
        if (hostname_check(value, HOSTNAME_ALLOW_WILDCARD, reason, sizeof(reason)) < 0) {
            san_fail(why, why_len, text, "%s", reason);
            return NULL;
        }
        return san_ia5(GEN_DNS, value, why, why_len);
    }
    if (tlen == 2 && strncasecmp(text, "IP", 2) == 0)
        return san_ip(text, value, why, why_len);
    if (tlen == 5 && strncasecmp(text, "email", 5) == 0) {
        if (san_email_check(text, value, why, why_len) < 0)
            return NULL;
        return san_ia5(GEN_EMAIL, value, why, why_len);
    }
    if (tlen == 3 && strncasecmp(text, "URI", 3) == 0) {
        if (san_uri_check(text, value, why, why_len) < 0)
            return NULL;
        return san_ia5(GEN_URI, value, why, why_len);
    }
    san_fail(why, why_len, text, "unknown type \"%.*s\" " SAN_TYPES, tlen > 20 ? 20 : (int)tlen,
             text);
    return NULL;
}

/* Names that mean the same: DNS names and mail domains ignore case. */
static int san_same(const GENERAL_NAME *a, const GENERAL_NAME *b)
{
    int type_a, type_b;
    const ASN1_STRING *sa = GENERAL_NAME_get0_value(a, &type_a);
    const ASN1_STRING *sb = GENERAL_NAME_get0_value(b, &type_b);
    const char *da, *db, *at_a, *at_b;
    int len;

    if (type_a != type_b || ASN1_STRING_length(sa) != ASN1_STRING_length(sb))
        return 0;
    da = (const char *)ASN1_STRING_get0_data(sa);
    db = (const char *)ASN1_STRING_get0_data(sb);
    len = ASN1_STRING_length(sa);
    switch (type_a) {
    case GEN_DNS:
        return strncasecmp(da, db, (size_t)len) == 0;
    case GEN_EMAIL:
        at_a = strchr(da, '@');
        at_b = strchr(db, '@');
        return at_a - da == at_b - db && memcmp(da, db, (size_t)(at_a - da)) == 0 &&
               strcasecmp(at_a, at_b) == 0;
    default:
        return memcmp(da, db, (size_t)len) == 0;
    }
}

GENERAL_NAMES *x509_san_list_parse(const char *const *texts, size_t n, char *why, size_t why_len)
{
    GENERAL_NAMES *list = NULL, *ret = NULL;
    GENERAL_NAME *gn = NULL;

    list = GENERAL_NAMES_new();
    if (!list) {
        snprintf(why, why_len, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        gn = x509_san_parse(texts[i], why, why_len);
        if (!gn)
            goto cleanup;
        for (size_t j = 0; j < i; j++) {
            if (san_same(gn, sk_GENERAL_NAME_value(list, (int)j))) {
                snprintf(why, why_len, "duplicate SAN \"%.80s\" (same as \"%.80s\")", texts[i],
                         texts[j]);
                goto cleanup;
            }
        }
        if (!sk_GENERAL_NAME_push(list, gn)) {
            snprintf(why, why_len, "out of memory");
            goto cleanup;
        }
        gn = NULL;
    }
    ret = list;
    list = NULL;
cleanup:
    GENERAL_NAME_free(gn);
    GENERAL_NAMES_free(list);
    return ret;
}
