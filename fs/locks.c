/*
 * The record-lock table (fs/locks.h): a list, short in practice (SQLite
 * holds a handful of locks per database).
 */
#include "fs/locks.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

static bool overlaps(const struct range_lock *l, uint64_t start, uint64_t end)
{
	return l->start <= end && start <= l->end;
}

const struct range_lock *locks_conflict(const struct lock_table *t, const void *fs, uint64_t ino, const void *owner,
					enum lock_type type, uint64_t start, uint64_t end)
{
	for (const struct range_lock *l = t->head; l; l = l->next)
		if (l->fs == fs && l->ino == ino && l->owner != owner && overlaps(l, start, end) &&
		    (type == LOCK_WRITE || l->type == LOCK_WRITE))
			return l;
	return NULL;
}

int locks_set(struct lock_table *t, const void *fs, uint64_t ino, const void *owner, enum lock_type type,
	      uint64_t start, uint64_t end)
{
	/* The memory comes first, so a failure changes nothing: at most one
	 * split (a range inside one of owner's locks) and the new lock. */
	struct range_lock *spare = malloc(sizeof(*spare)), *fresh = NULL;
	if (spare == NULL)
		return -ENOLCK;
	if (type != LOCK_NONE && (fresh = malloc(sizeof(*fresh))) == NULL) {
		free(spare);
		return -ENOLCK;
	}
	for (struct range_lock **pp = &t->head; *pp;) {
		struct range_lock *l = *pp;
		if (l->fs != fs || l->ino != ino || l->owner != owner || !overlaps(l, start, end)) {
			pp = &l->next;
			continue;
		}
		if (l->start < start && l->end > end) {
			/* [start, end] inside l: l keeps its head, the spare its tail. */
			*spare = *l;
			spare->start = end + 1;
			l->end = start - 1;
			l->next = spare;
			spare = NULL;
			break;
		}
		if (l->start < start) {
			l->end = start - 1;
			pp = &l->next;
		} else if (l->end > end) {
			l->start = end + 1;
			pp = &l->next;
		} else {
			*pp = l->next;
			free(l);
		}
	}
	free(spare);
	if (fresh) {
		*fresh = (struct range_lock){ fs, ino, owner, type, start, end, t->head };
		t->head = fresh;
	}
	return 0;
}

void locks_drop(struct lock_table *t, const void *fs, uint64_t ino, const void *owner)
{
	for (struct range_lock **pp = &t->head; *pp;) {
		struct range_lock *l = *pp;
		if (l->owner == owner && (fs == NULL || (l->fs == fs && l->ino == ino))) {
			*pp = l->next;
			free(l);
		} else {
			pp = &l->next;
		}
	}
}
