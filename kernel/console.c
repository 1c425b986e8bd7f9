/*
 * The console and the stdio functions an application writes with. Output
 * is formatted into a small buffer on the stack and handed to the sinks a
 * buffer at a time, so a line reaches the serial port in one piece.
 */
#include "kernel/console.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"
#include "kernel/clock.h"
#include "kernel/init.h"
#include "kernel/logstamp.h"
#include "kernel/option.h"
#include "lib/format.h"

/* Sinks beside the serial port are the kernel's own choice, not a count
 * of devices: one console port at most (the first virtio console's port
 * 0 becomes it, later ones do not), so a small table does. */
#define MAX_SINKS 4

enum log_level console_log_level = LOG_INFO;

/* Kernel options: "quiet" keeps warnings and errors only, "debug" adds
 * the details. */
static void set_quiet(const char *value) { console_log_level = LOG_WARN; }
static void set_debug(const char *value) { console_log_level = LOG_DEBUG; }
KERNEL_OPTION("quiet", set_quiet);
KERNEL_OPTION("debug", set_debug);

/* "timestamps": the kernel's lines begin with the time since boot, as
 * dmesg shows them. Off by default: the log's lines then begin with what
 * says what they are, which scripts match. */
static bool stamping;
static void set_timestamps(const char *value) { stamping = true; }
KERNEL_OPTION("timestamps", set_timestamps);
/* Whether the console's last byte ended a line (anyone's: an
 * application's output without a newline leaves the kernel's next
 * message mid-line, unstamped). */
static bool console_line_start = true;

static console_sink_fn sinks[MAX_SINKS];
static void (*flushers[MAX_SINKS])(void);
static unsigned nsinks;

/* The last HISTORY bytes written, replayed to a sink when it registers: a
 * console found later in the boot (a virtio console port is known only
 * once its device says so) still shows the boot log and all that came
 * before it. Not zeroed at boot: hist_total says how much is there. */
#define HISTORY 8192
static char history[HISTORY] __attribute__((section(".bss.nozero")));
static uint64_t hist_total;

static void remember(const char *s, size_t n)
{
	if (n > HISTORY) {
		s += n - HISTORY;
		hist_total += n - HISTORY;
		n = HISTORY;
	}
	size_t at = (size_t)(hist_total % HISTORY), first = HISTORY - at < n ? HISTORY - at : n;
	memcpy(history + at, s, first);
	memcpy(history, s + first, n - first);
	hist_total += n;
}

static void replay(console_sink_fn fn)
{
	size_t have = hist_total < HISTORY ? (size_t)hist_total : HISTORY;
	size_t start = (size_t)((hist_total - have) % HISTORY);
	size_t first = HISTORY - start < have ? HISTORY - start : have;
	fn(history + start, first);
	if (have > first)
		fn(history, have - first);
}
static bool panicking;
static console_sink_fn emergency_sink;

static void write_out(const char *s, size_t n, bool crlf)
{
	/* Interrupt handlers print too: one writer at a time keeps lines
	 * whole. */
	bool irq = irq_save();
	if (crlf)
		serial_write(s, n);
	else
		serial_write_raw(s, n);
	remember(s, n);
	if (n > 0)
		console_line_start = s[n - 1] == '\n';
	if (panicking) {
		if (emergency_sink)
			emergency_sink(s, n);
	} else {
		for (unsigned i = 0; i < nsinks; i++)
			sinks[i](s, n);
	}
	irq_restore(irq);
}

void console_write(const char *s, size_t n) { write_out(s, n, true); }

void console_write_raw(const char *s, size_t n) { write_out(s, n, false); }

int console_add_sink(console_sink_fn fn, void (*flush)(void))
{
	bool irq = irq_save();
	int r = -ENOSPC;
	if (nsinks < MAX_SINKS) {
		/* With interrupts off, nothing is written between the replay
		 * and the registration: the sink misses nothing nor gets
		 * anything twice. */
		replay(fn);
		flushers[nsinks] = flush;
		sinks[nsinks++] = fn;
		r = 0;
	}
	irq_restore(irq);
	return r;
}

void console_flush(void)
{
	if (panicking)
		return; /* the emergency writer does not queue */
	for (unsigned i = 0; i < nsinks; i++)
		if (flushers[i])
			flushers[i]();
}

void console_set_emergency(console_sink_fn fn) { emergency_sink = fn; }

void console_panic_mode(void)
{
	/* What the queueing sinks hold goes out first (bounded), or it
	 * would land in the middle of the report written around them. */
	console_flush();
	panicking = true;
}

struct buffered {
	char buf[160];
	size_t len;
	char stamp[LOGSTAMP_MAX];
	size_t stamp_len;
	bool line_start;
};

static void buffered_put(void *ctx, const char *s, size_t n)
{
	struct buffered *b = ctx;
	while (n > 0) {
		if (b->len == sizeof(b->buf)) {
			console_write(b->buf, b->len);
			b->len = 0;
		}
		size_t k = sizeof(b->buf) - b->len;
		if (k > n)
			k = n;
		memcpy(b->buf + b->len, s, k);
		b->len += k;
		s += k;
		n -= k;
	}
}

static void stamped_put(void *ctx, const char *s, size_t n)
{
	struct buffered *b = ctx;
	logstamp_lines(buffered_put, b, s, n, b->stamp, b->stamp_len, &b->line_start);
}

int kvprintf(const char *fmt, va_list ap)
{
	struct buffered b;
	b.len = 0;
	/* One time for the whole message: its lines were one event. */
	if (stamping) {
		b.stamp_len = logstamp_format(b.stamp, clock_ns());
		b.line_start = console_line_start;
	}
	int n = format_v(stamping ? stamped_put : buffered_put, &b, fmt, ap);
	if (b.len)
		console_write(b.buf, b.len);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* --- stdio for applications: stdout and stderr are both the console. --- */

struct keel_file {
	int fd;
};
static struct keel_file out_file = { 1 }, err_file = { 2 };
FILE *const stdout = &out_file;
FILE *const stderr = &err_file;

int vprintf(const char *fmt, va_list ap) { return kvprintf(fmt, ap); }

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	(void)f;
	return kvprintf(fmt, ap);
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int fputs(const char *s, FILE *f)
{
	(void)f;
	console_write(s, strlen(s));
	return 1;
}

int puts(const char *s)
{
	console_write(s, strlen(s));
	console_write("\n", 1);
	return 1;
}

int fputc(int c, FILE *f)
{
	(void)f;
	char ch = (char)c;
	console_write(&ch, 1);
	return (unsigned char)c;
}

int putchar(int c) { return fputc(c, stdout); }

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
	(void)f;
	if (size == 0 || n == 0)
		return 0;
	if (n > SIZE_MAX / size)
		n = SIZE_MAX / size;
	console_write(p, size * n);
	return n;
}

int fflush(FILE *f)
{
	(void)f;
	return 0;
}
