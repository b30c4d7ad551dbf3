/* HOST:PORT parsing, for server-config --listen and check --server. */
#include "util/hostport.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hostname.h"

static int parse_port(const char *text, char *out, size_t out_len)
{
    char *end = NULL;
    unsigned long n;

    if (*text < '0' || *text > '9' || strlen(text) >= out_len)
        return -1;
    n = strtoul(text, &end, 10);
    if (*end || n == 0 || n > 65535)
        return -1;
    snprintf(out, out_len, "%lu", n);
    return 0;
}

int hostport_parse(const char *text, int flags, struct hostport *out, char *why, size_t why_len)
{
    const char *port, *host = text;
    unsigned char addr[16];
    char reason[128];
    size_t host_len;

    memset(out, 0, sizeof(*out));
    if (text[0] == '[') {
        const char *close = strchr(text, ']');

        if (!close || close[1] != ':') {
            snprintf(why, why_len, "\"%s\": expected [IPV6]:PORT", text);
            return -1;
        }
        host = text + 1;
        host_len = (size_t)(close - host);
        port = close + 2;
        out->ipv6 = 1;
    } else if ((port = strrchr(text, ':'))) {
        host_len = (size_t)(port - text);
        port++;
    } else if (flags & HOSTPORT_PORT_ALONE) {
        host_len = 0;
        port = text;
    } else {
        snprintf(why, why_len, "\"%s\": expected HOST:PORT", text);
        return -1;
    }
    if (parse_port(port, out->port, sizeof(out->port)) < 0) {
        snprintf(why, why_len, "\"%s\": the port must be a number from 1 to 65535", text);
        return -1;
    }
    if (host_len == 0 && (text[0] != '[' && (flags & HOSTPORT_PORT_ALONE) && port == text))
        return 0;
    if (host_len == 0 || host_len >= sizeof(out->host)) {
        snprintf(why, why_len, "\"%s\": no host before the port", text);
        return -1;
    }
    memcpy(out->host, host, host_len);
    out->host[host_len] = '\0';
    if (out->ipv6 ? inet_pton(AF_INET6, out->host, addr) == 1
                  : (inet_pton(AF_INET, out->host, addr) == 1 ||
                     hostname_check(out->host, 0, reason, sizeof(reason)) == 0))
        return 0;
    snprintf(why, why_len, "\"%s\": \"%s\" is neither a host name nor an %s address", text,
             out->host, out->ipv6 ? "IPv6" : "IPv4");
    return -1;
}
