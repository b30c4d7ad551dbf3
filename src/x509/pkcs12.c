/* PKCS#12 files (.pfx/.p12): the password from its source, checked with the
 * file's MAC so a wrong one is told apart from a damaged file, and the
 * legacy provider loaded only for the RC2-40/3DES files old Windows and
 * Java exports still produce. */
#include "x509/decode-internal.h"

#include <stdio.h>
#include <sys/prctl.h>

#include <openssl/err.h>
#include <openssl/provider.h>

#include "util/msg.h"

/* Whether the error queue says an algorithm is not available (an RC2-40 or
 * other legacy PBE that only the legacy provider has). */
static int unsupported_algorithm_error(void)
{
    unsigned long e;
    int found = 0;

    while ((e = ERR_get_error()) != 0) {
        int reason = ERR_GET_REASON(e);
        if ((ERR_GET_LIB(e) == ERR_LIB_EVP &&
             (reason == EVP_R_UNSUPPORTED_ALGORITHM || reason == EVP_R_UNSUPPORTED_CIPHER ||
              reason == EVP_R_UNKNOWN_CIPHER ||
              reason == EVP_R_UNSUPPORTED_KEY_DERIVATION_FUNCTION ||
              reason == EVP_R_UNSUPPORTED_PRF)) ||
            e == ERR_PACK(ERR_GET_LIB(e), 0, ERR_R_UNSUPPORTED) ||
            e == ERR_PACK(ERR_GET_LIB(e), 0, ERR_R_FETCH_FAILED) ||
            (ERR_GET_LIB(e) == ERR_LIB_PKCS12 && reason == PKCS12_R_UNKNOWN_DIGEST_ALGORITHM))
            found = 1;
    }
    return found;
}

/* PKCS12_parse into out. Returns 0, or -1: *reported when this said why
 * (out of memory), else OpenSSL's error queue holds it. */
static int parse_pkcs12(PKCS12 *p12, const char *pass, const char *name, struct x509_bundle *out,
                        int *reported)
{
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    EVP_PKEY *key = NULL;

    *reported = 0;
    if (!PKCS12_parse(p12, pass, &key, &cert, &ca))
        return -1;
    /* A private key in memory: no core dump may hold it (even when the
     * PFX had no password, so no secret was read). */
    if (key)
        prctl(PR_SET_DUMPABLE, 0);
    out->key = key;
    if (cert && x509_bundle_push(out, cert) < 0)
        goto oom;
    cert = NULL;
    while (ca && sk_X509_num(ca) > 0) {
        X509 *c = sk_X509_shift(ca);
        if (x509_bundle_push(out, c) < 0) {
            X509_free(c);
            goto oom;
        }
    }
    sk_X509_free(ca);
    return 0;
oom:
    X509_free(cert);
    sk_X509_pop_free(ca, X509_free);
    errorf("cannot read \"%s\": out of memory", name);
    *reported = 1;
    return -1;
}

/* The modern load first; the legacy provider only when that fails for an
 * algorithm the default provider does not have (RC2-40, as old Windows and
 * Java exports use). */
static int decode_pkcs12_with(PKCS12 *p12, const char *pass, const char *name,
                              struct x509_bundle *out)
{
    OSSL_PROVIDER *legacy = NULL, *deflt = NULL;
    int rc, reported;

    ERR_clear_error();
    if ((rc = parse_pkcs12(p12, pass, name, out, &reported)) == 0)
        out->format = "PKCS#12";
    if (rc == 0 || reported)
        return rc;
    if (!unsupported_algorithm_error()) {
        errorf("cannot read \"%s\": the PKCS#12 contents cannot be decrypted: %s", name,
               msg_openssl_reason());
        return -1;
    }
    legacy = OSSL_PROVIDER_load(NULL, "legacy");
    /* Loading one provider explicitly would otherwise leave out the
     * default one that the rest of the program relies on. */
    deflt = OSSL_PROVIDER_load(NULL, "default");
    if (!legacy || !deflt) {
        errorf("cannot read \"%s\": it uses a legacy algorithm (RC2/3DES) and OpenSSL's legacy "
               "provider cannot be loaded: %s",
               name, msg_openssl_reason());
        rc = -1;
        goto cleanup;
    }
    debugf("\"%s\": PKCS#12 with a legacy algorithm: loaded OpenSSL's legacy provider", name);
    rc = parse_pkcs12(p12, pass, name, out, &reported);
    if (rc == 0)
        out->format = "PKCS#12 (legacy)";
    else if (!reported)
        errorf("cannot read \"%s\": the PKCS#12 contents cannot be decrypted: %s", name,
               msg_openssl_reason());
cleanup:
    if (legacy)
        OSSL_PROVIDER_unload(legacy);
    if (deflt)
        OSSL_PROVIDER_unload(deflt);
    return rc;
}

int x509_decode_pkcs12(PKCS12 *p12, const char *name, const struct secret_source *password,
                       struct x509_bundle *out)
{
    struct secret pass = {0};
    char what[512];
    int ret = -1;

    /* Its private key is decrypted into this process's memory. */
    secret_protect_process();
    /* The MAC tells a wrong password apart from a damaged file. A file
     * without a MAC (rare) finds out when decrypting. */
    if (!password || password->kind == SECRET_SOURCE_NONE) {
        if (PKCS12_mac_present(p12) && !PKCS12_verify_mac(p12, "", 0) &&
            !PKCS12_verify_mac(p12, NULL, 0)) {
            ERR_clear_error();
            errorf("cannot read \"%s\": the PKCS#12 file needs a password: give "
                   "--password-source",
                   name);
            return -1;
        }
        ERR_clear_error();
        return decode_pkcs12_with(p12, "", name, out);
    }
    snprintf(what, sizeof(what), "password for \"%s\"", name);
    if (secret_read(password, what, &pass) < 0)
        return -1;
    if (PKCS12_mac_present(p12) && !PKCS12_verify_mac(p12, pass.data, (int)pass.len)) {
        ERR_clear_error();
        /* An empty password may be encoded either way. */
        if (pass.len != 0 || !PKCS12_verify_mac(p12, NULL, 0)) {
            ERR_clear_error();
            errorf("cannot read \"%s\": wrong password (the PKCS#12 integrity check fails)", name);
            goto cleanup;
        }
    }
    ret = decode_pkcs12_with(p12, pass.data, name, out);
cleanup:
    secret_wipe(&pass);
    return ret;
}
