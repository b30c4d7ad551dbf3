/* Operator text turned into X.509 values: the DN parser (OpenSSL slash form and
 * RFC 4514) and the subjectAltName parser. Building requests and certificates
 * from these values lives elsewhere (x509 layer). */
#include "x509/parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "util/hostname.h"
#include "util/msg.h"

/* One attribute=value of a DN, in the order the operator wrote it. */
struct dn_ava {
    char *type;
    unsigned char *value; /* may hold bytes from \XX escapes; no NUL inside */
    size_t value_len;
    size_t rdn; /* index of the RDN it belongs to, in text order */
};

struct dn_list {
    struct dn_ava *avas;
    size_t n, cap;
    size_t rdns;
};

enum dn_form { DN_SLASH, DN_RFC4514 };

static void dn_list_free(struct dn_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->avas[i].type);
        free(l->avas[i].value);
    }
    free(l->avas);
}

static struct dn_ava *dn_list_add(struct dn_list *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct dn_ava *a = realloc(l->avas, cap * sizeof(*a));
        if (!a)
            return NULL;
        l->avas = a;
        l->cap = cap;
    }
    memset(&l->avas[l->n], 0, sizeof(l->avas[0]));
    return &l->avas[l->n++];
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads TYPE up to '='. *p is left on the character after '='. */
static char *dn_read_type(const char **p, enum dn_form form, char *why, size_t why_len)
{
    const char *s = *p, *start, *end;
    char *type;
    const char *stops = form == DN_SLASH ? "=/+" : "=,+";

    while (*s == ' ')
        s++;
    start = s;
    while (*s && !strchr(stops, *s))
        s++;
    if (*s != '=') {
        snprintf(why, why_len, "\"%.*s\" has no '=' (expected TYPE=value)", (int)(s - start),
                 start);
        return NULL;
    }
    end = s;
    while (end > start && end[-1] == ' ')
        end--;
    if (end == start) {
        snprintf(why, why_len, "an attribute name is missing before '='");
        return NULL;
    }
    type = strndup(start, (size_t)(end - start));
    if (!type)
        snprintf(why, why_len, "out of memory");
    *p = s + 1;
    return type;
}

/* Reads a value up to the next unescaped separator. Slash form: '\' makes the
 * next character literal. RFC 4514: '\' takes a special character or two hex
 * digits, unescaped spaces at either end are dropped. */
static int dn_read_value(const char **p, enum dn_form form, const char *type, struct dn_ava *ava,
                         char *why, size_t why_len)
{
    const char *s = *p;
    unsigned char *out;
    size_t n = 0, keep = 0; /* keep: length up to the last escaped character */
    const char *rdn_sep = form == DN_SLASH ? "/" : ",";

    out = malloc(strlen(s) + 1);
    if (!out) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    if (form == DN_RFC4514) {
        while (*s == ' ')
            s++;
        if (*s == '#') {
            snprintf(why, why_len, "%s: hex-encoded (#...) values are not supported", type);
            goto fail;
        }
    }
    while (*s && *s != '+' && *s != rdn_sep[0]) {
        char c = *s++;
        if (c == '\\') {
            if (*s == '\0') {
                snprintf(why, why_len, "%s: dangling '\\' at the end of the value", type);
                goto fail;
            }
            if (form == DN_RFC4514 && hex_value(s[0]) >= 0 && hex_value(s[1]) >= 0) {
                out[n++] = (unsigned char)(hex_value(s[0]) * 16 + hex_value(s[1]));
                s += 2;
            } else if (form == DN_RFC4514 && !strchr(",+\"\\<>;= #", *s)) {
                snprintf(why, why_len,
                         "%s: bad escape \"\\%c\" (only two hex digits or one of "
                         ",+\"\\<>;=# and space may follow '\\')",
                         type, *s);
                goto fail;
            } else {
                out[n++] = (unsigned char)*s++;
            }
            if (out[n - 1] == '\0') {
                snprintf(why, why_len, "%s: the value contains a NUL byte", type);
                goto fail;
            }
            keep = n;
            continue;
        }
        if (form == DN_RFC4514 && strchr("\";<>", c)) {
            snprintf(why, why_len, "%s: unescaped '%c' in the value (write \\%c)", type, c, c);
            goto fail;
        }
        out[n++] = (unsigned char)c;
        if (form == DN_SLASH || c != ' ')
            keep = n;
    }
    n = keep;
    if (n == 0) {
        snprintf(why, why_len, "%s: empty value", type);
        goto fail;
    }
    out[n] = '\0';
    ava->value = out;
    ava->value_len = n;
    *p = s;
    return 0;
fail:
    free(out);
    return -1;
}

/* Splits text into AVAs and RDNs without interpreting attribute names. */
static int dn_split(const char *text, enum dn_form form, struct dn_list *l, char *why,
                    size_t why_len)
{
    const char *p = text;
    char rdn_sep = form == DN_SLASH ? '/' : ',';

    if (form == DN_SLASH)
        p++;
    while (form == DN_RFC4514 && *p == ' ')
        p++;
    if (*p == '\0') {
        snprintf(why, why_len, "empty DN");
        return -1;
    }
    for (;;) {
        struct dn_ava *ava;
        const char *q = p;

        while (form == DN_RFC4514 && *q == ' ')
            q++;
        if (*q == rdn_sep || *q == '\0') {
            snprintf(why, why_len, "empty RDN at offset %zu (a '%c' with nothing before it)",
                     (size_t)(q - text), rdn_sep);
            return -1;
        }
        if (*q == '+') {
            snprintf(why, why_len, "empty attribute before '+' at offset %zu", (size_t)(q - text));
            return -1;
        }
        ava = dn_list_add(l);
        if (!ava) {
            snprintf(why, why_len, "out of memory");
            return -1;
        }
        ava->rdn = l->rdns;
        ava->type = dn_read_type(&p, form, why, why_len);
        if (!ava->type)
            return -1;
        if (dn_read_value(&p, form, ava->type, ava, why, why_len) < 0)
            return -1;
        if (*p == '+') {
            p++;
            if (*p == '\0' || *p == rdn_sep) {
                snprintf(why, why_len, "%s: nothing after '+'", ava->type);
                return -1;
            }
            continue;
        }
        l->rdns++;
        if (*p == '\0')
            break;
        p++; /* rdn_sep */
        if (form == DN_SLASH && *p == '\0')
            break; /* the classic trailing slash */
    }
    return 0;
}

/* Attribute names as RFC 4514 and OpenSSL users write them, matched without
 * regard to case (OpenSSL's own lookup is case-sensitive). */
/* clang-format off */
static const char *const dn_short_names[] = {
    "C", "ST", "L", "O", "OU", "CN", "DC", "UID", "SN", "GN", "serialNumber", "street",
    "title", "initials", "pseudonym", "postalCode", "emailAddress", "dnQualifier",
    "businessCategory", "organizationIdentifier", "jurisdictionC", "jurisdictionST",
    "jurisdictionL", "generationQualifier",
};
/* clang-format on */

/* Only naming attributes belong in a DN: X.520 (2.5.4.*) and the few others
 * certificates carry. A dotted OID the operator spells out is taken as is. */
static ASN1_OBJECT *dn_attribute(const char *type)
{
    ASN1_OBJECT *obj = NULL;
    char oid[128];
    int nid;

    for (size_t i = 0; i < sizeof(dn_short_names) / sizeof(dn_short_names[0]); i++)
        if (strcasecmp(type, dn_short_names[i]) == 0)
            return OBJ_txt2obj(dn_short_names[i], 0);
    if (strspn(type, "0123456789.") == strlen(type))
        return OBJ_txt2obj(type, 1);
    obj = OBJ_txt2obj(type, 0);
    if (!obj)
        return NULL;
    nid = OBJ_obj2nid(obj);
    if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) > 0 && strncmp(oid, "2.5.4.", 6) == 0)
        return obj;
    if (nid == NID_pkcs9_emailAddress || nid == NID_domainComponent || nid == NID_userId ||
        nid == NID_jurisdictionCountryName || nid == NID_jurisdictionStateOrProvinceName ||
        nid == NID_jurisdictionLocalityName)
        return obj;
    ASN1_OBJECT_free(obj);
    return NULL;
}

/* OpenSSL's string table said no; say which limit, in the operator's terms. */
static void dn_value_reason(const struct dn_ava *ava, int nid, char *why, size_t why_len)
{
    unsigned long err = ERR_peek_last_error();
    const ASN1_STRING_TABLE *tbl = ASN1_STRING_TABLE_get(nid);
    int reason = ERR_GET_LIB(err) == ERR_LIB_ASN1 ? ERR_GET_REASON(err) : 0;

    if (tbl && (reason == ASN1_R_STRING_TOO_LONG || reason == ASN1_R_STRING_TOO_SHORT)) {
        if (tbl->minsize == tbl->maxsize)
            snprintf(why, why_len, "%s: \"%s\" must be %ld characters", ava->type, ava->value,
                     tbl->minsize);
        else if (reason == ASN1_R_STRING_TOO_LONG)
            snprintf(why, why_len, "%s: \"%.20s...\" is longer than %ld characters", ava->type,
                     ava->value, tbl->maxsize);
        else
            snprintf(why, why_len, "%s: \"%s\" is shorter than %ld characters", ava->type,
                     ava->value, tbl->minsize);
        ERR_clear_error();
        return;
    }
    /* The value itself is not repeated: it may not be printable. */
    if (reason == ASN1_R_INVALID_UTF8STRING) {
        snprintf(why, why_len, "%s: the value is not valid UTF-8", ava->type);
        ERR_clear_error();
        return;
    }
    snprintf(why, why_len, "%s: %s", ava->type, msg_openssl_reason());
}

X509_NAME *x509_name_parse(const char *text, char *why, size_t why_len)
{
    struct dn_list l = {0};
    X509_NAME *name = NULL, *ret = NULL;
    ASN1_OBJECT *obj = NULL;
    enum dn_form form;

    if (!text || *text == '\0') {
        snprintf(why, why_len, "empty DN");
        goto cleanup;
    }
    form = text[0] == '/' ? DN_SLASH : DN_RFC4514;
    if (dn_split(text, form, &l, why, why_len) < 0)
        goto cleanup;
    name = X509_NAME_new();
    if (!name) {
        snprintf(why, why_len, "out of memory");
        goto cleanup;
    }
    /* X509_NAME is least specific first, as the slash form; RFC 4514 is the reverse. */
    for (size_t r = 0; r < l.rdns; r++) {
        size_t rdn = form == DN_SLASH ? r : l.rdns - 1 - r;
        int set = 0; /* 0: start a new RDN, -1: join the previous one */
        for (size_t i = 0; i < l.n; i++) {
            struct dn_ava *ava = &l.avas[i];
            if (ava->rdn != rdn)
                continue;
            obj = dn_attribute(ava->type);
            if (!obj) {
                ERR_clear_error();
                snprintf(why, why_len, "unknown attribute \"%s\"", ava->type);
                goto cleanup;
            }
            if (!X509_NAME_add_entry_by_OBJ(name, obj, MBSTRING_UTF8, ava->value,
                                            (int)ava->value_len, -1, set)) {
                dn_value_reason(ava, OBJ_obj2nid(obj), why, why_len);
                goto cleanup;
            }
            ASN1_OBJECT_free(obj);
            obj = NULL;
            set = -1;
        }
    }
    ret = name;
    name = NULL;
cleanup:
    ASN1_OBJECT_free(obj);
    X509_NAME_free(name);
    dn_list_free(&l);
    return ret;
}

const char *x509_name_common_name(const X509_NAME *name)
{
    const ASN1_STRING *data;
    const char *s;
    int loc = -1, i, type;

    if (!name)
        return NULL;
    while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, loc)) >= 0)
        loc = i;
    if (loc < 0)
        return NULL;
    data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, loc));
    type = ASN1_STRING_type(data);
    /* Only types whose bytes are UTF-8 already; a BMPString would not be. */
    if (type != V_ASN1_UTF8STRING && type != V_ASN1_PRINTABLESTRING && type != V_ASN1_IA5STRING &&
        type != V_ASN1_VISIBLESTRING)
        return NULL;
    s = (const char *)ASN1_STRING_get0_data(data);
    /* An embedded NUL would let "good.com\0.evil" pass as "good.com". */
    if (!s || strlen(s) != (size_t)ASN1_STRING_length(data))
        return NULL;
    return s;
}

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
