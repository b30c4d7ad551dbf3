/* Host-name rules of RFC 1035/1123 as certificates and DNS use them. Pure. */
#ifndef P11CERT_HOSTNAME_H
#define P11CERT_HOSTNAME_H

#include <stddef.h>

enum {
    HOSTNAME_ALLOW_WILDCARD = 1 << 0, /* "*." as the whole leftmost label */
    HOSTNAME_ALLOW_TRAILING_DOT = 1 << 1,
};

/* Returns 0 when name is a valid host name (labels of 1..63 octets of
 * letters, digits and inner hyphens, 253 octets in all, IDN as A-labels,
 * a single label allowed), else -1 with a reason. */
int hostname_check(const char *name, int flags, char *why, size_t why_len);

#endif
