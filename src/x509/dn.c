/* The DN parser: operator text in the OpenSSL slash form or RFC 4514 turned
 * into an X509_NAME, each value checked against the X.520 limits OpenSSL
 * knows. The subjectAltName parser is san.c; building requests and
 * certificates from these values is build.c. */
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
