/* The one key policy of p11cert, for keys it generates and keys it imports:
 * token objects, the private half private, sensitive and never extractable,
 * signing and verifying only. Every other usage is switched off explicitly,
 * since tokens default them on (SoftHSM turns on decrypt, unwrap, encrypt
 * and wrap), and all-usages-true templates are what real HSMs refuse. */
#include "token.h"

static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

#define SET(list, n, type, value)                                                                  \
    ((list)[(n)++] = (CK_ATTRIBUTE){(type), (void *)&(value), sizeof(value)})

void token_key_policy(CK_ATTRIBUTE *priv, CK_ULONG *n_priv, CK_ATTRIBUTE *pub, CK_ULONG *n_pub)
{
    SET(priv, *n_priv, CKA_TOKEN, yes);
    SET(priv, *n_priv, CKA_PRIVATE, yes);
    SET(priv, *n_priv, CKA_SENSITIVE, yes);
    SET(priv, *n_priv, CKA_EXTRACTABLE, no);
    SET(priv, *n_priv, CKA_SIGN, yes);
    SET(priv, *n_priv, CKA_DECRYPT, no);
    SET(priv, *n_priv, CKA_UNWRAP, no);
    SET(priv, *n_priv, CKA_DERIVE, no);
    SET(pub, *n_pub, CKA_TOKEN, yes);
    SET(pub, *n_pub, CKA_PRIVATE, no);
    SET(pub, *n_pub, CKA_VERIFY, yes);
    SET(pub, *n_pub, CKA_ENCRYPT, no);
    SET(pub, *n_pub, CKA_WRAP, no);
    SET(pub, *n_pub, CKA_DERIVE, no);
}
