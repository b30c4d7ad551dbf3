/* RFC 2136 dynamic updates signed with TSIG (dns/tsig.h): records to add
 * to and delete from one zone, with prerequisites the server checks before
 * it changes anything, sent as one UPDATE, which the server applies whole or
 * not at all. What to send is the caller's policy: dns apply's CNAMEs
 * (workflow/dns-apply-policy.c), ACME dns-01's TXT records
 * (dns_update_txt). Names are absolute, with or without the trailing dot;
 * types and record data are zone-file text ("CNAME", "host.example.").
 * Functions that take why return 0, or -1 with the reason in why. */
#ifndef P11CERT_DNS_UPDATE_H
#define P11CERT_DNS_UPDATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dns/dns.h"
#include "dns/tsig.h"

/* Seconds the server gets to accept the connection and to answer. */
#define DNS_UPDATE_TIMEOUT 5

enum dns_prereq {
    DNS_PREREQ_NAME_IN_USE,     /* some record exists at the name (RFC 2136 2.4.4) */
    DNS_PREREQ_NAME_NOT_IN_USE, /* no record of any type at the name (2.4.5) */
    DNS_PREREQ_RRSET_EXISTS,    /* an RRset of the type exists, whatever it holds (2.4.1) */
    DNS_PREREQ_RRSET_ABSENT,    /* no RRset of the type at the name (2.4.3) */
    DNS_PREREQ_RRSET_IS,        /* the RRset of the type is exactly the records required
                                 * so, one call each (2.4.2) */
};

struct dns_update;

/* An empty update of zone. NULL with why on a bad zone name. */
struct dns_update *dns_update_new(const char *zone, char *why, size_t why_len);

/* A prerequisite. type: NULL for the NAME_* ones; rdata only for RRSET_IS. */
int dns_update_require(struct dns_update *u, enum dns_prereq what, const char *name,
                       const char *type, const char *rdata, char *why, size_t why_len);

/* Adds one record. */
int dns_update_add(struct dns_update *u, const char *name, uint32_t ttl, const char *type,
                   const char *rdata, char *why, size_t why_len);

/* Deletes one record (rdata given), the RRset of a type (rdata NULL), or
 * every RRset at the name (type and rdata NULL; a zone's apex keeps its SOA
 * and NS). */
int dns_update_delete(struct dns_update *u, const char *name, const char *type, const char *rdata,
                      char *why, size_t why_len);

/* dns-01: adds (add 1) or deletes (add 0) the TXT record holding value (at
 * most 255 bytes, quoted here) at name, leaving the name's other TXT
 * records alone. */
int dns_update_txt(struct dns_update *u, int add, const char *name, uint32_t ttl, const char *value,
                   char *why, size_t why_len);

/* Records added and deleted so far (0: nothing to send). */
size_t dns_update_changes(const struct dns_update *u);

/* The update as one message signed with key at time now (malloc'd into
 * *wire), and its MAC, which the answer's must follow. */
int dns_update_wire(const struct dns_update *u, const struct dns_tsig_key *key, time_t now,
                    uint8_t **wire, size_t *len, uint8_t mac[DNS_TSIG_MAC_MAX], size_t *mac_len,
                    char *why, size_t why_len);

struct dns_update_answer {
    unsigned rcode;      /* the server's RCODE */
    unsigned tsig_error; /* the TSIG error it gave (DNS_TSIG_BADSIG, ...), or 0 */
    int verified;        /* the answer is signed with the key and its MAC checks */
    int applied;         /* NOERROR, verified: the whole update is in the zone */
    char words[768];     /* "NOERROR", or e.g. "NOTAUTH, BADSIG (the signature ...)" */
};

/* Sends the update to server over TCP (a resent UDP update whose first copy
 * was applied would come back refused by its own prerequisites) and reads
 * the answer. Returns 0 when the server answered, whatever it said (see
 * answer->applied), or -1 with why when it did not (refused connection,
 * DNS_UPDATE_TIMEOUT passed, an answer that is not one to this update). */
int dns_update_send(const struct dns_update *u, const struct dns_server *server,
                    const struct dns_tsig_key *key, struct dns_update_answer *answer, char *why,
                    size_t why_len);

void dns_update_free(struct dns_update *u);

#endif
