/*
 * What the host tests of the block request engine and of the virtio-blk
 * and virtio-scsi drivers share: the kernel beneath them (semaphores that
 * count, a scheduler lock that counts its depth) and the device's side of
 * a request queue, which takes each chain the driver posted and hands it
 * to the test's player.
 */
#ifndef KEEL_TESTS_BLK_SIM_H
#define KEEL_TESTS_BLK_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/host/virtio_fake.h"

/* sched_lock's depth: 0 whenever the driver returns. */
extern int lock_depth;

/* Plays one chain the device took: returns the used length to report,
 * or -1 to keep the chain unanswered. */
typedef long (*blk_sim_play_fn)(struct vdev_chain *c);

/* The device runs queue qi of fk: takes what the driver made available,
 * plays each chain, publishes what it answered and interrupts through
 * the queue's handler when the driver asked; again while it answered
 * or found anything (the driver may post more: a request cut into more
 * chunks than the ring holds), unless once. */
void blk_sim_run(unsigned qi, blk_sim_play_fn play, bool once);

/* What blk_sim_move carried. */
struct blk_sim_moved {
	uint64_t bytes;	    /* of data, both ways */
	uint64_t written;   /* into the chain (device-writable segments) */
	uint32_t max_piece; /* the longest segment */
};

/* Carries the data of segments first .. end - 1 of c, but skip, between
 * the chain and the disk's memory at at (room bytes from there): a
 * device-writable segment is filled from the disk, a readable one copied
 * to it, in order. */
void blk_sim_move(const struct vdev_chain *c, unsigned first, unsigned end, unsigned skip, uint8_t *at, uint64_t room,
		  struct blk_sim_moved *moved);

/* Bytes that differ from one offset and seed to the next. */
void blk_sim_pattern(uint8_t *p, size_t n, unsigned seed);

#endif
