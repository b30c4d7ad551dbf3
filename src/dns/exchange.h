/* One DNS query and its answer, checked the way a stub resolver must
 * (RFC 5452, section 9.1): only an answer from the address and port the
 * query went to, with the query's transaction id, QR set and the same
 * question is taken. Internal to the dns layer (dns/query.c uses it);
 * ldns builds and parses the packets. */
#ifndef P11CERT_DNS_EXCHANGE_H
#define P11CERT_DNS_EXCHANGE_H

#include <stddef.h>

#include <ldns/ldns.h>

/* Why the parsed packet pkt is not the answer to a query with id id for
 * qname, type, class IN ("a wrong transaction id", "QR=0, a query and not
 * an answer", ...), or NULL when it is. Pure: the unit tests call it. */
const char *dns_answer_mismatch(const ldns_pkt *pkt, uint16_t id, const ldns_rdf *qname,
                                ldns_rr_type type);

/* Asks the name servers of res (each of DNS_QUERY_TRIES tries, every server
 * in turn, at ldns_resolver_port) for qname's records of type in class IN,
 * with recursion desired. Each query goes out with a fresh random id on a
 * connected UDP socket, so the kernel drops datagrams from any other
 * address or port; a datagram that does not match the query is dropped and
 * counted, and the wait goes on for DNS_QUERY_TIMEOUT seconds. A truncated
 * answer is asked again over TCP. desc names the server in messages.
 * Returns the answer, or NULL with the reason in why. */
ldns_pkt *dns_exchange(const ldns_resolver *res, const char *desc, const ldns_rdf *qname,
                       ldns_rr_type type, char *why, size_t why_len);

#endif
