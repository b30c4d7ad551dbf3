/* dns apply's policy: what to do with each name, given what the server
 * holds there, and the RFC 2136 prerequisites that make the server refuse
 * the whole update if that has changed since it was read. The rule: never
 * clobber data it did not expect. A CNAME already at the target is left
 * alone; a different CNAME, or other data (a CNAME cannot live beside it),
 * is refused unless --replace; --delete removes only CNAMEs to the target
 * (others too with --replace), and never other data. */
#include "workflow/dns-apply.h"

#include <stdio.h>
#include <string.h>

const char *dns_apply_action_name(enum dns_apply_action action)
{
    switch (action) {
    case DNS_APPLY_CREATE:
        return "created";
    case DNS_APPLY_UNCHANGED:
        return "unchanged";
    case DNS_APPLY_REPLACE:
        return "replaced";
    case DNS_APPLY_DELETE:
        return "deleted";
    case DNS_APPLY_REFUSED:
    default:
        return "refused";
    }
}

static void decide_apply(struct dns_apply_name *n, const char *target, int replace)
{
    const char *cname = n->found.cname;
    size_t size = sizeof(n->detail);

    if (n->found.state == DNS_NAME_CNAME && strcmp(cname, target) == 0) {
        n->action = DNS_APPLY_UNCHANGED;
        snprintf(n->detail, size, "already points at %s.", target);
    } else if (n->found.state == DNS_NAME_CNAME) {
        n->action = replace ? DNS_APPLY_REPLACE : DNS_APPLY_REFUSED;
        if (replace)
            snprintf(n->detail, size, "now points at %s. (was a CNAME to %s.)", target, cname);
        else
            snprintf(n->detail, size, "has a CNAME to %s., not to %s. (--replace replaces it)",
                     cname, target);
    } else if (n->found.state == DNS_NAME_NODATA && n->other_type[0]) {
        n->action = replace ? DNS_APPLY_REPLACE : DNS_APPLY_REFUSED;
        if (replace)
            snprintf(n->detail, size, "now points at %s. (its %s data, and any other, deleted)",
                     target, n->other_type);
        else
            snprintf(n->detail, size,
                     "holds other data (%s), which a CNAME cannot live beside "
                     "(--replace deletes it)",
                     n->other_type);
    } else {
        n->action = DNS_APPLY_CREATE;
        snprintf(n->detail, size, "CNAME %s.", target);
    }
}

static void decide_remove(struct dns_apply_name *n, const char *target, int replace)
{
    const char *cname = n->found.cname;
    size_t size = sizeof(n->detail);

    if (n->found.state != DNS_NAME_CNAME) {
        n->action = DNS_APPLY_UNCHANGED;
        snprintf(n->detail, size, "has no CNAME");
    } else if (strcmp(cname, target) == 0) {
        n->action = DNS_APPLY_DELETE;
        snprintf(n->detail, size, "its CNAME to %s.", target);
    } else if (replace) {
        n->action = DNS_APPLY_DELETE;
        snprintf(n->detail, size, "its CNAME to %s. (not to %s.)", cname, target);
    } else {
        n->action = DNS_APPLY_REFUSED;
        snprintf(n->detail, size,
                 "its CNAME points at %s., not at %s. (--replace deletes it anyway)", cname,
                 target);
    }
}

void dns_apply_decide(struct dns_apply_name *n, const char *target, int replace, int remove)
{
    if (remove)
        decide_remove(n, target, replace);
    else
        decide_apply(n, target, replace);
}

/* The prerequisite that what the server held at the name is still there:
 * the CNAME seen, or no CNAME. */
static int require_seen(const struct dns_apply_name *n, struct dns_update *u, char *why,
                        size_t why_len)
{
    char seen[DNS_NAME_SIZE + 1];

    if (n->found.state != DNS_NAME_CNAME)
        return dns_update_require(u, DNS_PREREQ_RRSET_ABSENT, n->domain, "CNAME", NULL, why,
                                  why_len);
    snprintf(seen, sizeof(seen), "%s.", n->found.cname);
    return dns_update_require(u, DNS_PREREQ_RRSET_IS, n->domain, "CNAME", seen, why, why_len);
}

int dns_apply_stage(const struct dns_apply_name *n, const char *target, uint32_t ttl,
                    struct dns_update *u, char *why, size_t why_len)
{
    const char *name = n->domain;
    char rdata[DNS_NAME_SIZE + 1];

    snprintf(rdata, sizeof(rdata), "%s.", target);
    switch (n->action) {
    case DNS_APPLY_UNCHANGED:
        /* Sent beside the other names' changes: the update holds only if
         * this name is still as it was read. */
        return require_seen(n, u, why, why_len);
    case DNS_APPLY_CREATE:
        /* Nothing at all may be there: a CNAME cannot live beside data. */
        if (dns_update_require(u, DNS_PREREQ_NAME_NOT_IN_USE, name, NULL, NULL, why, why_len) < 0)
            return -1;
        return dns_update_add(u, name, ttl, "CNAME", rdata, why, why_len);
    case DNS_APPLY_REPLACE:
        /* The CNAME seen goes, or (no CNAME seen) every RRset at the name. */
        if (require_seen(n, u, why, why_len) < 0 ||
            dns_update_delete(u, name, n->found.state == DNS_NAME_CNAME ? "CNAME" : NULL, NULL, why,
                              why_len) < 0)
            return -1;
        return dns_update_add(u, name, ttl, "CNAME", rdata, why, why_len);
    case DNS_APPLY_DELETE:
        if (require_seen(n, u, why, why_len) < 0)
            return -1;
        return dns_update_delete(u, name, "CNAME", NULL, why, why_len);
    case DNS_APPLY_REFUSED:
    default:
        snprintf(why, why_len, "%s is refused: nothing may be sent for it", name);
        return -1;
    }
}

int dns_apply_check_ok(const struct dns_check *check, int remove)
{
    return remove ? check->status == DNS_CHECK_NO_RECORD : check->status == DNS_CHECK_TARGET;
}
