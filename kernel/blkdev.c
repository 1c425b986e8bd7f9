/*
 * The block device class (kernel/blkdev.h): its registry, the checks
 * every request passes before a driver sees it, and the synchronous
 * helpers on top of the asynchronous path.
 */
#include "kernel/blkdev.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "kernel/panic.h"

static struct devreg blkdevs = DEVREG_INIT("blk");

#define BLKDEV(e) ((struct blkdev *)((char *)(e)-offsetof(struct blkdev, reg)))

int blkdev_register(struct blkdev *bd)
{
	bool pow2 = bd->block_size && (bd->block_size & (bd->block_size - 1)) == 0;
	if (bd->ops == NULL || bd->ops->submit == NULL || bd->ops->abort == NULL || !pow2 ||
	    bd->block_size < BLK_SECTOR_SIZE || bd->queue_depth == 0 || bd->max_segs == 0 ||
	    bd->max_seg_size < bd->block_size)
		return -EINVAL;
	return devreg_add(&blkdevs, &bd->reg);
}

int blkdev_unregister(struct blkdev *bd) { return devreg_remove(&blkdevs, &bd->reg); }

void blkdev_disk_name(char *out, const char *prefix, unsigned n)
{
	/* Letters in base 26 where each place starts again at a: the
	 * last letter is n % 26, and every letter before it one less. */
	char tail[8];
	int k = 0;
	do {
		tail[k++] = (char)('a' + n % 26);
		n = n / 26;
	} while (n-- > 0 && k < 7);
	size_t len = strlen(prefix);
	memcpy(out, prefix, len);
	for (int i = 0; i < k; i++)
		out[len + i] = tail[k - 1 - i];
	out[len + k] = '\0';
}

struct blkdev *blkdev_find(const char *name)
{
	struct devreg_entry *e = devreg_find(&blkdevs, name);
	return e ? BLKDEV(e) : NULL;
}

struct foreach_ctx {
	int (*fn)(struct blkdev *bd, void *arg);
	void *arg;
};

static int foreach_one(struct devreg_entry *e, void *arg)
{
	struct foreach_ctx *c = arg;
	return c->fn(BLKDEV(e), c->arg);
}

int blkdev_foreach(int (*fn)(struct blkdev *bd, void *arg), void *arg)
{
	struct foreach_ctx c = { fn, arg };
	return devreg_foreach(&blkdevs, foreach_one, &c);
}

static void notifier_trampoline(struct devreg_notifier *dn, enum devreg_event ev, struct devreg_entry *e)
{
	struct blkdev_notifier *n = (struct blkdev_notifier *)((char *)dn - offsetof(struct blkdev_notifier, reg));
	if (ev == DEVREG_ADDED && n->added)
		n->added(n, BLKDEV(e));
	else if (ev == DEVREG_REMOVED && n->removed)
		n->removed(n, BLKDEV(e));
}

void blkdev_notifier_register(struct blkdev_notifier *n)
{
	n->reg.fn = notifier_trampoline;
	devreg_notifier_add(&blkdevs, &n->reg);
}

int blkdev_notifier_unregister(struct blkdev_notifier *n) { return devreg_notifier_remove(&blkdevs, &n->reg); }

/* --- requests --- */

/* 0, or why req cannot go to bd. */
static int check(const struct blkdev *bd, const struct blkreq *req, uint64_t *bytes)
{
	uint32_t sectors_per_block = bd->block_size / BLK_SECTOR_SIZE;
	uint64_t nsectors = 0;
	*bytes = 0;
	switch (req->op) {
	case BLK_READ:
	case BLK_WRITE:
		if (req->nsegs == 0 || req->nsegs > bd->max_segs || req->segs == NULL)
			return -EINVAL;
		for (unsigned i = 0; i < req->nsegs; i++) {
			if (req->segs[i].len == 0 || req->segs[i].len > bd->max_seg_size || req->segs[i].addr == NULL)
				return -EINVAL;
			*bytes += req->segs[i].len;
		}
		if (*bytes % bd->block_size != 0)
			return -EINVAL;
		nsectors = *bytes / BLK_SECTOR_SIZE;
		break;
	case BLK_FLUSH:
		/* Nothing to flush without a volatile cache: done at once by
		 * blkdev_submit. */
		return 0;
	case BLK_DISCARD:
	case BLK_WRITE_ZEROES: {
		unsigned need = req->op == BLK_DISCARD ? BLKDEV_F_DISCARD : BLKDEV_F_WRITE_ZEROES;
		if (!(bd->features & need))
			return -EOPNOTSUPP;
		if (req->nsectors == 0 || req->nsectors % sectors_per_block != 0)
			return -EINVAL;
		nsectors = req->nsectors;
		break;
	}
	default: return -EINVAL;
	}
	if (req->op != BLK_READ && bd->read_only)
		return -EROFS;
	if (req->sector % sectors_per_block != 0 || req->sector > bd->sectors || nsectors > bd->sectors - req->sector)
		return -EINVAL;
	if (bd->max_sectors && nsectors > bd->max_sectors)
		return -EINVAL;
	return 0;
}

int blkdev_submit(struct blkdev *bd, struct blkreq *req)
{
	if (req->done == NULL)
		return -EINVAL;
	uint64_t bytes;
	int err = check(bd, req, &bytes);
	if (!err && req->op == BLK_FLUSH && !(bd->features & BLKDEV_F_FLUSH)) {
		/* Writes are stable once complete: a flush has nothing to do. */
		bd->flushes++;
		req->done(req, 0);
		return 0;
	}
	if (!err)
		err = bd->ops->submit(bd, req);
	if (err) {
		bd->rejected++;
		return err;
	}
	switch (req->op) {
	case BLK_READ:
		bd->reads++;
		bd->read_bytes += bytes;
		break;
	case BLK_WRITE:
		bd->writes++;
		bd->written_bytes += bytes;
		break;
	case BLK_FLUSH: bd->flushes++; break;
	case BLK_DISCARD: bd->discards++; break;
	case BLK_WRITE_ZEROES: bd->write_zeroes++; break;
	}
	return 0;
}

void blkdev_abort(struct blkdev *bd, struct blkreq *req) { bd->ops->abort(bd, req); }

/* --- waiting for one --- */

struct sync_wait {
	struct sem done;
	int status;
};

/* From a thread or an interrupt handler. */
static void sync_done(struct blkreq *req, int status)
{
	struct sync_wait *w = req->ctx;
	w->status = status;
	sem_post(&w->done);
}

int blkdev_submit_wait(struct blkdev *bd, struct blkreq *req, uint64_t timeout_ns)
{
	struct sync_wait w;
	sem_init(&w.done, 0);
	w.status = -EINPROGRESS;
	req->done = sync_done;
	req->ctx = &w;
	int err = blkdev_submit(bd, req);
	if (err)
		return err;
	if (timeout_ns == UINT64_MAX)
		sem_wait(&w.done);
	else if (sem_timedwait(&w.done, timeout_ns) != 0) {
		/* The request stays the driver's until it gives it back:
		 * after abort, done has been called, and w (on this stack)
		 * is no longer referred to. */
		blkdev_abort(bd, req);
		if (sem_trywait(&w.done) != 0)
			panic("blkdev %s: abort returned before the request completed", bd->reg.name);
		if (w.status == 0)
			return 0; /* it finished as the wait ended */
		bd->errors++;
		return -ETIMEDOUT;
	}
	if (w.status != 0)
		bd->errors++;
	return w.status;
}

/* One segment at a time, each as large as the device takes. */
static int transfer(struct blkdev *bd, enum blk_op op, uint64_t off, void *buf, size_t count, uint64_t timeout_ns)
{
	if (off % bd->block_size != 0 || count % bd->block_size != 0)
		return -EINVAL;
	uint64_t most = bd->max_seg_size;
	if (bd->max_sectors && most > (uint64_t)bd->max_sectors * BLK_SECTOR_SIZE)
		most = (uint64_t)bd->max_sectors * BLK_SECTOR_SIZE;
	most -= most % bd->block_size;
	if (most == 0)
		return -EINVAL;
	uint8_t *p = buf;
	while (count > 0) {
		uint32_t n = (uint32_t)(count < most ? count : most);
		struct blk_seg seg = { p, n };
		struct blkreq req = { .op = op, .sector = off / BLK_SECTOR_SIZE, .segs = &seg, .nsegs = 1 };
		int err = blkdev_submit_wait(bd, &req, timeout_ns);
		if (err)
			return err;
		p += n;
		off += n;
		count -= n;
	}
	return 0;
}

int blkdev_read(struct blkdev *bd, uint64_t off, void *buf, size_t count, uint64_t timeout_ns)
{
	return transfer(bd, BLK_READ, off, buf, count, timeout_ns);
}

int blkdev_write(struct blkdev *bd, uint64_t off, const void *buf, size_t count, uint64_t timeout_ns)
{
	/* The device only reads the buffer of a write. */
	return transfer(bd, BLK_WRITE, off, (void *)buf, count, timeout_ns);
}

int blkdev_flush(struct blkdev *bd, uint64_t timeout_ns)
{
	struct blkreq req = { .op = BLK_FLUSH };
	return blkdev_submit_wait(bd, &req, timeout_ns);
}
