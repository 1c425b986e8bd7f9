/*
 * Record locks (fcntl F_SETLK and the OFD kind) on inodes: a table of
 * byte ranges, each held by an owner. Locks of the same owner never
 * conflict: a new one replaces what the owner held over its range (split
 * as needed). A traditional lock's owner is the process; an open file
 * description's lock's owner is that description. Pure logic: host-tested;
 * waiting for a lock is the caller's (sys/fslock.c).
 */
#ifndef KEEL_FS_LOCKS_H
#define KEEL_FS_LOCKS_H

#include <stdint.h>

enum lock_type { LOCK_READ, LOCK_WRITE, LOCK_NONE };

struct range_lock {
	const void *fs; /* which filesystem the inode is in */
	uint64_t ino;
	const void *owner;
	enum lock_type type;
	uint64_t start, end; /* inclusive; UINT64_MAX: to the end of the file and beyond */
	struct range_lock *next;
};

struct lock_table {
	struct range_lock *head;
};

/* A lock of another owner over [start, end] of the inode that a lock of
 * type would conflict with (a write lock conflicts with any, a read lock
 * with a write lock), or NULL. */
const struct range_lock *locks_conflict(const struct lock_table *t, const void *fs, uint64_t ino, const void *owner,
					enum lock_type type, uint64_t start, uint64_t end);

/* Gives owner a lock of type over [start, end] (LOCK_NONE: unlocks it),
 * replacing what owner held there. The caller checked conflicts first.
 * Returns 0 or -ENOLCK (no memory; then nothing changed). */
int locks_set(struct lock_table *t, const void *fs, uint64_t ino, const void *owner, enum lock_type type,
	      uint64_t start, uint64_t end);

/* Drops every lock of owner on the inode (ino and fs), or on every inode
 * when fs is NULL. */
void locks_drop(struct lock_table *t, const void *fs, uint64_t ino, const void *owner);

#endif
