/* Decoding whatever a CA sends back. The format is decided by the bytes:
 * UTF-16 text is refused with a hint, a "-----BEGIN " line means PEM,
 * anything else is tried as DER (certificate, PKCS#7, PKCS#12). OpenSSL
 * does every decoding; this file only decides which decoder to ask and
 * turns its failures into one line that names the file. */
#include "x509/decode.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>

#include "x509/decode-internal.h"
#include "util/msg.h"
#include "util/readfile.h"

#define DECODE_MAX_BYTES (16UL * 1024 * 1024)

/* What a PEM file held besides certificates, for the message when it held
 * no certificate at all. */
struct pem_census {
    int blocks;
    int keys;
    int requests;
    char other[64]; /* the first block of another type */
};

int x509_bundle_push(struct x509_bundle *out, X509 *cert)
{
    if (!out->certs && !(out->certs = sk_X509_new_null()))
        return -1;
    if (!sk_X509_push(out->certs, cert))
        return -1;
    return 0;
}

/* Text that is UTF-16: a byte order mark, or ASCII with a NUL in every
 * other byte (a BOM-less file from a Windows tool). */
static int looks_utf16(const unsigned char *data, size_t len)
{
    size_t n = len < 64 ? len : 64, odd_nul = 0, even_nul = 0;

    if (len >= 2 && ((data[0] == 0xff && data[1] == 0xfe) || (data[0] == 0xfe && data[1] == 0xff)))
        return 1;
    if (n < 8)
        return 0;
    n &= ~(size_t)1;
    for (size_t i = 0; i < n; i += 2) {
        if (data[i] == 0 && data[i + 1] >= 0x09 && data[i + 1] < 0x7f)
            even_nul++;
        else if (data[i + 1] == 0 && data[i] >= 0x09 && data[i] < 0x7f)
            odd_nul++;
    }
    return odd_nul == n / 2 || even_nul == n / 2;
}

static int looks_text(const unsigned char *data, size_t len)
{
    size_t n = len < 512 ? len : 512;

    for (size_t i = 0; i < n; i++)
        if (data[i] < 0x09 || (data[i] > 0x0d && data[i] < 0x20) || data[i] == 0x7f)
            return 0;
    return 1;
}

static int take_pkcs7(PKCS7 *p7, const char *name, struct x509_bundle *out)
{
    STACK_OF(X509) *certs = NULL;
    int nid = OBJ_obj2nid(p7->type);

    if (nid == NID_pkcs7_signed && p7->d.sign)
        certs = p7->d.sign->cert;
    else if (nid == NID_pkcs7_signedAndEnveloped && p7->d.signed_and_enveloped)
        certs = p7->d.signed_and_enveloped->cert;
    else {
        errorf("cannot read \"%s\": a PKCS#7 %s structure carries no certificates", name,
               OBJ_nid2ln(nid));
        return -1;
    }
    for (int i = 0; certs && i < sk_X509_num(certs); i++) {
        X509 *cert = sk_X509_value(certs, i);
        if (!X509_up_ref(cert))
            return -1;
        if (x509_bundle_push(out, cert) < 0) {
            X509_free(cert);
            errorf("cannot read \"%s\": out of memory", name);
            return -1;
        }
    }
    return 0;
}

/* One PEM block, already base64-decoded. Returns 0, or -1 reported. */
static int pem_block(const char *type, const unsigned char *der, long der_len, const char *name,
                     int index, struct pem_census *census, struct x509_bundle *out)
{
    const unsigned char *p = der;

    if (strcmp(type, PEM_STRING_X509) == 0 || strcmp(type, PEM_STRING_X509_OLD) == 0 ||
        strcmp(type, PEM_STRING_X509_TRUSTED) == 0) {
        int trusted = strcmp(type, PEM_STRING_X509_TRUSTED) == 0;
        X509 *cert = trusted ? d2i_X509_AUX(NULL, &p, der_len) : d2i_X509(NULL, &p, der_len);

        if (!cert) {
            errorf("cannot read \"%s\": PEM block %d (%s) is not a valid certificate: %s", name,
                   index, type, msg_openssl_reason());
            return -1;
        }
        if (x509_bundle_push(out, cert) < 0) {
            X509_free(cert);
            errorf("cannot read \"%s\": out of memory", name);
            return -1;
        }
        return 0;
    }
    if (strcmp(type, PEM_STRING_PKCS7) == 0 || strcmp(type, PEM_STRING_PKCS7_SIGNED) == 0 ||
        strcmp(type, PEM_STRING_CMS) == 0) {
        PKCS7 *p7 = d2i_PKCS7(NULL, &p, der_len);
        int ret;

        if (!p7) {
            errorf("cannot read \"%s\": PEM block %d (%s) is not valid PKCS#7: %s", name, index,
                   type, msg_openssl_reason());
            return -1;
        }
        ret = take_pkcs7(p7, name, out);
        PKCS7_free(p7);
        if (ret == 0)
            out->format = "PKCS#7";
        return ret;
    }
    if (strstr(type, "PRIVATE KEY"))
        census->keys++;
    else if (strstr(type, "CERTIFICATE REQUEST"))
        census->requests++;
    else if (!census->other[0])
        snprintf(census->other, sizeof(census->other), "%s", type);
    return 0;
}

static int decode_pem(const unsigned char *data, size_t len, const char *name,
                      struct x509_bundle *out)
{
    struct pem_census census = {0};
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    int ret = -1;

    if (!bio) {
        errorf("cannot read \"%s\": out of memory", name);
        return -1;
    }
    out->format = "PEM";
    for (;;) {
        char *type = NULL, *header = NULL;
        unsigned char *der = NULL;
        long der_len = 0;
        int rc;

        if (!PEM_read_bio(bio, &type, &header, &der, &der_len)) {
            unsigned long e = ERR_peek_last_error();

            if (census.blocks > 0 && ERR_GET_LIB(e) == ERR_LIB_PEM &&
                ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
                ERR_clear_error();
                break;
            }
            if (census.blocks == 0)
                errorf("cannot read \"%s\": not a certificate: a \"-----BEGIN\" line but no "
                       "readable PEM block: %s",
                       name, msg_openssl_reason());
            else
                errorf("cannot read \"%s\": PEM block %d is damaged: %s", name, census.blocks + 1,
                       msg_openssl_reason());
            goto cleanup;
        }
        census.blocks++;
        rc = pem_block(type, der, der_len, name, census.blocks, &census, out);
        OPENSSL_free(type);
        OPENSSL_free(header);
        OPENSSL_clear_free(der, (size_t)der_len);
        if (rc < 0)
            goto cleanup;
    }
    if (out->certs && sk_X509_num(out->certs) > 0) {
        if (census.keys)
            notef("\"%s\" also holds a private key: it was not read", name);
        ret = 0;
    } else if (census.keys)
        errorf("cannot read \"%s\": it holds a private key, not a certificate", name);
    else if (census.requests)
        errorf("cannot read \"%s\": it holds a certificate request (CSR), not a certificate: "
               "the CA issues the certificate from it",
               name);
    else if (out->format && strcmp(out->format, "PKCS#7") == 0)
        errorf("cannot read \"%s\": the PKCS#7 file holds no certificates", name);
    else
        errorf("cannot read \"%s\": it holds no certificates (only %s)", name,
               census.other[0] ? census.other : "unknown PEM blocks");
cleanup:
    BIO_free(bio);
    return ret;
}

/* The bytes after a DER object that are only padding some tools add. */
static int only_padding(const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != 0 && p[i] != '\n' && p[i] != '\r' && p[i] != ' ' && p[i] != '\t')
            return 0;
    return 1;
}

/* One or more DER certificates one after the other. */
static int decode_der_certs(const unsigned char *data, size_t len, const char *name,
                            struct x509_bundle *out)
{
    const unsigned char *p = data, *end = data + len;

    while (p < end && !only_padding(p, (size_t)(end - p))) {
        X509 *cert = d2i_X509(NULL, &p, (long)(end - p));
        if (!cert) {
            errorf("cannot read \"%s\": %zu bytes after DER certificate %d are not a certificate",
                   name, (size_t)(end - p), sk_X509_num(out->certs));
            return -1;
        }
        if (x509_bundle_push(out, cert) < 0) {
            X509_free(cert);
            errorf("cannot read \"%s\": out of memory", name);
            return -1;
        }
    }
    out->format = "DER";
    return 0;
}

/* The outer TLV, read by OpenSSL, to say "truncated" rather than "garbage":
 * a SEQUENCE whose length runs past the end of the data. */
static int der_truncated(const unsigned char *data, size_t len, long *declared)
{
    const unsigned char *p = data;
    long length = 0;
    int tag = 0, cls = 0, rc, too_long;

    ERR_clear_error();
    rc = ASN1_get_object(&p, &length, &tag, &cls, (long)len);
    too_long = (rc & 0x80) && ERR_GET_LIB(ERR_peek_last_error()) == ERR_LIB_ASN1 &&
               ERR_GET_REASON(ERR_peek_last_error()) == ASN1_R_TOO_LONG;
    ERR_clear_error();
    *declared = length + (long)(p - data);
    return too_long && tag == V_ASN1_SEQUENCE && (rc & V_ASN1_CONSTRUCTED);
}

static int decode_der(const unsigned char *data, size_t len, const char *name,
                      const struct secret_source *password, struct x509_bundle *out)
{
    const unsigned char *p;
    X509 *cert;
    PKCS7 *p7;
    PKCS12 *p12;
    long declared = 0;

    p = data;
    if ((cert = d2i_X509(NULL, &p, (long)len)) != NULL) {
        X509_free(cert);
        return decode_der_certs(data, len, name, out);
    }
    p = data;
    if ((p7 = d2i_PKCS7(NULL, &p, (long)len)) != NULL) {
        int ret = take_pkcs7(p7, name, out);
        PKCS7_free(p7);
        out->format = "PKCS#7";
        if (ret == 0 && sk_X509_num(out->certs) <= 0) {
            errorf("cannot read \"%s\": the PKCS#7 file holds no certificates", name);
            ret = -1;
        }
        return ret;
    }
    p = data;
    if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) != NULL) {
        int ret = x509_decode_pkcs12(p12, name, password, out);
        PKCS12_free(p12);
        if (ret == 0 && sk_X509_num(out->certs) <= 0) {
            errorf("cannot read \"%s\": the PKCS#12 file holds no certificates", name);
            ret = -1;
        }
        return ret;
    }
    ERR_clear_error();
    p = data;
    {
        EVP_PKEY *key = d2i_AutoPrivateKey(NULL, &p, (long)len);
        X509_SIG *p8 = NULL;

        if (!key) {
            p = data;
            p8 = d2i_X509_SIG(NULL, &p, (long)len);
        }
        ERR_clear_error();
        if (key || p8) {
            EVP_PKEY_free(key);
            X509_SIG_free(p8);
            errorf("cannot read \"%s\": it holds a private key, not a certificate", name);
            return -1;
        }
    }
    p = data;
    {
        X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);
        ERR_clear_error();
        if (req) {
            X509_REQ_free(req);
            errorf("cannot read \"%s\": it holds a certificate request (CSR), not a certificate: "
                   "the CA issues the certificate from it",
                   name);
            return -1;
        }
    }
    if (der_truncated(data, len, &declared))
        errorf("cannot read \"%s\": truncated DER: the outer structure says %ld bytes, the file "
               "has %zu",
               name, declared, len);
    else if (looks_text(data, len))
        errorf("cannot read \"%s\": not a certificate: text without a \"-----BEGIN\" PEM line",
               name);
    else if (data[0] == 0x30)
        errorf("cannot read \"%s\": not a certificate: DER, but not a certificate, PKCS#7 or "
               "PKCS#12",
               name);
    else
        errorf("cannot read \"%s\": not a certificate: neither PEM nor DER", name);
    return -1;
}

int x509_decode(const unsigned char *data, size_t len, const char *name,
                const struct secret_source *password, struct x509_bundle *out)
{
    static const unsigned char bom[] = {0xef, 0xbb, 0xbf};
    int ret;

    memset(out, 0, sizeof(*out));
    if (len == 0) {
        errorf("cannot read \"%s\": the file is empty", name);
        return -1;
    }
    if (len > DECODE_MAX_BYTES) {
        errorf("cannot read \"%s\": larger than 16 MiB: not a certificate file", name);
        return -1;
    }
    if (looks_utf16(data, len)) {
        errorf("cannot read \"%s\": it is UTF-16 text: convert it to UTF-8 (for example "
               "iconv -f UTF-16 -t UTF-8)",
               name);
        return -1;
    }
    if (len >= 3 && memcmp(data, bom, 3) == 0) {
        data += 3;
        len -= 3;
        if (len == 0) {
            errorf("cannot read \"%s\": the file is empty (only a byte order mark)", name);
            return -1;
        }
    }
    ERR_clear_error();
    if (memmem(data, len, "-----BEGIN ", 11))
        ret = decode_pem(data, len, name, out);
    else
        ret = decode_der(data, len, name, password, out);
    ERR_clear_error();
    if (ret < 0)
        x509_bundle_free(out);
    return ret;
}

int x509_decode_file(const char *path, const struct secret_source *password,
                     struct x509_bundle *out)
{
    struct file_data file;
    char why[256];
    int ret;

    memset(out, 0, sizeof(*out));
    if (file_read_all(path, DECODE_MAX_BYTES, &file, why, sizeof(why)) < 0) {
        errorf("cannot read \"%s\": %s", path, why);
        return -1;
    }
    ret = x509_decode(file.data, file.len, path, password, out);
    /* A PKCS#12 file may hold a private key: leave no copy behind. */
    file_data_free(&file);
    return ret;
}

void x509_bundle_free(struct x509_bundle *bundle)
{
    if (!bundle)
        return;
    sk_X509_pop_free(bundle->certs, X509_free);
    EVP_PKEY_free(bundle->key);
    bundle->certs = NULL;
    bundle->key = NULL;
    bundle->format = NULL;
}
