/* Key-pair generation with a minimal, explicit template (ARCHITECTURE.md):
 * token objects, private and sensitive, never extractable, for signing and
 * verifying only. Real HSMs refuse all-usages-true templates. What the token
 * made is read back and checked; a pair that fails the check is destroyed. */
#include "token/token.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/msg.h"

static CK_MECHANISM_TYPE keygen_mechanism(CK_KEY_TYPE type)
{
    switch (type) {
    case CKK_RSA:
        return CKM_RSA_PKCS_KEY_PAIR_GEN;
    case CKK_EC:
        return CKM_EC_KEY_PAIR_GEN;
    default:
        return CKM_EC_EDWARDS_KEY_PAIR_GEN;
    }
}

/* The private half must be what we asked for, whatever the token's defaults. */
static int check_private_half(struct token_ctx *ctx, const struct token_key *key)
{
    CK_BBOOL never_extractable = CK_FALSE;
    CK_ATTRIBUTE attr = {CKA_NEVER_EXTRACTABLE, &never_extractable, sizeof(never_extractable)};

    if (token_check_key_policy(ctx, key) < 0 || token_get_attributes(ctx, key->priv, &attr, 1) < 0)
        return -1;
    /* Generated on the token, the key was never anything else. */
    if (attr.ulValueLen != CK_UNAVAILABLE_INFORMATION && !never_extractable)
        warnf("the token reports CKA_NEVER_EXTRACTABLE false for a key generated on it");
    return 0;
}

/* The public value, as token_find_key would read it. */
static int read_public_half(struct token_ctx *ctx, struct token_key *key)
{
    struct token_pubkey *pk = &key->pubkey;
    CK_ATTRIBUTE attrs[] = {
        {CKA_MODULUS, pk->modulus, sizeof(pk->modulus)},
        {CKA_PUBLIC_EXPONENT, pk->exponent, sizeof(pk->exponent)},
        {CKA_EC_PARAMS, pk->ec_params, sizeof(pk->ec_params)},
        {CKA_EC_POINT, pk->ec_point, sizeof(pk->ec_point)},
    };
    int rsa = pk->type == CKK_RSA;
    CK_ATTRIBUTE *want = rsa ? attrs : attrs + 2;

    if (token_get_attributes(ctx, key->pub, want, 2) < 0)
        return -1;
    if (want[0].ulValueLen == CK_UNAVAILABLE_INFORMATION ||
        want[1].ulValueLen == CK_UNAVAILABLE_INFORMATION) {
        errorf("the token did not return the new public key's value");
        return -1;
    }
    if (rsa) {
        pk->modulus_len = attrs[0].ulValueLen;
        pk->exponent_len = attrs[1].ulValueLen;
    } else {
        pk->ec_params_len = attrs[2].ulValueLen;
        pk->ec_point_len = attrs[3].ulValueLen;
    }
    return 0;
}

int token_generate_key_pair(struct token_ctx *ctx, const struct token_keygen *spec,
                            struct token_key *key)
{
    static const unsigned char f4[] = {0x01, 0x00, 0x01};
    CK_MECHANISM mech = {keygen_mechanism(spec->type), NULL, 0};
    CK_ULONG label_len = strlen(spec->label);
    CK_ATTRIBUTE pub[TOKEN_KEY_POLICY_SIZE + 6], priv[TOKEN_KEY_POLICY_SIZE + 4];
    CK_ULONG n_pub = 0, n_priv = 0;
    CK_RV rv;
    int ret = -1;

    memset(key, 0, sizeof(*key));
    key->priv = key->pub = CK_INVALID_HANDLE;
    key->pubkey.type = spec->type;

    token_key_policy(priv, &n_priv, pub, &n_pub, spec->public_usage);
    pub[n_pub++] = (CK_ATTRIBUTE){CKA_LABEL, (void *)spec->label, label_len};
    priv[n_priv++] = (CK_ATTRIBUTE){CKA_LABEL, (void *)spec->label, label_len};
    if (spec->id) {
        pub[n_pub++] = (CK_ATTRIBUTE){CKA_ID, (void *)spec->id, spec->id_len};
        priv[n_priv++] = (CK_ATTRIBUTE){CKA_ID, (void *)spec->id, spec->id_len};
    }
    if (spec->type == CKK_RSA) {
        pub[n_pub++] = (CK_ATTRIBUTE){CKA_MODULUS_BITS, (void *)&spec->bits, sizeof(spec->bits)};
        pub[n_pub++] = (CK_ATTRIBUTE){CKA_PUBLIC_EXPONENT, (void *)f4, sizeof(f4)};
    } else {
        pub[n_pub++] = (CK_ATTRIBUTE){CKA_EC_PARAMS, (void *)spec->ec_params, spec->ec_params_len};
    }

    rv = ctx->slot.module->fn->C_GenerateKeyPair(ctx->session, &mech, pub, n_pub, priv, n_priv,
                                                 &key->pub, &key->priv);
    if (rv != CKR_OK) {
        key->pub = key->priv = CK_INVALID_HANDLE;
        errorf("key generation failed: C_GenerateKeyPair: %s", token_rv_name(rv));
        goto cleanup;
    }
    if (check_private_half(ctx, key) < 0 || read_public_half(ctx, key) < 0)
        goto cleanup;
    snprintf(key->label, sizeof(key->label), "%s", spec->label);
    if (spec->id) {
        memcpy(key->id, spec->id, spec->id_len);
        key->id_len = spec->id_len;
    }
    ret = 0;
cleanup:
    if (ret != 0)
        token_destroy_key(ctx, key, spec->relogin_to_remove);
    return ret;
}

int token_set_key_id(struct token_ctx *ctx, struct token_key *key, const unsigned char *id,
                     CK_ULONG id_len)
{
    CK_ATTRIBUTE attr = {CKA_ID, (void *)id, id_len};
    CK_OBJECT_HANDLE halves[2] = {key->pub, key->priv};

    for (int i = 0; i < 2; i++) {
        CK_RV rv = ctx->slot.module->fn->C_SetAttributeValue(ctx->session, halves[i], &attr, 1);

        if (rv != CKR_OK) {
            errorf("cannot set the key's id: C_SetAttributeValue: %s", token_rv_name(rv));
            hintf("give --id HEX so that the id is set at generation");
            return -1;
        }
    }
    memcpy(key->id, id, id_len);
    key->id_len = id_len;
    return 0;
}

/* After a new login the handles of private objects may be new (SoftHSM
 * renumbers them): the pair is found again by its public value. */
static void find_again(struct token_ctx *ctx, struct token_key *key)
{
    struct token_key again;
    int found = 0;

    if (!token_key_has_public_value(key) ||
        token_find_key_by_public(ctx, &key->pubkey, &again, &found) < 0 || !found)
        return;
    if (again.priv != CK_INVALID_HANDLE)
        key->priv = again.priv;
    if (again.pub != CK_INVALID_HANDLE)
        key->pub = again.pub;
}

void token_destroy_key(struct token_ctx *ctx, const struct token_key *key, int relogin)
{
    struct token_key k = *key;

    if (relogin && (k.pub != CK_INVALID_HANDLE || k.priv != CK_INVALID_HANDLE)) {
        if (token_relogin(ctx) < 0)
            warnf("the key pair is removed without a new login: the token may keep it loaded");
        else
            find_again(ctx, &k);
    }
    if (k.pub != CK_INVALID_HANDLE)
        ctx->slot.module->fn->C_DestroyObject(ctx->session, k.pub);
    if (k.priv != CK_INVALID_HANDLE)
        ctx->slot.module->fn->C_DestroyObject(ctx->session, k.priv);
}

/* ---- two keygens for one label at once ------------------------------------
 *
 * Checking that a label is unused and then generating is not atomic: two
 * processes may both pass the check. So each one re-checks after creating,
 * and the same rule, evaluated by every process, picks the one pair that
 * keeps the label. A pair is "pending" while its CKA_ID is empty (generated
 * without one, not yet decided) and "committed" once the id is set. Pairs are
 * ordered by their public value (length, then bytes), which never changes.
 *
 *  - pending check (before setting the id): lose if another pair is
 *    committed, or if another pending pair is smaller;
 *  - committed check (after setting it): lose if another committed pair is
 *    smaller; wait while a smaller pair is pending, until it is committed
 *    (then lose) or removed.
 *
 * The smallest committed pair never loses its committed check and the
 * smallest pair overall is never beaten while pending, so one pair stays;
 * a pair committed after another one passed its committed check has seen
 * that one at its pending check (or at the check before generating), so no
 * second one stays. Only pending pairs are waited for, and they never wait. */

#define CONTEST_MAX       64
#define CONTEST_POLL_MS   50
#define CONTEST_WAIT_POLL 600 /* 30 s: a pending pair older than that is stuck */

struct contender {
    CK_OBJECT_HANDLE pub;
    unsigned char value[1024];
    CK_ULONG value_len;
    int committed;
};

static int read_contender(struct token_ctx *ctx, CK_OBJECT_HANDLE pub, struct contender *c)
{
    unsigned char id[TOKEN_ID_MAX], point[256];
    CK_ATTRIBUTE attrs[] = {
        {CKA_ID, id, sizeof(id)},
        {CKA_MODULUS, c->value, sizeof(c->value)},
        {CKA_EC_POINT, point, sizeof(point)},
    };

    c->pub = pub;
    if (token_get_attributes(ctx, pub, attrs, 3) < 0)
        return -1;
    c->committed = attrs[0].ulValueLen != CK_UNAVAILABLE_INFORMATION && attrs[0].ulValueLen > 0;
    if (attrs[1].ulValueLen != CK_UNAVAILABLE_INFORMATION) {
        c->value_len = attrs[1].ulValueLen;
    } else if (attrs[2].ulValueLen != CK_UNAVAILABLE_INFORMATION) {
        memcpy(c->value, point, attrs[2].ulValueLen);
        c->value_len = attrs[2].ulValueLen;
    } else {
        c->value_len = 0; /* unreadable: orders first, and is never ours */
    }
    return 0;
}

static int contender_cmp(const struct contender *a, const struct contender *b)
{
    if (a->value_len != b->value_len)
        return a->value_len < b->value_len ? -1 : 1;
    return memcmp(a->value, b->value, a->value_len);
}

int token_keygen_contest(struct token_ctx *ctx, const struct token_key *key, int committed,
                         int *lost)
{
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_LABEL, (void *)key->label, strlen(key->label)},
    };
    CK_OBJECT_HANDLE found[CONTEST_MAX];
    CK_ULONG n_found;
    struct contender mine, other;

    *lost = 0;
    if (key->pub == CK_INVALID_HANDLE)
        return 0; /* a token that keeps no public object: nothing to compare */
    if (read_contender(ctx, key->pub, &mine) < 0)
        return -1;
    for (int poll = 0;; poll++) {
        int waiting = 0;

        if (token_find_objects(ctx, tmpl, 2, found, CONTEST_MAX, &n_found) < 0)
            return -1;
        debugf("%s check: %lu public key(s) labelled \"%s\"", committed ? "committed" : "pending",
               (unsigned long)n_found, key->label);
        for (CK_ULONG i = 0; i < n_found; i++) {
            int smaller;

            if (found[i] == key->pub)
                continue;
            if (read_contender(ctx, found[i], &other) < 0)
                return -1;
            smaller = contender_cmp(&other, &mine) < 0;
            if ((!committed && (other.committed || smaller)) ||
                (committed && other.committed && smaller)) {
                *lost = 1;
                return 0;
            }
            if (committed && !other.committed && smaller)
                waiting = 1;
        }
        if (!waiting)
            return 0;
        if (poll == CONTEST_WAIT_POLL) {
            errorf("another key pair labelled \"%s\" is being made and does not finish",
                   key->label);
            return -1;
        }
        nanosleep(&(struct timespec){0, CONTEST_POLL_MS * 1000000L}, NULL);
    }
}
