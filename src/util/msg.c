/* The message layer: prefix, command name and verbosity, set once by main. */
#include "util/msg.h"

#include <stdarg.h>
#include <stdio.h>

#include <openssl/err.h>

static struct {
    const char *command;
    enum msg_level level;
    const char *item;
    char last_error[512];
} msg = {NULL, MSG_NORMAL, NULL, ""};

void msg_setup(const char *command, enum msg_level level)
{
    msg.command = command;
    msg.level = level;
}

void msg_set_item(const char *item)
{
    msg.item = item;
    msg.last_error[0] = '\0';
}

const char *msg_last_error(void)
{
    return msg.last_error;
}

__attribute__((format(printf, 2, 0))) static void vmessage(const char *tag, const char *fmt,
                                                           va_list ap)
{
    fputs("p11cert: ", stderr);
    if (msg.command)
        fprintf(stderr, "%s: ", msg.command);
    if (msg.item)
        fprintf(stderr, "%s: ", msg.item);
    if (tag)
        fputs(tag, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (msg.item) {
        va_list copy;

        va_copy(copy, ap);
        vsnprintf(msg.last_error, sizeof(msg.last_error), fmt, copy);
        va_end(copy);
    }
    vmessage(NULL, fmt, ap);
    va_end(ap);
}

void hintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("hint: ", fmt, ap);
    va_end(ap);
}

void warnf(const char *fmt, ...)
{
    va_list ap;
    if (msg.level < MSG_NORMAL)
        return;
    va_start(ap, fmt);
    vmessage("warning: ", fmt, ap);
    va_end(ap);
}

void notef(const char *fmt, ...)
{
    va_list ap;
    if (msg.level < MSG_NORMAL)
        return;
    va_start(ap, fmt);
    vmessage(NULL, fmt, ap);
    va_end(ap);
}

void debugf(const char *fmt, ...)
{
    va_list ap;
    if (msg.level < MSG_VERBOSE)
        return;
    va_start(ap, fmt);
    vmessage("debug: ", fmt, ap);
    va_end(ap);
}

const char *msg_openssl_reason(void)
{
    static char fallback[64];
    unsigned long code, last = 0;
    const char *reason;

    /* The last entry is the most specific one; the rest is context. */
    while ((code = ERR_get_error()) != 0)
        last = code;
    if (last == 0)
        return "unknown OpenSSL error";
    reason = ERR_reason_error_string(last);
    if (reason)
        return reason;
    snprintf(fallback, sizeof(fallback), "OpenSSL error %08lx", last);
    return fallback;
}

void msg_size_text(size_t bytes, char *text, size_t len)
{
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
        snprintf(text, len, "%zu MiB", bytes / (1024 * 1024));
    else if (bytes >= 1024 && bytes % 1024 == 0)
        snprintf(text, len, "%zu KiB", bytes / 1024);
    else
        snprintf(text, len, "%zu bytes", bytes);
}
