/* Messages to the operator: one layer that knows the program's prefix, the
 * running command and -q/-v. Every layer reports through it; nothing else
 * writes to stderr. */
#ifndef P11CERT_MSG_H
#define P11CERT_MSG_H

#include <stddef.h>

/* Exit statuses of CLI.md. */
enum {
    EXIT_OK = 0,
    EXIT_FAIL = 1,
    EXIT_USAGE = 2,
};

enum msg_level {
    MSG_QUIET = -1,
    MSG_NORMAL = 0,
    MSG_VERBOSE = 1,
};

/* Set once by main before a command runs: the command name that prefixes
 * errors ("p11cert: csr: ...") and how much goes to stderr. */
void msg_setup(const char *command, enum msg_level level);

/* For a command that works through many items (csr --batch): item ("line 7")
 * follows the command name in every message until cleared with NULL, and the
 * text of the last error since it was set is kept for a summary. */
void msg_set_item(const char *item);

/* The last errorf text since msg_set_item (or since the start), without the
 * prefix; "" if none. */
const char *msg_last_error(void);

/* "p11cert: COMMAND: what failed: why" — always shown. */
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A second line telling the operator what to do next; always shown. */
void hintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Something the operator should know; hidden by -q. */
void warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void notef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Detail for -v. */
void debugf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The progress line of util/progress.h: 1 when one may be drawn (stderr is
 * a terminal, and not -q), else 0. msg_progress draws text as
 * "p11cert: COMMAND: text" in place of the line before; NULL clears it.
 * Every message clears it first. */
int msg_progress_possible(void);
void msg_progress(const char *text);

/* Sends whatever else writes to stderr (a library's own complaints) to
 * /dev/null until msg_stderr_restore. Returns the saved descriptor, or -1
 * when stderr could not be muted (then it is left as it was); restoring -1
 * does nothing. */
int msg_stderr_mute(void);
void msg_stderr_restore(int saved);

/* A size as an operator reads it: "16 MiB", "64 KiB" or "300 bytes". */
void msg_size_text(size_t bytes, char *text, size_t len);

/* OpenSSL's error queue drained into one short reason (the last, most
 * specific entry), for "what failed: why". Never NULL. */
const char *msg_openssl_reason(void);

#endif
