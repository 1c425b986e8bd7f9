/*
 * The console as a file: descriptors 0, 1 and 2. Output goes wherever the
 * kernel's console goes (the serial port, a virtio console); input comes
 * from the serial port, polled. It answers the terminal ioctls musl asks
 * (TIOCGWINSZ decides line buffering for stdout).
 */
#include <errno.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/exit.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "kernel/console.h"
#include "sys/linux.h"
#include "sys/process.h"

#define O_NONBLOCK 04000
/* How often a blocked read looks at the serial port again. */
#define POLL_NS 10000000ull

/* A byte taken from the port by poll, not yet read. */
static int pending = -1;

static int next_byte(void)
{
	int c = pending;
	if (c >= 0) {
		pending = -1;
		return c;
	}
	return console_getc();
}

static long console_read(struct file *f, void *buf, size_t len)
{
	char *out = buf;
	size_t n = 0;
	if (len == 0)
		return 0;
	for (;;) {
		int c = next_byte();
		if (c >= 0) {
			out[n++] = (char)c;
			/* A line at a time, as a terminal in canonical mode. */
			if (c == '\n' || n == len)
				return (long)n;
			continue;
		}
		if (n > 0)
			return (long)n;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		sleep_ns(POLL_NS);
	}
}

static long console_file_write(struct file *f, const void *buf, size_t len)
{
	(void)f;
	console_write(buf, len);
	return (long)len;
}

static unsigned console_poll(struct file *f)
{
	(void)f;
	if (pending < 0)
		pending = console_getc();
	return FD_POLLOUT | (pending >= 0 ? FD_POLLIN : 0);
}

static long console_ioctl(struct file *f, unsigned long request, void *arg)
{
	(void)f;
	switch (request) {
	case TIOCGWINSZ: {
		struct linux_winsize ws = { .ws_row = 24, .ws_col = 80 };
		if (!user_writable_ok(arg, sizeof(ws)))
			return -EFAULT;
		memcpy(arg, &ws, sizeof(ws));
		return 0;
	}
	case TCGETS: {
		/* A terminal at 115200 baud, 8 bits, canonical with echo:
		 * what a serial console is (ICRNL, OPOST|ONLCR, CS8|CREAD|B115200,
		 * ISIG|ICANON|ECHO|ECHOE). */
		struct linux_termios t = {
			.c_iflag = 0400, .c_oflag = 05, .c_cflag = 0260 | 010002, .c_lflag = 01 | 02 | 010 | 020
		};
		if (!user_writable_ok(arg, sizeof(t)))
			return -EFAULT;
		memcpy(arg, &t, sizeof(t));
		return 0;
	}
	default: return -ENOTTY;
	}
}

static const struct file_ops console_ops = {
	.kind = "console",
	.read = console_read,
	.write = console_file_write,
	.poll = console_poll,
	.ioctl = console_ioctl,
	.close = NULL, /* static: never freed */
};

static struct file console_file;

void console_files_init(struct fd_table *t)
{
	file_init(&console_file, &console_ops, NULL);
	for (int fd = 0; fd < 3; fd++)
		fd_install(t, &console_file, fd);
	file_put(&console_file); /* the descriptors hold it now */
}
