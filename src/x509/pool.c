/* Pooled certificates: DER kept aside with its subject name, decoded in full
 * only when a path can use it (see x509/pool.h for why). */
#include "x509/pool.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "util/msg.h"

struct pooled {
    unsigned long subject_hash; /* X509_NAME_hash_ex: over the canonical encoding */
    X509_NAME *subject;
    unsigned char *der;
    long der_len;
    int taken; /* decoded and handed out */
};

struct x509_pool {
    struct pooled *items;
    size_t n, cap;
    int sorted;
};

struct x509_pool *x509_pool_new(void)
{
    return calloc(1, sizeof(struct x509_pool));
}

static void drop_from(struct x509_pool *pool, size_t from)
{
    while (pool->n > from) {
        struct pooled *it = &pool->items[--pool->n];

        X509_NAME_free(it->subject);
        OPENSSL_free(it->der);
    }
}

void x509_pool_free(struct x509_pool *pool)
{
    if (!pool)
        return;
    drop_from(pool, 0);
    free(pool->items);
    free(pool);
}

/* The subject of a DER certificate, found by stepping over the fields
 * before it (version, serial, signature, issuer, validity) without
 * decoding them. NULL when it does not look like a certificate. */
static X509_NAME *der_subject(const unsigned char *der, long der_len)
{
    const unsigned char *p = der, *end = der + der_len, *q;
    long len;
    int tag, cls;

    /* Into Certificate, then into tbsCertificate. */
    for (int i = 0; i < 2; i++) {
        if (ASN1_get_object(&p, &len, &tag, &cls, end - p) != V_ASN1_CONSTRUCTED ||
            tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL)
            return NULL;
    }
    for (int field = 0; field < 5; field++) {
        q = p;
        if (ASN1_get_object(&q, &len, &tag, &cls, end - p) & 0x81)
            return NULL; /* an error, or an indefinite length DER does not have */
        if (field == 0 && !(cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0))
            continue; /* no [0] version: a v1 certificate */
        p = q + len;
    }
    return d2i_X509_NAME(NULL, &p, end - p);
}

static int add_item(struct x509_pool *pool, unsigned char *der, long der_len, X509_NAME *subject,
                    unsigned long hash)
{
    if (pool->n == pool->cap) {
        size_t cap = pool->cap ? pool->cap * 2 : 256;
        struct pooled *grown = realloc(pool->items, cap * sizeof(*grown));

        if (!grown)
            return -1;
        pool->items = grown;
        pool->cap = cap;
    }
    pool->items[pool->n++] = (struct pooled){hash, subject, der, der_len, 0};
    pool->sorted = 0;
    return 0;
}

/* path as a BIO when it is a regular file; NULL otherwise (a FIFO is not
 * waited on: O_NONBLOCK), for the usual decoder to say why. */
static BIO *open_regular(const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    FILE *fp;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !(fp = fdopen(fd, "rb"))) {
        close(fd);
        return NULL;
    }
    return BIO_new_fp(fp, BIO_CLOSE);
}

int x509_pool_add_pem_file(struct x509_pool *pool, const char *path, int *taken)
{
    BIO *bio = open_regular(path);
    size_t from = pool->n;
    int ret = 0;

    *taken = 0;
    if (!bio) {
        ERR_clear_error();
        return 0; /* the usual decoder says why */
    }
    for (;;) {
        char *type = NULL, *header = NULL;
        unsigned char *der = NULL;
        long der_len = 0;
        X509_NAME *subject = NULL;
        unsigned long hash = 0;
        int ok = 0;

        if (!PEM_read_bio(bio, &type, &header, &der, &der_len)) {
            unsigned long e = ERR_peek_last_error();

            /* The end of the file after at least one certificate: taken. */
            *taken = pool->n > from && ERR_GET_LIB(e) == ERR_LIB_PEM &&
                     ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
            ERR_clear_error();
            break;
        }
        if (strcmp(type, PEM_STRING_X509) == 0 && !*header &&
            (subject = der_subject(der, der_len)) != NULL)
            hash = X509_NAME_hash_ex(subject, NULL, NULL, &ok);
        OPENSSL_free(type);
        OPENSSL_free(header);
        if (!ok) {
            X509_NAME_free(subject);
            OPENSSL_free(der);
            ERR_clear_error();
            break; /* not only certificates: the usual decoder takes the file */
        }
        if (add_item(pool, der, der_len, subject, hash) < 0) {
            X509_NAME_free(subject);
            OPENSSL_free(der);
            errorf("cannot read \"%s\": out of memory", path);
            ret = -1;
            break;
        }
    }
    BIO_free(bio);
    if (ret < 0 || !*taken) {
        *taken = 0;
        drop_from(pool, from);
    }
    return ret;
}

static int by_hash(const void *a, const void *b)
{
    unsigned long x = ((const struct pooled *)a)->subject_hash;
    unsigned long y = ((const struct pooled *)b)->subject_hash;

    return x < y ? -1 : x > y;
}

/* The first item whose subject hash is hash, or pool->n. */
static size_t first_with(const struct x509_pool *pool, unsigned long hash)
{
    size_t lo = 0, hi = pool->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (pool->items[mid].subject_hash < hash)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int x509_pool_take_issuers(struct x509_pool *pool, STACK_OF(X509) *certs)
{
    if (!pool->sorted) {
        qsort(pool->items, pool->n, sizeof(*pool->items), by_hash);
        pool->sorted = 1;
    }
    /* certs grows as issuers are found: each is looked at once, in turn. */
    for (int i = 0; i < sk_X509_num(certs); i++) {
        const X509_NAME *issuer = X509_get_issuer_name(sk_X509_value(certs, i));
        int ok = 0;
        unsigned long hash = X509_NAME_hash_ex(issuer, NULL, NULL, &ok);

        if (!ok) {
            errorf("cannot compare certificate names: %s", msg_openssl_reason());
            return -1;
        }
        for (size_t k = first_with(pool, hash); k < pool->n && pool->items[k].subject_hash == hash;
             k++) {
            struct pooled *it = &pool->items[k];
            const unsigned char *p = it->der;
            X509 *cert;

            if (it->taken || X509_NAME_cmp(it->subject, issuer) != 0)
                continue;
            it->taken = 1;
            if (!(cert = d2i_X509(NULL, &p, it->der_len))) {
                char *subject = X509_NAME_oneline(it->subject, NULL, 0);

                errorf("cannot read the certificate of \"%s\": %s", subject ? subject : "?",
                       msg_openssl_reason());
                OPENSSL_free(subject);
                return -1;
            }
            if (!sk_X509_push(certs, cert)) {
                X509_free(cert);
                errorf("out of memory");
                return -1;
            }
        }
    }
    return 0;
}
