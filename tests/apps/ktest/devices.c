/*
 * Boot tests of virtio devices: entropy from virtio-rng, and an echo on a
 * named virtio-console port driven by a host client; and the DMA pools
 * such drivers take their buffers from.
 */
#include <errno.h>
#include <keel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio.h"
#include "kernel/mm/dma.h"
#include "ktest.h"

/* Reads BYTES (default 1 MiB) of entropy and checks it looks random: a
 * chi-square test of the byte counts (255 degrees of freedom: a value
 * above 400 happens by chance less than once in a million). */
int ktest_rng(int argc, char **argv)
{
	size_t want = argc > 1 ? strtoul(argv[1], NULL, 0) : 1u << 20;
	static uint8_t buf[65536];
	static unsigned long count[256];
	size_t done = 0;
	uint64_t t0 = keel_clock_ns();
	while (done < want) {
		size_t n = want - done < sizeof(buf) ? want - done : sizeof(buf);
		long got = keel_getrandom(buf, n);
		if (got != (long)n) {
			printf("ktest: keel_getrandom(%zu) returned %ld after %zu bytes\n", n, got, done);
			return 1;
		}
		for (size_t i = 0; i < n; i++)
			count[buf[i]]++;
		done += n;
	}
	uint64_t us = (keel_clock_ns() - t0) / 1000;
	/* chi2 = sum (observed - expected)^2 / expected, in integers: scaled
	 * by 256 so expected = want/256 divides exactly when want is a
	 * multiple of 256. */
	unsigned long long expected = want / 256, chi2_scaled = 0;
	for (int v = 0; v < 256; v++) {
		long long d = (long long)count[v] - (long long)expected;
		chi2_scaled += (unsigned long long)(d * d);
	}
	unsigned long chi2 = expected ? (unsigned long)(chi2_scaled / expected) : 0;
	printf("ktest: read %zu random bytes in %lu us (%lu KiB/s), chi-square %lu over 255 degrees of freedom: %s\n",
	       done, (unsigned long)us, us ? (unsigned long)(done * 1000000ull / 1024 / us) : 0, chi2,
	       chi2 < 400 ? "ok" : "FAIL");
	return chi2 >= 400;
}

int ktest_rng_none(int argc, char **argv)
{
	uint8_t b[16];
	long r = keel_getrandom(b, sizeof(b));
	printf("ktest: keel_getrandom without a device returned %ld\n", r);
	return r != -ENODEV;
}

/* Echoes everything read on port NAME until BYTES were echoed. */
int ktest_console_echo(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "keel.echo";
	size_t want = argc > 2 ? strtoul(argv[2], NULL, 0) : 4096;
	keel_port_t *p;
	int err = keel_port_open(&p, name, 10ull * 1000 * 1000 * 1000);
	if (err) {
		printf("ktest: cannot open port '%s': %d\n", name, err);
		return 1;
	}
	printf("ktest: port '%s' open, echoing %zu bytes\n", keel_port_name(p), want);
	static uint8_t buf[8192];
	size_t done = 0;
	uint32_t sum = 0;
	while (done < want) {
		long n = keel_port_read(p, buf, sizeof(buf), 30ull * 1000 * 1000 * 1000);
		if (n < 0) {
			printf("ktest: read failed: %ld after %zu bytes\n", n, done);
			return 1;
		}
		for (long i = 0; i < n; i++)
			sum = sum * 31 + buf[i];
		long w = keel_port_write(p, buf, (size_t)n);
		if (w != n) {
			printf("ktest: write failed: %ld after %zu bytes\n", w, done);
			return 1;
		}
		done += (size_t)n;
	}
	printf("ktest: echoed %zu bytes, checksum %08x\n", done, sum);
	keel_port_close(p);
	return 0;
}

/* Lists what keel_port_open finds for each name given. */
int ktest_ports(int argc, char **argv)
{
	int missing = 0;
	for (int i = 1; i < argc; i++) {
		keel_port_t *p;
		int err = keel_port_open(&p, argv[i], 2ull * 1000 * 1000 * 1000);
		printf("ktest: port '%s': %s\n", argv[i], err ? "not found" : "open");
		missing += err != 0;
		if (!err)
			keel_port_close(p);
	}
	return missing;
}

/* Makes the first virtio-rng device fail: the available index moved by
 * more than the queue holds, which QEMU answers by setting NEEDS_RESET
 * (virtio 1.2 section 2.1.2; modern devices only). The index is broken
 * behind the engine's back, in the shared ring, as a buggy driver would.
 * The kernel must notice (by interrupt, or by the status check of a wait
 * that goes unanswered), fail that device's requests with -EIO, and carry
 * on. */
int ktest_needs_reset(int argc, char **argv)
{
	struct virtio_device *vd = virtio_device_find(VIRTIO_ID_RNG, 0);
	if (vd == NULL) {
		printf("ktest: no virtio-rng device\n");
		return 1;
	}
	uint8_t b[16];
	long r = keel_getrandom(b, sizeof(b));
	printf("ktest: keel_getrandom before returned %ld\n", r);
	struct virtqueue *vq = vd->vq[0];
	vq->avail->idx = (uint16_t)(vq->avail_idx + vq->size + 1);
	vd->ops->notify(vd, vq);
	/* QEMU takes the notification asynchronously (an ioeventfd): let
	 * it see the bad index before the next request rewrites it. */
	keel_sleep_ns(200000000);
	uint64_t t0 = keel_clock_ns();
	r = keel_getrandom(b, sizeof(b));
	printf("ktest: after a bad available index, keel_getrandom returned %ld after %lu ms; device %s, "
	       "%lu config interrupts\n",
	       r, (unsigned long)((keel_clock_ns() - t0) / 1000000), vd->broken ? "marked broken" : "still working",
	       vd->config_interrupts);
	return !(vd->broken && r < 0);
}

/* DMA buffer pools on the real page allocator: 4,000 network-sized
 * buffers, each within a page, at its physical address, the pages given
 * back once the pool is destroyed. */
int ktest_dma_pool(int argc, char **argv)
{
	enum { N = 4000, SIZE = 1526 };
	struct keel_meminfo before, during, after;
	keel_meminfo(&before);
	struct dma_pool *pool = dma_pool_create("ktest", SIZE, 64, DMA_POOL_NO_PAGE_CROSS);
	static uint8_t *buf[N];
	int bad = pool == NULL;
	for (int i = 0; i < N && !bad; i++) {
		uint64_t phys;
		buf[i] = dma_pool_alloc(pool, &phys);
		uintptr_t v = (uintptr_t)buf[i];
		bad = buf[i] == NULL || phys != dma_phys(buf[i]) || v % 64 != 0 || v / 4096 != (v + SIZE - 1) / 4096;
		if (!bad)
			memset(buf[i], i & 0xff, SIZE);
	}
	for (int i = 0; i < N && !bad; i++)
		for (int k = 0; k < SIZE && !bad; k += 97)
			bad = buf[i][k] != (uint8_t)(i & 0xff);
	keel_meminfo(&during);
	struct dma_pool_stats st;
	if (pool)
		dma_pool_get_stats(pool, &st);
	for (int i = 0; i < N && pool; i++)
		if (buf[i])
			dma_pool_free(pool, buf[i]);
	bad |= pool && dma_pool_destroy(pool) != 0;
	keel_meminfo(&after);
	printf("ktest: dma pool of %d buffers of %d bytes: %lu pages, %lu KiB taken, %lu KiB back after: %s\n", N, SIZE,
	       pool ? st.pages : 0, (unsigned long)((before.free_bytes - during.free_bytes) / 1024),
	       (unsigned long)((after.free_bytes - during.free_bytes) / 1024),
	       !bad && after.free_bytes == before.free_bytes ? "ok" : "FAIL");
	return bad || after.free_bytes != before.free_bytes;
}
