/* Unit tests of TSIG: the key parser (a BIND key clause as tsig-keygen
 * writes it, the ALGORITHM:NAME:BASE64 line, and malformed keys, whose
 * errors must never quote the secret), reading a key through a secret
 * source, and the MACs cross-checked with ldns, another implementation:
 * what dns_tsig_sign signs, ldns_pkt_tsig_verify accepts; what ldns signs as
 * an answer, dns_tsig_verify accepts, and a changed byte, another request
 * MAC, a clock too far off or an error answer without a MAC it does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <ldns/ldns.h>

#include "dns/tsig.h"

/* 32 bytes 0x00..0x1f, and their base64. */
#define SECRET32_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static void assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("\"%s\" does not contain \"%s\"", text, needle);
}

static void parse_ok(const char *text, struct dns_tsig_key *key)
{
    char why[256] = "";

    if (dns_tsig_key_parse(text, strlen(text), key, why, sizeof(why)) != 0)
        fail_msg("\"%s\" was rejected: %s", text, why);
}

/* Refused with needle in the reason, and no secret-looking part of the text
 * (a run of 12 or more base64 characters) quoted in it. */
static void parse_bad(const char *text, const char *needle)
{
    struct dns_tsig_key key;
    char why[256] = "";

    assert_int_equal(dns_tsig_key_parse(text, strlen(text), &key, why, sizeof(why)), -1);
    assert_contains(why, needle);
    assert_null(key.secret);
    assert_string_equal(key.name, "");
    for (const char *p = text; *p;) {
        size_t run = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
        char piece[512];

        if (run >= 12 && run < sizeof(piece)) {
            memcpy(piece, p, run);
            piece[run] = '\0';
            if (strstr(why, piece))
                fail_msg("the reason \"%s\" quotes \"%s\"", why, piece);
        }
        p += run ? run : 1;
    }
}

static void assert_secret32(const struct dns_tsig_key *key)
{
    assert_int_equal(key->secret_len, 32);
    for (size_t i = 0; i < 32; i++)
        assert_int_equal(key->secret[i], i);
}

static void test_clause_as_tsig_keygen_writes_it(void **state)
{
    struct dns_tsig_key key;

    (void)state;
    parse_ok("key \"p11cert-key\" {\n\talgorithm hmac-sha256;\n\tsecret \"" SECRET32_B64
             "\";\n};\n",
             &key);
    assert_string_equal(key.name, "p11cert-key");
    assert_int_equal(key.alg, DNS_TSIG_HMAC_SHA256);
    assert_string_equal(dns_tsig_alg_name(key.alg), "hmac-sha256");
    assert_secret32(&key);
    dns_tsig_key_wipe(&key);
    assert_null(key.secret);
    assert_int_equal(key.secret_len, 0);
}

static void test_clause_variants(void **state)
{
    struct dns_tsig_key key;

    (void)state;
    /* Comments of all three kinds, an unquoted mixed-case name with a
     * trailing dot, the statements in the other order, CRLF, blanks in the
     * base64, algorithm in capitals. */
    parse_ok("# made by hand\r\n// for the test\r\n/* a\nblock */ key Tsig.Example. {\r\n"
             "  secret \"AAECAwQFBgcICQoLDA0ODxAREhMU FRYXGBkaGxwdHh8=\"; # the secret\r\n"
             "  algorithm HMAC-SHA512;\r\n};",
             &key);
    assert_string_equal(key.name, "tsig.example");
    assert_int_equal(key.alg, DNS_TSIG_HMAC_SHA512);
    assert_secret32(&key);
    dns_tsig_key_wipe(&key);
    parse_ok("key \"k\" { algorithm hmac-sha384; secret \"AQ==\"; };", &key);
    assert_int_equal(key.alg, DNS_TSIG_HMAC_SHA384);
    assert_int_equal(key.secret_len, 1);
    assert_int_equal(key.secret[0], 1);
    dns_tsig_key_wipe(&key);
    parse_ok("key \"k_1\" { algorithm hmac-sha256; secret \"AQI=\"; };", &key);
    assert_int_equal(key.secret_len, 2);
    dns_tsig_key_wipe(&key);
}

static void test_line_form(void **state)
{
    struct dns_tsig_key key;

    (void)state;
    parse_ok("hmac-sha256:update-key:" SECRET32_B64 "\n", &key);
    assert_string_equal(key.name, "update-key");
    assert_int_equal(key.alg, DNS_TSIG_HMAC_SHA256);
    assert_secret32(&key);
    dns_tsig_key_wipe(&key);
    parse_ok("  HMAC-SHA384:Key.Example:" SECRET32_B64 "  \r\n\n", &key);
    assert_string_equal(key.name, "key.example");
    assert_int_equal(key.alg, DNS_TSIG_HMAC_SHA384);
    dns_tsig_key_wipe(&key);
}

static void test_clause_malformed(void **state)
{
    (void)state;
    parse_bad("", "expected a key clause");
    parse_bad("key", "line 1: expected the key's name");
    parse_bad("key \"k\" algorithm hmac-sha256;", "line 1: expected '{' after the key's name");
    parse_bad("key \"k\" {\n algorithm hmac-sha256;\n};", "the key clause has no secret");
    parse_bad("key \"k\" { secret \"" SECRET32_B64 "\"; };", "the key clause has no algorithm");
    parse_bad(
        "key \"k\" {\n algorithm hmac-sha256;\n algorithm hmac-sha256;\n secret \"" SECRET32_B64
        "\";\n};",
        "line 3: expected algorithm, secret or '}' in the key clause (each once)");
    parse_bad("key \"k\" { algorithm hmac-sha256; secret \"" SECRET32_B64 "\" };",
              "expected ';' after the secret");
    parse_bad("key \"k\" { algorithm hmac-sha256; secret " SECRET32_B64 "; };",
              "expected secret \"BASE64\"");
    parse_bad("key \"k\" { algorithm hmac-sha256; secret \"" SECRET32_B64 "\"; }",
              "expected ';' after the key clause's '}'");
    parse_bad("key \"k\" { algorithm hmac-sha256; secret \"" SECRET32_B64 "\"; };\nkey \"l\" { };",
              "line 2: more after the key clause (one key a file)");
    parse_bad("key \"k\" { algorithm hmac-sha256; secret \"" SECRET32_B64 "\n\"; };",
              "expected secret \"BASE64\"");
    parse_bad("/* never closed\nkey \"k\" { };", "expected a key clause");
    parse_bad("key \"k\" { /* never closed };", "line 1: expected algorithm, secret");
    parse_bad("key \"k\" { owner \"x\"; };", "expected algorithm, secret or '}'");
}

static void test_bad_algorithms_and_names(void **state)
{
    (void)state;
    parse_bad("key \"k\" { algorithm hmac-md5; secret \"" SECRET32_B64 "\"; };",
              "line 1: the algorithm hmac-md5 is not accepted (use hmac-sha256, hmac-sha384 or "
              "hmac-sha512)");
    parse_bad("hmac-sha1:k:" SECRET32_B64, "the algorithm hmac-sha1 is not accepted");
    parse_bad("hmac-sha224:k:" SECRET32_B64, "hmac-sha224 is not accepted");
    /* Unknown: not echoed, it may be the secret in the wrong place. */
    parse_bad(SECRET32_B64 ":k:" SECRET32_B64, "unknown algorithm (use hmac-sha256");
    parse_bad("hmac-sha256::" SECRET32_B64, "the key name must be 1 to 253 characters");
    parse_bad("hmac-sha256:a..b:" SECRET32_B64, "the key name must be labels");
    parse_bad("hmac-sha256:a b:" SECRET32_B64, "the key name must be labels");
    parse_bad("key \"bad/name\" { algorithm hmac-sha256; secret \"AQ==\"; };",
              "line 1: the key name must be labels");
    parse_bad("key \"a234567890123456789012345678901234567890123456789012345678901234\" "
              "{ algorithm hmac-sha256; secret \"AQ==\"; };",
              "the key name must be labels");
}

static void test_bad_secrets(void **state)
{
    char big[400] = "hmac-sha256:k:";

    (void)state;
    parse_bad("hmac-sha256:k:", "the secret must decode to 1 to 256 bytes");
    parse_bad("hmac-sha256:k:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "not base64");
    parse_bad("hmac-sha256:k:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==", "not base64");
    parse_bad("hmac-sha256:k:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd=Hh8", "not base64");
    parse_bad("hmac-sha256:k:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8*", "not base64");
    parse_bad("hmac-sha256:k:A===", "not base64");
    parse_bad("hmac-sha256:k:" SECRET32_B64 ":extra", "not base64");
    parse_bad("hmac-sha256:k:" SECRET32_B64 "\nmore", "expected a key clause");
    parse_bad("key \"k\" { algorithm hmac-sha256; secret \"\"; };",
              "line 1: the secret must decode to 1 to 256 bytes");
    for (size_t i = strlen(big); i < 14 + 352; i++)
        big[i] = 'A';
    parse_bad(big, "the secret must decode to 1 to 256 bytes");
}

/* The key read through a secret source: a file of several lines. */
static void test_read_from_file(void **state)
{
    const char text[] =
        "key \"file-key\" {\n\talgorithm hmac-sha256;\n\tsecret \"" SECRET32_B64 "\";\n};\n";
    struct secret_source src = {0};
    struct dns_tsig_key key;
    char path[] = "/tmp/p11cert-test-tsig-XXXXXX";
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    src.kind = SECRET_SOURCE_FILE;
    snprintf(src.path, sizeof(src.path), "%s", path);
    assert_int_equal(dns_tsig_key_read(&src, &key), 0);
    unlink(path);
    assert_string_equal(key.name, "file-key");
    assert_secret32(&key);
    dns_tsig_key_wipe(&key);
}

/* ---- the MACs, against ldns ---- */

static void key32(struct dns_tsig_key *key, enum dns_tsig_alg alg)
{
    char text[200];

    snprintf(text, sizeof(text), "%s:test-key.example:" SECRET32_B64, dns_tsig_alg_name(alg));
    parse_ok(text, key);
}

/* A query message in wire form (malloc'd). */
static uint8_t *query_wire(size_t *len)
{
    ldns_pkt *pkt = NULL;
    uint8_t *wire = NULL;

    assert_int_equal(
        ldns_pkt_query_new_frm_str(&pkt, "www.example.com.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0),
        LDNS_STATUS_OK);
    ldns_pkt_set_id(pkt, 0x1234);
    assert_int_equal(ldns_pkt2wire(&wire, pkt, len), LDNS_STATUS_OK);
    ldns_pkt_free(pkt);
    return wire;
}

/* Signs a query with dns_tsig_sign; ldns_pkt_tsig_verify must accept it,
 * and refuse it after a changed byte. */
static void assert_ldns_verifies(enum dns_tsig_alg alg, const char *ldns_alg)
{
    struct dns_tsig_key key;
    uint8_t buf[1024], mac[DNS_TSIG_MAC_MAX];
    size_t len, mac_len = 0;
    uint8_t *wire = query_wire(&len);
    ldns_pkt *pkt = NULL;
    char why[256];

    key32(&key, alg);
    memcpy(buf, wire, len);
    free(wire);
    assert_int_equal(
        dns_tsig_sign(&key, buf, &len, sizeof(buf), time(NULL), mac, &mac_len, why, sizeof(why)),
        0);
    assert_int_equal(buf[11], 1); /* ARCOUNT counts the TSIG record */
    assert_int_equal(ldns_wire2pkt(&pkt, buf, len), LDNS_STATUS_OK);
    assert_non_null(ldns_pkt_tsig(pkt));
    if (!ldns_pkt_tsig_verify(pkt, buf, len, "test-key.example.", SECRET32_B64, NULL))
        fail_msg("ldns does not verify the %s signature", ldns_alg);
    ldns_pkt_free(pkt);
    buf[13] ^= 1; /* the query name */
    assert_int_equal(ldns_wire2pkt(&pkt, buf, len), LDNS_STATUS_OK);
    assert_false(ldns_pkt_tsig_verify(pkt, buf, len, "test-key.example.", SECRET32_B64, NULL));
    ldns_pkt_free(pkt);
    dns_tsig_key_wipe(&key);
}

static void test_sign_verified_by_ldns(void **state)
{
    (void)state;
    assert_ldns_verifies(DNS_TSIG_HMAC_SHA256, "hmac-sha256");
    assert_ldns_verifies(DNS_TSIG_HMAC_SHA512, "hmac-sha512");
    /* ldns 1.8.3 cannot do hmac-sha384 (it spells it "hmac-shac384."): the
     * end-to-end tests check it against knotd. */
}

/* An answer signed by ldns to a request whose MAC is request_mac, at time
 * signed_at (ldns signs at the current time: the clock test shifts now). */
static uint8_t *ldns_answer(const uint8_t *request_mac, size_t request_mac_len, size_t *len)
{
    ldns_pkt *pkt = NULL;
    ldns_rdf *mac;
    uint8_t prefixed[2 + DNS_TSIG_MAC_MAX], *wire = NULL;

    assert_int_equal(
        ldns_pkt_query_new_frm_str(&pkt, "www.example.com.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0),
        LDNS_STATUS_OK);
    ldns_pkt_set_qr(pkt, true);
    ldns_pkt_set_id(pkt, 0x4321);
    prefixed[0] = (uint8_t)(request_mac_len >> 8);
    prefixed[1] = (uint8_t)request_mac_len;
    memcpy(prefixed + 2, request_mac, request_mac_len);
    mac = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 2 + request_mac_len, prefixed);
    assert_int_equal(
        ldns_pkt_tsig_sign(pkt, "test-key.example.", SECRET32_B64, 300, "hmac-sha256.", mac),
        LDNS_STATUS_OK);
    assert_int_equal(ldns_pkt2wire(&wire, pkt, len), LDNS_STATUS_OK);
    ldns_rdf_deep_free(mac);
    ldns_pkt_free(pkt);
    return wire;
}

static void test_verify_ldns_answer(void **state)
{
    struct dns_tsig_key key, other;
    struct dns_tsig_check check;
    uint8_t request_mac[32], wrong_mac[32];
    size_t len;
    uint8_t *wire;

    (void)state;
    memset(request_mac, 0xab, sizeof(request_mac));
    memset(wrong_mac, 0xac, sizeof(wrong_mac));
    key32(&key, DNS_TSIG_HMAC_SHA256);
    wire = ldns_answer(request_mac, sizeof(request_mac), &len);

    dns_tsig_verify(&key, wire, len, request_mac, sizeof(request_mac), time(NULL), &check);
    assert_true(check.present);
    if (!check.verified)
        fail_msg("ldns's answer does not verify: %s", check.why);
    assert_int_equal(check.error, 0);

    dns_tsig_verify(&key, wire, len, wrong_mac, sizeof(wrong_mac), time(NULL), &check);
    assert_false(check.verified);
    assert_contains(check.why, "its TSIG MAC does not verify");

    dns_tsig_verify(&key, wire, len, request_mac, sizeof(request_mac), time(NULL) + 3600, &check);
    assert_false(check.verified);
    assert_contains(check.why, "away from this machine's clock");

    wire[len - 40] ^= 0x80; /* inside the MAC */
    dns_tsig_verify(&key, wire, len, request_mac, sizeof(request_mac), time(NULL), &check);
    assert_false(check.verified);
    wire[len - 40] ^= 0x80;

    key32(&other, DNS_TSIG_HMAC_SHA512);
    dns_tsig_verify(&other, wire, len, request_mac, sizeof(request_mac), time(NULL), &check);
    assert_false(check.verified);
    assert_contains(check.why, "another algorithm");
    dns_tsig_key_wipe(&other);
    parse_ok("hmac-sha256:another-key:" SECRET32_B64, &other);
    dns_tsig_verify(&other, wire, len, request_mac, sizeof(request_mac), time(NULL), &check);
    assert_false(check.verified);
    assert_contains(check.why, "another key");
    dns_tsig_key_wipe(&other);
    free(wire);

    /* No TSIG record at all. */
    wire = query_wire(&len);
    dns_tsig_verify(&key, wire, len, request_mac, sizeof(request_mac), time(NULL), &check);
    assert_false(check.present);
    assert_false(check.verified);
    free(wire);
    dns_tsig_key_wipe(&key);
}

/* What a server sends for a bad signature: a TSIG record with the error
 * BADSIG and no MAC (RFC 8945 5.2.2). */
static void test_error_answer(void **state)
{
    struct dns_tsig_key key;
    struct dns_tsig_check check;
    uint8_t buf[512], mac[DNS_TSIG_MAC_MAX];
    size_t len, mac_len;
    uint8_t *wire = query_wire(&len);
    char why[256], name[32];
    size_t end;

    (void)state;
    key32(&key, DNS_TSIG_HMAC_SHA256);
    memcpy(buf, wire, len);
    free(wire);
    assert_int_equal(
        dns_tsig_sign(&key, buf, &len, sizeof(buf), time(NULL), mac, &mac_len, why, sizeof(why)),
        0);
    /* Cut the MAC out: MAC size 0, then original ID, error 16, other 0. */
    end = len - 6 - mac_len - 2;
    buf[end] = 0;
    buf[end + 1] = 0;
    memmove(buf + end + 2, buf + len - 6, 6);
    len = end + 8;
    buf[len - 4] = 0;
    buf[len - 3] = DNS_TSIG_BADSIG;
    {
        /* RDLENGTH shrinks by the MAC's length; it stands before the
         * algorithm (hmac-sha256. is 13 bytes), the time and the fudge. */
        size_t rdlen_at = end - 8 - 13 - 2;
        unsigned rdlen = (unsigned)(buf[rdlen_at] << 8 | buf[rdlen_at + 1]) - (unsigned)mac_len;

        buf[rdlen_at] = (uint8_t)(rdlen >> 8);
        buf[rdlen_at + 1] = (uint8_t)rdlen;
    }
    dns_tsig_verify(&key, buf, len, mac, mac_len, time(NULL), &check);
    assert_true(check.present);
    assert_int_equal(check.error, DNS_TSIG_BADSIG);
    assert_false(check.verified);
    assert_string_equal(dns_tsig_error_name(check.error, name, sizeof(name)), "BADSIG");
    assert_string_equal(dns_tsig_error_name(DNS_TSIG_BADKEY, name, sizeof(name)), "BADKEY");
    assert_string_equal(dns_tsig_error_name(99, name, sizeof(name)), "error 99");
    dns_tsig_key_wipe(&key);
}

/* Other data longer than any TSIG answer carries: malformed, and never
 * copied into the MAC's input (it once overflowed that buffer). */
static void test_long_other_data(void **state)
{
    struct dns_tsig_key key;
    struct dns_tsig_check check;
    uint8_t buf[2048], mac[DNS_TSIG_MAC_MAX];
    size_t len, mac_len, rdlen_at;
    uint8_t *wire = query_wire(&len);
    unsigned rdlen;
    char why[256];

    (void)state;
    key32(&key, DNS_TSIG_HMAC_SHA256);
    memcpy(buf, wire, len);
    free(wire);
    assert_int_equal(
        dns_tsig_sign(&key, buf, &len, sizeof(buf), time(NULL), mac, &mac_len, why, sizeof(why)),
        0);
    /* RDLENGTH stands before the algorithm (13 bytes), time and fudge (8),
     * MAC size (2), MAC, original ID and error (4), other length (2). */
    rdlen_at = len - 2 - 4 - mac_len - 2 - 8 - 13 - 2;
    rdlen = (unsigned)(buf[rdlen_at] << 8 | buf[rdlen_at + 1]) + 700;
    buf[rdlen_at] = (uint8_t)(rdlen >> 8);
    buf[rdlen_at + 1] = (uint8_t)rdlen;
    buf[len - 2] = 700 >> 8;
    buf[len - 1] = 700 & 0xff;
    memset(buf + len, 0x5a, 700);
    len += 700;
    dns_tsig_verify(&key, buf, len, mac, mac_len, time(NULL), &check);
    assert_true(check.present);
    assert_false(check.verified);
    assert_contains(check.why, "its TSIG record is malformed");
    dns_tsig_key_wipe(&key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clause_as_tsig_keygen_writes_it),
        cmocka_unit_test(test_clause_variants),
        cmocka_unit_test(test_line_form),
        cmocka_unit_test(test_clause_malformed),
        cmocka_unit_test(test_bad_algorithms_and_names),
        cmocka_unit_test(test_bad_secrets),
        cmocka_unit_test(test_read_from_file),
        cmocka_unit_test(test_sign_verified_by_ldns),
        cmocka_unit_test(test_verify_ldns_answer),
        cmocka_unit_test(test_error_answer),
        cmocka_unit_test(test_long_other_data),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
