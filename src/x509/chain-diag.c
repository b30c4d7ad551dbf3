/* Why a path does not verify, in words that name the certificate (subject,
 * issuer, AKI) and say what to do: a missing issuer (or one that --trust
 * leaves out), a loop, dates, a broken signature, an untrusted root. */
#include "x509/chain-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "x509/x509.h"

char *x509_cert_label(X509 *cert)
{
    char *subject = x509_name_text(X509_get_subject_name(cert));
    char *issuer = x509_name_text(X509_get_issuer_name(cert));
    const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(cert);
    char *aki_hex = NULL, *label = NULL;

    if (aki)
        aki_hex = OPENSSL_buf2hexstr(ASN1_STRING_get0_data(aki), ASN1_STRING_length(aki));
    if (asprintf(&label, "\"%s\" (issuer \"%s\", AKI %s)", subject ? subject : "?",
                 issuer ? issuer : "?", aki_hex ? aki_hex : "none") < 0)
        label = NULL;
    free(subject);
    free(issuer);
    OPENSSL_free(aki_hex);
    return label;
}

char *x509_subject_text(X509 *cert)
{
    return x509_name_text(X509_get_subject_name(cert));
}

static void time_text(const ASN1_TIME *t, char *text, size_t len)
{
    struct tm tm;

    if (!t || !ASN1_TIME_to_tm(t, &tm))
        snprintf(text, len, "?");
    else
        strftime(text, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The self-signed input set aside by --trust whose subject issued cert. */
static X509 *untrusted_root_for(STACK_OF(X509) *set_aside, X509 *cert)
{
    for (int i = 0; i < sk_X509_num(set_aside); i++)
        if (X509_check_issued(sk_X509_value(set_aside, i), cert) == X509_V_OK)
            return sk_X509_value(set_aside, i);
    return NULL;
}

/* Whether cert is one of certs (the same object, not an equal one). */
static int holds(STACK_OF(X509) *certs, X509 *cert)
{
    for (int i = 0; i < sk_X509_num(certs); i++)
        if (sk_X509_value(certs, i) == cert)
            return 1;
    return 0;
}

/* cur when it is the request's own (the leaf, an input, a fetched one),
 * which outlives the store that found it. */
static X509 *borrowed(const struct x509_chain_request *req, X509 *cur)
{
    if (cur && (cur == req->leaf || holds(req->certs, cur) || holds(req->fetched, cur)))
        return cur;
    return NULL;
}

void x509_chain_diagnose(X509_STORE_CTX *ctx, const struct x509_chain_request *req,
                         STACK_OF(X509) *set_aside, struct x509_chain_diag *d)
{
    int err = X509_STORE_CTX_get_error(ctx);
    X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    char *label = cur ? x509_cert_label(cur) : NULL;
    const char *what = label ? label : "the certificate";
    char when[32];
    X509 *loop = NULL, *root;

    switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        /* OpenSSL never puts a certificate in a path twice: an issuer
         * already in the path means the links go round in a circle. */
        for (int i = 0; cur && i < sk_X509_num(chain); i++) {
            X509 *c = sk_X509_value(chain, i);
            if (c != cur && X509_check_issued(c, cur) == X509_V_OK)
                loop = c;
        }
        if (loop) {
            char *s = x509_subject_text(loop);
            snprintf(d->why, sizeof(d->why),
                     "a loop: %s is issued by \"%s\", which is already in the path", what,
                     s ? s : "?");
            free(s);
        } else {
            snprintf(d->why, sizeof(d->why), "no issuer found for %s", what);
            if (err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
                d->stuck = borrowed(req, cur);
            if (cur && (root = untrusted_root_for(set_aside, cur)) != NULL) {
                char *s = x509_subject_text(root);
                snprintf(d->hint, sizeof(d->hint),
                         "\"%s\" is among the inputs, but --trust does not trust it", s ? s : "?");
                free(s);
            } else {
                snprintf(d->hint, sizeof(d->hint),
                         "give the issuer's certificate as another FILE, or --trust FILE|system");
            }
        }
        break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
        time_text(X509_get0_notAfter(cur), when, sizeof(when));
        snprintf(d->why, sizeof(d->why), "%s expired on %s", what, when);
        break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        time_text(X509_get0_notBefore(cur), when, sizeof(when));
        snprintf(d->why, sizeof(d->why), "%s is not valid before %s", what, when);
        break;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        snprintf(d->why, sizeof(d->why),
                 "the signature of %s does not verify with its issuer's key", what);
        break;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        snprintf(d->why, sizeof(d->why), "the leaf %s is self-signed and not trusted", what);
        break;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        if (cur && holds(req->fetched, cur)) {
            /* A root that came over the network vouches for nothing. */
            snprintf(d->why, sizeof(d->why),
                     "the path ends in %s, a self-signed root fetched from a caIssuers URL: "
                     "a fetched root is never trusted",
                     what);
            snprintf(d->hint, sizeof(d->hint),
                     "give the root as a FILE, or --trust FILE|system if you trust it");
            break;
        }
        snprintf(d->why, sizeof(d->why),
                 "the path ends in %s, a self-signed root that is not trusted", what);
        snprintf(d->hint, sizeof(d->hint),
                 "give --trust a file that holds it, or leave out --trust");
        break;
    default:
        snprintf(d->why, sizeof(d->why), "the path does not verify at %s: %s", what,
                 X509_verify_cert_error_string(err));
    }
    free(label);
}
