/*
 * The arch layer of kernel/sched.h for the host: what arch/x86_64/thread_arch.c
 * does with page-allocator stacks, arch/x86_64/switch.S, hlt and the local APIC
 * timer, done here with malloc, ucontexts, a fake clock and a timer queue,
 * checking the scheduler's invariants on the way (a switch or a halt only
 * with interrupts disabled, never from an interrupt handler, never the
 * running thread's stack freed).
 *
 * The switch saves with getcontext and resumes with setcontext rather than
 * calling swapcontext, which AddressSanitizer intercepts and answers with
 * a warning that it cannot follow it. Stack changes are announced to
 * AddressSanitizer instead, with __sanitizer_start_switch_fiber before and
 * __sanitizer_finish_switch_fiber after, so it knows which stack each
 * thread runs on.
 */
#include "tests/host/sched_host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "kernel/timerq.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define ASAN_FIBERS 1
#else
#define ASAN_FIBERS 0
#endif

struct host_ctx {
	ucontext_t uc;
	const void *stack_bottom; /* for AddressSanitizer; the boot stack's learnt at its first switch */
	size_t stack_size;
};

static bool irq_enabled = true;
static bool in_interrupt;
static uint64_t clock_now;
static struct timerq timers;
static unsigned long idles;
static unsigned spurious;

static struct host_ctx boot_ctx;
static struct host_ctx *switch_from; /* the context being left, for the one resumed */
static ucontext_t *switch_to;

static void **live;
static unsigned nlive, live_cap;
static unsigned long allocated;
static unsigned fail_allocs;

void host_fail(const char *file, int line, const char *what)
{
	fflush(stdout);
	struct thread *t = sched_current();
	fprintf(stderr, "%s:%d: host check failed: %s (thread %s, clock %llu)\n", file, line, what, t ? t->name : "?",
		(unsigned long long)clock_now);
	abort();
}

/* --- interrupts -------------------------------------------------------------------- */

bool arch_irq_save(void)
{
	bool s = irq_enabled;
	irq_enabled = false;
	return s;
}

void arch_irq_restore(bool state)
{
	/* A handler never enables interrupts, even through a nested save. */
	HOST_CHECK(!(state && in_interrupt));
	irq_enabled = state;
}

/* --- stacks ------------------------------------------------------------------------- */

int arch_stack_alloc(struct thread *t, size_t size)
{
	HOST_CHECK(size > 0 && size % 4096 == 0);
	if (fail_allocs > 0) {
		fail_allocs--;
		return -ENOMEM;
	}
	if (size > HOST_STACK_MAX)
		return -ENOMEM;
	void *p = malloc(size);
	if (p == NULL)
		return -ENOMEM;
	if (nlive == live_cap) {
		live_cap = live_cap ? 2 * live_cap : 16;
		live = realloc(live, live_cap * sizeof(*live));
		HOST_CHECK(live != NULL);
	}
	live[nlive++] = p;
	allocated++;
	t->stack = (uintptr_t)p;
	t->stack_size = size;
	return 0;
}

void arch_stack_free(struct thread *t)
{
	/* Never the stack the CPU is running on. */
	HOST_CHECK(t != sched_current());
	HOST_CHECK(t->state == THREAD_EXITED);
	unsigned i = 0;
	while (i < nlive && live[i] != (void *)t->stack)
		i++;
	HOST_CHECK(i < nlive); /* a stack handed out, and not freed twice */
	live[i] = live[--nlive];
	free((void *)t->stack);
	free(t->arch);
	t->arch = NULL;
	t->stack = 0;
}

/* --- threads and the switch ------------------------------------------------------ */

static void fiber_start(void **fake_stack, const struct host_ctx *to)
{
#if ASAN_FIBERS
	__sanitizer_start_switch_fiber(fake_stack, to->stack_bottom, to->stack_size);
#endif
}

/* On the stack just switched to: learns the left stack's bounds when
 * they were not known (the boot stack's). */
static void fiber_finish(void *fake_stack)
{
#if ASAN_FIBERS
	const void *bottom;
	size_t size;
	__sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
	if (switch_from && switch_from->stack_bottom == NULL) {
		switch_from->stack_bottom = bottom;
		switch_from->stack_size = size;
	}
#endif
}

/* Where a new thread's context starts: what thread_start in
 * arch/x86_64/switch.S is to the kernel. */
static void thread_start(void)
{
	fiber_finish(NULL);
	HOST_CHECK(!irq_enabled);
	HOST_CHECK(!in_interrupt);
	sched_thread_entry();
}

void arch_thread_init(struct thread *t)
{
	struct host_ctx *c = calloc(1, sizeof(*c));
	HOST_CHECK(c != NULL);
	HOST_CHECK(getcontext(&c->uc) == 0);
	c->uc.uc_stack.ss_sp = (void *)t->stack;
	c->uc.uc_stack.ss_size = t->stack_size;
	c->uc.uc_link = NULL; /* thread_start never returns */
	makecontext(&c->uc, thread_start, 0);
	c->stack_bottom = (const void *)t->stack;
	c->stack_size = t->stack_size;
	t->arch = c;
}

/* Saves the running context in from and resumes switch_to; returns when
 * something resumes from. */
static void save_and_resume(struct host_ctx *from)
{
	volatile bool resumed = false;
	HOST_CHECK(getcontext(&from->uc) == 0);
	if (resumed)
		return;
	resumed = true;
	setcontext(switch_to);
	host_fail(__FILE__, __LINE__, "setcontext returned");
}

void arch_switch(struct thread *from, struct thread *to)
{
	HOST_CHECK(!irq_enabled);
	HOST_CHECK(!in_interrupt);
	HOST_CHECK(from != to);
	HOST_CHECK(to == sched_current());
	HOST_CHECK(to->state == THREAD_RUNNABLE);
	HOST_CHECK(to->arch != NULL);
	if (from->arch == NULL) {
		/* The boot thread, leaving for the first time. */
		HOST_CHECK(from->stack == 0 && strcmp(from->name, "boot") == 0);
		from->arch = &boot_ctx;
	}
	struct host_ctx *f = from->arch, *t = to->arch;
	HOST_CHECK(!ASAN_FIBERS || t->stack_bottom != NULL);
	/* A thread that exited never comes back: AddressSanitizer may drop
	 * what it keeps for its stack. */
	void *fake_stack = NULL;
	fiber_start(from->state == THREAD_EXITED ? NULL : &fake_stack, t);
	switch_from = f;
	switch_to = &t->uc;
	save_and_resume(f);
	fiber_finish(fake_stack);
	HOST_CHECK(!irq_enabled);
	HOST_CHECK(sched_current() == from);
}

/* --- halting, the clock, timers ---------------------------------------------------- */

void arch_idle(void)
{
	HOST_CHECK(!irq_enabled);
	HOST_CHECK(!in_interrupt);
	idles++;
	if (spurious > 0) {
		spurious--;
		return; /* some interrupt that woke nobody */
	}
	if (timers.head == NULL)
		host_fail(__FILE__, __LINE__, "deadlock: nothing runnable and no timer armed");
	/* Halted until the earliest deadline; then the timer interrupt runs
	 * every expired timer, interrupts disabled, as kernel/timer.c does. */
	uint64_t next = timerq_next_deadline(&timers);
	if (next > clock_now)
		clock_now = next;
	in_interrupt = true;
	struct timer *t;
	while ((t = timerq_pop_expired(&timers, clock_now)) != NULL)
		t->fn(t, t->ctx);
	in_interrupt = false;
	HOST_CHECK(!irq_enabled);
}

uint64_t clock_ns(void) { return clock_now; }

void arch_timer_arm(struct timer *t, uint64_t deadline, timer_fn fn, void *ctx)
{
	bool s = arch_irq_save();
	timerq_cancel(&timers, t);
	timerq_add(&timers, t, deadline, fn, ctx);
	arch_irq_restore(s);
}

bool arch_timer_cancel(struct timer *t)
{
	bool s = arch_irq_save();
	bool armed = timerq_cancel(&timers, t);
	arch_irq_restore(s);
	return armed;
}

/* An interrupt striking the running thread at time now: the clock moves
 * there, expired timers run as kernel/timer.c runs them, and the end of
 * the interrupt gives the scheduler its chance to preempt, as
 * arch/x86_64/idt.c does. */
void host_interrupt_at(uint64_t now)
{
	HOST_CHECK(irq_enabled && !in_interrupt);
	if (now > clock_now)
		clock_now = now;
	irq_enabled = false;
	in_interrupt = true;
	struct timer *t;
	while ((t = timerq_pop_expired(&timers, clock_now)) != NULL)
		t->fn(t, t->ctx);
	in_interrupt = false;
	sched_interrupt_exit();
	HOST_CHECK(!irq_enabled);
	irq_enabled = true;
}

/* --- what the tests see ------------------------------------------------------------ */

bool host_quiescent(void)
{
	if (!irq_enabled || in_interrupt || nlive != 0 || timers.count != 0)
		return false;
	if (strcmp(sched_current()->name, "boot") != 0)
		return false;
	/* Nothing else runnable: a yield comes straight back. */
	unsigned long before = sched_switches;
	thread_yield();
	return sched_switches == before && nlive == 0;
}

bool host_reset(uint64_t start_ns)
{
	bool clean = irq_enabled && !in_interrupt && nlive == 0 && timers.count == 0;
	sched_init(0, 0);
	irq_enabled = true;
	in_interrupt = false;
	clock_now = start_ns;
	idles = 0;
	spurious = 0;
	fail_allocs = 0;
	allocated = 0;
	return clean;
}

uint64_t host_clock(void) { return clock_now; }
bool host_irq_enabled(void) { return irq_enabled; }
bool host_in_interrupt(void) { return in_interrupt; }
unsigned host_live_stacks(void) { return nlive; }
unsigned long host_stacks_allocated(void) { return allocated; }
void host_fail_stack_allocs(unsigned n) { fail_allocs = n; }
unsigned host_timers_armed(void) { return timers.count; }
unsigned long host_idles(void) { return idles; }
void host_spurious_wakeups(unsigned n) { spurious = n; }
