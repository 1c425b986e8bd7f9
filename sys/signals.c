/*
 * Signals for the one process, as Linux: dispositions (rt_sigaction), a
 * mask and a pending set per thread (rt_sigprocmask, rt_sigpending),
 * signals sent to the process or to one of its threads (kill, tkill,
 * tgkill), waits for them (pause, rt_sigsuspend, rt_sigtimedwait) and
 * the alternate stack (sigaltstack). Delivery to handlers, the frame and
 * rt_sigreturn are in sys/sigdeliver.c.
 *
 * The state is touched from interrupt handlers (the interval timers send
 * SIGALRM), so every change happens with interrupts disabled. A thread's
 * sig_work (kernel/sched.h) is kept equal to "a signal is deliverable or
 * a context waits to be restored", so that the system-call exit tests a
 * single word.
 */
#include <errno.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/sched.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/signal.h"
#include "sys/syscall.h"
#include "sys/timeval.h"

#define SIGSET_SIZE 8
#define SIGCHLD 17
#define SIGCONT 18
#define SIGURG 23
#define SIGWINCH 28
#define PROCESS_PID 1

struct linux_sigaction signal_actions[LINUX_NSIG + 1];
uint64_t signal_process_pending;
static int8_t process_code[LINUX_NSIG];

static bool ignored_by_default(int sig) { return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH; }

bool signal_ignored(int sig, uint64_t handler)
{
	return sig != SIGKILL && sig != SIGSTOP &&
	       (handler == SIG_IGN || (handler == SIG_DFL && ignored_by_default(sig)));
}

void signal_update_work(struct thread *t)
{
	uint64_t ready = (t->sig.pending | signal_process_pending) & ~t->sig.blocked;
	t->sig_work = ready != 0 || t->sig.restore;
}

int signal_take(struct thread *t, int sig)
{
	uint64_t bit = sig_bit(sig);
	if (t->sig.pending & bit) {
		t->sig.pending &= ~bit;
		return t->sig.code[sig - 1];
	}
	signal_process_pending &= ~bit;
	return process_code[sig - 1];
}

/* Makes sig pending for t and wakes t when it can act on it: it does not
 * block sig (an interruptible wait ends with -EINTR), or it waits for sig
 * in rt_sigtimedwait. Interrupts disabled. */
static void post_thread(struct thread *t, int sig, int code)
{
	t->sig.pending |= sig_bit(sig);
	t->sig.code[sig - 1] = (int8_t)code;
	signal_update_work(t);
	if (t->sig_work || (t->sig.waitset & sig_bit(sig)))
		sched_interrupt(t);
}

static bool is_app_thread(const struct thread *t) { return t->tid > 0; }

static bool takes_signal(const struct thread *t, const void *ctx)
{
	uint64_t bit = *(const uint64_t *)ctx;
	return is_app_thread(t) && (!(t->sig.blocked & bit) || (t->sig.waitset & bit));
}

static bool has_tid(const struct thread *t, const void *ctx) { return t->tid == *(const int *)ctx; }

/* Whether sig is discarded as it is sent: ignored, and Linux does not
 * even queue an ignored signal. */
static bool discard(int sig) { return signal_ignored(sig, signal_actions[sig].handler); }

int signal_send_process(int sig, int code)
{
	if (sig < 1 || sig > LINUX_NSIG)
		return -EINVAL;
	bool irq = sched_lock();
	if (!discard(sig)) {
		/* The calling thread first, as Linux's complete_signal, then any
		 * thread that does not block it; else the process keeps it until
		 * a thread unblocks it. */
		uint64_t bit = sig_bit(sig);
		struct thread *t = sched_current();
		if (!takes_signal(t, &bit))
			t = sched_thread_find(takes_signal, &bit);
		if (t) {
			post_thread(t, sig, code);
		} else {
			signal_process_pending |= bit;
			process_code[sig - 1] = (int8_t)code;
		}
	}
	sched_unlock(irq);
	return 0;
}

static int send_thread(int tid, int sig, int code)
{
	if (sig < 0 || sig > LINUX_NSIG || tid <= 0)
		return -EINVAL;
	bool irq = sched_lock();
	struct thread *t = sched_thread_find(has_tid, &tid);
	if (t && sig != 0 && !discard(sig))
		post_thread(t, sig, code);
	sched_unlock(irq);
	return t ? 0 : -ESRCH;
}

/* The value and timer of the last SI_TIMER signal of each number, for
 * its siginfo (Linux queues one per timer; Keel keeps the last). */
static uint64_t timer_value[LINUX_NSIG + 1];
static int timer_id[LINUX_NSIG + 1];

int signal_send_timer(int sig, int tid, int timer, uint64_t value)
{
	if (sig < 1 || sig > LINUX_NSIG)
		return -EINVAL;
	bool irq = sched_lock();
	timer_value[sig] = value;
	timer_id[sig] = timer;
	sched_unlock(irq);
	return tid ? send_thread(tid, sig, LINUX_SI_TIMER) : signal_send_process(sig, LINUX_SI_TIMER);
}

void signal_fill_info(struct linux_siginfo *info, int sig, int code)
{
	memset(info, 0, sizeof(*info));
	info->si_signo = sig;
	info->si_code = code;
	if (code == LINUX_SI_USER || code == LINUX_SI_TKILL) {
		info->u.kill.pid = PROCESS_PID;
	} else if (code == LINUX_SI_TIMER) {
		info->u.timer.tid = timer_id[sig];
		info->u.timer.value = timer_value[sig];
	}
}

int signal_raise_self(int sig)
{
	struct thread *t = sched_current();
	if (sig < 1 || sig > LINUX_NSIG)
		return -EINVAL;
	bool irq = sched_lock();
	if (!discard(sig))
		post_thread(t, sig, LINUX_SI_USER);
	sched_unlock(irq);
	return 0;
}

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
	bool irq = sched_lock();
	struct linux_sigaction prev = signal_actions[sig];
	if (act) {
		signal_actions[sig] = *act;
		signal_actions[sig].mask &= ~SIG_UNBLOCKABLE;
		/* POSIX: setting a pending signal to be ignored discards it. */
		if (discard(sig)) {
			struct thread *t = sched_current();
			t->sig.pending &= ~sig_bit(sig);
			signal_process_pending &= ~sig_bit(sig);
			signal_update_work(t);
		}
	}
	sched_unlock(irq);
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
	if (set && a0 != SIG_BLOCK && a0 != SIG_UNBLOCK && a0 != SIG_SETMASK)
		return -EINVAL;
	if (set && !user_range_ok(set, sizeof(*set)))
		return -EFAULT;
	if (old && !user_writable_ok(old, sizeof(*old)))
		return -EFAULT;
	struct thread *t = sched_current();
	uint64_t s = set ? *set & ~SIG_UNBLOCKABLE : 0;
	bool irq = sched_lock();
	uint64_t prev = t->sig.blocked;
	if (set) {
		if (a0 == SIG_BLOCK)
			t->sig.blocked |= s;
		else if (a0 == SIG_UNBLOCK)
			t->sig.blocked &= ~s;
		else
			t->sig.blocked = s;
		signal_update_work(t);
	}
	sched_unlock(irq);
	if (old)
		*old = prev;
	return 0;
}
SYSCALL(SYS_rt_sigprocmask, sys_rt_sigprocmask);

static long sys_rt_sigpending(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint64_t *set = (uint64_t *)a0;
	if (a1 != SIGSET_SIZE)
		return -EINVAL;
	if (!user_writable_ok(set, sizeof(*set)))
		return -EFAULT;
	struct thread *t = sched_current();
	*set = (t->sig.pending | signal_process_pending) & t->sig.blocked;
	return 0;
}
SYSCALL(SYS_rt_sigpending, sys_rt_sigpending);

/* Sleeps until a signal is deliverable (the exit then delivers it). */
static long wait_for_signal(void)
{
	struct waitq nobody = { 0, 0 };
	bool irq = sched_lock();
	while (waitq_wait_interruptible(&nobody, DEADLINE_NEVER) != -EINTR)
		;
	sched_unlock(irq);
	return -ERESTARTNOHAND;
}

static long sys_pause(long a0, long a1, long a2, long a3, long a4, long a5) { return wait_for_signal(); }
SYSCALL(SYS_pause, sys_pause);

int signal_mask_for_wait(const uint64_t *set, size_t size)
{
	if (size != SIGSET_SIZE)
		return -EINVAL;
	if (!user_range_ok(set, sizeof(*set)))
		return -EFAULT;
	struct thread *t = sched_current();
	bool irq = sched_lock();
	/* The delivery puts the old mask in the handler's frame, so that
	 * rt_sigreturn restores it. */
	t->sig.saved_mask = t->sig.blocked;
	t->sig.mask_saved = true;
	t->sig.blocked = *set & ~SIG_UNBLOCKABLE;
	signal_update_work(t);
	sched_unlock(irq);
	return 0;
}

void signal_mask_after_wait(long ret)
{
	struct thread *t = sched_current();
	bool irq = sched_lock();
	bool interrupted = ret == -EINTR || ret == -ERESTARTNOHAND || ret == -ERESTARTSYS;
	if (t->sig.mask_saved && !(interrupted && t->sig_work)) {
		t->sig.blocked = t->sig.saved_mask;
		t->sig.mask_saved = false;
		signal_update_work(t);
	}
	sched_unlock(irq);
}

static long sys_rt_sigsuspend(long a0, long a1, long a2, long a3, long a4, long a5)
{
	int err = signal_mask_for_wait((const uint64_t *)a0, (size_t)a1);
	return err ? err : wait_for_signal();
}
SYSCALL(SYS_rt_sigsuspend, sys_rt_sigsuspend);

static long sys_rt_sigtimedwait(long a0, long a1, long a2, long a3, long a4, long a5)
{
	const uint64_t *set = (const uint64_t *)a0;
	struct linux_siginfo *info = (struct linux_siginfo *)a1;
	const struct linux_timespec *ts = (const struct linux_timespec *)a2;
	if (a3 != SIGSET_SIZE)
		return -EINVAL;
	if (!user_range_ok(set, sizeof(*set)) || (info && !user_writable_ok(info, sizeof(*info))) ||
	    (ts && !user_range_ok(ts, sizeof(*ts))))
		return -EFAULT;
	uint64_t deadline = DEADLINE_NEVER;
	if (ts) {
		uint64_t ns;
		if (timespec_to_ns(ts, &ns))
			return -EINVAL;
		deadline = deadline_after(ns);
	}
	uint64_t want = *set & ~SIG_UNBLOCKABLE;
	struct thread *t = sched_current();
	struct waitq nobody = { 0, 0 };
	bool irq = sched_lock();
	int sig, code = 0;
	long r = 0;
	t->sig.waitset = want;
	for (;;) {
		/* Among the waited-for signals, blocked or not. */
		sig = sig_next((t->sig.pending | signal_process_pending) & want, 0);
		if (sig) {
			code = signal_take(t, sig);
			break;
		}
		if (t->sig_work) {
			r = -EINTR; /* another signal: its handler runs first */
			break;
		}
		int w = waitq_wait_interruptible(&nobody, deadline);
		if (w == -ETIMEDOUT) {
			r = -EAGAIN;
			break;
		}
	}
	t->sig.waitset = 0;
	signal_update_work(t);
	sched_unlock(irq);
	if (r)
		return r;
	/* Checked before the wait; meanwhile another thread may have
	 * unmapped or protected it. The signal is taken, as on Linux. */
	if (info && !user_writable_ok(info, sizeof(*info)))
		return -EFAULT;
	if (info)
		signal_fill_info(info, sig, code);
	return sig;
}
SYSCALL(SYS_rt_sigtimedwait, sys_rt_sigtimedwait);

static long sys_sigaltstack(long a0, long a1, long a2, long a3, long a4, long a5)
{
	const struct linux_stack *ss = (const struct linux_stack *)a0;
	struct linux_stack *old = (struct linux_stack *)a1;
	struct thread *t = sched_current();
	struct syscall_frame *f = syscall_current_frame();
	bool on = f && sig_on_altstack(f->rsp, t->sig.altstack_sp, t->sig.altstack_size);
	if (ss && !user_range_ok(ss, sizeof(*ss)))
		return -EFAULT;
	if (old && !user_writable_ok(old, sizeof(*old)))
		return -EFAULT;
	struct linux_stack prev = {
		.ss_sp = t->sig.altstack_sp,
		.ss_flags = on				? LINUX_SS_ONSTACK
			    : t->sig.altstack_size == 0 ? LINUX_SS_DISABLE
							: 0,
		.ss_size = t->sig.altstack_size,
	};
	if (ss) {
		if (on)
			return -EPERM;
		if (ss->ss_flags == LINUX_SS_DISABLE) {
			t->sig.altstack_sp = t->sig.altstack_size = 0;
		} else if (ss->ss_flags == 0 || ss->ss_flags == LINUX_SS_ONSTACK) {
			if (ss->ss_size < LINUX_MINSIGSTKSZ)
				return -ENOMEM;
			t->sig.altstack_sp = ss->ss_sp;
			t->sig.altstack_size = ss->ss_size;
		} else {
			return -EINVAL;
		}
	}
	if (old)
		*old = prev;
	return 0;
}
SYSCALL(SYS_sigaltstack, sys_sigaltstack);

static bool is_self(long pid) { return pid == PROCESS_PID || pid == 0 || pid == -1 || pid == -PROCESS_PID; }

static long sys_kill(long a0, long a1, long a2, long a3, long a4, long a5)
{
	int sig = (int)a1;
	if (!is_self(a0))
		return -ESRCH;
	if (sig < 0 || sig > LINUX_NSIG)
		return -EINVAL;
	return sig == 0 ? 0 : signal_send_process(sig, LINUX_SI_USER);
}
SYSCALL(SYS_kill, sys_kill);

static long sys_tkill(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return send_thread((int)a0, (int)a1, LINUX_SI_TKILL);
}
SYSCALL(SYS_tkill, sys_tkill);

static long sys_tgkill(long a0, long a1, long a2, long a3, long a4, long a5)
{
	if (a0 != PROCESS_PID)
		return a0 <= 0 ? -EINVAL : -ESRCH;
	return send_thread((int)a1, (int)a2, LINUX_SI_TKILL);
}
SYSCALL(SYS_tgkill, sys_tgkill);
