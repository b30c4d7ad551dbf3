/* TSIG (RFC 8945): the key an RFC 2136 update is signed with, read from a
 * secret source and parsed from either form an operator has (dns/tsig-key.c),
 * and the signing of a request and the check of its answer (dns/tsig.c).
 *
 * The MACs are computed here with OpenSSL rather than by ldns: ldns 1.8.3
 * (Debian 12) misspells hmac-sha384 ("hmac-shac384.") so it cannot sign with
 * it, and it keeps the decoded secret in buffers it frees without wiping. */
#ifndef P11CERT_DNS_TSIG_H
#define P11CERT_DNS_TSIG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dns/dns.h"
#include "util/secret.h"

enum dns_tsig_alg {
    DNS_TSIG_NONE = 0,
    DNS_TSIG_HMAC_SHA256,
    DNS_TSIG_HMAC_SHA384,
    DNS_TSIG_HMAC_SHA512,
};

/* Largest decoded secret accepted (tsig-keygen makes 32 to 64 bytes). */
#define DNS_TSIG_SECRET_MAX 256

/* Largest MAC (HMAC-SHA512). */
#define DNS_TSIG_MAC_MAX 64

/* Seconds the signing time may differ from the server's (RFC 8945 10). */
#define DNS_TSIG_FUDGE 300

struct dns_tsig_key {
    char name[DNS_NAME_SIZE]; /* lower-cased, no trailing dot */
    enum dns_tsig_alg alg;
    unsigned char *secret; /* the decoded secret (OPENSSL_malloc'd), never printed */
    size_t secret_len;
};

/* Parses len bytes of text: either a BIND key clause, as tsig-keygen writes
 * it (key "NAME" { algorithm hmac-sha256; secret "BASE64"; };), or one line
 * ALGORITHM:NAME:BASE64 (as nsupdate -y takes it). hmac-sha256, hmac-sha384
 * and hmac-sha512 are accepted. Returns 0, or -1 with a reason in why that
 * quotes nothing of the text (it holds the secret) and nothing left in key. */
int dns_tsig_key_parse(const char *text, size_t len, struct dns_tsig_key *key, char *why,
                       size_t why_len);

/* Reads the key from src (util/secret.h) and parses it; the text is wiped
 * before this returns. Reports its own errors; returns 0 or -1. */
int dns_tsig_key_read(const struct secret_source *src, struct dns_tsig_key *key);

/* Wipes and frees the secret; safe on a zeroed or wiped key. */
void dns_tsig_key_wipe(struct dns_tsig_key *key);

/* "hmac-sha256", ... ("" for DNS_TSIG_NONE). */
const char *dns_tsig_alg_name(enum dns_tsig_alg alg);

/* RFC 8945 error codes in a TSIG record. */
enum {
    DNS_TSIG_BADSIG = 16,
    DNS_TSIG_BADKEY = 17,
    DNS_TSIG_BADTIME = 18,
    DNS_TSIG_BADTRUNC = 22,
};

/* "BADSIG", "BADKEY", "BADTIME", "BADTRUNC" or "error N" (in buf). */
const char *dns_tsig_error_name(unsigned error, char *buf, size_t buf_len);

/* Signs the message of len bytes in wire (room for cap) at time now: appends
 * the TSIG record and counts it in ARCOUNT, and gives the MAC (for checking
 * the answer) in mac. Returns 0, or -1 with a reason in why (too little
 * room, OpenSSL failing). */
int dns_tsig_sign(const struct dns_tsig_key *key, uint8_t *wire, size_t *len, size_t cap,
                  time_t now, uint8_t mac[DNS_TSIG_MAC_MAX], size_t *mac_len, char *why,
                  size_t why_len);

/* What the TSIG record of an answer says. */
struct dns_tsig_check {
    int present;    /* the answer carries a TSIG record */
    unsigned error; /* its error field (0, DNS_TSIG_BADSIG, ...) */
    int verified;   /* its MAC is the one key makes over the answer and request_mac */
    char why[256];  /* when present and not verified: why not */
};

/* Checks the answer of len bytes in wire to a request whose MAC was
 * request_mac, at time now. Never fails: the outcome is in out. */
void dns_tsig_verify(const struct dns_tsig_key *key, const uint8_t *wire, size_t len,
                     const uint8_t *request_mac, size_t request_mac_len, time_t now,
                     struct dns_tsig_check *out);

#endif
