/*
 * The machine as the application asks about it: uname, sysinfo, and the
 * resources it used (getrusage).
 */
#include <errno.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/mm/mm.h"
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
