/*
 * keel.h: everything a Keel application sees of the kernel beyond the C
 * library. An application is `int main(int argc, char **argv)`; the
 * command line after "--" (or all of it, without "--") is its argv, and
 * the value main returns is the exit status of the virtual machine.
 *
 * Errors are negative errno values (<errno.h>), documented per function.
 */
#ifndef KEEL_H
#define KEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Exit status --------------------------------------------------------
 *
 * The status reaches the host through QEMU's (and bhyve's) isa-debug-exit
 * port, which has room for 7 bits; QEMU then exits with (status << 1) | 1
 * and run-qemu.sh turns that back into the status. Statuses 0 to 123 are
 * the application's; the kernel reserves the rest. */
#define KEEL_EXIT_MAX_APP 123
#define KEEL_EXIT_OUT_OF_RANGE 124 /* main returned a status outside 0..123 */
#define KEEL_EXIT_PANIC 125	   /* the kernel panicked */
#define KEEL_EXIT_EXCEPTION 126	   /* a CPU exception (a fault), or a crash in the C library (hlt) */
#define KEEL_EXIT_SIGNAL 127	   /* a signal's default action ended the application (abort()) */

/* Ends the VM with status (0 to 123; anything else becomes
 * KEEL_EXIT_OUT_OF_RANGE). Does not return. */
__attribute__((noreturn)) void keel_exit(int status);

/* --- Time ---------------------------------------------------------------*/

/* Nanoseconds since the first instruction of the kernel, from the TSC;
 * monotonic. */
uint64_t keel_clock_ns(void);

/* The TSC's frequency in Hz and how it was found ("CPUID 0x15", "PIT",
 * "ACPI PM timer", ...). */
uint64_t keel_tsc_hz(void);
const char *keel_tsc_source(void);

/* Microseconds from the kernel's first instruction to the call of main. */
uint64_t keel_boot_us(void);

/* Sleeps at least ns nanoseconds; other threads run meanwhile and the CPU
 * halts when none can. */
void keel_sleep_ns(uint64_t ns);

/* --- Threads ------------------------------------------------------------
 *
 * Cooperative threads on one CPU: a thread runs until it blocks, sleeps,
 * yields or exits. Each has its own stack with an unmapped guard page
 * below it, so an overflow faults with a report naming the thread.
 * Interrupt handlers never run application code. */

typedef struct keel_thread keel_thread_t;

/* Starts fn(arg) in a new thread named name (copied; at most 15 bytes
 * kept) with a stack of stack_size bytes (0: 64 KiB; rounded up to pages).
 * The new thread runs when the caller next blocks or yields.
 * Returns 0 and *out, or -ENOMEM, -EINVAL (fn NULL). */
int keel_thread_create(keel_thread_t **out, const char *name, int (*fn)(void *arg), void *arg, size_t stack_size);

/* Waits for t to end and frees it; *status (if not NULL) gets what fn
 * returned or what the thread passed to keel_thread_exit. Returns 0,
 * -EDEADLK (t is the caller), -EINVAL (t is detached or already joined). */
int keel_thread_join(keel_thread_t *t, int *status);

/* t frees itself when it ends; it can no longer be joined. Returns 0 or
 * -EINVAL. */
int keel_thread_detach(keel_thread_t *t);

/* Lets every other runnable thread run once before the caller again. */
void keel_thread_yield(void);

/* Makes t preemptible (or cooperative again, the default): it is then
 * switched away from after a 10 ms slice when another thread is runnable,
 * and at once when an interrupt wakes a cooperative thread. A preemptible
 * thread may compute with the FPU and SSE (its state is kept) but must
 * call nothing of this API but keel_clock_ns, the synchronisation
 * functions, keel_thread_yield and keel_thread_exit: the rest of the
 * kernel (the heap, the console, drivers) relies on not being preempted. */
void keel_thread_set_preemptible(keel_thread_t *t, bool preemptible);

__attribute__((noreturn)) void keel_thread_exit(int status);
keel_thread_t *keel_thread_self(void);
const char *keel_thread_name(const keel_thread_t *t);

/* --- Synchronisation ------------------------------------------------------
 *
 * All of these may be declared statically with an initializer of zeros
 * (or the _INIT macros). Timeouts are relative, in nanoseconds (one the
 * clock cannot reach, such as UINT64_MAX, means no limit); a wait that
 * times out returns -ETIMEDOUT. keel_sem_post and keel_mbox_trypost may be
 * called from an interrupt handler; nothing else here may. */

/* The types below are opaque: their size and alignment are the kernel's
 * (checked where the kernel implements them), their contents are not the
 * application's to read or write. Zeros are a valid initial state. */

typedef struct {
	uint64_t opaque[3];
} keel_sem_t;
#define KEEL_SEM_INIT(n)                                                                                               \
	{                                                                                                              \
		{                                                                                                      \
			(n), 0, 0                                                                                      \
		}                                                                                                      \
	}

void keel_sem_init(keel_sem_t *s, unsigned long count);
void keel_sem_wait(keel_sem_t *s);
int keel_sem_timedwait(keel_sem_t *s, uint64_t timeout_ns); /* 0 or -ETIMEDOUT */
int keel_sem_trywait(keel_sem_t *s);			    /* 0 or -EAGAIN */
void keel_sem_post(keel_sem_t *s);

/* A mutex is held by one thread; unlock hands it to the longest waiter. */
typedef struct {
	uint64_t opaque[3];
} keel_mutex_t;
#define KEEL_MUTEX_INIT                                                                                                \
	{                                                                                                              \
		{                                                                                                      \
			0                                                                                              \
		}                                                                                                      \
	}

void keel_mutex_init(keel_mutex_t *m);
/* Returns 0, or -EDEADLK when the caller already holds m. */
int keel_mutex_lock(keel_mutex_t *m);
int keel_mutex_trylock(keel_mutex_t *m); /* 0 or -EBUSY */
/* Returns 0, or -EPERM when the caller does not hold m. */
int keel_mutex_unlock(keel_mutex_t *m);

typedef struct {
	uint64_t opaque[2];
} keel_cond_t;
#define KEEL_COND_INIT                                                                                                 \
	{                                                                                                              \
		{                                                                                                      \
			0                                                                                              \
		}                                                                                                      \
	}

void keel_cond_init(keel_cond_t *c);
/* Releases m, waits for a signal, takes m again. Returns 0, -EPERM when
 * the caller does not hold m, or (timedwait) -ETIMEDOUT, with m held. */
int keel_cond_wait(keel_cond_t *c, keel_mutex_t *m);
int keel_cond_timedwait(keel_cond_t *c, keel_mutex_t *m, uint64_t timeout_ns);
void keel_cond_signal(keel_cond_t *c);
void keel_cond_broadcast(keel_cond_t *c);

/* Counters since boot. */
struct keel_sched_stats {
	unsigned long switches;		/* context switches */
	unsigned long idle_halts;	/* times the CPU halted with nothing to run */
	unsigned long timer_interrupts; /* from the local APIC timer */
	unsigned long interrupts;	/* all device and timer interrupts */
	unsigned long spurious;		/* spurious or unclaimed, counted and ignored */
	unsigned long preemptions;	/* preemptible threads switched away from */
};
void keel_sched_stats(struct keel_sched_stats *s);

/* A mailbox: a bounded first-in first-out queue of pointers between
 * threads (what lwIP's sys_mbox is). */
typedef struct {
	uint64_t opaque[7];
} keel_mbox_t;

/* Room for size messages (at least 1). Returns 0, -EINVAL or -ENOMEM. */
int keel_mbox_init(keel_mbox_t *mb, unsigned size);
/* Frees the room; nobody may be waiting on it. */
void keel_mbox_destroy(keel_mbox_t *mb);
/* Waits while the mailbox is full. */
void keel_mbox_post(keel_mbox_t *mb, void *msg);
/* Returns 0 or -EAGAIN (full). May be called from an interrupt handler. */
int keel_mbox_trypost(keel_mbox_t *mb, void *msg);
/* The oldest message, waiting up to timeout_ns (UINT64_MAX: no limit).
 * Returns 0, or -ETIMEDOUT. */
int keel_mbox_fetch(keel_mbox_t *mb, void **msg, uint64_t timeout_ns);
int keel_mbox_tryfetch(keel_mbox_t *mb, void **msg); /* 0 or -EAGAIN (empty) */

/* --- Randomness -----------------------------------------------------------*/

/* Fills buf with len random bytes: the XOR of every entropy source's
 * output (each virtio-rng device is one) and the CPU's RDSEED/RDRAND when
 * it has them; the CPU is never the only source. Returns len, or -ENODEV
 * without a source, -ETIMEDOUT when no source delivered and one stayed
 * silent past its bound (5 s per virtio-rng device by default; the
 * request stays with the device and a later call may succeed), -EIO when
 * the sources failed otherwise; a count below len when they failed part
 * way. Blocks while the sources produce; a source silent past its bound
 * is left out for the rest of the call, so silence costs a call at most
 * one bound per source. */
long keel_getrandom(void *buf, size_t len);

/* --- Named ports (virtio-console) --------------------------------------------
 *
 * A virtio-console device with several ports gives each a name (QEMU:
 * -device virtserialport,name=NAME). Port 0, or the port the device calls
 * its console, carries the console's output and is not opened here. */

typedef struct keel_port keel_port_t;

/* Opens the port called name, waiting up to timeout_ns for the device to
 * announce it. Returns 0, -ENOENT (no such port by then), -EBUSY (open
 * already, or the console), -EINVAL. */
int keel_port_open(keel_port_t **out, const char *name, uint64_t timeout_ns);
int keel_port_close(keel_port_t *p);

/* Reads what has arrived, at most len bytes, waiting up to timeout_ns for
 * the first (UINT64_MAX: no limit). Returns the count (at least 1; 0 when
 * len is 0), -ETIMEDOUT, -EIO when the device failed or went away, or
 * -EBADF when p was closed. */
long keel_port_read(keel_port_t *p, void *buf, size_t len, uint64_t timeout_ns);

/* Writes all of buf. Returns len, or what was written before an error,
 * or -EIO (the device failed), or -EBADF when p was closed, or
 * -ETIMEDOUT when the host end stopped draining and the device kept a
 * buffer 5 s (the bound of its driver); that buffer may still reach the
 * host later, and the next write waits for it first. Data written while
 * the host end is not connected is dropped by the host. */
long keel_port_write(keel_port_t *p, const void *buf, size_t len);

/* Whether the host end of the port is open (a client connected). */
bool keel_port_host_connected(const keel_port_t *p);
const char *keel_port_name(const keel_port_t *p);

/* --- Memory -------------------------------------------------------------*/

struct keel_meminfo {
	uint64_t ram_bytes;  /* RAM in the loader's memory map */
	uint64_t free_bytes; /* pages not in use */
	uint64_t ram_top;    /* one past the highest RAM address */
	uint64_t heap_bytes; /* bytes the heap holds from the page allocator */
	uint64_t heap_used;  /* bytes of it in allocated chunks */
	/* Bytes a memory balloon holds for the host: not free, not Keel's.
	 * With deflate-on-oom they come back when an allocation would
	 * otherwise fail. */
	uint64_t balloon_bytes;
};
void keel_meminfo(struct keel_meminfo *info);

/* --- Devices ------------------------------------------------------------*/

/* How many times since boot a device wrote something the kernel refused
 * (a used element naming no request in flight, a used index running
 * ahead, a length past the buffer). The first of each device queue is
 * logged, naming the device; the queue then fails its requests with -EIO
 * (a length is clamped instead). */
unsigned long keel_device_faults(void);

#endif
