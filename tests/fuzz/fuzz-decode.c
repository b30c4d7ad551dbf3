/* Fuzzes the CA-reply decoder: any bytes -> the certificates in them (PEM,
 * DER, PKCS#7, PKCS#12 with the empty password), or one error. */
#include "fuzz.h"

#include <openssl/x509.h>

#include "x509/decode.h"

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
        x509_bundle_free(&bundle);
    }
    return 0;
}
