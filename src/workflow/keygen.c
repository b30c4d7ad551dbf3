/* keygen's steps, in order: what the token profile says (default type,
 * label limit, how ids are set), the mechanism, the label and id unused,
 * then the pair, its id, and the label contest. */
#include "workflow/keygen.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/obj_mac.h>

#include "signer/pubkey.h"
#include "token/profile.h"
#include "util/msg.h"
#include "x509/x509.h"

static const struct keygen_type key_types[] = {
    {"rsa:2048", CKK_RSA, 2048, NID_undef, CKM_RSA_PKCS_KEY_PAIR_GEN},
    {"rsa:3072", CKK_RSA, 3072, NID_undef, CKM_RSA_PKCS_KEY_PAIR_GEN},
    {"rsa:4096", CKK_RSA, 4096, NID_undef, CKM_RSA_PKCS_KEY_PAIR_GEN},
    {"ec:p256", CKK_EC, 0, NID_X9_62_prime256v1, CKM_EC_KEY_PAIR_GEN},
    {"ec:p384", CKK_EC, 0, NID_secp384r1, CKM_EC_KEY_PAIR_GEN},
    {"ec:p521", CKK_EC, 0, NID_secp521r1, CKM_EC_KEY_PAIR_GEN},
    {"ed25519", CKK_EC_EDWARDS, 0, NID_ED25519, CKM_EC_EDWARDS_KEY_PAIR_GEN},
    {NULL, 0, 0, 0, 0},
};

const struct keygen_type *keygen_type_by_name(const char *name)
{
    for (const struct keygen_type *t = key_types; t->name; t++) {
        if (strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

int keygen_type_too_weak(const char *name)
{
    return strncmp(name, "rsa:", 4) == 0 && atoi(name + 4) > 0 && atoi(name + 4) < 2048;
}

const char *keygen_type_choices(void)
{
    return "rsa:2048, rsa:3072, rsa:4096, ec:p256, ec:p384, ec:p521 or ed25519";
}

/* keygen's type when --type is not given: the token profile's. */
static const struct keygen_type *profile_key_type(const struct token_profile *profile)
{
    const struct keygen_type *t = keygen_type_by_name(profile->default_key_type);

    if (!t)
        errorf("token profile %s: default_key_type \"%s\" is not a type keygen makes",
               profile->name, profile->default_key_type);
    return t;
}

/* What the request becomes on this token: its type, its id (a random one
 * for a token that cannot set it later), the curve. Reported failures. */
static int plan(struct token_ctx *ctx, const struct token_config *config,
                const struct keygen_request *req, struct token_keygen *gen,
                const struct keygen_type **type, unsigned char id[TOKEN_ID_MAX],
                unsigned char params[32], const char **id_text)
{
    struct token_profile profile;
    CK_ULONG id_len = req->id_len;
    int random_id = 0, len;

    if (req->id_len)
        memcpy(id, req->id, req->id_len);
    if (token_profile_for_slot(config, &ctx->slot, &profile) < 0 ||
        (!(*type = req->type) && !(*type = profile_key_type(&profile))) ||
        token_profile_keygen_id(&profile, req->label, id, &id_len, &random_id) < 0)
        return -1;
    if (random_id) {
        *id_text = "(random)";
        notef("this token cannot set a key's id after generation (profile %s): the id is set at "
              "generation, and random",
              profile.name);
    }
    memset(gen, 0, sizeof(*gen));
    gen->type = (*type)->type;
    gen->bits = (*type)->bits;
    gen->label = req->label;
    gen->id = id_len ? id : NULL;
    gen->id_len = id_len;
    gen->public_usage = profile.public_key_usage;
    gen->relogin_to_remove = profile.relogin_to_remove;
    if ((*type)->nid != NID_undef) {
        if ((len = x509_curve_params((*type)->nid, params, 32)) < 0) {
            errorf("cannot encode the curve of %s: %s", (*type)->name, msg_openssl_reason());
            return -1;
        }
        gen->ec_params = params;
        gen->ec_params_len = (CK_ULONG)len;
    }
    return 0;
}

/* The pair just made keeps its label, and without --id gets the SHA-1 of
 * its public value as id: a pair stays "pending" (no CKA_ID) until it has
 * won the label against any other keygen running at the same time. */
static int settle(struct token_ctx *ctx, struct keygen_result *out, int had_id)
{
    unsigned char derived[20];

    if (!had_id && !interrupt_pending()) {
        if (token_keygen_contest(ctx, &out->key, 0, &out->lost) < 0 || out->lost)
            return -1;
        if (signer_pubkey_id(&out->key.pubkey, derived) < 0 ||
            token_set_key_id(ctx, &out->key, derived, sizeof(derived)) < 0)
            return -1;
    }
    if (interrupt_pending() || token_keygen_contest(ctx, &out->key, 1, &out->lost) < 0 ||
        out->lost || interrupt_pending())
        return -1;
    return 0;
}

/* The key size the token's mechanism info speaks of: RSA modulus bits, EC
 * field bits; 0 for Ed25519, whose size tokens report in no agreed unit. */
static CK_ULONG type_key_size(const struct keygen_type *t)
{
    switch (t->nid) {
    case NID_undef:
        return t->bits;
    case NID_X9_62_prime256v1:
        return 256;
    case NID_secp384r1:
        return 384;
    case NID_secp521r1:
        return 521;
    default:
        return 0;
    }
}

/* Whether the token makes keys of this type: its mechanism list, then the
 * key sizes its mechanism info gives (a TPM refuses RSA 4096 only with
 * CKR_ATTRIBUTE_VALUE_INVALID at generation). Reports a refusal. */
static int token_makes(struct token_ctx *ctx, const struct keygen_type *t)
{
    CK_ULONG size = type_key_size(t), min, max;

    if (!token_has_mechanism(ctx, t->mechanism)) {
        errorf("%s keys are not supported by this token (its mechanism list lacks the key "
               "generation mechanism)",
               t->name);
        return 0;
    }
    if (size && token_mechanism_key_sizes(ctx, t->mechanism, &min, &max) &&
        (size < min || size > max)) {
        errorf("%s keys are not supported by this token (its key generation mechanism takes "
               "%lu to %lu bits)",
               t->name, (unsigned long)min, (unsigned long)max);
        return 0;
    }
    return 1;
}

/* A pair whose public half OpenSSL cannot decode is of no use to any later
 * command (tpm2-pkcs11 makes P-521 keys with a mis-encoded EC point): the
 * caller removes it. */
static int public_half_usable(const struct token_key *key, const struct keygen_type *t)
{
    EVP_PKEY *pkey = signer_pubkey_from_token(&key->pubkey);

    if (!pkey) {
        hintf("the token made a %s key whose public half cannot be decoded: the pair was "
              "removed; choose another --type",
              t->name);
        return 0;
    }
    EVP_PKEY_free(pkey);
    return 1;
}

int keygen_generate(struct token_ctx *ctx, const struct token_config *config,
                    const struct keygen_request *req, struct keygen_result *out)
{
    struct token_keygen gen;
    unsigned char id[TOKEN_ID_MAX], params[32];
    const char *id_text = req->id_text;

    memset(out, 0, sizeof(*out));
    if (plan(ctx, config, req, &gen, &out->type, id, params, &id_text) < 0)
        return EXIT_FAIL;
    out->relogin_to_remove = gen.relogin_to_remove;
    if (!token_makes(ctx, out->type))
        return EXIT_FAIL;
    if (token_require_unused(ctx, CKA_LABEL, req->label, strlen(req->label), "label", req->label,
                             "choose another --label") < 0 ||
        (gen.id && token_require_unused(ctx, CKA_ID, gen.id, gen.id_len, "id", id_text,
                                        "choose another --id, or leave it out") < 0))
        return EXIT_FAIL;
    /* From here until the URI is handed over, a signal means: remove it. */
    interrupt_catch(&out->guard);
    if (interrupt_pending() || token_generate_key_pair(ctx, &gen, &out->key) < 0)
        return EXIT_FAIL;
    out->made = 1;
    if (!public_half_usable(&out->key, out->type) || settle(ctx, out, gen.id != NULL) < 0)
        return EXIT_FAIL;
    if (gen.type == CKK_EC_EDWARDS)
        warnf("servers that load token keys through OpenSSL's libp11 engine (nginx, Apache, "
              "stunnel; libp11 0.4.12) find no key at all on a token that holds an Ed25519 key: "
              "keep it on a token of its own");
    return EXIT_OK;
}

int keygen_finish(struct token_ctx *ctx, struct keygen_result *out, int status)
{
    int sig = interrupt_pending();

    /* A URI printed is a pair handed over: a signal after that leaves it. */
    if (status != EXIT_OK && out->made)
        token_destroy_key(ctx, &out->key, out->relogin_to_remove);
    if (out->lost) {
        errorf("another keygen made a key pair labelled \"%s\" on this token at the same time; "
               "that one keeps the label and this one was removed",
               out->key.label);
        hintf("use the other key ('p11cert list' shows it), or choose another label");
    }
    if (sig && status != EXIT_OK)
        errorf("interrupted by signal %d: %s", sig,
               out->made ? "the key pair was removed from the token" : "no key pair was made");
    interrupt_restore(&out->guard);
    return status;
}
