/* Text from outside (token labels, file names, certificate fields,
 * arguments) made safe for a terminal: control characters and bytes that
 * are not UTF-8 shown as \xNN, so nothing p11cert prints can move the
 * cursor, retitle the window or answer back. */
#ifndef P11CERT_UTIL_TEXT_H
#define P11CERT_UTIL_TEXT_H

#include <stddef.h>

/* in, with each C0 and C1 control character, DEL and every byte that is
 * not part of a valid UTF-8 sequence written as \xNN, into out (cut short, still NUL-terminated,
 * when out_len is too small: 4 * strlen(in) + 1 always suffices). Returns out. */
char *text_escape(const char *in, char *out, size_t out_len);

/* Whether text holds a control character or is not UTF-8: what a label
 * must not be. */
int text_has_control(const char *text);

#endif
