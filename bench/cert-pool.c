/* cert-pool: a pool of certificates for timing chain building.
 *
 *   cert-pool OUTDIR COUNT
 *
 * Writes OUTDIR/root.pem (a self-signed root), OUTDIR/leaf.pem (a leaf
 * issued through root -> int1 -> int2 -> leaf) and OUTDIR/pool.pem: COUNT
 * certificates, the four of that path spread among COUNT - 4 unrelated ones
 * (8 throwaway self-signed CAs and certificates they issued). All are EC
 * P-256 and a handful of keys are reused, so 10,000 certificates take well
 * under a second to make: no openssl process per certificate.
 *
 * Not part of p11cert: benchmark input, made with OpenSSL directly. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define PROG        "cert-pool"
#define OTHER_CAS   8
#define DAY_SECONDS (24L * 60 * 60)

static EVP_PKEY *new_key(void)
{
    return EVP_EC_gen("P-256");
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
    if (!(ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)))
        return 0;
    ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* A certificate for cn with key, issued by issuer (NULL: self-signed). */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, int is_ca,
                       long serial)
{
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();

    if (!cert || !name || !X509_set_version(cert, X509_VERSION_3) ||
        !ASN1_INTEGER_set(X509_get_serialNumber(cert), serial) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Bench", -1, -1,
                                    0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                    0) ||
        !X509_set_subject_name(cert, name) ||
        !X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) ||
        !X509_gmtime_adj(X509_getm_notBefore(cert), -DAY_SECONDS) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert), 365 * DAY_SECONDS) ||
        !X509_set_pubkey(cert, key) ||
        !add_ext(cert, issuer, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE") ||
        !add_ext(cert, issuer, NID_key_usage,
                 is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature") ||
        !add_ext(cert, issuer, NID_subject_key_identifier, "hash") ||
        !add_ext(cert, issuer, NID_authority_key_identifier, "keyid:always") ||
        !X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256())) {
        X509_free(cert);
        cert = NULL;
    }
    X509_NAME_free(name);
    return cert;
}

static int write_one(const char *dir, const char *file, X509 *cert)
{
    char path[4096];
    FILE *f;
    int ok;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (!(f = fopen(path, "w")))
        return 0;
    ok = PEM_write_X509(f, cert);
    return fclose(f) == 0 && ok;
}

int main(int argc, char **argv)
{
    EVP_PKEY *k_root, *k_int1, *k_int2, *k_leaf, *k_other, *k_ca[OTHER_CAS];
    X509 *root, *int1, *int2, *leaf, *ca[OTHER_CAS], *path[4];
    char path_name[4096], cn[64];
    long count, placed = 0, made = 0, serial = 1000;
    FILE *pool;

    if (argc != 3 || (count = atol(argv[2])) < 4 + OTHER_CAS) {
        fprintf(stderr, "usage: " PROG " OUTDIR COUNT (COUNT >= %d)\n", 4 + OTHER_CAS);
        return 2;
    }
    k_root = new_key();
    k_int1 = new_key();
    k_int2 = new_key();
    k_leaf = new_key();
    k_other = new_key();
    root = make_cert("Bench Root CA", k_root, NULL, NULL, 1, 1);
    int1 = make_cert("Bench Intermediate 1", k_int1, root, k_root, 1, 2);
    int2 = make_cert("Bench Intermediate 2", k_int2, int1, k_int1, 1, 3);
    leaf = make_cert("leaf.bench.example", k_leaf, int2, k_int2, 0, 4);
    if (!root || !int1 || !int2 || !leaf) {
        fprintf(stderr, PROG ": cannot make the path\n");
        return 1;
    }
    for (int i = 0; i < OTHER_CAS; i++) {
        snprintf(cn, sizeof(cn), "Throwaway CA %d", i);
        k_ca[i] = new_key();
        if (!k_ca[i] || !(ca[i] = make_cert(cn, k_ca[i], NULL, NULL, 1, serial++))) {
            fprintf(stderr, PROG ": cannot make a throwaway CA\n");
            return 1;
        }
    }
    if (!write_one(argv[1], "root.pem", root) || !write_one(argv[1], "leaf.pem", leaf)) {
        fprintf(stderr, PROG ": cannot write to %s\n", argv[1]);
        return 1;
    }
    snprintf(path_name, sizeof(path_name), "%s/pool.pem", argv[1]);
    if (!(pool = fopen(path_name, "w"))) {
        fprintf(stderr, PROG ": cannot write %s\n", path_name);
        return 1;
    }
    /* The path's four certificates spread through the pool, leaf last of
     * them and the root first: file order must not be what builds the
     * chain. */
    path[0] = leaf;
    path[1] = int1;
    path[2] = root;
    path[3] = int2;
    for (long n = 0; n < count; n++) {
        X509 *cert;

        if (placed < 4 && n == (placed + 1) * count / 5) {
            PEM_write_X509(pool, path[placed++]);
            continue;
        }
        if (made < OTHER_CAS) {
            PEM_write_X509(pool, ca[made++]);
            continue;
        }
        snprintf(cn, sizeof(cn), "unrelated-%ld.bench.example", n);
        cert = make_cert(cn, k_other, ca[n % OTHER_CAS], k_ca[n % OTHER_CAS], n % 3 == 0, serial++);
        if (!cert || !PEM_write_X509(pool, cert)) {
            fprintf(stderr, PROG ": cannot make certificate %ld\n", n);
            return 1;
        }
        X509_free(cert);
    }
    if (fclose(pool) != 0) {
        fprintf(stderr, PROG ": cannot write %s\n", path_name);
        return 1;
    }
    return 0;
}
