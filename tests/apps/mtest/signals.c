/*
 * mtest's signal tests: handlers run by Keel's delivery, checked through
 * musl's own signal functions, and the frame's layout checked against
 * musl's headers at compile time.
 */
#define _GNU_SOURCE
#include "mtest.h"
#include "signals.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* The layout Keel's sys/sigframe.h builds, as musl reads it. */
_Static_assert(offsetof(ucontext_t, uc_mcontext) == 40, "uc_mcontext at 40");
_Static_assert(offsetof(ucontext_t, uc_mcontext.gregs) == 40, "gregs first");
_Static_assert(REG_R8 == 0 && REG_RDI == 8 && REG_RAX == 13 && REG_RSP == 15 && REG_RIP == 16 && REG_EFL == 17,
	       "gregs in Linux's order");
_Static_assert(offsetof(ucontext_t, uc_mcontext.fpregs) == 40 + 23 * 8, "fpregs after 23 gregs");
_Static_assert(offsetof(ucontext_t, uc_sigmask) == 296, "uc_sigmask at 296");
_Static_assert(sizeof(siginfo_t) == 128, "siginfo_t");
_Static_assert(offsetof(siginfo_t, si_pid) == 16, "si_pid");

static int failures;

static volatile sig_atomic_t got_sig, got_code, got_pid, got_count, got_tid;
static volatile uintptr_t got_stack;
static volatile double got_fp;
static volatile uint64_t got_rip;
static volatile int got_value;
static volatile unsigned got_mxcsr;

static void on_info(int sig, siginfo_t *info, void *ucv)
{
	ucontext_t *uc = ucv;
	got_sig = info->si_signo == sig ? sig : -1;
	got_code = info->si_code;
	got_pid = info->si_pid;
	got_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	if (info->si_code == SI_TIMER)
		got_value = info->si_value.sival_int;
	got_count++;
	got_tid = (sig_atomic_t)syscall(SYS_gettid);
	int local;
	got_stack = (uintptr_t)&local;
	/* Floating point in the handler: the interrupted code's registers
	 * come back at rt_sigreturn. */
	volatile double x = 1.5;
	got_fp = x * 3.0;
	got_mxcsr = __builtin_ia32_stmxcsr();
}

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

static void test_raise_kill(void)
{
	set_handler(SIGUSR1, on_info, 0);
	got_sig = 0;
	volatile double before = 2.25;
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(got_sig == SIGUSR1 && got_code == SI_USER && got_pid == getpid());
	CHECK(before * 2 == 4.5 && got_fp == 4.5);
	/* A rounding mode set here: the handler starts from the default
	 * MXCSR, and the mode is back after it. */
	unsigned mxcsr = __builtin_ia32_stmxcsr();
	__builtin_ia32_ldmxcsr(mxcsr | 0x6000); /* round toward zero */
	CHECK(kill(getpid(), SIGUSR1) == 0);
	unsigned after = __builtin_ia32_stmxcsr();
	__builtin_ia32_ldmxcsr(mxcsr);
	CHECK(got_mxcsr == 0x1f80 && (after & 0x6000) == 0x6000);
	printf("mtest: MXCSR 0x%x in the handler, 0x%x after it\n", got_mxcsr, after);
	got_sig = 0;
	CHECK(raise(SIGUSR1) == 0);
	CHECK(got_sig == SIGUSR1 && got_code == SI_TKILL);
	printf("mtest: kill and raise: si_signo %d, si_code %d\n", (int)got_sig, (int)got_code);
}

static void test_mask(void)
{
	sigset_t set, old, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	got_count = 0;
	CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0);
	CHECK(raise(SIGUSR1) == 0);
	CHECK(got_count == 0);
	CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1));
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	CHECK(got_count == 1);
	CHECK(sigpending(&pending) == 0 && !sigismember(&pending, SIGUSR1));
	printf("mtest: blocked, then delivered at unblock: %d\n", (int)got_count);
}

static void test_altstack(void)
{
	static char alt[16384] __attribute__((aligned(16)));
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 }, cur;
	CHECK(sigaltstack(&ss, NULL) == 0);
	CHECK(sigaltstack(NULL, &cur) == 0 && cur.ss_sp == alt && cur.ss_flags == 0);
	set_handler(SIGUSR2, on_info, SA_ONSTACK);
	got_stack = 0;
	CHECK(raise(SIGUSR2) == 0);
	int on = got_stack > (uintptr_t)alt && got_stack < (uintptr_t)alt + sizeof(alt);
	CHECK(on);
	ss.ss_flags = SS_DISABLE;
	CHECK(sigaltstack(&ss, NULL) == 0);
	printf("mtest: handler on the alternate stack: %s\n", on ? "yes" : "no");
}

/* SA_RESETHAND and SA_NODEFER: the second raise finds the default action,
 * which for SIGWINCH is to ignore it. */
static void test_resethand(void)
{
	got_count = 0;
	set_handler(SIGWINCH, on_info, SA_RESETHAND | SA_NODEFER);
	raise(SIGWINCH);
	raise(SIGWINCH);
	struct sigaction sa;
	CHECK(sigaction(SIGWINCH, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL);
	CHECK(got_count == 1);
}

/* A handler that moves the interrupted context's rip: the change holds. */
static volatile int skipped;
static void on_move_rip(int sig, siginfo_t *info, void *ucv)
{
	(void)sig;
	(void)info;
	ucontext_t *uc = ucv;
	uc->uc_mcontext.gregs[REG_RAX] = 4242;
	skipped = 1;
}

static void test_context_edit(void)
{
	set_handler(SIGUSR1, on_move_rip, 0);
	/* The raw tkill's result register is what the handler stored. */
	long r = syscall(SYS_tkill, (long)syscall(SYS_gettid), SIGUSR1);
	CHECK(skipped && r == 4242);
	printf("mtest: handler edited rax: %ld\n", r);
}

static void *thread_wait(void *arg)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	*(volatile int *)arg = (int)syscall(SYS_gettid);
	/* Until the signal comes: pause ends with EINTR after the handler. */
	int r = pause();
	return (void *)(intptr_t)(r == -1 && errno == EINTR);
}

/* A thread spinning without system calls: preempted, it takes the
 * signal when it next resumes application code. */
static volatile int spin_seen;
static void *thread_spin(void *arg)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL); /* blocked in its creator */
	*(volatile int *)arg = (int)syscall(SYS_gettid);
	unsigned long n = 0;
	while (got_tid != *(volatile int *)arg && n < 4000000000ul)
		n++;
	spin_seen = got_tid == *(volatile int *)arg;
	return NULL;
}

static void test_tgkill_spinning(void)
{
	volatile int tid = 0;
	pthread_t th;
	got_tid = 0;
	CHECK(pthread_create(&th, NULL, thread_spin, (void *)&tid) == 0);
	while (tid == 0)
		sched_yield();
	CHECK(pthread_kill(th, SIGUSR1) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(spin_seen);
	printf("mtest: tgkill reached a spinning thread: %s\n", spin_seen ? "yes" : "no");
}

static void test_tgkill(void)
{
	set_handler(SIGUSR1, on_info, 0);
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	/* Blocked here, so only the thread may take it. */
	pthread_sigmask(SIG_BLOCK, &set, &old);
	volatile int tid = 0;
	pthread_t th;
	CHECK(pthread_create(&th, NULL, thread_wait, (void *)&tid) == 0);
	while (tid == 0)
		sched_yield();
	struct timespec ms = { 0, 20000000 };
	nanosleep(&ms, NULL);
	got_tid = 0;
	CHECK(pthread_kill(th, SIGUSR1) == 0);
	void *ok;
	CHECK(pthread_join(th, &ok) == 0 && ok == (void *)1);
	CHECK(got_tid == tid && got_tid != (sig_atomic_t)syscall(SYS_gettid));
	printf("mtest: tgkill reached thread %d in pause\n", (int)got_tid);
	test_tgkill_spinning();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void test_sigtimedwait(void)
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, &old);
	raise(SIGUSR2);
	siginfo_t si;
	CHECK(sigwaitinfo(&set, &si) == SIGUSR2 && si.si_code == SI_TKILL);
	struct timespec t = { 0, 1000000 };
	CHECK(sigtimedwait(&set, &si, &t) == -1 && errno == EAGAIN);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* SA_RESTART: a futex wait interrupted by a handler starts again (and
 * then finds the word changed: EAGAIN); without it, EINTR. */
static volatile uint32_t futex_word;
static void on_alarm_change(int sig)
{
	(void)sig;
	futex_word = 1;
}

static int interrupted_futex_wait(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm_change;
	sa.sa_flags = flags;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	futex_word = 0;
	struct itimerval once = { { 0, 0 }, { 0, 50000 } };
	CHECK(setitimer(ITIMER_REAL, &once, NULL) == 0);
	long r = syscall(SYS_futex, &futex_word, 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */, 0, NULL, NULL, 0);
	return r == -1 ? errno : 0;
}

static void test_restart(void)
{
	int without = interrupted_futex_wait(0), with = interrupted_futex_wait(SA_RESTART);
	CHECK(without == EINTR && with == EAGAIN);
	printf("mtest: futex wait interrupted: errno %d without SA_RESTART, %d with\n", without, with);
}

int test_signals(void)
{
	test_raise_kill();
	test_mask();
	test_altstack();
	test_resethand();
	test_context_edit();
	test_sigtimedwait();
	test_tgkill();
	test_restart();
	printf("mtest: signals done, %d failures\n", failures);
	return failures != 0;
}

static volatile sig_atomic_t ticks;
static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int test_signal_timers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);

	/* alarm(1) interrupts a loop that makes no system call; the loop's
	 * floating-point sum survives the handler. */
	ticks = 0;
	CHECK(alarm(1) == 0);
	volatile double sum = 0;
	unsigned long spins = 0;
	while (ticks == 0 && spins < 4000000000ul) {
		sum += 0.5;
		spins++;
	}
	CHECK(ticks == 1);
	CHECK(sum == 0.5 * (double)spins);
	printf("mtest: alarm interrupted a busy loop after %lu spins\n", spins);

	/* setitimer, periodic every 20 ms: 5 ticks in a busy loop. */
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, cur;
	ticks = 0;
	uint64_t t0 = now_ns();
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	while (ticks < 5 && now_ns() - t0 < 5000000000ull)
		;
	CHECK(getitimer(ITIMER_REAL, &cur) == 0 && cur.it_interval.tv_usec == 20000);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
	uint64_t ms = (now_ns() - t0) / 1000000;
	CHECK(ticks >= 5 && ms >= 80);
	printf("mtest: setitimer: %d ticks in %llu ms\n", (int)ticks, (unsigned long long)ms);
	CHECK(setitimer(ITIMER_VIRTUAL, &it, NULL) == -1 && errno == EINVAL);

	/* nanosleep ends early with EINTR and the time left. */
	struct itimerval once = { { 0, 0 }, { 0, 100000 } };
	CHECK(setitimer(ITIMER_REAL, &once, NULL) == 0);
	struct timespec req = { 2, 0 }, rem = { 0, 0 };
	t0 = now_ns();
	int r = nanosleep(&req, &rem);
	ms = (now_ns() - t0) / 1000000;
	CHECK(r == -1 && errno == EINTR);
	CHECK(rem.tv_sec == 1 && rem.tv_nsec > 0);
	CHECK(ms >= 90 && ms < 1000);
	printf("mtest: nanosleep interrupted after %llu ms, %lld.%03ld s left\n", (unsigned long long)ms,
	       (long long)rem.tv_sec, rem.tv_nsec / 1000000);

	/* sigsuspend: SIGALRM blocked, then waited for with it unblocked. */
	sigset_t set, old, none;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, &old);
	ticks = 0;
	CHECK(setitimer(ITIMER_REAL, &once, NULL) == 0);
	sigemptyset(&none);
	CHECK(sigsuspend(&none) == -1 && errno == EINTR && ticks == 1);
	sigset_t after;
	sigprocmask(SIG_SETMASK, &old, &after);
	CHECK(sigismember(&after, SIGALRM));
	/* timer_create with SIGEV_SIGNAL: SIGUSR1 every 10 ms with the
	 * timer's value, 3 times, then deleted. */
	set_handler(SIGUSR1, on_info, 0);
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	ev.sigev_value.sival_int = 77;
	timer_t tm;
	CHECK(timer_create(CLOCK_MONOTONIC, &ev, &tm) == 0);
	struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } }, cur_its;
	got_count = 0;
	got_value = 0;
	t0 = now_ns();
	CHECK(timer_settime(tm, 0, &its, NULL) == 0);
	while (got_count < 3 && now_ns() - t0 < 5000000000ull)
		;
	CHECK(timer_gettime(tm, &cur_its) == 0 && cur_its.it_interval.tv_nsec == 10000000);
	CHECK(timer_delete(tm) == 0);
	CHECK(got_count >= 3 && got_code == SI_TIMER && got_value == 77);
	printf("mtest: timer_create: %d signals, si_code %d, value %d\n", (int)got_count, (int)got_code,
	       (int)got_value);
	printf("mtest: signal timers done, %d failures\n", failures);
	return failures != 0;
}

int test_kill_term(void)
{
	printf("mtest: sending SIGTERM to itself\n");
	kill(getpid(), SIGTERM);
	printf("mtest: survived SIGTERM\n");
	return 1;
}

static void on_abort(int sig)
{
	(void)sig;
	printf("mtest: SIGABRT handler ran, returning\n");
}

int test_abort_handled(void)
{
	signal(SIGABRT, on_abort);
	abort();
}

/* --- blocking I/O interrupted by a signal ------------------------------------------ */

static int io_pipe[2];
static volatile int io_alarms;

static void on_alarm_io(int sig)
{
	(void)sig;
	io_alarms++;
}

/* With SA_RESTART the handler puts a byte in the pipe, so the restarted
 * read finds it. */
static void on_alarm_feed(int sig)
{
	(void)sig;
	io_alarms++;
	char c = 'r';
	if (write(io_pipe[1], &c, 1) != 1)
		_exit(3);
}

static void alarm_in(long ms, void (*handler)(int), int flags)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

int test_signal_io(void)
{
	int bad = 0;
	char c;
	if (pipe(io_pipe) != 0) {
		printf("mtest: pipe: %s\n", strerror(errno));
		return 1;
	}
	/* A read of an empty pipe, a handler without SA_RESTART: EINTR. */
	io_alarms = 0;
	alarm_in(50, on_alarm_io, 0);
	errno = 0;
	long n = read(io_pipe[0], &c, 1);
	printf("mtest: pipe read interrupted: %ld, %s, %d alarm\n", n, strerror(errno), io_alarms);
	bad += !(n == -1 && errno == EINTR && io_alarms == 1);
	/* With SA_RESTART the read goes on, and gets the handler's byte. */
	io_alarms = 0;
	alarm_in(50, on_alarm_feed, SA_RESTART);
	n = read(io_pipe[0], &c, 1);
	printf("mtest: pipe read restarted: %ld '%c', %d alarm\n", n, n == 1 ? c : '?', io_alarms);
	bad += !(n == 1 && c == 'r' && io_alarms == 1);
	/* poll, select and epoll_wait end with EINTR, SA_RESTART or not. */
	struct pollfd pfd = { io_pipe[0], POLLIN, 0 };
	io_alarms = 0;
	alarm_in(50, on_alarm_io, SA_RESTART);
	errno = 0;
	int r = poll(&pfd, 1, -1);
	printf("mtest: poll interrupted: %d, %s\n", r, strerror(errno));
	bad += !(r == -1 && errno == EINTR && io_alarms == 1);
	fd_set in;
	FD_ZERO(&in);
	FD_SET(io_pipe[0], &in);
	alarm_in(50, on_alarm_io, 0);
	errno = 0;
	r = select(io_pipe[0] + 1, &in, NULL, NULL, NULL);
	printf("mtest: select interrupted: %d, %s\n", r, strerror(errno));
	bad += !(r == -1 && errno == EINTR);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = io_pipe[0] };
	epoll_ctl(ep, EPOLL_CTL_ADD, io_pipe[0], &ev);
	alarm_in(50, on_alarm_io, SA_RESTART);
	errno = 0;
	r = epoll_wait(ep, &ev, 1, -1);
	printf("mtest: epoll_wait interrupted: %d, %s\n", r, strerror(errno));
	bad += !(r == -1 && errno == EINTR);
	close(ep);
	close(io_pipe[0]);
	close(io_pipe[1]);
	printf("mtest: signal-io done, %d failures\n", bad);
	return bad != 0;
}
