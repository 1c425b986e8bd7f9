/*
 * The console: where printf goes. The serial port always; other sinks
 * (a virtio console) register to receive a copy.
 */
#ifndef KEEL_CONSOLE_H
#define KEEL_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

void console_write(const char *s, size_t n);

typedef void (*console_sink_fn)(const char *s, size_t n);
/* At most a few sinks; returns 0 or -ENOSPC. A new sink first receives
 * what was written before it (the last 8 KiB). flush (may be NULL) waits,
 * bounded, until what the sink queued has left: before the VM ends. */
int console_add_sink(console_sink_fn fn, void (*flush)(void));
void console_flush(void);
/* The next byte typed on the serial port, or -1 when none is waiting. */
int console_getc(void);
/* A device's way of writing that needs nothing from the kernel (virtio
 * console's emergency write), used instead of the sinks during a panic. */
void console_set_emergency(console_sink_fn fn);
/* For panics: stop calling sinks that may take locks or wait on devices;
 * the serial port and the emergency writer, if any, carry on. */
void console_panic_mode(void);

/* printf for the kernel's own messages. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

/* Log levels for boot messages: "quiet" on the command line keeps only
 * warnings and errors. */
enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
extern enum log_level console_log_level;
#define klog(level, ...)                                                                                               \
	do {                                                                                                           \
		if ((level) <= console_log_level)                                                                      \
			kprintf(__VA_ARGS__);                                                                          \
	} while (0)
#define kinfo(...) klog(LOG_INFO, __VA_ARGS__)
#define kwarn(...) klog(LOG_WARN, __VA_ARGS__)
#define kdebug(...) klog(LOG_DEBUG, __VA_ARGS__)

#endif
