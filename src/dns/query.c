/* Live checks: ask a resolver (the system's, or one server at an address
 * and port) for each custom domain's CNAME, follow the chain, and say
 * whether it reaches the endpoint. ldns reads the configuration and the
 * packets; dns/exchange.c sends the queries and takes only answers that
 * match them. Short timeouts and few tries, so a dead server is reported
 * within seconds; one that never answered is not asked again. */
#include "dns/dns.h"
#include "dns/internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "dns/exchange.h"

static int parse_port(const char *text, uint16_t *port)
{
    char *end = NULL;
    unsigned long value;

    if (!*text || *text == '-' || *text == '+')
        return -1;
    value = strtoul(text, &end, 10);
    if (*end || value == 0 || value > 65535)
        return -1;
    *port = (uint16_t)value;
    return 0;
}

int dns_server_parse(const char *text, struct dns_server *out, char *why, size_t why_len)
{
    unsigned char addr[sizeof(struct in6_addr)];
    const char *host = text, *port = NULL, *colon;
    size_t host_len;

    memset(out, 0, sizeof(*out));
    out->port = 53;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');

        if (!close) {
            snprintf(why, why_len, "\"%s\": '[' without ']' (write [ADDR]:PORT for IPv6)", text);
            return -1;
        }
        host = text + 1;
        host_len = (size_t)(close - host);
        if (close[1] == ':')
            port = close + 2;
        else if (close[1] != '\0') {
            snprintf(why, why_len, "\"%s\": expected ':PORT' after ']'", text);
            return -1;
        }
    } else if ((colon = strchr(text, ':')) && !strchr(colon + 1, ':')) {
        host_len = (size_t)(colon - text); /* IPv4:PORT */
        port = colon + 1;
    } else {
        host_len = strlen(text); /* IPv4, or IPv6 without a port */
    }
    if (host_len == 0 || host_len >= sizeof(out->addr)) {
        snprintf(why, why_len, "\"%s\": expected ADDR[:PORT], an IPv4 or IPv6 address", text);
        return -1;
    }
    memcpy(out->addr, host, host_len);
    out->addr[host_len] = '\0';
    if (inet_pton(AF_INET, out->addr, addr) == 1 && text[0] != '[')
        out->family = AF_INET;
    else if (inet_pton(AF_INET6, out->addr, addr) == 1)
        out->family = AF_INET6;
    else {
        snprintf(why, why_len,
                 "\"%s\" is not an IP address (IPv4 \"192.0.2.1:53\", IPv6 \"[::1]:53\"; "
                 "no host names)",
                 out->addr);
        return -1;
    }
    if (port && parse_port(port, &out->port) < 0) {
        snprintf(why, why_len, "\"%s\": the port must be a number from 1 to 65535", text);
        return -1;
    }
    return 0;
}

int dns_resolver_open(struct dns_resolver *r, const struct dns_server *server, char *why,
                      size_t why_len)
{
    ldns_resolver *res = NULL;
    ldns_rdf *ns = NULL;
    ldns_status status;

    memset(r, 0, sizeof(*r));
    if (server) {
        res = ldns_resolver_new();
        ns = ldns_rdf_new_frm_str(server->family == AF_INET ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA,
                                  server->addr);
        if (!res || !ns || ldns_resolver_push_nameserver(res, ns) != LDNS_STATUS_OK) {
            snprintf(why, why_len, "cannot set up a resolver for %s: out of memory", server->addr);
            goto fail;
        }
        ldns_resolver_set_port(res, server->port);
        snprintf(r->desc, sizeof(r->desc), "%s port %u", server->addr, (unsigned)server->port);
    } else {
        status = ldns_resolver_new_frm_file(&res, NULL);
        if (status != LDNS_STATUS_OK) {
            snprintf(why, why_len, "cannot read the system resolver's configuration: %s",
                     ldns_get_errorstr_by_id(status));
            res = NULL;
            goto fail;
        }
        if (ldns_resolver_nameserver_count(res) == 0) {
            snprintf(why, why_len, "the system resolver lists no name server (/etc/resolv.conf)");
            goto fail;
        }
        snprintf(r->desc, sizeof(r->desc), "the system resolver");
    }
    /* The resolver only holds the name servers and the port: dns_exchange
     * sends the queries, with its own timeout and tries. */
    ldns_rdf_deep_free(ns);
    r->ldns = res;
    return 0;
fail:
    ldns_rdf_deep_free(ns);
    ldns_resolver_deep_free(res);
    return -1;
}

void dns_resolver_close(struct dns_resolver *r)
{
    if (r->ldns)
        ldns_resolver_deep_free(r->ldns);
    r->ldns = NULL;
}

const char *dns_check_status_name(enum dns_check_status status)
{
    switch (status) {
    case DNS_CHECK_TARGET:
        return "target";
    case DNS_CHECK_ELSEWHERE:
        return "elsewhere";
    case DNS_CHECK_NO_RECORD:
        return "no_record";
    case DNS_CHECK_NO_ANSWER:
    default:
        return "no_answer";
    }
}

/* " (via a., b.)" for the names before the last of a chain, or "". */
static void describe_via(char chain[][DNS_NAME_SIZE], size_t hops, char *out, size_t out_len)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i + 1 < hops && used < out_len; i++)
        used += (size_t)snprintf(out + used, out_len - used, "%s%s.", i == 0 ? " (via " : ", ",
                                 chain[i]);
    if (hops > 1 && used < out_len)
        snprintf(out + used, out_len - used, ")");
}

static void conclude(struct dns_check *out, enum dns_check_status status,
                     char chain[][DNS_NAME_SIZE], size_t hops, const char *target,
                     const char *trouble)
{
    char via[400];

    out->status = status;
    snprintf(out->found, sizeof(out->found), "%.253s", chain[hops - 1]);
    describe_via(chain, hops, via, sizeof(via));
    if (status == DNS_CHECK_TARGET)
        snprintf(out->detail, sizeof(out->detail), "points at %.253s.%s", target, via);
    else
        snprintf(out->detail, sizeof(out->detail), "points at %.253s.%s, not at %.253s.%.60s",
                 chain[hops - 1], via, target, trouble);
}

void dns_check_domain(struct dns_resolver *r, const char *domain, const char *target,
                      struct dns_check *out)
{
    char chain[DNS_CHAIN_MAX][DNS_NAME_SIZE];
    const char *name = domain;
    size_t hops = 0;
    int loop = 0;

    memset(out, 0, sizeof(*out));
    for (;;) {
        struct dns_lookup look;

        dns_lookup_cname(r, name, &look);
        if (hops == 0 && look.state != DNS_NAME_CNAME) {
            out->status =
                look.state == DNS_NAME_NO_ANSWER ? DNS_CHECK_NO_ANSWER : DNS_CHECK_NO_RECORD;
            snprintf(out->detail, sizeof(out->detail), "%s",
                     look.state == DNS_NAME_NXDOMAIN
                         ? "no record: the name does not exist (NXDOMAIN)"
                     : look.state == DNS_NAME_NODATA ? "no record: the name has no CNAME (NODATA)"
                                                     : look.why);
            return;
        }
        snprintf(chain[hops], DNS_NAME_SIZE, "%s", look.cname);
        if (look.state != DNS_NAME_CNAME) {
            /* The chain ends at the name asked last, which is not the target
             * (or cannot be followed further: an authoritative server
             * refuses names outside its zones). */
            conclude(out, DNS_CHECK_ELSEWHERE, chain, hops, target, "");
            return;
        }
        name = chain[hops++];
        if (strcmp(name, target) == 0) {
            conclude(out, DNS_CHECK_TARGET, chain, hops, target, "");
            return;
        }
        for (size_t i = 0; i + 1 < hops; i++)
            if (strcmp(chain[i], name) == 0)
                loop = 1;
        if (loop || strcmp(name, domain) == 0) {
            conclude(out, DNS_CHECK_ELSEWHERE, chain, hops, target, " (a CNAME loop)");
            return;
        }
        if (hops == DNS_CHAIN_MAX) {
            conclude(out, DNS_CHECK_ELSEWHERE, chain, hops, target,
                     " (a chain too long to follow)");
            return;
        }
    }
}
