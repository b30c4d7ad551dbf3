/* Certificates cut into the DER pieces a PKCS#11 certificate object holds. */
#include "signer/cert-object.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "signer/pubkey.h"
#include "util/msg.h"
#include "x509/parse.h"
#include "x509/x509.h"

/* A validity bound as PKCS#11's CK_DATE ("YYYY" "MM" "DD", no NUL). */
static void ck_date(const ASN1_TIME *t, CK_DATE *out)
{
    struct tm tm;
    char text[16];

    memset(&tm, 0, sizeof(tm));
    if (!ASN1_TIME_to_tm(t, &tm))
        memset(&tm, 0, sizeof(tm));
    snprintf(text, sizeof(text), "%04d%02d%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
             tm.tm_mday % 100);
    memcpy(out->year, text, 4);
    memcpy(out->month, text + 4, 2);
    memcpy(out->day, text + 6, 2);
}

int signer_certificate_object(X509 *cert, struct token_certificate *out, unsigned char **buffer)
{
    int value = i2d_X509(cert, NULL);
    int subject = i2d_X509_NAME(X509_get_subject_name(cert), NULL);
    int issuer = i2d_X509_NAME(X509_get_issuer_name(cert), NULL);
    int serial = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert), NULL);
    unsigned char *p;

    memset(out, 0, sizeof(*out));
    *buffer = NULL;
    if (value <= 0 || subject <= 0 || issuer <= 0 || serial <= 0 ||
        !(*buffer = OPENSSL_malloc((size_t)(value + subject + issuer + serial)))) {
        errorf("cannot encode the certificate: %s", msg_openssl_reason());
        return -1;
    }
    p = *buffer;
    out->value = p;
    out->value_len = (CK_ULONG)i2d_X509(cert, &p);
    out->subject = p;
    out->subject_len = (CK_ULONG)i2d_X509_NAME(X509_get_subject_name(cert), &p);
    out->issuer = p;
    out->issuer_len = (CK_ULONG)i2d_X509_NAME(X509_get_issuer_name(cert), &p);
    out->serial = p;
    out->serial_len = (CK_ULONG)i2d_ASN1_INTEGER(X509_get0_serialNumber(cert), &p);
    ck_date(X509_get0_notBefore(cert), &out->start_date);
    ck_date(X509_get0_notAfter(cert), &out->end_date);
    return 0;
}

int signer_store_certificate(struct token_ctx *ctx, X509 *cert, const unsigned char *id,
                             CK_ULONG id_len, const char *label, int full, int *already,
                             CK_OBJECT_HANDLE *made)
{
    struct token_certificate object;
    unsigned char *buffer;
    int ret;

    if (signer_certificate_object(cert, &object, &buffer) < 0)
        return -1;
    object.id = id;
    object.id_len = id_len;
    object.label = label;
    object.authority = id == NULL;
    object.full = full;
    ret = token_store_certificate(ctx, &object, already, made);
    OPENSSL_free(buffer);
    return ret;
}

int signer_find_certified_key(struct token_ctx *ctx, X509 *cert, P11KitUri *key_uri,
                              struct token_key *key, int *found)
{
    struct token_pubkey pk;
    EVP_PKEY *token_pub;

    *found = 0;
    if (signer_pubkey_to_token(X509_get0_pubkey(cert), &pk) < 0)
        return -1;
    if (!key_uri)
        return token_find_key_by_public(ctx, &pk, key, found);
    if (token_find_key(ctx, key_uri, key) < 0 ||
        !(token_pub = signer_pubkey_from_token(&key->pubkey)))
        return -1;
    *found = EVP_PKEY_eq(token_pub, X509_get0_pubkey(cert)) == 1;
    EVP_PKEY_free(token_pub);
    return 0;
}
