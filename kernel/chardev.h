/*
 * Character devices: named byte streams (virtio-console's named ports
 * today; later what the file table's read, write and poll reach). A
 * driver registers a struct chardev with its operations; users open it
 * by name, waiting a bounded time for it to appear, one user at a time,
 * and may ask whether it is readable or writable and sleep until that
 * changes.
 *
 * The application's keel_port_* calls (include/keel.h) are this
 * interface (kernel/keel_api.c).
 */
#ifndef KEEL_CHARDEV_H
#define KEEL_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/clock.h"
#include "kernel/waitq.h"
#include "kernel/devreg.h"

/* What chardev_poll answers. */
#define CHARDEV_READABLE 0x1 /* a read would return data at once */
#define CHARDEV_WRITABLE 0x2 /* a write would start at once */
#define CHARDEV_HANGUP 0x4   /* the other end is not connected */
#define CHARDEV_ERROR 0x8    /* the device failed: reads and writes return -EIO */

struct chardev;

struct chardev_ops {
	/* What has arrived, at most len bytes, waiting until deadline
	 * (DEADLINE_NEVER: no limit) for the first. Returns the count (at
	 * least 1), -ETIMEDOUT, or -EIO. */
	long (*read)(struct chardev *cd, void *buf, size_t len, uint64_t deadline);
	/* All of buf: len, what was written before an error, or -EIO. */
	long (*write)(struct chardev *cd, const void *buf, size_t len);
	/* CHARDEV_READABLE, _WRITABLE, _ERROR as they are now. Must not
	 * block: it is called with interrupts disabled. */
	unsigned (*poll)(struct chardev *cd);
	/* Tell the device the guest end opened or closed (may be NULL). */
	int (*open)(struct chardev *cd);
	int (*close)(struct chardev *cd);
};

/* The application's handle for an open device (keel_port_t). */
struct keel_port {
	struct chardev *cd;
};

struct chardev {
	struct devreg_entry reg; /* reg.name: the device's name */
	const struct chardev_ops *ops;
	void *driver;
	/* The kernel uses it (a console): it cannot be opened. */
	bool kernel_owned;

	/* The class's. */
	bool is_open;
	bool host_connected;
	struct waitq waiters; /* woken when poll's answer may have changed */
	struct keel_port handle;
};

/* Adds cd under cd->reg.name, waking those waiting for a name to
 * appear. Returns 0, -EINVAL or -EEXIST. */
int chardev_register(struct chardev *cd);
/* Removes cd (hot-unplug); an open handle gets CHARDEV_ERROR and waiters
 * are woken. 0 or -ENOENT. */
int chardev_unregister(struct chardev *cd);

/* The device of that name, waiting until timeout_ns passes for it to be
 * registered (0: no wait); NULL when it did not appear. */
struct chardev *chardev_find_wait(const char *name, uint64_t timeout_ns);

/* chardev_find_wait and chardev_open in one, as the application's
 * keel_port_open is: 0 with *out set, -EINVAL (no name), -ENOENT (it did
 * not appear in time), -EBUSY, or -EIO (the driver's error). */
int chardev_open_name(struct chardev **out, const char *name, uint64_t timeout_ns);
/* Opens cd for its one user. 0, -EBUSY (open already, or the kernel's),
 * or the driver's error. */
int chardev_open(struct chardev *cd);
/* 0, -EINVAL (not open), or the driver's error (closed anyway). */
int chardev_close(struct chardev *cd);

/* Reads and writes of an open device; timeout_ns relative (UINT64_MAX:
 * no limit). -EBADF when it is not open. */
long chardev_read(struct chardev *cd, void *buf, size_t len, uint64_t timeout_ns);
long chardev_write(struct chardev *cd, const void *buf, size_t len);

/* What the device is ready for now: CHARDEV_* bits. */
unsigned chardev_poll(struct chardev *cd);
/* Waits until poll answers one of events (or CHARDEV_ERROR), up to
 * timeout_ns; returns the answer, or 0 when the time passed first. */
unsigned chardev_wait(struct chardev *cd, unsigned events, uint64_t timeout_ns);

/* For drivers: poll's answer may have changed (data arrived, a write
 * finished, the device failed). Safe from interrupt handlers. */
void chardev_notify(struct chardev *cd);
/* For drivers: the other end connected or went away. */
void chardev_set_host_connected(struct chardev *cd, bool connected);

#endif
