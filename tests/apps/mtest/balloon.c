/*
 * mtest balloon-oom BELOW_MIB EXTRA_MIB: waits (at most two minutes) until
 * the free memory falls below BELOW_MIB, as it does when the host inflates
 * a balloon, and the balloon stops growing; then allocates that free memory and EXTRA_MIB more, a MiB at
 * a time, writing every page, and checks every page kept what was written.
 * With a balloon that deflates on OOM (virtio-balloon's deflate-on-oom)
 * the allocations past the free memory succeed: the kernel takes pages
 * back from the balloon before failing them.
 */
#include <keel.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "mtest.h"

#define MiB (1024ull * 1024)

static uint64_t free_bytes(void)
{
	struct sysinfo si;
	if (sysinfo(&si) != 0)
		return 0;
	return (uint64_t)si.freeram * si.mem_unit;
}

int test_balloon_oom(int argc, char **argv)
{
	if (argc < 4) {
		printf("mtest: balloon-oom BELOW_MIB EXTRA_MIB\n");
		return 1;
	}
	uint64_t below = strtoull(argv[2], NULL, 0) * MiB, extra = strtoull(argv[3], NULL, 0) * MiB;
	printf("mtest: balloon-oom: waiting for less than %llu MiB free (now %llu MiB)\n",
	       (unsigned long long)(below / MiB), (unsigned long long)(free_bytes() / MiB));
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	int waited = 0;
	while (free_bytes() >= below) {
		if (++waited > 1200) {
			printf("mtest: balloon-oom: still %llu MiB free after 120 s\n",
			       (unsigned long long)(free_bytes() / MiB));
			return 1;
		}
		nanosleep(&tick, NULL);
	}
	/* Then until the balloon stops growing (half a second without a
	 * change), so that it does not race the allocations below. */
	struct keel_meminfo m;
	keel_meminfo(&m);
	for (int still = 0; still < 5 && waited++ <= 1200;) {
		uint64_t was = m.balloon_bytes;
		nanosleep(&tick, NULL);
		keel_meminfo(&m);
		still = m.balloon_bytes == was ? still + 1 : 0;
	}
	uint64_t before = free_bytes();
	uint64_t balloon_before = m.balloon_bytes;
	/* What the kernel reports is what sysinfo does. */
	if (m.free_bytes / MiB != before / MiB)
		printf("mtest: balloon-oom: keel_meminfo says %llu MiB free, sysinfo %llu MiB\n",
		       (unsigned long long)(m.free_bytes / MiB), (unsigned long long)(before / MiB));
	unsigned chunks = (unsigned)((before + extra) / MiB);
	printf("mtest: balloon-oom: %llu MiB free; allocating %u MiB\n", (unsigned long long)(before / MiB), chunks);
	uint8_t **p = calloc(chunks, sizeof(*p));
	if (p == NULL)
		return 1;
	unsigned got = 0;
	for (; got < chunks; got++) {
		p[got] = malloc(MiB);
		if (p[got] == NULL)
			break;
		memset(p[got], (int)(got * 7 + 1), MiB);
	}
	unsigned bad = 0;
	for (unsigned i = 0; i < got; i++)
		for (size_t off = 0; off < MiB; off += 4096)
			if (p[i][off] != (uint8_t)(i * 7 + 1) || p[i][off + 4095] != (uint8_t)(i * 7 + 1))
				bad++;
	printf("mtest: balloon-oom: allocated %u of %u MiB (%llu MiB free before, %llu MiB now), %u pages lost what "
	       "was written\n",
	       got, chunks, (unsigned long long)(before / MiB), (unsigned long long)(free_bytes() / MiB), bad);
	keel_meminfo(&m);
	printf("mtest: balloon-oom: balloon %llu MiB before, %llu MiB after\n",
	       (unsigned long long)(balloon_before / MiB), (unsigned long long)(m.balloon_bytes / MiB));
	for (unsigned i = 0; i < got; i++)
		free(p[i]);
	free(p);
	int ok = got == chunks && bad == 0;
	printf("mtest: balloon-oom %s\n", ok ? "ok" : "FAILED");
	return !ok;
}
