/* HOST:PORT as an operator writes it: a host name, an IPv4 address or an
 * [IPv6] address in brackets, and a port. Pure. */
#ifndef P11CERT_HOSTPORT_H
#define P11CERT_HOSTPORT_H

#include <stddef.h>

enum {
    HOSTPORT_PORT_ALONE = 1 << 0, /* "443" is accepted: no host (every address) */
};

struct hostport {
    char host[254]; /* without brackets; "" when the text was a port alone */
    char port[6];   /* 1..65535, as digits */
    int ipv6;       /* host is an IPv6 address (written in brackets) */
};

/* Parses text; flags: HOSTPORT_PORT_ALONE. Returns 0, or -1 with a reason
 * in why. */
int hostport_parse(const char *text, int flags, struct hostport *out, char *why, size_t why_len);

#endif
