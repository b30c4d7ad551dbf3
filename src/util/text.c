/* Escaping terminal-unsafe text. */
#include "util/text.h"

#include <stdio.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at p (1 to 4), or 0; *cp gets its
 * code point. Overlong forms and surrogates are invalid. */
static size_t utf8_sequence(const unsigned char *p, unsigned long *cp)
{
    size_t n;
    unsigned long min;

    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if ((p[0] & 0xe0) == 0xc0) {
        n = 2, min = 0x80, *cp = p[0] & 0x1f;
    } else if ((p[0] & 0xf0) == 0xe0) {
        n = 3, min = 0x800, *cp = p[0] & 0x0f;
    } else if ((p[0] & 0xf8) == 0xf0) {
        n = 4, min = 0x10000, *cp = p[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (p[i] & 0x3f);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
        return 0;
    return n;
}

static int is_control(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

char *text_escape(const char *in, char *out, size_t out_len)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t used = 0;

    if (out_len == 0)
        return out;
    while (*p) {
        unsigned long cp;
        size_t n = utf8_sequence(p, &cp);
        size_t step = n ? n : 1;

        if (n == 0 || is_control(cp)) {
            /* Each byte of it, so the operator sees what was there. */
            for (size_t i = 0; i < step; i++) {
                if (used + 5 > out_len)
                    goto done;
                used += (size_t)snprintf(out + used, out_len - used, "\\x%02x", p[i]);
            }
        } else {
            if (used + n + 1 > out_len)
                goto done;
            memcpy(out + used, p, n);
            used += n;
        }
        p += step;
    }
done:
    out[used] = '\0';
    return out;
}

int text_has_control(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;

    while (*p) {
        unsigned long cp;
        size_t n = utf8_sequence(p, &cp);

        if (n == 0 || is_control(cp))
            return 1;
        p += n;
    }
    return 0;
}
