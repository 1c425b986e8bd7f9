/*
 * mtest's CPU fault tests (faults.c), run by name from main.c.
 */
#ifndef MTEST_FAULTS_H
#define MTEST_FAULTS_H

/* SIGSEGV, SIGFPE, SIGILL and SIGTRAP from the CPU to handlers. */
int test_faults(void);
/* A division by zero without a handler: the default action. */
int test_fault_default(void);

#endif
