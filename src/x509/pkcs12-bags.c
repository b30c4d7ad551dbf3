/* The parts and bags of a PKCS#12 file, walked here rather than by
 * PKCS12_parse, which keeps the first private key it meets and says
 * nothing of the others: a PFX with two keys and the certificate of the
 * second gave the wrong key. Every key and certificate is collected, each
 * key derivation checked against the limits (x509/pkcs12-params.c) just
 * before it runs, and the caller chooses the key. Decrypted key material
 * lives only in OpenSSL structures that cleanse themselves when freed. */
#include "x509/decode-internal.h"

#include <string.h>

#include <openssl/err.h>

#include "util/msg.h"

struct walk {
    const char *pass; /* NULL: the empty password in its other encoding */
    const char *name;
    struct x509_p12_contents *out;
    int64_t spent; /* iterations derived so far */
    int reported;  /* the failure was reported */
};

static int add_key(struct walk *w, EVP_PKEY *key)
{
    if (!key) {
        errorf("cannot read \"%s\": a private key in it cannot be decoded: %s", w->name,
               msg_openssl_reason());
        w->reported = 1;
        return -1;
    }
    if (w->out->n_keys == X509_P12_KEYS_MAX) {
        EVP_PKEY_free(key);
        errorf("cannot read \"%s\": it holds more than %d private keys", w->name,
               X509_P12_KEYS_MAX);
        w->reported = 1;
        return -1;
    }
    w->out->keys[w->out->n_keys++] = key;
    return 0;
}

static int add_cert(struct walk *w, const PKCS12_SAFEBAG *bag)
{
    X509 *cert;

    if (PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate)
        return 0; /* an SDSI certificate: as PKCS12_parse, not read */
    if (!(cert = PKCS12_SAFEBAG_get1_cert(bag))) {
        errorf("cannot read \"%s\": a certificate in it cannot be decoded: %s", w->name,
               msg_openssl_reason());
        w->reported = 1;
        return -1;
    }
    if (x509_bundle_push(&w->out->bundle, cert) < 0) {
        X509_free(cert);
        errorf("cannot read \"%s\": out of memory", w->name);
        w->reported = 1;
        return -1;
    }
    return 0;
}

/* A shrouded key: its derivation checked, then decrypted. A failure to
 * decrypt is not reported (the caller tells a wrong password from an
 * algorithm OpenSSL lacks). */
static int add_shrouded_key(struct walk *w, const PKCS12_SAFEBAG *bag, int part)
{
    const X509_ALGOR *alg = NULL;
    PKCS8_PRIV_KEY_INFO *p8;
    char what[64];
    int ret;

    snprintf(what, sizeof(what), "the private key in part %d", part);
    X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, NULL);
    if (x509_p12_charge_pbe(alg, w->name, what, &w->spent) < 0) {
        w->reported = 1;
        return -1;
    }
    if (!(p8 = PKCS12_decrypt_skey(bag, w->pass, w->pass ? (int)strlen(w->pass) : 0)))
        return -1;
    w->out->decrypted = 1;
    ret = add_key(w, EVP_PKCS82PKEY(p8));
    PKCS8_PRIV_KEY_INFO_free(p8); /* cleanses the key bytes */
    return ret;
}

static int take_bags(struct walk *w, const STACK_OF(PKCS12_SAFEBAG) *bags, int part, int depth)
{
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
        const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
        int rc = 0;

        switch (PKCS12_SAFEBAG_get_nid(bag)) {
        case NID_keyBag:
            rc = add_key(w, EVP_PKCS82PKEY(PKCS12_SAFEBAG_get0_p8inf(bag)));
            break;
        case NID_pkcs8ShroudedKeyBag:
            rc = add_shrouded_key(w, bag, part);
            break;
        case NID_certBag:
            rc = add_cert(w, bag);
            break;
        case NID_safeContentsBag:
            if (depth < X509_P12_DEPTH_MAX)
                rc = take_bags(w, PKCS12_SAFEBAG_get0_safes(bag), part, depth + 1);
            break;
        default:
            break; /* CRLs, secrets: not what convert or chain use */
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* One part of the authenticated safe: plain data, or encrypted with the
 * password. */
static int take_part(struct walk *w, PKCS7 *p7, int part)
{
    STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
    int nid = OBJ_obj2nid(p7->type), ret;
    char what[64];

    if (nid == NID_pkcs7_data) {
        if (!(bags = PKCS12_unpack_p7data(p7))) {
            errorf("cannot read \"%s\": part %d of it is damaged: %s", w->name, part,
                   msg_openssl_reason());
            w->reported = 1;
            return -1;
        }
    } else if (nid == NID_pkcs7_encrypted) {
        snprintf(what, sizeof(what), "the encrypted part %d", part);
        if (!p7->d.encrypted || !p7->d.encrypted->enc_data) {
            errorf("cannot read \"%s\": part %d of it is damaged", w->name, part);
            w->reported = 1;
            return -1;
        }
        if (x509_p12_charge_pbe(p7->d.encrypted->enc_data->algorithm, w->name, what, &w->spent) <
            0) {
            w->reported = 1;
            return -1;
        }
        if (!(bags = PKCS12_unpack_p7encdata(p7, w->pass, w->pass ? (int)strlen(w->pass) : 0)))
            return -1;
        w->out->decrypted = 1;
    } else {
        return 0; /* enveloped parts (public-key privacy): as PKCS12_parse, skipped */
    }
    ret = take_bags(w, bags, part, 0);
    sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    return ret;
}

int x509_p12_walk(PKCS12 *p12, const char *pass, const char *name, struct x509_p12_contents *out,
                  int *reported)
{
    struct walk w = {pass, name, out, 0, 0};
    STACK_OF(PKCS7) *parts = PKCS12_unpack_authsafes(p12);
    int ret = -1;

    memset(out, 0, sizeof(*out));
    if (!parts)
        goto cleanup; /* OpenSSL's queue says why */
    for (int i = 0; i < sk_PKCS7_num(parts); i++)
        if (take_part(&w, sk_PKCS7_value(parts, i), i + 1) < 0)
            goto cleanup;
    ret = 0;
cleanup:
    sk_PKCS7_pop_free(parts, PKCS7_free);
    if (ret < 0)
        x509_p12_contents_free(out);
    *reported = w.reported;
    return ret;
}

void x509_p12_contents_free(struct x509_p12_contents *c)
{
    for (size_t i = 0; i < c->n_keys; i++)
        EVP_PKEY_free(c->keys[i]);
    c->n_keys = 0;
    x509_bundle_free(&c->bundle);
}
