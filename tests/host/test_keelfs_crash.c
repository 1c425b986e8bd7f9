/*
 * KeelFS's crash consistency, after CrashMonkey and littlefs: a seeded
 * mixed workload (creations, writes, truncations, renames, removals,
 * directories, files unlinked while open, fsyncs) runs on a disk that
 * records every write and flush. Then every crash point is rebuilt: each
 * prefix of the writes, with the writes after the last flush applied
 * all, none, in random subsets and random orders, and with one of them
 * torn at a sector. Each crash state must mount, be clean to fsck, hold
 * exactly the tree some operation boundary held (each operation wholly
 * there or wholly absent), no older than the last completed fsync, and
 * mount read-write (which frees orphans) and stay clean.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs/keelfs.h"
#include "fs/keelfs_format.h"
#include "tests/host/crashdisk.h"
#include "tests/host/kfs_util.h"

#define DISK_BLOCKS 256
#define OPS 120
#define SUBSETS 6
#define TORN 2

static uint64_t rng;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

struct run {
	struct crashdisk cd;
	struct vfs_fs *fs;
	uint64_t digest[OPS + 1]; /* the tree after each number of operations */
	size_t op_start[OPS];	  /* the log's length when each began */
	size_t durable_at[OPS];	  /* the log's length when its fsync returned (SIZE_MAX: none) */
	uint64_t held[4];
	size_t nheld;
};

static struct {
	unsigned long states, failed;
} totals;

static const char *const dirs[] = { "", "/d1", "/d1/d2", "/d3" };
static const char *const names[] = { "a", "b", "c", "longer-name-for-a-file" };

static void random_path(char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", dirs[next_rand() % 4], names[next_rand() % 4]);
}

/* One random operation; errors (a name that is not there...) are part
 * of the workload: a failed operation must change nothing. */
static void random_op(struct run *r, size_t i)
{
	struct vfs_fs *fs = r->fs;
	char path[128], path2[128];
	uint64_t dir, dir2, ino;
	const char *name, *name2;
	static uint8_t data[16384];

	r->durable_at[i] = SIZE_MAX;
	random_path(path, sizeof(path));
	if (kfs_parent(fs, path, &dir, &name))
		return;
	switch (next_rand() % 12) {
	case 0:
	case 1: fs->ops->create(fs, dir, name, strlen(name), VFS_S_IFREG | 0644, &ino); break;
	case 2:
	case 3:
	case 4: {
		if (fs->ops->lookup(fs, dir, name, strlen(name), &ino))
			break;
		size_t len = 1 + next_rand() % sizeof(data);
		uint64_t off = next_rand() % 20000;
		for (size_t k = 0; k < len; k++)
			data[k] = (uint8_t)next_rand();
		fs->ops->write(fs, ino, off, data, len);
		break;
	}
	case 5:
		if (!fs->ops->lookup(fs, dir, name, strlen(name), &ino))
			fs->ops->truncate(fs, ino, next_rand() % 30000);
		break;
	case 6:
		random_path(path2, sizeof(path2));
		if (!kfs_parent(fs, path2, &dir2, &name2))
			fs->ops->rename(fs, dir, name, strlen(name), dir2, name2, strlen(name2));
		break;
	case 7: fs->ops->unlink(fs, dir, name, strlen(name)); break;
	case 8:
		/* Unlinked while open: an orphan until released. */
		if (r->nheld < 4 && !fs->ops->lookup(fs, dir, name, strlen(name), &ino)) {
			fs->ops->hold(fs, ino);
			r->held[r->nheld++] = ino;
			fs->ops->unlink(fs, dir, name, strlen(name));
		} else if (r->nheld) {
			fs->ops->release(fs, r->held[--r->nheld]);
		}
		break;
	case 9: kfs_mkdir_p(fs, dirs[1 + next_rand() % 3]); break;
	case 10:
		fs->ops->rmdir(fs, dir, name, strlen(name));
		if (next_rand() % 2)
			fs->ops->rmdir(fs, fs->root, "d3", 2);
		break;
	case 11:
		if (next_rand() % 3 == 0)
			assert_int_equal(keelfs_sync(fs), 0);
		else
			assert_int_equal(fs->ops->fsync(fs, fs->root, false), 0);
		r->durable_at[i] = r->cd.nlog;
		break;
	}
}

/* Checks one crash state on vd. */
static void check_state(struct run *r, struct viewdisk *vd, size_t k, bool repair)
{
	struct vfs_fs *fs;
	size_t lo = 0, hi = 0;
	uint64_t d;
	bool ok = false;

	for (size_t i = 0; i < OPS; i++) {
		if (r->op_start[i] <= k)
			hi = i + 1;
		if (r->durable_at[i] <= k)
			lo = i + 1;
	}
	totals.states++;
	long problems = keelfs_fsck(&vd->disk, NULL, NULL);
	int rc = keelfs_mount(&vd->disk, true, &fs);
	if (!rc) {
		rc = kfs_digest(fs, fs->root, &d);
		fs->ops->unmount(fs);
		for (size_t s = lo; !rc && s <= hi && !ok; s++)
			ok = d == r->digest[s];
	}
	if (ok && problems == 0 && repair) {
		ok = keelfs_mount(&vd->disk, false, &fs) == 0;
		if (ok)
			ok = fs->ops->unmount(fs) == 0 && keelfs_fsck(&vd->disk, NULL, NULL) == 0;
	}
	if (!ok || problems) {
		if (totals.failed < 5)
			printf("crash state after %zu writes: mount %d, fsck %ld problems, tree %s (states %zu..%zu)\n",
			       k, rc, problems, ok ? "ok" : "matches no operation boundary", lo, hi);
		totals.failed++;
	}
	viewdisk_reset(vd);
}

static void crash_states(struct run *r)
{
	struct crashdisk *cd = &r->cd;
	struct viewdisk vd;
	uint64_t nb = cd->disk.block_count;
	const uint8_t **durable = malloc(nb * sizeof(*durable));
	size_t *pending = malloc((cd->nlog + 1) * sizeof(*pending));
	size_t npending = 0;

	assert_int_equal(viewdisk_open(&vd, nb), 0);
	for (uint64_t b = 0; b < nb; b++)
		durable[b] = cd->base[b];
	for (size_t k = 0; k <= cd->nlog; k++) {
		/* The state with exactly the first k entries. */
		memcpy(vd.blocks, durable, nb * sizeof(*durable));
		for (size_t j = 0; j < npending; j++)
			vd.blocks[cd->log[pending[j]].block] = cd->log[pending[j]].data;
		check_state(r, &vd, k, k % 8 == 0);
		if (npending) {
			/* Random subsets in random orders of the unflushed writes. */
			for (int s = 0; s < SUBSETS; s++) {
				memcpy(vd.blocks, durable, nb * sizeof(*durable));
				for (size_t j = 0; j < npending; j++) {
					size_t pick = pending[next_rand() % npending];
					if (next_rand() % 2)
						vd.blocks[cd->log[pick].block] = cd->log[pick].data;
				}
				check_state(r, &vd, k, false);
			}
			/* One of them torn: its first sectors new, the rest old. */
			for (int t = 0; t < TORN; t++) {
				memcpy(vd.blocks, durable, nb * sizeof(*durable));
				size_t cut = next_rand() % npending;
				for (size_t j = 0; j < cut; j++)
					vd.blocks[cd->log[pending[j]].block] = cd->log[pending[j]].data;
				const struct crash_entry *e = &cd->log[pending[cut]];
				uint8_t *torn = malloc(KFS_BLOCK_SIZE);
				size_t sectors = 1 + next_rand() % 7;
				if (vd.blocks[e->block])
					memcpy(torn, vd.blocks[e->block], KFS_BLOCK_SIZE);
				else
					memset(torn, 0, KFS_BLOCK_SIZE);
				memcpy(torn, e->data, sectors * 512);
				vd.own[vd.nown++] = torn;
				vd.blocks[e->block] = torn;
				check_state(r, &vd, k, false);
			}
		}
		if (k == cd->nlog)
			break;
		const struct crash_entry *e = &cd->log[k];
		if (e->data) {
			pending[npending++] = k;
		} else {
			for (size_t j = 0; j < npending; j++)
				durable[cd->log[pending[j]].block] = cd->log[pending[j]].data;
			npending = 0;
		}
	}
	viewdisk_close(&vd);
	free(durable);
	free(pending);
}

static void crash_run(uint64_t seed)
{
	struct run *r = calloc(1, sizeof(*r));

	rng = seed * UINT64_C(0x9e3779b97f4a7c15) + 1;
	assert_int_equal(crashdisk_open(&r->cd, DISK_BLOCKS), 0);
	assert_int_equal(keelfs_mkfs(&r->cd.disk), 0);
	assert_int_equal(keelfs_mount(&r->cd.disk, false, &r->fs), 0);
	assert_int_equal(kfs_mkdir_p(r->fs, "/d1/d2"), 0);
	assert_int_equal(kfs_put(r->fs, "/a", "first", 5), 0);
	assert_int_equal(keelfs_sync(r->fs), 0);
	crashdisk_record(&r->cd);
	assert_int_equal(kfs_digest(r->fs, r->fs->root, &r->digest[0]), 0);
	for (size_t i = 0; i < OPS; i++) {
		r->op_start[i] = r->cd.nlog;
		random_op(r, i);
		assert_int_equal(kfs_digest(r->fs, r->fs->root, &r->digest[i + 1]), 0);
	}
	while (r->nheld)
		r->fs->ops->release(r->fs, r->held[--r->nheld]);
	assert_int_equal(r->fs->ops->unmount(r->fs), 0);
	crash_states(r);
	crashdisk_close(&r->cd);
	free(r);
}

static void test_crash_consistency(void **state)
{
	for (uint64_t seed = 1; seed <= 20; seed++)
		crash_run(seed);
	printf("crash states checked: %lu, failed: %lu\n", totals.states, totals.failed);
	assert_true(totals.states >= 10000);
	assert_int_equal(totals.failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_consistency),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
