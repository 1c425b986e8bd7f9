/*
 * What the device classes (kernel/netdev.h, kernel/blkdev.h,
 * kernel/chardev.h) share: a registry of named devices, each embedding a
 * struct devreg_entry, with notifiers that learn of every device present
 * and of every one that comes or goes later (hot-plug).
 *
 * Two locks: one for the list, held only while it changes or is read,
 * and one that orders events, held while notifiers run, so a notifier
 * sees each device added before it is removed and may look devices up,
 * but must not register or unregister devices or notifiers itself.
 * None of this may be called from an interrupt handler.
 */
#ifndef KEEL_DEVREG_H
#define KEEL_DEVREG_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/sync.h"

#define DEVREG_NAME_MAX 64

struct devreg_entry {
	char name[DEVREG_NAME_MAX];
	struct devreg_entry *next;
	bool registered;
};

enum devreg_event {
	DEVREG_ADDED,
	DEVREG_REMOVED,
};

struct devreg_notifier {
	void (*fn)(struct devreg_notifier *n, enum devreg_event ev, struct devreg_entry *e);
	struct devreg_notifier *next;
};

struct devreg {
	/* For reports: "net", "blk", "char". An array, not a pointer to a
	 * literal, so an image that never uses a class keeps none of it. */
	char class_name[8];
	struct devreg_entry *head;
	struct devreg_notifier *notifiers;
	struct mutex list_lock, event_lock;
	unsigned count;
};

#define DEVREG_INIT(class)                                                                                             \
	{                                                                                                              \
		.class_name = class, .list_lock = MUTEX_INIT, .event_lock = MUTEX_INIT                                 \
	}

/* Adds e under e->name (already set), then tells every notifier. Returns
 * 0, -EINVAL (no name, or e already registered), -EEXIST (the name is
 * taken). */
int devreg_add(struct devreg *r, struct devreg_entry *e);
/* Tells every notifier that e goes, then removes it. Returns 0 or
 * -ENOENT. */
int devreg_remove(struct devreg *r, struct devreg_entry *e);

struct devreg_entry *devreg_find(struct devreg *r, const char *name);
/* Calls fn for each device in the order they came, while the list is
 * locked (fn must not add or remove); stops at and returns fn's first
 * non-zero value. */
int devreg_foreach(struct devreg *r, int (*fn)(struct devreg_entry *e, void *arg), void *arg);

/* Adds n and calls it at once with DEVREG_ADDED for every device present;
 * from then on, for every device added or removed. */
void devreg_notifier_add(struct devreg *r, struct devreg_notifier *n);
/* Removes n; it is not called again once this returns. 0 or -ENOENT. */
int devreg_notifier_remove(struct devreg *r, struct devreg_notifier *n);

#endif
