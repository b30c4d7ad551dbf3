/* dns apply, step by step: the names checked, the TSIG key read, the zone
 * found on the server, what each name holds there, the decisions
 * (workflow/dns-apply-policy.c), one UPDATE for every change, and each name
 * read back from the same server as dns check does. The key's secret lives
 * only in struct dns_tsig_key here and is wiped before this returns. */
#include "workflow/dns-apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/msg.h"

/* The names, normalized: a bad one, one given twice, the target itself,
 * one outside --zone or at its apex are usage errors. */
static int check_names(const struct dns_apply_request *req, struct dns_apply_result *res)
{
    char why[512];

    if (dns_name_normalize(req->target, res->target, why, sizeof(why)) < 0) {
        errorf("bad target \"%s\": %s", req->target, why);
        return -1;
    }
    if (req->zone && dns_name_normalize(req->zone, res->zone, why, sizeof(why)) < 0) {
        errorf("bad --zone \"%s\": %s", req->zone, why);
        return -1;
    }
    for (size_t i = 0; i < req->n_domains; i++) {
        char *d = res->names[i].domain;
        size_t len, zlen = strlen(res->zone);

        if (dns_name_normalize(req->domains[i], d, why, sizeof(why)) < 0) {
            errorf("bad domain \"%s\": %s", req->domains[i], why);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(res->names[j].domain, d) == 0) {
                errorf("the domain %s is given twice", d);
                return -1;
            }
        if (strcmp(d, res->target) == 0) {
            errorf("the domain %s is the target itself", d);
            return -1;
        }
        len = strlen(d);
        if (req->zone &&
            (len <= zlen || d[len - zlen - 1] != '.' || strcmp(d + len - zlen, res->zone) != 0)) {
            errorf("the domain %s is %s the zone %s", d,
                   strcmp(d, res->zone) == 0 ? "the apex of" : "not in", res->zone);
            if (strcmp(d, res->zone) == 0)
                hintf("a CNAME cannot live beside the zone's SOA and NS records");
            return -1;
        }
    }
    return 0;
}

/* The zone every name is in (one UPDATE changes one zone) and its serial. */
static int find_zone(struct dns_resolver *r, struct dns_apply_result *res, int given)
{
    char zone[DNS_NAME_SIZE], why[512];
    uint32_t serial = 0;

    if (given) {
        if (dns_zone_serial(r, res->zone, &res->serial_before, why, sizeof(why)) < 0) {
            errorf("%s", why);
            return -1;
        }
        return 0;
    }
    for (size_t i = 0; i < res->n; i++) {
        const char *d = res->names[i].domain;

        if (dns_find_zone(r, d, zone, &serial, why, sizeof(why)) < 0) {
            errorf("cannot find the zone of %s: %s", d, why);
            return -1;
        }
        if (strcmp(zone, d) == 0) {
            errorf("the domain %s is the apex of the zone %s", d, zone);
            hintf("a CNAME cannot live beside the zone's SOA and NS records");
            return -1;
        }
        if (i > 0 && strcmp(zone, res->zone) != 0) {
            errorf("the domains are in different zones: %s in %s, %s in %s", res->names[0].domain,
                   res->zone, d, zone);
            hintf("one UPDATE changes one zone: run dns apply once per zone");
            return -1;
        }
        snprintf(res->zone, sizeof(res->zone), "%s", zone);
        res->serial_before = serial;
    }
    debugf("zone %s, serial %u", res->zone, (unsigned)res->serial_before);
    return 0;
}

/* What each name holds, and what is to be done with it. */
static int look(struct dns_resolver *r, const struct dns_apply_request *req,
                struct dns_apply_result *res)
{
    char why[512];

    for (size_t i = 0; i < res->n; i++) {
        struct dns_apply_name *n = &res->names[i];

        dns_lookup_cname(r, n->domain, &n->found);
        if (n->found.state == DNS_NAME_NO_ANSWER) {
            errorf("cannot read %s: %s", n->domain, n->found.why);
            return -1;
        }
        if (n->found.state == DNS_NAME_NODATA &&
            dns_lookup_data_type(r, n->domain, n->other_type, why, sizeof(why)) < 0) {
            errorf("cannot read %s: %s", n->domain, why);
            return -1;
        }
        dns_apply_decide(n, res->target, req->replace, req->remove);
        if (n->action == DNS_APPLY_REFUSED)
            res->refused++;
        else if (n->action != DNS_APPLY_UNCHANGED)
            res->changed++;
    }
    return 0;
}

/* One UPDATE for every name: the changes and, for the names left alone, the
 * prerequisite that they still are as read. */
static int send_changes(const struct dns_apply_request *req, const struct dns_tsig_key *key,
                        struct dns_apply_result *res)
{
    struct dns_update *u;
    char why[768];
    int ret = -1;

    if (!(u = dns_update_new(res->zone, why, sizeof(why)))) {
        errorf("cannot build the update: %s", why);
        return -1;
    }
    for (size_t i = 0; i < res->n; i++)
        if (dns_apply_stage(&res->names[i], res->target, req->ttl, u, why, sizeof(why)) < 0) {
            errorf("cannot build the update: %s", why);
            goto cleanup;
        }
    debugf("sending %zu changes to %s, signed with key %s", dns_update_changes(u), res->server,
           key->name);
    if (dns_update_send(u, req->server, key, &res->answer, why, sizeof(why)) < 0) {
        errorf("%s", why);
        goto cleanup;
    }
    res->sent = 1;
    if (!res->answer.applied && res->answer.rcode == 0) {
        /* NOERROR, but not signed with the key: it may not be the server's. */
        errorf("cannot trust the answer of %s: %s", res->server, res->answer.words);
        hintf("the update may or may not have been applied: dns check --server tells");
        goto cleanup;
    }
    if (!res->answer.applied) {
        errorf("%s refused the update: %s", res->server, res->answer.words);
        hintf("nothing was changed: the server applies an update whole or not at all");
        goto cleanup;
    }
    ret = 0;
cleanup:
    dns_update_free(u);
    return ret;
}

/* Each name as the server now answers for it. */
static void read_back(struct dns_resolver *r, struct dns_apply_result *res)
{
    char why[512];

    for (size_t i = 0; i < res->n; i++) {
        struct dns_apply_name *n = &res->names[i];

        dns_check_domain(r, n->domain, res->target, &n->check);
        n->checked = 1;
        n->check_ok = dns_apply_check_ok(&n->check, res->remove);
        if (!n->check_ok)
            res->failed_checks++;
    }
    res->have_serial_after =
        dns_zone_serial(r, res->zone, &res->serial_after, why, sizeof(why)) == 0;
}

int dns_apply(const struct dns_apply_request *req, struct dns_apply_result *res)
{
    struct dns_tsig_key key = {0};
    struct dns_resolver r = {0};
    char why[512];
    int ret = EXIT_USAGE;

    memset(res, 0, sizeof(*res));
    res->remove = req->remove;
    if (!(res->names = calloc(req->n_domains ? req->n_domains : 1, sizeof(*res->names)))) {
        errorf("out of memory");
        return EXIT_FAIL;
    }
    res->n = req->n_domains;
    if (check_names(req, res) < 0)
        goto cleanup;
    ret = EXIT_FAIL;
    if (dns_tsig_key_read(req->tsig, &key) < 0)
        goto cleanup;
    snprintf(res->key_name, sizeof(res->key_name), "%s", key.name);
    res->key_algorithm = dns_tsig_alg_name(key.alg);
    if (dns_resolver_open(&r, req->server, why, sizeof(why)) < 0) {
        errorf("%s", why);
        goto cleanup;
    }
    snprintf(res->server, sizeof(res->server), "%s", r.desc);
    if (find_zone(&r, res, req->zone != NULL) < 0)
        goto cleanup;
    res->zone_found = 1;
    if (look(&r, req, res) < 0)
        goto cleanup;
    if (res->refused > 0) {
        errorf("nothing sent: %zu of %zu domains hold data dns apply would clobber", res->refused,
               res->n);
        goto cleanup;
    }
    if (res->changed > 0 && send_changes(req, &key, res) < 0)
        goto cleanup;
    dns_tsig_key_wipe(&key);
    read_back(&r, res);
    if (res->failed_checks > 0) {
        errorf("%zu of %zu domains do not read back as asked from %s", res->failed_checks, res->n,
               res->server);
        goto cleanup;
    }
    ret = EXIT_OK;
cleanup:
    dns_tsig_key_wipe(&key);
    dns_resolver_close(&r);
    return ret;
}

void dns_apply_free(struct dns_apply_result *res)
{
    free(res->names);
    res->names = NULL;
    res->n = 0;
}
