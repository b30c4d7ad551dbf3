/* PKCS#12 files (.pfx/.p12): what the file asks of the key derivations
 * checked before any runs (x509/pkcs12-params.c); the password from its
 * source, checked with the file's MAC, and when the MAC fails, the
 * contents tried with it so that a wrong password is told apart from a
 * damaged MAC; the parts and bags walked (x509/pkcs12-bags.c), with the
 * legacy provider loaded only for the RC2-40/3DES files old Windows and
 * Java exports still produce; and the one private key chosen: the only
 * one, or the one whose certificate the file holds. */
#include "x509/decode-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/provider.h>

#include "x509/x509.h"
#include "util/msg.h"

/* Drains the error queue: whether it says an algorithm is not available
 * (an RC2-40 or other legacy PBE that only the legacy provider has), and
 * its most specific reason in reason. */
static int unsupported_algorithm_error(char *reason, size_t reason_len)
{
    unsigned long e, last = 0;
    int found = 0;

    while ((e = ERR_get_error()) != 0) {
        int why = ERR_GET_REASON(e);

        last = e;
        if ((ERR_GET_LIB(e) == ERR_LIB_EVP &&
             (why == EVP_R_UNSUPPORTED_ALGORITHM || why == EVP_R_UNSUPPORTED_CIPHER ||
              why == EVP_R_UNKNOWN_CIPHER || why == EVP_R_UNSUPPORTED_KEY_DERIVATION_FUNCTION ||
              why == EVP_R_UNSUPPORTED_PRF)) ||
            e == ERR_PACK(ERR_GET_LIB(e), 0, ERR_R_UNSUPPORTED) ||
            e == ERR_PACK(ERR_GET_LIB(e), 0, ERR_R_FETCH_FAILED) ||
            (ERR_GET_LIB(e) == ERR_LIB_PKCS12 && why == PKCS12_R_UNKNOWN_DIGEST_ALGORITHM))
            found = 1;
    }
    snprintf(reason, reason_len, "%s",
             last && ERR_reason_error_string(last) ? ERR_reason_error_string(last)
                                                   : "unknown OpenSSL error");
    return found;
}

/* The walk, again with OpenSSL's legacy provider when the default one
 * lacks an algorithm. Returns 0 (*legacy: it took the legacy provider), or
 * -1: reported, or not reported with the reason in undecryptable (the
 * password does not decrypt the contents). */
static int walk(PKCS12 *p12, const char *pass, const char *name, struct x509_p12_contents *c,
                int *legacy, char *undecryptable, size_t undecryptable_len)
{
    OSSL_PROVIDER *legacy_prov = NULL, *deflt = NULL;
    int reported, rc;

    *legacy = 0;
    undecryptable[0] = '\0';
    ERR_clear_error();
    if ((rc = x509_p12_walk(p12, pass, name, c, &reported)) == 0 || reported)
        return rc;
    if (!unsupported_algorithm_error(undecryptable, undecryptable_len))
        return -1;
    legacy_prov = OSSL_PROVIDER_load(NULL, "legacy");
    /* Loading one provider explicitly would otherwise leave out the
     * default one that the rest of the program relies on. */
    deflt = OSSL_PROVIDER_load(NULL, "default");
    if (!legacy_prov || !deflt) {
        errorf("cannot read \"%s\": it uses a legacy algorithm (RC2/3DES) and OpenSSL's legacy "
               "provider cannot be loaded: %s",
               name, msg_openssl_reason());
        undecryptable[0] = '\0';
        rc = -1;
        goto cleanup;
    }
    debugf("\"%s\": PKCS#12 with a legacy algorithm: loaded OpenSSL's legacy provider", name);
    if ((rc = x509_p12_walk(p12, pass, name, c, &reported)) == 0)
        *legacy = 1;
    else if (reported)
        undecryptable[0] = '\0';
    else
        unsupported_algorithm_error(undecryptable, undecryptable_len);
cleanup:
    if (legacy_prov)
        OSSL_PROVIDER_unload(legacy_prov);
    if (deflt)
        OSSL_PROVIDER_unload(deflt);
    return rc;
}

/* The MAC does not verify with pass (given: from --password-source; else
 * the empty password): whether the password decrypts the contents tells a
 * wrong password from a damaged MAC. Always -1, after reporting. */
static int report_mac_failure(PKCS12 *p12, const char *pass, int given, const char *name)
{
    struct x509_p12_contents c;
    char why[256];
    int legacy;

    if (walk(p12, pass, name, &c, &legacy, why, sizeof(why)) < 0) {
        if (!why[0])
            return -1; /* reported */
        if (given)
            errorf("cannot read \"%s\": wrong password (the PKCS#12 integrity check fails)", name);
        else
            errorf("cannot read \"%s\": the PKCS#12 file needs a password: give "
                   "--password-source",
                   name);
        return -1;
    }
    if (c.decrypted)
        errorf("cannot read \"%s\": its MAC does not verify, yet the %s decrypts its contents: "
               "the MAC is damaged (the file was corrupted or altered)",
               name, given ? "password" : "empty password");
    else if (given)
        errorf("cannot read \"%s\": the MAC does not verify: a wrong password, or a damaged file "
               "(nothing in it is encrypted to tell which)",
               name);
    else
        errorf("cannot read \"%s\": the MAC does not verify with the empty password: the file "
               "needs a password (give --password-source), or it is damaged",
               name);
    x509_p12_contents_free(&c);
    return -1;
}

/* The index of the first certificate in c for key, or -1. */
static int certificate_of(const struct x509_p12_contents *c, const EVP_PKEY *key)
{
    for (int i = 0; i < sk_X509_num(c->bundle.certs); i++)
        if (EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(c->bundle.certs, i)), key) == 1)
            return i;
    return -1;
}

/* Appends one key's description to list: its certificate's subject when
 * the file has that certificate, else its type and size. */
static void describe_key(const struct x509_p12_contents *c, size_t k, int cert, char *list,
                         size_t len)
{
    char type[64], *label = NULL;
    size_t used = strlen(list);

    if (cert >= 0)
        label = x509_certificate_label(sk_X509_value(c->bundle.certs, cert));
    snprintf(list + used, len - used, "%s%s%s", used ? ", " : "", label ? "the key of " : "",
             label ? label : x509_pubkey_describe(c->keys[k], type, sizeof(type)));
    free(label);
}

/* The bundle from c: the one key, or of several the one whose certificate
 * the file holds, with that certificate first. Several keys with their
 * certificates, or none with one, are refused naming them. Returns 0, or
 * -1 after reporting. */
static int choose_key(struct x509_p12_contents *c, const char *name, struct x509_bundle *out)
{
    int cert_of[X509_P12_KEYS_MAX];
    size_t with_cert = 0, chosen = 0;
    char kept[256] = "", others[512] = "";

    for (size_t k = 0; k < c->n_keys; k++)
        if ((cert_of[k] = certificate_of(c, c->keys[k])) >= 0 && with_cert++ == 0)
            chosen = k;
    if (c->n_keys > 1 && with_cert != 1) {
        for (size_t k = 0; k < c->n_keys; k++)
            describe_key(c, k, cert_of[k], others, sizeof(others));
        if (with_cert > 1)
            errorf("cannot read \"%s\": it holds %zu private keys with their certificates (%s): "
                   "which one is meant cannot be told; export one key a file",
                   name, c->n_keys, others);
        else
            errorf("cannot read \"%s\": it holds %zu private keys (%s) and the certificate of "
                   "none of them: which one is meant cannot be told",
                   name, c->n_keys, others);
        return -1;
    }
    if (c->n_keys > 1) {
        for (size_t k = 0; k < c->n_keys; k++)
            describe_key(c, k, cert_of[k], k == chosen ? kept : others,
                         k == chosen ? sizeof(kept) : sizeof(others));
        notef("\"%s\" holds %zu private keys: %s is kept (the file holds its certificate); left "
              "out: %s",
              name, c->n_keys, kept, others);
    }
    if (c->n_keys > 0) {
        out->key = c->keys[chosen];
        c->keys[chosen] = c->keys[--c->n_keys];
        if (cert_of[chosen] > 0) {
            X509 *cert = sk_X509_delete(c->bundle.certs, cert_of[chosen]);

            sk_X509_unshift(c->bundle.certs, cert);
        }
    }
    out->certs = c->bundle.certs;
    c->bundle.certs = NULL;
    return 0;
}

/* The contents, decrypted with pass, the MAC verified already (or absent).
 * Returns 0, or -1: reported, or with the reason in undecryptable when
 * pass does not decrypt them. */
static int read_contents(PKCS12 *p12, const char *pass, const char *name, struct x509_bundle *out,
                         char *undecryptable, size_t undecryptable_len)
{
    struct x509_p12_contents c;
    int legacy, ret;

    if (walk(p12, pass, name, &c, &legacy, undecryptable, undecryptable_len) < 0)
        return -1;
    ret = choose_key(&c, name, out);
    if (ret == 0)
        out->format = legacy ? "PKCS#12 (legacy)" : "PKCS#12";
    x509_p12_contents_free(&c);
    return ret;
}

int x509_decode_pkcs12(PKCS12 *p12, const char *name, const struct secret_source *password,
                       struct x509_bundle *out)
{
    struct secret pass = {0};
    const char *use;
    char what[512], why[256];
    int given = password && password->kind != SECRET_SOURCE_NONE, ret = -1;

    /* Its private key is decrypted into this process's memory (even when
     * the PFX has no password, so no secret is read). */
    secret_protect_process();
    if (x509_p12_check_params(p12, name) < 0)
        return -1;
    snprintf(what, sizeof(what), "password for \"%s\"", name);
    if (given && secret_read(password, what, &pass) < 0)
        return -1;
    use = given ? pass.data : "";
    /* The MAC tells a wrong password apart from a damaged file; an empty
     * password may be encoded either way, and the contents are decrypted
     * the way the MAC took it. A file without a MAC (rare) finds out when
     * decrypting. */
    if (PKCS12_mac_present(p12) && !PKCS12_verify_mac(p12, use, (int)strlen(use))) {
        ERR_clear_error();
        if (use[0] || !PKCS12_verify_mac(p12, NULL, 0)) {
            ERR_clear_error();
            report_mac_failure(p12, use, given, name);
            goto cleanup;
        }
        use = NULL;
    }
    ERR_clear_error();
    ret = read_contents(p12, use, name, out, why, sizeof(why));
    /* Without a MAC to say how an empty password was encoded, both are
     * tried, the way PKCS12_parse did (NULL first). */
    if (ret < 0 && why[0] && use && !use[0] && !PKCS12_mac_present(p12))
        ret = read_contents(p12, NULL, name, out, why, sizeof(why));
    if (ret < 0 && why[0])
        errorf("cannot read \"%s\": the PKCS#12 contents cannot be decrypted: %s", name, why);
cleanup:
    secret_wipe(&pass);
    return ret;
}
