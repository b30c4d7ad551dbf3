/* Fuzzes the check of a server's answer to a signed update (dns_tsig_verify):
 * the message is outside data, read with ldns and then by this code (the
 * TSIG record's fields, the MAC's input). Also checks its promises: an
 * answer is verified only with a TSIG record present and no error in it. */
#include "fuzz.h"

#include "dns/tsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char text[] = "hmac-sha256:fuzz-key:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    static const uint8_t request_mac[32] = {1, 2, 3};
    struct dns_tsig_key key;
    struct dns_tsig_check check;
    char why[256];

    if (dns_tsig_key_parse(text, sizeof(text) - 1, &key, why, sizeof(why)) < 0)
        abort();
    dns_tsig_verify(&key, data, size, request_mac, sizeof(request_mac), 1700000000, &check);
    if (check.verified && (!check.present || check.error != 0))
        abort();
    if (check.present && !check.verified && !check.why[0] && check.error == 0)
        abort();
    dns_tsig_key_wipe(&key);
    return 0;
}
