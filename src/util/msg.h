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
 * prefix; "" if none. While the thread captures: the capture's last. */
const char *msg_last_error(void);

/* Messages held back instead of shown: a csr --batch worker thread signs
 * while the main thread prints, and the lines must come out in input order.
 * Between msg_capture_start and msg_capture_stop every message of the
 * calling thread (at the level it would be shown) goes into the capture;
 * msg_capture_replay, later on the main thread, shows them as if they were
 * made then (under the item set at that time, and setting msg_last_error).
 * Only what fits is kept: a message that does not is replaced by one line
 * saying so. */
#define MSG_CAPTURE_SIZE 2048

struct msg_capture {
    char text[MSG_CAPTURE_SIZE]; /* entries: a level letter, the text, a NUL */
    size_t len;
    int truncated;
    char last_error[512]; /* msg_last_error while capturing */
};

void msg_capture_start(struct msg_capture *capture); /* empties it first */
void msg_capture_stop(void);
void msg_capture_replay(const struct msg_capture *capture);

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
