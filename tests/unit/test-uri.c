/* Unit tests of the pure URI functions of the token layer (token/uri.c,
 * token/text.c): token_uri_parse (malformed, not pkcs11:, an attribute RFC
 * 7512 does not define, empty), token_uri_matches_token against
 * CK_TOKEN_INFO fields padded as PKCS#11 pads them, token_uri_names_module,
 * token_uri_has_module_info / token_uri_has_slot_info, token_uri_display
 * (never a pin-value) and token_info_names / token_flags_words. No module is
 * loaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "token/token.h"
#include "util/msg.h"

#include "capture.h"

/* Copies s into a fixed-width field padded with pad (' ' as PKCS#11 says,
 * or '\0' as some tokens do). */
static void fill(unsigned char *field, size_t width, const char *s, char pad)
{
    size_t len = strlen(s);

    assert_true(len <= width);
    memset(field, pad, width);
    memcpy(field, s, len);
}

/* A token as SoftHSM describes one. */
static void softhsm_info(CK_TOKEN_INFO *info, const char *label)
{
    memset(info, 0, sizeof(*info));
    fill(info->label, sizeof(info->label), label, ' ');
    fill(info->manufacturerID, sizeof(info->manufacturerID), "SoftHSM project", ' ');
    fill(info->model, sizeof(info->model), "SoftHSM v2", ' ');
    fill(info->serialNumber, sizeof(info->serialNumber), "0b7a9e6c1f2d3e4f", ' ');
    info->flags = CKF_TOKEN_INITIALIZED | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED;
}

/* Parses text, which must be accepted without a word on stderr. */
static P11KitUri *parse_ok(const char *text)
{
    struct capture cap;
    char err[1024];
    P11KitUri *uri;

    capture_start(&cap);
    uri = token_uri_parse(text, "token URI");
    capture_end(&cap, err, sizeof(err));
    if (!uri)
        fail_msg("\"%s\" was rejected: %s", text ? text : "(null)", err);
    assert_string_equal(err, "");
    return uri;
}

/* Parses text, which must be rejected: the error line is exactly
 * expected_error, and hint (NULL: none) is the line after it. */
static void parse_bad(const char *text, const char *expected_error, const char *hint)
{
    struct capture cap;
    char err[2048], expected[2048];
    P11KitUri *uri;

    capture_start(&cap);
    uri = token_uri_parse(text, "key URI");
    capture_end(&cap, err, sizeof(err));
    if (uri) {
        p11_kit_uri_free(uri);
        fail_msg("\"%s\" was accepted", text);
    }
    snprintf(expected, sizeof(expected), "p11cert: %s\n%s%s%s", expected_error,
             hint ? "p11cert: hint: " : "", hint ? hint : "", hint ? "\n" : "");
    assert_string_equal(err, expected);
}

static void test_parse_malformed(void **state)
{
    (void)state;
    parse_bad("pkcs11:token=%zz",
              "bad key URI \"pkcs11:token=%zz\": URI encoding invalid or corrupted", NULL);
    parse_bad("pkcs11:token=%4",
              "bad key URI \"pkcs11:token=%4\": URI encoding invalid or corrupted", NULL);
    parse_bad("pkcs11:slot-id=x", "bad key URI \"pkcs11:slot-id=x\": URI syntax is invalid", NULL);
    /* The query (where a pin-value goes) is never shown. */
    parse_bad("pkcs11:token=%zz?pin-value=s3cret-pin",
              "bad key URI \"pkcs11:token=%zz\": URI encoding invalid or corrupted", NULL);
    parse_bad("pkcs11:token=%zz;pin-value=s3cret-pin",
              "bad key URI \"pkcs11:token=%zz;\": URI encoding invalid or corrupted", NULL);
}

static void test_parse_not_pkcs11(void **state)
{
    static const char hint[] =
        "a key URI is an RFC 7512 URI such as \"pkcs11:token=mytoken;object=mykey\"";

    (void)state;
    parse_bad("mykey", "bad key URI \"mykey\": URI scheme must be 'pkcs11:'", hint);
    parse_bad("https://example.com/key",
              "bad key URI \"https://example.com/key\": URI scheme must be 'pkcs11:'", hint);
}

static void test_parse_unknown_attribute(void **state)
{
    static const char hint[] =
        "path attributes: token, manufacturer, model, serial, object, id, type, slot-*; after "
        "'?': module-name, module-path, pin-source, pin-value";

    (void)state;
    parse_bad("pkcs11:token=a;colour=blue",
              "bad key URI \"pkcs11:token=a;colour=blue\": it has an attribute RFC 7512 does not "
              "define",
              hint);
    /* A known name with a value it cannot have. */
    parse_bad("pkcs11:type=bogus",
              "bad key URI \"pkcs11:type=bogus\": it has an attribute RFC 7512 does not define",
              hint);
    /* A query attribute in the path. */
    parse_bad("pkcs11:token=a;module-name=softhsm2",
              "bad key URI \"pkcs11:token=a;module-name=softhsm2\": it has an attribute RFC 7512 "
              "does not define",
              hint);
    parse_bad("pkcs11:colour=blue?pin-value=s3cret-pin",
              "bad key URI \"pkcs11:colour=blue\": it has an attribute RFC 7512 does not define",
              hint);
    /* p11-kit takes a pin-value in the path too: the message stops before it. */
    parse_bad("pkcs11:token=a;colour=blue;pin-value=s3cret-pin",
              "bad key URI \"pkcs11:token=a;colour=blue;\": it has an attribute RFC 7512 does "
              "not define",
              hint);
}

/* NULL and "" are "pkcs11:", which says nothing and matches every token. */
static void test_parse_empty(void **state)
{
    const char *texts[] = {NULL, "", "pkcs11:"};
    CK_TOKEN_INFO info;

    (void)state;
    softhsm_info(&info, "anything");
    for (size_t i = 0; i < 3; i++) {
        P11KitUri *uri = parse_ok(texts[i]);
        char *shown = token_uri_display(uri, P11_KIT_URI_FOR_ANY);

        assert_string_equal(shown, "pkcs11:");
        free(shown);
        assert_int_equal(p11_kit_uri_get_slot_id(uri), (CK_SLOT_ID)-1);
        assert_int_equal(token_uri_matches_token(uri, 0, &info), 1);
        assert_int_equal(token_uri_matches_token(uri, 42, &info), 1);
        assert_int_equal(token_uri_names_module(uri, "/usr/lib/softhsm/libsofthsm2.so"), 1);
        assert_int_equal(token_uri_has_module_info(uri), 0);
        assert_int_equal(token_uri_has_slot_info(uri), 0);
        p11_kit_uri_free(uri);
    }
}

static void assert_matches(const char *text, CK_SLOT_ID slot, const CK_TOKEN_INFO *info, int want)
{
    P11KitUri *uri = parse_ok(text);
    int got = token_uri_matches_token(uri, slot, info);

    p11_kit_uri_free(uri);
    if (got != want)
        fail_msg("\"%s\" on slot %lu: matches %d, expected %d", text, (unsigned long)slot, got,
                 want);
}

static void test_matches_token_attributes(void **state)
{
    CK_TOKEN_INFO info;

    (void)state;
    softhsm_info(&info, "my token");
    assert_matches("pkcs11:token=my%20token", 0, &info, 1);
    assert_matches("pkcs11:token=my", 0, &info, 0);
    assert_matches("pkcs11:token=my%20token%20", 0, &info, 1); /* padding is padding */
    assert_matches("pkcs11:token=My%20Token", 0, &info, 0);
    assert_matches("pkcs11:token=other", 0, &info, 0);
    assert_matches("pkcs11:manufacturer=SoftHSM%20project", 0, &info, 1);
    assert_matches("pkcs11:manufacturer=OpenSC", 0, &info, 0);
    assert_matches("pkcs11:model=SoftHSM%20v2", 0, &info, 1);
    assert_matches("pkcs11:model=SoftHSM", 0, &info, 0);
    assert_matches("pkcs11:serial=0b7a9e6c1f2d3e4f", 0, &info, 1);
    assert_matches("pkcs11:serial=0b7a9e6c1f2d3e40", 0, &info, 0);
    assert_matches("pkcs11:token=my%20token;manufacturer=SoftHSM%20project;model=SoftHSM%20v2;"
                   "serial=0b7a9e6c1f2d3e4f",
                   0, &info, 1);
    /* Every attribute must match, one wrong is enough. */
    assert_matches("pkcs11:token=my%20token;serial=1111111111111111", 0, &info, 0);
    /* Object attributes do not choose the token. */
    assert_matches("pkcs11:token=my%20token;object=web;type=private;id=%01", 0, &info, 1);
    assert_matches("pkcs11:object=web;type=cert", 0, &info, 1);
}

static void test_matches_slot_id(void **state)
{
    CK_TOKEN_INFO info;

    (void)state;
    softhsm_info(&info, "my token");
    assert_matches("pkcs11:slot-id=5", 5, &info, 1);
    assert_matches("pkcs11:slot-id=5", 6, &info, 0);
    assert_matches("pkcs11:slot-id=5", 0, &info, 0);
    assert_matches("pkcs11:slot-id=0", 0, &info, 1);
    assert_matches("pkcs11:slot-id=0", 5, &info, 0);
    assert_matches("pkcs11:slot-id=1234567;token=my%20token", 1234567, &info, 1);
    /* The right slot, the wrong token. */
    assert_matches("pkcs11:slot-id=5;token=other", 5, &info, 0);
}

/* Labels as the operator types them: percent-encoded UTF-8 and reserved
 * characters, and a label as wide as the field. */
static void test_matches_encoded_label(void **state)
{
    CK_TOKEN_INFO info;

    (void)state;
    softhsm_info(&info, "Caf\xc3\xa9 keys; 100%/a?b");
    assert_matches("pkcs11:token=Caf%C3%A9%20keys%3B%20100%25%2Fa%3Fb", 0, &info, 1);
    assert_matches("pkcs11:token=Caf%c3%a9%20keys%3b%20100%25%2fa%3fb", 0, &info, 1);
    assert_matches("pkcs11:token=Cafe%20keys%3B%20100%25%2Fa%3Fb", 0, &info, 0);

    softhsm_info(&info, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");
    assert_matches("pkcs11:token=ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", 0, &info, 1);
    assert_matches("pkcs11:token=ABCDEFGHIJKLMNOPQRSTUVWXYZ01234", 0, &info, 0);
}

static void assert_names_module(const char *text, const char *module, int want)
{
    P11KitUri *uri = parse_ok(text);
    int got = token_uri_names_module(uri, module);

    p11_kit_uri_free(uri);
    if (got != want)
        fail_msg("\"%s\" names \"%s\": %d, expected %d", text, module, got, want);
}

static void test_names_module(void **state)
{
    static const char so[] = "/usr/lib/softhsm/libsofthsm2.so";

    (void)state;
    assert_names_module("pkcs11:?module-path=/usr/lib/softhsm/libsofthsm2.so", so, 1);
    assert_names_module("pkcs11:?module-path=%2Fusr%2Flib%2Fsofthsm%2Flibsofthsm2.so", so, 1);
    assert_names_module("pkcs11:?module-path=/usr/lib/opensc-pkcs11.so", so, 0);
    assert_names_module("pkcs11:?module-path=/usr/lib/softhsm/libsofthsm2.so", "softhsm2", 0);
    assert_names_module("pkcs11:?module-name=softhsm2", "softhsm2", 1);
    assert_names_module("pkcs11:?module-name=softhsm2", "opensc", 0);
    assert_names_module("pkcs11:?module-name=softhsm2", so, 0);
    /* Both given: both must name it. */
    assert_names_module("pkcs11:?module-name=softhsm2&module-path=/usr/lib/softhsm/libsofthsm2.so",
                        so, 0);
    assert_names_module("pkcs11:?module-name=softhsm2&module-path=softhsm2", "softhsm2", 1);
    /* None given: any module. */
    assert_names_module("pkcs11:token=my%20token", so, 1);
    assert_names_module("pkcs11:token=my%20token?pin-source=file:/tmp/pin", "softhsm2", 1);
}

static void assert_info(const char *text, int module_info, int slot_info)
{
    P11KitUri *uri = parse_ok(text);
    int got_module = token_uri_has_module_info(uri), got_slot = token_uri_has_slot_info(uri);

    p11_kit_uri_free(uri);
    if (got_module != module_info || got_slot != slot_info)
        fail_msg("\"%s\": module info %d, slot info %d; expected %d, %d", text, got_module,
                 got_slot, module_info, slot_info);
}

static void test_has_module_and_slot_info(void **state)
{
    (void)state;
    assert_info("pkcs11:library-manufacturer=OpenSC%20Project", 1, 0);
    assert_info("pkcs11:library-description=SoftHSM", 1, 0);
    assert_info("pkcs11:library-version=2.6", 1, 0);
    assert_info("pkcs11:library-version=0", 1, 0);
    assert_info("pkcs11:slot-description=Virtual%20slot", 0, 1);
    assert_info("pkcs11:slot-manufacturer=Yubico", 0, 1);
    assert_info("pkcs11:library-manufacturer=OpenSC;slot-manufacturer=Yubico", 1, 1);
    /* A slot id, token and object attributes and the module options are
     * neither: they cost no call to match. */
    assert_info("pkcs11:slot-id=3", 0, 0);
    assert_info("pkcs11:token=t;manufacturer=m;model=x;serial=1;object=k;type=private", 0, 0);
    assert_info("pkcs11:?module-name=softhsm2&module-path=/lib/x.so", 0, 0);
}

/* The URI for messages: the pin-value left out, everything else kept, and
 * the URI itself unchanged. */
static void test_display_hides_pin_value(void **state)
{
    P11KitUri *uri;
    char *shown;

    (void)state;
    uri = parse_ok("pkcs11:token=my%20token;object=web?pin-value=s3cret-pin");
    shown = token_uri_display(uri, P11_KIT_URI_FOR_ANY);
    assert_non_null(shown);
    assert_string_equal(shown, "pkcs11:token=my%20token;object=web");
    free(shown);
    assert_string_equal(p11_kit_uri_get_pin_value(uri), "s3cret-pin");
    /* Twice: the value put back is the value. */
    shown = token_uri_display(uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN);
    assert_non_null(shown);
    assert_null(strstr(shown, "s3cret"));
    assert_null(strstr(shown, "pin-value"));
    assert_non_null(strstr(shown, "object=web"));
    free(shown);
    assert_string_equal(p11_kit_uri_get_pin_value(uri), "s3cret-pin");
    p11_kit_uri_free(uri);

    /* p11-kit takes a pin-value in the path too; it is no more shown. */
    uri = parse_ok("pkcs11:token=t;pin-value=s3cret-pin");
    shown = token_uri_display(uri, P11_KIT_URI_FOR_ANY);
    assert_string_equal(shown, "pkcs11:token=t");
    free(shown);
    assert_string_equal(p11_kit_uri_get_pin_value(uri), "s3cret-pin");
    p11_kit_uri_free(uri);

    /* A pin-source is where the PIN is, not the PIN: shown. */
    uri = parse_ok("pkcs11:token=t?pin-source=file:/run/pin&pin-value=s3cret-pin");
    shown = token_uri_display(uri, P11_KIT_URI_FOR_ANY);
    assert_string_equal(shown, "pkcs11:token=t?pin-source=file%3A%2Frun%2Fpin");
    free(shown);
    assert_string_equal(p11_kit_uri_get_pin_value(uri), "s3cret-pin");
    assert_string_equal(p11_kit_uri_get_pin_source(uri), "file:/run/pin");
    p11_kit_uri_free(uri);

    /* No pin-value: none appears, none is set afterwards. */
    uri = parse_ok("pkcs11:token=t;object=k");
    shown = token_uri_display(uri, P11_KIT_URI_FOR_ANY);
    assert_string_equal(shown, "pkcs11:token=t;object=k");
    free(shown);
    assert_null(p11_kit_uri_get_pin_value(uri));
    p11_kit_uri_free(uri);
}

static void test_info_names(void **state)
{
    static const char full[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    struct token_names names;
    CK_TOKEN_INFO info;

    (void)state;
    softhsm_info(&info, "my token");
    memset(&names, 'x', sizeof(names));
    token_info_names(&info, &names);
    assert_string_equal(names.label, "my token");
    assert_string_equal(names.manufacturer, "SoftHSM project");
    assert_string_equal(names.model, "SoftHSM v2");
    assert_string_equal(names.serial, "0b7a9e6c1f2d3e4f");

    /* NUL padding, and spaces and NULs mixed, are trimmed the same;
     * leading and inner spaces are kept. */
    memset(&info, 0, sizeof(info));
    fill(info.label, sizeof(info.label), "  two  words", '\0');
    fill(info.manufacturerID, sizeof(info.manufacturerID), "", ' ');
    memcpy(info.manufacturerID, "Vendor \0 \0", 10);
    fill(info.model, sizeof(info.model), "", ' ');
    fill(info.serialNumber, sizeof(info.serialNumber), "", '\0');
    token_info_names(&info, &names);
    assert_string_equal(names.label, "  two  words");
    assert_string_equal(names.manufacturer, "Vendor");
    assert_string_equal(names.model, "");
    assert_string_equal(names.serial, "");

    /* As wide as the field: kept whole, terminated. */
    memcpy(info.label, full, 32);
    memcpy(info.manufacturerID, full, 32);
    memcpy(info.model, full, 16);
    memcpy(info.serialNumber, full + 16, 16);
    token_info_names(&info, &names);
    assert_string_equal(names.label, full);
    assert_int_equal(strlen(names.label), 32);
    assert_string_equal(names.manufacturer, full);
    assert_string_equal(names.model, "ABCDEFGHIJKLMNOP");
    assert_string_equal(names.serial, "QRSTUVWXYZ012345");
    /* A trailing space inside the width goes, the rest stays. */
    info.label[31] = ' ';
    token_info_names(&info, &names);
    assert_string_equal(names.label, "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234");
}

static void test_flags_words(void **state)
{
    char buf[256];
    const char *names[16];

    (void)state;
    assert_string_equal(
        token_flags_words(CKF_TOKEN_INITIALIZED | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED,
                          buf, sizeof(buf)),
        "login required, user PIN set, initialized");
    assert_string_equal(token_flags_words(0, buf, sizeof(buf)), "not initialized");
    assert_string_equal(token_flags_words(CKF_TOKEN_INITIALIZED | CKF_USER_PIN_LOCKED |
                                              CKF_PROTECTED_AUTHENTICATION_PATH,
                                          buf, sizeof(buf)),
                        "PIN pad, user PIN locked, initialized");
    assert_int_equal(token_flag_names(CKF_LOGIN_REQUIRED, names, 16), 2);
    assert_string_equal(names[0], "login required");
    assert_string_equal(names[1], "not initialized");
    assert_int_equal(token_flag_names(CKF_LOGIN_REQUIRED, names, 1), 1);
    /* A buffer too small for every word keeps whole words only. */
    assert_string_equal(token_flags_words(CKF_TOKEN_INITIALIZED | CKF_LOGIN_REQUIRED, buf, 20),
                        "login required");
}

static int setup(void **state)
{
    (void)state;
    msg_setup(NULL, MSG_NORMAL);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_parse_not_pkcs11),
        cmocka_unit_test(test_parse_unknown_attribute),
        cmocka_unit_test(test_parse_empty),
        cmocka_unit_test(test_matches_token_attributes),
        cmocka_unit_test(test_matches_slot_id),
        cmocka_unit_test(test_matches_encoded_label),
        cmocka_unit_test(test_names_module),
        cmocka_unit_test(test_has_module_and_slot_info),
        cmocka_unit_test(test_display_hides_pin_value),
        cmocka_unit_test(test_info_names),
        cmocka_unit_test(test_flags_words),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
