/*
 * Resource limits: getrlimit, setrlimit and prlimit64 on the process.
 */
#include <errno.h>
#include <stdbool.h>

#include "sys/fsfile.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

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
