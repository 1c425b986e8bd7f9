/*
 * The console as a terminal that only writes: descriptors 0, 1 and 2 in
 * an image without console input (KEEL_CONSOLE_INPUT := no in app.mk),
 * standing in for sys/console.c and its line discipline. Output goes
 * where the kernel's console goes, a newline as CR LF; a read finds the
 * end of the input at once, as from /dev/null; the terminal answers for
 * its size (TIOCGWINSZ, by which the C library decides to flush each
 * line) and its settings (TCGETS: output processing, no input modes),
 * and any other request with -ENOTTY.
 */
#include <errno.h>
#include <string.h>

#include "kernel/console.h"
#include "sys/kstat.h"
#include "sys/ldisc.h"
#include "sys/linux.h"
#include "sys/process.h"

static struct file tty_file;

static long conout_read(struct file *f, void *buf, size_t len) { return 0; }

static long conout_write(struct file *f, const void *buf, size_t len)
{
	console_write(buf, len);
	return (long)len;
}

/* Writable, and a read does not wait. */
static unsigned conout_poll(struct file *f) { return FD_POLLOUT | FD_POLLWRNORM | FD_POLLIN | FD_POLLRDNORM; }

static long conout_ioctl(struct file *f, unsigned long request, void *arg)
{
	static const struct linux_winsize ws = { .ws_row = 24, .ws_col = 80 };
	static const struct ldisc_termios t = {
		.c_oflag = OPOST | ONLCR,
		.c_cflag = B115200 | CS8,
	};
	const void *from;
	size_t n;
	switch (request) {
	case TIOCGWINSZ:
		from = &ws;
		n = sizeof(ws);
		break;
	case TCGETS:
		from = &t;
		n = sizeof(t);
		break;
	default: return -ENOTTY;
	}
	if (!user_writable_ok(arg, n))
		return -EFAULT;
	memcpy(arg, from, n);
	return 0;
}

/* ttyS0's numbers (4, 64), as sys/console.c gives them. */
static int conout_stat(struct file *f, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = linux_makedev(0, 5);
	st->st_ino = 100;
	st->st_nlink = 1;
	st->st_mode = LINUX_S_IFCHR | 0620;
	st->st_rdev = linux_makedev(4, 64);
	st->st_blksize = 1024;
	return 0;
}

static const struct file_ops conout_ops = {
	.kind = "console",
	.read = conout_read,
	.write = conout_write,
	.poll = conout_poll,
	.ioctl = conout_ioctl,
	.stat = conout_stat,
	.close = NULL, /* static: never freed */
};

void console_files_init(struct fd_table *t)
{
	file_init(&tty_file, &conout_ops, NULL);
	for (int fd = 0; fd < 3; fd++)
		fd_install(t, &tty_file, fd);
	file_put(&tty_file); /* the descriptors hold it now */
}

struct file *console_file(void)
{
	file_get(&tty_file);
	return &tty_file;
}
