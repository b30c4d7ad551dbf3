/* Path building with OpenSSL's X509_verify_cert. This file chooses the
 * leaf and the anchors and explains failures; OpenSSL's issuer lookup does
 * the searching (it prefers issuers within their validity period). Nothing
 * here compares every input with every other: duplicates and the leaf are
 * found with hash sets, so a pool of thousands of certificates stays fast.
 * Nothing here prints either: the caller shows the diagnosis. */
#include "x509/chain.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "util/msg.h"
#include "x509/decode.h"
#include "x509/x509.h"

/* At most this many anchors are set aside (expired, not yet valid) before
 * giving up on finding a better path. */
#define MAX_ATTEMPTS 8

/* An open-addressing set of pointers keyed by a 64-bit hash; equal() makes
 * the final decision, so colliding hashes cost time, not correctness. */
struct hash_set {
    size_t cap; /* a power of two, at least twice the items */
    struct hash_slot {
        uint64_t key;
        const void *item;
    } * slots;
    int (*equal)(const void *a, const void *b);
};

static int hash_set_init(struct hash_set *set, size_t items,
                         int (*equal)(const void *a, const void *b))
{
    set->cap = 16;
    while (set->cap < items * 2)
        set->cap *= 2;
    set->equal = equal;
    set->slots = calloc(set->cap, sizeof(*set->slots));
    return set->slots ? 0 : -1;
}

static void hash_set_free(struct hash_set *set)
{
    free(set->slots);
    set->slots = NULL;
}

/* Returns the item already present that equals item, or NULL after adding
 * it (add: 0 only looks). */
static const void *hash_set_find(struct hash_set *set, uint64_t key, const void *item, int add)
{
    size_t i = (size_t)key & (set->cap - 1);

    while (set->slots[i].item) {
        if (set->slots[i].key == key && set->equal(set->slots[i].item, item))
            return set->slots[i].item;
        i = (i + 1) & (set->cap - 1);
    }
    if (add) {
        set->slots[i].key = key;
        set->slots[i].item = item;
    }
    return NULL;
}

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

int x509_certs_dedup(STACK_OF(X509) *certs)
{
    struct hash_set seen;
    STACK_OF(X509) *kept = NULL;
    int n = sk_X509_num(certs), dropped = 0, ret = -1;

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
    ret = dropped;
cleanup:
    sk_X509_free(kept);
    hash_set_free(&seen);
    return ret;
}

char *x509_cert_label(X509 *cert)
{
    char *subject = x509_name_text(X509_get_subject_name(cert));
    char *issuer = x509_name_text(X509_get_issuer_name(cert));
    const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(cert);
    char *aki_hex = NULL, *label = NULL;

    if (aki)
        aki_hex = OPENSSL_buf2hexstr(ASN1_STRING_get0_data(aki), ASN1_STRING_length(aki));
    if (asprintf(&label, "\"%s\" (issuer \"%s\", AKI %s)", subject ? subject : "?",
                 issuer ? issuer : "?", aki_hex ? aki_hex : "none") < 0)
        label = NULL;
    free(subject);
    free(issuer);
    OPENSSL_free(aki_hex);
    return label;
}

static char *subject_text(X509 *cert)
{
    return x509_name_text(X509_get_subject_name(cert));
}

/* The leaf finder; allow_ca also takes a CA that issued no other input
 * (a bundle of CA certificates, ordered from its lowest one). */
static X509 *find_leaf(STACK_OF(X509) *certs, int allow_ca, struct x509_chain_diag *diag)
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
            char *s = subject_text(sk_X509_value(candidates, i));
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
    return find_leaf(certs, 0, diag);
}

static int accept_everything(int ok, X509_STORE_CTX *ctx)
{
    (void)ok;
    (void)ctx;
    return 1;
}

static void time_text(const ASN1_TIME *t, char *text, size_t len)
{
    struct tm tm;

    if (!t || !ASN1_TIME_to_tm(t, &tm))
        snprintf(text, len, "?");
    else
        strftime(text, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The self-signed input set aside by --trust whose subject issued cert. */
static X509 *untrusted_root_for(STACK_OF(X509) *set_aside, X509 *cert)
{
    for (int i = 0; i < sk_X509_num(set_aside); i++)
        if (X509_check_issued(sk_X509_value(set_aside, i), cert) == X509_V_OK)
            return sk_X509_value(set_aside, i);
    return NULL;
}

static void diagnose(X509_STORE_CTX *ctx, STACK_OF(X509) *set_aside, struct x509_chain_diag *d)
{
    int err = X509_STORE_CTX_get_error(ctx);
    X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    char *label = cur ? x509_cert_label(cur) : NULL;
    const char *what = label ? label : "the certificate";
    char when[32];
    X509 *loop = NULL, *root;

    switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        /* OpenSSL never puts a certificate in a path twice: an issuer
         * already in the path means the links go round in a circle. */
        for (int i = 0; cur && i < sk_X509_num(chain); i++) {
            X509 *c = sk_X509_value(chain, i);
            if (c != cur && X509_check_issued(c, cur) == X509_V_OK)
                loop = c;
        }
        if (loop) {
            char *s = subject_text(loop);
            snprintf(d->why, sizeof(d->why),
                     "a loop: %s is issued by \"%s\", which is already in the path", what,
                     s ? s : "?");
            free(s);
        } else {
            snprintf(d->why, sizeof(d->why), "no issuer found for %s", what);
            if (cur && (root = untrusted_root_for(set_aside, cur)) != NULL) {
                char *s = subject_text(root);
                snprintf(d->hint, sizeof(d->hint),
                         "\"%s\" is among the inputs, but --trust does not trust it", s ? s : "?");
                free(s);
            } else {
                snprintf(d->hint, sizeof(d->hint),
                         "give the issuer's certificate as another FILE, or --trust FILE|system");
            }
        }
        break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
        time_text(X509_get0_notAfter(cur), when, sizeof(when));
        snprintf(d->why, sizeof(d->why), "%s expired on %s", what, when);
        break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        time_text(X509_get0_notBefore(cur), when, sizeof(when));
        snprintf(d->why, sizeof(d->why), "%s is not valid before %s", what, when);
        break;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        snprintf(d->why, sizeof(d->why),
                 "the signature of %s does not verify with its issuer's key", what);
        break;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        snprintf(d->why, sizeof(d->why), "the leaf %s is self-signed and not trusted", what);
        break;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        snprintf(d->why, sizeof(d->why),
                 "the path ends in %s, a self-signed root that is not trusted", what);
        snprintf(d->hint, sizeof(d->hint),
                 "give --trust a file that holds it, or leave out --trust");
        break;
    default:
        snprintf(d->why, sizeof(d->why), "the path does not verify at %s: %s", what,
                 X509_verify_cert_error_string(err));
    }
    free(label);
}

static int contains(STACK_OF(X509) *certs, X509 *cert)
{
    for (int i = 0; i < sk_X509_num(certs); i++)
        if (X509_cmp(sk_X509_value(certs, i), cert) == 0)
            return 1;
    return 0;
}

static X509_STORE *anchor_store(const struct x509_chain_request *req, STACK_OF(X509) *anchors,
                                STACK_OF(X509) *excluded)
{
    X509_STORE *store = X509_STORE_new();

    if (!store)
        return NULL;
    for (int i = 0; i < sk_X509_num(anchors); i++) {
        X509 *a = sk_X509_value(anchors, i);
        if (!contains(excluded, a) && !X509_STORE_add_cert(store, a))
            goto fail;
    }
    if (req->trust_system && !X509_STORE_set_default_paths(store))
        goto fail;
    if (req->order_only)
        X509_STORE_set_verify_cb(store, accept_everything);
    return store;
fail:
    X509_STORE_free(store);
    return NULL;
}

/* After a failure at an anchor that has expired or is not yet valid, with
 * another anchor left: set it aside so that the next try finds another
 * path (a cross-signed one, to a root that is still valid). */
static int retry_without(X509_STORE_CTX *ctx, STACK_OF(X509) *anchors, STACK_OF(X509) *excluded,
                         struct x509_path *path)
{
    int err = X509_STORE_CTX_get_error(ctx);
    X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
    char *label;

    if ((err != X509_V_ERR_CERT_HAS_EXPIRED && err != X509_V_ERR_CERT_NOT_YET_VALID) || !cur ||
        !contains(anchors, cur) || contains(excluded, cur) ||
        sk_X509_num(anchors) - sk_X509_num(excluded) < 2)
        return 0;
    if (!sk_X509_push(excluded, cur))
        return 0;
    label = subject_text(cur);
    snprintf(path->note, sizeof(path->note), "root \"%s\" is %s: another path was used",
             label ? label : "?", err == X509_V_ERR_CERT_HAS_EXPIRED ? "expired" : "not yet valid");
    free(label);
    return 1;
}

int x509_path_build(const struct x509_chain_request *req, struct x509_path *path,
                    struct x509_chain_diag *diag)
{
    STACK_OF(X509) *anchors = sk_X509_new_null(), *untrusted = sk_X509_new_null();
    STACK_OF(X509) *set_aside = sk_X509_new_null(), *excluded = sk_X509_new_null();
    X509_STORE *store = NULL;
    X509_STORE_CTX *ctx = NULL;
    X509 *leaf = req->leaf;
    int explicit_trust = req->trust || req->trust_system, ret = -1, done = 0;

    memset(path, 0, sizeof(*path));
    diag->why[0] = diag->hint[0] = '\0';
    if (!anchors || !untrusted || !set_aside || !excluded) {
        snprintf(diag->why, sizeof(diag->why), "cannot build the path: out of memory");
        goto cleanup;
    }
    if (!leaf && !(leaf = find_leaf(req->certs, 0, diag)) &&
        !(req->order_only && (leaf = find_leaf(req->certs, 1, diag))))
        goto cleanup;
    for (int i = 0; i < sk_X509_num(req->certs); i++) {
        X509 *cert = sk_X509_value(req->certs, i);

        if (X509_cmp(cert, leaf) == 0)
            continue;
        /* With --trust, a self-signed input is no anchor; left among the
         * untrusted, it would end a path that cannot verify and hide the
         * cross-signed path to a trusted root. */
        if (X509_self_signed(cert, 0) == 1)
            sk_X509_push(explicit_trust ? set_aside : anchors, cert);
        else
            sk_X509_push(untrusted, cert);
    }
    for (int i = 0; req->trust && i < sk_X509_num(req->trust); i++)
        sk_X509_push(anchors, sk_X509_value(req->trust, i));

    for (int attempt = 0; attempt < MAX_ATTEMPTS && !done; attempt++) {
        X509_STORE_CTX_free(ctx);
        X509_STORE_free(store);
        ctx = NULL;
        if (!(store = anchor_store(req, anchors, excluded)) || !(ctx = X509_STORE_CTX_new()) ||
            !X509_STORE_CTX_init(ctx, store, leaf, untrusted)) {
            snprintf(diag->why, sizeof(diag->why), "cannot build the path: %s",
                     msg_openssl_reason());
            goto cleanup;
        }
        if (X509_verify_cert(ctx) > 0 || req->order_only)
            done = 1;
        else if (!retry_without(ctx, anchors, excluded, path)) {
            diagnose(ctx, set_aside, diag);
            goto cleanup;
        }
    }
    if (!done) {
        snprintf(diag->why, sizeof(diag->why),
                 "no path: every root tried is outside its validity period");
        goto cleanup;
    }
    path->certs = X509_STORE_CTX_get1_chain(ctx);
    if (!path->certs || sk_X509_num(path->certs) < 1) {
        snprintf(diag->why, sizeof(diag->why), "cannot build the path: out of memory");
        goto cleanup;
    }
    path->root_name = subject_text(sk_X509_value(path->certs, sk_X509_num(path->certs) - 1));
    path->roots = sk_X509_num(anchors) - sk_X509_num(excluded);
    ret = 0;
cleanup:
    ERR_clear_error();
    if (ret < 0)
        x509_path_free(path);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_free(anchors);
    sk_X509_free(untrusted);
    sk_X509_free(set_aside);
    sk_X509_free(excluded);
    return ret;
}

int x509_chain_build(X509 *cert, STACK_OF(X509) *cas, const char *trust, struct x509_path *path,
                     char *why, size_t why_len)
{
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;
    struct x509_bundle anchors = {0};
    STACK_OF(X509) *own = NULL;
    int ret = -1;

    memset(path, 0, sizeof(*path));
    req.certs = cas;
    req.leaf = cert;
    if (trust && strcmp(trust, "system") == 0) {
        req.trust_system = 1;
    } else if (trust) {
        if (x509_decode_file(trust, NULL, &anchors) < 0) {
            snprintf(why, why_len, "cannot read the trust anchors in \"%s\"", trust);
            return -1;
        }
        req.trust = anchors.certs;
    }
    if (!req.certs && !(req.certs = sk_X509_new_null())) {
        snprintf(why, why_len, "out of memory");
        goto cleanup;
    }
    /* A self-signed certificate given alone is its own root. */
    if (!trust && sk_X509_num(req.certs) == 0 && (X509_get_extension_flags(cert) & EXFLAG_SS)) {
        if (!(req.trust = own = sk_X509_new_null()) || !sk_X509_push(own, cert)) {
            snprintf(why, why_len, "out of memory");
            goto cleanup;
        }
    }
    if (x509_path_build(&req, path, &diag) < 0) {
        snprintf(why, why_len, "%s", diag.why);
        goto cleanup;
    }
    ret = 0;
cleanup:
    sk_X509_free(own);
    if (req.certs != cas)
        sk_X509_free(req.certs);
    x509_bundle_free(&anchors);
    return ret;
}

STACK_OF(X509) *x509_path_intermediates(const struct x509_path *path)
{
    STACK_OF(X509) *out = sk_X509_new_null();
    int n = sk_X509_num(path->certs);

    for (int i = 1; out && i < n - 1; i++) {
        X509 *cert = sk_X509_value(path->certs, i);
        if (!X509_up_ref(cert) || !sk_X509_push(out, cert)) {
            sk_X509_pop_free(out, X509_free);
            return NULL;
        }
    }
    return out;
}

X509 *x509_path_root(const struct x509_path *path)
{
    int n = sk_X509_num(path->certs);
    X509 *root = n > 0 ? sk_X509_value(path->certs, n - 1) : NULL;

    if (root && !X509_up_ref(root))
        return NULL;
    return root;
}

void x509_path_free(struct x509_path *path)
{
    if (!path)
        return;
    sk_X509_pop_free(path->certs, X509_free);
    free(path->root_name);
    path->certs = NULL;
    path->root_name = NULL;
}
