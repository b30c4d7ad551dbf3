/* caIssuers URLs read with OpenSSL's AUTHORITY_INFO_ACCESS decoder, and the
 * issuer check a fetched certificate must pass. */
#include "x509/aia.h"

#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

/* An http(s) URL of printable ASCII that fits. */
static int usable_url(const ASN1_IA5STRING *uri, size_t len)
{
    const unsigned char *p = ASN1_STRING_get0_data(uri);
    int n = ASN1_STRING_length(uri);

    if (n <= 0 || (size_t)n >= len || n > X509_AIA_URL_MAX)
        return 0;
    for (int i = 0; i < n; i++)
        if (p[i] <= 0x20 || p[i] >= 0x7f)
            return 0;
    return (n > 7 && strncasecmp((const char *)p, "http://", 7) == 0) ||
           (n > 8 && strncasecmp((const char *)p, "https://", 8) == 0);
}

int x509_ca_issuers_url(X509 *cert, char *url, size_t len)
{
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(cert, NID_info_access, NULL, NULL);
    int found = 0;

    if (len > 0)
        url[0] = '\0';
    for (int i = 0; aia && !found && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
        ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
        const ASN1_IA5STRING *uri;

        if (OBJ_obj2nid(ad->method) != NID_ad_ca_issuers || ad->location->type != GEN_URI)
            continue;
        uri = ad->location->d.uniformResourceIdentifier;
        if (!usable_url(uri, len))
            continue;
        memcpy(url, ASN1_STRING_get0_data(uri), (size_t)ASN1_STRING_length(uri));
        url[ASN1_STRING_length(uri)] = '\0';
        found = 1;
    }
    AUTHORITY_INFO_ACCESS_free(aia);
    ERR_clear_error();
    return found;
}

int x509_issued_by(X509 *cert, X509 *issuer, const char **mismatch)
{
    EVP_PKEY *key = X509_get0_pubkey(issuer);
    const char *why = NULL;

    switch (X509_check_issued(issuer, cert)) {
    case X509_V_OK:
        if (!key || X509_verify(cert, key) != 1)
            why = "the signature does not verify with its key";
        break;
    case X509_V_ERR_SUBJECT_ISSUER_MISMATCH:
        why = "its subject is not the issuer the certificate names";
        break;
    case X509_V_ERR_AKID_SKID_MISMATCH:
    case X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH:
        why = "its key identifier is not the one the certificate names (AKI)";
        break;
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
        why = "its key usage does not allow signing certificates";
        break;
    default:
        why = "it is not a CA certificate that could have issued it";
    }
    ERR_clear_error();
    if (mismatch)
        *mismatch = why;
    return why == NULL;
}

X509 *x509_find_issuer(STACK_OF(X509) *candidates, X509 *cert, const char **mismatch)
{
    const char *first = NULL, *why;

    for (int i = 0; i < sk_X509_num(candidates); i++) {
        if (x509_issued_by(cert, sk_X509_value(candidates, i), &why))
            return sk_X509_value(candidates, i);
        if (!first)
            first = why;
    }
    if (mismatch)
        *mismatch = first ? first : "there is no certificate";
    return NULL;
}
