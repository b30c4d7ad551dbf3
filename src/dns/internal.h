/* What the files of the dns layer share and nothing above it sees: the one
 * function that sends a query, and names from ldns as text. */
#ifndef P11CERT_DNS_INTERNAL_H
#define P11CERT_DNS_INTERNAL_H

#include <ldns/ldns.h>

#include "dns/dns.h"

/* Asks r for name's records of type. Returns 0 with the answer in *pkt
 * (free with ldns_pkt_free), whatever its RCODE; or -1 with why when
 * nothing came back. A server that never answered is not asked again: a
 * dead server costs one timeout, not one per query. */
int dns_query(struct dns_resolver *r, const char *name, ldns_rr_type type, ldns_pkt **pkt,
              char *why, size_t why_len);

/* A dname's text, lower-cased, without the trailing dot. */
void dns_dname_text(const ldns_rdf *dname, char out[DNS_NAME_SIZE]);

/* The RCODE's name ("REFUSED"), or "an error". */
const char *dns_rcode_name(ldns_pkt_rcode rcode);

#endif
