/* Signing X.509 structures with a token key: OpenSSL builds and hashes the
 * TBS bytes and names the algorithm, the token makes the signature with a
 * raw mechanism, OpenSSL verifies the result before anyone writes it. */
#include "signer/signer.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "signer/internal.h"
#include "signer/pubkey.h"
#include "token/profile.h"
#include "util/msg.h"

static const EVP_MD *hash_by_name(const char *name)
{
    if (!name || strcmp(name, "sha256") == 0)
        return EVP_sha256();
    if (strcmp(name, "sha384") == 0)
        return EVP_sha384();
    if (strcmp(name, "sha512") == 0)
        return EVP_sha512();
    return NULL;
}

/* The AlgorithmIdentifier OpenSSL itself would put in a structure signed
 * with this key, hash and padding (it knows the PSS parameters' encoding). */
static X509_ALGOR *algorithm_from_openssl(EVP_PKEY *pubkey, const EVP_MD *md, int pss)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char aid[256];
    const unsigned char *p = aid;
    OSSL_PARAM params[2];
    X509_ALGOR *algor = NULL;

    params[0] =
        OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, aid, sizeof(aid));
    params[1] = OSSL_PARAM_construct_end();
    if (!mctx || EVP_DigestVerifyInit(mctx, &pctx, md, NULL, pubkey) <= 0)
        goto cleanup;
    if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0))
        goto cleanup;
    if (EVP_PKEY_CTX_get_params(pctx, params) <= 0 || !OSSL_PARAM_modified(&params[0]))
        goto cleanup;
    algor = d2i_X509_ALGOR(NULL, &p, (long)params[0].return_size);
cleanup:
    EVP_MD_CTX_free(mctx);
    return algor;
}

/* A signing mechanism and its name, for a token that lacks it. */
struct mechanism {
    CK_MECHANISM_TYPE type;
    const char *name;
};

#define MECHANISM(m)                                                                               \
    {                                                                                              \
        m, #m                                                                                      \
    }

/* The PKCS#11 names of a hash: its digest mechanism, its MGF1, and the
 * hashed signing mechanisms that include it. */
struct hash_mechanisms {
    int nid;
    CK_MECHANISM_TYPE digest;
    CK_RSA_PKCS_MGF_TYPE mgf;
    struct mechanism rsa_pkcs, rsa_pss, ecdsa;
};

static const struct hash_mechanisms hash_mechanisms[] = {
    {NID_sha256, CKM_SHA256, CKG_MGF1_SHA256, MECHANISM(CKM_SHA256_RSA_PKCS),
     MECHANISM(CKM_SHA256_RSA_PKCS_PSS), MECHANISM(CKM_ECDSA_SHA256)},
    {NID_sha384, CKM_SHA384, CKG_MGF1_SHA384, MECHANISM(CKM_SHA384_RSA_PKCS),
     MECHANISM(CKM_SHA384_RSA_PKCS_PSS), MECHANISM(CKM_ECDSA_SHA384)},
    {NID_sha512, CKM_SHA512, CKG_MGF1_SHA512, MECHANISM(CKM_SHA512_RSA_PKCS),
     MECHANISM(CKM_SHA512_RSA_PKCS_PSS), MECHANISM(CKM_ECDSA_SHA512)},
};

/* The raw mechanisms, over a hash made here (EdDSA: over the data). */
static const struct hash_mechanisms raw_mechanisms = {
    NID_undef, 0, 0, MECHANISM(CKM_RSA_PKCS), MECHANISM(CKM_RSA_PKCS_PSS), MECHANISM(CKM_ECDSA),
};
static const struct mechanism eddsa = MECHANISM(CKM_EDDSA);

#undef MECHANISM

static const struct hash_mechanisms *mechanisms_of(const EVP_MD *md)
{
    for (size_t i = 0; i < sizeof(hash_mechanisms) / sizeof(hash_mechanisms[0]); i++) {
        if (hash_mechanisms[i].nid == EVP_MD_get_type(md))
            return &hash_mechanisms[i];
    }
    return &hash_mechanisms[0];
}

/* The mechanism the token signs with: raw, or hashed as the profile says. */
static const struct mechanism *sign_mechanism(const struct signer *s)
{
    const struct hash_mechanisms *h;

    if (s->key->pubkey.type == CKK_EC_EDWARDS)
        return &eddsa;
    h = s->hashed ? mechanisms_of(s->md) : &raw_mechanisms;
    if (s->key->pubkey.type == CKK_EC)
        return &h->ecdsa;
    return s->pss ? &h->rsa_pss : &h->rsa_pkcs;
}

/* Whether the token's profile has the token hash for this key type. */
static int profile_signs_hashed(struct token_ctx *ctx, CK_KEY_TYPE type, int *hashed)
{
    const struct token_profile *profile = token_ctx_profile(ctx);

    if (!profile)
        return -1;
    *hashed = (type == CKK_RSA && profile->sign_rsa == PROFILE_SIGN_HASHED) ||
              (type == CKK_EC && profile->sign_ec == PROFILE_SIGN_HASHED);
    if (*hashed)
        debugf("token profile %s: the token hashes what it signs", profile->name);
    return 0;
}

int signer_init(struct signer *s, struct token_ctx *ctx, const struct token_key *key,
                const char *hash, int pss)
{
    CK_KEY_TYPE type = key->pubkey.type;

    memset(s, 0, sizeof(*s));
    s->ctx = ctx;
    s->key = key;
    s->pss = pss;
    s->md = hash_by_name(hash);
    if (!s->md) {
        errorf("unknown hash \"%s\": use sha256, sha384 or sha512", hash);
        return -1;
    }
    if (pss && type != CKK_RSA) {
        errorf("--pss needs an RSA key; this key is not RSA");
        return -1;
    }
    if (type == CKK_EC_EDWARDS)
        s->md = NULL; /* Ed25519 hashes inside; no choice of hash */
    if (profile_signs_hashed(ctx, type, &s->hashed) < 0)
        return -1;
    if ((pss || s->hashed) && !token_has_mechanism(ctx, sign_mechanism(s)->type)) {
        errorf("%s%s is not supported by this token", pss ? "--pss: " : "",
               sign_mechanism(s)->name);
        return -1;
    }
    s->pubkey = signer_pubkey_from_token(&key->pubkey);
    if (!s->pubkey)
        return -1;
    s->algor = algorithm_from_openssl(s->pubkey, s->md, pss);
    if (!s->algor) {
        errorf("no signature algorithm for this key and hash: %s", msg_openssl_reason());
        signer_free(s);
        return -1;
    }
    return 0;
}

void signer_free(struct signer *s)
{
    EVP_PKEY_free(s->pubkey);
    X509_ALGOR_free(s->algor);
    s->pubkey = NULL;
    s->algor = NULL;
}

const char *signer_algorithm_name(const struct signer *s)
{
    const ASN1_OBJECT *oid;

    X509_ALGOR_get0(&oid, NULL, NULL, s->algor);
    return OBJ_nid2ln(OBJ_obj2nid(oid));
}

/* The DER DigestInfo that CKM_RSA_PKCS signs: built by OpenSSL's X509_SIG. */
static int digest_info(const EVP_MD *md, const unsigned char *hash, unsigned int hash_len,
                       unsigned char *out, CK_ULONG *out_len)
{
    X509_SIG *sig = X509_SIG_new();
    X509_ALGOR *alg;
    ASN1_OCTET_STRING *digest;
    unsigned char *p = out;
    int len, ret = -1;

    if (!sig)
        return -1;
    X509_SIG_getm(sig, &alg, &digest);
    if (!X509_ALGOR_set0(alg, OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, NULL) ||
        !ASN1_OCTET_STRING_set(digest, hash, (int)hash_len))
        goto cleanup;
    len = i2d_X509_SIG(sig, NULL);
    if (len <= 0 || (CK_ULONG)len > *out_len)
        goto cleanup;
    *out_len = (CK_ULONG)i2d_X509_SIG(sig, &p);
    ret = 0;
cleanup:
    X509_SIG_free(sig);
    return ret;
}

int signer_ecdsa_to_der(unsigned char *sig, CK_ULONG *sig_len)
{
    ECDSA_SIG *ecdsa = ECDSA_SIG_new();
    CK_ULONG half = *sig_len / 2;
    BIGNUM *r = BN_bin2bn(sig, (int)half, NULL);
    BIGNUM *s = BN_bin2bn(sig + half, (int)half, NULL);
    unsigned char *der = NULL;
    int len, ret = -1;

    if (!ecdsa || !r || !s || *sig_len % 2 != 0 || !ECDSA_SIG_set0(ecdsa, r, s))
        goto cleanup;
    r = s = NULL; /* owned by ecdsa now */
    len = i2d_ECDSA_SIG(ecdsa, &der);
    if (len <= 0 || len > SIGNATURE_MAX)
        goto cleanup;
    memcpy(sig, der, (size_t)len);
    *sig_len = (CK_ULONG)len;
    ret = 0;
cleanup:
    OPENSSL_free(der);
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(ecdsa);
    return ret;
}

/* Raw mechanisms get the hash (RSA PKCS #1 v1.5: its DigestInfo), hashed
 * ones and EdDSA the whole TBS. */
int signer_sign_tbs(struct signer *s, const unsigned char *tbs, size_t tbs_len, unsigned char *sig,
                    CK_ULONG *sig_len, int der_ecdsa)
{
    unsigned char hash[EVP_MAX_MD_SIZE], input[EVP_MAX_MD_SIZE + 32];
    unsigned int hash_len = 0;
    CK_ULONG input_len = sizeof(input);
    CK_RSA_PKCS_PSS_PARAMS pss;
    CK_MECHANISM mech = {sign_mechanism(s)->type, NULL, 0};
    CK_KEY_TYPE type = s->key->pubkey.type;
    const unsigned char *data = tbs;
    CK_ULONG data_len = (CK_ULONG)tbs_len;
    CK_SESSION_HANDLE session;

    *sig_len = SIGNATURE_MAX;
    if (s->md && !EVP_Digest(tbs, tbs_len, hash, &hash_len, s->md, NULL)) {
        errorf("cannot hash the data to sign: %s", msg_openssl_reason());
        return -1;
    }
    if (s->pss) {
        const struct hash_mechanisms *h = mechanisms_of(s->md);

        pss = (CK_RSA_PKCS_PSS_PARAMS){h->digest, h->mgf, hash_len};
        mech.pParameter = &pss;
        mech.ulParameterLen = sizeof(pss);
    }
    if (type != CKK_EC_EDWARDS && !s->hashed) {
        data = hash;
        data_len = hash_len;
        if (type == CKK_RSA && !s->pss) {
            if (digest_info(s->md, hash, hash_len, input, &input_len) < 0) {
                errorf("cannot encode the DigestInfo: %s", msg_openssl_reason());
                return -1;
            }
            data = input;
            data_len = input_len;
        }
    }
    session = s->session != CK_INVALID_HANDLE ? s->session : s->ctx->session;
    if (token_sign(s->ctx, session, s->key->priv, &mech, data, data_len, sig, sig_len) < 0)
        return -1;
    if (type == CKK_EC && der_ecdsa && signer_ecdsa_to_der(sig, sig_len) < 0) {
        errorf("the token's ECDSA signature is not r and s of equal length (%lu bytes)",
               (unsigned long)*sig_len);
        return -1;
    }
    return 0;
}

int signer_test_signature(struct signer *s, EVP_PKEY *verify_key, int *verified, char *why,
                          size_t why_len)
{
    unsigned char data[64], sig[SIGNATURE_MAX];
    CK_ULONG sig_len;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ret = -1;

    *verified = 0;
    if (!mctx || RAND_bytes(data, sizeof(data)) != 1) {
        errorf("cannot make a test message: %s", msg_openssl_reason());
        goto cleanup;
    }
    if (signer_sign_tbs(s, data, sizeof(data), sig, &sig_len, 1) < 0)
        goto cleanup;
    if (EVP_DigestVerifyInit(mctx, &pctx, s->md, NULL, verify_key) <= 0 ||
        (s->pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
                    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0))) {
        snprintf(why, why_len, "the certificate's key cannot verify this key's signatures: %s",
                 msg_openssl_reason());
        ret = 0;
        goto cleanup;
    }
    *verified = EVP_DigestVerify(mctx, sig, sig_len, data, sizeof(data)) == 1;
    if (!*verified)
        snprintf(why, why_len,
                 "a signature made on the token does not verify with the "
                 "certificate's public key");
    ret = 0;
cleanup:
    EVP_MD_CTX_free(mctx);
    return ret;
}

/* Stores the signature bits with no unused bits, as X.509 wants them. */
static int set_bit_string(ASN1_BIT_STRING *bits, const unsigned char *sig, CK_ULONG len)
{
    if (!ASN1_BIT_STRING_set(bits, (unsigned char *)sig, (int)len))
        return -1;
    bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
    bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    return 0;
}

int signer_sign_request(struct signer *s, X509_REQ *req)
{
    unsigned char *tbs = NULL, sig[SIGNATURE_MAX];
    CK_ULONG sig_len;
    ASN1_BIT_STRING *bits = ASN1_BIT_STRING_new();
    int tbs_len, ret = -1;

    if (!bits || !X509_REQ_set1_signature_algo(req, s->algor))
        goto openssl_error;
    tbs_len = i2d_re_X509_REQ_tbs(req, &tbs);
    if (tbs_len <= 0)
        goto openssl_error;
    if (signer_sign_tbs(s, tbs, (size_t)tbs_len, sig, &sig_len, 1) < 0)
        goto cleanup;
    if (set_bit_string(bits, sig, sig_len) < 0)
        goto openssl_error;
    X509_REQ_set0_signature(req, bits);
    bits = NULL;
    if (X509_REQ_verify(req, s->pubkey) != 1) {
        errorf("the token's signature does not verify with the key's public half: %s",
               msg_openssl_reason());
        goto cleanup;
    }
    ret = 0;
    goto cleanup;
openssl_error:
    errorf("cannot encode the request: %s", msg_openssl_reason());
cleanup:
    ASN1_BIT_STRING_free(bits);
    OPENSSL_free(tbs);
    return ret;
}

int signer_sign_certificate(struct signer *s, X509 *cert)
{
    unsigned char *tbs = NULL, sig[SIGNATURE_MAX];
    CK_ULONG sig_len;
    const ASN1_BIT_STRING *outer_sig;
    const X509_ALGOR *outer_alg;
    int tbs_len, ret = -1;

    /* OpenSSL 3.0 has no setter for these two: they are set in place, as
     * X509_sign does inside. */
    X509_get0_signature(&outer_sig, &outer_alg, cert);
    if (!X509_ALGOR_copy((X509_ALGOR *)X509_get0_tbs_sigalg(cert), s->algor) ||
        !X509_ALGOR_copy((X509_ALGOR *)outer_alg, s->algor))
        goto openssl_error;
    tbs_len = i2d_re_X509_tbs(cert, &tbs);
    if (tbs_len <= 0)
        goto openssl_error;
    if (signer_sign_tbs(s, tbs, (size_t)tbs_len, sig, &sig_len, 1) < 0)
        goto cleanup;
    if (set_bit_string((ASN1_BIT_STRING *)outer_sig, sig, sig_len) < 0)
        goto openssl_error;
    if (X509_verify(cert, s->pubkey) != 1) {
        errorf("the token's signature does not verify with the key's public half: %s",
               msg_openssl_reason());
        goto cleanup;
    }
    ret = 0;
    goto cleanup;
openssl_error:
    errorf("cannot encode the certificate: %s", msg_openssl_reason());
cleanup:
    OPENSSL_free(tbs);
    return ret;
}
