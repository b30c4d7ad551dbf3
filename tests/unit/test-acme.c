/* Unit tests of what the ACME client parses and encodes without a server:
 * base64url both ways, the RFC 7638 thumbprint of RFC 7638's own example
 * key (the JWK as signer/jws.c makes it), problem documents in words,
 * Link headers (alternate chains) and Retry-After. The exchanges are
 * tested end to end against pebble (tests/softhsm/acme*.bats). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "acme/internal.h"
#include "signer/jws.h"
#include "util/base64url.h"

static void assert_encodes(const char *bytes, const char *expected)
{
    char *text = base64url_encode(bytes, strlen(bytes));
    unsigned char *back = NULL;
    size_t len = 0;
    char why[128];

    assert_non_null(text);
    assert_string_equal(text, expected);
    assert_int_equal(base64url_decode(text, strlen(text), &back, &len, why, sizeof(why)), 0);
    assert_int_equal(len, strlen(bytes));
    assert_memory_equal(back, bytes, len);
    OPENSSL_free(back);
    free(text);
}

static void test_base64url(void **state)
{
    (void)state;
    /* RFC 4648 section 10's vectors, without padding. */
    assert_encodes("", "");
    assert_encodes("f", "Zg");
    assert_encodes("fo", "Zm8");
    assert_encodes("foo", "Zm9v");
    assert_encodes("foob", "Zm9vYg");
    assert_encodes("fooba", "Zm9vYmE");
    assert_encodes("foobar", "Zm9vYmFy");
    /* The URL-safe alphabet: 0xfb 0xff is "-_8" (base64's "+/8="). */
    assert_encodes("\xfb\xff", "-_8");
}

static void assert_bad_base64url(const char *text, const char *reason)
{
    unsigned char *out = (unsigned char *)"x";
    size_t len = 7;
    char why[128] = "";

    assert_int_equal(base64url_decode(text, strlen(text), &out, &len, why, sizeof(why)), -1);
    assert_null(out);
    assert_non_null(strstr(why, reason));
}

static void test_base64url_refused(void **state)
{
    (void)state;
    assert_bad_base64url("Zm9v=", "length");
    assert_bad_base64url("Zm+v", "character 3");
    assert_bad_base64url("Zm/v", "character 3");
    assert_bad_base64url("Zm9v Zg", "character 5");
}

/* RFC 7638 section 3.1: the example RSA key and its thumbprint. */
static void test_thumbprint_rfc7638(void **state)
{
    static const char n64[] =
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
        "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
        "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
        "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    unsigned char *n = NULL;
    size_t n_len = 0;
    char why[128], thumb[SIGNER_THUMBPRINT_SIZE];
    BIGNUM *bn_n, *bn_e = BN_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    struct signer_jws j;

    (void)state;
    assert_int_equal(base64url_decode(n64, strlen(n64), &n, &n_len, why, sizeof(why)), 0);
    bn_n = BN_bin2bn(n, (int)n_len, NULL);
    BN_set_word(bn_e, 65537);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
    params = OSSL_PARAM_BLD_to_param(bld);
    memset(&j, 0, sizeof(j));
    assert_int_equal(EVP_PKEY_fromdata_init(pctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(pctx, &j.signer.pubkey, EVP_PKEY_PUBLIC_KEY, params), 1);
    j.alg = "RS256";
    assert_int_equal(signer_jws_thumbprint(&j, thumb), 0);
    assert_string_equal(thumb, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    EVP_PKEY_free(j.signer.pubkey);
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    OPENSSL_free(n);
}

static void assert_words(const char *json, const char *expected)
{
    json_t *problem = json_loads(json, 0, NULL);
    char text[512];

    assert_non_null(problem);
    acme_problem_words(problem, text, sizeof(text));
    assert_string_equal(text, expected);
    json_decref(problem);
}

static void test_problem_words(void **state)
{
    (void)state;
    assert_words("{\"type\":\"urn:ietf:params:acme:error:badNonce\",\"detail\":\"stale\"}",
                 "stale (badNonce)");
    assert_words("{\"type\":\"about:blank\"}", "about:blank");
    assert_words("{}", "a problem without type or detail");
    /* RFC 8555 6.7.1's example: each subproblem with its identifier. */
    assert_words("{\"type\":\"urn:ietf:params:acme:error:malformed\",\"detail\":\"Some of the "
                 "identifiers requested were rejected\",\"subproblems\":[{\"type\":\"urn:ietf:"
                 "params:acme:error:malformed\",\"detail\":\"Invalid underscore in DNS name "
                 "\\\"_example.org\\\"\",\"identifier\":{\"type\":\"dns\",\"value\":\"_example."
                 "org\"}},{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\",\"detail\":"
                 "\"This CA will not issue for \\\"example.net\\\"\",\"identifier\":{\"type\":"
                 "\"dns\",\"value\":\"example.net\"}}]}",
                 "Some of the identifiers requested were rejected (malformed); dns:_example.org: "
                 "Invalid underscore in DNS name \"_example.org\" (malformed); dns:example.net: "
                 "This CA will not issue for \"example.net\" (rejectedIdentifier)");
}

static void test_problem_words_cut(void **state)
{
    json_t *problem = json_pack("{s:s, s:s}", "type", "x", "detail",
                                "a detail far longer than the room given for it");
    char text[16];

    (void)state;
    acme_problem_words(problem, text, sizeof(text));
    assert_int_equal(strlen(text), sizeof(text) - 1);
    json_decref(problem);
}

static void test_links(void **state)
{
    struct acme_reply r;

    (void)state;
    memset(&r, 0, sizeof(r));
    assert_int_equal(acme_parse_links(&r, "<https://ca/cert/1/1>;rel=\"alternate\", "
                                          "<https://ca/dir>;rel=\"index\", "
                                          "<https://ca/cert/1/2>; rel=alternate"),
                     0);
    assert_int_equal(acme_parse_links(&r, "<https://ca/cert/1/3>;title=\"x\";rel=\"alternate\""),
                     0);
    assert_int_equal(acme_parse_links(&r, "<https://ca/up>;rel=\"up\""), 0);
    assert_int_equal(acme_parse_links(&r, "garbage <unterminated"), 0);
    assert_int_equal(r.n_alternates, 3);
    assert_string_equal(r.alternates[0], "https://ca/cert/1/1");
    assert_string_equal(r.alternates[1], "https://ca/cert/1/2");
    assert_string_equal(r.alternates[2], "https://ca/cert/1/3");
    acme_reply_free(&r);
}

static void test_retry_after(void **state)
{
    (void)state;
    assert_int_equal(acme_parse_retry_after("120"), 120);
    assert_int_equal(acme_parse_retry_after(" 0"), 0);
    assert_int_equal(acme_parse_retry_after(NULL), -1);
    assert_int_equal(acme_parse_retry_after("-5"), -1);
    assert_int_equal(acme_parse_retry_after("soon"), -1);
    assert_int_equal(acme_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0); /* past */
    assert_true(acme_parse_retry_after("Fri, 31 Dec 2100 23:59:59 GMT") > 1000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64url),          cmocka_unit_test(test_base64url_refused),
        cmocka_unit_test(test_thumbprint_rfc7638), cmocka_unit_test(test_problem_words),
        cmocka_unit_test(test_problem_words_cut),  cmocka_unit_test(test_links),
        cmocka_unit_test(test_retry_after),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
