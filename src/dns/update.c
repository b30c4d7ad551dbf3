/* RFC 2136 updates: the prerequisite and update sections built with ldns
 * (ldns_update_pkt_new), the message signed (dns/tsig.c), sent over TCP with
 * ldns_tcp_send, and the answer's RCODE and TSIG error put in words. */
#include "dns/update.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

struct dns_update {
    ldns_rdf *zone;
    ldns_rr_list *prereqs, *updates;
};

/* name as an absolute ldns dname inside the zone. */
static ldns_rdf *zone_name(const struct dns_update *u, const char *name, char *why, size_t why_len)
{
    char text[DNS_NAME_SIZE + 1];
    size_t len = strlen(name);
    ldns_rdf *dname;

    if (len == 0 || len > 254 || (len == 254 && name[253] != '.')) {
        snprintf(why, why_len, "\"%.60s\" is not a DNS name", name);
        return NULL;
    }
    snprintf(text, sizeof(text), "%s%s", name, name[len - 1] == '.' ? "" : ".");
    if (!(dname = ldns_dname_new_frm_str(text))) {
        snprintf(why, why_len, "\"%.253s\" is not a DNS name", name);
        return NULL;
    }
    ldns_dname2canonical(dname);
    if (u && ldns_dname_compare(dname, u->zone) != 0 && !ldns_dname_is_subdomain(dname, u->zone)) {
        char *zone = ldns_rdf2str(u->zone);

        snprintf(why, why_len, "%.253s is not in the zone %s", name, zone ? zone : "");
        free(zone);
        ldns_rdf_deep_free(dname);
        return NULL;
    }
    return dname;
}

struct dns_update *dns_update_new(const char *zone, char *why, size_t why_len)
{
    struct dns_update *u = calloc(1, sizeof(*u));

    if (!u) {
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    u->zone = zone_name(NULL, zone, why, why_len);
    u->prereqs = ldns_rr_list_new();
    u->updates = ldns_rr_list_new();
    if (!u->zone || !u->prereqs || !u->updates) {
        if (u->zone)
            snprintf(why, why_len, "out of memory");
        dns_update_free(u);
        return NULL;
    }
    return u;
}

/* One record for a section: with rdata, parsed from zone-file text; without,
 * the empty RR of RFC 2136's meta forms. Its class and TTL are set after. */
static ldns_rr *make_rr(const struct dns_update *u, const char *name, const char *type,
                        const char *rdata, ldns_rr_class cls, uint32_t ttl, char *why,
                        size_t why_len)
{
    ldns_rdf *owner = zone_name(u, name, why, why_len);
    ldns_rr_type rr_type = type ? ldns_get_rr_type_by_name(type) : LDNS_RR_TYPE_ANY;
    ldns_rr *rr = NULL;

    if (!owner)
        return NULL;
    if (rr_type == 0) {
        snprintf(why, why_len, "unknown record type \"%.20s\"", type);
        goto fail;
    }
    if (rdata) {
        char *owner_text = ldns_rdf2str(owner), *text = NULL;
        ldns_status status = LDNS_STATUS_MEM_ERR;

        if (owner_text && asprintf(&text, "%s 0 IN %s %s", owner_text, type, rdata) >= 0)
            status = ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL);
        free(owner_text);
        free(text);
        if (status != LDNS_STATUS_OK) {
            snprintf(why, why_len, "bad %s record data \"%.200s\": %s", type, rdata,
                     ldns_get_errorstr_by_id(status));
            rr = NULL;
            goto fail;
        }
        ldns_rdf_deep_free(owner);
    } else {
        if (!(rr = ldns_rr_new())) {
            snprintf(why, why_len, "out of memory");
            goto fail;
        }
        ldns_rr_set_owner(rr, owner);
        ldns_rr_set_type(rr, rr_type);
    }
    ldns_rr_set_class(rr, cls);
    ldns_rr_set_ttl(rr, ttl);
    return rr;
fail:
    ldns_rdf_deep_free(owner);
    return NULL;
}

static int push(ldns_rr_list *list, ldns_rr *rr, char *why, size_t why_len)
{
    if (!rr)
        return -1;
    if (!ldns_rr_list_push_rr(list, rr)) {
        ldns_rr_free(rr);
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    return 0;
}

int dns_update_require(struct dns_update *u, enum dns_prereq what, const char *name,
                       const char *type, const char *rdata, char *why, size_t why_len)
{
    ldns_rr_class cls = LDNS_RR_CLASS_ANY;

    switch (what) {
    case DNS_PREREQ_NAME_IN_USE:
        type = rdata = NULL;
        break;
    case DNS_PREREQ_NAME_NOT_IN_USE:
        type = rdata = NULL;
        cls = LDNS_RR_CLASS_NONE;
        break;
    case DNS_PREREQ_RRSET_EXISTS:
        rdata = NULL;
        break;
    case DNS_PREREQ_RRSET_ABSENT:
        rdata = NULL;
        cls = LDNS_RR_CLASS_NONE;
        break;
    case DNS_PREREQ_RRSET_IS:
        cls = LDNS_RR_CLASS_IN;
        break;
    }
    if ((what == DNS_PREREQ_RRSET_EXISTS || what == DNS_PREREQ_RRSET_ABSENT ||
         what == DNS_PREREQ_RRSET_IS) &&
        !type) {
        snprintf(why, why_len, "a prerequisite on an RRset needs its type");
        return -1;
    }
    if (what == DNS_PREREQ_RRSET_IS && !rdata) {
        snprintf(why, why_len, "a prerequisite on an RRset's records needs the record data");
        return -1;
    }
    return push(u->prereqs, make_rr(u, name, type, rdata, cls, 0, why, why_len), why, why_len);
}

int dns_update_add(struct dns_update *u, const char *name, uint32_t ttl, const char *type,
                   const char *rdata, char *why, size_t why_len)
{
    if (!type || !rdata) {
        snprintf(why, why_len, "a record to add needs its type and data");
        return -1;
    }
    return push(u->updates, make_rr(u, name, type, rdata, LDNS_RR_CLASS_IN, ttl, why, why_len), why,
                why_len);
}

int dns_update_delete(struct dns_update *u, const char *name, const char *type, const char *rdata,
                      char *why, size_t why_len)
{
    ldns_rr_class cls = rdata ? LDNS_RR_CLASS_NONE : LDNS_RR_CLASS_ANY;

    if (rdata && !type) {
        snprintf(why, why_len, "a record to delete needs its type");
        return -1;
    }
    return push(u->updates, make_rr(u, name, type, rdata, cls, 0, why, why_len), why, why_len);
}

int dns_update_txt(struct dns_update *u, int add, const char *name, uint32_t ttl, const char *value,
                   char *why, size_t why_len)
{
    char quoted[2 * 255 + 3];
    size_t n = 0;
    int ret;

    if (strlen(value) > 255) {
        snprintf(why, why_len, "a TXT value of %zu bytes is longer than 255", strlen(value));
        return -1;
    }
    quoted[n++] = '"';
    for (const char *c = value; *c; c++) {
        if (*c == '"' || *c == '\\')
            quoted[n++] = '\\';
        quoted[n++] = *c;
    }
    quoted[n++] = '"';
    quoted[n] = '\0';
    ret = add ? dns_update_add(u, name, ttl, "TXT", quoted, why, why_len)
              : dns_update_delete(u, name, "TXT", quoted, why, why_len);
    return ret;
}

void dns_update_free(struct dns_update *u)
{
    if (!u)
        return;
    ldns_rdf_deep_free(u->zone);
    ldns_rr_list_deep_free(u->prereqs);
    ldns_rr_list_deep_free(u->updates);
    free(u);
}

size_t dns_update_changes(const struct dns_update *u)
{
    return ldns_rr_list_rr_count(u->updates);
}

int dns_update_wire(const struct dns_update *u, const struct dns_tsig_key *key, time_t now,
                    uint8_t **wire, size_t *len, uint8_t mac[DNS_TSIG_MAC_MAX], size_t *mac_len,
                    char *why, size_t why_len)
{
    ldns_pkt *pkt = ldns_update_pkt_new(ldns_rdf_clone(u->zone), LDNS_RR_CLASS_IN, u->prereqs,
                                        u->updates, NULL);
    uint8_t *plain = NULL, *signed_wire = NULL;
    size_t plain_len = 0, cap;
    int ret = -1;

    *wire = NULL;
    if (!pkt) {
        snprintf(why, why_len, "cannot build the update: out of memory");
        goto cleanup;
    }
    ldns_pkt_set_random_id(pkt);
    ldns_pkt_set_rd(pkt, false); /* no meaning in an UPDATE */
    if (ldns_pkt2wire(&plain, pkt, &plain_len) != LDNS_STATUS_OK) {
        snprintf(why, why_len, "cannot build the update message");
        goto cleanup;
    }
    cap = plain_len + 600;
    if (!(signed_wire = malloc(cap))) {
        snprintf(why, why_len, "out of memory");
        goto cleanup;
    }
    memcpy(signed_wire, plain, plain_len);
    *len = plain_len;
    if (dns_tsig_sign(key, signed_wire, len, cap, now, mac, mac_len, why, why_len) < 0)
        goto cleanup;
    if (*len > 65535) {
        snprintf(why, why_len, "the update is too large (%zu bytes) for one message", *len);
        goto cleanup;
    }
    *wire = signed_wire;
    signed_wire = NULL;
    ret = 0;
cleanup:
    free(signed_wire);
    free(plain);
    ldns_pkt_free(pkt);
    return ret;
}
