/* CNAME records for custom domains and their zone-file text. ldns builds
 * and prints every record, so the text is what a DNS library means by it;
 * the checks here are the ones ldns does not make (host-name syntax, the
 * apex, a domain pointing at itself, a domain outside the zone). */
#include "dns/dns.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "util/hostname.h"

int dns_name_normalize(const char *name, char out[DNS_NAME_SIZE], char *why, size_t why_len)
{
    size_t len;

    if (hostname_check(name, HOSTNAME_ALLOW_TRAILING_DOT, why, why_len) < 0)
        return -1;
    len = strlen(name);
    if (name[len - 1] == '.')
        len--;
    if (len >= DNS_NAME_SIZE) {
        snprintf(why, why_len, "longer than 253 characters");
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)name[i]);
    out[len] = '\0';
    return 0;
}

/* Whether name (normalized) lies strictly below zone (normalized). */
static int is_below(const char *name, const char *zone)
{
    size_t n = strlen(name), z = strlen(zone);

    return n > z + 1 && name[n - z - 1] == '.' && strcmp(name + n - z, zone) == 0;
}

/* An absolute dname for a normalized name. */
static ldns_rdf *absolute_dname(const char *name)
{
    char text[DNS_NAME_SIZE + 1];

    snprintf(text, sizeof(text), "%s.", name);
    return ldns_dname_new_frm_str(text);
}

/* The CNAME owner -> target, built with ldns. */
static ldns_rr *cname_rr(const char *owner, const char *target, uint32_t ttl)
{
    ldns_rr *rr = ldns_rr_new();
    ldns_rdf *owner_rdf = absolute_dname(owner), *target_rdf = absolute_dname(target);

    if (!rr || !owner_rdf || !target_rdf) {
        ldns_rdf_deep_free(owner_rdf);
        ldns_rdf_deep_free(target_rdf);
        ldns_rr_free(rr);
        return NULL;
    }
    ldns_rr_set_owner(rr, owner_rdf);
    ldns_rr_set_type(rr, LDNS_RR_TYPE_CNAME);
    ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
    ldns_rr_set_ttl(rr, ttl);
    if (!ldns_rr_push_rdf(rr, target_rdf)) {
        ldns_rdf_deep_free(target_rdf);
        ldns_rr_free(rr);
        return NULL;
    }
    return rr;
}

/* Whether ldns, reading text under $ORIGIN origin, gets back rr. */
static int reads_back_as(const char *text, const char *origin, const ldns_rr *rr)
{
    ldns_rdf *origin_rdf = absolute_dname(origin);
    ldns_rr *parsed = NULL;
    int same = 0;

    if (origin_rdf && ldns_rr_new_frm_str(&parsed, text, 0, origin_rdf, NULL) == LDNS_STATUS_OK &&
        parsed)
        same = ldns_rr_compare(parsed, rr) == 0 && ldns_rr_ttl(parsed) == ldns_rr_ttl(rr);
    ldns_rr_free(parsed);
    ldns_rdf_deep_free(origin_rdf);
    return same;
}

/* One CNAME as a zone-file line (no newline), printed by ldns. Under an
 * origin the owner is written relative to it: ldns prints names absolute
 * only (a dname without its root label is read past its end), so the
 * owner field it printed is replaced, and ldns must read the line back
 * under $ORIGIN as the same record. */
static char *record_text(const char *domain, const char *origin, const char *target, uint32_t ttl)
{
    ldns_rr *rr = cname_rr(domain, target, ttl);
    char *text = rr ? ldns_rr2str(rr) : NULL, *relative = NULL;
    size_t len, owner_len = strlen(domain) + 1, keep;

    if (text && (len = strlen(text)) > 0 && text[len - 1] == '\n')
        text[len - 1] = '\0';
    if (!text || !origin)
        goto done;
    /* "developers.example.com.\t..." -> "developers\t..." */
    keep = strlen(domain) - strlen(origin) - 1;
    if (strncmp(text, domain, owner_len - 1) != 0 || text[owner_len - 1] != '.' ||
        text[owner_len] != '\t' ||
        asprintf(&relative, "%.*s%s", (int)keep, domain, text + owner_len) < 0) {
        relative = NULL;
    } else if (!reads_back_as(relative, origin, rr)) {
        free(relative);
        relative = NULL;
    }
    free(text);
    text = relative;
done:
    ldns_rr_free(rr);
    return text;
}

/* Checks one domain against the target, the origin and the domains before
 * it; writes its normalized form to name. */
static int check_domain(const struct dns_records_request *req, size_t index, const char *target,
                        const char *origin, const struct dns_record *done, char name[DNS_NAME_SIZE],
                        char *why, size_t why_len, char *hint, size_t hint_len)
{
    const char *given = req->domains[index];
    char reason[256];

    if (dns_name_normalize(given, name, reason, sizeof(reason)) < 0) {
        snprintf(why, why_len, "bad domain \"%s\": %s", given, reason);
        return -1;
    }
    if (strcmp(name, target) == 0) {
        snprintf(why, why_len, "domain %s is the target itself: a CNAME to itself is a loop", name);
        return -1;
    }
    for (size_t i = 0; i < index; i++) {
        if (strcmp(done[i].domain, name) == 0) {
            snprintf(why, why_len, "domain %s is given twice: a name can hold only one CNAME",
                     name);
            return -1;
        }
    }
    if (origin && strcmp(name, origin) == 0) {
        snprintf(why, why_len,
                 "%s is the apex of the zone %s: a CNAME there cannot coexist with the zone's "
                 "SOA and NS records",
                 name, origin);
        snprintf(hint, hint_len,
                 "point a subdomain (e.g. www.%s) at the endpoint, or use your DNS provider's "
                 "ALIAS/ANAME record at the apex",
                 name);
        return -1;
    }
    if (origin && !is_below(name, origin)) {
        snprintf(why, why_len, "domain %s is not in the zone %s (--origin)", name, origin);
        return -1;
    }
    return 0;
}

/* The zone text: a comment, $ORIGIN if any, a line per record. */
static char *zone_text(const struct dns_record_set *set)
{
    char *text = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&text, &size);

    if (!fp)
        return NULL;
    fprintf(fp, "; CNAME records: custom domains -> %s. (made by p11cert)\n", set->target);
    if (set->origin)
        fprintf(fp, "$ORIGIN %s.\n", set->origin);
    for (size_t i = 0; i < set->count; i++)
        fprintf(fp, "%s\n", set->records[i].text);
    if (fclose(fp) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

int dns_records_make(const struct dns_records_request *req, struct dns_record_set *out, char *why,
                     size_t why_len, char *hint, size_t hint_len)
{
    char target[DNS_NAME_SIZE], origin[DNS_NAME_SIZE], name[DNS_NAME_SIZE], reason[256];
    int ret = -1;

    memset(out, 0, sizeof(*out));
    if (hint_len > 0)
        hint[0] = '\0';
    if (req->n_domains == 0) {
        snprintf(why, why_len, "no domain given");
        return -1;
    }
    if (dns_name_normalize(req->target, target, reason, sizeof(reason)) < 0) {
        snprintf(why, why_len, "bad target \"%s\": %s", req->target, reason);
        return -1;
    }
    if (req->origin && dns_name_normalize(req->origin, origin, reason, sizeof(reason)) < 0) {
        snprintf(why, why_len, "bad origin \"%s\": %s", req->origin, reason);
        return -1;
    }
    out->ttl = req->ttl;
    out->target = strdup(target);
    out->origin = req->origin ? strdup(origin) : NULL;
    out->records = calloc(req->n_domains, sizeof(*out->records));
    if (!out->target || (req->origin && !out->origin) || !out->records)
        goto oom;
    for (size_t i = 0; i < req->n_domains; i++) {
        struct dns_record *record = &out->records[i];

        if (check_domain(req, i, target, req->origin ? origin : NULL, out->records, name, why,
                         why_len, hint, hint_len) < 0)
            goto cleanup;
        record->domain = strdup(name);
        out->count++;
        if (!record->domain)
            goto oom;
    }
    for (size_t i = 0; i < out->count; i++) {
        struct dns_record *record = &out->records[i];

        record->text = record_text(record->domain, out->origin, target, out->ttl);
        if (!record->text) {
            snprintf(why, why_len, "ldns could not build the record for %s", record->domain);
            goto cleanup;
        }
    }
    out->zone_text = zone_text(out);
    if (!out->zone_text)
        goto oom;
    ret = 0;
    goto cleanup;
oom:
    snprintf(why, why_len, "out of memory");
cleanup:
    if (ret < 0)
        dns_record_set_free(out);
    return ret;
}

void dns_record_set_free(struct dns_record_set *set)
{
    for (size_t i = 0; set->records && i < set->count; i++) {
        free(set->records[i].domain);
        free(set->records[i].text);
    }
    free(set->records);
    free(set->target);
    free(set->origin);
    free(set->zone_text);
    memset(set, 0, sizeof(*set));
}
