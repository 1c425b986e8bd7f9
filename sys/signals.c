/*
 * Signals: dispositions and the mask are recorded (rt_sigaction,
 * rt_sigprocmask); nothing is delivered to a handler yet. A signal the
 * application sends itself (raise, abort) with its default action
 * "terminate" ends the VM with KERNEL_EXIT_SIGNAL, naming the signal.
 */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/power.h"
#include "kernel/clock.h"
#include "kernel/exit.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "kernel/console.h"
#include "kernel/sched.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

#define SIGSET_SIZE 8
#define SIGCHLD 17
#define SIGCONT 18
#define SIGURG 23
#define SIGWINCH 28

static struct linux_sigaction actions[LINUX_NSIG + 1];
static uint64_t blocked;

static const char *const signal_names[32] = {
	[1] = "SIGHUP",	  [2] = "SIGINT",   [3] = "SIGQUIT",   [4] = "SIGILL",	 [5] = "SIGTRAP",  [6] = "SIGABRT",
	[7] = "SIGBUS",	  [8] = "SIGFPE",   [9] = "SIGKILL",   [10] = "SIGUSR1", [11] = "SIGSEGV", [12] = "SIGUSR2",
	[13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM",  [17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP",
	[20] = "SIGTSTP", [23] = "SIGURG",  [28] = "SIGWINCH",
};

static long sys_rt_sigaction(long a0, long a1, long a2, long a3, long a4, long a5)
{
	int sig = (int)a0;
	const struct linux_sigaction *act = (const struct linux_sigaction *)a1;
	struct linux_sigaction *old = (struct linux_sigaction *)a2;
	if (a3 != SIGSET_SIZE || sig < 1 || sig > LINUX_NSIG)
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (act && !user_range_ok(act, sizeof(*act)))
		return -EFAULT;
	if (old && !user_writable_ok(old, sizeof(*old)))
		return -EFAULT;
	struct linux_sigaction prev = actions[sig];
	if (act)
		actions[sig] = *act;
	if (old)
		*old = prev;
	return 0;
}
SYSCALL(SYS_rt_sigaction, sys_rt_sigaction);

static long sys_rt_sigprocmask(long a0, long a1, long a2, long a3, long a4, long a5)
{
	const uint64_t *set = (const uint64_t *)a1;
	uint64_t *old = (uint64_t *)a2;
	if (a3 != SIGSET_SIZE)
		return -EINVAL;
	if (set && !user_range_ok(set, sizeof(*set)))
		return -EFAULT;
	if (old && !user_writable_ok(old, sizeof(*old)))
		return -EFAULT;
	uint64_t prev = blocked;
	if (set) {
		/* SIGKILL and SIGSTOP cannot be blocked. */
		uint64_t s = *set & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
		if (a0 == SIG_BLOCK)
			blocked |= s;
		else if (a0 == SIG_UNBLOCK)
			blocked &= ~s;
		else if (a0 == SIG_SETMASK)
			blocked = s;
		else
			return -EINVAL;
	}
	if (old)
		*old = prev;
	return 0;
}
SYSCALL(SYS_rt_sigprocmask, sys_rt_sigprocmask);

static bool ignored_by_default(int sig) { return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH; }

/* A signal to the process itself. */
long signal_self(int sig)
{
	if (sig < 0 || sig > LINUX_NSIG)
		return -EINVAL;
	if (sig == 0)
		return 0; /* the existence check */
	uint64_t handler = actions[sig].handler;
	if (sig != SIGKILL && sig != SIGSTOP) {
		if (handler == SIG_IGN || (handler == SIG_DFL && ignored_by_default(sig)))
			return 0;
		if (handler != SIG_DFL) {
			kwarn("signals: %s has a handler, but delivery is not implemented: not delivered\n",
			      sig < 32 && signal_names[sig] ? signal_names[sig] : "a real-time signal");
			return 0;
		}
	}
	/* The default action: the process ends, blocked or not (the mask
	 * would only delay it; nothing else could run meanwhile). */
	kprintf("keel: the application was killed by signal %d (%s)\n", sig,
		sig < 32 && signal_names[sig] ? signal_names[sig] : "real-time");
	power_exit(KERNEL_EXIT_SIGNAL);
}

static bool is_self(long pid) { return pid == 1 || pid == 0 || pid == -1; }

/* The process's first thread (tid 1, its pid), or the calling thread (a
 * clone child raising a signal, as abort() does): another live thread
 * is not looked up yet, and answers -ESRCH. */
static bool is_own_thread(long tid) { return tid == 1 || (tid > 0 && tid == sched_current()->tid); }

static long sys_kill(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return is_self(a0) ? signal_self((int)a1) : -ESRCH;
}
SYSCALL(SYS_kill, sys_kill);

static long sys_tkill(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return is_own_thread(a0) ? signal_self((int)a1) : -ESRCH;
}
SYSCALL(SYS_tkill, sys_tkill);

static long sys_tgkill(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return a0 == 1 && is_own_thread(a1) ? signal_self((int)a2) : -ESRCH;
}
SYSCALL(SYS_tgkill, sys_tgkill);
