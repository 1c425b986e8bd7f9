/*
 * The dispatcher: the table of handlers by number, built once from the
 * entries every family registered with SYSCALL(), and the answer to the
 * calls nobody registered (-ENOSYS, logged once per number by name).
 */
#include "sys/syscall.h"

#include <errno.h>
#include <stdbool.h>

#include "kernel/console.h"
#include "kernel/panic.h"
#include "sys/linux.h"

#define TABLE_SIZE 512
_Static_assert(SYSCALL_NAMES_MAX <= TABLE_SIZE, "every Linux system call has a slot");

extern const struct syscall_entry __syscalls_start[], __syscalls_end[];

static syscall_fn table[TABLE_SIZE];
static uint64_t logged[TABLE_SIZE / 64];
static bool ready;
unsigned long syscall_unknown_count;

static void build_table(void)
{
	for (const struct syscall_entry *e = __syscalls_start; e < __syscalls_end; e++) {
		if (e->nr < 0 || e->nr >= TABLE_SIZE)
			panic("syscall: %s registered for number %ld, outside the table", e->name, e->nr);
		if (table[e->nr])
			panic("syscall: %s registered twice for number %ld", e->name, e->nr);
		table[e->nr] = e->fn;
	}
	ready = true;
}

static long unknown(long nr)
{
	if (nr >= 0 && nr < TABLE_SIZE) {
		uint64_t bit = 1ull << (nr % 64);
		if (logged[nr / 64] & bit)
			return -ENOSYS;
		logged[nr / 64] |= bit;
	}
	syscall_unknown_count++;
	const char *name = syscall_name(nr);
	kwarn("syscall: %s (%ld) is not implemented: -ENOSYS\n", name ? name : "unknown", nr);
	return -ENOSYS;
}

long syscall_dispatch(struct syscall_frame *f)
{
	if (!ready)
		build_table();
	long nr = (long)f->rax;
	syscall_fn fn = nr >= 0 && nr < TABLE_SIZE ? table[nr] : NULL;
	if (fn == NULL)
		return unknown(nr);
	return fn((long)f->rdi, (long)f->rsi, (long)f->rdx, (long)f->r10, (long)f->r8, (long)f->r9);
}
