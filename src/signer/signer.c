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

#include "util/msg.h"
#include "signer/internal.h"
#include "signer/pubkey.h"

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
    if (pss && !token_has_mechanism(ctx, CKM_RSA_PKCS_PSS)) {
        errorf("--pss: CKM_RSA_PKCS_PSS is not supported by this token");
        return -1;
    }
    if (type == CKK_EC_EDWARDS)
        s->md = NULL; /* Ed25519 hashes inside; no choice of hash */
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

static CK_MECHANISM_TYPE pkcs11_hash(const EVP_MD *md, CK_RSA_PKCS_MGF_TYPE *mgf)
{
    switch (EVP_MD_get_type(md)) {
    case NID_sha384:
        *mgf = CKG_MGF1_SHA384;
        return CKM_SHA384;
    case NID_sha512:
        *mgf = CKG_MGF1_SHA512;
        return CKM_SHA512;
    default:
        *mgf = CKG_MGF1_SHA256;
        return CKM_SHA256;
    }
}

int signer_sign_tbs(struct signer *s, const unsigned char *tbs, size_t tbs_len, unsigned char *sig,
                    CK_ULONG *sig_len, int der_ecdsa)
{
    unsigned char hash[EVP_MAX_MD_SIZE], input[EVP_MAX_MD_SIZE + 32];
    unsigned int hash_len = 0;
    CK_ULONG input_len = sizeof(input);
    CK_RSA_PKCS_PSS_PARAMS pss;
    CK_MECHANISM mech = {CKM_EDDSA, NULL, 0};
    CK_KEY_TYPE type = s->key->pubkey.type;

    *sig_len = SIGNATURE_MAX;
    if (type == CKK_EC_EDWARDS)
        return token_sign(s->ctx, s->key->priv, &mech, tbs, tbs_len, sig, sig_len);

    if (!EVP_Digest(tbs, tbs_len, hash, &hash_len, s->md, NULL)) {
        errorf("cannot hash the data to sign: %s", msg_openssl_reason());
        return -1;
    }
    if (type == CKK_EC) {
        mech.mechanism = CKM_ECDSA;
        return token_sign(s->ctx, s->key->priv, &mech, hash, hash_len, sig, sig_len) < 0 ||
                       (der_ecdsa && signer_ecdsa_to_der(sig, sig_len) < 0)
                   ? -1
                   : 0;
    }
    if (s->pss) {
        pss.hashAlg = pkcs11_hash(s->md, &pss.mgf);
        pss.sLen = hash_len;
        mech = (CK_MECHANISM){CKM_RSA_PKCS_PSS, &pss, sizeof(pss)};
        return token_sign(s->ctx, s->key->priv, &mech, hash, hash_len, sig, sig_len);
    }
    if (digest_info(s->md, hash, hash_len, input, &input_len) < 0) {
        errorf("cannot encode the DigestInfo: %s", msg_openssl_reason());
        return -1;
    }
    mech.mechanism = CKM_RSA_PKCS;
    return token_sign(s->ctx, s->key->priv, &mech, input, input_len, sig, sig_len);
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
