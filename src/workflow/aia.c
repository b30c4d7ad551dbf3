/* The fetch of a missing issuer: one bounded GET, a decoded answer, and
 * the check that it issued the certificate that named the URL. */
#include "workflow/aia.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "util/msg.h"
#include "x509/aia.h"
#include "x509/decode.h"
#include "x509/x509.h"

int aia_fetcher_init(struct aia_fetcher *f, int offline, json_t *log)
{
    memset(f, 0, sizeof(*f));
    f->offline = offline;
    f->log = log;
    if (!(f->certs = sk_X509_new_null())) {
        errorf("out of memory");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

void aia_fetcher_free(struct aia_fetcher *f)
{
    sk_X509_pop_free(f->certs, X509_free);
    f->certs = NULL;
}

/* Appends ": TEXT" to diag->why. */
__attribute__((format(printf, 2, 3))) static void amend(struct x509_chain_diag *diag,
                                                        const char *fmt, ...)
{
    size_t used = strlen(diag->why);
    va_list ap;

    if (used + 2 >= sizeof(diag->why))
        return;
    memcpy(diag->why + used, ": ", 3);
    va_start(ap, fmt);
    vsnprintf(diag->why + used + 2, sizeof(diag->why) - used - 2, fmt, ap);
    va_end(ap);
}

/* The answer's certificates: DER, PKCS#7 or PEM (not PKCS#12, which no
 * CA publishes for AIA). Returns 0, or -1 reported. */
static int decode_answer(const struct net_response *resp, const char *url, struct x509_bundle *got)
{
    struct secret_source no_password = {0};

    if (x509_decode(resp->body, resp->body_len, url, &no_password, got) < 0)
        return -1;
    if (strncmp(got->format, "PKCS#12", 7) == 0) {
        errorf("cannot read \"%s\": a PKCS#12 file, not a DER, PKCS#7 or PEM certificate", url);
        return -1;
    }
    return 0;
}

/* The certificates of got into f, and the line and log entry for issuer. */
static int keep(struct aia_fetcher *f, const char *url, struct x509_bundle *got, X509 *issuer)
{
    char *subject = x509_name_text(X509_get_subject_name(issuer));
    int ret = -1;

    for (int i = 0; i < sk_X509_num(got->certs); i++) {
        X509 *cert = sk_X509_value(got->certs, i);

        if (!X509_up_ref(cert))
            goto cleanup;
        if (!sk_X509_push(f->certs, cert)) {
            X509_free(cert);
            goto cleanup;
        }
    }
    notef("fetched %s from %s", subject ? subject : "?", url);
    if (f->log && json_array_append_new(f->log, json_pack("{s:s, s:s?, s:s}", "url", url, "subject",
                                                          subject, "format", got->format)) < 0)
        goto cleanup;
    ret = 0;
cleanup:
    if (ret < 0)
        errorf("out of memory");
    free(subject);
    return ret;
}

/* One fetch of url for the issuer of stuck. Returns 0, or -1 reported. */
static int fetch(struct aia_fetcher *f, X509 *stuck, const char *url)
{
    struct net_request req = {0};
    struct net_response resp;
    struct x509_bundle got = {0};
    char why[512];
    char *name = x509_name_text(X509_get_subject_name(stuck));
    const char *shown = name ? name : "?";
    const char *mismatch;
    X509 *issuer;
    int ret = -1;

    req.url = url;
    req.max_bytes = AIA_MAX_BYTES;
    req.timeout_ms = AIA_TIMEOUT_MS;
    req.max_redirects = AIA_MAX_REDIRECTS;
    f->count++;
    debugf("fetching the issuer of \"%s\" from %s", shown, url);
    if (net_request_perform(&req, &resp, why, sizeof(why)) < 0) {
        errorf("cannot fetch the issuer of \"%s\" from %s: %s", shown, url, why);
        goto cleanup;
    }
    if (resp.status != 200) {
        errorf("cannot fetch the issuer of \"%s\" from %s: the server answered HTTP %ld", shown,
               url, resp.status);
        goto cleanup;
    }
    if (decode_answer(&resp, url, &got) < 0)
        goto cleanup;
    if (!(issuer = x509_find_issuer(got.certs, stuck, &mismatch))) {
        char *other = x509_name_text(X509_get_subject_name(sk_X509_value(got.certs, 0)));

        if (sk_X509_num(got.certs) == 1)
            errorf("the certificate from %s (\"%s\") did not issue \"%s\": %s", url,
                   other ? other : "?", shown, mismatch);
        else
            errorf("none of the %d certificates from %s issued \"%s\" (the first: %s)",
                   sk_X509_num(got.certs), url, shown, mismatch);
        free(other);
        goto cleanup;
    }
    ret = keep(f, url, &got, issuer);
cleanup:
    x509_bundle_free(&got);
    net_response_free(&resp);
    free(name);
    return ret;
}

int aia_fetch_missing(struct aia_fetcher *f, struct x509_chain_diag *diag, int *more)
{
    char url[X509_AIA_URL_MAX + 1];

    *more = 0;
    if (!diag->stuck || !x509_ca_issuers_url(diag->stuck, url, sizeof(url)))
        return EXIT_OK;
    if (f->offline) {
        amend(diag, "--offline: its issuer was not fetched from %s", url);
        snprintf(diag->hint, sizeof(diag->hint),
                 "leave out --offline to fetch it, or give the issuer's certificate as another "
                 "FILE");
        return EXIT_OK;
    }
    if (f->count >= AIA_MAX_FETCHES) {
        amend(diag, "%d certificates fetched already, the most p11cert fetches for one path",
              f->count);
        return EXIT_OK;
    }
    if (fetch(f, diag->stuck, url) < 0)
        return EXIT_FAIL;
    *more = 1;
    return EXIT_OK;
}
