/*
 * lwIP's operating-system layer on Keel's kernel (lwIP's doc/sys_arch.txt):
 * semaphores, mutexes and mailboxes of kernel/sync.h, threads of
 * kernel/thread.h, the monotonic clock, the console for diagnostics and
 * a panic for a failed assertion, random numbers, and the check that a
 * caller holds the core lock.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/entropy.h"
#include "kernel/panic.h"
#include "kernel/random.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/waitq.h"
#include "lwip/err.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "net/lwipmem.h"
#include "net/sendmem.h"
#include "net/net.h"
#include "net/netif.h"

#define NS_PER_MS UINT64_C(1000000)

/* lwIP's timeouts are milliseconds, 0 meaning none. */
static uint64_t timeout_ns(u32_t ms) { return ms == 0 ? DEADLINE_NEVER : (uint64_t)ms * NS_PER_MS; }

/* The milliseconds a wait that began at start took (never
 * SYS_ARCH_TIMEOUT, which means "timed out"). */
static u32_t waited_ms(uint64_t start)
{
	uint64_t ms = (clock_ns() - start) / NS_PER_MS;
	return ms >= SYS_ARCH_TIMEOUT ? SYS_ARCH_TIMEOUT - 1 : (u32_t)ms;
}

void sys_init(void) {}

u32_t sys_now(void) { return (u32_t)(clock_ns() / NS_PER_MS); }

/* lwIP's protection of its pools and reference counts
 * (SYS_ARCH_PROTECT, net/arch/sys_arch.h), taken for a few instructions
 * at a time, many times per segment, holds off preemption rather than
 * interrupts: no interrupt handler calls lwIP (handlers only record work
 * and wake threads), so only other threads need keeping out. Under
 * emulation each sti ends a translated block, which made interrupts-off
 * pairs a sixth of the transmit path's time. */

/* --- semaphores --- */

err_t sys_sem_new(sys_sem_t *s, u8_t count)
{
	sem_init(&s->sem, count);
	s->valid = true;
	return ERR_OK;
}

void sys_sem_free(sys_sem_t *s) { s->valid = false; }

void sys_sem_signal(sys_sem_t *s) { sem_post(&s->sem); }

u32_t sys_arch_sem_wait(sys_sem_t *s, u32_t timeout)
{
	uint64_t start = clock_ns();
	if (sem_timedwait(&s->sem, timeout_ns(timeout)) == -ETIMEDOUT)
		return SYS_ARCH_TIMEOUT;
	return waited_ms(start);
}

/* --- mutexes --- */

err_t sys_mutex_new(sys_mutex_t *m)
{
	mutex_init(&m->mutex);
	m->valid = true;
	return ERR_OK;
}

void sys_mutex_free(sys_mutex_t *m) { m->valid = false; }

void sys_mutex_lock(sys_mutex_t *m)
{
	if (mutex_lock(&m->mutex) != 0)
		panic("lwip: a thread took a mutex it holds");
}

void sys_mutex_unlock(sys_mutex_t *m)
{
	if (mutex_unlock(&m->mutex) != 0)
		panic("lwip: a thread released a mutex it does not hold");
}

/* --- mailboxes --- */

err_t sys_mbox_new(sys_mbox_t *mb, int size)
{
	/* lwIP asks for size 0 where it leaves the size to the port. */
	if (mbox_init(&mb->mbox, size > 0 ? (unsigned)size : SYS_MBOX_DEFAULT_SIZE) != 0)
		return ERR_MEM;
	mb->valid = true;
	return ERR_OK;
}

void sys_mbox_free(sys_mbox_t *mb)
{
	mbox_destroy(&mb->mbox);
	mb->valid = false;
}

void sys_mbox_post(sys_mbox_t *mb, void *msg) { mbox_post(&mb->mbox, msg); }

err_t sys_mbox_trypost(sys_mbox_t *mb, void *msg) { return mbox_trypost(&mb->mbox, msg) == 0 ? ERR_OK : ERR_MEM; }

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mb, void *msg) { return sys_mbox_trypost(mb, msg); }

u32_t sys_arch_mbox_fetch(sys_mbox_t *mb, void **msg, u32_t timeout)
{
	void *discard;
	uint64_t start = clock_ns();
	if (mbox_fetch(&mb->mbox, msg ? msg : &discard, timeout_ns(timeout)) == -ETIMEDOUT) {
		if (msg)
			*msg = NULL;
		return SYS_ARCH_TIMEOUT;
	}
	return waited_ms(start);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mb, void **msg)
{
	void *discard;
	if (mbox_tryfetch(&mb->mbox, msg ? msg : &discard) != 0)
		return SYS_MBOX_EMPTY;
	return 0;
}

/* --- threads --- */

struct thread_start {
	lwip_thread_fn fn;
	void *arg;
};

static int thread_trampoline(void *p)
{
	struct thread_start start = *(struct thread_start *)p;
	free(p);
	start.fn(start.arg);
	return 0;
}

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize, int prio)
{
	struct thread_start *start = malloc(sizeof(*start));
	struct thread *t = NULL;
	if (start == NULL)
		panic("lwip: no memory for thread %s", name);
	*start = (struct thread_start){ fn, arg };
	int err = thread_create(&t, name, thread_trampoline, start, stacksize > 0 ? (size_t)stacksize : 0);
	if (err)
		panic("lwip: cannot start thread %s (%d)", name, err);
	thread_detach(t);
	return t;
}

/* --- the core lock --- */

static struct thread *tcpip_thread;

void keel_lwip_mark_tcpip_thread(void) { tcpip_thread = thread_self(); }

/* Until the tcpip thread runs, lwIP is being set up by one thread alone
 * (tcpip_init runs lwip_init before creating the lock). */
void keel_lwip_assert_core_locked(void)
{
	struct thread *self = thread_self();
	if (tcpip_thread == NULL || self == tcpip_thread || lock_tcpip_core.mutex.owner == self)
		return;
	panic("lwip: %s calls the stack without the core lock", thread_name(self));
}

/* The glue's gathered segments go down before anyone else may call the
 * stack, and before the tcpip thread sleeps (it gives up the lock to
 * wait for its mailbox). */
void keel_lwip_unlock_core(void)
{
	sendmem_relieve();
	net_if_flush_all();
	sys_mutex_unlock(&lock_tcpip_core);
}

/* --- diagnostics --- */

void keel_lwip_diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void keel_lwip_assert_failed(const char *msg, const char *file, int line)
{
	panic_at(file, line, "lwip: assertion failed: %s", msg);
}

/* --- memory --- */

/* On the kernel's heap, segment-sized blocks kept for reuse
 * (net/lwipmem.h). */
void *keel_lwip_malloc(size_t size) { return lwipmem_alloc(size); }
void *keel_lwip_calloc(size_t n, size_t size) { return lwipmem_calloc(n, size); }
void keel_lwip_free(void *p) { lwipmem_free(p); }

void lwipmem_bad_free(void *p) { panic("lwip: mem_free(%p): freed twice, or not lwIP's memory", p); }

/* --- random numbers --- */

extern __typeof__(entropy_getrandom) entropy_getrandom __attribute__((weak));

/* A splitmix64 sequence, seeded by the entropy sources, the CPU's
 * generator and the clock, and stirred with the clock at each draw: lwIP
 * draws ports, sequence numbers and DHCP transaction ids, which must be
 * hard to guess but need no cryptographic strength, and must never make
 * the tcpip thread wait on a device. */
static uint64_t rand_state;
static bool rand_seeded;

static uint64_t rand_seed(uint64_t extra)
{
	uint64_t seed = clock_ns() * UINT64_C(0x9e3779b97f4a7c15) ^ extra, v;
	if (cpu_random64(&v))
		seed ^= v;
	return seed;
}

uint32_t keel_lwip_rand(void)
{
	bool irq = sched_lock();
	if (!rand_seeded) {
		rand_state = rand_seed(0);
		rand_seeded = true;
	}
	uint64_t z = (rand_state += UINT64_C(0x9e3779b97f4a7c15) ^ (clock_ns() & 0xffff));
	sched_unlock(irq);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	return (uint32_t)(z ^ (z >> 32));
}

/* From a thread, before lwIP starts: the entropy sources may wait. */
void keel_lwip_seed(void)
{
	uint64_t v = 0;
	if (entropy_getrandom && entropy_getrandom(&v, sizeof(v)) != (long)sizeof(v))
		v = 0;
	uint64_t seed = rand_seed(v);
	bool irq = sched_lock();
	rand_state ^= seed;
	rand_seeded = true;
	sched_unlock(irq);
}
