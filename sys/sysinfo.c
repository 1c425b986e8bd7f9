/*
 * The machine as the application asks about it: uname, sysinfo, the CPUs
 * a thread may run on (sched_getaffinity and friends), and the resources
 * it used (getrusage).
 */
#include <errno.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/mm/mm.h"
#include "kernel/sched.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

static void set_field(char *field, const char *value) { strncpy(field, value, 64); }

static long sys_uname(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct linux_utsname *u = (struct linux_utsname *)a0;
	if (!user_writable_ok(u, sizeof(*u)))
		return -EFAULT;
	memset(u, 0, sizeof(*u));
	set_field(u->sysname, "Linux"); /* what programs test for: Keel speaks its ABI */
	set_field(u->nodename, "keel");
	set_field(u->release, "6.1.0-keel");
	set_field(u->version, "#1 Keel unikernel");
	set_field(u->machine, "x86_64");
	set_field(u->domainname, "(none)");
	return 0;
}
SYSCALL_FAST(SYS_uname, sys_uname);

static long sys_sysinfo(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct linux_sysinfo *si = (struct linux_sysinfo *)a0;
	if (!user_writable_ok(si, sizeof(*si)))
		return -EFAULT;
	memset(si, 0, sizeof(*si));
	si->uptime = (int64_t)(clock_ns() / 1000000000);
	si->totalram = mm_ram_bytes();
	si->freeram = mm_free_bytes();
	si->procs = 1;
	si->mem_unit = 1;
	return 0;
}
SYSCALL(SYS_sysinfo, sys_sysinfo);

/* The process is the whole machine: its CPU time is the time since boot,
 * as CLOCK_PROCESS_CPUTIME_ID answers it (sys/time.c), all of it counted
 * as user time (the kernel's share cannot be told apart in ring 0); a
 * thread's is the same, and there are no children. */
static long sys_getrusage(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct linux_rusage *ru = (struct linux_rusage *)a1;
	if (a0 != RUSAGE_SELF && a0 != RUSAGE_THREAD && a0 != RUSAGE_CHILDREN)
		return -EINVAL;
	if (!user_writable_ok(ru, sizeof(*ru)))
		return -EFAULT;
	memset(ru, 0, sizeof(*ru));
	if (a0 == RUSAGE_CHILDREN)
		return 0;
	uint64_t us = clock_ns() / 1000;
	ru->utime.tv_sec = (int64_t)(us / 1000000);
	ru->utime.tv_usec = (int64_t)(us % 1000000);
	ru->maxrss = (int64_t)((mm_ram_bytes() - mm_free_bytes()) / 1024);
	return 0;
}
SYSCALL(SYS_getrusage, sys_getrusage);

/* One CPU runs every thread: each thread's affinity is CPU 0, which
 * musl's sysconf(_SC_NPROCESSORS_ONLN) counts. pid 0 is the caller; any
 * other must be the process's or one of its threads' (-ESRCH). */
static bool has_tid(const struct thread *t, const void *ctx) { return t->tid == *(const int *)ctx; }

static long affinity_target(long pid)
{
	if (pid < 0)
		return -ESRCH;
	if (pid == 0 || pid == APP_PID)
		return 0;
	int tid = (int)pid;
	bool irq = sched_lock();
	bool found = pid <= INT32_MAX && sched_thread_find(has_tid, &tid) != NULL;
	sched_unlock(irq);
	return found ? 0 : -ESRCH;
}

static long sys_sched_getaffinity(long a0, long a1, long a2, long a3, long a4, long a5)
{
	long r = affinity_target(a0);
	if (r)
		return r;
	/* Linux: a mask of whole longs, at least one CPU's worth. */
	if ((unsigned long)a1 < sizeof(uint64_t) || (a1 & (long)(sizeof(uint64_t) - 1)))
		return -EINVAL;
	if (!user_writable_ok((void *)a2, sizeof(uint64_t)))
		return -EFAULT;
	uint64_t one = 1;
	memcpy((void *)a2, &one, sizeof(one));
	return sizeof(one); /* the bytes written */
}
SYSCALL(SYS_sched_getaffinity, sys_sched_getaffinity);

static long sys_sched_setaffinity(long a0, long a1, long a2, long a3, long a4, long a5)
{
	long r = affinity_target(a0);
	if (r)
		return r;
	if (a1 <= 0)
		return -EINVAL;
	if (!user_range_ok((const void *)a2, 1))
		return -EFAULT;
	/* CPU 0 must be in the mask: there is no other to run on. */
	return (*(const uint8_t *)a2 & 1) ? 0 : -EINVAL;
}
SYSCALL(SYS_sched_setaffinity, sys_sched_setaffinity);

static long sys_getcpu(long a0, long a1, long a2, long a3, long a4, long a5)
{
	unsigned zero = 0;
	if ((a0 && !user_writable_ok((void *)a0, sizeof(zero))) || (a1 && !user_writable_ok((void *)a1, sizeof(zero))))
		return -EFAULT;
	if (a0)
		memcpy((void *)a0, &zero, sizeof(zero));
	if (a1)
		memcpy((void *)a1, &zero, sizeof(zero));
	return 0;
}
SYSCALL(SYS_getcpu, sys_getcpu);
