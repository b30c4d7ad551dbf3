/* Printing --json documents. */
#include "json-out.h"

#include <stdio.h>

#include "msg.h"

int json_out_print(json_t *doc)
{
    int rc;

    if (!doc) {
        errorf("cannot build the JSON output: out of memory");
        return -1;
    }
    rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (rc != 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        errorf("cannot write the JSON output");
        return -1;
    }
    return 0;
}

json_t *json_out_hex(const unsigned char *bytes, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char text[2 * 256 + 1];
    size_t i;

    for (i = 0; i < len && i < 256; i++) {
        text[2 * i] = digits[bytes[i] >> 4];
        text[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
    text[2 * i] = '\0';
    return json_string(text);
}
