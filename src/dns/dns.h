/* The dns layer: custom domains pointed at a service endpoint with CNAME
 * records. The endpoints file (region -> host, pure parsing in
 * dns/endpoints.c), the records and their zone-file text (ldns, in
 * dns/records.c), live checks against a resolver (ldns, in dns/query.c) and
 * what one server holds (dns/lookup.c). RFC 2136 updates and their TSIG
 * keys are dns/update.h and dns/tsig.h.
 * Nothing here parses argv or prints: workflow/domains.c and the dns
 * commands do. */
#ifndef P11CERT_DNS_H
#define P11CERT_DNS_H

#include <stddef.h>
#include <stdint.h>

/* Room for a host name in text: 253 octets, a trailing dot, the NUL. */
#define DNS_NAME_SIZE 256

/* Largest TTL a zone may carry (RFC 2181, section 8). */
#define DNS_TTL_MAX     2147483647UL
#define DNS_TTL_DEFAULT 3600

/* Checks name by the host-name rules (hostname_check: labels of 1..63
 * letters, digits and inner hyphens, 253 octets, IDN as A-labels; one
 * trailing dot allowed, no wildcard) and writes it lower-cased, without the
 * trailing dot, to out. Returns 0, or -1 with a reason in why. */
int dns_name_normalize(const char *name, char out[DNS_NAME_SIZE], char *why, size_t why_len);

/* ---- endpoints file: "REGION HOST" a line, '#' starts a comment ---- */

struct dns_endpoint {
    char *region;  /* as written; looked up without regard to case */
    char *host;    /* normalized (dns_name_normalize) */
    unsigned line; /* where it was defined */
};

struct dns_endpoints {
    struct dns_endpoint *entries; /* in file order */
    size_t count;
};

/* Parses len bytes of text; name (the file's path) goes into errors as
 * "NAME:LINE: reason". A region defined twice is an error too. Pure: no I/O.
 * Returns 0, or -1 with the reason in why and nothing left in out. */
int dns_endpoints_parse(const char *text, size_t len, const char *name, struct dns_endpoints *out,
                        char *why, size_t why_len);

/* Reads path (at most 1 MiB) and parses it. Returns 0 or -1 with why. */
int dns_endpoints_read(const char *path, struct dns_endpoints *out, char *why, size_t why_len);

/* The host region maps to, or NULL. */
const char *dns_endpoints_lookup(const struct dns_endpoints *eps, const char *region);

/* The known regions, ", "-separated, in file order ("" if none); malloc'd. */
char *dns_endpoints_regions(const struct dns_endpoints *eps);

/* The endpoints file used without --endpoints: the installed one
 * (P11CERT_ENDPOINTS, compiled in) if it exists, else data/endpoints beside
 * the directory that holds the executable (build/p11cert finds
 * ../data/endpoints). malloc'd; the installed path when neither exists. */
char *dns_endpoints_default_path(void);

void dns_endpoints_free(struct dns_endpoints *eps);

/* ---- CNAME records and zone text ---- */

struct dns_records_request {
    const char *const *domains; /* the custom domains (owners) */
    size_t n_domains;
    const char *target; /* the endpoint host every domain points at */
    const char *origin; /* NULL, or the zone: owners written relative to it */
    uint32_t ttl;
};

struct dns_record {
    char *domain; /* normalized, no trailing dot */
    char *text;   /* the record as one zone-file line, no newline */
};

struct dns_record_set {
    char *target; /* normalized, no trailing dot */
    char *origin; /* normalized, or NULL */
    uint32_t ttl;
    struct dns_record *records;
    size_t count;
    char *zone_text; /* everything, ready to paste into a zone file */
};

/* Validates the request (names, an owner equal to the target, a domain
 * given twice, a domain outside or at the apex of origin) and builds the
 * records with ldns. Returns 0, or -1 with the reason in why; where a hint
 * helps (the apex) it is in hint, else hint is "". */
int dns_records_make(const struct dns_records_request *req, struct dns_record_set *out, char *why,
                     size_t why_len, char *hint, size_t hint_len);

void dns_record_set_free(struct dns_record_set *set);

/* ---- live checks ---- */

/* A name server given as ADDR[:PORT]: IPv4 "192.0.2.1[:53]", IPv6 "::1" or
 * "[::1]:5353". */
struct dns_server {
    char addr[64];
    int family; /* AF_INET or AF_INET6 */
    uint16_t port;
};

/* Parses text; returns 0, or -1 with a reason in why. */
int dns_server_parse(const char *text, struct dns_server *out, char *why, size_t why_len);

/* Seconds a server gets to answer one query, and how many times it is asked:
 * a dead server is reported within DNS_QUERY_TIMEOUT * DNS_QUERY_TRIES. */
#define DNS_QUERY_TIMEOUT 2
#define DNS_QUERY_TRIES   2

struct dns_resolver {
    void *ldns;     /* ldns_resolver */
    char desc[128]; /* "127.0.0.1 port 5353" or "the system resolver" */
    int answered;   /* the server answered at least once */
    char dead[256]; /* set when the first query went unanswered: no more are sent */
};

/* server NULL: the system's resolver (/etc/resolv.conf). Returns 0, or -1
 * with the reason in why. */
int dns_resolver_open(struct dns_resolver *r, const struct dns_server *server, char *why,
                      size_t why_len);
void dns_resolver_close(struct dns_resolver *r);

enum dns_check_status {
    DNS_CHECK_TARGET,    /* the CNAME (chain) reaches the target */
    DNS_CHECK_ELSEWHERE, /* it ends somewhere else: found says where */
    DNS_CHECK_NO_RECORD, /* NXDOMAIN, or the name has no CNAME (NODATA) */
    DNS_CHECK_NO_ANSWER, /* timeout, network error, SERVFAIL, REFUSED... */
};

/* Longest CNAME chain followed. */
#define DNS_CHAIN_MAX 8

struct dns_check {
    enum dns_check_status status;
    char found[DNS_NAME_SIZE]; /* where the chain ends ("" if no CNAME) */
    char detail[1024];         /* one line for the operator */
};

/* Asks r for domain's CNAME and follows the chain, up to DNS_CHAIN_MAX. domain
 * and target normalized. Never fails: the outcome is in out. */
void dns_check_domain(struct dns_resolver *r, const char *domain, const char *target,
                      struct dns_check *out);

/* "target", "elsewhere", "no_record", "no_answer". */
const char *dns_check_status_name(enum dns_check_status status);

/* ---- what one server holds (dns/lookup.c) ---- */

enum dns_name_state {
    DNS_NAME_CNAME,     /* a CNAME: where it points is in cname */
    DNS_NAME_NXDOMAIN,  /* the name does not exist */
    DNS_NAME_NODATA,    /* it exists (or has names below it), with no CNAME */
    DNS_NAME_NO_ANSWER, /* timeout, network error, SERVFAIL, REFUSED...: why says */
};

struct dns_lookup {
    enum dns_name_state state;
    char cname[DNS_NAME_SIZE]; /* DNS_NAME_CNAME: the target, normalized */
    char why[384];
};

/* Asks r for name's own CNAME (not followed). Never fails: the outcome is
 * in out. */
void dns_lookup_cname(struct dns_resolver *r, const char *name, struct dns_lookup *out);

/* A type of the data at name, such as "A" ("" when there is none: the name
 * only has names below it), from an ANY query (a server may answer one
 * RRset of several). Returns 0, or -1 with why. */
int dns_lookup_data_type(struct dns_resolver *r, const char *name, char type[16], char *why,
                         size_t why_len);

/* The zone that holds name on that server, found by asking for SOA records
 * from name upwards (only authoritative answers count), and its serial.
 * Returns 0, or -1 with why. */
int dns_find_zone(struct dns_resolver *r, const char *name, char zone[DNS_NAME_SIZE],
                  uint32_t *serial, char *why, size_t why_len);

/* The serial of zone's SOA, which the server must serve with authority.
 * Returns 0, or -1 with why. */
int dns_zone_serial(struct dns_resolver *r, const char *zone, uint32_t *serial, char *why,
                    size_t why_len);

#endif
