/*
 * Block devices as the filesystem sees them, whatever drives them
 * (virtio-blk, later NVMe): asynchronous requests on 512-byte sectors,
 * each described by a struct blkreq and completed by a callback, and a
 * synchronous helper built on them.
 *
 * Drivers fill in a struct blkdev and call blkdev_register; users find
 * devices by name, by iteration, or through a notifier that also tells
 * of devices that come later or go (hot-unplug).
 */
#ifndef KEEL_BLKDEV_H
#define KEEL_BLKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/devreg.h"

#define BLK_SECTOR_SIZE 512u
#define BLK_SECTOR_SHIFT 9

enum blk_op {
	BLK_READ,
	BLK_WRITE,
	BLK_FLUSH,	  /* what was written before it is on stable storage */
	BLK_DISCARD,	  /* the range's contents may be forgotten */
	BLK_WRITE_ZEROES, /* the range reads back as zeros */
};

/* A piece of memory a request reads into or writes from: the driver
 * takes its physical address with dma_phys (kernel/mm/dma.h). */
struct blk_seg {
	void *addr;
	uint32_t len;
};

struct blkreq;
typedef void (*blkreq_done_fn)(struct blkreq *req, int status);

struct blkreq {
	enum blk_op op;
	uint64_t sector; /* the first, in 512-byte sectors */
	/* BLK_READ and BLK_WRITE: the data, at most max_segs pieces, whose
	 * lengths add up to a multiple of the block size. */
	struct blk_seg *segs;
	unsigned nsegs;
	/* BLK_DISCARD and BLK_WRITE_ZEROES: the range's length. */
	uint32_t nsectors;
	/* Called once when the request is done, with 0 or a negative errno
	 * (-EIO: the device failed it; -ECANCELED: blkdev_abort took it
	 * back), from a thread or from an interrupt handler: it may only
	 * do what a handler may (post a semaphore, wake a thread). */
	blkreq_done_fn done;
	void *ctx;	   /* the submitter's */
	void *driver_priv; /* the driver's, from submission to completion */
};

/* What a device can do beyond reads and writes. */
#define BLKDEV_F_FLUSH 0x1 /* it has a volatile cache, and BLK_FLUSH empties it */
#define BLKDEV_F_DISCARD 0x2
#define BLKDEV_F_WRITE_ZEROES 0x4

struct blkdev;

struct blkdev_ops {
	/* Starts req, already checked against the device's limits. Returns
	 * 0 when it was taken (req->done is then called exactly once, maybe
	 * before submit returns), or a negative errno when it was not
	 * (-EAGAIN: the queue is full; -EIO: the device is broken); done is
	 * then not called. */
	int (*submit)(struct blkdev *bd, struct blkreq *req);
	/* Takes back a request that was taken and has not completed: when
	 * abort returns, req->done has been called (with -ECANCELED, or
	 * with its result if it finished meanwhile) and the device will
	 * never again touch the request's memory. A driver that cannot stop
	 * one request may reset the device and fail them all. */
	void (*abort)(struct blkdev *bd, struct blkreq *req);
};

struct blkdev {
	struct devreg_entry reg; /* reg.name: e.g. "vda" */
	const struct blkdev_ops *ops;
	void *driver;

	uint64_t sectors;    /* the size, in 512-byte sectors */
	uint32_t block_size; /* the smallest write that is not read-modify-write: 512, 4096... */
	bool read_only;
	unsigned features;     /* BLKDEV_F_ */
	unsigned queue_depth;  /* requests in flight at most */
	unsigned max_segs;     /* segments per request */
	uint32_t max_seg_size; /* bytes per segment */
	uint32_t max_sectors;  /* sectors per request (0: no limit) */

	/* Counters, kept by blkdev.c: requests taken by the driver, those
	 * refused (by the checks or the driver), and synchronous requests
	 * that failed or timed out. */
	unsigned long reads, writes, flushes, discards, write_zeroes, rejected, errors;
	uint64_t read_bytes, written_bytes;
};

/* Checks that the fields a driver set make sense and adds bd under
 * bd->reg.name. Returns 0, -EINVAL or -EEXIST. */
int blkdev_register(struct blkdev *bd);
/* Removes bd (hot-unplug); users are told first. 0 or -ENOENT. */
int blkdev_unregister(struct blkdev *bd);

struct blkdev *blkdev_find(const char *name);
/* The name of the disk numbered n (from 0) as Linux names its disks:
 * prefix, then a .. z, aa .. zz, aaa ...; vda, vdb, ... for prefix "vd".
 * out holds DEVREG_NAME_MAX bytes. */
void blkdev_disk_name(char *out, const char *prefix, unsigned n);
/* fn for each device, in the order they came; stops at fn's first
 * non-zero return, which it returns. */
int blkdev_foreach(int (*fn)(struct blkdev *bd, void *arg), void *arg);

struct blkdev_notifier {
	/* Each may be NULL. */
	void (*added)(struct blkdev_notifier *n, struct blkdev *bd);
	void (*removed)(struct blkdev_notifier *n, struct blkdev *bd);
	struct devreg_notifier reg;
};
/* added is called at once for every device present, and later for each
 * that comes; removed for each that goes. */
void blkdev_notifier_register(struct blkdev_notifier *n);
int blkdev_notifier_unregister(struct blkdev_notifier *n);

/* Checks req against bd and hands it to the driver. Returns 0 (done will
 * be called) or a negative errno (it will not): -EROFS (a change to a
 * read-only device), -EOPNOTSUPP (an operation the device lacks), -EINVAL
 * (a range past the end, lengths not a multiple of the block size, more
 * segments or bytes than the device takes), or the driver's refusal. */
int blkdev_submit(struct blkdev *bd, struct blkreq *req);

/* Asks the driver to take back req (see blkdev_ops.abort). */
void blkdev_abort(struct blkdev *bd, struct blkreq *req);

/* Submits req and waits for it, up to timeout_ns (UINT64_MAX: no limit).
 * req->done and req->ctx are the helper's. Returns the request's status,
 * a refusal of blkdev_submit, or -ETIMEDOUT, after which the request was
 * aborted: its memory is the caller's again. From a thread. */
int blkdev_submit_wait(struct blkdev *bd, struct blkreq *req, uint64_t timeout_ns);

/* Reads or writes count bytes at byte offset off (both multiples of the
 * block size) through one segment, synchronously. */
int blkdev_read(struct blkdev *bd, uint64_t off, void *buf, size_t count, uint64_t timeout_ns);
int blkdev_write(struct blkdev *bd, uint64_t off, const void *buf, size_t count, uint64_t timeout_ns);
int blkdev_flush(struct blkdev *bd, uint64_t timeout_ns);

#endif
