/*
 * The entropy registry and entropy_getrandom (kernel/entropy.h).
 *
 * Bytes are produced in chunks: each source fills the chunk on its own
 * (short reads are read again, a source that keeps answering with nothing
 * or stays silent past its bound is left out of the call from there on),
 * the chunks of the sources that delivered are XORed together, and the
 * CPU's generator is XORed on top. A chunk that no source delivered ends
 * the call: with what was done before it, or with -ETIMEDOUT when a
 * source was silent, -EIO otherwise.
 *
 * One call at a time reads the sources (a mutex), which is also what lets
 * a source be unregistered safely while another thread is in a call.
 */
#include "kernel/entropy.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/sync.h"
#include "arch/x86_64/random.h"

#define CHUNK 256
/* A source that answers this many reads in a row with nothing is not a
 * source. */
#define MAX_EMPTY_READS 100

static struct entropy_source *sources;
static struct mutex lock = MUTEX_INIT;

int entropy_register(struct entropy_source *src)
{
	if (src == NULL || src->read == NULL)
		return -EINVAL;
	mutex_lock(&lock);
	int err = 0;
	for (struct entropy_source *s = sources; s; s = s->next)
		if (s == src)
			err = -EINVAL;
	if (!err) {
		/* At the end: sources are read in the order they came. */
		struct entropy_source **link = &sources;
		while (*link)
			link = &(*link)->next;
		src->next = NULL;
		*link = src;
	}
	mutex_unlock(&lock);
	return err;
}

int entropy_unregister(struct entropy_source *src)
{
	mutex_lock(&lock);
	int err = -ENOENT;
	for (struct entropy_source **link = &sources; *link; link = &(*link)->next) {
		if (*link == src) {
			*link = src->next;
			src->next = NULL;
			err = 0;
			break;
		}
	}
	mutex_unlock(&lock);
	return err;
}

unsigned entropy_source_count(void)
{
	unsigned n = 0;
	for (struct entropy_source *s = sources; s; s = s->next)
		n++;
	return n;
}

/* Fills out entirely from src; 0 or a negative errno. The deadline moves
 * with every byte that arrives: a slow source is waited for, a silent one
 * is not. */
static int fill_from(struct entropy_source *src, uint8_t *out, size_t len)
{
	size_t done = 0;
	int empty = 0;
	while (done < len) {
		uint64_t deadline = deadline_after(src->timeout_ns ? src->timeout_ns : ENTROPY_SOURCE_TIMEOUT_NS);
		long n = src->read(src, out + done, len - done, deadline);
		if (n < 0)
			return (int)n;
		/* A source cannot deliver more than it was asked for. */
		if ((size_t)n > len - done)
			return -EIO;
		if (n == 0 && ++empty > MAX_EMPTY_READS)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* The CPU's generator over out, where it has one. */
static void mix_cpu(uint8_t *out, size_t n)
{
	for (size_t k = 0; k < n; k += 8) {
		uint64_t v;
		if (!cpu_rdseed64(&v) && !cpu_rdrand64(&v))
			return;
		for (size_t b = 0; b < 8 && k + b < n; b++)
			out[k + b] ^= (uint8_t)(v >> (8 * b));
	}
}

long entropy_getrandom(void *buf, size_t len)
{
	uint8_t chunk[CHUNK];
	uint8_t *out = buf;
	size_t done = 0;
	mutex_lock(&lock);
	if (sources == NULL) {
		mutex_unlock(&lock);
		return -ENODEV;
	}
	/* Sources that failed are not asked again in this call. */
	unsigned long failed = 0;
	long ret = 0;
	bool silent = false; /* a source timed out: the call says so */
	while (done < len) {
		size_t n = len - done < CHUNK ? len - done : CHUNK;
		memset(out + done, 0, n);
		unsigned used = 0, i = 0;
		for (struct entropy_source *s = sources; s; s = s->next, i++) {
			if (i < 8 * sizeof(failed) && (failed & (1ul << i)))
				continue;
			int err = fill_from(s, chunk, n);
			if (err != 0) {
				s->failures++;
				if (err == -ETIMEDOUT)
					silent = true;
				if (i < 8 * sizeof(failed))
					failed |= 1ul << i;
				continue;
			}
			for (size_t k = 0; k < n; k++)
				out[done + k] ^= chunk[k];
			s->bytes += n;
			used++;
		}
		if (used == 0) {
			/* What was already mixed stays; what this chunk holds
			 * is not random enough to hand out. */
			memset(out + done, 0, n);
			ret = done ? (long)done : silent ? -ETIMEDOUT : -EIO;
			break;
		}
		mix_cpu(out + done, n);
		done += n;
	}
	memset(chunk, 0, sizeof(chunk));
	mutex_unlock(&lock);
	return done == len ? (long)done : ret;
}
