/*
 * The process and the machine: exit, identities, the thread pointer
 * (arch_prctl), uname, randomness, resources and their use, sysinfo, a
 * thread's name (prctl).
 */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/random.h"
#include "arch/x86_64/syscall.h"
#include "kernel/clock.h"
#include "kernel/exit.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "kernel/console.h"
#include "kernel/entropy.h"
#include "kernel/mm/mm.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/fsfile.h"
#include "sys/syscall.h"

/* The file system calls, when the image has them (KEEL_SYSCALLS_OUT). */
extern __typeof__(fs_shutdown) fs_shutdown __attribute__((weak));

/* The entropy registry, when the image has a driver that feeds it. */
extern __typeof__(entropy_getrandom) entropy_getrandom __attribute__((weak));

#define CANONICAL_TOP (1ull << 47)
/* The process's id, which is also its first thread's (sys/threads.c
 * numbers threads from 1, in the order they first ask). */
#define APP_PID 1

void app_exit(int status)
{
	/* What the application wrote reaches its disk, as a clean
	 * shutdown of Linux makes sure. */
	if (fs_shutdown)
		fs_shutdown();
	/* Linux's status is the low byte; Keel's range for it is smaller. */
	kernel_exit(status & 0xff);
}

static long sys_exit_group(long a0, long a1, long a2, long a3, long a4, long a5) { app_exit((int)a0); }
SYSCALL(SYS_exit_group, sys_exit_group);

static long sys_arch_prctl(long a0, long a1, long a2, long a3, long a4, long a5)
{
	switch (a0) {
	case ARCH_SET_FS:
		if ((uint64_t)a1 >= CANONICAL_TOP)
			return -EPERM;
		arch_set_fs_base((uint64_t)a1);
		return 0;
	case ARCH_GET_FS:
		if (!user_writable_ok((void *)a1, sizeof(uint64_t)))
			return -EFAULT;
		*(uint64_t *)a1 = arch_get_fs_base();
		return 0;
	default: return -EINVAL;
	}
}
SYSCALL(SYS_arch_prctl, sys_arch_prctl);

SYSCALL_CONST(SYS_getpid, sys_getpid, APP_PID);
SYSCALL_CONST(SYS_getppid, sys_getppid, 0);
/* The application is root: uid, euid, gid and egid all 0, consistent with
 * the auxiliary vector (musl checks AT_SECURE against them). */
SYSCALL_CONST(SYS_getuid, sys_getuid, 0);
SYSCALL_CONST(SYS_geteuid, sys_geteuid, 0);
SYSCALL_CONST(SYS_getgid, sys_getgid, 0);
SYSCALL_CONST(SYS_getegid, sys_getegid, 0);

static long sys_sched_yield(long a0, long a1, long a2, long a3, long a4, long a5)
{
	thread_yield();
	return 0;
}
SYSCALL(SYS_sched_yield, sys_sched_yield);

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

/* The last resort when the machine has neither RDRAND nor virtio-rng:
 * SplitMix64 over the TSC, which varies from boot to boot but is no
 * secret. Said once on the console when the application asks (not for
 * AT_RANDOM, drawn at every start). */
static uint64_t weak_random(bool warn)
{
	static uint64_t state;
	static bool warned;
	if (warn && !warned) {
		kwarn("getrandom: no RDRAND and no virtio-rng: bytes from the TSC, unfit for keys\n");
		warned = true;
	}
	state += rdtsc() + 0x9e3779b97f4a7c15ull;
	uint64_t z = state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Random bytes from the CPU (RDRAND), else virtio-rng through the
 * kernel, else weak_random: none of them blocks, so neither does
 * getrandom nor a read of /dev/urandom. */
static void fill(void *out, size_t len, bool warn)
{
	uint8_t *buf = out;
	size_t done = 0;
	while (done < len) {
		uint64_t v;
		if (!cpu_rdrand64(&v))
			break;
		size_t n = len - done < 8 ? len - done : 8;
		memcpy(buf + done, &v, n);
		done += n;
	}
	if (done < len && entropy_getrandom) {
		long r = entropy_getrandom(buf + done, len - done);
		if (r > 0)
			done += (size_t)r;
	}
	while (done < len) {
		uint64_t v = weak_random(warn);
		size_t n = len - done < 8 ? len - done : 8;
		memcpy(buf + done, &v, n);
		done += n;
	}
}

void random_fill(void *buf, size_t len) { fill(buf, len, true); }

void random_fill_quiet(void *buf, size_t len) { fill(buf, len, false); }

static long sys_getrandom(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint8_t *buf = (uint8_t *)a0;
	size_t len = (size_t)a1;
	if (a2 & ~(long)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if (len > 33554431)
		len = 33554431; /* Linux's cap for one call */
	if (!user_writable_ok(buf, len))
		return -EFAULT;
	random_fill(buf, len);
	return (long)len;
}
SYSCALL(SYS_getrandom, sys_getrandom);

/* Limits as a Linux machine reports them. RLIMIT_NOFILE is the
 * descriptor table's own: its soft limit bounds new descriptors, and may
 * be raised up to the hard one, which the table can hold; raising the
 * hard limit past that answers -EPERM, as past fs.nr_open on Linux. The
 * others are accepted and remembered, not enforced. */
static struct linux_rlimit limits[RLIM_NLIMITS] = {
	[RLIMIT_STACK] = { 8 << 20, RLIM_INFINITY },
	[RLIMIT_NOFILE] = { FD_NOFILE_SOFT, FD_NOFILE_HARD },
};
static bool limits_ready;

static long rlimit_get_set(unsigned resource, const struct linux_rlimit *nl, struct linux_rlimit *ol)
{
	if (!limits_ready) {
		for (unsigned i = 0; i < RLIM_NLIMITS; i++)
			if (limits[i].max == 0)
				limits[i] = (struct linux_rlimit){ RLIM_INFINITY, RLIM_INFINITY };
		limits_ready = true;
	}
	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (nl && !user_range_ok(nl, sizeof(*nl)))
		return -EFAULT;
	if (ol && !user_writable_ok(ol, sizeof(*ol)))
		return -EFAULT;
	struct linux_rlimit now = limits[resource];
	if (resource == RLIMIT_NOFILE)
		now.cur = fd_limit(&app_fds);
	struct linux_rlimit want = nl ? *nl : now;
	if (want.cur > want.max)
		return -EINVAL;
	if (resource == RLIMIT_NOFILE && want.max > FD_NOFILE_HARD)
		return -EPERM;
	if (ol)
		*ol = now;
	if (nl) {
		if (resource == RLIMIT_NOFILE && fd_set_limit(&app_fds, want.cur))
			return -EINVAL;
		limits[resource] = want;
	}
	return 0;
}

static long sys_prlimit64(long a0, long a1, long a2, long a3, long a4, long a5)
{
	if (a0 != 0 && a0 != APP_PID)
		return -ESRCH;
	return rlimit_get_set((unsigned long)a1 < RLIM_NLIMITS ? (unsigned)a1 : RLIM_NLIMITS,
			      (const struct linux_rlimit *)a2, (struct linux_rlimit *)a3);
}
SYSCALL(SYS_prlimit64, sys_prlimit64);

static long sys_getrlimit(long a0, long a1, long a2, long a3, long a4, long a5)
{
	if (a1 == 0)
		return -EFAULT;
	return rlimit_get_set((unsigned long)a0 < RLIM_NLIMITS ? (unsigned)a0 : RLIM_NLIMITS, NULL,
			      (struct linux_rlimit *)a1);
}
SYSCALL(SYS_getrlimit, sys_getrlimit);

static long sys_setrlimit(long a0, long a1, long a2, long a3, long a4, long a5)
{
	if (a1 == 0)
		return -EFAULT;
	return rlimit_get_set((unsigned long)a0 < RLIM_NLIMITS ? (unsigned)a0 : RLIM_NLIMITS,
			      (const struct linux_rlimit *)a1, NULL);
}
SYSCALL(SYS_setrlimit, sys_setrlimit);

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

/* The calling thread's name (servers name their helper threads), which
 * fault reports show. Other options are not supported: -EINVAL, as Linux
 * answers an option it does not know. */
static long sys_prctl(long a0, long a1, long a2, long a3, long a4, long a5)
{
	char name[PR_NAME_LEN];
	switch (a0) {
	case PR_SET_NAME: {
		/* Linux keeps the first 15 bytes of a longer name. */
		const char *src = (const char *)a1;
		size_t n = 0;
		for (; n < PR_NAME_LEN - 1; n++) {
			if (!user_range_ok(src + n, 1))
				return -EFAULT;
			if ((name[n] = src[n]) == '\0')
				break;
		}
		name[n] = '\0';
		thread_set_name(thread_self(), name);
		return 0;
	}
	case PR_GET_NAME:
		if (!user_writable_ok((void *)a1, PR_NAME_LEN))
			return -EFAULT;
		memset(name, 0, sizeof(name));
		strncpy(name, thread_name(thread_self()), PR_NAME_LEN - 1);
		memcpy((void *)a1, name, PR_NAME_LEN);
		return 0;
	default: return -EINVAL;
	}
}
SYSCALL(SYS_prctl, sys_prctl);
