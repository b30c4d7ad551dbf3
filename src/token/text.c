/* Text from a token: CK_TOKEN_INFO's space-padded fields as C strings, and
 * token flags in words. No PKCS#11 call. */
#include "token/token.h"

#include <stdio.h>
#include <string.h>

#include "token/internal.h"

char *token_padded_string(char *out, const unsigned char *in, size_t width)
{
    size_t len = width;

    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\0'))
        len--;
    memcpy(out, in, len);
    out[len] = '\0';
    return out;
}

void token_info_names(const CK_TOKEN_INFO *info, struct token_names *out)
{
    token_padded_string(out->label, info->label, sizeof(info->label));
    token_padded_string(out->manufacturer, info->manufacturerID, sizeof(info->manufacturerID));
    token_padded_string(out->model, info->model, sizeof(info->model));
    token_padded_string(out->serial, info->serialNumber, sizeof(info->serialNumber));
}

size_t token_flag_names(CK_FLAGS flags, const char **names, size_t max)
{
    static const struct {
        CK_FLAGS flag;
        const char *words;
    } table[] = {
        {CKF_LOGIN_REQUIRED, "login required"},
        {CKF_PROTECTED_AUTHENTICATION_PATH, "PIN pad"},
        {CKF_WRITE_PROTECTED, "write protected"},
        {CKF_USER_PIN_INITIALIZED, "user PIN set"},
        {CKF_USER_PIN_COUNT_LOW, "user PIN count low"},
        {CKF_USER_PIN_FINAL_TRY, "user PIN final try"},
        {CKF_USER_PIN_LOCKED, "user PIN locked"},
        {CKF_USER_PIN_TO_BE_CHANGED, "user PIN to be changed"},
        {CKF_TOKEN_INITIALIZED, "initialized"},
    };
    size_t n = 0;

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]) && n < max; i++) {
        if (flags & table[i].flag)
            names[n++] = table[i].words;
    }
    if (!(flags & CKF_TOKEN_INITIALIZED) && n < max)
        names[n++] = "not initialized";
    return n;
}

const char *token_flags_words(CK_FLAGS flags, char *buf, size_t len)
{
    const char *names[16];
    size_t n = token_flag_names(flags, names, 16), used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);

        if (w < 0 || (size_t)w >= len - used) {
            buf[used] = '\0'; /* whole words only */
            break;
        }
        used += (size_t)w;
    }
    return buf;
}
