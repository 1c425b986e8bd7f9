/*
 * mtest's signal tests (signals.c), run by name from main.c.
 */
#ifndef MTEST_SIGNALS_H
#define MTEST_SIGNALS_H

int test_signals(void);
int test_signal_timers(void);
int test_kill_term(void);
/* Blocking pipe reads, poll, select and epoll_wait ended by a signal. */
int test_signal_io(void);
/* abort() with a SIGABRT handler that returns: still the end. */
_Noreturn int test_abort_handled(void);

#endif
