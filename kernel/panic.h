/*
 * Fatal errors: a report on the console, a backtrace, and the VM's end
 * with a status of its own (kernel/exit.h: KERNEL_EXIT_PANIC and
 * KERNEL_EXIT_EXCEPTION) so a CI run tells a crash from a failed test.
 */
#ifndef KEEL_PANIC_H
#define KEEL_PANIC_H

#include <stdbool.h>
#include <stdint.h>

__attribute__((noreturn, format(printf, 3, 4))) void panic_at(const char *file, int line, const char *fmt, ...);
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

/* For Keel's own invariants: panics with the expression and location. */
#define KASSERT(cond)                                                                                                  \
	do {                                                                                                           \
		if (__builtin_expect(!(cond), 0))                                                                      \
			panic_at(__FILE__, __LINE__, "assertion failed: %s", #cond);                                   \
	} while (0)

/* Prints a backtrace starting at a frame pointer (and the address that
 * frame is executing, when known). Walks at most a bounded number of
 * frames and stops at anything that is not a plausible stack address. */
void backtrace_print(uint64_t rip, uint64_t rbp);

/* The same for an interrupted context: GCC gives leaf functions no frame,
 * so when the function at rip does not open one, its caller is looked
 * for on the stack at rsp (and marked as found that way). */
void backtrace_print_interrupted(uint64_t rip, uint64_t rbp, uint64_t rsp);

/* Marks a fatal report under way; a second one during it stops the
 * machine without another report. */
bool panic_begin(void);

#endif
