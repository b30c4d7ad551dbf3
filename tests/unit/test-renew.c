/* Unit tests of renew's pure parts: when a certificate is due (a third of
 * its lifetime, --days, --force), RFC 3339 times, and renewal records read
 * back, malformed ones named by what is wrong, and the index of certificate
 * ids a run reads once per token (counts, forgotten ids). The renewals themselves are
 * tested end to end against pebble (tests/softhsm/renew.bats). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "workflow/renew-internal.h"
#include "workflow/renew.h"

#define DAY 86400

static void test_due_third(void **state)
{
    long left;

    (void)state;
    /* 90 days: due with less than 30 left, not with 30 or more. */
    assert_int_equal(renew_is_due(60 * DAY, 0, 90 * DAY, -1, 0, &left), 0);
    assert_int_equal(left, 30);
    assert_int_equal(renew_is_due(60 * DAY + 1, 0, 90 * DAY, -1, 0, &left), 1);
    assert_int_equal(left, 29);
    assert_int_equal(renew_is_due(0, 0, 90 * DAY, -1, 0, &left), 0);
    assert_int_equal(left, 90);
    /* Expired: due, and the days are negative. */
    assert_int_equal(renew_is_due(91 * DAY + 1, 0, 90 * DAY, -1, 0, &left), 1);
    assert_int_equal(left, -2);
    /* 30 seconds: due in the last 10. */
    assert_int_equal(renew_is_due(19, 0, 30, -1, 0, &left), 0);
    assert_int_equal(renew_is_due(21, 0, 30, -1, 0, &left), 1);
    assert_int_equal(left, 0);
}

static void test_due_days_force(void **state)
{
    long left;

    (void)state;
    /* --days replaces the third: 10 of 90 days left. */
    assert_int_equal(renew_is_due(80 * DAY, 0, 90 * DAY, 11, 0, &left), 1);
    assert_int_equal(renew_is_due(80 * DAY, 0, 90 * DAY, 10, 0, &left), 0);
    assert_int_equal(renew_is_due(DAY, 0, 90 * DAY, 90, 0, &left), 1);
    assert_int_equal(renew_is_due(DAY, 0, 90 * DAY, 0, 0, &left), 0);
    assert_int_equal(renew_is_due(DAY, 0, 90 * DAY, -1, 1, &left), 1);
    assert_int_equal(left, 89);
}

static void test_parse_time(void **state)
{
    (void)state;
    assert_int_equal(renew_parse_time("1970-01-02T00:00:01Z"), DAY + 1);
    assert_int_equal(renew_parse_time("2026-12-11T09:51:36Z"), 1796982696);
    assert_int_equal(renew_parse_time("2026-12-11T09:51:36"), -1);
    assert_int_equal(renew_parse_time("2026-12-11T09:51:36Z junk"), -1);
    assert_int_equal(renew_parse_time("yesterday"), -1);
    assert_int_equal(renew_parse_time(""), -1);
    assert_int_equal(renew_parse_time(NULL), -1);
}

/* A record as acme issue writes it, with member KEY replaced by VALUE
 * (JSON text; NULL: removed), loaded from a temporary file. */
static int load_with(const char *key, const char *value, struct renew_record *r, char *why,
                     size_t len)
{
    static const char base[] =
        "{\"version\": 1, \"domains\": [\"a.example\", \"b.example\"],"
        " \"account_key\": \"pkcs11:token=t;object=acct\", \"key\": \"pkcs11:token=t;object=web\","
        " \"directory\": \"https://127.0.0.1:14000/dir\", \"ca_bundle\": null, \"trust\": "
        "\"system\","
        " \"challenge\": {\"type\": \"dns-01\", \"dns_server\": \"127.0.0.1:5353\","
        " \"tsig_key\": \"file:/etc/p11cert/tsig.key\"}, \"import\": true,"
        " \"out\": \"/srv/cert.pem\", \"chain_out\": \"/srv/chain.crt\", \"fullchain\": null,"
        " \"module\": null, \"pin_source\": \"env:PIN\", \"key_id\": \"01ab\","
        " \"certificate\": {\"not_before\": \"2026-01-01T00:00:00Z\","
        " \"not_after\": \"2026-04-01T00:00:00Z\", \"sha256_fingerprint\": \"AA:BB\"}}";
    char path[] = "/tmp/test-renew-XXXXXX.json", *text;
    struct token_config global = {0};
    json_t *doc = json_loads(base, 0, NULL);
    int fd, ret;

    assert_non_null(doc);
    if (key && value)
        json_object_set_new(doc, key, json_loads(value, JSON_DECODE_ANY, NULL));
    else if (key)
        json_object_del(doc, key);
    text = json_dumps(doc, 0);
    json_decref(doc);
    assert_non_null(text);
    assert_true((fd = mkstemps(path, 5)) >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    free(text);
    ret = renew_record_load(path, &global, r, why, len);
    unlink(path);
    return ret;
}

static void test_record_good(void **state)
{
    struct renew_record r;
    char why[256];

    (void)state;
    assert_int_equal(load_with(NULL, NULL, &r, why, sizeof(why)), 0);
    assert_int_equal(r.o.n_domains, 2);
    assert_string_equal(r.o.domains[1], "b.example");
    assert_int_equal(r.o.challenge.kind, ACME_SOLVE_DNS);
    assert_int_equal(r.o.challenge.tsig->kind, SECRET_SOURCE_FILE);
    assert_int_equal(r.config.pin_source.kind, SECRET_SOURCE_ENV);
    assert_int_equal(r.key_id_len, 2);
    assert_int_equal(r.key_id[1], 0xab);
    assert_int_equal(r.not_after - r.not_before, 90 * DAY);
    assert_true(r.o.import);
    /* No "token": the key URI's token. */
    assert_string_equal(r.token_text, "pkcs11:token=t;object=web");
    renew_record_free(&r);
}

static void assert_refused(const char *key, const char *value, const char *reason)
{
    struct renew_record r;
    char why[256] = "";

    if (load_with(key, value, &r, why, sizeof(why)) != -1)
        fail_msg("%s=%s: accepted", key, value ? value : "(removed)");
    if (!strstr(why, reason))
        fail_msg("%s=%s: \"%s\" does not say \"%s\"", key, value ? value : "(removed)", why,
                 reason);
    renew_record_free(&r);
}

static void test_record_bad(void **state)
{
    (void)state;
    assert_refused("version", "2", "not a version 1 renewal record");
    assert_refused("domains", "[]", "no \"domains\"");
    assert_refused("domains", "[7]", "not a name");
    assert_refused("key", NULL, "no \"key\"");
    assert_refused("key", "42", "\"key\" is not a string");
    assert_refused("import", "\"yes\"", "\"import\" is not true or false");
    assert_refused("challenge", "{\"type\": \"tls-alpn-01\"}", "neither dns-01 nor http-01");
    assert_refused("challenge", "{\"type\": \"http-01\"}", "one of \"http_listen\"");
    assert_refused("challenge",
                   "{\"type\": \"dns-01\", \"dns_server\": \"127.0.0.1:5353\","
                   " \"tsig_key\": \"hmac-sha256:k:c2VjcmV0\"}",
                   "not a secret source");
    assert_refused("challenge",
                   "{\"type\": \"dns-01\", \"dns_server\": \"::bad::\", \"tsig_key\": \"env:T\"}",
                   "\"challenge.dns_server\" is bad");
    assert_refused("certificate", NULL, "no \"certificate\"");
    assert_refused("certificate",
                   "{\"not_before\": \"2026-04-01T00:00:00Z\", \"not_after\": "
                   "\"2026-01-01T00:00:00Z\", \"sha256_fingerprint\": \"AA\"}",
                   "not RFC 3339 UTC times in order");
    assert_refused("key_id", "\"0g\"", "not hex");
    assert_refused("pin_source", "\"1234\"", "not a secret source");
}

/* An index as renew_index_build leaves it: ids sorted by length, then bytes. */
static void test_index_count(void **state)
{
    struct renew_cert_id ids[] = {
        {{0x01, 0x01}, 2},
        {{0x01, 0x02, 0x03}, 3},
        {{0x01, 0x02, 0x03}, 3},
        {{0x02, 0x00, 0x00}, 3},
    };
    struct renew_cert_index ix = {1, NULL, NULL, 0, 0};
    const unsigned char a[] = {0x01, 0x02, 0x03}, b[] = {0x01, 0x01}, c[] = {0x02, 0x00, 0x00},
                        none[] = {0x02, 0x02}, big[TOKEN_ID_MAX + 1] = {0};

    (void)state;
    ix.ids = malloc(sizeof(ids));
    assert_non_null(ix.ids);
    memcpy(ix.ids, ids, sizeof(ids));
    ix.n = 4;
    assert_int_equal(renew_index_count(&ix, a, 3), 2);
    assert_int_equal(renew_index_count(&ix, b, 2), 1);
    assert_int_equal(renew_index_count(&ix, c, 3), 1);
    assert_int_equal(renew_index_count(&ix, none, 2), 0);
    /* A prefix is another id. */
    assert_int_equal(renew_index_count(&ix, a, 2), 0);
    assert_int_equal(renew_index_count(&ix, big, sizeof(big)), -1);
    assert_int_equal(renew_index_count(NULL, a, 3), -1);
    /* Forgotten: the index no longer answers for that id, still for others. */
    renew_index_forget(&ix, a, 3);
    assert_int_equal(renew_index_count(&ix, a, 3), -1);
    assert_int_equal(renew_index_count(&ix, b, 2), 1);
    ix.active = 0;
    assert_int_equal(renew_index_count(&ix, b, 2), -1);
    ix.active = 1;
    renew_index_free(&ix);
    assert_int_equal(renew_index_count(&ix, b, 2), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_due_third),  cmocka_unit_test(test_due_days_force),
        cmocka_unit_test(test_parse_time), cmocka_unit_test(test_record_good),
        cmocka_unit_test(test_record_bad), cmocka_unit_test(test_index_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
