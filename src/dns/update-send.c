/* Sending an update: the signed message over TCP to the zone's primary
 * server (ldns_tcp_send, bounded by DNS_UPDATE_TIMEOUT), and its answer read
 * back: is it the answer to this message, is it signed with the key, and
 * what do its RCODE and TSIG error say, in words. */
#include "dns/update.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

static const char *rcode_meaning(unsigned rcode)
{
    switch (rcode) {
    case LDNS_RCODE_FORMERR:
        return "the server could not read the update";
    case LDNS_RCODE_SERVFAIL:
        return "the server failed to apply it";
    case LDNS_RCODE_NXDOMAIN:
        return "a name required to be in use is not: the zone changed since it was read";
    case LDNS_RCODE_NOTIMPL:
        return "the server does not take dynamic updates";
    case LDNS_RCODE_REFUSED:
        return "the server's policy refuses this update from this client";
    case LDNS_RCODE_YXDOMAIN:
        return "a name required to be unused is in use: the zone changed since it was read";
    case LDNS_RCODE_YXRRSET:
        return "an RRset required to be absent exists: the zone changed since it was read";
    case LDNS_RCODE_NXRRSET:
        return "an RRset required to exist, or to hold given records, does not: "
               "the zone changed since it was read";
    case LDNS_RCODE_NOTAUTH:
        return "the server is not authoritative for the zone, or does not accept the key";
    case LDNS_RCODE_NOTZONE:
        return "a name is outside the zone";
    }
    return "an error";
}

static const char *tsig_meaning(unsigned error)
{
    switch (error) {
    case DNS_TSIG_BADSIG:
        return "the signature does not verify: the secret is not the one the server holds for "
               "this key";
    case DNS_TSIG_BADKEY:
        return "the server does not know this key, or its policy (ACL) does not allow this "
               "update with it";
    case DNS_TSIG_BADTIME:
        return "this machine's clock and the server's differ by more than the fudge";
    }
    return "the server did not accept the signature";
}

/* The answer's words: "NOERROR", "REFUSED (why)", "NOTAUTH, BADSIG (why)". */
static void describe(const struct dns_tsig_key *key, struct dns_update_answer *a,
                     const struct dns_tsig_check *tsig)
{
    ldns_lookup_table *entry = ldns_lookup_by_id(ldns_rcodes, (int)a->rcode);
    char rcode[32], error[32];

    snprintf(rcode, sizeof(rcode), "%s", entry ? entry->name : "");
    if (!entry)
        snprintf(rcode, sizeof(rcode), "RCODE %u", a->rcode);
    if (a->rcode == LDNS_RCODE_NOERROR && a->verified)
        snprintf(a->words, sizeof(a->words), "NOERROR");
    else if (a->rcode == LDNS_RCODE_NOERROR)
        snprintf(a->words, sizeof(a->words),
                 "NOERROR, but the answer is not signed with key %.100s: %s", key->name,
                 tsig->present ? tsig->why : "it carries no TSIG record");
    else if (a->tsig_error)
        snprintf(a->words, sizeof(a->words), "%s, %s (key %.100s: %s)", rcode,
                 dns_tsig_error_name(a->tsig_error, error, sizeof(error)), key->name,
                 tsig_meaning(a->tsig_error));
    else
        snprintf(a->words, sizeof(a->words), "%s (%s)", rcode, rcode_meaning(a->rcode));
}

/* The server's address for ldns (malloc'd). */
static struct sockaddr_storage *server_address(const struct dns_server *server, size_t *len)
{
    ldns_rdf *addr = ldns_rdf_new_frm_str(
        server->family == AF_INET ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA, server->addr);
    struct sockaddr_storage *ss =
        addr ? ldns_rdf2native_sockaddr_storage(addr, server->port, len) : NULL;

    ldns_rdf_deep_free(addr);
    return ss;
}

int dns_update_send(const struct dns_update *u, const struct dns_server *server,
                    const struct dns_tsig_key *key, struct dns_update_answer *answer, char *why,
                    size_t why_len)
{
    uint8_t *wire = NULL, *reply = NULL, mac[DNS_TSIG_MAC_MAX];
    size_t len = 0, reply_len = 0, mac_len = 0, ss_len = 0;
    struct sockaddr_storage *ss = NULL;
    struct dns_tsig_check tsig;
    ldns_buffer *query = NULL;
    ldns_pkt *pkt = NULL;
    ldns_status status;
    int ret = -1;

    memset(answer, 0, sizeof(*answer));
    if (dns_update_wire(u, key, time(NULL), &wire, &len, mac, &mac_len, why, why_len) < 0)
        goto cleanup;
    if (!(ss = server_address(server, &ss_len)) || !(query = ldns_buffer_new(len))) {
        snprintf(why, why_len, "out of memory");
        goto cleanup;
    }
    ldns_buffer_write(query, wire, len);
    errno = 0;
    status = ldns_tcp_send(&reply, query, ss, (socklen_t)ss_len,
                           (struct timeval){DNS_UPDATE_TIMEOUT, 0}, &reply_len);
    if (status != LDNS_STATUS_OK || !reply) {
        /* ldns leaves errno as connect(2) set it; a timeout sets none. */
        if (status == LDNS_STATUS_NETWORK_ERR || errno == 0)
            snprintf(why, why_len, "no answer from %s port %u over TCP within %d s", server->addr,
                     (unsigned)server->port, DNS_UPDATE_TIMEOUT);
        else
            snprintf(why, why_len, "cannot send the update to %s port %u over TCP: %s",
                     server->addr, (unsigned)server->port, strerror(errno));
        reply = NULL;
        goto cleanup;
    }
    if (ldns_wire2pkt(&pkt, reply, reply_len) != LDNS_STATUS_OK ||
        ldns_pkt_id(pkt) != (wire[0] << 8 | wire[1]) || !ldns_pkt_qr(pkt) ||
        ldns_pkt_get_opcode(pkt) != LDNS_PACKET_UPDATE) {
        snprintf(why, why_len, "%s port %u sent something that is not the answer to the update",
                 server->addr, (unsigned)server->port);
        goto cleanup;
    }
    dns_tsig_verify(key, reply, reply_len, mac, mac_len, time(NULL), &tsig);
    answer->rcode = ldns_pkt_get_rcode(pkt);
    answer->tsig_error = tsig.present ? tsig.error : 0;
    answer->verified = tsig.verified;
    answer->applied = answer->rcode == LDNS_RCODE_NOERROR && tsig.verified;
    describe(key, answer, &tsig);
    ret = 0;
cleanup:
    ldns_pkt_free(pkt);
    free(reply);
    ldns_buffer_free(query);
    free(ss);
    free(wire);
    return ret;
}
