/*
 * Character devices (kernel/chardev.h) and, over them, the application's
 * named ports (include/keel.h: keel_port_*, in kernel/keel_api.c).
 *
 * Readiness uses one wait queue per device: a waiter asks poll and goes
 * to sleep with interrupts disabled in between, so a chardev_notify from
 * an interrupt handler cannot fall between the question and the sleep.
 * Names appearing are counted by a generation number for the same
 * reason: a registration between a failed look-up and the wait is seen.
 */
#include "kernel/chardev.h"

#include <errno.h>
#include <stddef.h>

#include "kernel/sched.h"

static struct devreg chardevs = DEVREG_INIT("char");
static struct waitq appeared;
static unsigned long generation;

#define CHARDEV(e) ((struct chardev *)((char *)(e)-offsetof(struct chardev, reg)))

int chardev_register(struct chardev *cd)
{
	if (cd->ops == NULL || cd->ops->read == NULL || cd->ops->write == NULL || cd->ops->poll == NULL)
		return -EINVAL;
	cd->is_open = false;
	cd->handle.cd = cd;
	int err = devreg_add(&chardevs, &cd->reg);
	if (!err) {
		bool irq = sched_lock();
		generation++;
		waitq_wake_all(&appeared);
		sched_unlock(irq);
	}
	return err;
}

int chardev_unregister(struct chardev *cd)
{
	int err = devreg_remove(&chardevs, &cd->reg);
	if (!err)
		chardev_notify(cd);
	return err;
}

struct chardev *chardev_find_wait(const char *name, uint64_t timeout_ns)
{
	if (name == NULL)
		return NULL;
	uint64_t deadline = deadline_after(timeout_ns);
	for (;;) {
		unsigned long seen = generation;
		struct devreg_entry *e = devreg_find(&chardevs, name);
		if (e)
			return CHARDEV(e);
		bool irq = sched_lock();
		int r = generation == seen ? waitq_wait(&appeared, deadline) : 0;
		sched_unlock(irq);
		if (r == -ETIMEDOUT)
			return NULL;
	}
}

int chardev_open(struct chardev *cd)
{
	if (cd->is_open || cd->kernel_owned)
		return -EBUSY;
	cd->is_open = true;
	int err = cd->ops->open ? cd->ops->open(cd) : 0;
	if (err)
		cd->is_open = false;
	return err;
}

int chardev_close(struct chardev *cd)
{
	if (!cd->is_open)
		return -EINVAL;
	cd->is_open = false;
	return cd->ops->close ? cd->ops->close(cd) : 0;
}

long chardev_read(struct chardev *cd, void *buf, size_t len, uint64_t timeout_ns)
{
	if (!cd->is_open)
		return -EBADF;
	if (len == 0)
		return 0;
	if (!cd->reg.registered)
		return -EIO;
	return cd->ops->read(cd, buf, len, deadline_after(timeout_ns));
}

long chardev_write(struct chardev *cd, const void *buf, size_t len)
{
	if (!cd->is_open)
		return -EBADF;
	if (len == 0)
		return 0;
	if (!cd->reg.registered)
		return -EIO;
	return cd->ops->write(cd, buf, len);
}

/* With interrupts disabled. */
static unsigned poll_locked(struct chardev *cd)
{
	unsigned r = cd->reg.registered ? cd->ops->poll(cd) : CHARDEV_ERROR;
	if (!cd->host_connected)
		r |= CHARDEV_HANGUP;
	return r;
}

unsigned chardev_poll(struct chardev *cd)
{
	bool irq = sched_lock();
	unsigned r = poll_locked(cd);
	sched_unlock(irq);
	return r;
}

unsigned chardev_wait(struct chardev *cd, unsigned events, uint64_t timeout_ns)
{
	uint64_t deadline = deadline_after(timeout_ns);
	events |= CHARDEV_ERROR;
	bool irq = sched_lock();
	unsigned r;
	while (!((r = poll_locked(cd)) & events)) {
		if (waitq_wait(&cd->waiters, deadline) == -ETIMEDOUT) {
			r = poll_locked(cd);
			if (!(r & events))
				r = 0;
			break;
		}
	}
	sched_unlock(irq);
	return r;
}

void chardev_notify(struct chardev *cd) { waitq_wake_all(&cd->waiters); }

void chardev_set_host_connected(struct chardev *cd, bool connected)
{
	cd->host_connected = connected;
	chardev_notify(cd);
}

int chardev_open_name(struct chardev **out, const char *name, uint64_t timeout_ns)
{
	if (out == NULL || name == NULL || *name == '\0')
		return -EINVAL;
	struct chardev *cd = chardev_find_wait(name, timeout_ns);
	if (cd == NULL)
		return -ENOENT;
	int err = chardev_open(cd);
	if (err)
		return err == -EBUSY ? -EBUSY : -EIO;
	*out = cd;
	return 0;
}
