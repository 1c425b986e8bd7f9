/*
 * A fake virtio transport for host tests: a stand-in for the modern and
 * the legacy PCI interfaces implementing struct virtio_transport, with the
 * simulated device of tests/host/vdev_sim.c behind each queue's rings, and
 * what the virtio core needs of the kernel (log, DMA memory, clock,
 * semaphore waits). Each step can be made to fail: the reset, features,
 * FEATURES_OK, a queue's size or enable, interrupts, the n-th allocation.
 */
#ifndef KEEL_TESTS_VIRTIO_FAKE_H
#define KEEL_TESTS_VIRTIO_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/virtio/virtio.h"
#include "tests/host/vdev_sim.h"

#define NQ 4

struct fake {
	bool legacy;
	uint64_t offered;
	uint64_t driver_features;
	uint8_t status;
	uint8_t status_log[16];
	unsigned nstatus;
	bool refuse_features; /* FEATURES_OK does not stick */
	bool reset_stuck;
	int resets_left;       /* > 0: resets that work, then it sticks */
	int fail_queue_enable; /* queue index + 1 whose enable fails */
	bool fail_irq;
	bool irq_on;
	bool enabled[NQ]; /* queues the device would use */
	uint16_t qsize[NQ];
	struct vdev_sim sim[NQ];
	bool sim_live[NQ];
	unsigned long notifies[NQ];
	unsigned long notifies_before_ok;
	uint8_t isr;
	uint8_t config[64];
	unsigned irq_setups;
};

extern struct fake fk;
extern struct virtio_transport ops;
extern struct virtio_device vd; /* the device under test, over fk */

/* What the kernel printed since fresh(). */
extern char log_text[4096];

/* Allocation failures on demand: while counting, the allocation numbered
 * fail_alloc_at fails (calloc and realloc through the linker's --wrap). */
extern bool counting;
extern unsigned allocs, fail_alloc_at;
extern long dma_live; /* DMA memory not yet freed */

/* The fake clock, and what a semaphore wait lets the test do meanwhile. */
extern uint64_t now_ns;
extern void (*while_waiting)(void);
extern unsigned long waits;

/* A new device offering features offered, modern or legacy. */
void fresh(bool legacy, uint64_t offered);
/* The device given up (virtio_detach), everything checked freed. */
void release(void);
/* Checks that an attach that returned err undid everything: no DMA memory
 * (the heap is LeakSanitizer's), no queue the device would use, no
 * interrupts, the device reset then told FAILED. */
void assert_detached(int err);

#endif
