/* Unit tests of the RFC 2136 update builder (dns/update.h) and of dns
 * apply's policy (workflow/dns-apply-policy.c): the message is read back by
 * ldns, another implementation, and each RFC 2136 form is checked by class,
 * type, TTL and data; its TSIG verifies with ldns; names outside the zone,
 * bad types and data are refused; the policy's decision and prerequisites
 * for every state a name can be in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ldns/ldns.h>

#include "dns/update.h"
#include "workflow/dns-apply.h"

#define SECRET_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static void assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("\"%s\" does not contain \"%s\"", text, needle);
}

static void test_key(struct dns_tsig_key *key)
{
    const char text[] = "hmac-sha256:update.example:" SECRET_B64;
    char why[256];

    assert_int_equal(dns_tsig_key_parse(text, strlen(text), key, why, sizeof(why)), 0);
}

/* The update signed and parsed back by ldns, its TSIG checked by ldns. */
static ldns_pkt *parse_back(const struct dns_update *u)
{
    struct dns_tsig_key key;
    uint8_t *wire = NULL, mac[DNS_TSIG_MAC_MAX];
    size_t len = 0, mac_len = 0;
    ldns_pkt *pkt = NULL;
    char why[256];

    test_key(&key);
    if (dns_update_wire(u, &key, time(NULL), &wire, &len, mac, &mac_len, why, sizeof(why)) < 0)
        fail_msg("dns_update_wire: %s", why);
    assert_int_equal(ldns_wire2pkt(&pkt, wire, len), LDNS_STATUS_OK);
    assert_true(ldns_pkt_tsig_verify(pkt, wire, len, "update.example.", SECRET_B64, NULL));
    free(wire);
    dns_tsig_key_wipe(&key);
    return pkt;
}

/* The RR's text as ldns prints it, without the newline; an empty RDATA is
 * "\\# 0" (RFC 3597): "a.example.com.\t0\tNONE\tANY\t\\# 0". */
static void assert_rr(const ldns_rr_list *list, size_t i, const char *expected)
{
    char *text;
    size_t len;

    assert_true(i < ldns_rr_list_rr_count(list));
    text = ldns_rr2str(ldns_rr_list_rr(list, i));
    assert_non_null(text);
    len = strlen(text);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\t' || text[len - 1] == ' '))
        text[--len] = '\0';
    if (strcmp(text, expected) != 0)
        fail_msg("record %zu is \"%s\", expected \"%s\"", i, text, expected);
    free(text);
}

static void test_every_form(void **state)
{
    struct dns_update *u;
    ldns_pkt *pkt;
    char why[256];

    (void)state;
    u = dns_update_new("Example.COM.", why, sizeof(why));
    assert_non_null(u);
    assert_int_equal(dns_update_require(u, DNS_PREREQ_NAME_NOT_IN_USE, "a.example.com", NULL, NULL,
                                        why, sizeof(why)),
                     0);
    assert_int_equal(dns_update_require(u, DNS_PREREQ_NAME_IN_USE, "b.example.com.", NULL, NULL,
                                        why, sizeof(why)),
                     0);
    assert_int_equal(dns_update_require(u, DNS_PREREQ_RRSET_EXISTS, "b.example.com", "A", NULL, why,
                                        sizeof(why)),
                     0);
    assert_int_equal(dns_update_require(u, DNS_PREREQ_RRSET_ABSENT, "b.example.com", "CNAME", NULL,
                                        why, sizeof(why)),
                     0);
    assert_int_equal(dns_update_require(u, DNS_PREREQ_RRSET_IS, "c.example.com", "CNAME",
                                        "old.example.net.", why, sizeof(why)),
                     0);
    assert_int_equal(
        dns_update_add(u, "a.example.com", 300, "CNAME", "gw.example.net.", why, sizeof(why)), 0);
    assert_int_equal(dns_update_delete(u, "c.example.com", "CNAME", NULL, why, sizeof(why)), 0);
    assert_int_equal(dns_update_delete(u, "d.example.com", NULL, NULL, why, sizeof(why)), 0);
    assert_int_equal(
        dns_update_txt(u, 1, "_acme-challenge.a.example.com", 60, "tok\"en\\", why, sizeof(why)),
        0);
    assert_int_equal(
        dns_update_txt(u, 0, "_acme-challenge.a.example.com", 60, "old", why, sizeof(why)), 0);
    assert_int_equal(dns_update_changes(u), 5);

    pkt = parse_back(u);
    assert_int_equal(ldns_pkt_get_opcode(pkt), LDNS_PACKET_UPDATE);
    assert_false(ldns_pkt_rd(pkt));
    /* Zone section: one SOA question for the zone. */
    assert_int_equal(ldns_pkt_qdcount(pkt), 1);
    assert_rr(ldns_pkt_question(pkt), 0, "example.com.\tIN\tSOA");
    /* Prerequisites (RFC 2136 2.4): NONE ANY, ANY ANY, ANY A, NONE CNAME, IN CNAME data. */
    assert_int_equal(ldns_pkt_ancount(pkt), 5);
    assert_rr(ldns_pkt_answer(pkt), 0, "a.example.com.\t0\tNONE\tANY\t\\# 0");
    assert_rr(ldns_pkt_answer(pkt), 1, "b.example.com.\t0\tANY\tANY\t\\# 0");
    assert_rr(ldns_pkt_answer(pkt), 2, "b.example.com.\t0\tANY\tA\t\\# 0");
    assert_rr(ldns_pkt_answer(pkt), 3, "b.example.com.\t0\tNONE\tCNAME\t\\# 0");
    assert_rr(ldns_pkt_answer(pkt), 4, "c.example.com.\t0\tIN\tCNAME\told.example.net.");
    /* Updates (2.5): add, delete an RRset, delete all RRsets, add and delete a TXT. */
    assert_int_equal(ldns_pkt_nscount(pkt), 5);
    assert_rr(ldns_pkt_authority(pkt), 0, "a.example.com.\t300\tIN\tCNAME\tgw.example.net.");
    assert_rr(ldns_pkt_authority(pkt), 1, "c.example.com.\t0\tANY\tCNAME\t\\# 0");
    assert_rr(ldns_pkt_authority(pkt), 2, "d.example.com.\t0\tANY\tANY\t\\# 0");
    assert_rr(ldns_pkt_authority(pkt), 3,
              "_acme-challenge.a.example.com.\t60\tIN\tTXT\t\"tok\\\"en\\\\\"");
    assert_rr(ldns_pkt_authority(pkt), 4, "_acme-challenge.a.example.com.\t0\tNONE\tTXT\t\"old\"");
    ldns_pkt_free(pkt);
    dns_update_free(u);
}

static void test_refusals(void **state)
{
    struct dns_update *u;
    char why[256] = "", long_value[300];

    (void)state;
    assert_null(dns_update_new("bad..zone", why, sizeof(why)));
    assert_contains(why, "is not a DNS name");
    u = dns_update_new("example.com", why, sizeof(why));
    assert_non_null(u);
    assert_int_equal(dns_update_add(u, "a.example.org", 300, "CNAME", "x.", why, sizeof(why)), -1);
    assert_contains(why, "a.example.org is not in the zone example.com.");
    assert_int_equal(dns_update_add(u, "notexample.com", 300, "CNAME", "x.", why, sizeof(why)), -1);
    assert_contains(why, "is not in the zone");
    assert_int_equal(dns_update_add(u, "a.example.com", 300, "NOSUCHTYPE", "x.", why, sizeof(why)),
                     -1);
    assert_contains(why, "unknown record type \"NOSUCHTYPE\"");
    assert_int_equal(
        dns_update_add(u, "a.example.com", 300, "A", "not-an-address", why, sizeof(why)), -1);
    assert_contains(why, "bad A record data");
    assert_int_equal(dns_update_add(u, "a.example.com", 300, "A", NULL, why, sizeof(why)), -1);
    assert_int_equal(
        dns_update_require(u, DNS_PREREQ_RRSET_IS, "a.example.com", "A", NULL, why, sizeof(why)),
        -1);
    assert_int_equal(dns_update_require(u, DNS_PREREQ_RRSET_ABSENT, "a.example.com", NULL, NULL,
                                        why, sizeof(why)),
                     -1);
    memset(long_value, 'x', 256);
    long_value[256] = '\0';
    assert_int_equal(dns_update_txt(u, 1, "a.example.com", 60, long_value, why, sizeof(why)), -1);
    assert_contains(why, "longer than 255");
    assert_int_equal(dns_update_changes(u), 0);
    dns_update_free(u);
}

/* ---- dns apply's policy ---- */

static struct dns_apply_name name_holding(enum dns_name_state state, const char *cname,
                                          const char *other_type)
{
    struct dns_apply_name n;

    memset(&n, 0, sizeof(n));
    snprintf(n.domain, sizeof(n.domain), "www.example.com");
    n.found.state = state;
    snprintf(n.found.cname, sizeof(n.found.cname), "%s", cname);
    snprintf(n.other_type, sizeof(n.other_type), "%s", other_type);
    return n;
}

/* The decision and, unless refused, the prerequisites and updates staged. */
static void assert_policy(enum dns_name_state state, const char *cname, const char *other,
                          int replace, int remove, enum dns_apply_action action, const char *detail,
                          const char *const *prereqs, const char *const *updates)
{
    struct dns_apply_name n = name_holding(state, cname, other);
    struct dns_update *u;
    ldns_pkt *pkt;
    char why[256];
    size_t i;

    dns_apply_decide(&n, "gw.example.net", replace, remove);
    assert_int_equal(n.action, action);
    assert_contains(n.detail, detail);
    u = dns_update_new("example.com", why, sizeof(why));
    assert_non_null(u);
    if (action == DNS_APPLY_REFUSED) {
        assert_int_equal(dns_apply_stage(&n, "gw.example.net", 300, u, why, sizeof(why)), -1);
        dns_update_free(u);
        return;
    }
    if (dns_apply_stage(&n, "gw.example.net", 300, u, why, sizeof(why)) < 0)
        fail_msg("dns_apply_stage: %s", why);
    /* An update without changes is never sent; give it one to build. */
    if (dns_update_changes(u) == 0)
        assert_int_equal(dns_update_delete(u, "z.example.com", "TXT", NULL, why, sizeof(why)), 0);
    pkt = parse_back(u);
    for (i = 0; prereqs[i]; i++)
        assert_rr(ldns_pkt_answer(pkt), i, prereqs[i]);
    assert_int_equal(ldns_pkt_ancount(pkt), i);
    for (i = 0; updates[i]; i++)
        assert_rr(ldns_pkt_authority(pkt), i, updates[i]);
    if (i > 0)
        assert_int_equal(ldns_pkt_nscount(pkt), i);
    ldns_pkt_free(pkt);
    dns_update_free(u);
}

static void test_policy_apply(void **state)
{
    const char *none[] = {NULL};

    (void)state;
    /* Nothing there (or only names below): created, and nothing may appear meanwhile. */
    assert_policy(DNS_NAME_NXDOMAIN, "", "", 0, 0, DNS_APPLY_CREATE, "CNAME gw.example.net.",
                  (const char *[]){"www.example.com.\t0\tNONE\tANY\t\\# 0", NULL},
                  (const char *[]){"www.example.com.\t300\tIN\tCNAME\tgw.example.net.", NULL});
    assert_policy(DNS_NAME_NODATA, "", "", 0, 0, DNS_APPLY_CREATE, "CNAME gw.example.net.",
                  (const char *[]){"www.example.com.\t0\tNONE\tANY\t\\# 0", NULL},
                  (const char *[]){"www.example.com.\t300\tIN\tCNAME\tgw.example.net.", NULL});
    /* Already at the target: unchanged, and required to stay so. */
    assert_policy(DNS_NAME_CNAME, "gw.example.net", "", 0, 0, DNS_APPLY_UNCHANGED,
                  "already points at gw.example.net.",
                  (const char *[]){"www.example.com.\t0\tIN\tCNAME\tgw.example.net.", NULL}, none);
    /* Elsewhere: refused; replaced only with --replace, and only what was seen. */
    assert_policy(DNS_NAME_CNAME, "old.example.org", "", 0, 0, DNS_APPLY_REFUSED,
                  "has a CNAME to old.example.org., not to gw.example.net. (--replace", none, none);
    assert_policy(DNS_NAME_CNAME, "old.example.org", "", 1, 0, DNS_APPLY_REPLACE,
                  "(was a CNAME to old.example.org.)",
                  (const char *[]){"www.example.com.\t0\tIN\tCNAME\told.example.org.", NULL},
                  (const char *[]){"www.example.com.\t0\tANY\tCNAME\t\\# 0",
                                   "www.example.com.\t300\tIN\tCNAME\tgw.example.net.", NULL});
    /* Other data: refused; with --replace every RRset at the name goes. */
    assert_policy(DNS_NAME_NODATA, "", "A", 0, 0, DNS_APPLY_REFUSED, "holds other data (A)", none,
                  none);
    assert_policy(DNS_NAME_NODATA, "", "A", 1, 0, DNS_APPLY_REPLACE, "its A data",
                  (const char *[]){"www.example.com.\t0\tNONE\tCNAME\t\\# 0", NULL},
                  (const char *[]){"www.example.com.\t0\tANY\tANY\t\\# 0",
                                   "www.example.com.\t300\tIN\tCNAME\tgw.example.net.", NULL});
}

static void test_policy_delete(void **state)
{
    const char *none[] = {NULL};

    (void)state;
    assert_policy(DNS_NAME_CNAME, "gw.example.net", "", 0, 1, DNS_APPLY_DELETE,
                  "its CNAME to gw.example.net.",
                  (const char *[]){"www.example.com.\t0\tIN\tCNAME\tgw.example.net.", NULL},
                  (const char *[]){"www.example.com.\t0\tANY\tCNAME\t\\# 0", NULL});
    assert_policy(DNS_NAME_CNAME, "old.example.org", "", 0, 1, DNS_APPLY_REFUSED,
                  "points at old.example.org., not at gw.example.net.", none, none);
    assert_policy(DNS_NAME_CNAME, "old.example.org", "", 1, 1, DNS_APPLY_DELETE,
                  "its CNAME to old.example.org.",
                  (const char *[]){"www.example.com.\t0\tIN\tCNAME\told.example.org.", NULL},
                  (const char *[]){"www.example.com.\t0\tANY\tCNAME\t\\# 0", NULL});
    /* No CNAME: nothing to delete, and other data is never touched. */
    assert_policy(DNS_NAME_NODATA, "", "A", 1, 1, DNS_APPLY_UNCHANGED, "has no CNAME",
                  (const char *[]){"www.example.com.\t0\tNONE\tCNAME\t\\# 0", NULL}, none);
    assert_policy(DNS_NAME_NXDOMAIN, "", "", 0, 1, DNS_APPLY_UNCHANGED, "has no CNAME",
                  (const char *[]){"www.example.com.\t0\tNONE\tCNAME\t\\# 0", NULL}, none);
}

static void test_policy_read_back(void **state)
{
    struct dns_check check = {0};

    (void)state;
    check.status = DNS_CHECK_TARGET;
    assert_true(dns_apply_check_ok(&check, 0));
    assert_false(dns_apply_check_ok(&check, 1));
    check.status = DNS_CHECK_NO_RECORD;
    assert_false(dns_apply_check_ok(&check, 0));
    assert_true(dns_apply_check_ok(&check, 1));
    check.status = DNS_CHECK_ELSEWHERE;
    assert_false(dns_apply_check_ok(&check, 0));
    assert_false(dns_apply_check_ok(&check, 1));
    assert_string_equal(dns_apply_action_name(DNS_APPLY_CREATE), "created");
    assert_string_equal(dns_apply_action_name(DNS_APPLY_REFUSED), "refused");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_form),       cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_policy_apply),     cmocka_unit_test(test_policy_delete),
        cmocka_unit_test(test_policy_read_back),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
