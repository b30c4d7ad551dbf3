/* The message layer: prefix, command name and verbosity, set once by main. */
#include "util/msg.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "util/text.h"

#define MSG_LINE_MAX 2048

static struct {
    const char *command;
    enum msg_level level;
    const char *item;
    char last_error[512];
    int progress_shown; /* a progress line is on the terminal, with no newline */
} msg = {NULL, MSG_NORMAL, NULL, "", 0};

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

/* The capture the calling thread's messages go into, if any: per thread,
 * so that a worker's messages never reach stderr out of order. */
static _Thread_local struct msg_capture *capturing;

const char *msg_last_error(void)
{
    return capturing ? capturing->last_error : msg.last_error;
}

static const char *tag_of(char kind)
{
    switch (kind) {
    case 'h':
        return "hint: ";
    case 'w':
        return "warning: ";
    case 'd':
        return "debug: ";
    default:
        return NULL; /* errors and notes have no tag */
    }
}

/* One line on stderr. What it says may quote a file name, a label or a
 * certificate field: terminal controls in them are escaped (util/text.h). */
static void emit(char kind, const char *line)
{
    char shown[4 * MSG_LINE_MAX + 1];
    const char *tag = tag_of(kind);

    msg_progress(NULL);
    fputs("p11cert: ", stderr);
    if (msg.command)
        fprintf(stderr, "%s: ", msg.command);
    if (msg.item)
        fprintf(stderr, "%s: ", msg.item);
    if (tag)
        fputs(tag, stderr);
    fputs(text_escape(line, shown, sizeof(shown)), stderr);
    fputc('\n', stderr);
}

static void capture_add(struct msg_capture *c, char kind, const char *line)
{
    size_t n = strlen(line);

    if (c->len + n + 2 > sizeof(c->text)) {
        c->truncated = 1;
        return;
    }
    c->text[c->len] = kind;
    memcpy(c->text + c->len + 1, line, n + 1);
    c->len += n + 2;
}

__attribute__((format(printf, 2, 0))) static void vmessage(char kind, const char *fmt, va_list ap)
{
    char line[MSG_LINE_MAX];

    vsnprintf(line, sizeof(line), fmt, ap);
    if (capturing)
        capture_add(capturing, kind, line);
    else
        emit(kind, line);
}

void msg_capture_start(struct msg_capture *capture)
{
    capture->len = 0;
    capture->truncated = 0;
    capture->last_error[0] = '\0';
    capturing = capture;
}

void msg_capture_stop(void)
{
    capturing = NULL;
}

void msg_capture_replay(const struct msg_capture *capture)
{
    for (size_t at = 0; at < capture->len;) {
        const char *line = capture->text + at + 1;

        if (capture->text[at] == 'e')
            snprintf(msg.last_error, sizeof(msg.last_error), "%s", line);
        emit(capture->text[at], line);
        at += strlen(line) + 2;
    }
    if (capture->truncated)
        emit('n', "(more messages were made here than could be kept)");
}

int msg_progress_possible(void)
{
    return msg.level >= MSG_NORMAL && isatty(STDERR_FILENO);
}

/* A carriage return and "erase to the end of the line" (ECMA-48 EL): the
 * next text starts at the left margin of a clean line. */
#define CLEAR_LINE "\r\033[K"

void msg_progress(const char *text)
{
    char shown[512];

    if (!text) {
        if (msg.progress_shown)
            fputs(CLEAR_LINE, stderr);
        msg.progress_shown = 0;
        return;
    }
    fputs(CLEAR_LINE "p11cert: ", stderr);
    if (msg.command)
        fprintf(stderr, "%s: ", msg.command);
    fputs(text_escape(text, shown, sizeof(shown)), stderr);
    fflush(stderr);
    msg.progress_shown = 1;
}

void errorf(const char *fmt, ...)
{
    va_list ap, copy;

    va_start(ap, fmt);
    va_copy(copy, ap);
    if (capturing) /* the main thread's is set when the capture is replayed */
        vsnprintf(capturing->last_error, sizeof(capturing->last_error), fmt, copy);
    else
        vsnprintf(msg.last_error, sizeof(msg.last_error), fmt, copy);
    va_end(copy);
    vmessage('e', fmt, ap);
    va_end(ap);
}

void hintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage('h', fmt, ap);
    va_end(ap);
}

void warnf(const char *fmt, ...)
{
    va_list ap;
    if (msg.level < MSG_NORMAL)
        return;
    va_start(ap, fmt);
    vmessage('w', fmt, ap);
    va_end(ap);
}

void notef(const char *fmt, ...)
{
    va_list ap;
    if (msg.level < MSG_NORMAL)
        return;
    va_start(ap, fmt);
    vmessage('n', fmt, ap);
    va_end(ap);
}

void debugf(const char *fmt, ...)
{
    va_list ap;
    if (msg.level < MSG_VERBOSE)
        return;
    va_start(ap, fmt);
    vmessage('d', fmt, ap);
    va_end(ap);
}

const char *msg_openssl_reason(void)
{
    static _Thread_local char fallback[64]; /* worker threads call it too */
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

int msg_stderr_mute(void)
{
    int saved, null;

    fflush(stderr);
    if ((saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) < 0)
        return -1;
    if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0 || dup2(null, STDERR_FILENO) < 0) {
        if (null >= 0)
            close(null);
        close(saved);
        return -1;
    }
    close(null);
    return saved;
}

void msg_stderr_restore(int saved)
{
    if (saved < 0)
        return;
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
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
