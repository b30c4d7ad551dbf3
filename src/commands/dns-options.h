/* What dns records and dns check share in the command layer: the options
 * that say which domains and where they point. */
#ifndef P11CERT_COMMANDS_DNS_OPTIONS_H
#define P11CERT_COMMANDS_DNS_OPTIONS_H

#include <stddef.h>

#include "commands/cli.h"

enum {
    DNS_OPT_DOMAIN = 1,
    DNS_OPT_TARGET,
    DNS_OPT_REGION,
    DNS_OPT_ENDPOINTS,
    DNS_OPT_FIRST_OWN = 10, /* each subcommand's own options from here */
};

#define DNS_TARGET_OPTIONS                                                                         \
    {DNS_OPT_DOMAIN, "domain", "NAME",                                                             \
     "a custom domain (repeat for more); an IDN as its A-label"},                                  \
        {DNS_OPT_TARGET, "target", "HOST", "the endpoint host the domains point at"},              \
        {DNS_OPT_REGION, "region", "R", "the endpoint of region R, from the endpoints file"},      \
    {                                                                                              \
        DNS_OPT_ENDPOINTS, "endpoints", "FILE",                                                    \
            "the endpoints file (\"REGION HOST\" a line, # comments) instead of the one that "     \
            "ships with p11cert"                                                                   \
    }

struct dns_target_args {
    const char **domains; /* malloc'd; the strings are argv's */
    size_t n_domains;
    const char *target, *region, *endpoints;
};

/* Takes one of DNS_TARGET_OPTIONS (*taken), or leaves another id. Returns
 * 0, or -1 when out of memory. */
int dns_target_take(struct dns_target_args *a, int id, const char *arg, int *taken);

/* At least one --domain. Returns 0, or -1 after a usage error. */
int dns_target_check(const struct dns_target_args *a);

/* The endpoint host (malloc'd into *host). Returns the exit status. */
int dns_target_host(const struct dns_target_args *a, char **host);

void dns_target_free(struct dns_target_args *a);

#endif
