/* The checks of `p11cert check`, each on its own, and the run that makes
 * them in order. */
#include "workflow/check.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "signer/libp11-key.h"
#include "util/hostname.h"
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

void check_leaf(struct check_report *r, X509 *cert)
{
    uint32_t flags = X509_get_extension_flags(cert);

    if ((flags & EXFLAG_BCONS) && (flags & EXFLAG_CA))
        check_add(r, "leaf", 0,
                  "basicConstraints says CA:TRUE: a CA certificate, which browsers refuse as a "
                  "server's certificate");
    else
        check_add(r, "leaf", 1, "an end-entity certificate (not CA:TRUE)");
}

/* A dNSName for a message: printable ASCII as it is, any other byte as
 * \xHH (raw UTF-8 shows as what it is, and nothing reaches the terminal
 * raw). */
static void name_text(const unsigned char *name, int len, char *out, size_t out_len)
{
    size_t used = 0;

    out[0] = '\0';
    for (int i = 0; i < len && used + 5 < out_len; i++)
        used += (size_t)snprintf(
            out + used, out_len - used,
            name[i] >= 0x20 && name[i] < 0x7f && name[i] != '\\' ? "%c" : "\\x%02x", name[i]);
}

/* Why a dNSName is not a host name browsers can match, or "" when it is. */
static void dns_name_problem(const ASN1_IA5STRING *name, char *why, size_t why_len)
{
    const unsigned char *data = ASN1_STRING_get0_data(name);
    int len = ASN1_STRING_length(name);
    char text[256];

    why[0] = '\0';
    for (int i = 0; i < len; i++)
        if (data[i] >= 0x80 || data[i] < 0x20 || data[i] == 0x7f) {
            snprintf(why, why_len, "%s",
                     data[i] >= 0x80 ? "it is not ASCII (raw UTF-8? an IDN must be written as its "
                                       "A-label, xn--...)"
                                     : "it holds a control character");
            return;
        }
    if (len >= (int)sizeof(text)) {
        snprintf(why, why_len, "longer than 253 characters");
        return;
    }
    memcpy(text, data, (size_t)len);
    text[len] = '\0';
    hostname_check(text, HOSTNAME_ALLOW_WILDCARD, why, why_len);
}

void check_san_names(struct check_report *r, X509 *cert)
{
    GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    char why[256], text[256 * 4 + 1];
    int count = 0;

    for (int i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);

        if (gn->type != GEN_DNS)
            continue;
        count++;
        dns_name_problem(gn->d.dNSName, why, sizeof(why));
        if (why[0]) {
            name_text(ASN1_STRING_get0_data(gn->d.dNSName), ASN1_STRING_length(gn->d.dNSName), text,
                      sizeof(text));
            check_add(r, "san names", 0, "dNSName \"%.300s\" is not a host name: %s", text, why);
            GENERAL_NAMES_free(sans);
            return;
        }
    }
    GENERAL_NAMES_free(sans);
    if (count)
        check_add(r, "san names", 1, "%d dNSName(s), each a valid host name", count);
    else
        check_add(r, "san names", 1, "no dNSName to check");
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
            check_add(r, versions[i].name, 0, "the token key cannot be loaded through libp11: %s",
                      msg_last_error());
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

int check_domain_valid(const char *domain, char *why, size_t why_len)
{
    unsigned char addr[16];

    if (inet_pton(AF_INET, domain, addr) == 1 || inet_pton(AF_INET6, domain, addr) == 1)
        return EXIT_OK;
    return hostname_check(domain, HOSTNAME_ALLOW_TRAILING_DOT, why, why_len) == 0 ? EXIT_OK
                                                                                  : EXIT_USAGE;
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
    check_leaf(r, cert);
    check_san_names(r, cert);
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
