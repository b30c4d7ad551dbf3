/* Unit tests of token profiles: the "key = value" parser (every key, every
 * bad value, comments and '#' inside values), matching a token by its
 * manufacturer, model and module, and keygen's id rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/msg.h"
#include "token/profile.h"

static int parse(const char *text, struct token_profile *p, char *why, size_t why_len)
{
    token_profile_defaults(p, "test");
    return token_profile_parse(text, strlen(text), p, why, why_len);
}

static void test_defaults(void **state)
{
    struct token_profile p;
    char why[256] = "";

    (void)state;
    assert_int_equal(parse("", &p, why, sizeof(why)), 0);
    assert_string_equal(p.name, "test");
    assert_string_equal(p.default_key_type, "rsa:2048");
    assert_int_equal(p.cert_template, PROFILE_CERT_MINIMAL);
    assert_int_equal(p.label_max, 0);
    assert_int_equal(p.set_id_after_generation, 1);
    assert_int_equal(p.id_convention, PROFILE_ID_SHA1);
    assert_int_equal(p.public_key_usage, 1);
    assert_int_equal(p.sign_rsa, PROFILE_SIGN_RAW);
    assert_int_equal(p.sign_ec, PROFILE_SIGN_RAW);
    assert_int_equal(p.relogin_to_remove, 0);
    assert_int_equal(p.n_hints, 0);
    assert_null(token_profile_hint(&p, CKR_PIN_LOCKED));
}

static void test_every_key(void **state)
{
    struct token_profile p;
    char why[256] = "";
    const char *text = "# a comment\n"
                       "   # an indented comment\n"
                       "\n"
                       "description = a card, PKCS#15\n"
                       "match_manufacturer = Yubico*, Acme Corp\n"
                       "match_model=PKCS#15*\n"
                       "match_module = *ykcs11*\n"
                       "module = /usr/lib/libykcs11.so.2 , ykcs11\r\n"
                       "default_key_type = ec:p256\n"
                       "cert_template = full\n"
                       "label_max = 32\n"
                       "set_id_after_generation = no\n"
                       "id_convention = piv\n"
                       "worker_env = ACME_CONF, ACME_DEBUG\n"
                       "worker_access = softhsm-tokendir\n"
                       "public_key_usage = omit\n"
                       "sign_rsa = hashed\n"
                       "sign_ec = hashed\n"
                       "relogin_to_remove = yes\n"
                       "hint_CKR_PIN_LOCKED = the TPM: wait, or clear it: # not a comment\n"
                       "hint_CKR_FUNCTION_FAILED = is pkcsslotd running?";

    (void)state;
    assert_int_equal(parse(text, &p, why, sizeof(why)), 0);
    assert_string_equal(p.description, "a card, PKCS#15");
    assert_int_equal(p.match_manufacturer.count, 2);
    assert_string_equal(p.match_manufacturer.items[1], "Acme Corp");
    assert_string_equal(p.match_model.items[0], "PKCS#15*");
    assert_int_equal(p.module.count, 2);
    assert_string_equal(p.module.items[0], "/usr/lib/libykcs11.so.2");
    assert_string_equal(p.module.items[1], "ykcs11");
    assert_string_equal(p.default_key_type, "ec:p256");
    assert_int_equal(p.cert_template, PROFILE_CERT_FULL);
    assert_int_equal(p.label_max, 32);
    assert_int_equal(p.set_id_after_generation, 0);
    assert_int_equal(p.id_convention, PROFILE_ID_PIV);
    assert_int_equal(p.worker_env.count, 2);
    assert_string_equal(p.worker_env.items[1], "ACME_DEBUG");
    assert_int_equal(p.worker_access, PROFILE_ACCESS_SOFTHSM);
    assert_int_equal(p.public_key_usage, 0);
    assert_int_equal(p.sign_rsa, PROFILE_SIGN_HASHED);
    assert_int_equal(p.sign_ec, PROFILE_SIGN_HASHED);
    assert_int_equal(p.relogin_to_remove, 1);
    assert_int_equal(p.n_hints, 2);
    assert_string_equal(token_profile_hint(&p, CKR_PIN_LOCKED),
                        "the TPM: wait, or clear it: # not a comment");
    assert_string_equal(token_profile_hint(&p, CKR_FUNCTION_FAILED), "is pkcsslotd running?");
    assert_null(token_profile_hint(&p, CKR_PIN_INCORRECT));
}

/* Each switch's other value, on its own over the defaults. */
static void test_switch_values(void **state)
{
    struct token_profile p;
    char why[256] = "";

    (void)state;
    assert_int_equal(parse("public_key_usage = set\nsign_rsa = raw\nsign_ec = raw\n"
                           "relogin_to_remove = no\n",
                           &p, why, sizeof(why)),
                     0);
    assert_int_equal(p.public_key_usage, 1);
    assert_int_equal(p.sign_rsa, PROFILE_SIGN_RAW);
    assert_int_equal(p.sign_ec, PROFILE_SIGN_RAW);
    assert_int_equal(p.relogin_to_remove, 0);
    assert_int_equal(parse("sign_ec = hashed\n", &p, why, sizeof(why)), 0);
    assert_int_equal(p.sign_rsa, PROFILE_SIGN_RAW);
    assert_int_equal(p.sign_ec, PROFILE_SIGN_HASHED);
}

static void test_bad_lines(void **state)
{
    static const struct {
        const char *text, *why;
    } cases[] = {
        {"label_max = 8\nlable_max = 8\n", "line 2: unknown key \"lable_max\""},
        {"just words\n", "line 1: expected \"key = value\""},
        {"label_max = -1\n", "line 1: label_max wants a number"},
        {"label_max = 256\n", "line 1: label_max wants a number"},
        {"label_max = 8x\n", "line 1: label_max wants a number"},
        {"label_max =\n", "line 1: label_max wants a number"},
        {"cert_template = huge\n", "line 1: \"huge\" is neither minimal nor full"},
        {"set_id_after_generation = maybe\n", "line 1: \"maybe\" is neither no nor yes"},
        {"id_convention = uuid\n", "line 1: \"uuid\" is neither sha1 nor piv"},
        {"worker_access = root\n", "line 1: \"root\" is neither module nor softhsm-tokendir"},
        {"worker_env =\n", "line 1: an empty list"},
        {"default_key_type = rsa 2048\n", "line 1: default_key_type wants a key type"},
        {"match_model = , ,\n", "line 1: an empty list"},
        {"module = a,b,c,d,e,f,g\n", "line 1: more than 6 items"},
        {"public_key_usage = none\n", "line 1: \"none\" is neither omit nor set"},
        {"sign_rsa = digest\n", "line 1: \"digest\" is neither raw nor hashed"},
        {"sign_ec =\n", "line 1: \"\" is neither raw nor hashed"},
        {"relogin_to_remove = 1\n", "line 1: \"1\" is neither no nor yes"},
        {"hint_CKR_NO_SUCH = text\n", "line 1: unknown key \"hint_CKR_NO_SUCH\""},
        {"hint_ = text\n", "line 1: unknown key \"hint_\""},
        {"hint_CKR_PIN_LOCKED =\n", "line 1: hint_CKR_PIN_LOCKED wants a text"},
        {"hint_CKR_PIN_LOCKED = a\nhint_CKR_PIN_LOCKED = b\n",
         "line 2: hint_CKR_PIN_LOCKED is given twice"},
        {"hint_CKR_OK = a\nhint_CKR_CANCEL = b\nhint_CKR_HOST_MEMORY = c\n"
         "hint_CKR_GENERAL_ERROR = d\nhint_CKR_PIN_LOCKED = e\n",
         "line 5: more than 4 hints"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct token_profile p;
        char why[256] = "";

        assert_int_equal(parse(cases[i].text, &p, why, sizeof(why)), -1);
        if (strncmp(why, cases[i].why, strlen(cases[i].why)) != 0)
            fail_msg("\"%s\": got \"%s\", want \"%s...\"", cases[i].text, why, cases[i].why);
    }
}

static void test_nul_is_not_text(void **state)
{
    struct token_profile p;
    char why[256] = "";
    const char text[] = "label_max = 8\nlabel\0max = 9\n";

    (void)state;
    token_profile_defaults(&p, "test");
    assert_int_equal(token_profile_parse(text, sizeof(text) - 1, &p, why, sizeof(why)), -1);
    assert_string_equal(why, "line 2: too long, or not text");
}

static void padded(unsigned char *field, size_t width, const char *text)
{
    memset(field, ' ', width);
    memcpy(field, text, strlen(text));
}

static void test_matching(void **state)
{
    struct token_profile softhsm, client, generic;
    CK_TOKEN_INFO info;
    char why[256] = "";

    (void)state;
    memset(&info, 0, sizeof(info));
    padded(info.manufacturerID, sizeof(info.manufacturerID), "SoftHSM project");
    padded(info.model, sizeof(info.model), "SoftHSM v2");
    assert_int_equal(parse("match_manufacturer = SoftHSM*\nmatch_model = SoftHSM*\n", &softhsm, why,
                           sizeof(why)),
                     0);
    assert_int_equal(parse("match_module = *p11-kit-client*\n", &client, why, sizeof(why)), 0);
    assert_int_equal(parse("", &generic, why, sizeof(why)), 0);
    assert_int_equal(token_profile_matches(&softhsm, &info, "/usr/lib/softhsm/libsofthsm2.so"), 1);
    assert_int_equal(token_profile_matches(&softhsm, &info, "softhsm2"), 1);
    /* Through the client the token is the same; the module match is stronger. */
    assert_int_equal(
        token_profile_matches(&client, &info, "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so"),
        2);
    assert_int_equal(token_profile_matches(&client, &info, "softhsm2"), 0);
    /* A profile without match_* matches nothing by itself (generic is the fallback). */
    assert_int_equal(token_profile_matches(&generic, &info, "softhsm2"), 0);
    /* Every match_* given must match: the manufacturer alone is not enough. */
    padded(info.model, sizeof(info.model), "Other");
    assert_int_equal(token_profile_matches(&softhsm, &info, "softhsm2"), 0);
    /* A module that failed to initialize has no token info: only a module match counts. */
    assert_int_equal(token_profile_matches(&softhsm, NULL, "softhsm2"), 0);
    assert_int_equal(token_profile_matches(&client, NULL, "/usr/lib/p11-kit-client.so"), 2);
}

static void test_keygen_ids(void **state)
{
    struct token_profile p;
    unsigned char id[TOKEN_ID_MAX] = {0x02};
    CK_ULONG id_len = 1;
    char why[256] = "";
    int random = -1;

    (void)state;
    /* Defaults: nothing to do, the id is set after generation. */
    assert_int_equal(parse("", &p, why, sizeof(why)), 0);
    id_len = 0;
    assert_int_equal(token_profile_keygen_id(&p, "web", id, &id_len, &random), 0);
    assert_int_equal(id_len, 0);
    assert_int_equal(random, 0);
    /* set_id_after_generation = no: a random 20-byte id, different each time. */
    assert_int_equal(parse("set_id_after_generation = no", &p, why, sizeof(why)), 0);
    assert_int_equal(token_profile_keygen_id(&p, "web", id, &id_len, &random), 0);
    assert_int_equal(id_len, 20);
    assert_int_equal(random, 1);
    {
        unsigned char first[20], again[TOKEN_ID_MAX];
        CK_ULONG again_len = 0;

        memcpy(first, id, 20);
        assert_int_equal(token_profile_keygen_id(&p, "web", again, &again_len, &random), 0);
        assert_memory_not_equal(first, again, 20);
    }
    /* ... but a given id is kept. */
    id[0] = 0x0a;
    id_len = 1;
    assert_int_equal(token_profile_keygen_id(&p, "web", id, &id_len, &random), 0);
    assert_int_equal(id_len, 1);
    assert_int_equal(random, 0);
    /* label_max. */
    assert_int_equal(parse("label_max = 3", &p, why, sizeof(why)), 0);
    assert_int_equal(token_profile_keygen_id(&p, "web", id, &id_len, &random), 0);
    assert_int_equal(token_profile_keygen_id(&p, "webs", id, &id_len, &random), -1);
    /* piv: 01 to 18 only. */
    assert_int_equal(parse("id_convention = piv", &p, why, sizeof(why)), 0);
    id_len = 0;
    assert_int_equal(token_profile_keygen_id(&p, "web", id, &id_len, &random), -1);
    id[0] = 0x18;
    id_len = 1;
    assert_int_equal(token_profile_keygen_id(&p, "web", id, &id_len, &random), 0);
    id[0] = 0x9a;
    assert_int_equal(token_profile_keygen_id(&p, "web", id, &id_len, &random), -1);
    id[0] = 0x01;
    id[1] = 0x01;
    id_len = 2;
    assert_int_equal(token_profile_keygen_id(&p, "web", id, &id_len, &random), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_switch_values),   cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_nul_is_not_text), cmocka_unit_test(test_matching),
        cmocka_unit_test(test_keygen_ids),
    };

    msg_setup("test", MSG_QUIET);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
