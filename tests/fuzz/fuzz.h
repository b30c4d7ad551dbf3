/* Shared by the libFuzzer targets: the input as a NUL-terminated string. */
#ifndef P11CERT_FUZZ_H
#define P11CERT_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd copy of data with a NUL after it (and inside it, if data holds
 * one: parsers of C strings see the text up to there). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

#endif
