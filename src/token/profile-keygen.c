/* What a token profile's switches change in key generation: the label's
 * length, the PIV id convention, and an id set at generation for tokens
 * that cannot set one afterwards. */
#include "token/profile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "util/msg.h"

/* PIV key slots as ykcs11 and OpenSC name them by CKA_ID: 01-04 for 9a, 9c,
 * 9d and 9e, 05-18 for the retired key-management slots 82-95. */
static int is_piv_id(const unsigned char *id, CK_ULONG id_len)
{
    return id_len == 1 && id[0] >= 0x01 && id[0] <= 0x18;
}

int token_profile_keygen_id(const struct token_profile *profile, const char *label,
                            unsigned char *id, CK_ULONG *id_len, int *random)
{
    *random = 0;
    if (profile->label_max && strlen(label) > profile->label_max) {
        errorf("label \"%s\" has %zu characters; this token (profile %s) keeps at most %lu", label,
               strlen(label), profile->name, profile->label_max);
        return -1;
    }
    if (profile->id_convention == PROFILE_ID_PIV) {
        if (!is_piv_id(id, *id_len)) {
            errorf("this token (profile %s) names keys by PIV slot: give --id 01 (slot 9a, "
                   "authentication), 02 (9c, signature), 03 (9d, key management), 04 (9e, card "
                   "authentication) or 05 to 18 (retired slots 82 to 95)",
                   profile->name);
            return -1;
        }
        return 0;
    }
    if (*id_len || profile->set_id_after_generation)
        return 0;
    /* The token cannot change CKA_ID after generation, and the SHA-1 of a
     * public key that does not exist yet cannot be known: the id is set at
     * generation, and random. It only has to be unique and the same on both
     * halves; p11cert finds a certificate's key by its public value. */
    if (getrandom(id, 20, 0) != 20) {
        errorf("cannot make a random key id: %s", strerror(errno));
        return -1;
    }
    *id_len = 20;
    *random = 1;
    return 0;
}
