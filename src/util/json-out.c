/* Printing --json documents. */
#include "util/json-out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/msg.h"

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

int json_out_is_utf8(const char *text)
{
    json_t *probe = json_string(text);

    json_decref(probe);
    return probe != NULL;
}

json_t *json_out_text(const char *text)
{
    json_t *value = json_string(text);
    char *escaped, *out;

    if (value || !text)
        return value;
    /* Keep ASCII as it is, escape every byte >= 0x80: readable, and valid. */
    escaped = malloc(4 * strlen(text) + 1);
    if (!escaped)
        return NULL;
    out = escaped;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        out += *p < 0x80 ? sprintf(out, "%c", *p) : sprintf(out, "\\x%02x", *p);
    value = json_string(escaped);
    free(escaped);
    return value;
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
