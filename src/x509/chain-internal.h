/* What the path builder's files share: chain.c builds, certset.c finds the
 * leaf, chain-diag.c explains failures. Only x509/chain*.c and certset.c
 * include this. */
#ifndef P11CERT_X509_CHAIN_INTERNAL_H
#define P11CERT_X509_CHAIN_INTERNAL_H

#include "x509/chain.h"

/* The leaf among certs: the one that issued no other input and, unless
 * allow_ca (ordering a bundle of CA certificates from its lowest one), is
 * not a CA. NULL with diag (when not NULL) saying why. */
X509 *x509_find_leaf(STACK_OF(X509) *certs, int allow_ca, struct x509_chain_diag *diag);

/* Fills d from a failed X509_verify_cert of req; set_aside holds the
 * self-signed inputs --trust did not trust, for the hint. */
void x509_chain_diagnose(X509_STORE_CTX *ctx, const struct x509_chain_request *req,
                         STACK_OF(X509) *set_aside, struct x509_chain_diag *d);

/* cert's subject in RFC 4514 text; malloc'd. */
char *x509_subject_text(X509 *cert);

#endif
