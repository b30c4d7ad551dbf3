/* Unit tests of the path builder (x509/chain.h): x509_certs_dedup,
 * x509_chain_find_leaf, x509_path_build (order independent of the input
 * order, a missing or expired intermediate, a signature that does not
 * verify, two leaves, --trust restricting the anchors, a cross-signed path
 * around an expired root, ordering a bundle of CAs, a pool of 10,000
 * certificates), x509_certs_order, x509_chain_build and the path's
 * intermediates and root, and certificates fetched from caIssuers URLs
 * (diag.stuck, never an anchor). The certificates are made in memory (pki.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "x509/chain.h"

#include "capture.h"
#include "pki.h"

/* A new stack holding new references to the non-NULL ones. */
static STACK_OF(X509) *stack_of(X509 *a, X509 *b, X509 *c, X509 *d)
{
    STACK_OF(X509) *s = sk_X509_new_null();
    X509 *all[] = {a, b, c, d};

    assert_non_null(s);
    for (int i = 0; i < 4; i++)
        if (all[i]) {
            assert_true(X509_up_ref(all[i]));
            assert_true(sk_X509_push(s, all[i]) > 0);
        }
    return s;
}

/* The subjects of certs, "CN=a|CN=b|...", for one comparison that shows
 * the whole order when it fails. */
static void subjects(STACK_OF(X509) *certs, char *out, size_t out_len)
{
    size_t used = 0;

    out[0] = '\0';
    for (int i = 0; i < sk_X509_num(certs); i++) {
        char line[256];

        X509_NAME_oneline(X509_get_subject_name(sk_X509_value(certs, i)), line, sizeof(line));
        used += (size_t)snprintf(out + used, out_len - used, "%s%s", i ? "|" : "", line + 1);
        assert_true(used < out_len);
    }
}

static void assert_subjects(STACK_OF(X509) *certs, const char *expected)
{
    char got[2048];

    subjects(certs, got, sizeof(got));
    assert_string_equal(got, expected);
}

static void assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("\"%s\" lacks \"%s\"", text, needle);
}

/* Builds req's path, which must succeed. */
static void build_ok(const struct x509_chain_request *req, struct x509_path *path)
{
    struct x509_chain_diag diag;

    if (x509_path_build(req, path, &diag) != 0)
        fail_msg("no path: %s (hint: %s)", diag.why, diag.hint);
    assert_string_equal(diag.why, "");
}

/* Builds req's path, which must fail: path left empty, a one-line why. */
static void build_fails(const struct x509_chain_request *req, struct x509_chain_diag *diag)
{
    struct x509_path path;

    assert_int_equal(x509_path_build(req, &path, diag), -1);
    assert_null(path.certs);
    assert_null(path.root_name);
    assert_true(diag->why[0] != '\0');
    assert_null(strchr(diag->why, '\n'));
    assert_null(strchr(diag->hint, '\n'));
}

static void test_chain_order(void **state)
{
    STACK_OF(X509) *certs = stack_of(pki.root, pki.leaf, pki.inter, pki.root);
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;
    struct x509_path path;
    int dropped;

    (void)state;
    assert_int_equal(x509_certs_dedup(certs, &dropped), 0);
    assert_int_equal(dropped, 1);
    assert_int_equal(sk_X509_num(certs), 3);
    assert_ptr_equal(x509_chain_find_leaf(certs, &diag), pki.leaf);
    req.certs = certs;
    if (x509_path_build(&req, &path, &diag) != 0)
        fail_msg("no path: %s", diag.why);
    assert_int_equal(sk_X509_num(path.certs), 3);
    assert_int_equal(X509_cmp(sk_X509_value(path.certs, 0), pki.leaf), 0);
    assert_int_equal(X509_cmp(sk_X509_value(path.certs, 1), pki.inter), 0);
    assert_int_equal(X509_cmp(sk_X509_value(path.certs, 2), pki.root), 0);
    assert_string_equal(path.root_name, "CN=Test Root");
    x509_path_free(&path);
    sk_X509_pop_free(certs, X509_free);

    /* The intermediate missing: named, with its issuer. */
    certs = stack_of(pki.leaf, pki.root, NULL, NULL);
    req.certs = certs;
    assert_int_equal(x509_path_build(&req, &path, &diag), -1);
    assert_null(path.certs);
    if (!strstr(diag.why, "no issuer found for \"CN=www.example.com\" (issuer \"CN=Test "
                          "Intermediate\", AKI "))
        fail_msg("diagnosis: %s", diag.why);
    /* Ordering only: as far as the links go. */
    req.order_only = 1;
    assert_int_equal(x509_path_build(&req, &path, &diag), 0);
    assert_int_equal(sk_X509_num(path.certs), 1);
    x509_path_free(&path);
    sk_X509_pop_free(certs, X509_free);
}

/* A pool of 10,000 certificates: the leaf's path is found among them. The
 * test asserts the result, not the time (make bench measures speed); a
 * quadratic implementation shows up as a test that takes minutes. */
static void test_chain_pool(void **state)
{
    STACK_OF(X509) *pool = sk_X509_new_null();
    X509 *ca = make_cert("Pool CA", pki.inter_key, pki.root, pki.root_key, 1, NULL, 100);
    X509 *leaf = make_cert("pool-leaf.example.com", pki.leaf_key, ca, pki.inter_key, 0,
                           "DNS:pool-leaf.example.com", 101);
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;
    struct x509_path path;
    char cn[64];
    int dropped;

    (void)state;
    for (int i = 0; i < 10000; i++) {
        snprintf(cn, sizeof(cn), "Pool CA %d", i);
        sk_X509_push(pool, make_cert(cn, pki.inter_key, pki.root, pki.root_key, 1, NULL, 1000 + i));
    }
    sk_X509_push(pool, ca);
    X509_up_ref(pki.root);
    sk_X509_push(pool, pki.root);
    /* Duplicates of every tenth one. */
    for (int i = 0; i < 10000; i += 10) {
        X509 *dup = sk_X509_value(pool, i);
        X509_up_ref(dup);
        sk_X509_push(pool, dup);
    }
    assert_int_equal(x509_certs_dedup(pool, &dropped), 0);
    assert_int_equal(dropped, 1000);
    assert_int_equal(sk_X509_num(pool), 10002);
    req.certs = pool;
    req.leaf = leaf;
    if (x509_path_build(&req, &path, &diag) != 0)
        fail_msg("no path: %s", diag.why);
    assert_int_equal(sk_X509_num(path.certs), 3);
    assert_int_equal(X509_cmp(sk_X509_value(path.certs, 1), ca), 0);
    x509_path_free(&path);
    X509_free(leaf);
    sk_X509_pop_free(pool, X509_free);
}

/* Later copies dropped, the first kept where it stood; a re-issued
 * certificate (same subject and key, another serial) is no copy. */
static void test_dedup(void **state)
{
    X509 *reissued =
        make_cert("Test Intermediate", pki.inter_key, pki.root, pki.root_key, 1, NULL, 22);
    STACK_OF(X509) *certs = stack_of(pki.inter, pki.leaf, pki.inter, pki.root);
    int dropped = -1;

    (void)state;
    assert_true(sk_X509_push(certs, pki.leaf) > 0);
    assert_true(X509_up_ref(pki.leaf));
    assert_true(sk_X509_push(certs, reissued) > 0);
    assert_int_equal(sk_X509_num(certs), 6);
    assert_int_equal(x509_certs_dedup(certs, &dropped), 0);
    assert_int_equal(dropped, 2);
    assert_int_equal(sk_X509_num(certs), 4);
    assert_ptr_equal(sk_X509_value(certs, 0), pki.inter);
    assert_ptr_equal(sk_X509_value(certs, 1), pki.leaf);
    assert_ptr_equal(sk_X509_value(certs, 2), pki.root);
    assert_ptr_equal(sk_X509_value(certs, 3), reissued);
    sk_X509_pop_free(certs, X509_free);

    /* Nothing to drop: one certificate, none, all different. */
    certs = stack_of(pki.leaf, NULL, NULL, NULL);
    dropped = -1;
    assert_int_equal(x509_certs_dedup(certs, &dropped), 0);
    assert_int_equal(dropped, 0);
    assert_int_equal(sk_X509_num(certs), 1);
    sk_X509_pop_free(certs, X509_free);
    certs = sk_X509_new_null();
    dropped = -1;
    assert_int_equal(x509_certs_dedup(certs, &dropped), 0);
    assert_int_equal(dropped, 0);
    sk_X509_free(certs);
    certs = stack_of(pki.root, pki.inter, pki.leaf, NULL);
    dropped = -1;
    assert_int_equal(x509_certs_dedup(certs, &dropped), 0);
    assert_int_equal(dropped, 0);
    assert_subjects(certs, "CN=Test Root|CN=Test Intermediate|CN=www.example.com");
    sk_X509_pop_free(certs, X509_free);
}

/* Every order of leaf, intermediate and root gives the same path, leaf
 * first; x509_certs_order gives it too, with the same objects. */
static void test_order_independent(void **state)
{
    static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                    {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    X509 *three[3] = {pki.leaf, pki.inter, pki.root};

    (void)state;
    for (int p = 0; p < 6; p++) {
        STACK_OF(X509) *certs =
            stack_of(three[perms[p][0]], three[perms[p][1]], three[perms[p][2]], NULL);
        struct x509_chain_request req = {0};
        struct x509_path path;
        STACK_OF(X509) *ordered;
        int chained = -1;

        req.certs = certs;
        assert_ptr_equal(x509_chain_find_leaf(certs, NULL), pki.leaf);
        build_ok(&req, &path);
        assert_subjects(path.certs, "CN=www.example.com|CN=Test Intermediate|CN=Test Root");
        assert_string_equal(path.root_name, "CN=Test Root");
        assert_int_equal(path.roots, 1);
        assert_string_equal(path.note, "");
        x509_path_free(&path);
        assert_null(path.certs);

        ordered = x509_certs_order(certs, &chained);
        assert_non_null(ordered);
        assert_int_equal(chained, 3);
        assert_int_equal(sk_X509_num(ordered), 3);
        assert_ptr_equal(sk_X509_value(ordered, 0), pki.leaf);
        assert_ptr_equal(sk_X509_value(ordered, 1), pki.inter);
        assert_ptr_equal(sk_X509_value(ordered, 2), pki.root);
        sk_X509_free(ordered);
        sk_X509_pop_free(certs, X509_free);
    }
}

/* Leaf, intermediates, root: x509_path_intermediates and x509_path_root
 * hand back new references to the right ones. */
static void test_path_parts(void **state)
{
    EVP_PKEY *key2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *inter2 = make_cert("Test Issuing CA", key2, pki.inter, pki.inter_key, 1, NULL, 30);
    X509 *leaf2 = make_cert("deep.example.com", pki.leaf_key, inter2, key2, 0, NULL, 31);
    STACK_OF(X509) *certs = stack_of(pki.root, inter2, pki.inter, NULL);
    struct x509_chain_request req = {0};
    struct x509_path path;
    STACK_OF(X509) *mids;
    X509 *root;

    (void)state;
    /* The leaf given (--leaf), not among the inputs. */
    req.certs = certs;
    req.leaf = leaf2;
    build_ok(&req, &path);
    assert_subjects(path.certs,
                    "CN=deep.example.com|CN=Test Issuing CA|CN=Test Intermediate|CN=Test Root");
    assert_ptr_equal(sk_X509_value(path.certs, 0), leaf2);
    mids = x509_path_intermediates(&path);
    assert_non_null(mids);
    assert_subjects(mids, "CN=Test Issuing CA|CN=Test Intermediate");
    assert_ptr_equal(sk_X509_value(mids, 0), inter2);
    assert_ptr_equal(sk_X509_value(mids, 1), pki.inter);
    root = x509_path_root(&path);
    assert_ptr_equal(root, pki.root);
    /* New references: still good after the path is gone. */
    x509_path_free(&path);
    assert_int_equal(X509_cmp(root, pki.root), 0);
    assert_int_equal(X509_cmp(sk_X509_value(mids, 0), inter2), 0);
    X509_free(root);
    sk_X509_pop_free(mids, X509_free);

    /* One step: no intermediates. */
    sk_X509_pop_free(certs, X509_free);
    certs = stack_of(pki.root, pki.leaf, pki.inter, NULL);
    req.certs = certs;
    req.leaf = pki.inter;
    build_ok(&req, &path);
    assert_subjects(path.certs, "CN=Test Intermediate|CN=Test Root");
    mids = x509_path_intermediates(&path);
    assert_non_null(mids);
    assert_int_equal(sk_X509_num(mids), 0);
    sk_X509_free(mids);
    root = x509_path_root(&path);
    assert_ptr_equal(root, pki.root);
    X509_free(root);
    x509_path_free(&path);

    sk_X509_pop_free(certs, X509_free);
    X509_free(leaf2);
    X509_free(inter2);
    EVP_PKEY_free(key2);
}

/* No intermediate: the leaf is named with its issuer, and the hint says
 * how to give it. */
static void test_missing_intermediate(void **state)
{
    STACK_OF(X509) *certs = stack_of(pki.root, pki.leaf, NULL, NULL);
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;

    (void)state;
    req.certs = certs;
    build_fails(&req, &diag);
    assert_contains(diag.why, "no issuer found for \"CN=www.example.com\" (issuer \"CN=Test "
                              "Intermediate\", AKI ");
    assert_string_equal(diag.hint,
                        "give the issuer's certificate as another FILE, or --trust FILE|system");
    /* No anchor at all: the intermediate is the one without an issuer. */
    sk_X509_pop_free(certs, X509_free);
    certs = stack_of(pki.inter, pki.leaf, NULL, NULL);
    req.certs = certs;
    build_fails(&req, &diag);
    assert_contains(diag.why, "no issuer found for \"CN=Test Intermediate\" (issuer \"CN=Test "
                              "Root\", AKI ");
    sk_X509_pop_free(certs, X509_free);
}

/* An intermediate past its notAfter: named, with "expired on". */
static void test_expired_intermediate(void **state)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *old = make_cert_dated("Old Intermediate", key, pki.root, pki.root_key, 1, NULL, 40,
                                -60 * PKI_DAY, -30 * PKI_DAY);
    X509 *leaf = make_cert("old.example.com", pki.leaf_key, old, key, 0, NULL, 41);
    STACK_OF(X509) *certs = stack_of(leaf, old, pki.root, NULL);
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;

    (void)state;
    req.certs = certs;
    build_fails(&req, &diag);
    assert_contains(diag.why, "\"CN=Old Intermediate\" (issuer \"CN=Test Root\", AKI ");
    assert_contains(diag.why, " expired on ");
    assert_null(strstr(diag.why, "old.example.com"));
    /* The date is the intermediate's notAfter, as ISO 8601. */
    {
        struct tm tm;
        char when[32];

        assert_true(ASN1_TIME_to_tm(X509_get0_notAfter(old), &tm));
        strftime(when, sizeof(when), "expired on %Y-%m-%dT%H:%M:%SZ", &tm);
        assert_contains(diag.why, when);
    }
    sk_X509_pop_free(certs, X509_free);
    X509_free(leaf);
    X509_free(old);
    EVP_PKEY_free(key);
}

/* A leaf whose issuer name and AKI are the intermediate's but that the
 * root's key signed. */
static void test_bad_signature(void **state)
{
    X509 *forged =
        make_cert("forged.example.com", pki.leaf_key, pki.inter, pki.root_key, 0, NULL, 50);
    STACK_OF(X509) *certs = stack_of(pki.inter, forged, pki.root, NULL);
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;

    (void)state;
    req.certs = certs;
    assert_ptr_equal(x509_chain_find_leaf(certs, NULL), forged);
    build_fails(&req, &diag);
    assert_contains(diag.why, "the signature of \"CN=forged.example.com\" (issuer \"CN=Test "
                              "Intermediate\", AKI ");
    assert_contains(diag.why, "does not verify with its issuer's key");
    /* Ordering checks nothing: the forged leaf is ordered all the same. */
    req.order_only = 1;
    {
        struct x509_path path;

        build_ok(&req, &path);
        assert_subjects(path.certs, "CN=forged.example.com|CN=Test Intermediate|CN=Test Root");
        x509_path_free(&path);
    }
    sk_X509_pop_free(certs, X509_free);
    X509_free(forged);
}

/* Two leaves: neither is chosen, both are named, and --leaf is the way out. */
static void test_two_leaves(void **state)
{
    X509 *other =
        make_cert("mail.example.com", pki.leaf_key, pki.inter, pki.inter_key, 0, NULL, 60);
    STACK_OF(X509) *certs = stack_of(pki.leaf, pki.inter, other, pki.root);
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;
    struct x509_path path;

    (void)state;
    assert_null(x509_chain_find_leaf(certs, &diag));
    assert_string_equal(diag.why, "2 leaf certificates among the inputs: \"CN=www.example.com\", "
                                  "\"CN=mail.example.com\"");
    assert_string_equal(diag.hint, "name the leaf with --leaf FILE");
    req.certs = certs;
    build_fails(&req, &diag);
    assert_contains(diag.why, "\"CN=www.example.com\"");
    assert_contains(diag.why, "\"CN=mail.example.com\"");
    assert_contains(diag.hint, "--leaf");
    /* Named: it is the start. */
    req.leaf = other;
    build_ok(&req, &path);
    assert_subjects(path.certs, "CN=mail.example.com|CN=Test Intermediate|CN=Test Root");
    x509_path_free(&path);

    /* No leaf at all: every input is a CA. */
    sk_X509_pop_free(certs, X509_free);
    certs = stack_of(pki.inter, pki.root, NULL, NULL);
    assert_null(x509_chain_find_leaf(certs, &diag));
    assert_string_equal(diag.why,
                        "no leaf certificate among the inputs: each one is a CA or issued another");
    assert_string_equal(diag.hint, "name the leaf with --leaf FILE");
    sk_X509_pop_free(certs, X509_free);
    X509_free(other);
}

/* --trust: a self-signed input it does not hold is no anchor, and the hint
 * says so; with the root in trust the same inputs verify. */
static void test_trust_restricts(void **state)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *elsewhere = make_cert("Elsewhere Root", key, NULL, NULL, 1, NULL, 70);
    STACK_OF(X509) *certs = stack_of(pki.leaf, pki.inter, pki.root, NULL);
    STACK_OF(X509) *trust = stack_of(elsewhere, NULL, NULL, NULL);
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;
    struct x509_path path;

    (void)state;
    req.certs = certs;
    req.trust = trust;
    build_fails(&req, &diag);
    assert_contains(diag.why, "no issuer found for \"CN=Test Intermediate\" (issuer \"CN=Test "
                              "Root\", AKI ");
    assert_string_equal(diag.hint, "\"CN=Test Root\" is among the inputs, but --trust does not "
                                   "trust it");

    /* The root in trust: the path ends in it, the one anchor. */
    sk_X509_pop_free(trust, X509_free);
    trust = stack_of(elsewhere, pki.root, NULL, NULL);
    req.trust = trust;
    build_ok(&req, &path);
    assert_subjects(path.certs, "CN=www.example.com|CN=Test Intermediate|CN=Test Root");
    assert_int_equal(path.roots, 2);
    x509_path_free(&path);

    /* Trusted only through --trust: the inputs need not hold the root. */
    sk_X509_pop_free(certs, X509_free);
    certs = stack_of(pki.leaf, pki.inter, NULL, NULL);
    req.certs = certs;
    build_ok(&req, &path);
    assert_subjects(path.certs, "CN=www.example.com|CN=Test Intermediate|CN=Test Root");
    x509_path_free(&path);

    /* Without --trust, a self-signed input that is not the leaf's is an
     * anchor too, but not the one this path ends in. */
    sk_X509_pop_free(certs, X509_free);
    certs = stack_of(pki.leaf, elsewhere, pki.inter, pki.root);
    req.trust = NULL;
    req.certs = certs;
    build_ok(&req, &path);
    assert_string_equal(path.root_name, "CN=Test Root");
    assert_int_equal(path.roots, 2);
    x509_path_free(&path);

    sk_X509_pop_free(certs, X509_free);
    sk_X509_pop_free(trust, X509_free);
    X509_free(elsewhere);
    EVP_PKEY_free(key);
}

/* A cross-signed hierarchy: the intermediate's issuer "Old Root" is an
 * expired self-signed root, and also a certificate for the same name and
 * key that the valid "New Root" signed. The path goes round the expired
 * root to the valid one, and the note says why. */
static void test_cross_signed(void **state)
{
    EVP_PKEY *old_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *new_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *old_root =
        make_cert_dated("Old Root", old_key, NULL, NULL, 1, NULL, 80, -400 * PKI_DAY, -PKI_DAY);
    X509 *new_root = make_cert("New Root", new_key, NULL, NULL, 1, NULL, 81);
    X509 *cross = make_cert("Old Root", old_key, new_root, new_key, 1, NULL, 82);
    X509 *inter = make_cert("Cross Intermediate", pki.inter_key, old_root, old_key, 1, NULL, 83);
    X509 *leaf = make_cert("cross.example.com", pki.leaf_key, inter, pki.inter_key, 0, NULL, 84);
    STACK_OF(X509) *certs = stack_of(old_root, leaf, cross, inter);
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;
    struct x509_path path;
    STACK_OF(X509) *mids;
    X509 *root;

    (void)state;
    assert_true(sk_X509_push(certs, new_root) > 0);
    assert_true(X509_up_ref(new_root));
    req.certs = certs;
    build_ok(&req, &path);
    assert_subjects(path.certs,
                    "CN=cross.example.com|CN=Cross Intermediate|CN=Old Root|CN=New Root");
    assert_ptr_equal(sk_X509_value(path.certs, 2), cross);
    assert_string_equal(path.root_name, "CN=New Root");
    assert_string_equal(path.note, "root \"CN=Old Root\" is expired: another path was used");
    assert_int_equal(path.roots, 1);
    mids = x509_path_intermediates(&path);
    assert_int_equal(sk_X509_num(mids), 2);
    assert_ptr_equal(sk_X509_value(mids, 1), cross);
    sk_X509_pop_free(mids, X509_free);
    root = x509_path_root(&path);
    assert_ptr_equal(root, new_root);
    X509_free(root);
    x509_path_free(&path);

    /* Without the valid root, nothing to go round to: the expired root is
     * named. */
    sk_X509_pop_free(certs, X509_free);
    certs = stack_of(old_root, leaf, cross, inter);
    req.certs = certs;
    build_fails(&req, &diag);
    assert_contains(diag.why, "\"CN=Old Root\" (issuer \"CN=Old Root\", AKI none) expired on ");
    assert_string_equal(diag.hint, "");

    sk_X509_pop_free(certs, X509_free);
    X509_free(leaf);
    X509_free(inter);
    X509_free(cross);
    X509_free(new_root);
    X509_free(old_root);
    EVP_PKEY_free(old_key);
    EVP_PKEY_free(new_key);
}

/* A bundle of CA certificates only: order_only starts from the lowest CA;
 * a real build finds no leaf. */
static void test_order_only_cas(void **state)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *issuing = make_cert("Test Issuing CA", key, pki.inter, pki.inter_key, 1, NULL, 90);
    STACK_OF(X509) *certs = stack_of(pki.root, issuing, pki.inter, NULL);
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;
    struct x509_path path;
    STACK_OF(X509) *ordered;
    int chained = -1;

    (void)state;
    req.certs = certs;
    build_fails(&req, &diag);
    assert_string_equal(diag.why,
                        "no leaf certificate among the inputs: each one is a CA or issued another");
    req.order_only = 1;
    build_ok(&req, &path);
    assert_subjects(path.certs, "CN=Test Issuing CA|CN=Test Intermediate|CN=Test Root");
    x509_path_free(&path);

    ordered = x509_certs_order(certs, &chained);
    assert_int_equal(chained, 3);
    assert_subjects(ordered, "CN=Test Issuing CA|CN=Test Intermediate|CN=Test Root");
    sk_X509_free(ordered);

    sk_X509_pop_free(certs, X509_free);
    X509_free(issuing);
    EVP_PKEY_free(key);
}

/* x509_certs_order: the leaf's path first, then what is off it in input
 * order; input order when there is no single leaf or only one input. */
static void test_certs_order(void **state)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *side_ca = make_cert("Side CA", key, pki.root, pki.root_key, 1, NULL, 95);
    X509 *other_root = make_cert("Other Root", key, NULL, NULL, 1, NULL, 96);
    X509 *other =
        make_cert("mail.example.com", pki.leaf_key, pki.inter, pki.inter_key, 0, NULL, 97);
    STACK_OF(X509) *all = stack_of(side_ca, pki.root, other_root, pki.leaf);
    STACK_OF(X509) *ordered;
    int chained = -1;

    (void)state;
    assert_true(sk_X509_push(all, pki.inter) > 0);
    assert_true(X509_up_ref(pki.inter));
    ordered = x509_certs_order(all, &chained);
    assert_non_null(ordered);
    assert_int_equal(chained, 3);
    assert_int_equal(sk_X509_num(ordered), 5);
    assert_ptr_equal(sk_X509_value(ordered, 0), pki.leaf);
    assert_ptr_equal(sk_X509_value(ordered, 1), pki.inter);
    assert_ptr_equal(sk_X509_value(ordered, 2), pki.root);
    assert_ptr_equal(sk_X509_value(ordered, 3), side_ca);
    assert_ptr_equal(sk_X509_value(ordered, 4), other_root);
    sk_X509_free(ordered);
    /* all is left as it was. */
    assert_subjects(all, "CN=Side CA|CN=Test Root|CN=Other Root|CN=www.example.com|"
                         "CN=Test Intermediate");

    /* Two leaves: input order, no path. */
    assert_true(sk_X509_push(all, other) > 0);
    assert_true(X509_up_ref(other));
    chained = -1;
    ordered = x509_certs_order(all, &chained);
    assert_int_equal(chained, 0);
    assert_subjects(ordered, "CN=Side CA|CN=Test Root|CN=Other Root|CN=www.example.com|"
                             "CN=Test Intermediate|CN=mail.example.com");
    sk_X509_free(ordered);
    sk_X509_pop_free(all, X509_free);

    /* One input; a leaf without its issuer. */
    all = stack_of(pki.leaf, NULL, NULL, NULL);
    chained = -1;
    ordered = x509_certs_order(all, &chained);
    assert_int_equal(chained, 0);
    assert_int_equal(sk_X509_num(ordered), 1);
    assert_ptr_equal(sk_X509_value(ordered, 0), pki.leaf);
    sk_X509_free(ordered);
    sk_X509_pop_free(all, X509_free);
    all = stack_of(pki.root, pki.leaf, NULL, NULL);
    chained = -1;
    ordered = x509_certs_order(all, &chained);
    assert_int_equal(chained, 0);
    assert_subjects(ordered, "CN=Test Root|CN=www.example.com");
    sk_X509_free(ordered);
    sk_X509_pop_free(all, X509_free);

    X509_free(other);
    X509_free(other_root);
    X509_free(side_ca);
    EVP_PKEY_free(key);
}

/* A CA that issued another input which issued it back: a loop, named. */
static void test_loop(void **state)
{
    EVP_PKEY *key_a = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *key_b = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *b_self = make_cert("Loop B", key_b, NULL, NULL, 1, NULL, 110);
    X509 *a = make_cert("Loop A", key_a, b_self, key_b, 1, NULL, 111);
    X509 *b = make_cert("Loop B", key_b, a, key_a, 1, NULL, 112);
    X509 *leaf = make_cert("loop.example.com", pki.leaf_key, a, key_a, 0, NULL, 113);
    STACK_OF(X509) *certs = stack_of(leaf, a, b, NULL);
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;

    (void)state;
    req.certs = certs;
    build_fails(&req, &diag);
    assert_contains(diag.why, "a loop: \"CN=Loop B\" (issuer \"CN=Loop A\", AKI ");
    assert_contains(diag.why, "is issued by \"CN=Loop A\", which is already in the path");
    /* A loop is not a missing issuer: nothing to fetch. */
    assert_null(diag.stuck);
    sk_X509_pop_free(certs, X509_free);
    X509_free(leaf);
    X509_free(b);
    X509_free(a);
    X509_free(b_self);
    EVP_PKEY_free(key_a);
    EVP_PKEY_free(key_b);
}

/* Fetched certificates (from caIssuers URLs): diag.stuck names the
 * certificate whose issuer is missing, fetched ones complete the path as
 * intermediates, and a fetched self-signed root is never an anchor. */
static void test_fetched(void **state)
{
    STACK_OF(X509) *certs = stack_of(pki.leaf, NULL, NULL, NULL);
    STACK_OF(X509) *fetched = sk_X509_new_null();
    STACK_OF(X509) *trust = stack_of(pki.root, NULL, NULL, NULL);
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;
    struct x509_path path;

    (void)state;
    assert_non_null(fetched);
    req.certs = certs;
    /* The leaf alone: its issuer is what is missing. */
    build_fails(&req, &diag);
    assert_ptr_equal(diag.stuck, pki.leaf);
    /* The intermediate fetched: now the intermediate's issuer is missing. */
    req.fetched = fetched;
    assert_true(sk_X509_push(fetched, pki.inter) > 0);
    build_fails(&req, &diag);
    assert_ptr_equal(diag.stuck, pki.inter);
    assert_contains(diag.why, "no issuer found for \"CN=Test Intermediate\"");
    /* The root fetched too: a self-signed root from the network ends the
     * path but is not trusted, and nothing more is to be fetched. */
    assert_true(sk_X509_push(fetched, pki.root) > 0);
    build_fails(&req, &diag);
    assert_null(diag.stuck);
    assert_contains(diag.why, "\"CN=Test Root\"");
    assert_contains(diag.why, "fetched from a caIssuers URL: a fetched root is never trusted");
    assert_contains(diag.hint, "give the root as a FILE");
    /* The same root trusted: the path goes through the fetched intermediate. */
    req.trust = trust;
    build_ok(&req, &path);
    assert_subjects(path.certs, "CN=www.example.com|CN=Test Intermediate|CN=Test Root");
    x509_path_free(&path);
    /* Fetched certificates are never the leaf: the leaf is found among the inputs. */
    assert_ptr_equal(x509_chain_find_leaf(certs, &diag), pki.leaf);
    /* x509_chain_build takes them the same way. */
    sk_X509_pop(fetched);
    assert_int_equal(x509_chain_build(pki.leaf, NULL, fetched, NULL, &path, &diag), -1);
    assert_ptr_equal(diag.stuck, pki.inter);
    assert_int_equal(x509_chain_build(pki.leaf, trust, fetched, NULL, &path, &diag), 0);
    assert_subjects(path.certs, "CN=www.example.com|CN=Test Intermediate|CN=Test Root");
    x509_path_free(&path);
    sk_X509_free(fetched);
    sk_X509_pop_free(trust, X509_free);
    sk_X509_pop_free(certs, X509_free);
}

/* A self-signed end-entity certificate (what selfsign makes): it issued
 * no other input, so it is the leaf; a path to itself only when trusted. */
static void test_self_signed_leaf(void **state)
{
    X509 *self = make_cert("self.example.com", pki.leaf_key, NULL, NULL, 0, NULL, 120);
    STACK_OF(X509) *certs = stack_of(self, NULL, NULL, NULL);
    STACK_OF(X509) *trust = stack_of(self, NULL, NULL, NULL);
    struct x509_chain_request req = {0};
    struct x509_chain_diag diag;
    struct x509_path path;

    (void)state;
    assert_ptr_equal(x509_chain_find_leaf(certs, &diag), self);
    assert_string_equal(diag.why, "");
    /* Among others: still the leaf. */
    assert_true(sk_X509_push(certs, pki.inter) > 0);
    assert_true(X509_up_ref(pki.inter));
    assert_ptr_equal(x509_chain_find_leaf(certs, &diag), self);
    sk_X509_pop_free(certs, X509_free);
    certs = stack_of(self, NULL, NULL, NULL);

    req.certs = certs;
    build_fails(&req, &diag);
    assert_string_equal(diag.why, "the leaf \"CN=self.example.com\" (issuer "
                                  "\"CN=self.example.com\", AKI none) is self-signed and not "
                                  "trusted");
    req.trust = trust;
    build_ok(&req, &path);
    assert_int_equal(sk_X509_num(path.certs), 1);
    assert_ptr_equal(sk_X509_value(path.certs, 0), self);
    assert_string_equal(path.root_name, "CN=self.example.com");
    x509_path_free(&path);

    sk_X509_pop_free(trust, X509_free);
    sk_X509_pop_free(certs, X509_free);
    X509_free(self);
}

/* x509_chain_build: a self-signed certificate alone is its own root; a
 * leaf alone has no issuer; its CAs, and a trust file, complete it. */
static void test_chain_build(void **state)
{
    STACK_OF(X509) *cas = stack_of(pki.root, pki.inter, NULL, NULL);
    char trust_path[] = "/tmp/p11cert-test-trust-XXXXXX", err[512], expected[256];
    struct x509_chain_diag diag;
    struct x509_path path;
    struct capture cap;
    X509 *root;
    FILE *f;
    int fd;

    (void)state;
    assert_int_equal(x509_chain_build(pki.root, NULL, NULL, NULL, &path, &diag), 0);
    assert_int_equal(sk_X509_num(path.certs), 1);
    assert_ptr_equal(sk_X509_value(path.certs, 0), pki.root);
    assert_string_equal(path.root_name, "CN=Test Root");
    root = x509_path_root(&path);
    assert_ptr_equal(root, pki.root);
    X509_free(root);
    x509_path_free(&path);
    /* A self-signed end-entity certificate too. */
    {
        X509 *self = make_cert("self.example.com", pki.leaf_key, NULL, NULL, 0, NULL, 121);

        assert_int_equal(x509_chain_build(self, NULL, NULL, NULL, &path, &diag), 0);
        assert_int_equal(sk_X509_num(path.certs), 1);
        assert_string_equal(path.root_name, "CN=self.example.com");
        x509_path_free(&path);
        X509_free(self);
    }
    /* An empty stack is the same as none. */
    {
        STACK_OF(X509) *none = sk_X509_new_null();

        assert_int_equal(x509_chain_build(pki.root, none, NULL, NULL, &path, &diag), 0);
        assert_int_equal(sk_X509_num(path.certs), 1);
        x509_path_free(&path);
        assert_int_equal(sk_X509_num(none), 0);
        sk_X509_free(none);
    }

    /* A leaf alone. */
    assert_int_equal(x509_chain_build(pki.leaf, NULL, NULL, NULL, &path, &diag), -1);
    assert_null(path.certs);
    assert_contains(diag.why, "no issuer found for \"CN=www.example.com\"");

    /* With its CAs (self-signed root among them: the anchor). */
    assert_int_equal(x509_chain_build(pki.leaf, cas, NULL, NULL, &path, &diag), 0);
    assert_subjects(path.certs, "CN=www.example.com|CN=Test Intermediate|CN=Test Root");
    x509_path_free(&path);
    assert_int_equal(sk_X509_num(cas), 2);

    /* A trust file that holds the root. */
    fd = mkstemp(trust_path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    assert_true(PEM_write_X509(f, pki.root));
    fclose(f);
    sk_X509_pop_free(cas, X509_free);
    cas = stack_of(pki.inter, NULL, NULL, NULL);
    assert_int_equal(x509_chain_build(pki.leaf, cas, NULL, trust_path, &path, &diag), 0);
    assert_subjects(path.certs, "CN=www.example.com|CN=Test Intermediate|CN=Test Root");
    x509_path_free(&path);
    /* A trust file that does not: no issuer for the intermediate. */
    f = fopen(trust_path, "w");
    assert_non_null(f);
    assert_true(PEM_write_X509(f, pki.leaf));
    fclose(f);
    assert_int_equal(x509_chain_build(pki.leaf, cas, NULL, trust_path, &path, &diag), -1);
    assert_contains(diag.why, "no issuer found for \"CN=Test Intermediate\"");
    /* With a trust file, a self-signed certificate is no longer its own root. */
    assert_int_equal(x509_chain_build(pki.root, NULL, NULL, trust_path, &path, &diag), -1);
    assert_null(path.certs);
    assert_contains(diag.why, "the leaf \"CN=Test Root\" (issuer \"CN=Test Root\", AKI none) is "
                              "self-signed and not trusted");
    unlink(trust_path);
    /* A trust file that is not there: the decoder's own error, then why. */
    capture_start(&cap);
    assert_int_equal(x509_chain_build(pki.leaf, cas, NULL, trust_path, &path, &diag), -1);
    capture_end(&cap, err, sizeof(err));
    assert_null(path.certs);
    snprintf(expected, sizeof(expected), "cannot read the trust anchors in \"%s\"", trust_path);
    assert_string_equal(diag.why, expected);
    assert_contains(err, "cannot read \"/tmp/p11cert-test-trust-");
    sk_X509_pop_free(cas, X509_free);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_order),
        cmocka_unit_test(test_chain_pool),
        cmocka_unit_test(test_dedup),
        cmocka_unit_test(test_order_independent),
        cmocka_unit_test(test_path_parts),
        cmocka_unit_test(test_missing_intermediate),
        cmocka_unit_test(test_expired_intermediate),
        cmocka_unit_test(test_bad_signature),
        cmocka_unit_test(test_two_leaves),
        cmocka_unit_test(test_trust_restricts),
        cmocka_unit_test(test_cross_signed),
        cmocka_unit_test(test_order_only_cas),
        cmocka_unit_test(test_certs_order),
        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_fetched),
        cmocka_unit_test(test_self_signed_leaf),
        cmocka_unit_test(test_chain_build),
    };

    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
