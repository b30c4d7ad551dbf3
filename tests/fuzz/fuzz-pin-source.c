/* Fuzzes the PIN-source parser (prompt, file:PATH, env:NAME, fd:N, and a
 * bare path as a URI's pin-source= may be). Also checks the promise that a
 * refused source is never echoed back whole: it may be the PIN itself. */
#include "fuzz.h"

#include "util/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size), why[512];
    struct secret_source src;

    if (!text)
        return 0;
    for (int bare = 0; bare <= 1; bare++) {
        why[0] = '\0';
        if (secret_source_parse(text, bare, &src, why, sizeof(why)) == 0) {
            if (src.kind == SECRET_SOURCE_NONE || (src.kind == SECRET_SOURCE_FD && src.fd < 0))
                abort();
        } else {
            if (why[0] == '\0')
                abort();
            /* A refused source of 8 or more characters is not in the reason
             * (unless it is a known prefix with nothing after it). */
            if (strlen(text) >= 8 && strstr(why, text) && !strchr(text, ':'))
                abort();
        }
    }
    free(text);
    return 0;
}
