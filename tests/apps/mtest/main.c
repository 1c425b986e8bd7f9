/*
 * mtest: a Linux program on musl that exercises Keel's system calls. The
 * first argument names the test; each prints what it saw and exits with
 * 0 when everything matched, 1 otherwise (or ends the VM its own way:
 * abort, a crash, a fault).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <keel.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "faults.h"
#include "mtest.h"
#include "pmask.h"
#include "pthreads.h"
#include "registers.h"
#include "signals.h"
#include "vanish.h"

static int failures;

static __thread int tls_counter = 41;
static __thread char tls_zeroed[64];

static int test_status(int argc, char **argv)
{
	int status = argc > 2 ? atoi(argv[2]) : 0;
	printf("mtest: exiting with %d\n", status);
	return status;
}

static int test_enosys(void)
{
	/* acct is a real Linux call Keel leaves out; asked twice, logged once. */
	for (int i = 0; i < 2; i++) {
		errno = 0;
		long r = syscall(SYS_acct, 0);
		CHECK(r == -1 && errno == ENOSYS);
	}
	errno = 0;
	CHECK(syscall(987654) == -1 && errno == ENOSYS);
	printf("mtest: enosys done\n");
	return failures != 0;
}

static int test_efault(void)
{
	static const char ro[16] = "read-only";
	CHECK(write(1, NULL, 5) == -1 && errno == EFAULT);
	/* The kernel's own memory (its first megabyte holds the image). */
	CHECK(write(1, (void *)0x100000, 16) == -1 && errno == EFAULT);
	CHECK(write(1, (void *)0x800000000000ull, 4) == -1 && errno == EFAULT);
	CHECK(write(1, (void *)-4096L, 4) == -1 && errno == EFAULT);
	CHECK(read(0, (void *)ro, sizeof(ro)) == -1 && errno == EFAULT);
	CHECK(clock_gettime(CLOCK_MONOTONIC, (struct timespec *)8) == -1 && errno == EFAULT);
	/* Ranges that wrap past 2^64 or leave the lower half: nobody's. */
	CHECK(mprotect((void *)0x1000, (size_t)-0x1000, PROT_NONE) == -1 && errno == ENOMEM);
	CHECK(munmap((void *)0x1000, (size_t)-0x2000) == -1 && errno == EINVAL);
	CHECK(mmap((void *)-0x10000L, 1 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		  MAP_FAILED &&
	      errno == ENOMEM);
	struct iovec iov[2] = { { "ab", 2 }, { NULL, 3 } };
	CHECK(writev(1, iov, 2) == 2);
	CHECK(write(1, "\n", 1) == 1);
	CHECK(write(77, "x", 1) == -1 && errno == EBADF);
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
	CHECK(munmap((void *)0x1001, 4096) == -1 && errno == EINVAL);
	CHECK(mprotect((void *)0x100000, 4096, PROT_READ) == -1 && errno == ENOMEM);
	printf("mtest: efault done, %d failures\n", failures);
	return failures != 0;
}

static int test_basics(void)
{
	struct winsize ws;
	CHECK(ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col == 80);
	CHECK(isatty(0));
	struct utsname u;
	CHECK(uname(&u) == 0 && strcmp(u.machine, "x86_64") == 0);
	CHECK(getpid() == 1 && getuid() == 0 && geteuid() == 0);
	struct timespec a, b;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
	struct timespec d = { 0, 20 * 1000 * 1000 };
	CHECK(nanosleep(&d, NULL) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
	long long ns = (b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec);
	CHECK(ns >= 20 * 1000 * 1000);
	CHECK(time(NULL) >= 0);
	unsigned char r1[32] = { 0 }, r2[32] = { 0 };
	CHECK(getentropy(r1, sizeof(r1)) == 0 && getentropy(r2, sizeof(r2)) == 0 && memcmp(r1, r2, 32) != 0);
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur == 8 << 20);
	struct sysinfo si;
	CHECK(sysinfo(&si) == 0 && si.totalram > 0 && si.freeram <= si.totalram);
	CHECK(sched_yield() == 0);
	/* One CPU, as musl counts them (sched_getaffinity), for every thread. */
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) == 1);
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	CHECK(sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) == 1 && CPU_ISSET(0, &cpus));
	CHECK(sched_setaffinity(0, sizeof(cpus), &cpus) == 0);
	CHECK(syscall(SYS_sched_getaffinity, 0, 4, &cpus) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_sched_getaffinity, 4242, sizeof(cpus), &cpus) == -1 && errno == ESRCH);
	CPU_ZERO(&cpus);
	CPU_SET(1, &cpus);
	CHECK(sched_setaffinity(0, sizeof(cpus), &cpus) == -1 && errno == EINVAL);
	CHECK(sched_getcpu() == 0);
	/* umask answers the previous mask, 022 at start as on Linux. */
	CHECK(umask(077) == 022 && umask(0) == 077 && umask(022) == 0);
	/* A thread's name, cut to 15 bytes; an unknown option refused. */
	char tname[16];
	CHECK(prctl(PR_SET_NAME, "mtest-basics-and-more") == 0 && prctl(PR_GET_NAME, tname) == 0 &&
	      strcmp(tname, "mtest-basics-an") == 0);
	CHECK(prctl(9999, 0) == -1 && errno == EINVAL);
	/* CPU time used goes forward. */
	struct rusage ru1, ru2;
	CHECK(getrusage(RUSAGE_SELF, &ru1) == 0 && getrusage(RUSAGE_SELF, &ru2) == 0);
	CHECK(ru2.ru_utime.tv_sec * 1000000 + ru2.ru_utime.tv_usec >=
		  ru1.ru_utime.tv_sec * 1000000 + ru1.ru_utime.tv_usec &&
	      ru1.ru_utime.tv_sec + ru1.ru_utime.tv_usec > 0);
	CHECK(getrusage(7, &ru1) == -1 && errno == EINVAL);
	/* dup: the same console behind another descriptor. */
	int fd = dup(1);
	CHECK(fd == 3);
	CHECK(write(fd, "mtest: through dup\n", 19) == 19);
	CHECK(close(fd) == 0 && close(fd) == -1 && errno == EBADF);
	CHECK(dup2(2, 9) == 9 && close(9) == 0);
	/* RLIMIT_NOFILE as Debian gives it; raised to the hard limit as
	 * servers do at start, then thousands of descriptors. */
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 1024 && rl.rlim_max == 524288);
	CHECK(dup2(1, 1024) == -1 && errno == EBADF);
	rl.rlim_cur = rl.rlim_max;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	rl.rlim_max++;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == -1 && errno == EPERM);
	int last = -1;
	for (int i = 0; i < 5000; i++)
		last = dup(1);
	CHECK(last == 5002);
	CHECK(write(last, "mtest: through descriptor 5002\n", 31) == 31);
	for (int i = 3; i <= last; i++)
		close(i);
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 524288);
	/* Environment and arguments. */
	const char *home = getenv("HOME"), *path = getenv("PATH");
	printf("mtest: HOME=%s PATH=%s TERM=%s GREETING=%s\n", home ? home : "(none)", path ? path : "(none)",
	       getenv("TERM") ? getenv("TERM") : "(none)", getenv("GREETING") ? getenv("GREETING") : "(none)");
	extern char **environ;
	int envc = 0;
	while (environ[envc])
		envc++;
	printf("mtest: %d environment variables, V100=%s\n", envc, getenv("V100") ? getenv("V100") : "(none)");
	/* Thread-local storage from the image's PT_TLS. */
	CHECK(tls_counter == 41 && tls_zeroed[63] == 0);
	tls_counter++;
	CHECK(tls_counter == 42);
	/* The stack: 8 MiB, touched deep down. */
	volatile char big[4 << 20];
	big[0] = 1;
	big[sizeof(big) - 1] = 2;
	CHECK(big[0] + big[sizeof(big) - 1] == 3);
	/* SSE and x87 state the way Linux leaves it. */
	volatile double x = 1.5;
	printf("mtest: %.3f %.1Lf\n", x * 3, (long double)x * 2);
	printf("mtest: basics done, %d failures\n", failures);
	return failures != 0;
}

static int test_malloc(void)
{
	/* Small blocks (mallocng's groups: brk and mmap), large ones (their
	 * own mmap), realloc across sizes (mremap), frees (munmap, madvise). */
	enum { N = 2000 };
	static void *p[N];
	static size_t sz[N];
	unsigned seed = 12345;
	size_t total = 0;
	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < N; i++) {
			seed = seed * 1103515245 + 12345;
			size_t n = (seed >> 8) % 7 == 0 ? 100000 + (seed >> 4) % 300000 : 2 + (seed >> 12) % 2000;
			if (p[i]) {
				unsigned char *q = p[i];
				if (q[0] != (unsigned char)i || q[sz[i] - 1] != (unsigned char)(i >> 3))
					printf("mtest: block %d (%zu bytes at %p) changed in round %d: %02x %02x\n", i,
					       sz[i], (void *)q, round, q[0], q[sz[i] - 1]);
				CHECK(q[0] == (unsigned char)i && q[sz[i] - 1] == (unsigned char)(i >> 3));
				if (round % 2) {
					q = realloc(p[i], n);
					CHECK(q != NULL);
					size_t keep = n < sz[i] ? n : sz[i];
					CHECK(q[0] == (unsigned char)i);
					if (keep == sz[i])
						CHECK(q[keep - 1] == (unsigned char)(i >> 3));
					p[i] = q;
				} else {
					free(p[i]);
					p[i] = malloc(n);
					CHECK(p[i] != NULL);
				}
			} else {
				p[i] = malloc(n);
				CHECK(p[i] != NULL);
			}
			sz[i] = n;
			total += n;
			unsigned char *q = p[i];
			memset(q, 0x5a, n);
			q[0] = (unsigned char)i;
			q[n - 1] = (unsigned char)(i >> 3);
		}
		if (failures)
			break;
	}
	for (int i = 0; i < N; i++)
		free(p[i]);
	/* Memory PROT_NONE then opened up, as mallocng does for its areas. */
	char *m = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	CHECK(mprotect(m, 8192, PROT_READ | PROT_WRITE) == 0);
	m[0] = 1;
	m[8191] = 2;
	CHECK(madvise(m, 8192, MADV_DONTNEED) == 0 && m[0] == 0 && m[8191] == 0);
	char *m2 = mremap(m, 1 << 20, 4 << 20, MREMAP_MAYMOVE);
	CHECK(m2 != MAP_FAILED);
	CHECK(munmap(m2, 4 << 20) == 0);
	printf("mtest: malloc stress: %zu bytes in %d rounds, %d failures\n", total, 6, failures);
	return failures != 0;
}

/* A thread of the kernel's API running C library code: its system calls
 * must not land on its own frames. */
static int thread_body(void *arg)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "mtest: in thread %s\n", (const char *)arg);
	struct timespec d = { 0, 1000000 };
	nanosleep(&d, NULL);
	return write(1, buf, (size_t)n) == n ? 5 : 6;
}

static int test_keel_thread(void)
{
	keel_thread_t *t;
	CHECK(keel_thread_create(&t, "worker", thread_body, "worker", 64 * 1024) == 0);
	int status = -1;
	CHECK(keel_thread_join(t, &status) == 0 && status == 5);
	printf("mtest: thread joined with %d\n", status);
	return failures != 0;
}

/* Lines from standard input (the serial port), shown until "end". The
 * terminal's echo goes off first: it would mix what was typed into what
 * the program prints. */
static int test_stdin(void)
{
	char line[128];
	int n = 0;
	struct termios t;
	CHECK(tcgetattr(0, &t) == 0);
	t.c_lflag &= ~(tcflag_t)ECHO;
	CHECK(tcsetattr(0, TCSANOW, &t) == 0);
	printf("mtest: reading\n");
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = 0;
		if (strcmp(line, "end") == 0)
			break;
		printf("mtest: line %d [%s]\n", ++n, line);
	}
	printf("mtest: %d lines\n", n);
	return n == 0;
}

static int test_prot_none(void)
{
	volatile char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED && m[0] == 0);
	CHECK(mprotect((void *)m, 4096, PROT_NONE) == 0);
	printf("mtest: touching PROT_NONE memory\n");
	fflush(stdout);
	return m[0];
}

static __attribute__((noinline)) void smash(const char *s, size_t n)
{
	char buf[16];
	memcpy(buf, s, n); /* n > sizeof(buf): the canary goes */
	printf("mtest: copied %s\n", buf);
}

/* Absolute sleeps end at their time on each clock, not at once. */
static int test_abs_sleep(void)
{
	static const clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME };
	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		struct timespec start, until, end;
		clock_gettime(clocks[i], &start);
		until = start;
		until.tv_nsec += 50000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		CHECK(clock_nanosleep(clocks[i], TIMER_ABSTIME, &until, NULL) == 0);
		clock_gettime(clocks[i], &end);
		long long ms = (end.tv_sec - start.tv_sec) * 1000LL + (end.tv_nsec - start.tv_nsec) / 1000000;
		printf("mtest: absolute sleep on clock %d: %lld ms\n", (int)clocks[i], ms);
		CHECK(ms >= 49 && ms < 1000);
	}
	printf("mtest: abs-sleep done, %d failures\n", failures);
	return failures != 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "basics";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(what, "status") == 0)
		return test_status(argc, argv);
	if (strcmp(what, "mount-errors") == 0 || strcmp(what, "hotplug-mount") == 0)
		return test_mount(argc, argv);
	if (strcmp(what, "balloon-oom") == 0)
		return test_balloon_oom(argc, argv);
	if (strcmp(what, "six-devices") == 0)
		return test_six_devices(argc, argv);
	if (strcmp(what, "enosys") == 0)
		return test_enosys();
	if (strcmp(what, "efault") == 0)
		return test_efault();
	if (strcmp(what, "basics") == 0)
		return test_basics();
	if (strcmp(what, "malloc") == 0)
		return test_malloc();
	if (strcmp(what, "pthreads") == 0)
		return test_pthreads();
	if (strcmp(what, "malloc-threads") == 0)
		return test_malloc_threads();
	if (strcmp(what, "thread-abort") == 0)
		return test_thread_abort();
	if (strcmp(what, "keel-thread") == 0)
		return test_keel_thread();
	if (strcmp(what, "stdin") == 0)
		return test_stdin();
	if (strcmp(what, "pipe") == 0)
		return test_pipe();
	if (strcmp(what, "poll") == 0)
		return test_poll();
	if (strcmp(what, "epoll") == 0)
		return test_epoll();
	if (strcmp(what, "tty") == 0)
		return test_tty();
	if (strcmp(what, "tree") == 0)
		return test_fstree(argc, argv);
	if (strcmp(what, "files") == 0)
		return test_fsfiles();
	if (strcmp(what, "sockets") == 0)
		return test_sockets();
	if (strcmp(what, "unix") == 0)
		return test_unix();
	if (strcmp(what, "eventfd") == 0)
		return test_eventfd();
	if (strcmp(what, "resolve") == 0)
		return test_resolve(argc - 2, argv + 2);
	if (strcmp(what, "udpflood") == 0)
		return test_udpflood(argc - 2, argv + 2);
	if (strcmp(what, "fsync-loop") == 0 || strcmp(what, "fsync-cycle") == 0 || strcmp(what, "fsync-verify") == 0 ||
	    strcmp(what, "write-eio") == 0)
		return test_fscrash(argc, argv);
	if (strcmp(what, "devnodes") == 0)
		return test_devnodes();
	if (strcmp(what, "abs-sleep") == 0)
		return test_abs_sleep();
	if (strcmp(what, "vdso") == 0)
		return test_vdso();
	if (strcmp(what, "registers") == 0)
		return test_registers();
	if (strcmp(what, "prot-none") == 0)
		return test_prot_none();
	if (strcmp(what, "pmask") == 0)
		return test_pmask();
	if (strcmp(what, "vanish") == 0)
		return test_vanish();
	if (strcmp(what, "vanish-tty") == 0)
		return test_vanish_tty();
	if (strcmp(what, "faults") == 0)
		return test_faults();
	if (strcmp(what, "fault-default") == 0)
		return test_fault_default();
	if (strcmp(what, "signals") == 0)
		return test_signals();
	if (strcmp(what, "signal-timers") == 0)
		return test_signal_timers();
	if (strcmp(what, "abort-handled") == 0)
		test_abort_handled();
	if (strcmp(what, "signal-io") == 0)
		return test_signal_io();
	if (strcmp(what, "kill-term") == 0)
		return test_kill_term();
	if (strcmp(what, "abort") == 0) {
		printf("mtest: calling abort\n");
		abort();
	}
	if (strcmp(what, "stack-smash") == 0) {
		static const char long_string[64] = "a string far longer than the buffer it goes to";
		volatile size_t n = sizeof(long_string);
		smash(long_string, n);
		printf("mtest: survived the smash\n");
		return 1;
	}
	printf("mtest: unknown test '%s'\n", what);
	return 2;
}
