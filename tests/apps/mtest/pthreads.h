/*
 * mtest's thread tests (pthreads.c), run by name from main.c.
 */
#ifndef MTEST_PTHREADS_H
#define MTEST_PTHREADS_H

int test_pthreads(void);
int test_malloc_threads(void);
int test_thread_abort(void);

#endif
