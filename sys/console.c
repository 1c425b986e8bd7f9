/*
 * The console as a terminal: descriptors 0, 1 and 2. Output goes wherever
 * the kernel's console goes (the serial port, a virtio console); input is
 * what is typed on the serial port, by interrupt when the port has one
 * (polled every 10 ms otherwise), through the line discipline of
 * sys/ldisc.h: canonical editing with echo, ^C and ^\ as signals, raw mode
 * with VMIN and VTIME, the terminal ioctls.
 *
 * The discipline runs in the reading thread, not the interrupt handler:
 * the handler only queues the bytes (kernel/console.c) and wakes, and
 * whoever reads or polls next takes them through the discipline and
 * echoes them. A blocked reader is woken at once, so the echo is prompt.
 * The discipline's state changes with interrupts off (sched_lock), so
 * threads sharing the terminal each see whole lines.
 */
#include <errno.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/option.h"
#include "kernel/timer.h"
#include "kernel/sched.h"
#include "kernel/waitq.h"
#include "sys/kstat.h"
#include "sys/ldisc.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/sigframe.h"
#include "sys/signal.h"

#define O_NONBLOCK 04000
/* How often a blocked read looks at the serial port again when the port
 * has no interrupt. */
#define POLL_NS 10000000ull

#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCSBRK 0x5409
#define TCXONC 0x540a
#define TCFLSH 0x540b
#define TIOCSCTTY 0x540e
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define TIOCOUTQ 0x5411
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541b
#define TIOCGSID 0x5429
#define TCIFLUSH 0
#define TCIOFLUSH 2

static struct tty {
	struct ldisc ld;
	struct linux_winsize ws;
	int pgrp;
	struct waitq readers;
	volatile bool kicked; /* input arrived since the last look */
	/* Without the receive interrupt: looks at the port every POLL_NS
	 * while poll, select or epoll watch the terminal. */
	struct timer poll_timer;
	volatile bool polling;
	struct file file;
} tty;

/* From the serial port's interrupt: bytes are queued in kernel/console.c. */
static void tty_input_arrived(void)
{
	tty.kicked = true;
	waitq_wake_all(&tty.readers);
	file_notify(&tty.file, FD_POLLIN);
}

/* Interrupt context: the polled port's stand-in for the interrupt. It
 * stops once nobody watches, so an idle system stays idle. */
static void on_poll_timer(struct timer *t, void *ctx)
{
	(void)ctx;
	console_poll_input();
	if (tty.file.watches)
		timer_arm(t, deadline_after(POLL_NS), on_poll_timer, NULL);
	else
		tty.polling = false;
}

static void start_polling(void)
{
	if (console_input_by_interrupt())
		return;
	bool irq = sched_lock();
	if (!tty.polling) {
		tty.polling = true;
		timer_arm(&tty.poll_timer, deadline_after(POLL_NS), on_poll_timer, NULL);
	}
	sched_unlock(irq);
}

/* Output as the terminal's c_oflag says: OPOST|ONLCR sends a newline as
 * CR LF (the serial port's way), otherwise bytes go as they are. */
static void tty_output(const void *s, size_t n)
{
	if ((tty.ld.t.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR))
		console_write(s, n);
	else
		console_write_raw(s, n);
}

/* Interrupts off: takes what was typed through the discipline and
 * echoes it. Returns the signal it asks for (0: none), for the caller to
 * raise once interrupts are on again. */
static int tty_pump(void)
{
	int c, sig = 0;
	tty.kicked = false;
	/* What the discipline cannot keep yet stays in the console's ring
	 * (and behind it, in the UART and the host), not dropped. */
	while (ldisc_can_take(&tty.ld) && (c = console_getc()) >= 0) {

		ldisc_input(&tty.ld, (uint8_t)c, clock_ns());
		if (tty.ld.echo_len) {
			tty_output(tty.ld.echo, tty.ld.echo_len);
			tty.ld.echo_len = 0;
		}
		if (tty.ld.signal) {
			sig = tty.ld.signal;
			tty.ld.signal = 0;
		}
	}
	return sig;
}

/* The signal calls may stay out of an image (KEEL_SYSCALLS_OUT): then no
 * handler can be set, and the terminal's signals (SIGINT, SIGQUIT) take
 * their default action, the end of the process. */
extern __typeof__(signal_raise_self) signal_raise_self __attribute__((weak));

static void raise_if(int sig)
{
	if (sig == 0)
		return;
	if (signal_raise_self)
		signal_raise_self(sig);
	else
		signal_die(sig);
}

/* The discipline brought up to date, for a caller that only looks. */
static void tty_update(void)
{
	bool irq = sched_lock();
	int sig = tty_pump();
	sched_unlock(irq);
	raise_if(sig);
}

static long tty_read(struct file *f, void *buf, size_t len)
{
	if (len == 0)
		return 0;
	uint64_t start = clock_ns();
	bool slept = false;
	for (;;) {
		bool irq = sched_lock();
		int sig = tty_pump();
		uint64_t deadline;
		long r = 0;
		bool done = true;
		/* The caller checked buf before the wait; meanwhile another
		 * thread may have unmapped or protected it. */
		if (slept && !user_writable_ok(buf, len)) {
			r = -EFAULT;
		} else if (ldisc_read_verdict(&tty.ld, len, start, clock_ns(), &deadline) == LDISC_READ) {
			r = (long)ldisc_read(&tty.ld, buf, len);
		} else if (f->flags & O_NONBLOCK) {
			/* What there is, in raw mode; never a partial line. */
			size_t n = (tty.ld.t.c_lflag & ICANON) ? 0 : ldisc_read(&tty.ld, buf, len);
			r = n ? (long)n : -EAGAIN;
		} else {
			if (!console_input_by_interrupt()) {
				uint64_t next = deadline_after(POLL_NS);
				if (next < deadline)
					deadline = next;
			}
			/* A signal to raise first: it may end the process. A
			 * signal for the caller ends the wait, and the read is
			 * restarted after its handler or fails with EINTR. */
			done = false; /* woken or timed out: look again */
			slept = true;
			if (!tty.kicked && sig == 0 && waitq_wait_interruptible(&tty.readers, deadline) == -EINTR) {
				r = -ERESTARTSYS;
				done = true;
			}
		}
		sched_unlock(irq);
		raise_if(sig);
		if (done)
			return r;
	}
}

static long tty_write(struct file *f, const void *buf, size_t len)
{
	(void)f;
	tty_output(buf, len);
	return (long)len;
}

static unsigned tty_poll(struct file *f)
{
	(void)f;
	/* Asked by poll, select or epoll, which then wait for a notification
	 * that only the interrupt, or the timer standing in for it, sends. */
	start_polling();
	tty_update();
	return FD_POLLOUT | FD_POLLWRNORM | (ldisc_input_ready(&tty.ld) ? FD_POLLIN | FD_POLLRDNORM : 0);
}

static long copy_in(void *to, const void *arg, size_t n)
{
	if (!user_range_ok(arg, n))
		return -EFAULT;
	memcpy(to, arg, n);
	return 0;
}

static long tty_ioctl(struct file *f, unsigned long request, void *arg)
{
	(void)f;
	long r;
	switch (request) {
	case TCGETS: return user_copy_out(arg, &tty.ld.t, sizeof(tty.ld.t));
	case TCSETS:
	case TCSETSW: /* output is written synchronously: nothing to drain */
	case TCSETSF: {
		struct ldisc_termios t;
		if ((r = copy_in(&t, arg, sizeof(t))) != 0)
			return r;
		bool irq = sched_lock();
		int sig = tty_pump();
		ldisc_set_termios(&tty.ld, &t, request == TCSETSF);
		sched_unlock(irq);
		raise_if(sig);
		return 0;
	}
	case TIOCGWINSZ: return user_copy_out(arg, &tty.ws, sizeof(tty.ws));
	case TIOCSWINSZ: return copy_in(&tty.ws, arg, sizeof(tty.ws));
	case TIOCGPGRP: return user_copy_out(arg, &tty.pgrp, sizeof(tty.pgrp));
	case TIOCSPGRP: {
		int pgrp;
		if ((r = copy_in(&pgrp, arg, sizeof(pgrp))) != 0)
			return r;
		/* The only process group there is: the process's own. */
		if (pgrp != 1)
			return pgrp < 0 ? -EINVAL : -EPERM;
		tty.pgrp = pgrp;
		return 0;
	}
	case TIOCGSID: {
		int sid = 1;
		return user_copy_out(arg, &sid, sizeof(sid));
	}
	case FIONREAD: {
		tty_update();
		int n = (int)ldisc_readable(&tty.ld);
		return user_copy_out(arg, &n, sizeof(n));
	}
	case TIOCOUTQ: {
		int n = 0;
		return user_copy_out(arg, &n, sizeof(n));
	}
	case TCFLSH:
		if ((unsigned long)arg > TCIOFLUSH)
			return -EINVAL;
		if ((unsigned long)arg != 1) {
			bool irq = sched_lock();
			int sig = tty_pump();
			ldisc_flush_input(&tty.ld);
			sched_unlock(irq);
			raise_if(sig);
		}
		return 0;
	case TCSBRK:
	case TCXONC:
	case TIOCSCTTY: return 0;
	default: return -ENOTTY;
	}
}

/* ttyS0's numbers (4, 64), whichever port carries the console. */
static int tty_stat(struct file *f, struct linux_stat *st)
{
	(void)f;
	memset(st, 0, sizeof(*st));
	st->st_dev = linux_makedev(0, 5);
	st->st_ino = 100; /* past the device nodes' (sys/devnode.c) */
	st->st_nlink = 1;
	st->st_mode = LINUX_S_IFCHR | 0620;
	st->st_rdev = linux_makedev(4, 64);
	st->st_blksize = 1024;
	return 0;
}

static const struct file_ops tty_ops = {
	.kind = "console",
	.read = tty_read,
	.write = tty_write,
	.poll = tty_poll,
	.ioctl = tty_ioctl,
	.stat = tty_stat,
	.close = NULL, /* static: never freed */
};

/* "tty.echo=off": the terminal starts as after `stty -echo`. For input
 * that a program pipes into the console (a CI job typing commands at an
 * appliance), whose copy would mix with what the application prints. */
static bool start_without_echo;

static void set_tty_echo(const char *v)
{
	if (strcmp(v, "off") == 0)
		start_without_echo = true;
	else if (strcmp(v, "on") == 0)
		start_without_echo = false;
	else
		kwarn("keel: tty.echo=%s is neither on nor off (ignored)\n", v);
}
KERNEL_OPTION("tty.echo=", set_tty_echo);

void console_files_init(struct fd_table *t)
{
	ldisc_init(&tty.ld);
	if (start_without_echo)
		tty.ld.t.c_lflag &= ~(uint32_t)ECHO;
	tty.ws = (struct linux_winsize){ .ws_row = 24, .ws_col = 80 };
	tty.pgrp = 1;
	file_init(&tty.file, &tty_ops, NULL);
	console_set_input_notify(tty_input_arrived);
	for (int fd = 0; fd < 3; fd++)
		fd_install(t, &tty.file, fd);
	file_put(&tty.file); /* the descriptors hold it now */
}

struct file *console_file(void)
{
	file_get(&tty.file);
	return &tty.file;
}
