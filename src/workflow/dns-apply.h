/* dns apply: the custom domains' CNAME records sent to the zone's primary
 * server as one RFC 2136 UPDATE signed with TSIG (dns/update.h), then read
 * back from it. What is sent for each name is the policy of
 * workflow/dns-apply-policy.c: never clobber data it did not expect. */
#ifndef P11CERT_WORKFLOW_DNS_APPLY_H
#define P11CERT_WORKFLOW_DNS_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "dns/update.h"
#include "util/secret.h"

struct dns_apply_request {
    const char *const *domains;
    size_t n_domains;
    const char *target;               /* the endpoint host */
    const struct dns_server *server;  /* the zone's primary */
    const struct secret_source *tsig; /* where the TSIG key is */
    const char *zone;                 /* NULL: found by asking the server for the SOA */
    uint32_t ttl;
    int replace; /* a different CNAME or other data at a name goes */
    int remove;  /* --delete: the CNAMEs to the target go */
};

enum dns_apply_action {
    DNS_APPLY_CREATE,    /* nothing at the name: the CNAME is added */
    DNS_APPLY_UNCHANGED, /* already as asked: nothing sent for it */
    DNS_APPLY_REPLACE,   /* with --replace: what was there goes, the CNAME comes */
    DNS_APPLY_DELETE,    /* with --delete: the CNAME goes */
    DNS_APPLY_REFUSED,   /* data it would clobber: nothing is sent for any name */
};

struct dns_apply_name {
    char domain[DNS_NAME_SIZE];
    struct dns_lookup found; /* what the server held before */
    char other_type[16];     /* no CNAME: a type of the data there ("" if none) */
    enum dns_apply_action action;
    char detail[640];       /* for the operator, after the name */
    struct dns_check check; /* read back after the update */
    int checked, check_ok;
};

struct dns_apply_result {
    char zone[DNS_NAME_SIZE];
    char target[DNS_NAME_SIZE];
    char server[128]; /* "127.0.0.1 port 5353" */
    char key_name[DNS_NAME_SIZE];
    const char *key_algorithm;
    int zone_found; /* the server serves the zone: what follows was asked of it */
    uint32_t serial_before, serial_after;
    int have_serial_after;
    int remove;
    int sent; /* an UPDATE went out; answer is the server's */
    struct dns_update_answer answer;
    struct dns_apply_name *names; /* one per domain, in order */
    size_t n, refused, changed, failed_checks;
};

/* Reads the key, finds the zone, looks at each name, sends one UPDATE with
 * the changes (none when every name is as asked), reads each name back.
 * Returns the exit status: EXIT_OK when every name is as asked on the
 * server, EXIT_USAGE for a bad name, EXIT_FAIL (reported) otherwise; result
 * holds whatever was learnt (free with dns_apply_free). */
int dns_apply(const struct dns_apply_request *req, struct dns_apply_result *result);
void dns_apply_free(struct dns_apply_result *result);

/* "created", "unchanged", "replaced", "deleted", "refused". */
const char *dns_apply_action_name(enum dns_apply_action action);

/* ---- the policy (workflow/dns-apply-policy.c) ---- */

/* Decides n->action and n->detail from what the server held (n->found,
 * n->other_type). */
void dns_apply_decide(struct dns_apply_name *n, const char *target, int replace, int remove);

/* Puts n's prerequisites (what the server held must still be there) and
 * changes into u. Returns 0, or -1 with why. */
int dns_apply_stage(const struct dns_apply_name *n, const char *target, uint32_t ttl,
                    struct dns_update *u, char *why, size_t why_len);

/* Whether the name read back is as asked: the target, or with remove no
 * CNAME at all. */
int dns_apply_check_ok(const struct dns_check *check, int remove);

#endif
