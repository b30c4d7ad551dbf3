/* Requests and certificates encoded as PEM or DER into memory, for the
 * caller to write atomically (util/outfile.h) or print. */
#include "x509/x509.h"

#include <openssl/pem.h>

#include "util/msg.h"

BIO *x509_request_encode(X509_REQ *req, int der)
{
    BIO *mem = BIO_new(BIO_s_mem());

    if (!mem || !(der ? i2d_X509_REQ_bio(mem, req) : PEM_write_bio_X509_REQ(mem, req))) {
        errorf("cannot encode the request: %s", msg_openssl_reason());
        BIO_free(mem);
        return NULL;
    }
    return mem;
}

BIO *x509_certs_encode(STACK_OF(X509) *certs, int from, int to, int der)
{
    BIO *mem = BIO_new(BIO_s_mem());

    for (int i = from; mem && i < to; i++) {
        X509 *cert = sk_X509_value(certs, i);

        if (!(der ? i2d_X509_bio(mem, cert) : PEM_write_bio_X509(mem, cert))) {
            BIO_free(mem);
            mem = NULL;
        }
    }
    if (!mem)
        errorf("cannot encode the certificates: %s", msg_openssl_reason());
    return mem;
}

BIO *x509_certificate_encode(X509 *cert, int der)
{
    BIO *mem = BIO_new(BIO_s_mem());

    if (!mem || !(der ? i2d_X509_bio(mem, cert) : PEM_write_bio_X509(mem, cert))) {
        errorf("cannot encode the certificate: %s", msg_openssl_reason());
        BIO_free(mem);
        return NULL;
    }
    return mem;
}
