/* The options dns records and dns check share. */
#include "commands/dns-options.h"

#include <stdlib.h>

#include "workflow/domains.h"

int dns_target_take(struct dns_target_args *a, int id, const char *arg, int *taken)
{
    const char **grown;

    *taken = 1;
    switch (id) {
    case DNS_OPT_DOMAIN:
        if (!(grown = realloc(a->domains, (a->n_domains + 1) * sizeof(*grown)))) {
            errorf("out of memory");
            return -1;
        }
        a->domains = grown;
        a->domains[a->n_domains++] = arg;
        return 0;
    case DNS_OPT_TARGET:
        a->target = arg;
        return 0;
    case DNS_OPT_REGION:
        a->region = arg;
        return 0;
    case DNS_OPT_ENDPOINTS:
        a->endpoints = arg;
        return 0;
    }
    *taken = 0;
    return 0;
}

int dns_target_check(const struct dns_target_args *a)
{
    if (a->n_domains == 0) {
        cli_usage_error("give at least one --domain NAME");
        return -1;
    }
    return 0;
}

int dns_target_host(const struct dns_target_args *a, char **host)
{
    return domains_target(a->target, a->region, a->endpoints, host);
}

void dns_target_free(struct dns_target_args *a)
{
    free(a->domains);
    a->domains = NULL;
    a->n_domains = 0;
}
