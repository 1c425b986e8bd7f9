/*
 * panic(): the report of a broken invariant, with a symbolised backtrace,
 * and the end of the VM with its own exit status.
 */
#include "kernel/panic.h"

#include <stdarg.h>
#include <stddef.h>

#include "kernel/exit.h"
#include "kernel/console.h"
#include "arch/x86_64/cpu.h"
#include "kernel/ksyms.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/power.h"

#define MAX_FRAMES 32
#define MAX_WALK 100000 /* frames looked at, repeats included */

static void walk_frames(int n, uint64_t rip, uint64_t rbp);

static volatile int panicking;

bool panic_begin(void)
{
	irq_disable();
	if (panicking) {
		/* A fault while reporting a fault: no further report. */
		kprintf("keel: fault during a fatal report; stopping\n");
		power_exit(KERNEL_EXIT_PANIC);
	}
	panicking = 1;
	console_panic_mode();
	return true;
}

static void print_frame(int n, uint64_t addr, const char *note)
{
	uint64_t off;
	const char *name = ksyms_lookup(addr, &off);
	if (name)
		kprintf("  #%-2d 0x%016lx <%s+0x%lx>%s\n", n, addr, name, off, note);
	else
		kprintf("  #%-2d 0x%016lx%s\n", n, addr, note);
}

/* Whether addr follows a call instruction in the kernel's text: e8 rel32,
 * or a call through a register (ff d0+r). */
static bool after_call(uint64_t addr)
{
	extern const char __text_start[];
	if (addr < (uintptr_t)__text_start + 5 || !ksyms_in_text(addr - 1))
		return false;
	const uint8_t *p = (const uint8_t *)(uintptr_t)addr;
	return p[-5] == 0xe8 || (p[-2] == 0xff && (p[-1] & 0xf8) == 0xd0);
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
	kprintf("backtrace:\n");
	walk_frames(rip ? 1 : 0, rip, rbp);
}

void backtrace_print_interrupted(uint64_t rip, uint64_t rbp, uint64_t rsp)
{
	kprintf("backtrace:\n");
	int n = 1;
	print_frame(0, rip, "");
	uint64_t off;
	const char *fn = ksyms_lookup(rip, &off);
	const uint8_t *start = fn ? (const uint8_t *)(uintptr_t)(rip - off) : NULL;
	/* push %rbp opens every frame GCC makes; without it (and before it
	 * runs, at offset 0) the return address is on the stack. So it is
	 * when rip is outside the text: a call to a bad function pointer. */
	if (start == NULL || start[0] != 0x55 || off == 0) {
		for (int i = 0; i < 8; i++) {
			uint64_t slot = rsp + 8 * (uint64_t)i;
			if (!paging_is_mapped(slot) || !paging_is_mapped(slot + 7))
				break;
			uint64_t v = *(const uint64_t *)(uintptr_t)slot;
			if (after_call(v)) {
				print_frame(n++, v - 1, " (found on the stack: the function above keeps no frame)");
				break;
			}
		}
	}
	walk_frames(n, 0, rbp);
}

static void walk_frames(int n, uint64_t rip, uint64_t rbp)
{
	if (rip)
		print_frame(0, rip, "");
	uint64_t prev = 0, last = 0;
	unsigned repeats = 0;
	/* Each frame is [saved rbp][return address]. A frame pointer must be
	 * aligned, mapped, and above the previous one (stacks grow down);
	 * a return address must be in the kernel's text. Anything else is
	 * the end of the chain or a corrupted stack. Deep recursion prints
	 * each repeated return address once, with a count. */
	for (unsigned walked = 0; rbp != 0 && walked < MAX_WALK; walked++) {
		if ((rbp & 7) != 0 || rbp <= prev || !paging_is_mapped(rbp) || !paging_is_mapped(rbp + 15))
			break;
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
		uint64_t ret = frame[1];
		if (ret == 0)
			break;
		if (!ksyms_in_text(ret - 1)) {
			kprintf("  #%-2d 0x%016lx (not a return address: the stack is corrupt)\n", n, ret);
			break;
		}
		prev = rbp;
		rbp = frame[0];
		if (ret == last) {
			repeats++;
			continue;
		}
		if (repeats)
			kprintf("      ... the same %u more time%s\n", repeats, repeats == 1 ? "" : "s");
		repeats = 0;
		if (n >= MAX_FRAMES)
			break;
		/* A return address points after the call: report the call. */
		print_frame(n++, ret - 1, "");
		last = ret;
	}
	if (repeats)
		kprintf("      ... the same %u more time%s\n", repeats, repeats == 1 ? "" : "s");
}

void panic_at(const char *file, int line, const char *fmt, ...)
{
	panic_begin();
	kprintf("\n*** keel: panic at %s:%d: ", file, line);
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	backtrace_print(0, (uint64_t)(uintptr_t)__builtin_frame_address(0));
	power_exit(KERNEL_EXIT_PANIC);
}

/* The stack protector: a function's canary was overwritten. */
uint64_t __stack_chk_guard = 0x595e9fbd94fda766ull;

__attribute__((noreturn)) void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	panic("stack smashing detected: a stack buffer overflowed into a canary (caller %p)",
	      __builtin_return_address(0));
}

/* For <assert.h>. */
__attribute__((noreturn)) void __assert_fail(const char *expr, const char *file, int line, const char *func);
void __assert_fail(const char *expr, const char *file, int line, const char *func)
{
	panic_at(file, line, "assertion '%s' failed in %s()", expr, func);
}
