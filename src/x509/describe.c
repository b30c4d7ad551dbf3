/* Certificates and names described for people and for JSON. */
#include "x509/x509.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "x509/parse.h"

char *x509_name_text(const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *text = NULL, *data;
    long len;

    if (!bio)
        return NULL;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        len = BIO_get_mem_data(bio, &data);
        text = strndup(data, (size_t)len);
    }
    BIO_free(bio);
    return text;
}

static void ip_text(const ASN1_OCTET_STRING *ip, char *text, size_t len)
{
    int family = ASN1_STRING_length(ip) == 16 ? AF_INET6 : AF_INET;

    if ((ASN1_STRING_length(ip) != 4 && ASN1_STRING_length(ip) != 16) ||
        !inet_ntop(family, ASN1_STRING_get0_data(ip), text, (socklen_t)len))
        snprintf(text, len, "?");
}

json_t *x509_sans_json(const GENERAL_NAMES *sans)
{
    json_t *list = json_array();

    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
        GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
        const char *type = "other";
        char text[512];

        switch (gn->type) {
        case GEN_DNS:
            type = "DNS";
            snprintf(text, sizeof(text), "%s", (const char *)ASN1_STRING_get0_data(gn->d.dNSName));
            break;
        case GEN_EMAIL:
            type = "email";
            snprintf(text, sizeof(text), "%s",
                     (const char *)ASN1_STRING_get0_data(gn->d.rfc822Name));
            break;
        case GEN_URI:
            type = "URI";
            snprintf(text, sizeof(text), "%s",
                     (const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier));
            break;
        case GEN_IPADD:
            type = "IP";
            ip_text(gn->d.iPAddress, text, sizeof(text));
            break;
        default:
            snprintf(text, sizeof(text), "?");
        }
        json_array_append_new(list, json_sprintf("%s:%s", type, text));
    }
    return list;
}

static json_t *time_json(const ASN1_TIME *t)
{
    struct tm tm;
    char text[32];

    if (!ASN1_TIME_to_tm(t, &tm))
        return json_null();
    strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(text);
}

json_t *x509_certificate_json(X509 *cert)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char *subject = x509_name_text(X509_get_subject_name(cert));
    char *issuer = x509_name_text(X509_get_issuer_name(cert));
    BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *serial_hex = serial ? BN_bn2hex(serial) : NULL;
    char *fingerprint = NULL;
    json_t *obj;

    if (X509_digest(cert, EVP_sha256(), md, &md_len))
        fingerprint = OPENSSL_buf2hexstr(md, md_len);
    obj = json_pack("{s:s?, s:s?, s:s?, s:o, s:o, s:s?}", "subject", subject, "issuer", issuer,
                    "serial", serial_hex, "not_before", time_json(X509_get0_notBefore(cert)),
                    "not_after", time_json(X509_get0_notAfter(cert)), "sha256_fingerprint",
                    fingerprint);
    free(subject);
    free(issuer);
    OPENSSL_free(serial_hex);
    OPENSSL_free(fingerprint);
    BN_free(serial);
    return obj;
}

const char *x509_pubkey_describe(const EVP_PKEY *pkey, char *buf, size_t len)
{
    char group[64] = "";

    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
        snprintf(buf, len, "RSA %d", EVP_PKEY_get_bits(pkey));
        break;
    case EVP_PKEY_EC:
        EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       NULL);
        snprintf(buf, len, "EC %s",
                 EC_curve_nid2nist(OBJ_sn2nid(group)) ? EC_curve_nid2nist(OBJ_sn2nid(group))
                                                      : group);
        break;
    case EVP_PKEY_ED25519:
        snprintf(buf, len, "Ed25519");
        break;
    default:
        snprintf(buf, len, "%s", EVP_PKEY_get0_type_name(pkey));
    }
    return buf;
}

char *x509_certificate_label(X509 *cert)
{
    const char *cn = x509_name_common_name(X509_get_subject_name(cert));

    return cn ? strdup(cn) : x509_name_text(X509_get_subject_name(cert));
}
