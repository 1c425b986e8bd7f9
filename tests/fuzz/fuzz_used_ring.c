/*
 * libFuzzer target: the virtqueue engine (drivers/virtio/virtqueue.c)
 * against a device that writes whatever the input says into the used
 * ring, and anywhere else in the ring memory it shares.
 *
 * The input's first byte chooses the queue: size 1 << ((b & 15) % 9),
 * bit 4 event indexes, bit 5 indirect descriptors; with bit 6, two more
 * bytes give the index the queue starts from. Each operation after that
 * is an opcode byte (taken modulo OP_COUNT) and its operands; a missing
 * operand byte reads as 0.
 *
 * Beside the sanitizers, a model of what the engine promises checks every
 * answer: which enqueue fails and how, which cookie and length a dequeue
 * returns or whether it breaks the queue, what enable_intr and
 * kick_prepare return, and that no descriptor is handed out twice. Any
 * difference aborts.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtqueue.h"

#define MAX_SIZE 256
#define MAX_SEGS 64
#define MAX_OPS 20000

#define CHECK(cond)                                                                                                    \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			fprintf(stderr, "fuzz_used_ring: %s:%d: %s\n", __FILE__, __LINE__, #cond);                     \
			abort();                                                                                       \
		}                                                                                                      \
	} while (0)

enum {
	OP_ENQUEUE,
	OP_DEV_USE_AVAIL, /* a used element for an available entry, published */
	OP_DEV_WRITE,	  /* a used element of any id and length, not published */
	OP_DEV_PUBLISH,	  /* used idx = the device's count */
	OP_DEV_SET_IDX,	  /* used idx = anything */
	OP_DEQUEUE,
	OP_ENABLE_INTR,
	OP_DISABLE_INTR,
	OP_KICK_PREPARE,
	OP_DEV_SUPPRESS, /* avail_event and used flags */
	OP_SCRIBBLE_RING,
	OP_SCRIBBLE_INDIRECT,
	OP_DEV_COMPLETE, /* an outstanding request's head, as an honest device would */
	OP_COUNT
};

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t in8(struct input *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static uint16_t in16(struct input *in)
{
	uint16_t lo = in8(in);
	return (uint16_t)(lo | in8(in) << 8);
}

static uint32_t in32(struct input *in)
{
	uint32_t lo = in16(in);
	return lo | (uint32_t)in16(in) << 16;
}

/* A request as the model knows it. */
struct req {
	bool out;
	uint16_t head;
	unsigned usage; /* descriptors of the ring */
	uint32_t writable;
};

struct model {
	struct virtqueue vq;
	uint16_t size;
	uint8_t *ring;
	uint64_t ring_bytes;
	struct vring_desc *ind;
	struct req req[MAX_SIZE];
	int owner[MAX_SIZE]; /* per descriptor: the request holding it, or -1 */
	unsigned in_use;
	unsigned outstanding;
	uint16_t avail_count; /* requests made available, modulo 2^16 */
	uint16_t kicked;      /* avail_count at the last notification decision */
	uint16_t dev_used;    /* where the device writes its next used element */
};

static void notify(struct virtqueue *vq) { (void)vq; }

static const uint32_t huge_lens[8] = { 1,	    0x7fffffff,	 0x80000000u, 0x80000001u,
				       0xfffffff0u, 0xffffffffu, 0x40000000,  0xc0000000u };

static void op_enqueue(struct model *m, struct input *in)
{
	uint8_t shape = in8(in), lenb = in8(in), which = in8(in);
	unsigned nr = shape & 7, nw = (shape >> 3) & 7;
	if (shape & 0x40)
		nr += 16;
	if (shape & 0x80)
		nw += 30;
	unsigned total = nr + nw;
	struct vq_seg seg[MAX_SEGS];
	uint64_t bytes = 0, writable = 0;
	bool zero = false;
	for (unsigned i = 0; i < total; i++) {
		uint32_t len = lenb >= 0xf0 ? huge_lens[(lenb + i) % 8] : (uint32_t)(lenb | 1) * 8;
		if (lenb == 0 && i == which % (total ? total : 1))
			len = 0;
		seg[i] = (struct vq_seg){ 0x100000ull + 0x10000ull * i, len };
		zero |= len == 0;
		bytes += len;
		if (i >= nr)
			writable += len;
	}
	/* A free request slot for the cookie; NULL sometimes. */
	int slot = -1;
	for (int i = 0; i < m->size; i++)
		if (!m->req[(which + i) % m->size].out) {
			slot = (which + i) % m->size;
			break;
		}
	void *cookie = slot < 0 || lenb == 1 ? NULL : &m->req[slot];
	unsigned usage = m->vq.indirect && total > 1 && total <= VQ_INDIRECT_MAX ? 1 : total;

	int want;
	if (m->vq.broken)
		want = -EIO;
	else if (cookie == NULL || total == 0 || total > m->size || zero || bytes > (1ull << 32) ||
		 writable > UINT32_MAX)
		want = -EINVAL;
	else if (m->vq.num_free < usage)
		want = -ENOSPC;
	else
		want = 0;
	uint16_t free_before = m->vq.num_free;
	int err = virtqueue_enqueue(&m->vq, cookie, seg, nr, nw);
	CHECK(err == want);
	if (err != 0) {
		CHECK(m->vq.num_free == free_before);
		return;
	}

	/* What the engine just wrote, read before the device can change it. */
	struct req *r = &m->req[slot];
	uint16_t head = m->vq.avail->ring[m->avail_count & (m->size - 1)];
	m->avail_count++;
	CHECK(m->vq.avail->idx == m->avail_count);
	CHECK(head < m->size);
	r->out = true;
	r->head = head;
	r->usage = usage;
	r->writable = (uint32_t)writable;
	m->in_use += usage;
	m->outstanding++;
	if (usage == 1 && total > 1) {
		volatile struct vring_desc *d = &m->vq.desc[head];
		CHECK(d->flags == VRING_DESC_F_INDIRECT);
		CHECK(d->len == total * sizeof(struct vring_desc));
		CHECK(d->addr >= (uint64_t)(uintptr_t)m->ind);
		size_t at = (size_t)(d->addr - (uint64_t)(uintptr_t)m->ind) / sizeof(struct vring_desc);
		CHECK(at + total <= (size_t)m->size * VQ_INDIRECT_MAX);
		for (unsigned i = 0; i < total; i++) {
			const struct vring_desc *t = &m->ind[at + i];
			CHECK(t->addr == seg[i].addr && t->len == seg[i].len);
			CHECK(t->flags ==
			      ((i >= nr ? VRING_DESC_F_WRITE : 0) | (i + 1 < total ? VRING_DESC_F_NEXT : 0)));
			CHECK(i + 1 == total || t->next == i + 1);
		}
		CHECK(m->owner[head] < 0);
		m->owner[head] = slot;
		return;
	}
	uint16_t d = head;
	for (unsigned i = 0; i < total; i++) {
		CHECK(d < m->size);
		CHECK(m->owner[d] < 0); /* handed out while still in use */
		m->owner[d] = slot;
		volatile struct vring_desc *x = &m->vq.desc[d];
		CHECK(x->addr == seg[i].addr && x->len == seg[i].len);
		uint16_t flags =
		    (uint16_t)((i >= nr ? VRING_DESC_F_WRITE : 0) | (i + 1 < total ? VRING_DESC_F_NEXT : 0));
		CHECK(x->flags == flags);
		d = x->next;
	}
}

static void put_used(struct model *m, uint32_t id, uint32_t len)
{
	volatile struct vring_used_elem *e = &m->vq.used->ring[m->dev_used & (m->size - 1)];
	e->id = id;
	e->len = len;
	m->dev_used++;
}

static void op_dequeue(struct model *m, struct input *in)
{
	for (unsigned n = 1 + in8(in) % 8; n > 0; n--) {
		bool was_broken = m->vq.broken;
		uint16_t used_idx = m->vq.used->idx, last = m->vq.last_used_idx;
		volatile struct vring_used_elem *e = &m->vq.used->ring[last & (m->size - 1)];
		uint32_t id = e->id, elen = e->len;
		int who = id < m->size ? m->owner[id] : -1;
		bool good = who >= 0 && m->req[who].out && m->req[who].head == id;

		uint32_t len = 0;
		void *c = virtqueue_dequeue(&m->vq, &len);
		if (was_broken || used_idx == last) {
			CHECK(c == NULL && m->vq.broken == was_broken);
			return;
		}
		if ((uint16_t)(used_idx - last) > m->size || !good) {
			CHECK(c == NULL && m->vq.broken && m->vq.broken_why != NULL);
			return;
		}
		/* A cookie that was posted and is outstanding, for that head. */
		CHECK(c == &m->req[who]);
		struct req *r = &m->req[who];
		CHECK(len == (elen < r->writable ? elen : r->writable));
		CHECK(m->vq.last_used_idx == (uint16_t)(last + 1));
		for (unsigned d = 0; d < m->size; d++)
			if (m->owner[d] == who)
				m->owner[d] = -1;
		r->out = false;
		m->in_use -= r->usage;
		m->outstanding--;
	}
}

static void op_kick_prepare(struct model *m)
{
	bool want = false;
	if (!m->vq.broken && m->avail_count != m->kicked) {
		if (m->vq.event_idx) {
			/* Section 2.7.10: an entry went in at avail_event. */
			uint16_t event = *m->vq.avail_event;
			want = (uint16_t)(event - m->kicked) < (uint16_t)(m->avail_count - m->kicked);
		} else {
			want = !(m->vq.used->flags & VRING_USED_F_NO_NOTIFY);
		}
	}
	bool got = virtqueue_kick_prepare(&m->vq);
	CHECK(got == want);
	if (!m->vq.broken)
		m->kicked = m->avail_count;
}

static void run(struct model *m, struct input *in)
{
	for (unsigned ops = 0; in->n > 0 && ops < MAX_OPS; ops++) {
		switch (in8(in) % OP_COUNT) {
		case OP_ENQUEUE: op_enqueue(m, in); break;
		case OP_DEV_USE_AVAIL: {
			uint8_t k = in8(in);
			uint32_t len = in32(in);
			put_used(m, m->vq.avail->ring[k & (m->size - 1)], len);
			m->vq.used->idx = m->dev_used;
			break;
		}
		case OP_DEV_WRITE: {
			uint8_t sel = in8(in);
			uint32_t id = sel < 0x80 ? sel % (m->size + 2u) : in32(in);
			put_used(m, id, in32(in));
			break;
		}
		case OP_DEV_PUBLISH: m->vq.used->idx = m->dev_used; break;
		case OP_DEV_SET_IDX:
			m->dev_used = in16(in);
			m->vq.used->idx = m->dev_used;
			break;
		case OP_DEQUEUE: op_dequeue(m, in); break;
		case OP_ENABLE_INTR: {
			bool want = !m->vq.broken && m->vq.used->idx != m->vq.last_used_idx;
			CHECK(virtqueue_enable_intr(&m->vq) == want);
			break;
		}
		case OP_DISABLE_INTR: virtqueue_disable_intr(&m->vq); break;
		case OP_KICK_PREPARE: op_kick_prepare(m); break;
		case OP_DEV_SUPPRESS:
			*m->vq.avail_event = in16(in);
			m->vq.used->flags = in8(in);
			break;
		case OP_SCRIBBLE_RING: {
			uint16_t at = in16(in);
			uint8_t n = in8(in) % 32, v = in8(in);
			for (unsigned i = 0; i < n; i++)
				m->ring[(at + i) % m->ring_bytes] = (uint8_t)(v + i * 37);
			break;
		}
		case OP_SCRIBBLE_INDIRECT: {
			uint16_t at = in16(in);
			uint8_t n = in8(in) % 32, v = in8(in);
			if (m->ind == NULL)
				break;
			uint8_t *p = (uint8_t *)m->ind;
			uint64_t bytes = virtqueue_indirect_bytes(m->size);
			for (unsigned i = 0; i < n; i++)
				p[(at * 16u + i) % bytes] = (uint8_t)(v + i * 37);
			break;
		}
		case OP_DEV_COMPLETE: {
			uint8_t k = in8(in), how = in8(in);
			if (m->outstanding == 0)
				break;
			unsigned i = k % m->size;
			while (!m->req[i].out)
				i = (i + 1) % m->size;
			uint32_t len = how < 0xc0 ? m->req[i].writable : how < 0xf0 ? how : in32(in);
			put_used(m, m->req[i].head, len);
			m->vq.used->idx = m->dev_used;
			break;
		}
		}
		CHECK(m->vq.num_free <= m->size);
		CHECK(m->vq.num_free == m->size - m->in_use);
		CHECK(!m->vq.broken || m->vq.broken_why != NULL);
		CHECK(virtqueue_empty(&m->vq) == (m->in_use == 0));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint8_t cfg = in8(&in);
	static struct model m;
	memset(&m, 0, sizeof(m));
	m.size = (uint16_t)(1u << ((cfg & 15) % 9));
	bool event_idx = cfg & 0x10, indirect = cfg & 0x20;
	m.ring_bytes = virtqueue_ring_bytes(m.size);
	m.ring = aligned_alloc(4096, (size_t)m.ring_bytes);
	CHECK(m.ring != NULL);
	memset(m.ring, 0, (size_t)m.ring_bytes);
	if (indirect) {
		m.ind = malloc((size_t)virtqueue_indirect_bytes(m.size));
		CHECK(m.ind != NULL);
	}
	for (unsigned i = 0; i < MAX_SIZE; i++)
		m.owner[i] = -1;
	CHECK(virtqueue_init(&m.vq, 0, m.size, m.ring, (uint64_t)(uintptr_t)m.ring, m.ind, (uint64_t)(uintptr_t)m.ind,
			     event_idx, notify) == 0);
	if (cfg & 0x40) {
		/* Where that many round trips, each kicked, would have left the
		 * queue and its device: so that a short input reaches the wrap
		 * of the 16-bit indexes. */
		uint16_t start = in16(&in);
		m.vq.avail_idx = m.vq.last_used_idx = m.vq.kicked_idx = start;
		m.vq.avail->idx = m.vq.used->idx = start;
		if (event_idx)
			*m.vq.used_event = start;
		m.avail_count = m.kicked = m.dev_used = start;
	}
	run(&m, &in);
	virtqueue_fini(&m.vq);
	free(m.ring);
	free(m.ind);
	return 0;
}
