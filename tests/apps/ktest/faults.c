/*
 * Boot tests of devices that misbehave: one that never answers (every
 * wait of the kernel is bounded), one that writes what the virtqueue
 * engine must refuse (the fault is named once and counted), and a
 * virtio-serial with more ports than Keel once had room for.
 */
#include <errno.h>
#include <keel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio.h"
#include "ktest.h"

#define MS(ns) ((unsigned long)((ns) / 1000000))

/* The entropy device is backed by a pipe nothing writes: each read must
 * end with -ETIMEDOUT after the driver's bound (VIRTIO_TIMEOUT_DEFAULT_NS,
 * 5 s), not hang, and the kernel must go on. Two reads: the second waits
 * for the request the first left with the device, bounded the same. */
int ktest_rng_silent(int argc, char **argv)
{
	uint8_t b[16];
	int bad = 0;
	for (int i = 0; i < 2; i++) {
		uint64_t t0 = keel_clock_ns();
		long r = keel_getrandom(b, sizeof(b));
		uint64_t ms = MS(keel_clock_ns() - t0);
		bool ok = r == -ETIMEDOUT && ms >= MS(VIRTIO_TIMEOUT_DEFAULT_NS) - 10 &&
			  ms <= MS(VIRTIO_TIMEOUT_DEFAULT_NS) + 2000;
		printf("ktest: keel_getrandom from a silent device returned %ld after %lu ms: %s\n", r, ms,
		       ok ? "ok" : "FAIL");
		bad += !ok;
	}
	/* Still scheduling, still keeping time. */
	uint64_t t0 = keel_clock_ns();
	keel_sleep_ns(10000000);
	printf("ktest: the kernel is alive: slept %lu ms after the silent device\n", MS(keel_clock_ns() - t0));
	return bad;
}

/* Plays a device that writes a used element naming a descriptor past the
 * queue, behind the engine's back in the shared ring of the first
 * virtio-rng device (QEMU itself cannot be made to), while the queue is
 * idle so QEMU does not write beside it. Twice: the second time the queue
 * is broken already and nothing more is read from it. Then entropy fails
 * with -EIO and the kernel goes on. */
int ktest_device_fault(int argc, char **argv)
{
	struct virtio_device *vd = virtio_device_find(VIRTIO_ID_RNG, 0);
	if (vd == NULL) {
		printf("ktest: no virtio-rng device\n");
		return 1;
	}
	uint8_t b[16];
	long r = keel_getrandom(b, sizeof(b));
	printf("ktest: keel_getrandom before returned %ld, %lu device faults\n", r, keel_device_faults());
	struct virtqueue *vq = vd->vq[0];
	for (int i = 0; i < 2; i++) {
		uint16_t at = vq->used->idx;
		vq->used->ring[at & (vq->size - 1)].id = (uint32_t)vq->size + 7;
		vq->used->ring[at & (vq->size - 1)].len = 1;
		vq->used->idx = (uint16_t)(at + 1);
		uint32_t len;
		void *c = virtqueue_dequeue(vq, &len);
		printf("ktest: a used id past the queue: dequeue returned %p, queue %s\n", c,
		       vq->broken ? "broken" : "working");
	}
	r = keel_getrandom(b, sizeof(b));
	unsigned long n = keel_device_faults();
	printf("ktest: keel_getrandom after the fault returned %ld; %lu device fault counted, %lu on the queue\n", r, n,
	       vq->device_faults);
	keel_sleep_ns(10000000);
	printf("ktest: the kernel is alive after the device fault\n");
	return !(r == -EIO && n == 1 && vq->device_faults == 1);
}

/* Writes to port NAME, whose host end connected and then stopped reading,
 * until a write fails: it must be -ETIMEDOUT after the driver's bound,
 * and so must the next (which first waits for the buffer the device
 * kept); then the kernel goes on. */
int ktest_port_stall(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "keel.stall";
	keel_port_t *p;
	if (keel_port_open(&p, name, 10ull * 1000 * 1000 * 1000) != 0) {
		printf("ktest: no port '%s'\n", name);
		return 1;
	}
	for (int i = 0; i < 1000 && !keel_port_host_connected(p); i++)
		keel_sleep_ns(10000000);
	static uint8_t buf[65536];
	memset(buf, 'k', sizeof(buf));
	unsigned long total = 0;
	long r = 0;
	uint64_t t0 = 0;
	/* At most 256 MiB: far beyond what a host socket buffers. */
	for (int i = 0; i < 4096; i++) {
		t0 = keel_clock_ns();
		r = keel_port_write(p, buf, sizeof(buf));
		if (r != (long)sizeof(buf))
			break;
		total += (unsigned long)r;
	}
	uint64_t ms = MS(keel_clock_ns() - t0);
	printf("ktest: %lu bytes taken, then a write returned %ld after %lu ms\n", total, r, ms);
	/* A short count first (the chunks taken before the stall), then the
	 * error by itself. */
	if (r >= 0) {
		t0 = keel_clock_ns();
		r = keel_port_write(p, buf, sizeof(buf));
		ms = MS(keel_clock_ns() - t0);
		printf("ktest: the next write returned %ld after %lu ms\n", r, ms);
	}
	bool ok = r == -ETIMEDOUT && ms >= MS(VIRTIO_TIMEOUT_DEFAULT_NS) - 10 &&
		  ms <= 2 * MS(VIRTIO_TIMEOUT_DEFAULT_NS) + 2000;
	t0 = keel_clock_ns();
	long again = keel_port_write(p, buf, 16);
	uint64_t ms2 = MS(keel_clock_ns() - t0);
	printf("ktest: a write on the stalled port returned %ld after %lu ms\n", again, ms2);
	ok = ok && again == -ETIMEDOUT && ms2 <= MS(VIRTIO_TIMEOUT_DEFAULT_NS) + 2000;
	printf("ktest: writes to a port that stopped draining end with -ETIMEDOUT: %s\n", ok ? "ok" : "FAIL");
	keel_sleep_ns(10000000);
	printf("ktest: the kernel is alive after the stalled port\n");
	return !ok;
}
