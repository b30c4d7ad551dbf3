/* The checks of `p11cert check`, each on its own, and the run that makes
 * them in order. */
#include "workflow/check.h"

#include <stdarg.h>
#include <stdio.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "signer/libp11-key.h"
#include "util/msg.h"
#include "workflow/aia.h"
#include "x509/chain.h"
#include "x509/names.h"
#include "x509/tls.h"

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
    int verified = 0;

    if (EVP_PKEY_eq(signer->pubkey, X509_get0_pubkey(cert)) != 1) {
        check_add(r, "key pair", 0, "the certificate's public key is not the token key's");
        return;
    }
    if (signer_test_signature(signer, X509_get0_pubkey(cert), &verified, why, sizeof(why)) < 0)
        check_add(r, "key pair", 0, "the token could not sign");
    else if (verified)
        check_add(r, "key pair", 1,
                  "same public key, and a fresh signature made on the token verifies with the "
                  "certificate");
    else
        check_add(r, "key pair", 0, "%s", why);
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

/* The chain check, fetching missing issuers from their caIssuers URLs
 * (unless offline); on success the path's intermediates and root for TLS. */
static void check_chain(struct check_report *r, X509 *cert, STACK_OF(X509) *cas,
                        const struct check_request *req, STACK_OF(X509) **intermediates,
                        X509 **root)
{
    struct x509_path path;
    struct x509_chain_diag diag;
    struct aia_fetcher aia;
    int more = 1;

    if (aia_fetcher_init(&aia, req->offline, r->fetched) != EXIT_OK) {
        check_add(r, "chain", 0, "out of memory");
        return;
    }
    while (x509_chain_build(cert, cas, aia.certs, req->trust, &path, &diag) < 0) {
        if (aia_fetch_missing(&aia, &diag, &more) != EXIT_OK) {
            check_add(r, "chain", 0, "%s: its issuer could not be fetched (see above)", diag.why);
            goto cleanup;
        }
        if (!more) {
            check_add(r, "chain", 0, "%s", diag.why);
            goto cleanup;
        }
    }
    check_add(r, "chain", 1, "validates to %s (%d certificate(s)%s)", path.root_name,
              sk_X509_num(path.certs), aia.count ? ", issuers fetched from caIssuers URLs" : "");
    *intermediates = x509_path_intermediates(&path);
    *root = x509_path_root(&path);
    x509_path_free(&path);
cleanup:
    aia_fetcher_free(&aia);
}

int check_read(const struct check_request *req, struct check_inputs *in)
{
    struct secret_source no_password = {0};

    memset(in, 0, sizeof(*in));
    if (x509_decode_file(req->cert, &no_password, &in->cert) < 0 ||
        (req->chain && x509_decode_file(req->chain, &no_password, &in->chain) < 0))
        return EXIT_FAIL;
    return EXIT_OK;
}

void check_inputs_free(struct check_inputs *in)
{
    x509_bundle_free(&in->cert);
    x509_bundle_free(&in->chain);
}

int check_run(struct token_ctx *ctx, P11KitUri *key_uri, const struct check_request *req,
              const struct check_inputs *in, struct check_report *r)
{
    X509 *cert = sk_X509_value(in->cert.certs, 0), *root = NULL;
    STACK_OF(X509) *intermediates = NULL;
    struct token_key key;
    struct signer signer = {0};
    int ret = EXIT_FAIL;

    if (ctx) {
        if (token_find_key(ctx, key_uri, &key) < 0 || signer_init(&signer, ctx, &key, NULL, 0) < 0)
            goto cleanup;
        check_key_pair(r, &signer, cert);
    }
    check_chain(r, cert, in->chain.certs, req, &intermediates, &root);
    for (size_t i = 0; i < req->n_domains; i++)
        check_name(r, cert, req->domains[i]);
    check_validity(r, cert);
    check_server_auth(r, cert);
    if (req->tls && ctx && root)
        check_tls(r, ctx, &key, cert, intermediates, root, req->n_domains ? req->domains[0] : NULL);
    else if (req->tls)
        check_add(r, "tls", 0, "no handshake: the chain does not validate to a root");
    ret = EXIT_OK;
cleanup:
    sk_X509_pop_free(intermediates, X509_free);
    X509_free(root);
    signer_free(&signer);
    return ret;
}
