/* What the signer's files share and nothing above them sees: the one
 * function that has the token sign, with no verification of its own (every
 * caller verifies the signature before it is used). */
#ifndef P11CERT_SIGNER_INTERNAL_H
#define P11CERT_SIGNER_INTERNAL_H

#include "signer/signer.h"

/* Large enough for RSA 8192 and every curve. */
#define SIGNATURE_MAX 1024

/* Signs tbs on the token (hashed here with s->md, except Ed25519); sig
 * holds SIGNATURE_MAX bytes. An ECDSA signature comes out as a DER
 * ECDSA-Sig-Value when der_ecdsa, else as CKM_ECDSA makes it: r||s. */
int signer_sign_tbs(struct signer *s, const unsigned char *tbs, size_t tbs_len, unsigned char *sig,
                    CK_ULONG *sig_len, int der_ecdsa);

/* CKM_ECDSA's r||s (in sig, *sig_len bytes) turned into a DER
 * ECDSA-Sig-Value in place; sig holds SIGNATURE_MAX bytes. */
int signer_ecdsa_to_der(unsigned char *sig, CK_ULONG *sig_len);

#endif
