/* The noted signal. A signal handler can only set a flag, so this one
 * static is the exception to "no global mutable state". */
#include "util/interrupt.h"

#include <string.h>

static volatile sig_atomic_t interrupted;

static const int caught_signals[INTERRUPT_SIGNALS] = {SIGINT, SIGTERM, SIGHUP};

static void on_signal(int sig)
{
    interrupted = sig;
}

void interrupt_catch(struct interrupt_guard *guard)
{
    struct sigaction act;

    memset(&act, 0, sizeof(act));
    act.sa_handler = on_signal;
    sigemptyset(&act.sa_mask);
    for (int i = 0; i < INTERRUPT_SIGNALS; i++) {
        sigaction(caught_signals[i], NULL, &guard->saved[i]);
        if (guard->saved[i].sa_handler != SIG_IGN)
            sigaction(caught_signals[i], &act, NULL);
    }
    guard->catching = 1;
}

int interrupt_pending(void)
{
    return interrupted;
}

void interrupt_restore(struct interrupt_guard *guard)
{
    if (!guard->catching)
        return;
    for (int i = 0; i < INTERRUPT_SIGNALS; i++)
        sigaction(caught_signals[i], &guard->saved[i], NULL);
    guard->catching = 0;
}

void interrupt_die(int sig)
{
    if (!sig)
        return;
    signal(sig, SIG_DFL);
    raise(sig);
}
