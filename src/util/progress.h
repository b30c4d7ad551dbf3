/* How far a long run is (csr --batch, renew): one line on stderr, redrawn in
 * place, "p11cert: csr: 37 of 120 requests, 2 failed". Only on a terminal
 * and not with -q (util/msg decides), and only when the command wants it
 * (not with --json); otherwise every call does nothing. Any message clears
 * the line before it is printed, and progress_end clears it for good.
 *
 * No locking of its own: one thread reports, the items in the order they
 * complete (a worker pool reports through the thread that collects the
 * results). */
#ifndef P11CERT_UTIL_PROGRESS_H
#define P11CERT_UTIL_PROGRESS_H

#include <stdio.h>
#include <time.h>

struct progress {
    const char *unit;     /* "requests", "records" */
    size_t total;         /* 0: not known */
    int on;               /* the line is drawn */
    struct timespec last; /* when it was last drawn */
};

/* Starts a run of total items (0: not known); wanted is 0 for --json. */
void progress_start(struct progress *p, const char *unit, size_t total, int wanted);

/* done items so far, failed of them. Redrawn at most every tenth of a
 * second, except the last item of a known total. */
void progress_show(struct progress *p, size_t done, size_t failed);

/* Clears the line; p may be shown again only after progress_start. */
void progress_end(struct progress *p);

/* The same, total being the lines of in that progress_count_lines counts:
 * counted only when the line is drawn. */
void progress_start_lines(struct progress *p, const char *unit, FILE *in, int wanted);

/* The lines of in from where it stands that hold more than blanks (csr
 * --batch's requests), and back to where it stood. 0 when in is not a
 * regular file (a pipe cannot go back, /dev/zero never ends). */
size_t progress_count_lines(FILE *in);

#endif
