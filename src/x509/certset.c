/* Sets of certificates as the inputs give them: duplicates dropped and the
 * leaf found with hash sets, so a pool of thousands stays linear. */
#include "x509/chain-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "util/hashset.h"

static int cert_equal(const void *a, const void *b)
{
    return X509_cmp((const X509 *)a, (const X509 *)b) == 0;
}

static int name_equal(const void *a, const void *b)
{
    return X509_NAME_cmp((const X509_NAME *)a, (const X509_NAME *)b) == 0;
}

static uint64_t name_key(const X509_NAME *name)
{
    int ok = 0;
    unsigned long h = X509_NAME_hash_ex(name, NULL, NULL, &ok);

    return ok ? (uint64_t)h : 0;
}

int x509_certs_dedup(STACK_OF(X509) *certs, int *dropped_out)
{
    struct hash_set seen;
    STACK_OF(X509) *kept = NULL;
    int n = sk_X509_num(certs), dropped = 0, ret = -1;

    *dropped_out = 0;
    if (n <= 1)
        return 0;
    if (hash_set_init(&seen, (size_t)n, cert_equal) < 0 || !(kept = sk_X509_new_reserve(NULL, n)))
        goto cleanup;
    for (int i = 0; i < n; i++) {
        X509 *cert = sk_X509_value(certs, i);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        uint64_t key = 0;

        if (!X509_digest(cert, EVP_sha256(), md, &md_len))
            goto cleanup;
        memcpy(&key, md, sizeof(key));
        if (hash_set_find(&seen, key, cert, 1)) {
            X509_free(cert);
            dropped++;
        } else {
            sk_X509_push(kept, cert);
        }
    }
    sk_X509_zero(certs);
    for (int i = 0; i < sk_X509_num(kept); i++)
        sk_X509_push(certs, sk_X509_value(kept, i));
    *dropped_out = dropped;
    ret = 0;
cleanup:
    sk_X509_free(kept);
    hash_set_free(&seen);
    return ret;
}

/* The leaf finder; allow_ca also takes a CA that issued no other input
 * (a bundle of CA certificates, ordered from its lowest one). */
X509 *x509_find_leaf(STACK_OF(X509) *certs, int allow_ca, struct x509_chain_diag *diag)
{
    struct hash_set issuers;
    STACK_OF(X509) *candidates = sk_X509_new_null();
    X509 *leaf = NULL;
    int n = sk_X509_num(certs);

    if (diag)
        diag->why[0] = diag->hint[0] = '\0';
    if (!candidates || hash_set_init(&issuers, (size_t)(n > 0 ? n : 1), name_equal) < 0) {
        sk_X509_free(candidates);
        if (diag)
            snprintf(diag->why, sizeof(diag->why), "cannot look for the leaf: out of memory");
        return NULL;
    }
    /* The names that issued some input (a self-issued certificate issued
     * nothing but itself). */
    for (int i = 0; i < n; i++) {
        X509 *cert = sk_X509_value(certs, i);
        const X509_NAME *issuer = X509_get_issuer_name(cert);

        if (X509_NAME_cmp(issuer, X509_get_subject_name(cert)) != 0)
            hash_set_find(&issuers, name_key(issuer), issuer, 1);
    }
    for (int i = 0; i < n; i++) {
        X509 *cert = sk_X509_value(certs, i);
        const X509_NAME *subject = X509_get_subject_name(cert);

        if (!hash_set_find(&issuers, name_key(subject), subject, 0) &&
            (allow_ca || X509_check_ca(cert) == 0))
            sk_X509_push(candidates, cert);
    }
    if (sk_X509_num(candidates) == 1) {
        leaf = sk_X509_value(candidates, 0);
    } else if (diag && sk_X509_num(candidates) == 0) {
        snprintf(diag->why, sizeof(diag->why),
                 "no leaf certificate among the inputs: each one is a CA or issued another");
        snprintf(diag->hint, sizeof(diag->hint), "name the leaf with --leaf FILE");
    } else if (diag) {
        size_t used =
            (size_t)snprintf(diag->why, sizeof(diag->why),
                             "%d leaf certificates among the inputs: ", sk_X509_num(candidates));

        for (int i = 0; i < sk_X509_num(candidates) && used < sizeof(diag->why) - 1; i++) {
            char *s = x509_subject_text(sk_X509_value(candidates, i));
            int w = snprintf(diag->why + used, sizeof(diag->why) - used, "%s\"%s\"", i ? ", " : "",
                             s ? s : "?");
            used += w > 0 ? (size_t)w : 0;
            free(s);
        }
        snprintf(diag->hint, sizeof(diag->hint), "name the leaf with --leaf FILE");
    }
    sk_X509_free(candidates);
    hash_set_free(&issuers);
    return leaf;
}

X509 *x509_chain_find_leaf(STACK_OF(X509) *certs, struct x509_chain_diag *diag)
{
    return x509_find_leaf(certs, 0, diag);
}
