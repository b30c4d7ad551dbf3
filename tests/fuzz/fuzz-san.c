/* Fuzzes the SAN parser: each line of the input is one --san value; the
 * whole input goes through x509_san_list_parse too (duplicates, limits). */
#include "fuzz.h"

#include "x509/parse.h"

#define MAX_SANS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size), why[512], *line, *save = NULL;
    const char *sans[MAX_SANS];
    size_t n = 0;
    GENERAL_NAMES *list;

    if (!text)
        return 0;
    for (line = strtok_r(text, "\n", &save); line && n < MAX_SANS;
         line = strtok_r(NULL, "\n", &save)) {
        GENERAL_NAME *one = x509_san_parse(line, why, sizeof(why));
        if (one)
            GENERAL_NAME_free(one);
        else if (why[0] == '\0')
            abort(); /* a failure always says why */
        sans[n++] = line;
    }
    list = x509_san_list_parse(sans, n, why, sizeof(why));
    GENERAL_NAMES_free(list);
    free(text);
    return 0;
}
