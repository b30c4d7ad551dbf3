/* The individual checks of `p11cert check`. */
#include "workflow/checks.h"

#include <stdarg.h>
#include <stdio.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "signer/libp11-key.h"
#include "x509/tls.h"
#include "x509/decode.h"

/* Days under which a certificate about to expire is worth a warning. */
#define EXPIRY_WARNING_DAYS 30

void check_add(struct check_report *r, const char *name, int ok, const char *fmt, ...)
{
    char detail[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    json_array_append_new(r->checks,
                          json_pack("{s:s, s:b, s:s}", "name", name, "ok", ok, "detail", detail));
    if (!ok)
        r->failed++;
}

void check_key_pair(struct check_report *r, struct signer *signer, X509 *cert)
{
    char why[256] = "";
    int rc;

    if (EVP_PKEY_eq(signer->pubkey, X509_get0_pubkey(cert)) != 1) {
        check_add(r, "key pair", 0, "the certificate's public key is not the token key's");
        return;
    }
    rc = signer_test_signature(signer, X509_get0_pubkey(cert), why, sizeof(why));
    if (rc == 1)
        check_add(r, "key pair", 1,
                  "same public key, and a fresh signature made on the token verifies with the "
                  "certificate");
    else
        check_add(r, "key pair", 0, "%s", rc == 0 ? why : "the token could not sign");
}

void check_name(struct check_report *r, X509 *cert, const char *host)
{
    char name[300];

    snprintf(name, sizeof(name), "name %s", host);
    if (x509_covers_host(cert, host))
        check_add(r, name, 1, "covered by the certificate's subjectAltName");
    else
        check_add(r, name, 0, "not covered by the certificate's subjectAltName");
}

void check_validity(struct check_report *r, X509 *cert)
{
    int days = 0, seconds = 0;

    if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
        check_add(r, "validity", 0, "not valid yet");
        return;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) {
        check_add(r, "validity", 0, "expired");
        return;
    }
    ASN1_TIME_diff(&days, &seconds, NULL, X509_get0_notAfter(cert));
    if (days < EXPIRY_WARNING_DAYS)
        check_add(r, "validity", 1, "valid, but expires in %d day(s): renew it soon", days);
    else
        check_add(r, "validity", 1, "valid for %d more days", days);
}

void check_server_auth(struct check_report *r, X509 *cert)
{
    if (X509_check_purpose(cert, X509_PURPOSE_SSL_SERVER, 0) == 1)
        check_add(r, "server auth", 1, "extended and plain key usage allow a TLS server");
    else
        check_add(r, "server auth", 0,
                  "the key usage or extended key usage does not allow a TLS server (serverAuth)");
}

void check_tls(struct check_report *r, struct token_ctx *ctx, const struct token_key *key,
               X509 *cert, STACK_OF(X509) *intermediates, X509 *root, const char *host)
{
    static const struct {
        int version;
        const char *name;
    } versions[] = {{TLS1_2_VERSION, "tls 1.2"}, {TLS1_3_VERSION, "tls 1.3"}};
    struct libp11_key server_key;
    char detail[512];

    if (signer_libp11_key(ctx, key, &server_key) < 0) {
        for (size_t i = 0; i < 2; i++)
            check_add(r, versions[i].name, 0, "the token key cannot be loaded through libp11");
        return;
    }
    for (size_t i = 0; i < 2; i++) {
        int ok = tls_check_handshake(cert, intermediates, root, server_key.pkey,
                                     versions[i].version, host, detail, sizeof(detail)) == 0;

        check_add(r, versions[i].name, ok, "%s", detail);
    }
    signer_libp11_key_free(&server_key);
}
