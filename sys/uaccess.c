/*
 * Checks of the pointers an application hands to a system call, against
 * its own regions (sys/vm.c): a bad pointer answers -EFAULT, and never
 * makes the kernel fault or touch memory that is not the application's.
 */
#include "sys/process.h"
#include "sys/linux.h"

struct vm app_vm;

bool user_range_ok(const void *p, size_t len) { return vm_access_ok(&app_vm, (uintptr_t)p, len, PROT_READ); }

bool user_writable_ok(const void *p, size_t len)
{
	return vm_access_ok(&app_vm, (uintptr_t)p, len, PROT_READ | PROT_WRITE);
}
