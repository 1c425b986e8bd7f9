/*
 * The shared parts of the block tests (blk_sim.h).
 */
#include "tests/host/blk_sim.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/mm/dma.h"
#include "kernel/sync.h"

/* --- what the drivers need of the kernel beyond the fake's ------------------------------ */

void sem_init(struct sem *s, unsigned long count) { s->count = count; }
void sem_post(struct sem *s) { s->count++; }
int sem_trywait(struct sem *s)
{
	if (s->count == 0)
		return -EAGAIN;
	s->count--;
	return 0;
}
void sem_wait(struct sem *s) { fail_msg("an unbounded wait"); }
void mutex_init(struct mutex *m) {}
int mutex_lock(struct mutex *m) { return 0; }
int mutex_unlock(struct mutex *m) { return 0; }
int lock_depth;
bool sched_lock(void)
{
	lock_depth++;
	return true;
}
void sched_unlock(bool state) { lock_depth--; }
uint64_t dma_phys(const void *p) { return (uint64_t)(uintptr_t)p; }
void panic_at(const char *file, int line, const char *fmt, ...) { fail_msg("panic at %s:%d: %s", file, line, fmt); }

/* --- the device ----------------------------------------------------------------------- */

void blk_sim_run(unsigned qi, blk_sim_play_fn play, bool once)
{
	struct vdev_sim *d = &fk.sim[qi];
	int taken;
	unsigned answered;
	do {
		if (!fk.sim_live[qi])
			return;
		/* The simulated device's memory is not the code under test's. */
		bool was = counting;
		counting = false;
		taken = vdev_sim_fetch(d);
		assert_int_not_equal(taken, -1);
		answered = 0;
		for (unsigned i = 0; i < d->nchains;) {
			long len = play(&d->chain[i]);
			if (len < 0) {
				i++;
				continue;
			}
			vdev_sim_put_used(d, d->chain[i].head, (uint32_t)len);
			vdev_sim_drop(d, i);
			answered++;
		}
		counting = was;
		if (vdev_sim_publish(d) && vd.vq[qi] && vd.vq[qi]->on_interrupt)
			vd.vq[qi]->on_interrupt(vd.vq[qi]);
		assert_null(d->error);
		assert_int_equal(lock_depth, 0);
	} while ((taken > 0 || answered > 0) && !once);
}

void blk_sim_move(const struct vdev_chain *c, unsigned first, unsigned end, unsigned skip, uint8_t *at, uint64_t room,
		  struct blk_sim_moved *moved)
{
	struct blk_sim_moved m = { 0, 0, 0 };
	for (unsigned k = first; k < end; k++) {
		if (k == skip)
			continue;
		const struct vdev_seg *g = &c->seg[k];
		assert_true(m.bytes + g->len <= room);
		if (g->write) {
			memcpy((void *)(uintptr_t)g->addr, at, g->len);
			m.written += g->len;
		} else {
			memcpy(at, (void *)(uintptr_t)g->addr, g->len);
		}
		at += g->len;
		m.bytes += g->len;
		if (g->len > m.max_piece)
			m.max_piece = g->len;
	}
	if (moved)
		*moved = m;
}

void blk_sim_pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}
