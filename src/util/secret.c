/* Secrets (PINs, passwords): parsing where one comes from, reading it with
 * read(2) so no stdio buffer keeps a copy, and wiping it. What a secret is
 * used for (login, PFX decryption) lives with its user. */
#include "util/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util/interrupt.h"
#include "util/msg.h"

#define SOURCE_USAGE "(use prompt, file:PATH, env:NAME or fd:N)"

int secret_source_parse(const char *text, int allow_bare_path, struct secret_source *out, char *why,
                        size_t why_len)
{
    const char *colon;
    size_t prefix;

    memset(out, 0, sizeof(*out));
    out->fd = -1;
    if (!text || *text == '\0') {
        snprintf(why, why_len, "empty source " SOURCE_USAGE);
        return -1;
    }
    if (strcmp(text, "prompt") == 0) {
        out->kind = SECRET_SOURCE_PROMPT;
        return 0;
    }
    if (strncmp(text, "file:", 5) == 0 || strncmp(text, "env:", 4) == 0) {
        int is_file = text[0] == 'f';
        const char *rest = text + (is_file ? 5 : 4);
        if (*rest == '\0') {
            snprintf(why, why_len, "%s", is_file ? "file: needs a path" : "env: needs a name");
            return -1;
        }
        if (strlen(rest) >= sizeof(out->path)) {
            snprintf(why, why_len, "the %s is too long", is_file ? "path" : "name");
            return -1;
        }
        if (!is_file && strchr(rest, '=')) {
            snprintf(why, why_len, "env: the variable name contains '='");
            return -1;
        }
        /* Not echoed: what stands where a name belongs may be the PIN. */
        if (!is_file && (strspn(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789_") != strlen(rest) ||
                         (*rest >= '0' && *rest <= '9'))) {
            snprintf(why, why_len, "env: takes a variable name (letters, digits and _)");
            return -1;
        }
        out->kind = is_file ? SECRET_SOURCE_FILE : SECRET_SOURCE_ENV;
        strcpy(out->path, rest);
        return 0;
    }
    if (strncmp(text, "fd:", 3) == 0) {
        const char *digits = text + 3;
        char *end;
        long fd;
        /* strtol alone would take "-1", " 3" and "+3". */
        if (*digits < '0' || *digits > '9') {
            snprintf(why, why_len, "fd: needs a descriptor number (0 or more)");
            return -1;
        }
        errno = 0;
        fd = strtol(digits, &end, 10);
        if (errno || *end != '\0' || fd > INT_MAX) {
            snprintf(why, why_len, "fd: \"%s\" is not a descriptor number", digits);
            return -1;
        }
        out->kind = SECRET_SOURCE_FD;
        out->fd = (int)fd;
        return 0;
    }
    /* Name an unknown prefix but never echo the rest: an operator may have
     * typed the PIN itself where its source belongs. */
    colon = strchr(text, ':');
    prefix = colon ? (size_t)(colon - text) : 0;
    if (colon && prefix > 0 && prefix <= 16 &&
        strspn(text, "abcdefghijklmnopqrstuvwxyz") == prefix) {
        snprintf(why, why_len, "unknown source type \"%.*s:\" " SOURCE_USAGE, (int)prefix, text);
        return -1;
    }
    if (allow_bare_path) {
        if (strlen(text) >= sizeof(out->path)) {
            snprintf(why, why_len, "the path is too long");
            return -1;
        }
        out->kind = SECRET_SOURCE_FILE;
        strcpy(out->path, text);
        return 0;
    }
    snprintf(why, why_len, "not a source " SOURCE_USAGE);
    return -1;
}

/* Reads one line, byte by byte so nothing past the newline is consumed (an
 * inherited descriptor may carry more), or with whole everything to the end.
 * buf holds max + 2 bytes. Returns the length without a line's "\r\n", -1
 * with errno on a read error, -2 when longer than max. */
static long read_fd(int fd, char *buf, size_t max, int whole)
{
    size_t n = 0;
    long ret;
    char c = 0;

    for (;;) {
        ssize_t got = read(fd, &c, 1);
        /* A signal caught during a prompt ends it (read_prompt restores the
         * terminal, then dies of the signal); any other one is retried. */
        if (got < 0 && errno == EINTR && !interrupt_pending())
            continue;
        if (got < 0) {
            ret = -1;
            goto done;
        }
        if (got == 0 || (c == '\n' && !whole))
            break;
        if (n == max + 1) {
            ret = -2;
            goto done;
        }
        buf[n++] = c;
    }
    if (n > 0 && buf[n - 1] == '\r' && !whole)
        n--;
    buf[n] = '\0';
    ret = n > max ? -2 : (long)n;
done:
    OPENSSL_cleanse(&c, sizeof(c));
    return ret;
}

/* Hands the bytes to out in an allocation of their exact size. */
static int secret_take(struct secret *out, const char *buf, size_t len)
{
    out->data = OPENSSL_malloc(len + 1);
    if (!out->data)
        return -1;
    memcpy(out->data, buf, len);
    out->data[len] = '\0';
    out->len = len;
    return 0;
}

/* Echo goes off for the read and back on before any return. Ctrl-C (or
 * SIGTERM, SIGHUP) at the prompt would otherwise kill p11cert with echo
 * still off, and not every shell turns it back on: the signal is caught,
 * the terminal restored, and then p11cert dies of it. buf holds max + 2
 * bytes. */
static long read_prompt(const char *what, char *buf, size_t max, int *tty_missing)
{
    struct termios saved, quiet;
    struct interrupt_guard guard = {0};
    long len = -1;
    int fd, sig, saved_errno = 0;
    char prompt[256];

    fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || tcgetattr(fd, &saved) < 0) {
        *tty_missing = 1;
        if (fd >= 0)
            close(fd);
        return -1;
    }
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
    quiet.c_lflag |= ECHONL;
    snprintf(prompt, sizeof(prompt), "Enter the %s: ", what);
    /* The prompt starts its own line, not after a progress line. */
    msg_progress(NULL);
    interrupt_catch(&guard);
    if (tcsetattr(fd, TCSAFLUSH, &quiet) == 0 &&
        write(fd, prompt, strlen(prompt)) == (ssize_t)strlen(prompt)) {
        len = read_fd(fd, buf, max, 0);
        saved_errno = errno;
    } else {
        saved_errno = errno;
    }
    tcsetattr(fd, TCSAFLUSH, &saved);
    if ((sig = interrupt_pending()) != 0) {
        OPENSSL_cleanse(buf, max + 2);
        if (write(fd, "\n", 1) < 0)
            debugf("cannot end the prompt line: %s", strerror(errno));
    }
    close(fd);
    interrupt_restore(&guard);
    interrupt_die(sig);
    errno = saved_errno;
    return len;
}

/* A file that holds a secret and that others may read is worth a word. */
static void warn_if_open_to_others(int fd, const char *what, const char *path)
{
    struct stat st;

    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & (S_IRWXG | S_IRWXO)))
        warnf("the file that holds the %s, \"%s\", can be read or changed by others (mode "
              "%04o): chmod 600 it",
              what, path, (unsigned)(st.st_mode & 07777));
}

/* One line of at most max bytes, or with whole the full content (a prompt
 * reads one line either way). */
static int read_secret(const struct secret_source *src, const char *what, size_t max, int whole,
                       struct secret *out)
{
    const char *longer = whole ? "it is" : "the first line is";
    size_t cap = max + 3; /* max bytes, a '\r', one more to notice a longer line, the NUL */
    char *buf = NULL;
    long len = -1;
    int ret = -1, fd = -1, tty_missing = 0;
    const char *value;

    out->data = NULL;
    out->len = 0;
    secret_protect_process();
    buf = OPENSSL_zalloc(cap);
    if (!buf) {
        errorf("cannot read the %s: out of memory", what);
        goto cleanup;
    }
    switch (src->kind) {
    case SECRET_SOURCE_PROMPT:
        len = read_prompt(what, buf, max, &tty_missing);
        if (tty_missing) {
            errorf("cannot read the %s: there is no terminal to prompt on", what);
            hintf("give it with another source: file:PATH, env:NAME or fd:N");
        } else if (len == -1) {
            errorf("cannot read the %s from the terminal: %s", what, strerror(errno));
        } else if (len == -2) {
            errorf("cannot read the %s: longer than %zu bytes", what, max);
        } else if (len == 0) {
            errorf("cannot read the %s: nothing was entered", what);
        }
        break;
    case SECRET_SOURCE_FILE:
        fd = open(src->path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
        if (fd >= 0)
            warn_if_open_to_others(fd, what, src->path);
        len = fd < 0 ? -1 : read_fd(fd, buf, max, whole);
        if (len == -1)
            errorf("cannot read the %s from file \"%s\": %s", what, src->path, strerror(errno));
        else if (len == -2)
            errorf("cannot read the %s from file \"%s\": %s longer than %zu bytes", what, src->path,
                   longer, max);
        else if (len == 0)
            errorf("cannot read the %s from file \"%s\": the file is empty", what, src->path);
        break;
    case SECRET_SOURCE_ENV:
        value = getenv(src->path);
        if (!value) {
            errorf("cannot read the %s: environment variable \"%s\" is not set", what, src->path);
        } else if (*value == '\0') {
            errorf("cannot read the %s: environment variable \"%s\" is empty", what, src->path);
        } else if (strlen(value) > max) {
            errorf("cannot read the %s: environment variable \"%s\" is longer than %zu bytes", what,
                   src->path, max);
        } else {
            len = (long)strlen(value);
            memcpy(buf, value, (size_t)len);
        }
        break;
    case SECRET_SOURCE_FD:
        len = read_fd(src->fd, buf, max, whole);
        if (len == -1)
            errorf("cannot read the %s from descriptor %d: %s", what, src->fd, strerror(errno));
        else if (len == -2)
            errorf("cannot read the %s from descriptor %d: longer than %zu bytes", what, src->fd,
                   max);
        else if (len == 0)
            errorf("cannot read the %s from descriptor %d: nothing to read", what, src->fd);
        break;
    default:
        errorf("cannot read the %s: no source given", what);
        break;
    }
    if (len <= 0)
        goto cleanup;
    if (secret_take(out, buf, (size_t)len) < 0) {
        errorf("cannot read the %s: out of memory", what);
        goto cleanup;
    }
    ret = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    OPENSSL_clear_free(buf, cap);
    return ret;
}

int secret_read(const struct secret_source *src, const char *what, struct secret *out)
{
    return read_secret(src, what, SECRET_MAX, 0, out);
}

int secret_read_text(const struct secret_source *src, const char *what, struct secret *out)
{
    return read_secret(src, what, SECRET_TEXT_MAX, 1, out);
}

int secret_set(struct secret *out, const char *value)
{
    size_t len = value ? strlen(value) : 0;

    out->data = NULL;
    out->len = 0;
    if (!value)
        return -1;
    if (len > SECRET_MAX) {
        errorf("the secret given is longer than %d bytes", SECRET_MAX);
        return -1;
    }
    secret_protect_process();
    if (secret_take(out, value, len) < 0) {
        errorf("cannot store the secret: out of memory");
        return -1;
    }
    return 0;
}

void secret_protect_process(void)
{
    /* No core dump or ptrace by the same user may see the secret. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

void secret_wipe(struct secret *s)
{
    if (!s)
        return;
    if (s->data)
        OPENSSL_clear_free(s->data, s->len + 1);
    s->data = NULL;
    s->len = 0;
}
