/*
 * A thread's id, and the calls every musl program makes at its start
 * even with one thread (set_tid_address, and gettid): apart from clone,
 * exit and futex (sys/threads.c), so that a program that starts no
 * thread may leave those out (KEEL_SYSCALLS_OUT).
 */
#include "kernel/sched.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

static int last_tid;

int app_thread_tid(struct thread *t)
{
	if (t->tid == 0)
		t->tid = ++last_tid;
	return t->tid;
}

static long sys_set_tid_address(long tidptr, long a1, long a2, long a3, long a4, long a5)
{
	struct thread *t = sched_current();
	t->clear_child_tid = (uint32_t *)tidptr;
	return app_thread_tid(t);
}
SYSCALL(SYS_set_tid_address, sys_set_tid_address);

static long sys_gettid(long a0, long a1, long a2, long a3, long a4, long a5) { return app_thread_tid(sched_current()); }
SYSCALL_FAST(SYS_gettid, sys_gettid);
