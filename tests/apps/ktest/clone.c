/*
 * Boot test of the thread system calls as musl's pthread_create and
 * pthread_join use them: raw `syscall` instructions, clone with musl's
 * flags into a function on a new stack with its own TLS (FS base), futex
 * waits and wakes, set_tid_address and the cleared tid at exit. The
 * children are application code: they reach the kernel only through
 * system calls, and they check that interrupts and preemption leave the
 * red zone below their stack pointer alone. Compiled with SSE
 * (APP_FPU_SRCS), as an application is.
 */
#include <errno.h>
#include <keel.h>
#include <stdint.h>
#include <stdio.h>

#include "ktest.h"

#define SYS_mmap 9
#define SYS_munmap 11
#define SYS_sched_yield 24
#define SYS_clone 56
#define SYS_exit 60
#define SYS_gettid 186
#define SYS_futex 202
#define SYS_set_tid_address 218

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE 128

/* The flags musl 1.2.3's pthread_create passes. */
#define CLONE_MUSL_THREAD (0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x80000 | 0x100000 | 0x200000 | 0x400000)
#define SIGCHLD 17
#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000

static long sc(long n, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return ret;
}

/* clone as a C library calls it: the child starts on stack, whose top
 * word is the argument, pops it and calls fn (kept in r9, which the
 * kernel must hand the child unchanged), then exits with fn's value. */
long raw_clone(long flags, void *stack, int *ptid, int *ctid, void *tls, int (*fn)(void *));
__asm__(".text\n"
	".type raw_clone, @function\n"
	"raw_clone:\n"
	"	movq %rcx, %r10\n"
	"	movl $56, %eax\n"
	"	syscall\n"
	"	testq %rax, %rax\n"
	"	jnz 1f\n"
	"	xorl %ebp, %ebp\n"
	"	popq %rdi\n"
	"	call *%r9\n"
	"	movl %eax, %edi\n"
	"	movl $60, %eax\n"
	"	syscall\n"
	"	ud2\n"
	"1:	ret\n");

struct child {
	struct child *self; /* the TLS block: %fs:0 points to itself, as musl's does */
	int index, tid_seen, fs_ok;
	volatile uint32_t *go, *ready;
	unsigned long red_zone_bad;
	double result;
};

/* Fills the 128 bytes below the stack pointer and checks them, n times
 * over: whatever interrupts or preemptions strike meanwhile must not
 * write there. Returns the words found changed. */
static unsigned long red_zone_spin(unsigned long n)
{
	unsigned long bad = 0;
	__asm__ volatile("	movabsq $0x5a5aa5a55a5aa5a5, %%rax\n"
			 "	movq $-128, %%rdx\n"
			 "1:	movq %%rax, (%%rsp,%%rdx)\n"
			 "	addq $8, %%rdx\n"
			 "	jnz 1b\n"
			 "	movq %[n], %%rcx\n"
			 "2:	movq $-128, %%rdx\n"
			 "3:	cmpq %%rax, (%%rsp,%%rdx)\n"
			 "	je 4f\n"
			 "	incq %[bad]\n"
			 "	movq %%rax, (%%rsp,%%rdx)\n"
			 "4:	addq $8, %%rdx\n"
			 "	jnz 3b\n"
			 "	decq %%rcx\n"
			 "	jnz 2b\n"
			 : [bad] "+r"(bad)
			 : [n] "r"(n)
			 : "rax", "rcx", "rdx", "memory", "cc");
	return bad;
}

__attribute__((noinline)) static double series(int k)
{
	double s = 0;
	for (int i = 1; i <= 10000; i++)
		s += (double)k / ((double)i * (double)i);
	return s;
}

static int child_main(void *arg)
{
	struct child *c = arg;
	struct child *fs0;
	__asm__ volatile("movq %%fs:0, %0" : "=r"(fs0));
	c->fs_ok = fs0 == c;
	c->tid_seen = (int)sc(SYS_gettid, 0, 0, 0, 0);
	c->red_zone_bad = red_zone_spin(3000000);
	__atomic_add_fetch(c->ready, 1, __ATOMIC_SEQ_CST);
	sc(SYS_futex, (long)c->ready, FUTEX_WAKE | FUTEX_PRIVATE, 1, 0);
	while (*c->go == 0)
		sc(SYS_futex, (long)c->go, FUTEX_WAIT | FUTEX_PRIVATE, 0, 0);
	c->result = series(c->index + 1);
	return 0;
}

#define CHILDREN 2
#define CHILD_STACK (64 * 1024)

/* Everything the system calls point at, but the caller's own stack: the
 * system-call layer checks pointers against the application's regions,
 * and a keel application's statics and heap are the kernel's, so these
 * come from mmap, as a C library's thread stacks and data do. */
struct shared {
	struct child c[CHILDREN];
	int ptid[CHILDREN], ctid[CHILDREN];
	volatile uint32_t go, ready;
	uint32_t main_ctid;
};

static void *map(size_t len)
{
	register long r10 __asm__("r10") = 0x22; /* MAP_PRIVATE | MAP_ANONYMOUS */
	register long r8 __asm__("r8") = -1;	 /* no file */
	register long r9 __asm__("r9") = 0;
	long p;
	__asm__ volatile("syscall"
			 : "=a"(p)
			 : "a"(SYS_mmap), "D"(0), "S"(len), "d"(3 /* PROT_READ | PROT_WRITE */), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return p < 0 && p > -4096 ? NULL : (void *)p;
}

int ktest_clone(int argc, char **argv)
{
	int failed = 0;
	struct shared *sh = map(sizeof(struct shared));
	if (sh == NULL) {
		printf("ktest: mmap for the shared words failed: FAIL\n");
		return 1;
	}
	long tid = sc(SYS_set_tid_address, (long)&sh->main_ctid, 0, 0, 0);
	long fork = sc(SYS_clone, SIGCHLD, 0, 0, 0);
	long vfork = sc(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0);
	long unknown = sc(12345, 0, 0, 0, 0);
	int ok = tid > 0 && fork == -ENOSYS && vfork == -EINVAL && unknown == -ENOSYS;
	printf("ktest: set_tid_address %ld, fork %ld, vfork %ld, syscall 12345 %ld: %s\n", tid, fork, vfork, unknown,
	       ok ? "ok" : "FAIL");
	failed |= !ok;

	uint32_t word = 1;
	long again = sc(SYS_futex, (long)&word, FUTEX_WAIT | FUTEX_PRIVATE, 2, 0);
	struct {
		long tv_sec, tv_nsec;
	} ts = { 0, 20 * 1000000 };
	uint64_t t0 = keel_clock_ns();
	long timed = sc(SYS_futex, (long)&word, FUTEX_WAIT | FUTEX_PRIVATE, 1, (long)&ts);
	uint64_t waited = keel_clock_ns() - t0;
	ok = again == -EAGAIN && timed == -ETIMEDOUT && waited >= 20000000 && waited < 40000000;
	printf("ktest: futex wait on a changed word %ld, 20 ms timeout %ld after %lu us: %s\n", again, timed,
	       (unsigned long)(waited / 1000), ok ? "ok" : "FAIL");
	failed |= !ok;

	struct child *c = sh->c;
	int *ptid = sh->ptid, *ctid = sh->ctid;
	long tids[CHILDREN];
	char *stacks[CHILDREN];
	struct keel_sched_stats before, after;
	keel_sched_stats(&before);
	for (int i = 0; i < CHILDREN; i++) {
		c[i] = (struct child){ .self = &c[i], .index = i, .go = &sh->go, .ready = &sh->ready };
		ctid[i] = -1;
		stacks[i] = map(CHILD_STACK);
		if (stacks[i] == NULL) {
			printf("ktest: mmap for a child's stack failed: FAIL\n");
			return 1;
		}
		/* The argument on top, so the child's call is 16-byte aligned. */
		uintptr_t sp = (((uintptr_t)stacks[i] + CHILD_STACK) & ~(uintptr_t)15) - 8;
		*(void **)sp = &c[i];
		tids[i] = raw_clone(CLONE_MUSL_THREAD, (void *)sp, &ptid[i], &ctid[i], &c[i], child_main);
		if (tids[i] <= 0 || ptid[i] != tids[i])
			failed = 1;
	}
	/* The children spin over their red zones, preempting each other,
	 * then say so and wait for go: given 20 ms, both are waiting. */
	uint32_t r;
	while ((r = sh->ready) < CHILDREN)
		sc(SYS_futex, (long)&sh->ready, FUTEX_WAIT | FUTEX_PRIVATE, r, 0);
	keel_sleep_ns(20 * 1000000ull);
	sh->go = 1;
	long woken = sc(SYS_futex, (long)&sh->go, FUTEX_WAKE | FUTEX_PRIVATE, 0x7fffffff, 0);
	/* pthread_join: wait until the exit clears the tid. */
	for (int i = 0; i < CHILDREN; i++) {
		int v;
		while ((v = __atomic_load_n(&ctid[i], __ATOMIC_SEQ_CST)) != 0)
			sc(SYS_futex, (long)&ctid[i], FUTEX_WAIT, v, 0);
	}
	keel_sched_stats(&after);
	for (int i = 0; i < CHILDREN; i++) {
		double want = series(i + 1);
		ok = tids[i] > 0 && tids[i] != tid && c[i].tid_seen == tids[i] && c[i].fs_ok &&
		     c[i].red_zone_bad == 0 && c[i].result == want;
		printf("ktest: clone child %d: tid %ld (parent saw %d), gettid %d, FS base %s, red zone %lu words "
		       "changed, result %s: %s\n",
		       i, tids[i], ptid[i], c[i].tid_seen, c[i].fs_ok ? "right" : "WRONG", c[i].red_zone_bad,
		       c[i].result == want ? "right" : "WRONG", ok ? "ok" : "FAIL");
		failed |= !ok;
		sc(SYS_munmap, (long)stacks[i], CHILD_STACK, 0, 0);
	}
	ok = woken == CHILDREN;
	printf("ktest: %ld woken by go, %lu preemptions meanwhile: %s\n", woken, after.preemptions - before.preemptions,
	       ok ? "ok" : "FAIL");
	return failed | !ok;
}
