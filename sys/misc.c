/*
 * The process: exit, identities, the thread pointer (arch_prctl),
 * yielding, randomness. The machine's description (uname, sysinfo,
 * getrusage) is in sys/sysinfo.c, resource limits in sys/rlimit.c, a
 * thread's name in sys/prctl.c: an image may leave any of them out
 * (KEEL_SYSCALLS_OUT).
 */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/random.h"
#include "arch/x86_64/syscall.h"
#include "kernel/clock.h"
#include "kernel/exit.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "kernel/console.h"
#include "kernel/entropy.h"
#include "kernel/mm/mm.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/fsfile.h"
#include "sys/syscall.h"

/* The file system calls, when the image has them (KEEL_SYSCALLS_OUT). */
extern __typeof__(fs_shutdown) fs_shutdown __attribute__((weak));

/* The entropy registry, when the image has a driver that feeds it. */
extern __typeof__(entropy_getrandom) entropy_getrandom __attribute__((weak));

#define CANONICAL_TOP (1ull << 47)

void app_exit(int status)
{
	/* What the application wrote reaches its disk, as a clean
	 * shutdown of Linux makes sure. */
	if (fs_shutdown)
		fs_shutdown();
	/* Linux's status is the low byte; Keel's range for it is smaller. */
	kernel_exit(status & 0xff);
}

static long sys_exit_group(long a0, long a1, long a2, long a3, long a4, long a5) { app_exit((int)a0); }
SYSCALL(SYS_exit_group, sys_exit_group);

static long sys_arch_prctl(long a0, long a1, long a2, long a3, long a4, long a5)
{
	switch (a0) {
	case ARCH_SET_FS:
		if ((uint64_t)a1 >= CANONICAL_TOP)
			return -EPERM;
		arch_set_fs_base((uint64_t)a1);
		return 0;
	case ARCH_GET_FS:
		if (!user_writable_ok((void *)a1, sizeof(uint64_t)))
			return -EFAULT;
		*(uint64_t *)a1 = arch_get_fs_base();
		return 0;
	default: return -EINVAL;
	}
}
SYSCALL(SYS_arch_prctl, sys_arch_prctl);

SYSCALL_CONST(SYS_getpid, sys_getpid, APP_PID);
SYSCALL_CONST(SYS_getppid, sys_getppid, 0);
/* The application is root: uid, euid, gid and egid all 0, consistent with
 * the auxiliary vector (musl checks AT_SECURE against them). */
SYSCALL_CONST(SYS_getuid, sys_getuid, 0);
SYSCALL_CONST(SYS_geteuid, sys_geteuid, 0);
SYSCALL_CONST(SYS_getgid, sys_getgid, 0);
SYSCALL_CONST(SYS_getegid, sys_getegid, 0);

static long sys_sched_yield(long a0, long a1, long a2, long a3, long a4, long a5)
{
	thread_yield();
	return 0;
}
SYSCALL(SYS_sched_yield, sys_sched_yield);

/* The last resort when the machine has neither RDRAND nor virtio-rng:
 * SplitMix64 over the TSC, which varies from boot to boot but is no
 * secret. Said once on the console when the application asks (not for
 * AT_RANDOM, drawn at every start). */
static uint64_t weak_random(bool warn)
{
	static uint64_t state;
	static bool warned;
	if (warn && !warned) {
		kwarn("getrandom: no RDRAND and no virtio-rng: bytes from the TSC, unfit for keys\n");
		warned = true;
	}
	state += rdtsc() + 0x9e3779b97f4a7c15ull;
	uint64_t z = state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Random bytes from the CPU (RDRAND), else virtio-rng through the
 * kernel, else weak_random: none of them blocks, so neither does
 * getrandom nor a read of /dev/urandom. */
static void fill(void *out, size_t len, bool warn)
{
	uint8_t *buf = out;
	size_t done = 0;
	while (done < len) {
		uint64_t v;
		if (!cpu_rdrand64(&v))
			break;
		size_t n = len - done < 8 ? len - done : 8;
		memcpy(buf + done, &v, n);
		done += n;
	}
	if (done < len && entropy_getrandom) {
		long r = entropy_getrandom(buf + done, len - done);
		if (r > 0)
			done += (size_t)r;
	}
	while (done < len) {
		uint64_t v = weak_random(warn);
		size_t n = len - done < 8 ? len - done : 8;
		memcpy(buf + done, &v, n);
		done += n;
	}
}

void random_fill(void *buf, size_t len) { fill(buf, len, true); }

void random_fill_quiet(void *buf, size_t len) { fill(buf, len, false); }

static long sys_getrandom(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint8_t *buf = (uint8_t *)a0;
	size_t len = (size_t)a1;
	if (a2 & ~(long)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if (len > 33554431)
		len = 33554431; /* Linux's cap for one call */
	if (!user_writable_ok(buf, len))
		return -EFAULT;
	random_fill(buf, len);
	return (long)len;
}
SYSCALL(SYS_getrandom, sys_getrandom);
