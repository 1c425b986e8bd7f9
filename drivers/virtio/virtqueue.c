/*
 * The split virtqueue engine (virtio 1.2, section 2.7).
 *
 * Keel keeps its own record of every chain in vq->slot: which descriptors
 * form it, whose cookie it carries, how much the device may write. The
 * shared descriptor table is written, never read back; the used ring is
 * read once per element, and each value is checked against that record
 * before it is used as an index.
 */
#include "drivers/virtio/virtqueue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* On x86 the CPU keeps stores in order and loads in order, so only the
 * compiler must be stopped from reordering, except where a store must be
 * visible before a later load (section 2.7.10): that takes a full fence. */
#define virtio_wmb() __asm__ volatile("" ::: "memory")
#define virtio_rmb() __asm__ volatile("" ::: "memory")
#define virtio_mb() __asm__ volatile("lock; orl $0, (%%rsp)" ::: "memory", "cc")

#define NO_NEXT 0xffff

uint64_t virtqueue_ring_bytes(uint16_t size) { return vring_total_bytes(size); }

uint64_t virtqueue_indirect_bytes(uint16_t size)
{
	return (uint64_t)size * VQ_INDIRECT_MAX * sizeof(struct vring_desc);
}

int virtqueue_init(struct virtqueue *vq, uint16_t index, uint16_t size, void *ring, uint64_t ring_phys, void *indirect,
		   uint64_t indirect_phys, bool event_idx, vq_notify_fn notify)
{
	if (size == 0 || (size & (size - 1)) != 0 || ring == NULL || ((uintptr_t)ring & (VRING_ALIGN - 1)) != 0)
		return -EINVAL;
	memset(vq, 0, sizeof(*vq));
	vq->slot = calloc(size, sizeof(*vq->slot));
	if (vq->slot == NULL)
		return -ENOMEM;
	vq->index = index;
	vq->size = size;
	uint8_t *base = ring;
	vq->desc = (volatile struct vring_desc *)base;
	vq->avail = (volatile struct vring_avail *)(base + vring_avail_offset(size));
	vq->used = (volatile struct vring_used *)(base + vring_used_offset(size));
	vq->used_event = &vq->avail->ring[size];
	vq->avail_event = (volatile uint16_t *)&vq->used->ring[size];
	vq->desc_phys = ring_phys;
	vq->avail_phys = ring_phys + vring_avail_offset(size);
	vq->used_phys = ring_phys + vring_used_offset(size);
	vq->event_idx = event_idx;
	vq->indirect = indirect != NULL;
	vq->indirect_tables = indirect;
	vq->indirect_phys = indirect_phys;
	vq->notify = notify;

	/* Every descriptor free, chained in order. */
	for (uint16_t i = 0; i < size; i++)
		vq->slot[i].next = (uint16_t)(i + 1 < size ? i + 1 : NO_NEXT);
	vq->free_head = 0;
	vq->num_free = size;
	return 0;
}

void virtqueue_fini(struct virtqueue *vq)
{
	free(vq->slot);
	vq->slot = NULL;
	vq->broken = true;
	vq->broken_why = "torn down";
}

const char *virtqueue_fault_name(enum vq_fault f)
{
	switch (f) {
	case VQ_FAULT_ID_RANGE: return "a used element names a descriptor beyond the queue";
	case VQ_FAULT_NOT_HEAD: return "a used element names a descriptor that heads no outstanding chain";
	case VQ_FAULT_IDX_JUMP: return "the used index ran ahead by more than the queue size";
	case VQ_FAULT_LEN: return "a used length is beyond what the buffer offered";
	}
	return "an unknown fault";
}

/* Counts a fault of the device, tells the hook, and for all but a length
 * (which is clamped and harmless) breaks the queue. */
static void device_fault(struct virtqueue *vq, enum vq_fault f, uint32_t got, uint32_t limit)
{
	vq->device_faults++;
	if (f != VQ_FAULT_LEN)
		virtqueue_break(vq, virtqueue_fault_name(f));
	if (vq->on_fault)
		vq->on_fault(vq, f, got, limit);
}

void virtqueue_break(struct virtqueue *vq, const char *why)
{
	if (!vq->broken) {
		vq->broken = true;
		vq->broken_why = why;
	}
}

static uint16_t take_desc(struct virtqueue *vq)
{
	uint16_t i = vq->free_head;
	vq->free_head = vq->slot[i].next;
	vq->num_free--;
	return i;
}

int virtqueue_enqueue(struct virtqueue *vq, void *cookie, const struct vq_seg *seg, unsigned nreadable,
		      unsigned nwritable)
{
	unsigned total = nreadable + nwritable;
	if (vq->broken)
		return -EIO;
	if (cookie == NULL || total == 0 || total > vq->size || nreadable > total)
		return -EINVAL;
	uint64_t write_len = 0, chain_len = 0;
	for (unsigned i = 0; i < total; i++) {
		if (seg[i].len == 0)
			return -EINVAL;
		chain_len += seg[i].len;
		if (i >= nreadable)
			write_len += seg[i].len;
	}
	/* No chain of more than 2^32 bytes (section 2.7.5.2); what the
	 * device writes is reported in 32 bits. */
	if (chain_len > (1ull << 32) || write_len > UINT32_MAX)
		return -EINVAL;

	bool use_indirect = vq->indirect && total > 1 && total <= VQ_INDIRECT_MAX;
	if (vq->num_free < (use_indirect ? 1 : total))
		return -ENOSPC;

	uint16_t head;
	if (use_indirect) {
		head = take_desc(vq);
		struct vring_desc *table = vq->indirect_tables + (size_t)head * VQ_INDIRECT_MAX;
		for (unsigned i = 0; i < total; i++) {
			table[i].addr = seg[i].addr;
			table[i].len = seg[i].len;
			table[i].flags = (uint16_t)((i >= nreadable ? VRING_DESC_F_WRITE : 0) |
						    (i + 1 < total ? VRING_DESC_F_NEXT : 0));
			table[i].next = (uint16_t)(i + 1 < total ? i + 1 : 0);
		}
		vq->desc[head].addr = vq->indirect_phys + (uint64_t)head * VQ_INDIRECT_MAX * sizeof(struct vring_desc);
		vq->desc[head].len = total * (uint32_t)sizeof(struct vring_desc);
		vq->desc[head].flags = VRING_DESC_F_INDIRECT;
		vq->desc[head].next = 0;
		vq->slot[head].ndescs = 1;
		vq->slot[head].next = NO_NEXT;
	} else {
		head = vq->free_head;
		uint16_t prev = NO_NEXT;
		for (unsigned i = 0; i < total; i++) {
			uint16_t d = take_desc(vq);
			if (prev != NO_NEXT) {
				vq->desc[prev].next = d;
				vq->slot[prev].next = d;
			}
			vq->desc[d].addr = seg[i].addr;
			vq->desc[d].len = seg[i].len;
			vq->desc[d].flags = (uint16_t)((i >= nreadable ? VRING_DESC_F_WRITE : 0) |
						       (i + 1 < total ? VRING_DESC_F_NEXT : 0));
			vq->desc[d].next = 0;
			prev = d;
		}
		vq->slot[prev].next = NO_NEXT;
		vq->slot[head].ndescs = (uint16_t)total;
	}
	vq->slot[head].cookie = cookie;
	vq->slot[head].write_len = (uint32_t)write_len;
	vq->slot[head].head = true;

	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	/* The descriptors and the ring entry before the index that
	 * publishes them (section 2.7.13). */
	virtio_wmb();
	vq->avail_idx++;
	vq->avail->idx = vq->avail_idx;
	vq->enqueued++;
	return 0;
}

bool virtqueue_kick_prepare(struct virtqueue *vq)
{
	if (vq->broken)
		return false;
	/* The index must be visible before reading what the device asked
	 * for, or both could miss the other (section 2.7.10). */
	virtio_mb();
	uint16_t old = vq->kicked_idx, now = vq->avail_idx;
	vq->kicked_idx = now;
	if (old == now)
		return false;
	if (vq->event_idx)
		return vring_need_event(*vq->avail_event, now, old);
	return !(vq->used->flags & VRING_USED_F_NO_NOTIFY);
}

void virtqueue_kick(struct virtqueue *vq)
{
	if (virtqueue_kick_prepare(vq)) {
		vq->notifications++;
		vq->notify(vq);
	}
}

void *virtqueue_dequeue(struct virtqueue *vq, uint32_t *len)
{
	if (vq->broken)
		return NULL;
	uint16_t used_idx = vq->used->idx;
	if (used_idx == vq->last_used_idx)
		return NULL;
	/* More used than the ring holds: the device is not following the
	 * protocol, and the elements cannot be told apart. */
	if ((uint16_t)(used_idx - vq->last_used_idx) > vq->size) {
		device_fault(vq, VQ_FAULT_IDX_JUMP, (uint16_t)(used_idx - vq->last_used_idx), vq->size);
		return NULL;
	}
	/* The element after the index that covers it (section 2.7.14). */
	virtio_rmb();
	volatile struct vring_used_elem *e = &vq->used->ring[vq->last_used_idx & (vq->size - 1)];
	uint32_t id = e->id, written = e->len;

	if (id >= vq->size) {
		device_fault(vq, VQ_FAULT_ID_RANGE, id, (uint32_t)vq->size - 1);
		return NULL;
	}
	struct vq_slot *s = &vq->slot[id];
	if (!s->head) {
		device_fault(vq, VQ_FAULT_NOT_HEAD, id, (uint32_t)vq->size - 1);
		return NULL;
	}
	if (written > s->write_len) {
		vq->clamped_lengths++;
		device_fault(vq, VQ_FAULT_LEN, written, s->write_len);
		written = s->write_len;
	}

	/* Free the chain as Keel recorded it. */
	void *cookie = s->cookie;
	uint16_t n = s->ndescs, d = (uint16_t)id;
	s->head = false;
	s->cookie = NULL;
	for (uint16_t k = 1; k < n; k++)
		d = vq->slot[d].next;
	vq->slot[d].next = vq->free_head;
	vq->free_head = (uint16_t)id;
	vq->num_free = (uint16_t)(vq->num_free + n);

	vq->last_used_idx++;
	vq->dequeued++;
	if (vq->event_idx) {
		/* used_event moves with what Keel took, or interrupts that are
		 * on would stop after the first, and ones that are off would
		 * come back when the index wraps (section 2.7.7.2). */
		if (vq->intr_disabled) {
			*vq->used_event = (uint16_t)(vq->last_used_idx - 0x8000);
		} else {
			*vq->used_event = vq->last_used_idx;
			/* Before the next look at the used index, or an
			 * element published in between goes unannounced. */
			virtio_mb();
		}
	}
	if (len)
		*len = written;
	return cookie;
}

void virtqueue_disable_intr(struct virtqueue *vq)
{
	vq->intr_disabled = true;
	/* With event indexes the flag must stay 0 (section 2.7.7.1): ask
	 * for an interrupt only half the index space away instead. */
	if (vq->event_idx)
		*vq->used_event = (uint16_t)(vq->last_used_idx - 0x8000);
	else
		vq->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
}

bool virtqueue_enable_intr(struct virtqueue *vq)
{
	vq->intr_disabled = false;
	if (vq->event_idx)
		*vq->used_event = vq->last_used_idx;
	else
		vq->avail->flags = 0;
	/* The request for interrupts must be visible before checking for
	 * work that arrived while they were off (section 2.7.7.2). */
	virtio_mb();
	return !vq->broken && vq->used->idx != vq->last_used_idx;
}

bool virtqueue_empty(const struct virtqueue *vq) { return vq->num_free == vq->size; }
