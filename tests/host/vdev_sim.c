/*
 * The simulated virtio device of vdev_sim.h: the device's half of a split
 * virtqueue, from virtio 1.2 section 2.7, sharing nothing with Keel's
 * engine but the ring memory and the wire format header.
 *
 * Everything the driver wrote is read once into a local copy and checked
 * before it is followed, as a careful device would; the first rule the
 * driver breaks is kept in d->error.
 */
#include "tests/host/vdev_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Loads and stores of the shared rings stay in program order. */
#define barrier() __asm__ volatile("" ::: "memory")
#define full_barrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)

enum { DESC_FREE, DESC_HELD, DESC_WALKING };

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (p == NULL) {
		fprintf(stderr, "vdev_sim: out of memory\n");
		abort();
	}
	return p;
}

static uint64_t align_up(uint64_t x) { return (x + 4095) & ~(uint64_t)4095; }

/* Section 2.7.2: the descriptor table, the available ring with used_event,
 * then on the next page the used ring with avail_event. */
static uint64_t used_offset(uint16_t size) { return align_up(16ull * size + 2 * (3ull + size)); }

uint64_t vdev_sim_ring_bytes(uint16_t size) { return used_offset(size) + align_up(2 * 3ull + 8ull * size); }

void vdev_sim_init(struct vdev_sim *d, void *ring, uint16_t size, bool event_idx, bool indirect)
{
	memset(d, 0, sizeof(*d));
	uint8_t *base = ring;
	d->size = size;
	d->event_idx = event_idx;
	d->indirect = indirect;
	d->desc = (volatile struct vring_desc *)base;
	d->avail = (volatile struct vring_avail *)(base + 16ull * size);
	d->used = (volatile struct vring_used *)(base + used_offset(size));
	d->used_event = (volatile uint16_t *)(base + 16ull * size + 4 + 2ull * size);
	d->avail_event = (volatile uint16_t *)(base + used_offset(size) + 4 + 8ull * size);
	d->chain = xcalloc(size, sizeof(*d->chain));
	d->desc_state = xcalloc(size, 1);
	d->auto_avail_event = true;
	d->fill = 0x5a;
	/* Section 2.7.10.1: the driver zeroes the used ring's flags. */
	if (d->used->flags != 0)
		d->error = "the used ring's flags were not initialized to 0";
}

static void free_chain(struct vdev_chain *c)
{
	free(c->seg);
	free(c->descs);
	memset(c, 0, sizeof(*c));
}

void vdev_sim_fini(struct vdev_sim *d)
{
	for (unsigned i = 0; i < d->nchains; i++)
		free_chain(&d->chain[i]);
	free(d->chain);
	free(d->desc_state);
	memset(d, 0, sizeof(*d));
}

static bool driver_error(struct vdev_sim *d, const char *why)
{
	if (d->error == NULL)
		d->error = why;
	return false;
}

static struct vring_desc read_desc(const volatile struct vring_desc *p)
{
	struct vring_desc x;
	x.addr = p->addr;
	x.len = p->len;
	x.flags = p->flags;
	x.next = p->next;
	return x;
}

/* A chain being gathered: at most size elements and size descriptors. */
struct walk {
	struct vdev_chain c;
	struct vdev_seg *seg;
	uint16_t *descs;
};

/* One buffer element, under the framing rules of sections 2.7.4 and 2.7.5. */
static bool add_seg(struct vdev_sim *d, struct walk *w, const struct vring_desc *x)
{
	if (w->c.nsegs == d->size)
		return driver_error(d, "a chain longer than the queue size (2.7.5.3.1)");
	if (x->len == 0)
		return driver_error(d, "a buffer element of length 0");
	bool writable = (x->flags & VRING_DESC_F_WRITE) != 0;
	if (!writable && w->c.writable != 0)
		return driver_error(d, "a device-readable element after a device-writable one (2.7.4.2)");
	w->seg[w->c.nsegs++] = (struct vdev_seg){ x->addr, x->len, writable };
	if (writable)
		w->c.writable += x->len;
	else
		w->c.readable += x->len;
	if (w->c.readable + w->c.writable > (1ull << 32))
		return driver_error(d, "a chain of more than 2^32 bytes (2.7.5.2)");
	return true;
}

/* Section 2.7.5.3: a table of len / 16 descriptors, starting at entry 0. */
static bool walk_table(struct vdev_sim *d, struct walk *w, const struct vring_desc *ind)
{
	if (ind->len == 0 || ind->len % sizeof(struct vring_desc) != 0)
		return driver_error(d, "an indirect table whose length is not a multiple of 16");
	uint32_t n = ind->len / sizeof(struct vring_desc);
	const volatile struct vring_desc *table = (const volatile struct vring_desc *)(uintptr_t)ind->addr;
	uint32_t j = 0;
	w->c.indirect = true;
	for (uint32_t steps = 1;; steps++) {
		/* A chain of a table's entries visits each at most once. */
		if (steps > n)
			return driver_error(d, "a loop in an indirect table");
		struct vring_desc x = read_desc(&table[j]);
		if (x.flags & VRING_DESC_F_INDIRECT)
			return driver_error(d, "an indirect descriptor inside an indirect table (2.7.5.3.1)");
		if (!add_seg(d, w, &x))
			return false;
		if (!(x.flags & VRING_DESC_F_NEXT))
			return true;
		if (x.next >= n)
			return driver_error(d, "an indirect descriptor's next is beyond its table");
		j = x.next;
	}
}

static bool walk_chain(struct vdev_sim *d, struct walk *w, uint16_t head)
{
	if (head >= d->size)
		return driver_error(d, "an available entry names a descriptor beyond the queue");
	uint16_t i = head;
	for (;;) {
		if (d->desc_state[i] == DESC_HELD)
			return driver_error(d, "a descriptor the device still holds was made available again");
		if (d->desc_state[i] == DESC_WALKING)
			return driver_error(d, "a loop in a descriptor chain (2.7.5.2)");
		d->desc_state[i] = DESC_WALKING;
		w->descs[w->c.ndescs++] = i;
		struct vring_desc x = read_desc(&d->desc[i]);
		if (x.flags & VRING_DESC_F_INDIRECT) {
			if (!d->indirect)
				return driver_error(d, "an indirect descriptor without VIRTIO_F_INDIRECT_DESC");
			if (x.flags & VRING_DESC_F_NEXT)
				return driver_error(d, "a descriptor with both INDIRECT and NEXT (2.7.5.3.1)");
			return walk_table(d, w, &x);
		}
		if (!add_seg(d, w, &x))
			return false;
		if (!(x.flags & VRING_DESC_F_NEXT))
			return true;
		if (x.next >= d->size)
			return driver_error(d, "a descriptor's next is beyond the queue");
		i = x.next;
	}
}

int vdev_sim_fetch(struct vdev_sim *d)
{
	uint16_t avail_idx = d->avail->idx;
	if ((uint16_t)(avail_idx - d->last_avail_idx) > d->size) {
		driver_error(d, "the available index ran ahead by more than the queue size");
		return -1;
	}
	/* The entries after the index that covers them. */
	barrier();
	struct walk w;
	w.seg = xcalloc(d->size, sizeof(*w.seg));
	w.descs = xcalloc(d->size, sizeof(*w.descs));
	int taken = 0;
	while (d->last_avail_idx != avail_idx && d->error == NULL) {
		uint16_t head = d->avail->ring[d->last_avail_idx & (d->size - 1)];
		memset(&w.c, 0, sizeof(w.c));
		w.c.head = head;
		bool ok = walk_chain(d, &w, head);
		for (unsigned k = 0; k < w.c.ndescs; k++)
			d->desc_state[w.descs[k]] = ok ? DESC_HELD : DESC_FREE;
		if (!ok)
			break;
		if (d->nchains == d->size) {
			driver_error(d, "more chains available than the queue has descriptors");
			break;
		}
		struct vdev_chain *c = &d->chain[d->nchains++];
		*c = w.c;
		c->seg = xcalloc(w.c.nsegs, sizeof(*c->seg));
		memcpy(c->seg, w.seg, w.c.nsegs * sizeof(*c->seg));
		c->descs = xcalloc(w.c.ndescs, sizeof(*c->descs));
		memcpy(c->descs, w.descs, w.c.ndescs * sizeof(*c->descs));
		d->last_avail_idx++;
		d->taken++;
		taken++;
	}
	free(w.seg);
	free(w.descs);
	/* Section 2.7.10: a notification when the next entry is written. */
	if (d->event_idx && d->auto_avail_event)
		*d->avail_event = d->last_avail_idx;
	return d->error ? -1 : taken;
}

void vdev_sim_complete(struct vdev_sim *d, unsigned i, uint32_t len, struct vdev_done *done)
{
	if (i >= d->nchains) {
		fprintf(stderr, "vdev_sim: completing chain %u of %u\n", i, d->nchains);
		abort();
	}
	struct vdev_chain *c = &d->chain[i];
	struct vdev_done r = { .head = c->head, .readable = c->readable, .fill = d->fill };
	r.reported = len == VDEV_ALL ? (uint32_t)c->writable : len;
	uint64_t to_write = len == VDEV_ALL || len > c->writable ? c->writable : len;
	r.written = (uint32_t)to_write;

	uint32_t h = 2166136261u;
	uint64_t w = 0;
	for (unsigned s = 0; s < c->nsegs; s++) {
		uint8_t *p = (uint8_t *)(uintptr_t)c->seg[s].addr;
		if (!c->seg[s].write) {
			for (uint32_t k = 0; k < c->seg[s].len; k++)
				h = (h ^ p[k]) * 16777619u;
			continue;
		}
		for (uint32_t k = 0; k < c->seg[s].len && w < to_write; k++, w++)
			p[k] = (uint8_t)(r.fill + w);
	}
	r.read_sum = h;

	/* Section 2.7.8.2: the element, length included, before the index. */
	volatile struct vring_used_elem *e = &d->used->ring[d->used_idx & (d->size - 1)];
	e->id = c->head;
	e->len = r.reported;
	d->used_idx++;
	d->completed++;
	d->fill = (uint8_t)(d->fill + 0x3b);
	vdev_sim_drop(d, i);
	if (done)
		*done = r;
}

void vdev_sim_drop(struct vdev_sim *d, unsigned i)
{
	struct vdev_chain *c = &d->chain[i];
	for (unsigned k = 0; k < c->ndescs; k++)
		d->desc_state[c->descs[k]] = DESC_FREE;
	free_chain(c);
	memmove(&d->chain[i], &d->chain[i + 1], (d->nchains - i - 1) * sizeof(*c));
	d->nchains--;
}

bool vdev_sim_publish(struct vdev_sim *d)
{
	uint16_t old = d->published_idx, now = d->used_idx;
	if (old == now)
		return false;
	barrier();
	d->used->idx = now;
	d->published_idx = now;
	d->publishes++;
	/* The index visible before reading what the driver asked for. */
	full_barrier();
	uint16_t flags = d->avail->flags;
	bool irq;
	if (!d->event_idx) {
		if (flags > VRING_AVAIL_F_NO_INTERRUPT)
			driver_error(d, "the available ring's flags are neither 0 nor 1 (2.7.7.1)");
		irq = !(flags & VRING_AVAIL_F_NO_INTERRUPT);
	} else {
		if (flags != 0)
			driver_error(d, "the available ring's flags are not 0 with VIRTIO_F_EVENT_IDX (2.7.7.1)");
		/* Section 2.7.7.2: interrupt when an element went in at index
		 * used_event, i.e. when used_event is among old .. now - 1. */
		uint16_t event = *d->used_event;
		irq = (uint16_t)(event - old) < (uint16_t)(now - old);
	}
	if (irq)
		d->interrupts++;
	return irq;
}

unsigned vdev_sim_run(struct vdev_sim *d)
{
	if (vdev_sim_fetch(d) < 0)
		return 0;
	unsigned n = d->nchains;
	while (d->nchains > 0)
		vdev_sim_complete(d, 0, VDEV_ALL, NULL);
	vdev_sim_publish(d);
	return n;
}

void vdev_sim_kicked(struct vdev_sim *d) { d->kicks++; }

bool vdev_sim_check_kicks(struct vdev_sim *d)
{
	uint16_t now = d->avail->idx, old = d->kick_seen_idx;
	bool owed = false;
	if (now != old) {
		if (d->event_idx) {
			/* Section 2.7.10: owed when an entry went in at avail_event. */
			uint16_t event = *d->avail_event;
			owed = (uint16_t)(event - old) < (uint16_t)(now - old);
		} else {
			owed = !(d->used->flags & VRING_USED_F_NO_NOTIFY);
		}
	}
	bool got = d->kicks != d->kicks_checked;
	d->kick_seen_idx = now;
	d->kicks_checked = d->kicks;
	if (owed)
		d->owed_kicks++;
	if (owed && !got)
		d->missed_kicks++;
	if (!owed && got)
		d->needless_kicks++;
	return owed;
}

void vdev_sim_set_used_flags(struct vdev_sim *d, uint16_t flags) { d->used->flags = flags; }

void vdev_sim_set_avail_event(struct vdev_sim *d, uint16_t idx) { *d->avail_event = idx; }

void vdev_sim_put_used(struct vdev_sim *d, uint32_t id, uint32_t len)
{
	volatile struct vring_used_elem *e = &d->used->ring[d->used_idx & (d->size - 1)];
	e->id = id;
	e->len = len;
	d->used_idx++;
}

void vdev_sim_set_used_idx(struct vdev_sim *d, uint16_t idx)
{
	d->used->idx = idx;
	d->used_idx = idx;
	d->published_idx = idx;
}

int vdev_sim_free_desc(const struct vdev_sim *d)
{
	for (unsigned i = 0; i < d->size; i++)
		if (d->desc_state[i] == DESC_FREE)
			return (int)i;
	return -1;
}

bool vdev_sim_misbehave(struct vdev_sim *d, enum vdev_hostile h)
{
	switch (h) {
	case VDEV_ID_BEYOND: vdev_sim_put_used(d, (uint32_t)d->size + 3, 0); break;
	case VDEV_ID_NOT_HEAD: {
		int id = vdev_sim_free_desc(d);
		if (id < 0)
			return false;
		vdev_sim_put_used(d, (uint32_t)id, 0);
		break;
	}
	case VDEV_IDX_JUMP: vdev_sim_set_used_idx(d, (uint16_t)(d->used_idx + d->size + 1)); return true;
	case VDEV_LEN_BEYOND:
		if (d->nchains == 0)
			return false;
		vdev_sim_complete(d, 0, (uint32_t)d->chain[0].writable + 100, NULL);
		break;
	}
	vdev_sim_publish(d);
	return true;
}
