/*
 * virtio-blk (virtio 1.2, section 5.2): one request queue, each disk a
 * struct blkdev (kernel/blkdev.h) named vda, vdb, ... in the order found.
 *
 * A struct blkreq may be larger than one device request can carry (more
 * segments than seg_max, a segment longer than size_max): the driver
 * splits it into as many device requests ("chunks") as it takes and
 * completes it when the last comes back, so blkdev sees no limit but the
 * queue depth. Chunks are posted from a queue of pending requests as room
 * appears in the ring; completions arrive by interrupt.
 *
 * Nothing the device writes is trusted: the status byte is preset to a
 * value outside the specification and must come back as one of its three,
 * the used length must cover the data and the status, and a completion
 * must name a chunk in flight. A chunk that fails these checks fails its
 * request with -EIO, and the fault is logged once per kind and counted
 * (kernel/devfault.h). A device that breaks its queue is reset and every
 * request in flight fails. A request that cannot be taken back one by one
 * (abort) resets the device, fails the others, and sets it up again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio.h"
#include "kernel/blkdev.h"
#include "kernel/console.h"
#include "kernel/devfault.h"
#include "kernel/mm/dma.h"
#include "kernel/waitq.h"
#include "kernel/sync.h"

/* Section 5.2.3: feature bits. */
#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)
#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)
#define VIRTIO_BLK_F_DISCARD (1ull << 13)
#define VIRTIO_BLK_F_WRITE_ZEROES (1ull << 14)

/* Section 5.2.4: offsets in the configuration. */
#define CFG_CAPACITY 0
#define CFG_SIZE_MAX 8
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20
#define CFG_MAX_DISCARD_SECTORS 36
#define CFG_MAX_WRITE_ZEROES_SECTORS 48

/* Section 5.2.6: request types and status values. */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_ID_BYTES 20

/* What the status byte holds until the device writes it: none of the
 * specification's values, so a device that never wrote it is caught. */
#define STATUS_UNWRITTEN 0xff

struct virtio_blk_outhdr {
	uint32_t type;
	uint32_t ioprio;
	uint64_t sector;
};
_Static_assert(sizeof(struct virtio_blk_outhdr) == 16, "virtio_blk_outhdr");

struct virtio_blk_discard_write_zeroes {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};
_Static_assert(sizeof(struct virtio_blk_discard_write_zeroes) == 16, "virtio_blk_discard_write_zeroes");

/* The memory of one chunk the device reads and writes besides the data. */
struct vtblk_dma {
	struct virtio_blk_outhdr hdr;
	struct virtio_blk_discard_write_zeroes range;
	uint8_t id[VIRTIO_BLK_ID_BYTES];
	uint8_t status;
	uint8_t pad[11];
};
_Static_assert(sizeof(struct vtblk_dma) == 64, "vtblk_dma");

/* The most pieces of memory one chunk carries: the indirect table's room
 * (header and status take two of its entries) or the ring's, and never
 * more than the device's seg_max. */
#define MAX_PIECES (VQ_INDIRECT_MAX - 2)
/* A chunk's data: kept far below the 4 GiB a chain may hold. */
#define MAX_CHUNK_BYTES (1u << 30)

struct vtblk_parent;

struct vtblk_chunk {
	struct vtblk_parent *parent; /* NULL: the driver's own (GET_ID) */
	struct vtblk_dma *dma;
	uint64_t dma_phys;
	uint32_t data_len; /* bytes the device must write before the status */
	bool in_flight;
	struct vtblk_chunk *next_free;
};

/* A struct blkreq taken, on its way through the device in chunks. */
struct vtblk_parent {
	struct blkreq *req;
	bool active, queued;
	/* Where the next chunk starts: segment, offset in it, sector; and
	 * what is left (bytes of data, or sectors of a range). */
	unsigned seg;
	uint32_t seg_off;
	uint64_t sector, left;
	unsigned in_flight;
	int status;
	struct vtblk_parent *next; /* in the pending, done or free list */
};

enum vtblk_fault {
	FAULT_SHORT_LEN,  /* the used length does not cover the data and status */
	FAULT_BAD_STATUS, /* a status outside OK, IOERR, UNSUPP */
	FAULT_STRAY,	  /* a completion for a chunk not in flight */
	NFAULTS,
};

struct vtblk {
	struct blkdev bd;
	struct virtio_device *vd;
	struct virtqueue *vq;
	uint64_t wanted; /* the features asked for, again after a reset */
	uint16_t qsize;
	/* Limits of one chunk. */
	unsigned max_pieces;
	uint32_t max_piece, max_discard, max_write_zeroes;

	struct vtblk_chunk *chunk; /* qsize of them */
	struct vtblk_dma *dma;
	uint64_t dma_phys;
	struct vtblk_chunk *free_chunks;
	struct vtblk_parent *parent; /* qsize of them */
	struct vtblk_parent *free_parents;
	struct vtblk_parent *pending, *pending_tail; /* chunks left to post, oldest first */
	struct vtblk_parent *done;		     /* finished, done not yet called */

	bool ready;		  /* registered: completions go to requests */
	bool resetting;		  /* abort is setting the device up again */
	struct sem used;	  /* before ready: posted by the interrupt handler */
	unsigned faults_reported; /* a bit per enum vtblk_fault */
	unsigned long faults[NFAULTS], resets;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
};

static unsigned disks_found;

static const char *fault_name(enum vtblk_fault f)
{
	switch (f) {
	case FAULT_SHORT_LEN: return "a used length that does not cover the data and status";
	case FAULT_BAD_STATUS: return "a status byte outside the specification";
	case FAULT_STRAY: return "a completion for a request not in flight";
	default: return "an unknown fault";
	}
}

/* Counted always, logged once per kind and disk. */
static void vtblk_fault(struct vtblk *vb, enum vtblk_fault f, uint32_t got, uint32_t want)
{
	vb->faults[f]++;
	device_fault_count();
	if (vb->faults_reported & (1u << f))
		return;
	vb->faults_reported |= 1u << f;
	kwarn("%s (%s, %s): device fault: %s (%u, expected %u); the request fails with -EIO, further faults of this "
	      "kind are only counted\n",
	      vb->bd.reg.name, vb->vd->name, vb->vd->location[0] ? vb->vd->location : "?", fault_name(f), got, want);
}

/* --- building chunks --- */

/*
 * The data pieces of p's next read or write chunk, from its cursor: at
 * most max_pieces, each at most max_piece bytes, their sum a multiple of
 * the block size and at most MAX_CHUNK_BYTES. Returns the bytes and sets
 * *n and the cursor's next position (*seg, *off), or 0 when the memory
 * cannot be cut into a whole block within the limits.
 */
static uint32_t plan_rw(const struct vtblk *vb, const struct vtblk_parent *p, struct vq_seg *out, unsigned *n,
			unsigned *seg, uint32_t *off)
{
	const struct blkreq *req = p->req;
	unsigned s = p->seg, k = 0;
	uint32_t o = p->seg_off;
	uint64_t total = 0, room = p->left < MAX_CHUNK_BYTES ? p->left : MAX_CHUNK_BYTES;
	uint32_t lens[MAX_PIECES];
	while (k < vb->max_pieces && total < room && s < req->nsegs) {
		uint32_t len = req->segs[s].len - o;
		if (len > vb->max_piece)
			len = vb->max_piece;
		if (len > room - total)
			len = (uint32_t)(room - total);
		out[k].addr = dma_phys((const uint8_t *)req->segs[s].addr + o);
		out[k].len = len;
		lens[k] = len;
		k++;
		total += len;
		o += len;
		if (o == req->segs[s].len) {
			s++;
			o = 0;
		}
	}
	/* Whole blocks only (the device refuses the rest): give back the
	 * tail of a partial one, walking the cursor back with it. */
	uint32_t extra = (uint32_t)(total % vb->bd.block_size);
	total -= extra;
	while (extra > 0) {
		uint32_t last = lens[k - 1];
		uint32_t cut = extra < last ? extra : last;
		if (o == 0) {
			s--;
			o = req->segs[s].len;
		}
		o -= cut;
		extra -= cut;
		if (cut == last)
			k--;
		else
			out[k - 1].len = last - cut;
	}
	if (total == 0)
		return 0;
	*n = k;
	*seg = s;
	*off = o;
	return (uint32_t)total;
}

static uint32_t type_of(enum blk_op op)
{
	switch (op) {
	case BLK_READ: return VIRTIO_BLK_T_IN;
	case BLK_WRITE: return VIRTIO_BLK_T_OUT;
	case BLK_FLUSH: return VIRTIO_BLK_T_FLUSH;
	case BLK_DISCARD: return VIRTIO_BLK_T_DISCARD;
	case BLK_WRITE_ZEROES: return VIRTIO_BLK_T_WRITE_ZEROES;
	}
	return VIRTIO_BLK_T_GET_ID;
}

/*
 * Posts p's next chunk on c. Returns 0, -ENOSPC (no room in the ring now:
 * nothing changed), or another error that fails the request.
 */
static int post_chunk(struct vtblk *vb, struct vtblk_parent *p, struct vtblk_chunk *c)
{
	const struct blkreq *req = p->req;
	struct vq_seg seg[MAX_PIECES + 2];
	unsigned n = 0, next_seg = p->seg, nreadable, nwritable;
	uint32_t next_off = p->seg_off;
	uint64_t step = 0; /* bytes or sectors this chunk covers */

	c->dma->hdr.type = type_of(req->op);
	c->dma->hdr.ioprio = 0;
	c->dma->hdr.sector = p->sector;
	c->dma->status = STATUS_UNWRITTEN;
	c->data_len = 0;
	seg[0].addr = c->dma_phys + offsetof(struct vtblk_dma, hdr);
	seg[0].len = sizeof(c->dma->hdr);

	switch (req->op) {
	case BLK_READ:
	case BLK_WRITE: {
		uint32_t bytes = plan_rw(vb, p, seg + 1, &n, &next_seg, &next_off);
		if (bytes == 0)
			return -EINVAL;
		step = bytes;
		if (req->op == BLK_READ) {
			c->data_len = bytes;
			nreadable = 1;
			nwritable = n + 1;
		} else {
			nreadable = n + 1;
			nwritable = 1;
		}
		break;
	}
	case BLK_DISCARD:
	case BLK_WRITE_ZEROES: {
		uint32_t most = req->op == BLK_DISCARD ? vb->max_discard : vb->max_write_zeroes;
		step = p->left < most ? p->left : most;
		c->dma->hdr.sector = 0; /* the range says where (section 5.2.6) */
		c->dma->range.sector = p->sector;
		c->dma->range.num_sectors = (uint32_t)step;
		c->dma->range.flags = 0; /* write-zeroes: no unmap */
		seg[1].addr = c->dma_phys + offsetof(struct vtblk_dma, range);
		seg[1].len = sizeof(c->dma->range);
		n = 1;
		nreadable = 2;
		nwritable = 1;
		break;
	}
	default: /* BLK_FLUSH: one chunk, left counts it */
		c->dma->hdr.sector = 0;
		step = 1;
		nreadable = 1;
		nwritable = 1;
		break;
	}
	seg[n + 1].addr = c->dma_phys + offsetof(struct vtblk_dma, status);
	seg[n + 1].len = 1;

	int err = virtqueue_enqueue(vb->vq, c, seg, nreadable, nwritable);
	if (err)
		return err;
	c->parent = p;
	c->in_flight = true;
	p->in_flight++;
	p->left -= step;
	if (req->op == BLK_READ || req->op == BLK_WRITE) {
		p->seg = next_seg;
		p->seg_off = next_off;
		p->sector += step / BLK_SECTOR_SIZE;
	} else if (req->op != BLK_FLUSH) {
		p->sector += step;
	}
	return 0;
}

/* --- the life of a request (interrupts off: sched_lock) --- */

/* p is finished once nothing is left to post and nothing is in flight:
 * onto the done list, whose callbacks run when the driver's state is
 * consistent again (run_done). */
static void maybe_finish(struct vtblk *vb, struct vtblk_parent *p)
{
	if (!p->active || p->queued || p->left > 0 || p->in_flight > 0)
		return;
	p->active = false;
	p->next = vb->done;
	vb->done = p;
}

/* Stops posting p: a chunk failed, or it was aborted. */
static void stop_parent(struct vtblk *vb, struct vtblk_parent *p, int status)
{
	if (p->status == 0)
		p->status = status;
	p->left = 0;
	maybe_finish(vb, p);
}

/* Posts chunks of the pending requests, oldest first, while the ring has
 * room. */
static void post_pending(struct vtblk *vb)
{
	bool posted = false;
	while (vb->pending) {
		struct vtblk_parent *p = vb->pending;
		while (p->left > 0) {
			struct vtblk_chunk *c = vb->free_chunks;
			if (c == NULL)
				goto out;
			int err = post_chunk(vb, p, c);
			if (err == -ENOSPC)
				goto out;
			if (err) {
				p->status = err == -EINVAL ? -EINVAL : -EIO;
				p->left = 0;
				break;
			}
			vb->free_chunks = c->next_free;
			posted = true;
		}
		vb->pending = p->next;
		if (vb->pending == NULL)
			vb->pending_tail = NULL;
		p->queued = false;
		maybe_finish(vb, p);
	}
out:
	if (posted)
		virtqueue_kick(vb->vq);
}

/* Calls done for every finished request; their slots are free first, so
 * a callback may submit again. */
static void run_done(struct vtblk *vb)
{
	while (vb->done) {
		bool irq = sched_lock();
		struct vtblk_parent *p = vb->done;
		vb->done = p ? p->next : NULL;
		struct blkreq *req = p ? p->req : NULL;
		int status = p ? p->status : 0;
		if (p) {
			p->req = NULL;
			p->next = vb->free_parents;
			vb->free_parents = p;
		}
		sched_unlock(irq);
		if (req) {
			req->driver_priv = NULL;
			req->done(req, status);
		}
	}
}

/* The result of chunk c, which the device used with length len. */
static int chunk_result(struct vtblk *vb, struct vtblk_chunk *c, uint32_t len)
{
	uint8_t status = c->dma->status; /* read once */
	if (len < c->data_len + 1) {
		vtblk_fault(vb, FAULT_SHORT_LEN, len, c->data_len + 1);
		return -EIO;
	}
	switch (status) {
	case VIRTIO_BLK_S_OK: return 0;
	case VIRTIO_BLK_S_IOERR: return -EIO;
	case VIRTIO_BLK_S_UNSUPP: return -EOPNOTSUPP;
	default: vtblk_fault(vb, FAULT_BAD_STATUS, status, VIRTIO_BLK_S_UNSUPP); return -EIO;
	}
}

static void complete_chunk(struct vtblk *vb, struct vtblk_chunk *c, uint32_t len)
{
	if (c < vb->chunk || c >= vb->chunk + vb->qsize || !c->in_flight) {
		/* The engine returns only cookies it holds: this would be
		 * Keel's bug or memory the device overwrote. */
		vtblk_fault(vb, FAULT_STRAY, (uint32_t)(c - vb->chunk), vb->qsize);
		return;
	}
	int err = chunk_result(vb, c, len);
	struct vtblk_parent *p = c->parent;
	c->in_flight = false;
	c->parent = NULL;
	c->next_free = vb->free_chunks;
	vb->free_chunks = c;
	p->in_flight--;
	if (err)
		stop_parent(vb, p, err);
	else
		maybe_finish(vb, p);
}

/* Fails every request taken with status (the aborted one, when named,
 * with -ECANCELED): the device was reset, or is dead. */
static void fail_all(struct vtblk *vb, struct blkreq *aborted, int status)
{
	for (unsigned i = 0; i < vb->qsize; i++) {
		struct vtblk_chunk *c = &vb->chunk[i];
		if (!c->in_flight)
			continue;
		c->in_flight = false;
		if (c->parent)
			c->parent->in_flight--;
		c->parent = NULL;
	}
	vb->free_chunks = NULL;
	for (unsigned i = vb->qsize; i-- > 0;) {
		vb->chunk[i].next_free = vb->free_chunks;
		vb->free_chunks = &vb->chunk[i];
	}
	vb->pending = vb->pending_tail = NULL;
	for (unsigned i = 0; i < vb->qsize; i++) {
		struct vtblk_parent *p = &vb->parent[i];
		if (!p->active)
			continue;
		p->queued = false;
		p->in_flight = 0;
		stop_parent(vb, p, p->req == aborted ? -ECANCELED : status);
	}
}

/* The queue or the device broke: it is reset so it lets go of every
 * buffer, and every request fails with -EIO. It stays broken. */
static void fail_broken(struct vtblk *vb)
{
	if (!(vb->vq->broken || vb->vd->broken) || vb->resetting)
		return;
	bool reset = vb->vd->ops->reset(vb->vd) == 0;
	vb->vd->broken = true;
	if (!reset) {
		/* It may still write its buffers: its requests stay until
		 * their waits end in abort. */
		return;
	}
	fail_all(vb, NULL, -EIO);
}

static void vtblk_interrupt(struct virtqueue *vq)
{
	struct vtblk *vb = vq->owner;
	if (!vb->ready) {
		sem_post(&vb->used);
		return;
	}
	if (vb->resetting)
		return;
	bool irq = sched_lock();
	for (;;) {
		uint32_t len;
		struct vtblk_chunk *c;
		while ((c = virtqueue_dequeue(vq, &len)) != NULL)
			complete_chunk(vb, c, len);
		if (!virtqueue_enable_intr(vq))
			break;
	}
	fail_broken(vb);
	if (!vq->broken)
		post_pending(vb);
	sched_unlock(irq);
	run_done(vb);
}

/* A configuration change: the capacity may have moved (section 5.2.5). */
static void vtblk_config_change(struct virtio_device *vd)
{
	struct vtblk *vb = vd->driver;
	if (vb == NULL || !vb->ready)
		return;
	if (vd->broken) {
		bool irq = sched_lock();
		fail_broken(vb);
		sched_unlock(irq);
		run_done(vb);
		return;
	}
	uint64_t cap;
	if (virtio_config_read(vd, CFG_CAPACITY, &cap, sizeof(cap)) != 0)
		return;
	cap -= cap % (vb->bd.block_size / BLK_SECTOR_SIZE);
	if (cap != vb->bd.sectors) {
		kinfo("%s: capacity changed from %lu to %lu sectors\n", vb->bd.reg.name, (unsigned long)vb->bd.sectors,
		      (unsigned long)cap);
		vb->bd.sectors = cap;
	}
}

/* --- blkdev operations --- */

static int vtblk_submit(struct blkdev *bd, struct blkreq *req)
{
	struct vtblk *vb = bd->driver;
	bool irq = sched_lock();
	int err = 0;
	if (vb->resetting || vb->vd->broken || vb->vq->broken)
		err = -EIO;
	else if (vb->free_parents == NULL)
		err = -EAGAIN;
	if (err) {
		sched_unlock(irq);
		return err;
	}
	struct vtblk_parent *p = vb->free_parents;
	vb->free_parents = p->next;
	memset(p, 0, sizeof(*p));
	p->req = req;
	p->active = p->queued = true;
	p->sector = req->sector;
	switch (req->op) {
	case BLK_READ:
	case BLK_WRITE:
		for (unsigned i = 0; i < req->nsegs; i++)
			p->left += req->segs[i].len;
		break;
	case BLK_DISCARD:
	case BLK_WRITE_ZEROES: p->left = req->nsectors; break;
	default: p->left = 1; break; /* a flush: one chunk */
	}
	req->driver_priv = p;
	if (vb->pending_tail)
		vb->pending_tail->next = p;
	else
		vb->pending = p;
	vb->pending_tail = p;
	post_pending(vb);
	sched_unlock(irq);
	run_done(vb);
	return 0;
}

static int vtblk_setup_device(struct vtblk *vb);

static void vtblk_abort(struct blkdev *bd, struct blkreq *req)
{
	struct vtblk *vb = bd->driver;
	bool irq = sched_lock();
	struct vtblk_parent *p = req->driver_priv;
	if (p == NULL || p->req != req || !p->active) {
		/* Finished already; its done may be about to run. */
		sched_unlock(irq);
		run_done(vb);
		return;
	}
	if (p->in_flight == 0) {
		/* Nothing of it reached the device: taken off the queue. */
		struct vtblk_parent **pp = &vb->pending, *prev = NULL;
		while (*pp && *pp != p) {
			prev = *pp;
			pp = &(*pp)->next;
		}
		if (*pp == p) {
			*pp = p->next;
			if (vb->pending_tail == p)
				vb->pending_tail = prev;
		}
		p->queued = false;
		stop_parent(vb, p, -ECANCELED);
		sched_unlock(irq);
		run_done(vb);
		return;
	}
	/* A device request cannot be taken back (the specification has no
	 * such command): the device is reset, which makes it let go of
	 * every buffer, every request fails, and it is set up again. */
	vb->resetting = true;
	vb->ready = false;
	unsigned taken = 0;
	for (unsigned i = 0; i < vb->qsize; i++)
		taken += vb->parent[i].active;
	sched_unlock(irq);
	kwarn("%s: a request did not complete in time; the device is reset and its %u requests fail\n", bd->reg.name,
	      taken);
	vb->resets++;
	bool reset = virtio_detach(vb->vd);
	vb->vq = NULL;
	if (!reset)
		kwarn("%s: the device did not reset: it may still write the buffers of the requests failed\n",
		      bd->reg.name);
	irq = sched_lock();
	fail_all(vb, req, -EIO);
	sched_unlock(irq);
	run_done(vb);
	int err = reset ? vtblk_setup_device(vb) : -EIO;
	if (err) {
		kwarn("%s: the device could not be set up again (%d); its requests fail with -EIO\n", bd->reg.name,
		      err);
		if (reset)
			virtio_detach(vb->vd);
		vb->vq = NULL;
		vb->vd->broken = true;
		return; /* resetting stays: submit refuses */
	}
	vb->ready = true;
	vb->resetting = false;
}

static const struct blkdev_ops vtblk_ops = { vtblk_submit, vtblk_abort };

/* --- attach --- */

static void disk_name(char *out, unsigned n)
{
	/* vda ... vdz, vdaa ... vdzz, as Linux names them. */
	char tail[8];
	int k = 0;
	do {
		tail[k++] = (char)('a' + n % 26);
		n = n / 26;
	} while (n-- > 0 && k < 7);
	out[0] = 'v';
	out[1] = 'd';
	for (int i = 0; i < k; i++)
		out[2 + i] = tail[k - 1 - i];
	out[2 + k] = '\0';
}

/* Negotiation, the queue and DRIVER_OK (section 3.1.1): at attach, and
 * again after the reset of an abort. */
static int vtblk_setup_device(struct vtblk *vb)
{
	struct virtio_device *vd = vb->vd;
	vd->broken = false;
	int err = virtio_negotiate(vd, vb->wanted);
	if (err)
		return err;
	err = virtio_queue_setup(vd, 0, vb->qsize, vtblk_interrupt, vb);
	if (err)
		return err;
	vb->vq = vd->vq[0];
	if (vb->qsize && vb->vq->size != vb->qsize)
		return -EIO; /* a device that changed under the driver */
	return virtio_finish(vd);
}

/* GET_ID, before the disk is registered: its one request, waited for. */
static void read_serial(struct vtblk *vb)
{
	struct vtblk_chunk *c = vb->free_chunks;
	strcpy(vb->serial, "(none)");
	memset(c->dma, 0, sizeof(*c->dma));
	c->dma->hdr.type = VIRTIO_BLK_T_GET_ID;
	c->dma->status = STATUS_UNWRITTEN;
	c->data_len = VIRTIO_BLK_ID_BYTES;
	struct vq_seg seg[3] = {
		{ c->dma_phys + offsetof(struct vtblk_dma, hdr), sizeof(c->dma->hdr) },
		{ c->dma_phys + offsetof(struct vtblk_dma, id), VIRTIO_BLK_ID_BYTES },
		{ c->dma_phys + offsetof(struct vtblk_dma, status), 1 },
	};
	if (virtqueue_enqueue(vb->vq, c, seg, 1, 2) != 0)
		return;
	virtqueue_kick(vb->vq);
	void *cookie;
	uint32_t len;
	if (virtio_wait(vb->vd, vb->vq, &vb->used, &cookie, &len) != 0)
		return; /* the caller sees the device broken or the chunk kept */
	if (cookie != c || chunk_result(vb, c, len) != 0)
		return;
	/* Up to 20 bytes, NUL-terminated only when shorter (section
	 * 5.2.6); printable ones kept. */
	unsigned n = 0;
	for (; n < VIRTIO_BLK_ID_BYTES && c->dma->id[n]; n++)
		vb->serial[n] = c->dma->id[n] >= 0x20 && c->dma->id[n] < 0x7f ? (char)c->dma->id[n] : '?';
	vb->serial[n] = '\0';
	if (n == 0)
		strcpy(vb->serial, "(empty)");
}

/* The device's limits, from its configuration; -EIO when they make no sense. */
static int read_limits(struct vtblk *vb)
{
	struct virtio_device *vd = vb->vd;
	uint64_t cap = 0;
	uint32_t v = 0;
	if (virtio_config_read(vd, CFG_CAPACITY, &cap, sizeof(cap)) != 0)
		return -EIO;
	vb->bd.block_size = BLK_SECTOR_SIZE;
	if (virtio_has(vd, VIRTIO_BLK_F_BLK_SIZE)) {
		if (virtio_config_read(vd, CFG_BLK_SIZE, &v, sizeof(v)) != 0)
			return -EIO;
		if (v < BLK_SECTOR_SIZE || v > 65536 || (v & (v - 1)) != 0) {
			kwarn("%s: impossible block size %u\n", vd->name, v);
			return -EIO;
		}
		vb->bd.block_size = v;
	}
	uint32_t spb = vb->bd.block_size / BLK_SECTOR_SIZE;
	vb->bd.sectors = cap - cap % spb;

	vb->max_pieces = MAX_PIECES;
	if (!virtio_has(vd, VIRTIO_RING_F_INDIRECT_DESC) && vb->qsize - 2u < vb->max_pieces)
		vb->max_pieces = vb->qsize - 2u;
	if (virtio_has(vd, VIRTIO_BLK_F_SEG_MAX)) {
		if (virtio_config_read(vd, CFG_SEG_MAX, &v, sizeof(v)) != 0)
			return -EIO;
		if (v && v < vb->max_pieces)
			vb->max_pieces = v;
	}
	vb->max_piece = MAX_CHUNK_BYTES;
	if (virtio_has(vd, VIRTIO_BLK_F_SIZE_MAX)) {
		if (virtio_config_read(vd, CFG_SIZE_MAX, &v, sizeof(v)) != 0)
			return -EIO;
		if (v && v < vb->max_piece)
			vb->max_piece = v;
	}
	if (vb->max_pieces == 0 || (uint64_t)vb->max_pieces * vb->max_piece < vb->bd.block_size) {
		kwarn("%s: a request of %u segments of %u bytes cannot carry a block\n", vd->name, vb->max_pieces,
		      vb->max_piece);
		return -EIO;
	}
	/* Ranges: at most what the device takes (0: no limit of its own),
	 * in whole blocks. */
	vb->max_discard = vb->max_write_zeroes = UINT32_MAX;
	if (virtio_has(vd, VIRTIO_BLK_F_DISCARD) &&
	    virtio_config_read(vd, CFG_MAX_DISCARD_SECTORS, &v, sizeof(v)) == 0 && v)
		vb->max_discard = v;
	if (virtio_has(vd, VIRTIO_BLK_F_WRITE_ZEROES) &&
	    virtio_config_read(vd, CFG_MAX_WRITE_ZEROES_SECTORS, &v, sizeof(v)) == 0 && v)
		vb->max_write_zeroes = v;
	vb->max_discard -= vb->max_discard % spb;
	vb->max_write_zeroes -= vb->max_write_zeroes % spb;
	if (vb->max_discard == 0 || vb->max_write_zeroes == 0)
		return -EIO;
	return 0;
}

static void vtblk_free(struct vtblk *vb)
{
	if (vb->dma)
		dma_free_pages(vb->dma, (size_t)vb->qsize * sizeof(struct vtblk_dma));
	free(vb->chunk);
	free(vb->parent);
	free(vb);
}

static int vtblk_attach(struct virtio_device *vd)
{
	struct vtblk *vb = calloc(1, sizeof(*vb));
	if (vb == NULL)
		return -ENOMEM;
	vb->vd = vd;
	sem_init(&vb->used, 0);
	vb->wanted = VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_RO | VIRTIO_BLK_F_BLK_SIZE |
		     VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_DISCARD | VIRTIO_BLK_F_WRITE_ZEROES |
		     VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX;
	int err = vtblk_setup_device(vb);
	if (err)
		goto fail;
	vb->qsize = vb->vq->size;
	err = -EIO;
	if (vb->qsize < 4)
		goto fail;
	err = read_limits(vb);
	if (err)
		goto fail;

	err = -ENOMEM;
	vb->chunk = calloc(vb->qsize, sizeof(*vb->chunk));
	vb->parent = calloc(vb->qsize, sizeof(*vb->parent));
	vb->dma = dma_alloc_pages((size_t)vb->qsize * sizeof(struct vtblk_dma), &vb->dma_phys);
	if (vb->chunk == NULL || vb->parent == NULL || vb->dma == NULL)
		goto fail;
	for (unsigned i = vb->qsize; i-- > 0;) {
		vb->chunk[i].dma = &vb->dma[i];
		vb->chunk[i].dma_phys = vb->dma_phys + (uint64_t)i * sizeof(struct vtblk_dma);
		vb->chunk[i].next_free = vb->free_chunks;
		vb->free_chunks = &vb->chunk[i];
		vb->parent[i].next = vb->free_parents;
		vb->free_parents = &vb->parent[i];
	}

	read_serial(vb);
	err = -EIO;
	if (vd->broken || !virtqueue_empty(vb->vq))
		goto fail; /* it broke, or kept GET_ID past its bound */

	struct blkdev *bd = &vb->bd;
	disk_name(bd->reg.name, disks_found);
	bd->ops = &vtblk_ops;
	bd->driver = vb;
	bd->read_only = virtio_has(vd, VIRTIO_BLK_F_RO);
	if (virtio_has(vd, VIRTIO_BLK_F_FLUSH))
		bd->features |= BLKDEV_F_FLUSH;
	if (virtio_has(vd, VIRTIO_BLK_F_DISCARD))
		bd->features |= BLKDEV_F_DISCARD;
	if (virtio_has(vd, VIRTIO_BLK_F_WRITE_ZEROES))
		bd->features |= BLKDEV_F_WRITE_ZEROES;
	bd->queue_depth = vb->qsize;
	/* The driver splits what the device cannot take in one request:
	 * blkdev sees no limit on segments or sizes. */
	bd->max_segs = UINT32_MAX;
	bd->max_seg_size = UINT32_MAX;
	bd->max_sectors = 0;
	vd->driver = vb;
	vd->on_config_change = vtblk_config_change;
	/* Completions go to requests from here: registering may hand the
	 * disk to a filesystem that submits at once. */
	vb->ready = true;
	err = blkdev_register(bd);
	if (err) {
		vb->ready = false;
		vd->driver = NULL;
		vd->on_config_change = NULL;
		goto fail;
	}
	disks_found++;
	kinfo("%s: %s, %lu sectors of 512 bytes, %u-byte blocks, serial %s%s%s%s%s; %u requests, %u segments of at "
	      "most %u bytes each\n",
	      bd->reg.name, vd->name, (unsigned long)bd->sectors, bd->block_size, vb->serial,
	      bd->read_only ? ", read-only" : "", (bd->features & BLKDEV_F_FLUSH) ? ", write-back cache" : "",
	      (bd->features & BLKDEV_F_DISCARD) ? ", discard" : "",
	      (bd->features & BLKDEV_F_WRITE_ZEROES) ? ", write-zeroes" : "", vb->qsize, vb->max_pieces, vb->max_piece);
	return 0;

fail:
	/* The device reset first: then nothing of it points at the chunks'
	 * memory. A device that did not reset may still write there: left
	 * to it. */
	if (!virtio_detach(vd))
		return err;
	vtblk_free(vb);
	return err;
}

static const struct virtio_driver virtio_blk_driver = { "blk", VIRTIO_ID_BLOCK, vtblk_attach, 0 };
VIRTIO_DRIVER(virtio_blk_driver);
