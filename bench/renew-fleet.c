/* renew-fleet: a token and a state directory as a fleet's renew run finds
 * them, for timing `p11cert renew` at scale without thousands of ACME
 * issuances.
 *
 *   renew-fleet MODULE TOKEN-LABEL PIN-FILE COUNT STATE-DIR DUE-EVERY
 *
 * Logs in to the token labelled TOKEN-LABEL, makes the account key pair
 * "fleet-account" and, for N = 1..COUNT, makes an
 * EC P-256 key pair "fleet-N" (a 20-byte CKA_ID), a certificate for
 * hostN.fleet.test with that key, issued by a throwaway CA (kept in memory),
 * stored beside the key as acme issue --import stores it (CKA_ID, label,
 * subject, issuer, serial, value), and STATE-DIR/hostN.fleet.test.json, the
 * renewal record acme issue would have written (docs/RENEWAL.md; mode 0600),
 * naming the token by its URI as acme issue does.
 * Certificates are valid 90 days; every DUE-EVERY-th was issued 70 days ago,
 * so that it is due (less than a third left), the others a day ago.
 *
 * Not part of p11cert: benchmark input, made with PKCS#11 and OpenSSL
 * directly. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#define PROG "renew-fleet"
#define DAY  (24L * 60 * 60)

static const CK_BYTE p256_params[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

static CK_FUNCTION_LIST *p11;
static CK_SESSION_HANDLE session;
static char *token_uri; /* the token as acme issue names it in a record */

static int fail(const char *what, CK_RV rv)
{
    fprintf(stderr, PROG ": %s failed (0x%lx)\n", what, (unsigned long)rv);
    return -1;
}

static int open_token(const char *module, const char *label, const char *pin_file)
{
    CK_C_GetFunctionList get;
    CK_C_INITIALIZE_ARGS init = {.flags = CKF_OS_LOCKING_OK};
    CK_SLOT_ID slots[64];
    CK_ULONG n = 64;
    char pin[256] = "", padded[32];
    FILE *f = fopen(pin_file, "r");
    void *lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    CK_RV rv;

    if (!f || !fgets(pin, sizeof(pin), f) || !lib ||
        !(get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList")) || get(&p11) != CKR_OK) {
        fprintf(stderr, PROG ": cannot read %s or load %s\n", pin_file, module);
        return -1;
    }
    fclose(f);
    pin[strcspn(pin, "\r\n")] = '\0';
    memset(padded, ' ', sizeof(padded));
    memcpy(padded, label, strlen(label) < 32 ? strlen(label) : 32);
    if ((rv = p11->C_Initialize(&init)) != CKR_OK)
        return fail("C_Initialize", rv);
    if ((rv = p11->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK)
        return fail("C_GetSlotList", rv);
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO info;

        if (p11->C_GetTokenInfo(slots[i], &info) != CKR_OK ||
            memcmp(info.label, padded, sizeof(padded)) != 0)
            continue;
        P11KitUri *uri = p11_kit_uri_new();
        memcpy(p11_kit_uri_get_token_info(uri), &info, sizeof(info));
        if (p11_kit_uri_format(uri, P11_KIT_URI_FOR_TOKEN, &token_uri) != P11_KIT_URI_OK)
            return fail("p11_kit_uri_format", 0);
        p11_kit_uri_free(uri);
        if ((rv = p11->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
                                     &session)) != CKR_OK)
            return fail("C_OpenSession", rv);
        if ((rv = p11->C_Login(session, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin))) != CKR_OK)
            return fail("C_Login", rv);
        return 0;
    }
    fprintf(stderr, PROG ": no token labelled %s\n", label);
    return -1;
}

/* A key pair on the token; its public half as an EVP_PKEY. */
static EVP_PKEY *token_pair(const char *label, const CK_BYTE *id, CK_ULONG id_len)
{
    CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE pub[] = {
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_VERIFY, &yes, sizeof(yes)},
        {CKA_EC_PARAMS, (void *)p256_params, sizeof(p256_params)},
        {CKA_LABEL, (void *)label, strlen(label)},
        {CKA_ID, (void *)id, id_len},
    };
    CK_ATTRIBUTE priv[] = {
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)},
        {CKA_SIGN, &yes, sizeof(yes)},
        {CKA_LABEL, (void *)label, strlen(label)},
        {CKA_ID, (void *)id, id_len},
    };
    CK_OBJECT_HANDLE hpub, hpriv;
    unsigned char point[128];
    const unsigned char *p = point;
    CK_ATTRIBUTE a = {CKA_EC_POINT, point, sizeof(point)};
    ASN1_OCTET_STRING *os;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *pkey = NULL;
    CK_RV rv;

    if ((rv = p11->C_GenerateKeyPair(session, &mech, pub, 5, priv, 6, &hpub, &hpriv)) != CKR_OK ||
        (rv = p11->C_GetAttributeValue(session, hpub, &a, 1)) != CKR_OK) {
        fail("C_GenerateKeyPair or reading CKA_EC_POINT", rv);
        goto cleanup;
    }
    if (!(os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)a.ulValueLen)))
        goto cleanup;
    if (bld && pctx &&
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, os->data,
                                         (size_t)os->length) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(pctx) > 0)
        EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
    ASN1_OCTET_STRING_free(os);
cleanup:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(pctx);
    return pkey;
}

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                       long serial, time_t from, time_t to)
{
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();

    if (!cert || !name || !X509_set_version(cert, X509_VERSION_3) ||
        !ASN1_INTEGER_set(X509_get_serialNumber(cert), serial) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                    0) ||
        !X509_set_subject_name(cert, name) ||
        !X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) ||
        !ASN1_TIME_set(X509_getm_notBefore(cert), from) ||
        !ASN1_TIME_set(X509_getm_notAfter(cert), to) || !X509_set_pubkey(cert, key) ||
        !X509_sign(cert, issuer_key, EVP_sha256())) {
        X509_free(cert);
        cert = NULL;
    }
    X509_NAME_free(name);
    return cert;
}

static int store_cert(X509 *cert, const char *label, const CK_BYTE *id, CK_ULONG id_len)
{
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE type = CKC_X_509;
    CK_BBOOL yes = CK_TRUE;
    unsigned char *der = NULL, *subj = NULL, *iss = NULL, *ser = NULL;
    int der_len = i2d_X509(cert, &der),
        subj_len = i2d_X509_NAME(X509_get_subject_name(cert), &subj),
        iss_len = i2d_X509_NAME(X509_get_issuer_name(cert), &iss),
        ser_len = i2d_ASN1_INTEGER(X509_get_serialNumber(cert), &ser);
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &cls, sizeof(cls)},       {CKA_CERTIFICATE_TYPE, &type, sizeof(type)},
        {CKA_TOKEN, &yes, sizeof(yes)},       {CKA_LABEL, (void *)label, strlen(label)},
        {CKA_ID, (void *)id, id_len},         {CKA_SUBJECT, subj, (CK_ULONG)subj_len},
        {CKA_ISSUER, iss, (CK_ULONG)iss_len}, {CKA_SERIAL_NUMBER, ser, (CK_ULONG)ser_len},
        {CKA_VALUE, der, (CK_ULONG)der_len},
    };
    CK_OBJECT_HANDLE obj;
    CK_RV rv = p11->C_CreateObject(session, t, sizeof(t) / sizeof(t[0]), &obj);

    OPENSSL_free(der);
    OPENSSL_free(subj);
    OPENSSL_free(iss);
    OPENSSL_free(ser);
    return rv == CKR_OK ? 0 : fail("C_CreateObject", rv);
}

static char *rfc3339(time_t t, char out[32])
{
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    return out;
}

static char *fingerprint(X509 *cert, char out[3 * 32])
{
    unsigned char md[32];
    unsigned int len = 32;

    X509_digest(cert, EVP_sha256(), md, &len);
    for (int i = 0; i < 32; i++)
        snprintf(out + 3 * i, 4, i < 31 ? "%02X:" : "%02X", md[i]);
    return out;
}

static char *pem_of(X509 *cert, X509 *ca)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *copy = NULL;
    long len;

    if (b && PEM_write_bio_X509(b, cert) && PEM_write_bio_X509(b, ca) &&
        (len = BIO_get_mem_data(b, &data)) > 0)
        copy = strndup(data, (size_t)len);
    BIO_free(b);
    return copy;
}

static int write_record(const char *dir, const char *label, const char *module,
                        const char *pin_file, long n, const CK_BYTE *id, X509 *cert, X509 *ca,
                        time_t from, time_t to)
{
    char name[128], path[4096], key[256], acct[256], hex[41], out[4096], order[128], tsig[4200];
    char t1[32], t2[32], t3[32], fp[96], pin[4200], *pem = pem_of(cert, ca);
    json_t *doc;
    int ret = -1;

    snprintf(name, sizeof(name), "host%ld.fleet.test", n);
    snprintf(path, sizeof(path), "%s/%s.json", dir, name);
    snprintf(key, sizeof(key), "pkcs11:token=%s;object=fleet-%ld", label, n);
    snprintf(acct, sizeof(acct), "pkcs11:token=%s;object=fleet-account", label);
    snprintf(out, sizeof(out), "%s/out/%s.pem", dir, name);
    snprintf(order, sizeof(order), "https://127.0.0.1:14000/my-order/%ld", n);
    snprintf(tsig, sizeof(tsig), "file:%s/tsig.key", dir);
    snprintf(pin, sizeof(pin), "file:%s", pin_file);
    for (int i = 0; i < 20; i++)
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    doc =
        json_pack("{s:i, s:[s], s:s, s:s, s:s, s:s, s:n, s:n, s:n, s:n,"
                  " s:{s:s, s:s, s:s, s:n}, s:b, s:b, s:s, s:n, s:n, s:s, s:s, s:s, s:s,"
                  " s:{s:s, s:s, s:i, s:s, s:s, s:s}, s:s}",
                  "version", 1, "domains", name, "account_key", acct, "key", key, "key_id", hex,
                  "directory", "https://127.0.0.1:14000/dir", "ca_bundle", "trust", "subject",
                  "preferred_chain", "challenge", "type", "dns-01", "dns_server", "127.0.0.1:5353",
                  "tsig_key", tsig, "zone", "import", 1, "rotate_key", 0, "out", out, "chain_out",
                  "fullchain", "module", module, "pin_source", pin, "issued_at", rfc3339(from, t1),
                  "order", order, "certificate", "subject", "CN=fleet", "issuer", "CN=Fleet CA",
                  "serial", (int)n, "not_before", rfc3339(from, t2), "not_after", rfc3339(to, t3),
                  "sha256_fingerprint", fingerprint(cert, fp), "certificates_pem", pem ? pem : "");
    if (doc && json_object_set_new(doc, "token", json_string(token_uri)) == 0 && pem &&
        json_dump_file(doc, path, JSON_COMPACT) == 0 && chmod(path, 0600) == 0)
        ret = 0;
    else
        fprintf(stderr, PROG ": cannot write %s\n", path);
    json_decref(doc);
    free(pem);
    return ret;
}

int main(int argc, char **argv)
{
    EVP_PKEY *ca_key;
    X509 *ca;
    long count, due_every;
    time_t now = time(NULL);

    if (argc != 7 || (count = atol(argv[4])) < 1 || (due_every = atol(argv[6])) < 1) {
        fprintf(stderr, "usage: " PROG " MODULE TOKEN-LABEL PIN-FILE COUNT STATE-DIR DUE-EVERY\n");
        return 2;
    }
    if (open_token(argv[1], argv[2], argv[3]) < 0)
        return 1;
    ca_key = EVP_EC_gen("P-256");
    /* The ACME account key the records name. */
    CK_BYTE acct_id[20];
    memset(acct_id, 0xac, sizeof(acct_id));
    EVP_PKEY_free(token_pair("fleet-account", acct_id, sizeof(acct_id)));
    if (!ca_key ||
        !(ca = make_cert("Fleet CA", ca_key, NULL, ca_key, 1, now - DAY, now + 3650 * DAY)))
        return 1;
    for (long n = 1; n <= count; n++) {
        char label[64], cn[64];
        CK_BYTE id[20];
        time_t from = now - (n % due_every == 0 ? 70 : 1) * DAY;
        EVP_PKEY *pub;
        X509 *cert;

        snprintf(label, sizeof(label), "fleet-%ld", n);
        snprintf(cn, sizeof(cn), "host%ld.fleet.test", n);
        memset(id, 0xf1, sizeof(id));
        for (int i = 0; i < 8; i++)
            id[19 - i] = (CK_BYTE)(n >> (8 * i));
        if (!(pub = token_pair(label, id, sizeof(id))) ||
            !(cert = make_cert(cn, pub, ca, ca_key, 1000 + n, from, from + 90 * DAY)) ||
            store_cert(cert, label, id, sizeof(id)) < 0 ||
            write_record(argv[5], argv[2], argv[1], argv[3], n, id, cert, ca, from,
                         from + 90 * DAY) < 0) {
            fprintf(stderr, PROG ": record %ld failed\n", n);
            return 1;
        }
        X509_free(cert);
        EVP_PKEY_free(pub);
    }
    p11->C_Logout(session);
    p11->C_CloseSession(session);
    p11->C_Finalize(NULL);
    return 0;
}
