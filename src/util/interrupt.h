/* Ctrl-C, SIGTERM and SIGHUP during a step that must not be left half-done
 * (a key pair made but not yet handed over): the signal is noted, the step
 * checks between its calls and undoes what it made, and the process then
 * dies of the signal, so its parent sees the real cause. */
#ifndef P11CERT_UTIL_INTERRUPT_H
#define P11CERT_UTIL_INTERRUPT_H

#include <signal.h>

#define INTERRUPT_SIGNALS 3

struct interrupt_guard {
    struct sigaction saved[INTERRUPT_SIGNALS];
    int catching;
};

/* From now on SIGINT, SIGTERM and SIGHUP are noted, not fatal (a signal
 * ignored when p11cert started, under nohup, stays ignored). */
void interrupt_catch(struct interrupt_guard *guard);

/* The signal that came since interrupt_catch, or 0. */
int interrupt_pending(void);

/* The signals' handling as it was; safe when not catching. */
void interrupt_restore(struct interrupt_guard *guard);

/* Dies of sig as if it had never been caught (no-op for 0). */
void interrupt_die(int sig);

#endif
