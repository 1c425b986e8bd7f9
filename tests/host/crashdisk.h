/*
 * A disk for crash tests (after CrashMonkey and littlefs's power-loss
 * runner): it serves reads and writes like a RAM disk and records every
 * block written and every flush, so that a test can rebuild the disk as
 * a crash at any moment could have left it: everything before the last
 * completed flush, plus any subset of the writes after it, in any order,
 * the last one maybe torn at a 512-byte sector.
 */
#ifndef KEEL_TESTS_HOST_CRASHDISK_H
#define KEEL_TESTS_HOST_CRASHDISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/disk.h"

struct crash_entry {
	uint64_t block;
	uint8_t *data; /* NULL: a flush */
};

struct crashdisk {
	struct fs_disk disk;
	uint8_t **live; /* the disk as written so far */
	uint8_t **base; /* as it was when recording started */
	struct crash_entry *log;
	size_t nlog, cap;
	bool recording;
};

int crashdisk_open(struct crashdisk *cd, uint64_t blocks);
void crashdisk_close(struct crashdisk *cd);
/* Forgets the log; what the disk holds now is the base of the next. */
void crashdisk_record(struct crashdisk *cd);

/* A disk built from a crash state: blocks point at the base or the
 * log's data; writes (a mount that repairs) go to copies of its own. */
struct viewdisk {
	struct fs_disk disk;
	const uint8_t **blocks;
	uint8_t **own;
	size_t nown;
};

int viewdisk_open(struct viewdisk *vd, uint64_t blocks);
void viewdisk_close(struct viewdisk *vd);
/* Drops the copies of the last use. */
void viewdisk_reset(struct viewdisk *vd);

#endif
