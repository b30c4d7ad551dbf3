/* Fuzzes the DN parser (OpenSSL slash form and RFC 4514). */
#include "fuzz.h"

#include "x509/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size), why[512];
    X509_NAME *name;

    if (!text)
        return 0;
    name = x509_name_parse(text, why, sizeof(why));
    if (name) {
        /* A parsed name has at least one entry and encodes. */
        unsigned char *der = NULL;
        if (X509_NAME_entry_count(name) <= 0 || i2d_X509_NAME(name, &der) <= 0)
            abort();
        OPENSSL_free(der);
        (void)x509_name_common_name(name);
        X509_NAME_free(name);
    } else if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0') {
        abort(); /* a failure always says why */
    }
    free(text);
    return 0;
}
