/* TSIG (RFC 8945) over a message in wire form: the request's MAC and
 * record, and the check of the answer's. ldns reads the records; the MACs
 * are OpenSSL's HMAC, keyed with the decoded secret that dns/tsig-key.c
 * holds (see dns/tsig.h for why not ldns's own). */
#include "dns/tsig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define HEADER_SIZE 12
#define TYPE_TSIG   250
#define CLASS_ANY   255
/* Other data an answer may carry (BADTIME's is the server's 6-byte time). */
#define OTHER_MAX 16

const char *dns_tsig_error_name(unsigned error, char *buf, size_t buf_len)
{
    switch (error) {
    case DNS_TSIG_BADSIG:
        return "BADSIG";
    case DNS_TSIG_BADKEY:
        return "BADKEY";
    case DNS_TSIG_BADTIME:
        return "BADTIME";
    case DNS_TSIG_BADTRUNC:
        return "BADTRUNC";
    }
    snprintf(buf, buf_len, "error %u", error);
    return buf;
}

static const char *digest_name(enum dns_tsig_alg alg)
{
    return alg == DNS_TSIG_HMAC_SHA256   ? "SHA256"
           : alg == DNS_TSIG_HMAC_SHA384 ? "SHA384"
           : alg == DNS_TSIG_HMAC_SHA512 ? "SHA512"
                                         : NULL;
}

/* A name (lower-case text, no trailing dot) in wire form: the canonical form
 * RFC 8945 digests. Returns its length (at most 255). */
static size_t name_wire(const char *name, uint8_t out[256])
{
    size_t n = 0;

    while (*name && n < 254) {
        size_t label = strcspn(name, ".");

        if (label > 63 || n + 1 + label > 254)
            break;
        out[n++] = (uint8_t)label;
        memcpy(out + n, name, label);
        n += label;
        name += label;
        if (*name == '.')
            name++;
    }
    out[n++] = 0;
    return n;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static void put48(uint8_t *p, uint64_t v)
{
    for (int i = 5; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

struct piece {
    const uint8_t *p;
    size_t len;
};

/* HMAC over the pieces in order. Returns 0, or -1 when OpenSSL fails. */
static int tsig_hmac(const struct dns_tsig_key *key, const struct piece *pieces, size_t n,
                     uint8_t mac[DNS_TSIG_MAC_MAX], size_t *mac_len)
{
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    const char *digest = digest_name(key->alg);
    OSSL_PARAM params[2];
    int ret = -1;

    if (!ctx || !digest)
        goto cleanup;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(ctx, key->secret, key->secret_len, params))
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        if (pieces[i].len && !EVP_MAC_update(ctx, pieces[i].p, pieces[i].len))
            goto cleanup;
    if (!EVP_MAC_final(ctx, mac, mac_len, DNS_TSIG_MAC_MAX))
        goto cleanup;
    ret = 0;
cleanup:
    EVP_MAC_CTX_free(ctx); /* wipes the key schedule it holds */
    EVP_MAC_free(hmac);
    return ret;
}

/* The TSIG variables a MAC covers (RFC 8945 4.3.3): key name, class ANY,
 * TTL 0, algorithm name, time signed, fudge, error, other data (with its
 * length, at most OTHER_MAX). Returns their length in out (room for 600
 * bytes). */
static size_t tsig_variables(const struct dns_tsig_key *key, const uint8_t time6[6], unsigned fudge,
                             unsigned error, const uint8_t *other, size_t other_len, uint8_t *out)
{
    size_t n = name_wire(key->name, out);

    put16(out + n, CLASS_ANY);
    memset(out + n + 2, 0, 4);
    n += 6;
    n += name_wire(dns_tsig_alg_name(key->alg), out + n);
    memcpy(out + n, time6, 6);
    put16(out + n + 6, fudge);
    put16(out + n + 8, error);
    put16(out + n + 10, (unsigned)other_len);
    n += 12;
    if (other_len > 0)
        memcpy(out + n, other, other_len);
    return n + other_len;
}

int dns_tsig_sign(const struct dns_tsig_key *key, uint8_t *wire, size_t *len, size_t cap,
                  time_t now, uint8_t mac[DNS_TSIG_MAC_MAX], size_t *mac_len, char *why,
                  size_t why_len)
{
    uint8_t vars[600], time6[6], alg[256], *rr;
    size_t vars_len, alg_len, need;
    struct piece pieces[2];

    if (*len < HEADER_SIZE) {
        snprintf(why, why_len, "cannot sign a message of %zu bytes", *len);
        return -1;
    }
    put48(time6, (uint64_t)now);
    vars_len = tsig_variables(key, time6, DNS_TSIG_FUDGE, 0, NULL, 0, vars);
    pieces[0] = (struct piece){wire, *len};
    pieces[1] = (struct piece){vars, vars_len};
    if (tsig_hmac(key, pieces, 2, mac, mac_len) < 0) {
        snprintf(why, why_len, "cannot compute the TSIG MAC (%s)", dns_tsig_alg_name(key->alg));
        return -1;
    }
    /* The record: NAME TYPE CLASS TTL RDLENGTH, then algorithm, time signed,
     * fudge, MAC size, MAC, original ID, error, other length. */
    alg_len = name_wire(dns_tsig_alg_name(key->alg), alg);
    need = name_wire(key->name, vars) + 10 + alg_len + 6 + 2 + 2 + *mac_len + 6;
    if (*len + need > cap) {
        snprintf(why, why_len, "the message is too large to sign");
        return -1;
    }
    rr = wire + *len;
    rr += name_wire(key->name, rr);
    put16(rr, TYPE_TSIG);
    put16(rr + 2, CLASS_ANY);
    memset(rr + 4, 0, 4);
    put16(rr + 8, (unsigned)(alg_len + 16 + *mac_len));
    rr += 10;
    memcpy(rr, alg, alg_len);
    rr += alg_len;
    memcpy(rr, time6, 6);
    put16(rr + 6, DNS_TSIG_FUDGE);
    put16(rr + 8, (unsigned)*mac_len);
    rr += 10;
    memcpy(rr, mac, *mac_len);
    rr += *mac_len;
    memcpy(rr, wire, 2);  /* original ID */
    memset(rr + 2, 0, 4); /* error, other length */
    *len += need;
    put16(wire + 10, get16(wire + 10) + 1);
    return 0;
}

/* Where the last record of the message starts (the TSIG record must be the
 * last one), read with ldns. Returns 0, or -1 if the message is malformed. */
static int last_record(const uint8_t *wire, size_t len, size_t *start, ldns_rr **last)
{
    size_t pos = HEADER_SIZE, count[4];
    ldns_rr *rr = NULL;

    *last = NULL;
    if (len < HEADER_SIZE)
        return -1;
    for (int s = 0; s < 4; s++)
        count[s] = get16(wire + 4 + 2 * s);
    for (int s = 0; s < 4; s++) {
        for (size_t i = 0; i < count[s]; i++) {
            size_t at = pos;

            if (ldns_wire2rr(&rr, wire, len, &pos, (ldns_pkt_section)s) != LDNS_STATUS_OK)
                return -1;
            if (s == 3 && i + 1 == count[s]) {
                *start = at;
                *last = rr;
                return 0;
            }
            ldns_rr_free(rr);
        }
    }
    return -1;
}

void dns_tsig_verify(const struct dns_tsig_key *key, const uint8_t *wire, size_t len,
                     const uint8_t *request_mac, size_t request_mac_len, time_t now,
                     struct dns_tsig_check *out)
{
    uint8_t vars[600], mac[DNS_TSIG_MAC_MAX], mac_size[2], header[HEADER_SIZE];
    char *owner = NULL, *alg = NULL;
    size_t start = 0, mac_len = 0, vars_len;
    ldns_rr *rr = NULL;
    ldns_rdf *f[7];
    struct piece pieces[5];
    long long skew;

    memset(out, 0, sizeof(*out));
    if (last_record(wire, len, &start, &rr) < 0 || ldns_rr_get_type(rr) != TYPE_TSIG)
        goto cleanup;
    out->present = 1;
    for (size_t i = 0; i < 7; i++)
        f[i] = i < ldns_rr_rd_count(rr) ? ldns_rr_rdf(rr, i) : NULL;
    if (!f[0] || !f[1] || ldns_rdf_size(f[1]) != 6 || !f[2] || ldns_rdf_size(f[2]) != 2 || !f[3] ||
        ldns_rdf_size(f[3]) < 2 || !f[4] || ldns_rdf_size(f[4]) != 2 || !f[5] ||
        ldns_rdf_size(f[5]) != 2 || !f[6] || ldns_rdf_size(f[6]) < 2 ||
        ldns_rdf_size(f[6]) > 2 + OTHER_MAX) {
        snprintf(out->why, sizeof(out->why), "its TSIG record is malformed");
        goto cleanup;
    }
    out->error = get16(ldns_rdf_data(f[5]));
    owner = ldns_rdf2str(ldns_rr_owner(rr));
    alg = ldns_rdf2str(f[0]);
    if (!owner || !alg || strncasecmp(owner, key->name, strlen(key->name)) != 0 ||
        strcmp(owner + strlen(key->name), ".") != 0) {
        snprintf(out->why, sizeof(out->why), "it is signed with another key");
        goto cleanup;
    }
    if (strncasecmp(alg, dns_tsig_alg_name(key->alg), strlen(dns_tsig_alg_name(key->alg))) != 0 ||
        strcmp(alg + strlen(dns_tsig_alg_name(key->alg)), ".") != 0) {
        snprintf(out->why, sizeof(out->why), "it is signed with another algorithm");
        goto cleanup;
    }
    if (ldns_rdf_size(f[3]) == 2) {
        snprintf(out->why, sizeof(out->why), "its TSIG record carries no MAC");
        goto cleanup;
    }
    /* The answer as it was signed: without its TSIG record, under its
     * original ID. */
    memcpy(header, wire, HEADER_SIZE);
    memcpy(header, ldns_rdf_data(f[4]), 2);
    put16(header + 10, get16(wire + 10) - 1);
    put16(mac_size, (unsigned)request_mac_len);
    vars_len = tsig_variables(key, ldns_rdf_data(f[1]), get16(ldns_rdf_data(f[2])), out->error,
                              ldns_rdf_data(f[6]) + 2, ldns_rdf_size(f[6]) - 2, vars);
    pieces[0] = (struct piece){mac_size, 2};
    pieces[1] = (struct piece){request_mac, request_mac_len};
    pieces[2] = (struct piece){header, HEADER_SIZE};
    pieces[3] = (struct piece){wire + HEADER_SIZE, start - HEADER_SIZE};
    pieces[4] = (struct piece){vars, vars_len};
    if (tsig_hmac(key, pieces, 5, mac, &mac_len) < 0) {
        snprintf(out->why, sizeof(out->why), "cannot compute the TSIG MAC");
        goto cleanup;
    }
    if (ldns_rdf_size(f[3]) - 2 != mac_len ||
        CRYPTO_memcmp(ldns_rdf_data(f[3]) + 2, mac, mac_len) != 0) {
        snprintf(out->why, sizeof(out->why), "its TSIG MAC does not verify");
        goto cleanup;
    }
    skew = (long long)now - (long long)((uint64_t)get16(ldns_rdf_data(f[1])) << 32 |
                                        (uint64_t)get16(ldns_rdf_data(f[1]) + 2) << 16 |
                                        get16(ldns_rdf_data(f[1]) + 4));
    if (skew > (long long)get16(ldns_rdf_data(f[2])) ||
        -skew > (long long)get16(ldns_rdf_data(f[2]))) {
        snprintf(out->why, sizeof(out->why),
                 "it was signed %lld s away from this machine's clock (more than the fudge, %u s)",
                 skew < 0 ? -skew : skew, get16(ldns_rdf_data(f[2])));
        goto cleanup;
    }
    out->verified = 1;
cleanup:
    OPENSSL_cleanse(mac, sizeof(mac));
    free(owner);
    free(alg);
    ldns_rr_free(rr);
}
