/*
 * include/keel.h, the application's API, as thin wrappers over the
 * kernel's own (kernel/clock.h, kernel/exit.h, kernel/sync.h,
 * kernel/thread.h, kernel/mm/mm.h). This is the one file below the
 * applications that includes include/keel.h (tools/check-layers.sh): the
 * public types are opaque there, and the checks below keep them the size
 * and alignment of the kernel types they stand for, so a pointer to one
 * is a pointer to the other.
 *
 * keel_getrandom and keel_port_* are the kernel's device classes
 * (kernel/entropy.h, kernel/chardev.h): an open port is the handle
 * inside its struct chardev.
 */
#include <keel.h>

#include <errno.h>
#include <stdalign.h>
#include <stddef.h>

#include "arch/x86_64/tsc.h"
#include "kernel/chardev.h"
#include "kernel/clock.h"
#include "kernel/devfault.h"
#include "kernel/entropy.h"
#include "kernel/exit.h"
#include "kernel/sched.h"
#include "kernel/init.h"
#include "kernel/mm/mm.h"
#include "kernel/sync.h"
#include "kernel/thread.h"

#define SAME_LAYOUT(pub, kern)                                                                                         \
	_Static_assert(sizeof(pub) == sizeof(kern) && alignof(pub) == alignof(kern),                                   \
		       #pub " must have the size and alignment of " #kern)

SAME_LAYOUT(keel_sem_t, struct sem);
SAME_LAYOUT(keel_mutex_t, struct mutex);
SAME_LAYOUT(keel_cond_t, struct cond);
SAME_LAYOUT(keel_mbox_t, struct mbox);
/* KEEL_SEM_INIT(n) puts n in the first word. */
_Static_assert(offsetof(struct sem, count) == 0 && sizeof(((struct sem *)0)->count) == sizeof(uint64_t),
	       "KEEL_SEM_INIT sets a semaphore's count as its first word");

_Static_assert(KEEL_EXIT_MAX_APP == KERNEL_EXIT_MAX_APP, "exit statuses differ");
_Static_assert(KEEL_EXIT_OUT_OF_RANGE == KERNEL_EXIT_OUT_OF_RANGE, "exit statuses differ");
_Static_assert(KEEL_EXIT_PANIC == KERNEL_EXIT_PANIC, "exit statuses differ");
_Static_assert(KEEL_EXIT_EXCEPTION == KERNEL_EXIT_EXCEPTION, "exit statuses differ");
_Static_assert(KEEL_EXIT_SIGNAL == KERNEL_EXIT_SIGNAL, "exit statuses differ");

#define SEM(s) ((struct sem *)(s))
#define MUTEX(m) ((struct mutex *)(m))
#define COND(c) ((struct cond *)(c))
#define MBOX(mb) ((struct mbox *)(mb))
#define THREAD(t) ((struct thread *)(t))

void keel_exit(int status) { kernel_exit(status); }

/* --- time --- */

uint64_t keel_clock_ns(void) { return clock_ns(); }
uint64_t keel_tsc_hz(void) { return tsc_hz(); }
const char *keel_tsc_source(void) { return tsc_source(); }
uint64_t keel_boot_us(void) { return boot_time_us(); }
void keel_sleep_ns(uint64_t ns) { sleep_ns(ns); }

/* --- threads --- */

int keel_thread_create(keel_thread_t **out, const char *name, int (*fn)(void *arg), void *arg, size_t stack_size)
{
	return thread_create((struct thread **)out, name, fn, arg, stack_size);
}

int keel_thread_join(keel_thread_t *t, int *status) { return thread_join(THREAD(t), status); }
int keel_thread_detach(keel_thread_t *t) { return thread_detach(THREAD(t)); }
void keel_thread_yield(void) { thread_yield(); }
void keel_thread_set_preemptible(keel_thread_t *t, bool preemptible) { sched_set_preemptible(THREAD(t), preemptible); }
void keel_thread_exit(int status) { thread_exit(status); }
keel_thread_t *keel_thread_self(void) { return (keel_thread_t *)thread_self(); }
const char *keel_thread_name(const keel_thread_t *t) { return thread_name((const struct thread *)t); }

void keel_sched_stats(struct keel_sched_stats *out)
{
	struct sched_stats s;
	sched_stats(&s);
	*out = (struct keel_sched_stats){
		.switches = s.switches,
		.idle_halts = s.idle_halts,
		.timer_interrupts = s.timer_interrupts,
		.interrupts = s.interrupts,
		.spurious = s.spurious,
		.preemptions = s.preemptions,
	};
}

/* --- synchronisation --- */

void keel_sem_init(keel_sem_t *s, unsigned long count) { sem_init(SEM(s), count); }
void keel_sem_wait(keel_sem_t *s) { sem_wait(SEM(s)); }
int keel_sem_timedwait(keel_sem_t *s, uint64_t timeout_ns) { return sem_timedwait(SEM(s), timeout_ns); }
int keel_sem_trywait(keel_sem_t *s) { return sem_trywait(SEM(s)); }
void keel_sem_post(keel_sem_t *s) { sem_post(SEM(s)); }

void keel_mutex_init(keel_mutex_t *m) { mutex_init(MUTEX(m)); }
int keel_mutex_lock(keel_mutex_t *m) { return mutex_lock(MUTEX(m)); }
int keel_mutex_trylock(keel_mutex_t *m) { return mutex_trylock(MUTEX(m)); }
int keel_mutex_unlock(keel_mutex_t *m) { return mutex_unlock(MUTEX(m)); }

void keel_cond_init(keel_cond_t *c) { cond_init(COND(c)); }
int keel_cond_wait(keel_cond_t *c, keel_mutex_t *m) { return cond_wait(COND(c), MUTEX(m)); }
int keel_cond_timedwait(keel_cond_t *c, keel_mutex_t *m, uint64_t timeout_ns)
{
	return cond_timedwait(COND(c), MUTEX(m), timeout_ns);
}
void keel_cond_signal(keel_cond_t *c) { cond_signal(COND(c)); }
void keel_cond_broadcast(keel_cond_t *c) { cond_broadcast(COND(c)); }

int keel_mbox_init(keel_mbox_t *mb, unsigned size) { return mbox_init(MBOX(mb), size); }
void keel_mbox_destroy(keel_mbox_t *mb) { mbox_destroy(MBOX(mb)); }
void keel_mbox_post(keel_mbox_t *mb, void *msg) { mbox_post(MBOX(mb), msg); }
int keel_mbox_trypost(keel_mbox_t *mb, void *msg) { return mbox_trypost(MBOX(mb), msg); }
int keel_mbox_fetch(keel_mbox_t *mb, void **msg, uint64_t timeout_ns) { return mbox_fetch(MBOX(mb), msg, timeout_ns); }
int keel_mbox_tryfetch(keel_mbox_t *mb, void **msg) { return mbox_tryfetch(MBOX(mb), msg); }

/* --- devices --- */

/* The entropy registry comes with the drivers that feed it (Makefile:
 * CLASS_entropy): without one in the image there is no source. */
extern __typeof__(entropy_getrandom) entropy_getrandom __attribute__((weak));

long keel_getrandom(void *buf, size_t len) { return entropy_getrandom ? entropy_getrandom(buf, len) : -ENODEV; }

int keel_port_open(keel_port_t **out, const char *name, uint64_t timeout_ns)
{
	struct chardev *cd;
	int err = chardev_open_name(&cd, name, timeout_ns);
	if (err == 0 && out)
		*out = &cd->handle;
	return err;
}

int keel_port_close(keel_port_t *p) { return chardev_close(p->cd); }
long keel_port_read(keel_port_t *p, void *buf, size_t len, uint64_t timeout_ns)
{
	return chardev_read(p->cd, buf, len, timeout_ns);
}
long keel_port_write(keel_port_t *p, const void *buf, size_t len) { return chardev_write(p->cd, buf, len); }
bool keel_port_host_connected(const keel_port_t *p) { return p->cd->host_connected; }
const char *keel_port_name(const keel_port_t *p) { return p->cd->reg.name; }

/* --- memory --- */

unsigned long keel_device_faults(void) { return device_faults(); }

void keel_meminfo(struct keel_meminfo *out)
{
	struct mm_stats s;
	mm_stats(&s);
	*out = (struct keel_meminfo){
		.ram_bytes = s.ram_bytes,
		.free_bytes = s.free_bytes,
		.ram_top = s.ram_top,
		.heap_bytes = s.heap_bytes,
		.heap_used = s.heap_used,
		.balloon_bytes = s.lent_bytes,
	};
}
