/* Fuzzes the TSIG key parser (a BIND key clause, or ALGORITHM:NAME:BASE64).
 * Also checks its promises: a parsed key has a name, an algorithm and 1 to
 * DNS_TSIG_SECRET_MAX bytes of secret; a refused one leaves nothing behind
 * and its reason quotes no run of base64 from the text (the secret). */
#include "fuzz.h"

#include "dns/tsig.h"

/* Whether why holds a run of 12 or more base64 characters of text. */
static int quotes_secret(const char *text, size_t len, const char *why)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    char piece[64];

    for (size_t i = 0; i < len;) {
        size_t run = 0;

        while (i + run < len && text[i + run] && strchr(b64, text[i + run]))
            run++;
        if (run >= 12) {
            size_t take = run < sizeof(piece) - 1 ? run : sizeof(piece) - 1;

            memcpy(piece, text + i, take);
            piece[take] = '\0';
            if (strstr(why, piece))
                return 1;
        }
        i += run ? run : 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dns_tsig_key key;
    char why[256] = "";

    if (dns_tsig_key_parse((const char *)data, size, &key, why, sizeof(why)) == 0) {
        if (!key.name[0] || key.alg == DNS_TSIG_NONE || !key.secret || key.secret_len == 0 ||
            key.secret_len > DNS_TSIG_SECRET_MAX || !dns_tsig_alg_name(key.alg)[0])
            abort();
        dns_tsig_key_wipe(&key);
        if (key.secret || key.secret_len)
            abort();
    } else {
        if (!why[0] || key.secret || key.name[0])
            abort();
        if (quotes_secret((const char *)data, size, why))
            abort();
    }
    return 0;
}
