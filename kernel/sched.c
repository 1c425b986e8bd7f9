/*
 * The scheduler: a FIFO run queue, wait queues with deadlines, and the
 * life of a thread (create, run, exit, join or detach).
 *
 * Everything that touches the run queue or a wait queue runs with
 * interrupts disabled, because interrupt handlers wake threads. A switch
 * always happens inside schedule(), and a thread resumes there (or, the
 * first time, in sched_thread_entry) with interrupts still disabled; the
 * public call it came through then restores the caller's state.
 *
 * The machine-specific parts (stacks, the switch itself, halting, the
 * clock) are behind the arch_ functions, so the host tests run this very
 * file with threads made of ucontexts.
 */
#include "kernel/sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct thread boot_thread;
static struct thread *current = &boot_thread;
static struct thread *runq_head, *runq_tail;
static struct thread *all_threads = &boot_thread;
static struct thread *zombies; /* detached threads that ended: freed by the next switch */
unsigned long sched_switches, sched_idle_halts, sched_preemptions;

/* Preemption: the slice timer (armed only while a preemptible thread runs
 * and another is runnable), whether a preemption is due, and whether the
 * CPU halts inside schedule() (an interrupt then must not preempt). */
static struct timer slice_timer;
static bool slice_armed, need_resched, idling;
/* When the running thread's slice began. The timer is not moved at each
 * switch (reprogramming the APIC timer is the dear part of a hand-off
 * under a hypervisor): when it fires for a slice that began later, it is
 * armed again for the rest. */
static uint64_t slice_start;

void sched_init(uintptr_t boot_stack, size_t boot_stack_size)
{
	strcpy(boot_thread.name, "boot");
	boot_thread.stack = boot_stack;
	boot_thread.stack_size = boot_stack_size;
	boot_thread.state = THREAD_RUNNABLE;
	boot_thread.preemptible = false;
	boot_thread.preempt_count = 0;
	need_resched = slice_armed = idling = false;
	current = &boot_thread;
	all_threads = &boot_thread;
}

struct thread *sched_current(void) { return current; }

bool sched_lock(void) { return arch_irq_save(); }
void sched_unlock(bool state) { arch_irq_restore(state); }

static void runq_push(struct thread *t)
{
	t->run_next = NULL;
	if (runq_tail)
		runq_tail->run_next = t;
	else
		runq_head = t;
	runq_tail = t;
}

static struct thread *runq_pop(void)
{
	struct thread *t = runq_head;
	if (t) {
		runq_head = t->run_next;
		if (runq_head == NULL)
			runq_tail = NULL;
		t->run_next = NULL;
	}
	return t;
}

static void on_slice_end(struct timer *tm, void *ctx)
{
	slice_armed = false;
	if (!current->preemptible || runq_head == NULL)
		return;
	uint64_t end = slice_start + SCHED_SLICE_NS;
	if (clock_ns() >= end) {
		need_resched = true;
		return;
	}
	/* The slice of a thread switched in since the timer was set. */
	slice_armed = true;
	arch_timer_arm(&slice_timer, end, on_slice_end, NULL);
}

/* Starts the running thread's slice when it may be preempted and another
 * thread waits to run; a single runnable thread needs no timer. */
static void slice_update(void)
{
	if (!slice_armed && current->preemptible && runq_head != NULL) {
		slice_armed = true;
		arch_timer_arm(&slice_timer, slice_start + SCHED_SLICE_NS, on_slice_end, NULL);
	}
}

static void make_runnable(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	runq_push(t);
	/* A kernel thread woken while an application thread runs goes
	 * first: kernel threads (the network stack, drivers) do short work
	 * and others wait for it. */
	if (t != current && !t->preemptible && current->preemptible)
		need_resched = true;
	/* A halted CPU is about to switch: the switch starts the slice of
	 * whoever runs next. */
	if (!idling)
		slice_update();
}

static void unlink_thread(struct thread *t)
{
	for (struct thread **p = &all_threads; *p; p = &(*p)->all_next) {
		if (*p == t) {
			*p = t->all_next;
			return;
		}
	}
}

/* Frees detached threads that have ended, none of which is the one
 * running (it switched away from each of them). */
static void reap_zombies(void)
{
	while (zombies) {
		struct thread *z = zombies;
		zombies = z->run_next;
		unlink_thread(z);
		arch_stack_free(z);
		free(z);
	}
}

/* Runs the next runnable thread; the caller has either queued itself
 * (yield), blocked or exited. Halts while nothing is runnable. */
static void schedule(void)
{
	struct thread *prev = current, *next;
	while ((next = runq_pop()) == NULL) {
		sched_idle_halts++;
		idling = true;
		arch_idle();
		idling = false;
	}
	need_resched = false;
	if (next != prev) {
		current = next;
		sched_switches++;
		/* A new slice for the next thread. An armed timer stays where
		 * it is (on_slice_end) while application threads take turns;
		 * a kernel thread, which is never preempted, needs none. */
		if (next->preemptible)
			slice_start = clock_ns();
		if (slice_armed && !next->preemptible) {
			slice_armed = false;
			arch_timer_cancel(&slice_timer);
		}
		slice_update();
		arch_switch(prev, next);
	}
	reap_zombies();
}

void sched_thread_entry(void)
{
	struct thread *t = current;
	reap_zombies();
	arch_irq_restore(true);
	thread_exit(t->fn(t->arg));
}

/* --- wait queues ----------------------------------------------------------- */

static void wq_remove(struct thread *t)
{
	struct waitq *q = t->waiting_on;
	if (t->wq_prev)
		t->wq_prev->wq_next = t->wq_next;
	else
		q->head = t->wq_next;
	if (t->wq_next)
		t->wq_next->wq_prev = t->wq_prev;
	else
		q->tail = t->wq_prev;
	t->wq_next = t->wq_prev = NULL;
	t->waiting_on = NULL;
}

static void on_timeout(struct timer *tm, void *ctx)
{
	struct thread *t = ctx;
	/* Woken and timed out at once: the wake came first, keep it. */
	if (t->state != THREAD_BLOCKED || t->waiting_on == NULL)
		return;
	wq_remove(t);
	t->wake_result = -ETIMEDOUT;
	make_runnable(t);
}

int waitq_wait(struct waitq *q, uint64_t deadline)
{
	struct thread *t = current;
	if (deadline != DEADLINE_NEVER && deadline <= clock_ns())
		return -ETIMEDOUT;
	t->waiting_on = q;
	t->wq_next = NULL;
	t->wq_prev = q->tail;
	if (q->tail)
		q->tail->wq_next = t;
	else
		q->head = t;
	q->tail = t;
	t->state = THREAD_BLOCKED;
	t->wake_result = 0;
	if (deadline != DEADLINE_NEVER)
		arch_timer_arm(&t->timeout, deadline, on_timeout, t);
	schedule();
	if (deadline != DEADLINE_NEVER)
		arch_timer_cancel(&t->timeout);
	return t->wake_result;
}

int waitq_wait_interruptible(struct waitq *q, uint64_t deadline)
{
	struct thread *t = current;
	if (t->sig_work)
		return -EINTR;
	t->wait_interruptible = true;
	int r = waitq_wait(q, deadline);
	t->wait_interruptible = false;
	return r;
}

void sched_interrupt(struct thread *t)
{
	if (t->state != THREAD_BLOCKED || !t->wait_interruptible || t->waiting_on == NULL)
		return;
	wq_remove(t);
	t->wake_result = -EINTR;
	make_runnable(t);
}

struct thread *waitq_first(const struct waitq *q) { return q->head; }

/* Interrupts disabled. */
static void wake(struct thread *t)
{
	wq_remove(t);
	t->wake_result = 0;
	make_runnable(t);
}

unsigned waitq_wake_one(struct waitq *q)
{
	bool s = arch_irq_save();
	struct thread *t = q->head;
	if (t)
		wake(t);
	arch_irq_restore(s);
	return t != NULL;
}

/* One pass with interrupts off, not a waitq_wake_one per waiter: the
 * socket layer wakes a queue at every event, mostly an empty one. */
unsigned waitq_wake_all(struct waitq *q)
{
	bool s = arch_irq_save();
	unsigned n = 0;
	for (struct thread *t; (t = q->head) != NULL; n++)
		wake(t);
	arch_irq_restore(s);
	return n;
}

/* --- threads --------------------------------------------------------------- */

int thread_create(struct thread **out, const char *name, int (*fn)(void *), void *arg, size_t stack_size)
{
	if (fn == NULL || out == NULL)
		return -EINVAL;
	struct thread *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	if (stack_size == 0)
		stack_size = THREAD_DEFAULT_STACK;
	if (stack_size > ((size_t)1 << 40))
		stack_size = (size_t)1 << 40; /* fails below rather than overflowing */
	stack_size = (stack_size + 4095) & ~(size_t)4095;
	if (arch_stack_alloc(t, stack_size) != 0) {
		free(t);
		return -ENOMEM;
	}
	strncpy(t->name, name ? name : "thread", THREAD_NAME_MAX - 1);
	t->fn = fn;
	t->arg = arg;
	arch_thread_init(t);

	bool s = arch_irq_save();
	t->all_next = all_threads;
	all_threads = t;
	make_runnable(t);
	arch_irq_restore(s);
	*out = t;
	return 0;
}

void thread_exit(int status)
{
	arch_irq_save();
	struct thread *t = current;
	t->status = status;
	t->state = THREAD_EXITED;
	waitq_wake_all(&t->joiners);
	if (t->detached) {
		t->run_next = zombies;
		zombies = t;
	}
	schedule();
	/* An exited thread is never queued again. */
	for (;;)
		arch_idle();
}

int thread_join(struct thread *t, int *status)
{
	if (t == current)
		return -EDEADLK;
	bool s = arch_irq_save();
	if (t->detached || t->joined || t == &boot_thread) {
		arch_irq_restore(s);
		return -EINVAL;
	}
	t->joined = true;
	while (t->state != THREAD_EXITED)
		waitq_wait(&t->joiners, DEADLINE_NEVER);
	unlink_thread(t);
	arch_irq_restore(s);
	if (status)
		*status = t->status;
	arch_stack_free(t);
	free(t);
	return 0;
}

int thread_detach(struct thread *t)
{
	bool s = arch_irq_save();
	if (t->detached || t->joined || t == &boot_thread) {
		arch_irq_restore(s);
		return -EINVAL;
	}
	t->detached = true;
	if (t->state == THREAD_EXITED && t != current) {
		t->run_next = zombies;
		zombies = t;
		reap_zombies();
	}
	arch_irq_restore(s);
	return 0;
}

void sched_set_preemptible(struct thread *t, bool preemptible)
{
	bool s = arch_irq_save();
	t->preemptible = preemptible;
	if (t == current)
		slice_update();
	arch_irq_restore(s);
}

void preempt_disable(void)
{
	current->preempt_count++;
	__asm__ volatile("" ::: "memory");
}

void preempt_enable(void)
{
	__asm__ volatile("" ::: "memory");
	struct thread *t = current;
	if (--t->preempt_count == 0 && need_resched && t->preemptible)
		thread_yield();
}

void sched_interrupt_exit(void)
{
	struct thread *t = current;
	if (!need_resched || idling || !t->preemptible || t->preempt_count != 0 || t->state != THREAD_RUNNABLE)
		return;
	sched_preemptions++;
	make_runnable(t);
	schedule();
}

void thread_yield(void)
{
	bool s = arch_irq_save();
	make_runnable(current);
	schedule();
	arch_irq_restore(s);
}

struct thread *thread_self(void) { return current; }
const char *thread_name(const struct thread *t) { return t->name; }

void thread_set_name(struct thread *t, const char *name)
{
	/* The last byte is never written: a fault report reading the name
	 * meanwhile always finds its end. */
	size_t n = strnlen(name, THREAD_NAME_MAX - 1);
	memcpy(t->name, name, n);
	t->name[n] = '\0';
}

void sleep_ns(uint64_t ns)
{
	/* A sleep always ends: past the end of the clock, at its last instant. */
	uint64_t deadline = deadline_after(ns);
	if (deadline == DEADLINE_NEVER)
		deadline = DEADLINE_NEVER - 1;
	struct waitq nobody = { 0, 0 };
	bool s = arch_irq_save();
	while (waitq_wait(&nobody, deadline) == 0)
		; /* nobody wakes this queue: only the deadline ends the wait */
	arch_irq_restore(s);
}

struct thread *sched_thread_find(bool (*match)(const struct thread *t, const void *ctx), const void *ctx)
{
	for (struct thread *t = all_threads; t; t = t->all_next)
		if (t->state != THREAD_EXITED && match(t, ctx))
			return t;
	return NULL;
}

struct thread *sched_guard_owner(uint64_t addr)
{
	for (struct thread *t = all_threads; t; t = t->all_next)
		if (t->stack && addr < t->stack && addr >= t->stack - 4096)
			return t;
	return NULL;
}

/* errno is per thread. */
int *__errno_location(void);
int *__errno_location(void) { return &current->errno_value; }
