/* What a PKCS#12 file asks of the key derivations that read it, checked
 * before any is run: the file chooses the iteration counts of its MAC, of
 * each encrypted part and of each shrouded key, and 2^31-1 of them keep
 * OpenSSL busy for minutes. OpenSSL writes 2048, Windows 2000, Java 10000:
 * a count over X509_P12_ITER_MAX, or derivations that add up to more than
 * X509_P12_ITER_TOTAL_MAX, are refused with the reason. The MAC's own
 * parameters (its digest, a count of 0) are checked here too, so that a
 * MAC that can never verify is not reported as a wrong password. */
#include "x509/decode-internal.h"

#include <inttypes.h>
#include <stdio.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "util/msg.h"

/* One key derivation: its function's name and its cost (iterations; for
 * scrypt N*r*p). known is 0 for one this cannot read (OpenSSL then
 * refuses it as unsupported without deriving anything). */
struct kdf_cost {
    const char *kdf;
    int64_t cost;
    int known;
};

/* An INTEGER as int64_t; a value too large for one is INT64_MAX (-1 when
 * negative). An absent one is the DEFAULT 1 of the structures that have it. */
static int64_t integer_value(const ASN1_INTEGER *ai)
{
    int64_t v = 1;

    if (ai && !ASN1_INTEGER_get_int64(&v, ai))
        v = ASN1_STRING_type(ai) == V_ASN1_NEG_INTEGER ? -1 : INT64_MAX;
    return v;
}

/* scrypt's N*r*p, INT64_MAX when it would overflow or a factor is not
 * positive. */
static int64_t scrypt_cost(const SCRYPT_PARAMS *sp)
{
    int64_t n = integer_value(sp->costParameter), r = integer_value(sp->blockSize),
            p = integer_value(sp->parallelizationParameter);

    if (n < 1 || r < 1 || p < 1 || n > INT64_MAX / r || n * r > INT64_MAX / p)
        return INT64_MAX;
    return n * r * p;
}

static struct kdf_cost pbe_cost(const X509_ALGOR *alg)
{
    struct kdf_cost c = {"PBE", 0, 0};
    const ASN1_OBJECT *oid = NULL;

    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    if (OBJ_obj2nid(oid) == NID_pbes2) {
        PBE2PARAM *pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
        int kdf = pbe2 ? OBJ_obj2nid(pbe2->keyfunc->algorithm) : NID_undef;

        if (kdf == NID_id_pbkdf2) {
            PBKDF2PARAM *kp =
                ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter);

            c = (struct kdf_cost){"PBKDF2", kp ? integer_value(kp->iter) : 0, kp != NULL};
            PBKDF2PARAM_free(kp);
        } else if (kdf == NID_id_scrypt) {
            SCRYPT_PARAMS *sp =
                ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS), pbe2->keyfunc->parameter);

            c = (struct kdf_cost){"scrypt (N*r*p)", sp ? scrypt_cost(sp) : 0, sp != NULL};
            SCRYPT_PARAMS_free(sp);
        }
        PBE2PARAM_free(pbe2);
    } else {
        /* A PBE of PKCS#12 or PKCS#5 v1: PBEParameter (salt, iterations). */
        PBEPARAM *pbe = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), alg->parameter);

        c = (struct kdf_cost){"PKCS#12 PBE", pbe ? integer_value(pbe->iter) : 0, pbe != NULL};
        PBEPARAM_free(pbe);
    }
    ERR_clear_error();
    return c;
}

/* Checks one derivation's cost against the limits and adds it to
 * *spent. what names the part ("the MAC", "the private key in part 2").
 * Returns 0, or -1 after reporting. */
static int charge(const struct kdf_cost *c, const char *name, const char *what, int64_t *spent)
{
    if (!c->known)
        return 0;
    if (c->cost < 1) {
        errorf("cannot read \"%s\": %s has an iteration count of %" PRId64
               ", and it must be at least 1: the file is damaged",
               name, what, c->cost);
        return -1;
    }
    if (c->cost > X509_P12_ITER_MAX) {
        errorf("cannot read \"%s\": %s asks for %" PRId64 " %s iterations, over the limit of %d "
               "(tools write 2048 to 10000): refused before deriving any key, which would take "
               "minutes",
               name, what, c->cost, c->kdf, X509_P12_ITER_MAX);
        return -1;
    }
    if (*spent + c->cost > X509_P12_ITER_TOTAL_MAX) {
        errorf("cannot read \"%s\": its key derivations add up to more than %lld iterations "
               "(at %s): refused before deriving any more",
               name, (long long)X509_P12_ITER_TOTAL_MAX, what);
        return -1;
    }
    *spent += c->cost;
    return 0;
}

int x509_p12_charge_pbe(const X509_ALGOR *alg, const char *name, const char *what, int64_t *spent)
{
    struct kdf_cost c = pbe_cost(alg);

    return charge(&c, name, what, spent);
}

/* The MAC: a digest OpenSSL has, an iteration count in range. */
static int check_mac(PKCS12 *p12, const char *name, int64_t *spent)
{
    const X509_ALGOR *alg = NULL;
    const ASN1_INTEGER *iter = NULL;
    const ASN1_OBJECT *oid = NULL;
    struct kdf_cost c = {"PKCS#12 KDF", 0, 1};
    EVP_MD *md = NULL;
    char text[80];
    int nid;

    PKCS12_get0_mac(NULL, &alg, NULL, &iter, p12);
    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    nid = OBJ_obj2nid(oid);
    /* PKCS12_verify_mac fetches the digest by this name too. */
    if (nid != NID_undef)
        md = EVP_MD_fetch(NULL, OBJ_nid2sn(nid), NULL);
    ERR_clear_error();
    if (!md) {
        OBJ_obj2txt(text, sizeof(text), oid, 0);
        errorf("cannot read \"%s\": its MAC uses %s, an algorithm OpenSSL cannot compute: the "
               "file's integrity cannot be checked",
               name, text);
        return -1;
    }
    EVP_MD_free(md);
    c.cost = integer_value(iter);
    return charge(&c, name, "the MAC", spent);
}

/* The shrouded keys among bags, nested SafeContents included. */
static int check_bags(const STACK_OF(PKCS12_SAFEBAG) *bags, int part, int depth, const char *name,
                      int64_t *spent)
{
    char what[64];

    snprintf(what, sizeof(what), "the private key in part %d", part);
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
        const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
        const X509_ALGOR *alg = NULL;

        switch (PKCS12_SAFEBAG_get_nid(bag)) {
        case NID_pkcs8ShroudedKeyBag:
            X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, NULL);
            if (x509_p12_charge_pbe(alg, name, what, spent) < 0)
                return -1;
            break;
        case NID_safeContentsBag:
            if (depth < X509_P12_DEPTH_MAX &&
                check_bags(PKCS12_SAFEBAG_get0_safes(bag), part, depth + 1, name, spent) < 0)
                return -1;
            break;
        default:
            break;
        }
    }
    return 0;
}

int x509_p12_check_params(PKCS12 *p12, const char *name)
{
    STACK_OF(PKCS7) *parts = NULL;
    int64_t spent = 0;
    int ret = -1;

    if (PKCS12_mac_present(p12) && check_mac(p12, name, &spent) < 0)
        return -1;
    if (!(parts = PKCS12_unpack_authsafes(p12))) {
        errorf("cannot read \"%s\": its PKCS#12 contents cannot be read: %s", name,
               msg_openssl_reason());
        return -1;
    }
    for (int i = 0; i < sk_PKCS7_num(parts); i++) {
        PKCS7 *p7 = sk_PKCS7_value(parts, i);
        int nid = OBJ_obj2nid(p7->type);
        char what[64];

        if (nid == NID_pkcs7_encrypted && p7->d.encrypted && p7->d.encrypted->enc_data) {
            snprintf(what, sizeof(what), "the encrypted part %d", i + 1);
            if (x509_p12_charge_pbe(p7->d.encrypted->enc_data->algorithm, name, what, &spent) < 0)
                goto cleanup;
        } else if (nid == NID_pkcs7_data) {
            STACK_OF(PKCS12_SAFEBAG) *bags = PKCS12_unpack_p7data(p7);
            int rc = bags ? check_bags(bags, i + 1, 0, name, &spent) : 0;

            sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
            if (rc < 0)
                goto cleanup;
        }
    }
    ret = 0;
cleanup:
    ERR_clear_error();
    sk_PKCS7_pop_free(parts, PKCS7_free);
    return ret;
}
