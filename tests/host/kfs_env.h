/*
 * A KeelFS mounted on a fresh RAM disk or image file, for the host tests.
 */
#ifndef KEEL_TESTS_HOST_KFS_ENV_H
#define KEEL_TESTS_HOST_KFS_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "fs/disk.h"
#include "fs/vfs.h"

struct env {
	struct fs_disk disk;
	struct vfs_fs *fs;
	bool file;
	char path[64];
};

/* fsck's count of problems on disk. */
int fsck_problems(struct fs_disk *disk);
/* A new filesystem of blocks blocks, mounted read-write. */
struct env *env_new(uint64_t blocks, bool file);
/* Unmounts, checks fsck finds nothing, mounts again. */
void remount(struct env *e);
/* Unmounts (when mounted), checks with fsck, frees everything. */
void env_free(struct env *e);

#endif
