/* Unit tests of dns_answer_mismatch: which parsed packets count as the
 * answer to a query (RFC 5452): the transaction id, QR, the opcode and the
 * one question (name without regard to case, type, class) must all match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dns/exchange.h"

#define ID 0x4242

/* An answer to "NAME CNAME IN" with id, as a server would send it. */
static ldns_pkt *answer(const char *name, ldns_rr_type type, ldns_rr_class class, uint16_t id)
{
    ldns_pkt *pkt = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type, class, LDNS_RD);

    assert_non_null(pkt);
    ldns_pkt_set_id(pkt, id);
    ldns_pkt_set_qr(pkt, true);
    return pkt;
}

static const char *mismatch(ldns_pkt *pkt)
{
    ldns_rdf *qname = ldns_dname_new_frm_str("a.example.com.");
    const char *why = dns_answer_mismatch(pkt, ID, qname, LDNS_RR_TYPE_CNAME);

    ldns_rdf_deep_free(qname);
    ldns_pkt_free(pkt);
    return why;
}

static void test_matching_answer(void **state)
{
    (void)state;
    assert_null(mismatch(answer("a.example.com.", LDNS_RR_TYPE_CNAME, LDNS_RR_CLASS_IN, ID)));
    /* 0x20 case randomization: a name differs only in case */
    assert_null(mismatch(answer("A.Example.COM.", LDNS_RR_TYPE_CNAME, LDNS_RR_CLASS_IN, ID)));
}

static void test_header_mismatch(void **state)
{
    ldns_pkt *pkt;

    (void)state;
    assert_string_equal(
        mismatch(answer("a.example.com.", LDNS_RR_TYPE_CNAME, LDNS_RR_CLASS_IN, ID + 1)),
        "a wrong transaction id");
    pkt = answer("a.example.com.", LDNS_RR_TYPE_CNAME, LDNS_RR_CLASS_IN, ID);
    ldns_pkt_set_qr(pkt, false);
    assert_string_equal(mismatch(pkt), "QR=0, a query and not an answer");
    pkt = answer("a.example.com.", LDNS_RR_TYPE_CNAME, LDNS_RR_CLASS_IN, ID);
    ldns_pkt_set_opcode(pkt, LDNS_PACKET_NOTIFY);
    assert_string_equal(mismatch(pkt), "another opcode");
}

static void test_question_mismatch(void **state)
{
    ldns_pkt *pkt;

    (void)state;
    assert_string_equal(
        mismatch(answer("b.example.com.", LDNS_RR_TYPE_CNAME, LDNS_RR_CLASS_IN, ID)),
        "another question");
    assert_string_equal(
        mismatch(answer("a.example.com.example.com.", LDNS_RR_TYPE_CNAME, LDNS_RR_CLASS_IN, ID)),
        "another question");
    assert_string_equal(mismatch(answer("a.example.com.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, ID)),
                        "another question");
    assert_string_equal(
        mismatch(answer("a.example.com.", LDNS_RR_TYPE_CNAME, LDNS_RR_CLASS_CH, ID)),
        "another question");
    /* no question at all */
    pkt = answer("a.example.com.", LDNS_RR_TYPE_CNAME, LDNS_RR_CLASS_IN, ID);
    ldns_rr_list_deep_free(ldns_pkt_question(pkt));
    ldns_pkt_set_question(pkt, ldns_rr_list_new());
    ldns_pkt_set_qdcount(pkt, 0);
    assert_string_equal(mismatch(pkt), "not exactly one question");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matching_answer),
        cmocka_unit_test(test_header_mismatch),
        cmocka_unit_test(test_question_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
