/* Host-name validation (RFC 1035/1123 preferred syntax, IDN as A-labels).
 * Pure string checks: no DNS lookups, no public-suffix knowledge. */
#include "util/hostname.h"

#include <stdio.h>
#include <string.h>

#define HOSTNAME_MAX 253
#define LABEL_MAX    63

static int is_alnum_ascii(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Checks the label name[0..len); reports it by quoting at most its first 63 octets. */
static int label_check(const char *label, size_t len, char *why, size_t why_len)
{
    int digits_only = 1;

    if (len == 0) {
        snprintf(why, why_len, "empty label (two dots in a row, or a leading dot)");
        return -1;
    }
    if (len > LABEL_MAX) {
        snprintf(why, why_len, "label \"%.20s...\" is longer than %d characters", label, LABEL_MAX);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)label[i];
        if (c >= 0x80) {
            snprintf(why, why_len,
                     "label \"%.*s\" is not ASCII (write an IDN as its A-label, xn--...)", (int)len,
                     label);
            return -1;
        }
        if (c == '*') {
            snprintf(why, why_len, "'*' is only allowed as the whole leftmost label (\"*.\")");
            return -1;
        }
        if (!is_alnum_ascii(c) && c != '-') {
            snprintf(why, why_len,
                     "label \"%.*s\" contains '%c' (only letters, digits and '-' are allowed)",
                     (int)len, label, c >= 0x20 && c < 0x7f ? c : '?');
            return -1;
        }
        if (!(c >= '0' && c <= '9'))
            digits_only = 0;
    }
    if (label[0] == '-' || label[len - 1] == '-') {
        snprintf(why, why_len, "label \"%.*s\" starts or ends with '-'", (int)len, label);
        return -1;
    }
    /* Callers learn about digits-only labels through the return value: only the
     * top-level label may not be numeric. */
    return digits_only ? 1 : 0;
}

int hostname_check(const char *name, int flags, char *why, size_t why_len)
{
    size_t len, pos = 0;
    int last_numeric = 0;

    if (!name || name[0] == '\0') {
        snprintf(why, why_len, "empty host name");
        return -1;
    }
    len = strlen(name);
    if (name[len - 1] == '.') {
        if (!(flags & HOSTNAME_ALLOW_TRAILING_DOT)) {
            snprintf(why, why_len, "trailing dot not allowed here");
            return -1;
        }
        len--;
        if (len == 0) {
            snprintf(why, why_len, "empty host name");
            return -1;
        }
    }
    if (len > HOSTNAME_MAX) {
        snprintf(why, why_len, "longer than %d characters", HOSTNAME_MAX);
        return -1;
    }
    if (name[0] == '*') {
        if (!(flags & HOSTNAME_ALLOW_WILDCARD)) {
            snprintf(why, why_len, "wildcards are not allowed here");
            return -1;
        }
        if (len < 2 || name[1] != '.') {
            snprintf(why, why_len,
                     "'*' is only allowed as the whole leftmost label (\"*.\") of a longer name");
            return -1;
        }
        pos = 2;
        if (pos >= len) {
            snprintf(why, why_len, "a wildcard needs a name after \"*.\"");
            return -1;
        }
    }
    while (pos <= len) {
        const char *dot = memchr(name + pos, '.', len - pos);
        size_t end = dot ? (size_t)(dot - name) : len;
        int rc = label_check(name + pos, end - pos, why, why_len);
        if (rc < 0)
            return -1;
        last_numeric = rc;
        pos = end + 1;
    }
    /* An all-digit top-level label means the operator wrote an address. */
    if (last_numeric) {
        snprintf(why, why_len, "the last label is all digits (an IP address belongs in IP:)");
        return -1;
    }
    return 0;
}
