/*
 * Pseudo-random numbers for the host tests' randomized cases: splitmix64,
 * small and good enough to pick inputs, seeded from the test's default or
 * from KEEL_TEST_SEED; the seed is printed so a failure can be repeated.
 * Each test program includes this once.
 */
#ifndef KEEL_TESTS_RANDOM_H
#define KEEL_TESTS_RANDOM_H

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

static uint64_t rng_state;

static inline uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A number below n (0 when n is 0). */
static inline uint64_t below(uint64_t n) { return n ? rng() % n : 0; }
static inline uint32_t rnd(uint32_t n) { return (uint32_t)below(n); }

/* The seed for a randomized case, printed (cmocka's print_message). */
static inline uint64_t seed_from_env(const char *what, uint64_t dflt)
{
	const char *s = getenv("KEEL_TEST_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : dflt;
	print_message("%s: seed 0x%" PRIx64 " (set KEEL_TEST_SEED to repeat another)\n", what, seed);
	return seed;
}

#endif
