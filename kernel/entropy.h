/*
 * Entropy sources: devices that produce random bytes (virtio-rng today)
 * register here, and entropy_getrandom() reads them all (the
 * application's keel_getrandom, include/keel.h).
 * Its bytes are the XOR of every source that delivered and of the CPU's
 * RDSEED/RDRAND when it has them, so they are as unpredictable as the
 * best of those; the CPU alone is never enough.
 */
#ifndef KEEL_ENTROPY_H
#define KEEL_ENTROPY_H

#include <stddef.h>
#include <stdint.h>

struct entropy_source {
	const char *name;
	/*
	 * Reads up to len bytes into buf, waiting until deadline (on
	 * clock_ns's clock) at most. Returns the count, which may be
	 * short or 0; -ETIMEDOUT when the deadline passed first (a later
	 * call may still deliver); -EIO when the source is broken for good.
	 * Called from a thread, one call at a time per source.
	 */
	long (*read)(struct entropy_source *src, void *buf, size_t len, uint64_t deadline);
	void *state; /* the driver's */
	/* How long the source may stay silent in one read before it is left
	 * out of the call; 0: ENTROPY_SOURCE_TIMEOUT_NS. */
	uint64_t timeout_ns;

	/* The registry's. */
	struct entropy_source *next;
	unsigned long bytes;	/* delivered and mixed */
	unsigned long failures; /* reads that failed or timed out */
};

/* How long a source may stay silent, unless it says otherwise, before
 * entropy_getrandom gives up on it for the rest of that call. */
#define ENTROPY_SOURCE_TIMEOUT_NS (5ull * 1000 * 1000 * 1000)

/* Adds src (whose name, read and state are set) to the sources. Returns
 * 0, or -EINVAL (no read function, or already registered). */
int entropy_register(struct entropy_source *src);
/* Removes src, after any entropy_getrandom call that reads it has ended.
 * Returns 0 or -ENOENT. */
int entropy_unregister(struct entropy_source *src);

/*
 * Fills buf with len random bytes: the XOR of every source's output and
 * the CPU's RDSEED/RDRAND when it has them; the CPU is never the only
 * source. Returns len; -ENODEV without a source; -ETIMEDOUT when no
 * source delivered and one of them stayed silent past its bound (the
 * source may keep its request, and a later call may succeed); -EIO when
 * they all failed otherwise; a count below len when they failed part
 * way. A source that failed or stayed silent is left out for the rest of
 * the call, so a call waits at most one bound per source and chunk.
 */
long entropy_getrandom(void *buf, size_t len);

/* The number of sources registered. */
unsigned entropy_source_count(void);

#endif
