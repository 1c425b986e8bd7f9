/*
 * mtest's test of output buffers taken away during a wait (vanish.c).
 */
#ifndef MTEST_VANISH_H
#define MTEST_VANISH_H

/* A pipe read, poll, select, epoll_wait, nanosleep's rem and
 * sigtimedwait's info made read-only by another thread while the call
 * waits: EFAULT each time. */
int test_vanish(void);
/* A console read whose buffer goes while it waits for a line. */
int test_vanish_tty(void);

#endif
