/* Certification paths: which input is the leaf, and the path from it to a
 * root, built by OpenSSL's X509_verify_cert (never from file order). Reading
 * the inputs is x509/decode.c's job; writing and printing are the commands'.
 * Nothing here prints: failures come back as text for the caller to show
 * (an error line for `chain`, a FAIL line for `check`). */
#ifndef P11CERT_X509_CHAIN_H
#define P11CERT_X509_CHAIN_H

#include <stddef.h>

#include <openssl/x509.h>

/* A verified path. */
struct x509_path {
    STACK_OF(X509) *certs; /* leaf, intermediates, root (the trust anchor) */
    char *root_name;       /* the root's subject, RFC 4514 */
    int roots;             /* how many anchors there were to choose from */
    char note[512];        /* non-empty when a root was set aside (expired, not yet valid) */
};

/* What went wrong, for the operator: one line, and what to do about it. */
struct x509_chain_diag {
    char why[1024];
    char hint[256];
    /* When the path stops at a certificate whose issuer is in none of the
     * inputs (not a loop, not a trust anchor's): that certificate, borrowed
     * from the request (the leaf, an input or a fetched one); else NULL. */
    X509 *stuck;
};

/* What to build a path from. */
struct x509_chain_request {
    STACK_OF(X509) *certs;   /* the inputs, any order (the leaf among them or not) */
    X509 *leaf;              /* --leaf; NULL: the one input that issued no other and is no CA */
    STACK_OF(X509) *trust;   /* --trust FILE: the only anchors; NULL: self-signed inputs are */
    int trust_system;        /* --trust system: the system's store is the anchor set */
    STACK_OF(X509) *fetched; /* from caIssuers URLs: intermediates only, never an anchor or the
                                leaf, even when self-signed; may be NULL */
    int order_only;          /* no anchor needed and nothing checked: for ordering a bundle */
};

/* Drops later copies of a certificate (same SHA-256 fingerprint) from
 * certs, in place, keeping the input order; *dropped says how many.
 * Returns 0, or -1 out of memory. Linear: a hash set, not a double loop. */
int x509_certs_dedup(STACK_OF(X509) *certs, int *dropped);

/* all, leaf first, then its issuer and so on, then whatever is not on that
 * path in input order; input order when there is no single leaf. *chained
 * is the length of the path (0: none). A new stack borrowing all's
 * certificates (free it with sk_X509_free); NULL out of memory. */
STACK_OF(X509) *x509_certs_order(STACK_OF(X509) *all, int *chained);

/* The leaf among certs: the one certificate that issued no other input and
 * is not a CA. NULL when there is none or several (diag, when not NULL,
 * says which). */
X509 *x509_chain_find_leaf(STACK_OF(X509) *certs, struct x509_chain_diag *diag);

/* Builds and verifies the path. A missing link, a date or signature
 * failure or a loop is described in diag naming the certificate (subject,
 * issuer, AKI). With order_only, the path goes as far as the issuer links
 * go, the lowest CA stands in for a missing leaf (a bundle of CA
 * certificates) and only finding no single start fails. Returns 0 (free path with
 * x509_path_free), or -1 with path empty. */
int x509_path_build(const struct x509_chain_request *req, struct x509_path *path,
                    struct x509_chain_diag *diag);

/* The same for one certificate and its CA certificates (cas may be NULL
 * and may hold cert itself), with the certificates fetched for it so far
 * (fetched, may be NULL). trust: NULL (self-signed certificates in cas are
 * the anchors), "system", or a file of anchors in any format. Returns 0, or
 * -1 with diag filled as x509_path_build fills it. */
int x509_chain_build(X509 *cert, STACK_OF(X509) *cas, STACK_OF(X509) *fetched, const char *trust,
                     struct x509_path *path, struct x509_chain_diag *diag);

/* New references: the certificates between leaf and root, and the root.
 * Free with sk_X509_pop_free(..., X509_free) and X509_free. */
STACK_OF(X509) *x509_path_intermediates(const struct x509_path *path);
X509 *x509_path_root(const struct x509_path *path);

void x509_path_free(struct x509_path *path);

/* "SUBJECT" (issuer "ISSUER", AKI hex) for messages; malloc'd. */
char *x509_cert_label(X509 *cert);

#endif
