/* dns records and dns check: the custom domains, the endpoint they must
 * point at (--target, or --region from the endpoints file), their CNAME
 * records as zone text, and a live look at what a resolver answers. The
 * dns layer does the DNS; this says what it is for. */
#ifndef P11CERT_WORKFLOW_DOMAINS_H
#define P11CERT_WORKFLOW_DOMAINS_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

/* The endpoint: target, or region looked up in the endpoints file
 * (endpoints, else the one that ships with p11cert). Returns the exit
 * status, with a malloc'd host in *host on EXIT_OK. */
int domains_target(const char *target, const char *region, const char *endpoints, char **host);

struct domains_records_request {
    const char *const *domains;
    size_t n_domains;
    const char *target; /* the endpoint host */
    const char *origin; /* NULL, or the zone the owners are written relative to */
    uint32_t ttl;
    const char *cert; /* NULL, or a certificate file that must cover every domain */
    const char *out;  /* the file the records will go to (NULL: stdout), checked first */
    int force;
};

/* The records, checked (names, apex, a domain given twice; with cert, a
 * domain the certificate does not cover). Returns the exit status (a bad
 * name is a usage error); free set with dns_record_set_free. */
int domains_records(const struct domains_records_request *req, struct dns_record_set *set);

struct domains_check {
    char domain[DNS_NAME_SIZE];
    struct dns_check result;
};

struct domains_check_result {
    char target[DNS_NAME_SIZE];
    char server[128];             /* who was asked */
    struct domains_check *checks; /* one per domain, in order */
    size_t n, failed;
    char dead[256]; /* set when the server never answered */
};

/* Asks server (NULL: the system's resolver) whether each domain's CNAME
 * reaches target. Returns the exit status of the run itself (a bad name
 * is a usage error): EXIT_OK when every domain could be asked, whatever
 * the answers; free result with domains_check_free. */
int domains_check(const char *const *domains, size_t n, const char *target,
                  const struct dns_server *server, struct domains_check_result *result);
void domains_check_free(struct domains_check_result *result);

#endif
