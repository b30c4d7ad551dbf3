/* Fuzzes the CA-reply decoder: any bytes -> the certificates in them (PEM,
 * DER, PKCS#7, PKCS#12 with the empty password), or one error. What came
 * out is also read as an AIA fetch reads an answer: each certificate's
 * caIssuers URL, and whether the first certificate issued it. */
#include "fuzz.h"

#include <openssl/x509.h>

#include "x509/aia.h"
#include "x509/decode.h"

static void read_as_aia_answer(STACK_OF(X509) *certs)
{
    char url[X509_AIA_URL_MAX + 1];

    for (int i = 0; i < sk_X509_num(certs); i++) {
        X509 *cert = sk_X509_value(certs, i);

        /* A URL taken is at least a scheme and one byte. */
        if (x509_ca_issuers_url(cert, url, sizeof(url)) && strlen(url) < 8)
            abort();
        (void)x509_issued_by(cert, sk_X509_value(certs, 0), NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct secret_source none = {.kind = SECRET_SOURCE_NONE, .fd = -1};
    struct x509_bundle bundle;

    if (x509_decode(data, size, "fuzz", &none, &bundle) == 0) {
        /* What came out is usable: every certificate encodes again. */
        for (int i = 0; i < sk_X509_num(bundle.certs); i++) {
            unsigned char *der = NULL;
            int len = i2d_X509(sk_X509_value(bundle.certs, i), &der);
            if (len <= 0)
                abort();
            OPENSSL_free(der);
        }
        read_as_aia_answer(bundle.certs);
        x509_bundle_free(&bundle);
    }
    return 0;
}
