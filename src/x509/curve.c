/* Curves as PKCS#11 names them in CKA_EC_PARAMS (the DER of the curve's OID,
 * or "edwards25519" as a PrintableString on some tokens) and as operators
 * read them ("P-256"). */
#include "x509/x509.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/ec.h>
#include <openssl/objects.h>

int x509_curve_nid(const unsigned char *params, size_t len)
{
    const unsigned char *p = params;
    ASN1_OBJECT *oid = d2i_ASN1_OBJECT(NULL, &p, (long)len);
    int nid = NID_undef;

    if (oid) {
        nid = OBJ_obj2nid(oid);
        ASN1_OBJECT_free(oid);
    } else if (len > 2 && memmem(params, len, "edwards25519", 12) != NULL) {
        nid = NID_ED25519;
    }
    return nid;
}

int x509_curve_params(int nid, unsigned char *out, size_t out_len)
{
    ASN1_OBJECT *oid = OBJ_nid2obj(nid);
    unsigned char *p = out;
    int len = oid ? i2d_ASN1_OBJECT(oid, NULL) : -1;

    if (len <= 0 || (size_t)len > out_len)
        return -1;
    return i2d_ASN1_OBJECT(oid, &p);
}

const char *x509_curve_name(const unsigned char *params, size_t len)
{
    int nid = x509_curve_nid(params, len);

    if (nid == NID_undef)
        return NULL;
    if (nid == NID_ED25519)
        return "Ed25519";
    return EC_curve_nid2nist(nid) ? EC_curve_nid2nist(nid) : OBJ_nid2sn(nid);
}
