/* The one key policy of p11cert, for keys it generates and keys it imports:
 * token objects, the private half private, sensitive and never extractable,
 * signing and verifying only. Every other usage is switched off explicitly,
 * since tokens default them on (SoftHSM turns on decrypt, unwrap, encrypt
 * and wrap), and all-usages-true templates are what real HSMs refuse. The
 * same table sets the templates and checks what the token made. */
#include "token/token.h"

#include <stdio.h>

#include "util/msg.h"

struct policy {
    CK_ATTRIBUTE_TYPE type;
    const CK_BBOOL *value;
    int required;     /* the token must report it; a usage it lacks is simply off */
    const char *name; /* for messages */
};

static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static const struct policy private_policy[TOKEN_KEY_POLICY_SIZE] = {
    {CKA_TOKEN, &yes, 1, "token"},         {CKA_PRIVATE, &yes, 1, "private"},
    {CKA_SENSITIVE, &yes, 1, "sensitive"}, {CKA_EXTRACTABLE, &no, 1, "extractable"},
    {CKA_SIGN, &yes, 1, "sign"},           {CKA_DECRYPT, &no, 0, "decrypt"},
    {CKA_UNWRAP, &no, 0, "unwrap"},        {CKA_DERIVE, &no, 0, "derive"},
};

/* The first PUBLIC_STORAGE entries say where the public half lives; the
 * rest are its usages, which a token profile may leave to the token
 * (tpm2-pkcs11 derives CKA_VERIFY from the TPM key's flags and refuses a
 * template that says otherwise). */
static const struct policy public_policy[] = {
    {CKA_TOKEN, &yes, 1, "token"},   {CKA_PRIVATE, &no, 1, "private"},
    {CKA_VERIFY, &yes, 1, "verify"}, {CKA_ENCRYPT, &no, 0, "encrypt"},
    {CKA_WRAP, &no, 0, "wrap"},      {CKA_DERIVE, &no, 0, "derive"},
};
#define PUBLIC_STORAGE 2

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void token_key_policy(CK_ATTRIBUTE *priv, CK_ULONG *n_priv, CK_ATTRIBUTE *pub, CK_ULONG *n_pub,
                      int public_usage)
{
    size_t n_public = public_usage ? COUNT(public_policy) : PUBLIC_STORAGE;

    for (size_t i = 0; i < COUNT(private_policy); i++)
        priv[(*n_priv)++] = (CK_ATTRIBUTE){private_policy[i].type, (void *)private_policy[i].value,
                                           sizeof(CK_BBOOL)};
    for (size_t i = 0; i < n_public; i++)
        pub[(*n_pub)++] =
            (CK_ATTRIBUTE){public_policy[i].type, (void *)public_policy[i].value, sizeof(CK_BBOOL)};
}

int token_check_key_policy(struct token_ctx *ctx, const struct token_key *key)
{
    CK_BBOOL got[COUNT(private_policy)];
    CK_ATTRIBUTE attrs[COUNT(private_policy)];
    char wrong[256] = "";
    size_t used = 0;

    for (size_t i = 0; i < COUNT(private_policy); i++)
        attrs[i] = (CK_ATTRIBUTE){private_policy[i].type, &got[i], sizeof(got[i])};
    if (token_get_attributes(ctx, key->priv, attrs, COUNT(attrs)) < 0)
        return -1;
    for (size_t i = 0; i < COUNT(private_policy); i++) {
        int unavailable = attrs[i].ulValueLen == CK_UNAVAILABLE_INFORMATION;
        int w;

        if (unavailable ? !private_policy[i].required : got[i] == *private_policy[i].value)
            continue;
        w = snprintf(wrong + used, sizeof(wrong) - used, "%s%s=%s", used ? " " : "",
                     private_policy[i].name, unavailable ? "unknown" : (got[i] ? "true" : "false"));
        if (w > 0 && (size_t)w < sizeof(wrong) - used)
            used += (size_t)w;
    }
    if (used) {
        errorf("the token did not honour the key policy (%s); the key pair was removed", wrong);
        return -1;
    }
    return 0;
}
