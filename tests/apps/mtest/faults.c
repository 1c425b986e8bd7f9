/*
 * CPU faults in the application's code reach its signal handlers, as on
 * Linux: a handler that fixes the cause and returns retries the
 * instruction; one that leaves by siglongjmp resumes elsewhere; si_addr
 * and si_code say what happened.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "faults.h"

static int failures;

#define CHECK(cond)                                                                                                    \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			printf("mtest: FAILED %s (line %d)\n", #cond, __LINE__);                                       \
			failures++;                                                                                    \
		}                                                                                                      \
	} while (0)

static volatile int seen_signo, seen_code, seen_count;
static void *volatile seen_addr;
static char *volatile guard;
static sigjmp_buf escape;

static void record(int sig, const siginfo_t *si)
{
	seen_signo = sig;
	seen_code = si->si_code;
	seen_addr = si->si_addr;
	seen_count++;
}

/* Makes the guard page accessible and returns: the access runs again. */
static void unguard(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	record(sig, si);
	if (mprotect(guard, 4096, PROT_READ | PROT_WRITE) != 0)
		_exit(3);
}

static void leave(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	record(sig, si);
	siglongjmp(escape, sig);
}

static void count_only(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	record(sig, si);
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

static void reset(void) { seen_signo = seen_code = seen_count = 0, seen_addr = NULL; }

/* A write to a PROT_NONE guard page: SIGSEGV with SEGV_ACCERR and the
 * address; the handler's mprotect lets the retried write through. */
static void guard_page(void)
{
	char *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	guard = m + 4096;
	CHECK(mprotect(guard, 4096, PROT_NONE) == 0);
	handle(SIGSEGV, unguard);
	reset();
	((volatile char *)guard)[100] = 42;
	CHECK(seen_count == 1 && seen_signo == SIGSEGV && seen_code == SEGV_ACCERR);
	CHECK(seen_addr == guard + 100);
	CHECK(((volatile char *)guard)[100] == 42);
	printf("mtest: guard page: %d fault, si_code %d, si_addr %s, write retried: %d\n", seen_count, seen_code,
	       seen_addr == guard + 100 ? "right" : "wrong", ((volatile char *)guard)[100]);
	munmap(m, 2 * 4096);
}

/* An unmapped page (the first 64 KiB, never mapped; a page munmap gave
 * back stays in the kernel's identity map): SEGV_MAPERR; and a
 * non-canonical address (#GP): SIGSEGV with SI_KERNEL, as Linux. Both
 * left by siglongjmp. */
static void unmapped(void)
{
	char *m = (char *)(uintptr_t)0x1000;
	handle(SIGSEGV, leave);
	reset();
	if (sigsetjmp(escape, 1) == 0) {
		(void)((volatile char *)m)[8];
		CHECK(!"the read of an unmapped page went on");
	}
	CHECK(seen_signo == SIGSEGV && seen_code == SEGV_MAPERR && seen_addr == m + 8);
	printf("mtest: unmapped page: si_code %d\n", seen_code);
	reset();
	if (sigsetjmp(escape, 1) == 0) {
		(void)*(volatile char *)(uintptr_t)0x8000000000000000ull;
		CHECK(!"the read of a non-canonical address went on");
	}
	CHECK(seen_signo == SIGSEGV && seen_code == SI_KERNEL);
	printf("mtest: non-canonical address: si_code %d\n", seen_code);
	/* SIGSEGV is unblocked again after siglongjmp: a second fault works. */
	reset();
	if (sigsetjmp(escape, 1) == 0)
		(void)((volatile char *)m)[16];
	CHECK(seen_count == 1 && seen_addr == m + 16);
	printf("mtest: a second fault after siglongjmp: %d\n", seen_count);
	signal(SIGSEGV, SIG_DFL);
}

static __attribute__((noinline)) int divide(volatile int a, volatile int b) { return a / b; }

/* Integer division by zero (#DE), an invalid opcode (#UD), int3 (#BP). */
static void arithmetic_and_traps(void)
{
	handle(SIGFPE, leave);
	reset();
	volatile int r = -1;
	if (sigsetjmp(escape, 1) == 0)
		r = divide(7, 0);
	CHECK(r == -1 && seen_signo == SIGFPE && seen_code == FPE_INTDIV && seen_addr != NULL);
	printf("mtest: division by zero: SIGFPE, si_code %d, left by siglongjmp\n", seen_code);

	handle(SIGILL, leave);
	reset();
	if (sigsetjmp(escape, 1) == 0)
		__asm__ volatile("ud2");
	CHECK(seen_signo == SIGILL && seen_code == ILL_ILLOPN);
	printf("mtest: ud2: SIGILL, si_code %d\n", seen_code);

	/* int3 reports the next instruction: the handler's return goes on. */
	handle(SIGTRAP, count_only);
	reset();
	__asm__ volatile("int3");
	CHECK(seen_count == 1 && seen_signo == SIGTRAP);
	printf("mtest: int3: SIGTRAP, went on after the handler\n");
}

int test_faults(void)
{
	guard_page();
	unmapped();
	arithmetic_and_traps();
	printf("mtest: faults done, %d failures\n", failures);
	return failures != 0;
}

int test_fault_default(void)
{
	printf("mtest: dividing by zero without a handler\n");
	fflush(stdout);
	return divide(1, 0);
}
