/*
 * The Linux x86-64 system-call ABI keeps every register but rax (the
 * result), rcx and r11 (the return address and flags). Keel serves the
 * quick calls (SYSCALL_FAST) on a shorter path than the others; both
 * must keep the rest, or compiled code around a system call breaks in
 * ways no C test sees.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>

#include "registers.h"

/* Loads distinct values into every register the ABI keeps, makes the
 * call, and stores what the registers hold afterwards. */
static long call_and_read(long nr, long a0, long a1, uint64_t out[12])
{
	long ret;
	__asm__ volatile("push %%rbp\n\t"
			 "push %%rbx\n\t"
			 "push %%r12\n\t"
			 "push %%r13\n\t"
			 "push %%r14\n\t"
			 "push %%r15\n\t"
			 "push %[out]\n\t"
			 "mov $0x1111, %%rbx\n\t"
			 "mov $0x2222, %%rbp\n\t"
			 "mov $0x3333, %%r12\n\t"
			 "mov $0x4444, %%r13\n\t"
			 "mov $0x5555, %%r14\n\t"
			 "mov $0x6666, %%r15\n\t"
			 "mov $0x8888, %%rdx\n\t"
			 "mov $0x9999, %%r10\n\t"
			 "mov $0xaaaa, %%r8\n\t"
			 "mov $0xbbbb, %%r9\n\t"
			 "syscall\n\t"
			 "xchg %%rax, (%%rsp)\n\t" /* the result kept, out in rax */
			 "mov %%rbx, 0(%%rax)\n\t"
			 "mov %%rbp, 8(%%rax)\n\t"
			 "mov %%r12, 16(%%rax)\n\t"
			 "mov %%r13, 24(%%rax)\n\t"
			 "mov %%r14, 32(%%rax)\n\t"
			 "mov %%r15, 40(%%rax)\n\t"
			 "mov %%rsi, 48(%%rax)\n\t"
			 "mov %%rdx, 56(%%rax)\n\t"
			 "mov %%r10, 64(%%rax)\n\t"
			 "mov %%r8, 72(%%rax)\n\t"
			 "mov %%r9, 80(%%rax)\n\t"
			 "mov %%rdi, 88(%%rax)\n\t"
			 "pop %%rax\n\t"
			 "pop %%r15\n\t"
			 "pop %%r14\n\t"
			 "pop %%r13\n\t"
			 "pop %%r12\n\t"
			 "pop %%rbx\n\t"
			 "pop %%rbp"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), [out] "r"(out)
			 : "rcx", "r11", "rdx", "r8", "r9", "r10", "memory");
	return ret;
}

static int check(const char *what, long nr, long a0, long a1)
{
	static const uint64_t want[12] = { 0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666,
					   0x7777, 0x8888, 0x9999, 0xaaaa, 0xbbbb };
	static const char *const names[12] = { "rbx", "rbp", "r12", "r13", "r14", "r15",
					       "rsi", "rdx", "r10", "r8",  "r9",  "rdi" };
	uint64_t got[12];
	long ret = call_and_read(nr, a0, a1, got);
	int bad = 0;
	for (int i = 0; i < 12; i++) {
		uint64_t expect = i == 11 ? (uint64_t)a0 : i == 6 ? (uint64_t)a1 : want[i];
		if (got[i] != expect) {
			printf("mtest: %s changed %s: 0x%lx, not 0x%lx\n", what, names[i], (unsigned long)got[i],
			       (unsigned long)expect);
			bad++;
		}
	}
	printf("mtest: %s returned %ld, %s\n", what, ret, bad ? "registers changed" : "every register kept");
	return bad;
}

/* The entry runs with interrupts off and must give them back: a path
 * that forgot would leave the application without its timer, which no
 * result shows. */
static int check_interrupts_back(const char *what, long nr)
{
	uint64_t flags;
	long ret;
	__asm__ volatile("syscall\n\t"
			 "pushfq\n\t"
			 "popq %1"
			 : "=a"(ret), "=r"(flags)
			 : "a"(nr), "D"(0), "S"(0)
			 : "rcx", "r11", "rdx", "r8", "r9", "r10", "memory");
	int on = (flags & 0x200) != 0;
	printf("mtest: %s returned %ld with interrupts %s\n", what, ret, on ? "on" : "OFF");
	return !on;
}

int test_registers(void)
{
	int bad = 0;
	static struct timespec ts;
	static struct utsname un;
	bad += check("getpid (constant path)", SYS_getpid, 0x1234, 0x7777);
	bad += check("getuid (constant path)", SYS_getuid, 0x1234, 0x7777);
	bad += check("gettid (quick path)", SYS_gettid, 0x1234, 0x7777);
	/* Handlers with work in them, whose compiled code uses the
	 * registers C may clobber: the entry must put them back. */
	bad += check("clock_gettime (quick path)", SYS_clock_gettime, CLOCK_REALTIME, (long)&ts);
	bad += check("uname (quick path)", SYS_uname, (long)&un, 0x7777);
	bad += check("sched_yield (full path)", SYS_sched_yield, 0x1234, 0x7777);
	bad += check("nanosleep (full path)", SYS_nanosleep, (long)&(struct timespec){ 0, 1000000 }, 0);
	bad += check("an unknown call", 451, 0x1234, 0x7777);
	bad += check_interrupts_back("getpid (constant path)", SYS_getpid);
	bad += check_interrupts_back("gettid (quick path)", SYS_gettid);
	bad += check_interrupts_back("sched_yield (full path)", SYS_sched_yield);
	printf("mtest: registers done, %d failures\n", bad);
	return bad != 0;
}
