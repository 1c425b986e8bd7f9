/*
 * The one process a Keel image runs: its memory regions, its descriptors,
 * its signal dispositions. Shared by the system-call families.
 */
#ifndef KEEL_SYS_PROCESS_H
#define KEEL_SYS_PROCESS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sys/fd.h"
#include "sys/vm.h"

extern struct vm app_vm;
extern struct fd_table app_fds;

/* The process's id, which is also its first thread's (sys/threads.c
 * numbers threads from 1, in the order they first ask). */
#define APP_PID 1

/* Whether the application may read (user_range_ok) or write
 * (user_writable_ok) [p, p + len): NULL, kernel memory, non-canonical or
 * unmapped addresses, and wrap-around all answer false. */
bool user_range_ok(const void *p, size_t len);
bool user_writable_ok(const void *p, size_t len);

/* Copies n bytes to the application's dst: 0, or -EFAULT where it may
 * not write (nothing is written then). */
static inline long user_copy_out(void *dst, const void *src, size_t n)
{
	if (!user_writable_ok(dst, n))
		return -EFAULT;
	memcpy(dst, src, n);
	return 0;
}

/* Whether every buffer of an I/O vector (its array already checked) may
 * be read, or written when into: the kernel writes into them. */
struct linux_iovec;
bool user_iov_ok(const struct linux_iovec *iov, size_t count, bool into);
/* Copies the application's NUL-ended string src into dst (max bytes
 * with the NUL): its length, -EFAULT, or -ENAMETOOLONG when it does not
 * fit. */
long user_string_copy(char *dst, const char *src, size_t max);

/* The application's memory: its image's regions and the main stack. */
void app_memory_init(void);
/* Maps [p, p + len) with the protections of PROT_* prot. */
int app_apply_prot(uint64_t p, uint64_t len, unsigned prot);

/* Ends the VM with the application's exit status (Linux's, 0-255). */
__attribute__((noreturn)) void app_exit(int status);

/* The console on descriptors 0, 1 and 2 (sys/console.c). */
void console_files_init(struct fd_table *t);

struct thread;
/* The Linux thread id of t, given at its first asking (sys/tid.c). */
int app_thread_tid(struct thread *t);
/* The console's open file with a new reference for the caller
 * (/dev/tty, /dev/console). */
struct file *console_file(void);

/* Fills buf with random bytes as getrandom does (sys/misc.c): never
 * blocks. buf is the kernel's or already checked. */
void random_fill(void *buf, size_t len);
/* The same without the warning of weak bytes: AT_RANDOM at every start. */
void random_fill_quiet(void *buf, size_t len);

#endif
