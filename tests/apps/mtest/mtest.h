/* The tests of mtest that live outside main.c. */
#ifndef MTEST_H
#define MTEST_H

#include <errno.h>
#include <stdio.h>

/* A check that counts a failure in the including file's own
 * `static int failures` and names it, with errno, on the console. */
#define CHECK(cond)                                                                                                    \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			printf("mtest: FAILED %s (line %d, errno %d)\n", #cond, __LINE__, errno);                      \
			failures++;                                                                                    \
		}                                                                                                      \
	} while (0)

int test_pipe(void);
int test_poll(void);
int test_epoll(void);
int test_tty(void);
int test_devnodes(void);
int test_fsfiles(void);
int test_sockets(void);
int test_unix(void);
int test_eventfd(void);
int test_resolve(int argc, char **argv);
int test_udpflood(int argc, char **argv);
int test_fstree(int argc, char **argv);
int test_fscrash(int argc, char **argv);
int test_balloon_oom(int argc, char **argv);
int test_six_devices(int argc, char **argv);
int test_mount(int argc, char **argv);
int test_vdso(void);

#endif
