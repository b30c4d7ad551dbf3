/* JSON documents on stdout (--json): jansson builds them, this prints one. */
#ifndef P11CERT_JSON_OUT_H
#define P11CERT_JSON_OUT_H

#include <jansson.h>

/* Prints doc (indented, newline-terminated) and frees it. NULL doc: out of
 * memory, reported. Returns 0 or -1. */
int json_out_print(json_t *doc);

/* Lower-case hex of bytes as a JSON string. */
json_t *json_out_hex(const unsigned char *bytes, size_t len);

#endif
