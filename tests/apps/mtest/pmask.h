/*
 * mtest's test of the signal masks of ppoll, pselect6 and epoll_pwait
 * (pmask.c).
 */
#ifndef MTEST_PMASK_H
#define MTEST_PMASK_H

int test_pmask(void);

#endif
