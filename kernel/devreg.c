/*
 * The registry shared by the device classes (kernel/devreg.h). Lists are
 * short (a handful of devices): they are walked, not indexed.
 */
#include "kernel/devreg.h"

#include <errno.h>
#include <string.h>

static struct devreg_entry *find_locked(struct devreg *r, const char *name)
{
	for (struct devreg_entry *e = r->head; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static void notify(struct devreg *r, enum devreg_event ev, struct devreg_entry *e)
{
	for (struct devreg_notifier *n = r->notifiers; n; n = n->next)
		n->fn(n, ev, e);
}

int devreg_add(struct devreg *r, struct devreg_entry *e)
{
	if (e == NULL || e->name[0] == '\0' || e->registered)
		return -EINVAL;
	mutex_lock(&r->event_lock);
	mutex_lock(&r->list_lock);
	int err = find_locked(r, e->name) ? -EEXIST : 0;
	if (!err) {
		struct devreg_entry **link = &r->head;
		while (*link)
			link = &(*link)->next;
		e->next = NULL;
		*link = e;
		e->registered = true;
		r->count++;
	}
	mutex_unlock(&r->list_lock);
	if (!err)
		notify(r, DEVREG_ADDED, e);
	mutex_unlock(&r->event_lock);
	return err;
}

int devreg_remove(struct devreg *r, struct devreg_entry *e)
{
	mutex_lock(&r->event_lock);
	if (e == NULL || !e->registered) {
		mutex_unlock(&r->event_lock);
		return -ENOENT;
	}
	/* Users hear of it while it is still there to be let go of. */
	notify(r, DEVREG_REMOVED, e);
	mutex_lock(&r->list_lock);
	for (struct devreg_entry **link = &r->head; *link; link = &(*link)->next) {
		if (*link == e) {
			*link = e->next;
			break;
		}
	}
	e->next = NULL;
	e->registered = false;
	r->count--;
	mutex_unlock(&r->list_lock);
	mutex_unlock(&r->event_lock);
	return 0;
}

struct devreg_entry *devreg_find(struct devreg *r, const char *name)
{
	if (name == NULL)
		return NULL;
	mutex_lock(&r->list_lock);
	struct devreg_entry *e = find_locked(r, name);
	mutex_unlock(&r->list_lock);
	return e;
}

int devreg_foreach(struct devreg *r, int (*fn)(struct devreg_entry *e, void *arg), void *arg)
{
	mutex_lock(&r->list_lock);
	int ret = 0;
	for (struct devreg_entry *e = r->head; e && ret == 0; e = e->next)
		ret = fn(e, arg);
	mutex_unlock(&r->list_lock);
	return ret;
}

void devreg_notifier_add(struct devreg *r, struct devreg_notifier *n)
{
	mutex_lock(&r->event_lock);
	struct devreg_notifier **link = &r->notifiers;
	while (*link)
		link = &(*link)->next;
	n->next = NULL;
	*link = n;
	/* The list cannot change while the event lock is held. */
	for (struct devreg_entry *e = r->head; e; e = e->next)
		n->fn(n, DEVREG_ADDED, e);
	mutex_unlock(&r->event_lock);
}

int devreg_notifier_remove(struct devreg *r, struct devreg_notifier *n)
{
	mutex_lock(&r->event_lock);
	int err = -ENOENT;
	for (struct devreg_notifier **link = &r->notifiers; *link; link = &(*link)->next) {
		if (*link == n) {
			*link = n->next;
			err = 0;
			break;
		}
	}
	mutex_unlock(&r->event_lock);
	return err;
}
