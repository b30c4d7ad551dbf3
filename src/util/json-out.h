/* JSON documents on stdout (--json): jansson builds them, this prints one. */
#ifndef P11CERT_JSON_OUT_H
#define P11CERT_JSON_OUT_H

#include <jansson.h>

/* Prints doc (indented, newline-terminated) and frees it. NULL doc: out of
 * memory, reported. Returns 0 or -1. */
int json_out_print(json_t *doc);

/* Text read from a token (labels, manufacturer, ...) as a JSON string:
 * bytes that are not UTF-8 are shown as \xNN rather than losing the value
 * (jansson refuses invalid UTF-8). */
json_t *json_out_text(const char *text);

/* Whether text is valid UTF-8 (PKCS#11 labels are UTF-8). */
int json_out_is_utf8(const char *text);

/* Lower-case hex of bytes as a JSON string. */
json_t *json_out_hex(const unsigned char *bytes, size_t len);

#endif
