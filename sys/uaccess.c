/*
 * Checks of the pointers an application hands to a system call, against
 * its own regions (sys/vm.c): a bad pointer answers -EFAULT, and never
 * makes the kernel fault or touch memory that is not the application's.
 * The calling thread's own stack counts too: a thread of the kernel's API
 * (thread_create) runs application code on it.
 */
#include "kernel/sched.h"
#include "sys/linux.h"
#include "sys/process.h"

struct vm app_vm;

static bool on_own_stack(const void *p, size_t len)
{
	const struct thread *t = sched_current();
	uintptr_t a = (uintptr_t)p;
	return t->stack && a >= t->stack && len <= t->stack_size && a - t->stack <= t->stack_size - len;
}

bool user_range_ok(const void *p, size_t len)
{
	return on_own_stack(p, len) || vm_access_ok(&app_vm, (uintptr_t)p, len, PROT_READ);
}

bool user_writable_ok(const void *p, size_t len)
{
	return on_own_stack(p, len) || vm_access_ok(&app_vm, (uintptr_t)p, len, PROT_READ | PROT_WRITE);
}

bool user_iov_ok(const struct linux_iovec *iov, size_t count, bool into)
{
	for (size_t i = 0; i < count; i++) {
		const void *p = (const void *)(uintptr_t)iov[i].base;
		if (iov[i].len && !(into ? user_writable_ok(p, iov[i].len) : user_range_ok(p, iov[i].len)))
			return false;
	}
	return true;
}
