/*
 * Threads for applications built against musl: clone (the flags
 * pthread_create passes), futex, exit. (A thread's id, set_tid_address
 * and gettid are in sys/tid.c, which a program of one thread needs too;
 * the process's own calls, exit_group and sched_yield among them, are in
 * sys/misc.c.)
 *
 * A clone child is a Keel thread with a kernel stack of its own, marked
 * preemptible, whose first act is to enter the application where the
 * parent's system call returns, with the parent's registers, rax 0, the
 * stack the caller gave and its FS base set to the TLS argument.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/sched.h"
#include "sys/futex.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/sigframe.h"
#include "sys/syscall.h"
#include "sys/timeval.h"

/* <linux/sched.h> */
#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_THREAD 0x00010000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000 /* ignored by Linux since 2.6; musl still passes it */
#define CLONE_CHILD_SETTID 0x01000000

/* A thread in the one address space: what must be asked for, and what
 * else may be (the rest is what Keel has anyway, or nothing to do). */
#define CLONE_THREAD_NEEDS (CLONE_VM | CLONE_SIGHAND | CLONE_THREAD)
#define CLONE_THREAD_MAY                                                                                               \
	(CLONE_THREAD_NEEDS | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |            \
	 CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_CHILD_SETTID)

/* <linux/futex.h> */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

/* A kernel stack for system calls and interrupts only: the application
 * runs on the stack it passed to clone. */
#define CLONE_KERNEL_STACK (32 * 1024)

/* The child's first function, on its kernel stack: from here it enters
 * the application and never comes back but through system calls. */
static int clone_child(void *arg)
{
	preempt_disable(); /* the heap is not for preemptible threads */
	struct syscall_frame f = *(struct syscall_frame *)arg;
	free(arg);
	preempt_enable();
	arch_irq_save();
	syscall_return_to_app(&f);
}

static bool is_clone_child(const struct thread *t) { return t->fn == clone_child; }

static long sys_clone(long flags, long stack, long ptid, long ctid, long tls, long a5)
{
	if ((flags & CLONE_VM) == 0)
		return -ENOSYS; /* fork: one address space only */
	if ((flags & CLONE_THREAD_NEEDS) != CLONE_THREAD_NEEDS || (flags & ~(long)CLONE_THREAD_MAY) != 0)
		return -EINVAL; /* vfork, a termination signal, namespaces... */
	struct syscall_frame *parent = syscall_current_frame();
	if (parent == NULL || stack == 0)
		return -EINVAL;
	if (((flags & CLONE_PARENT_SETTID) && !user_writable_ok((void *)ptid, sizeof(int))) ||
	    ((flags & (CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID)) && !user_writable_ok((void *)ctid, sizeof(int))))
		return -EFAULT;

	struct syscall_frame *start = malloc(sizeof(*start));
	if (start == NULL)
		return -ENOMEM;
	*start = *parent;
	start->rax = 0;
	start->rsp = (uint64_t)stack;
	struct thread *t;
	int err = thread_create(&t, "app-thread", clone_child, start, CLONE_KERNEL_STACK);
	if (err) {
		free(start);
		return err;
	}
	/* Not yet run: it starts when this thread next blocks or is
	 * preempted, after these are set. */
	int tid = app_thread_tid(t);
	if (flags & CLONE_SETTLS)
		t->fs_base = (uint64_t)tls;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = (uint32_t *)ctid;
	if (flags & CLONE_PARENT_SETTID)
		*(int *)ptid = tid;
	if (flags & CLONE_CHILD_SETTID)
		*(int *)ctid = tid;
	/* Linux's clone: the signal mask is inherited, nothing is pending,
	 * no alternate stack (musl blocks every signal around the call). */
	t->sig.blocked = sched_current()->sig.blocked;
	sched_set_preemptible(t, true);
	thread_detach(t); /* nobody joins it: musl waits on the cleared tid */
	return tid;
}
SYSCALL(SYS_clone, sys_clone);

/* At a thread's end: the word set_tid_address named becomes 0 and one
 * waiter on it is woken (pthread_join waits there). */
static void clear_tid(struct thread *t)
{
	uint32_t *p = t->clear_child_tid;
	t->clear_child_tid = NULL;
	/* Checked now, not at set_tid_address: the memory may have been
	 * unmapped since, and Linux too ignores a word it cannot write. */
	if (p == NULL || !user_writable_ok(p, sizeof(*p)))
		return;
	__atomic_store_n(p, 0, __ATOMIC_SEQ_CST);
	futex_wake(p, 1, FUTEX_BITSET_ANY);
}

static long sys_exit(long status, long a1, long a2, long a3, long a4, long a5)
{
	struct thread *t = sched_current();
	clear_tid(t);
	/* The application's first thread ending ends the application: Keel
	 * has no process to outlive it. */
	if (!is_clone_child(t))
		app_exit((int)status);
	thread_exit((int)status);
}
SYSCALL(SYS_exit, sys_exit);

/* A timeout of futex(2): relative for FUTEX_WAIT, an absolute time on
 * CLOCK_MONOTONIC (Keel's clock since boot) for FUTEX_WAIT_BITSET.
 * Returns 0 and *deadline, or -EINVAL for a malformed time. */
static int futex_deadline(const struct linux_timespec *ts, bool absolute, uint64_t *deadline)
{
	if (ts == NULL) {
		*deadline = DEADLINE_NEVER;
		return 0;
	}
	uint64_t ns;
	if (timespec_to_ns(ts, &ns))
		return -EINVAL;
	/* Saturated at half the clock's range: the sum cannot wrap, and
	 * stays below DEADLINE_NEVER (a timed wait, however long). */
	*deadline = (absolute ? 0 : clock_ns()) + ns;
	return 0;
}

static long sys_futex(long uaddr, long op, long val, long timeout, long uaddr2, long val3)
{
	const uint32_t *addr = (const uint32_t *)uaddr;
	int cmd = (int)(op & ~(long)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
	if (uaddr & 3)
		return -EINVAL;
	if (!user_range_ok(addr, sizeof(*addr)))
		return -EFAULT;
	/* Waits are timed on the monotonic clock only (musl asks no other). */
	if (op & FUTEX_CLOCK_REALTIME)
		return -ENOSYS;
	uint64_t deadline;
	int err;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (timeout && !user_range_ok((const void *)timeout, sizeof(struct linux_timespec)))
			return -EFAULT;
		err = futex_deadline((const struct linux_timespec *)timeout, cmd == FUTEX_WAIT_BITSET, &deadline);
		if (err)
			return err;
		err = futex_wait(addr, (uint32_t)val, cmd == FUTEX_WAIT ? FUTEX_BITSET_ANY : (uint32_t)val3, deadline);
		/* Interrupted by a signal: Linux restarts the wait after a
		 * handler with SA_RESTART when starting again waits as long
		 * (no timeout, or FUTEX_WAIT_BITSET's absolute one); a relative
		 * timeout would start anew, so that wait ends with -EINTR. */
		if (err == -EINTR && (timeout == 0 || cmd == FUTEX_WAIT_BITSET))
			return -ERESTARTSYS;
		return err;
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		return futex_wake(addr, (int)val, cmd == FUTEX_WAKE ? FUTEX_BITSET_ANY : (uint32_t)val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		if (uaddr2 & 3)
			return -EINVAL;
		if (!user_range_ok((const void *)uaddr2, sizeof(uint32_t)))
			return -EFAULT;
		/* The fourth argument is a count here, not a time. */
		return futex_requeue(addr, (int)val, (const uint32_t *)uaddr2, (int)timeout, cmd == FUTEX_CMP_REQUEUE,
				     (uint32_t)val3);
	default: return -ENOSYS; /* priority inheritance, FUTEX_WAKE_OP: musl falls back or does not use them */
	}
}
SYSCALL(SYS_futex, sys_futex);
