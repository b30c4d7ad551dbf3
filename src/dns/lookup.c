/* What one server holds, asked with ldns: a name's CNAME (dns check follows
 * it; dns apply decides with it), whether other data is there, and the zone
 * a name belongs to with its SOA serial. The queries go through dns_query,
 * which gives up on a server that never answered. */
#include "dns/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/exchange.h"

void dns_dname_text(const ldns_rdf *dname, char out[DNS_NAME_SIZE])
{
    char *text = ldns_rdf2str(dname);
    size_t len = text ? strlen(text) : 0;

    if (len > 1 && text[len - 1] == '.')
        len--;
    if (len >= DNS_NAME_SIZE)
        len = DNS_NAME_SIZE - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)(text[i] >= 'A' && text[i] <= 'Z' ? text[i] - 'A' + 'a' : text[i]);
    out[len] = '\0';
    free(text);
}

const char *dns_rcode_name(ldns_pkt_rcode rcode)
{
    ldns_lookup_table *entry = ldns_lookup_by_id(ldns_rcodes, (int)rcode);

    return entry ? entry->name : "an error";
}

int dns_query(struct dns_resolver *r, const char *name, ldns_rr_type type, ldns_pkt **pkt,
              char *why, size_t why_len)
{
    ldns_rdf *qname = NULL;
    char text[DNS_NAME_SIZE + 1];
    int ret = -1;

    *pkt = NULL;
    if (r->dead[0]) {
        snprintf(why, why_len, "not asked: %s", r->dead);
        return -1;
    }
    snprintf(text, sizeof(text), "%.253s.", name);
    if (!(qname = ldns_dname_new_frm_str(text))) {
        snprintf(why, why_len, "cannot make a query for %.253s", name);
        return -1;
    }
    /* dns/exchange.c takes only the answer that matches the query (id,
     * QR, question, the server's address and port): a spoofed one is
     * dropped, not believed. */
    if (!(*pkt = dns_exchange(r->ldns, r->desc, qname, type, why, why_len))) {
        if (!r->answered)
            snprintf(r->dead, sizeof(r->dead), "%.250s", why);
        goto cleanup;
    }
    r->answered = 1;
    ret = 0;
cleanup:
    ldns_rdf_deep_free(qname);
    return ret;
}

/* The first record of type in section owned by name (text), or NULL. */
static ldns_rr *find_rr(const ldns_pkt *pkt, ldns_pkt_section section, const char *name,
                        ldns_rr_type type)
{
    ldns_rr_list *list = ldns_pkt_get_section_clone(pkt, section);
    ldns_rr *found = NULL;
    char owner[DNS_NAME_SIZE];

    for (size_t i = 0; list && i < ldns_rr_list_rr_count(list) && !found; i++) {
        ldns_rr *rr = ldns_rr_list_rr(list, i);

        dns_dname_text(ldns_rr_owner(rr), owner);
        if ((type == LDNS_RR_TYPE_ANY || ldns_rr_get_type(rr) == type) &&
            (!name || strcmp(owner, name) == 0))
            found = ldns_rr_clone(rr);
    }
    ldns_rr_list_deep_free(list);
    return found;
}

void dns_lookup_cname(struct dns_resolver *r, const char *name, struct dns_lookup *out)
{
    ldns_pkt *pkt = NULL;
    ldns_rr *cname = NULL;
    ldns_pkt_rcode rcode;

    memset(out, 0, sizeof(*out));
    out->state = DNS_NAME_NO_ANSWER;
    if (dns_query(r, name, LDNS_RR_TYPE_CNAME, &pkt, out->why, sizeof(out->why)) < 0)
        return;
    rcode = ldns_pkt_get_rcode(pkt);
    if (rcode == LDNS_RCODE_NXDOMAIN) {
        out->state = DNS_NAME_NXDOMAIN;
    } else if (rcode != LDNS_RCODE_NOERROR) {
        snprintf(out->why, sizeof(out->why), "%s answered %s", r->desc, dns_rcode_name(rcode));
    } else if ((cname = find_rr(pkt, LDNS_SECTION_ANSWER, name, LDNS_RR_TYPE_CNAME))) {
        dns_dname_text(ldns_rr_rdf(cname, 0), out->cname);
        out->state = DNS_NAME_CNAME;
    } else {
        out->state = DNS_NAME_NODATA;
    }
    ldns_rr_free(cname);
    ldns_pkt_free(pkt);
}

int dns_lookup_data_type(struct dns_resolver *r, const char *name, char type[16], char *why,
                         size_t why_len)
{
    ldns_pkt *pkt = NULL;
    ldns_rr *rr = NULL;
    char *text = NULL;
    int ret = -1;

    type[0] = '\0';
    if (dns_query(r, name, LDNS_RR_TYPE_ANY, &pkt, why, why_len) < 0)
        return -1;
    if (ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR &&
        ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NXDOMAIN) {
        snprintf(why, why_len, "%s answered %s", r->desc, dns_rcode_name(ldns_pkt_get_rcode(pkt)));
        goto cleanup;
    }
    if ((rr = find_rr(pkt, LDNS_SECTION_ANSWER, name, LDNS_RR_TYPE_ANY)) &&
        (text = ldns_rr_type2str(ldns_rr_get_type(rr))))
        snprintf(type, 16, "%.15s", text);
    ret = 0;
cleanup:
    free(text);
    ldns_rr_free(rr);
    ldns_pkt_free(pkt);
    return ret;
}

/* The serial of an SOA record. */
static uint32_t soa_serial(const ldns_rr *soa)
{
    const ldns_rdf *serial = ldns_rr_rdf(soa, 2);

    return serial ? ldns_rdf2native_int32(serial) : 0;
}

/* One SOA query for name: the zone it is the apex of (answer), or the zone
 * an authoritative server says holds it (authority, when nothing else
 * answered: a CNAME's chase may bring another zone's SOA). *found 0: ask
 * the parent. */
static int ask_soa(struct dns_resolver *r, const char *name, char zone[DNS_NAME_SIZE],
                   uint32_t *serial, int *found, char *why, size_t why_len)
{
    ldns_pkt *pkt = NULL;
    ldns_rr *soa = NULL;
    ldns_pkt_rcode rcode;
    int ret = -1;

    *found = 0;
    if (dns_query(r, name, LDNS_RR_TYPE_SOA, &pkt, why, why_len) < 0)
        return -1;
    rcode = ldns_pkt_get_rcode(pkt);
    if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
        snprintf(why, why_len, "%s answered %s for %.253s: it serves no zone that holds it",
                 r->desc, dns_rcode_name(rcode), name);
        goto cleanup;
    }
    if (!ldns_pkt_aa(pkt)) {
        snprintf(why, why_len,
                 "%s is not authoritative for %.253s (its answer has no AA flag): give the "
                 "zone's primary server",
                 r->desc, name);
        goto cleanup;
    }
    if ((soa = find_rr(pkt, LDNS_SECTION_ANSWER, name, LDNS_RR_TYPE_SOA))) {
        snprintf(zone, DNS_NAME_SIZE, "%s", name);
    } else if (ldns_pkt_ancount(pkt) == 0 &&
               (soa = find_rr(pkt, LDNS_SECTION_AUTHORITY, NULL, LDNS_RR_TYPE_SOA))) {
        dns_dname_text(ldns_rr_owner(soa), zone);
    }
    if (soa) {
        *serial = soa_serial(soa);
        *found = 1;
    }
    ret = 0;
cleanup:
    ldns_rr_free(soa);
    ldns_pkt_free(pkt);
    return ret;
}

int dns_find_zone(struct dns_resolver *r, const char *name, char zone[DNS_NAME_SIZE],
                  uint32_t *serial, char *why, size_t why_len)
{
    const char *at = name;
    int found = 0;

    while (*at) {
        if (ask_soa(r, at, zone, serial, &found, why, why_len) < 0)
            return -1;
        if (found)
            return 0;
        at = strchr(at, '.');
        at = at ? at + 1 : "";
    }
    snprintf(why, why_len, "%s holds no zone above %.253s (no SOA record)", r->desc, name);
    return -1;
}

int dns_zone_serial(struct dns_resolver *r, const char *zone, uint32_t *serial, char *why,
                    size_t why_len)
{
    char apex[DNS_NAME_SIZE] = "";
    int found = 0;

    if (ask_soa(r, zone, apex, serial, &found, why, why_len) < 0)
        return -1;
    if (!found || strcmp(apex, zone) != 0) {
        snprintf(why, why_len, "%s does not serve the zone %.253s (%.253s%s)", r->desc, zone,
                 found ? "it is inside the zone " : "no SOA record at its apex", found ? apex : "");
        return -1;
    }
    return 0;
}
