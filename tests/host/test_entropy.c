/*
 * The entropy registry and entropy_getrandom (kernel/entropy.c) with fake
 * sources and a fake CPU generator, on the host scheduler
 * (tests/host/sched_host.c) whose clock moves only while threads wait, so
 * a source that stays silent costs exactly its deadline.
 *
 * Every source is deterministic, so the bytes entropy_getrandom hands out
 * are checked to be exactly the XOR of the sources that delivered and of
 * the CPU's words: nothing left out, nothing mixed twice.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/thread.h"
#include "kernel/entropy.h"
#include "tests/host/sched_host.h"

#define T0 UINT64_C(1000000000)

/* --- the CPU's generator ------------------------------------------------------------ */

static bool cpu_has; /* RDSEED (and RDRAND) present */
static uint64_t cpu_next;
static unsigned long cpu_words;

static uint64_t cpu_word(uint64_t i) { return (i + 1) * 0x9e3779b97f4a7c15ull; }

bool cpu_rdseed64(uint64_t *v)
{
	if (!cpu_has)
		return false;
	*v = cpu_word(cpu_next++);
	cpu_words++;
	return true;
}

bool cpu_rdrand64(uint64_t *v) { return cpu_rdseed64(v); }

/* --- fake sources --------------------------------------------------------------------- */

enum behaviour {
	GOOD,	 /* byte k of its stream is seed + 7k */
	FAIL,	 /* -EIO at once */
	SILENT,	 /* waits until the deadline, then -ETIMEDOUT */
	EMPTY,	 /* 0 bytes, always */
	LIAR,	 /* claims more than it was asked for */
	DIES_AT, /* GOOD until limit bytes, then -EIO */
};

struct fake {
	struct entropy_source src;
	enum behaviour how;
	uint8_t seed;
	size_t max_read; /* 0: as much as asked */
	size_t limit;
	uint64_t delay_ns; /* each read waits this long first */
	size_t pos;	   /* bytes delivered */
	unsigned long reads;
	uint64_t last_deadline;
};

static uint8_t stream(const struct fake *f, size_t k) { return (uint8_t)(f->seed + 7 * k); }

static long fake_read(struct entropy_source *src, void *buf, size_t len, uint64_t deadline)
{
	struct fake *f = src->state;
	f->reads++;
	f->last_deadline = deadline;
	HOST_CHECK(len > 0);
	if (f->delay_ns)
		sleep_ns(f->delay_ns);
	switch (f->how) {
	case FAIL: return -EIO;
	case SILENT:
		HOST_CHECK(deadline != UINT64_MAX);
		sleep_ns(deadline - host_clock());
		return -ETIMEDOUT;
	case EMPTY: return 0;
	case LIAR: return (long)len + 1;
	case DIES_AT:
		if (f->pos >= f->limit)
			return -EIO;
		if (len > f->limit - f->pos)
			len = f->limit - f->pos;
		break;
	case GOOD: break;
	}
	if (f->max_read && len > f->max_read)
		len = f->max_read;
	uint8_t *out = buf;
	for (size_t k = 0; k < len; k++)
		out[k] = stream(f, f->pos + k);
	f->pos += len;
	return (long)len;
}

static struct fake fakes[4];
static unsigned nfakes;

static struct fake *add(enum behaviour how, uint8_t seed)
{
	struct fake *f = &fakes[nfakes++];
	memset(f, 0, sizeof(*f));
	f->how = how;
	f->seed = seed;
	f->src.name = "fake";
	f->src.read = fake_read;
	f->src.state = f;
	assert_int_equal(entropy_register(&f->src), 0);
	return f;
}

/* What byte k of a call must be: the XOR of the GOOD streams given (each
 * from the position it had when the call began) and of the CPU's words. */
static uint8_t expected(struct fake **good, const size_t *start, unsigned n, size_t k, uint64_t cpu_start)
{
	uint8_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v ^= stream(good[i], start[i] + k);
	/* A chunk of 256 bytes takes 32 words, so byte k is in word k / 8. */
	if (cpu_has)
		v ^= (uint8_t)(cpu_word(cpu_start + k / 8) >> (8 * (k % 8)));
	return v;
}

static int setup(void **state)
{
	nfakes = 0;
	cpu_has = false;
	cpu_next = 0;
	cpu_words = 0;
	return host_reset(T0) ? 0 : -1;
}

static int teardown(void **state)
{
	for (unsigned i = 0; i < nfakes; i++)
		entropy_unregister(&fakes[i].src);
	if (entropy_source_count() != 0 || !host_quiescent()) {
		print_error("the test left sources, threads or timers behind\n");
		return -1;
	}
	return 0;
}

/* --- tests -------------------------------------------------------------------------------- */

static void test_no_source_is_enodev(void **state)
{
	uint8_t b[16];
	cpu_has = true;
	/* The CPU alone is never enough. */
	assert_int_equal(entropy_getrandom(b, sizeof(b)), -ENODEV);
	assert_int_equal(cpu_words, 0);
}

static void test_one_source_alone(void **state)
{
	struct fake *a = add(GOOD, 3);
	uint8_t b[1000];
	assert_int_equal(entropy_getrandom(b, sizeof(b)), sizeof(b));
	size_t start = 0;
	for (size_t k = 0; k < sizeof(b); k++)
		assert_int_equal(b[k], expected(&a, &start, 1, k, 0));
	assert_int_equal(a->src.bytes, sizeof(b));
	assert_int_equal(entropy_getrandom(b, 0), 0);
}

static void test_sources_and_cpu_are_xored(void **state)
{
	cpu_has = true;
	struct fake *g[2] = { add(GOOD, 11), add(GOOD, 200) };
	g[1]->max_read = 7; /* short reads are read again */
	uint8_t first[100];
	assert_int_equal(entropy_getrandom(first, sizeof(first)), sizeof(first));
	size_t start[2] = { g[0]->pos, g[1]->pos };
	uint64_t cpu_start = cpu_next;
	static uint8_t b[5000]; /* several chunks, the last one partial */
	assert_int_equal(entropy_getrandom(b, sizeof(b)), sizeof(b));
	for (size_t k = 0; k < sizeof(b); k++) {
		/* The CPU's words restart at each chunk of 256 bytes. */
		uint8_t want = stream(g[0], start[0] + k) ^ stream(g[1], start[1] + k);
		want ^= (uint8_t)(cpu_word(cpu_start + (k / 256) * 32 + (k % 256) / 8) >> (8 * (k % 8)));
		if (b[k] != want)
			fail_msg("byte %zu: 0x%02x, expected 0x%02x", k, b[k], want);
	}
	assert_true(g[1]->reads >= sizeof(b) / 7);
}

static void test_failing_source_is_skipped(void **state)
{
	struct fake *bad = add(FAIL, 0);
	struct fake *good = add(GOOD, 42);
	uint8_t b[2000];
	assert_int_equal(entropy_getrandom(b, sizeof(b)), sizeof(b));
	size_t start = 0;
	for (size_t k = 0; k < sizeof(b); k++)
		assert_int_equal(b[k], expected(&good, &start, 1, k, 0));
	/* Asked once per call, not once per chunk. */
	assert_int_equal(bad->reads, 1);
	assert_int_equal(bad->src.failures, 1);
	assert_int_equal(bad->src.bytes, 0);
}

static void test_all_failing_is_eio_even_with_cpu(void **state)
{
	cpu_has = true;
	add(FAIL, 0);
	add(EMPTY, 0);
	add(LIAR, 0);
	uint8_t b[64];
	assert_int_equal(entropy_getrandom(b, sizeof(b)), -EIO);
	assert_int_equal(cpu_words, 0);
	/* A source that keeps delivering nothing is given up on, not waited
	 * for forever. */
	assert_true(fakes[1].reads > 50 && fakes[1].reads < 1000);
}

static void test_silent_source_times_out_once(void **state)
{
	struct fake *silent = add(SILENT, 0);
	struct fake *good = add(GOOD, 9);
	uint8_t b[1024];
	assert_int_equal(entropy_getrandom(b, sizeof(b)), sizeof(b));
	size_t start = 0;
	for (size_t k = 0; k < sizeof(b); k++)
		assert_int_equal(b[k], expected(&good, &start, 1, k, 0));
	assert_int_equal(silent->last_deadline, T0 + ENTROPY_SOURCE_TIMEOUT_NS);
	/* One wait for the whole call, not one per chunk. */
	assert_int_equal(host_clock(), T0 + ENTROPY_SOURCE_TIMEOUT_NS);
	assert_int_equal(silent->reads, 1);
}

/* Nothing delivered because a source stayed silent: -ETIMEDOUT, the
 * source may answer a later call; one that broke too does not hide it. */
static void test_silent_source_alone_times_out(void **state)
{
	add(SILENT, 0);
	uint8_t b[16];
	assert_int_equal(entropy_getrandom(b, sizeof(b)), -ETIMEDOUT);
	assert_int_equal(host_clock(), T0 + ENTROPY_SOURCE_TIMEOUT_NS);
	add(FAIL, 0);
	assert_int_equal(entropy_getrandom(b, sizeof(b)), -ETIMEDOUT);
	assert_int_equal(host_clock(), T0 + 2 * ENTROPY_SOURCE_TIMEOUT_NS);
}

/* A source with its own bound is waited for that long, not the default. */
static void test_source_bound_of_its_own(void **state)
{
	struct fake *silent = add(SILENT, 0);
	silent->src.timeout_ns = 100000000ull;
	uint8_t b[16];
	assert_int_equal(entropy_getrandom(b, sizeof(b)), -ETIMEDOUT);
	assert_int_equal(silent->last_deadline, T0 + 100000000ull);
	assert_int_equal(host_clock(), T0 + 100000000ull);
}

/* The sources fail part way: the chunks they finished are handed out. */
static void test_failure_part_way_gives_a_short_count(void **state)
{
	struct fake *a = add(DIES_AT, 1);
	a->limit = 700;
	uint8_t b[2000];
	assert_int_equal(entropy_getrandom(b, sizeof(b)), 512);
	size_t start = 0;
	for (size_t k = 0; k < 512; k++)
		assert_int_equal(b[k], expected(&a, &start, 1, k, 0));
	assert_int_equal(entropy_getrandom(b, sizeof(b)), -EIO);
}

static void test_register_and_unregister(void **state)
{
	struct fake *a = add(GOOD, 1);
	assert_int_equal(entropy_register(&a->src), -EINVAL);
	struct entropy_source none = { .name = "none" };
	assert_int_equal(entropy_register(&none), -EINVAL);
	assert_int_equal(entropy_register(NULL), -EINVAL);
	assert_int_equal(entropy_unregister(&none), -ENOENT);
	struct fake *b = add(GOOD, 2);
	assert_int_equal(entropy_source_count(), 2);
	assert_int_equal(entropy_unregister(&a->src), 0);
	assert_int_equal(entropy_source_count(), 1);
	uint8_t x[8];
	assert_int_equal(entropy_getrandom(x, sizeof(x)), sizeof(x));
	assert_int_equal(a->reads, 0);
	assert_int_equal(b->src.bytes, 8);
	assert_int_equal(entropy_unregister(&b->src), 0);
	assert_int_equal(entropy_getrandom(x, sizeof(x)), -ENODEV);
}

/* A source unregistered while another thread is in a call that reads it
 * goes only once that call has ended. */
static struct fake *slow;
static int unregister_thread(void *arg)
{
	HOST_CHECK(entropy_unregister(&slow->src) == 0);
	/* The call had finished with the source. */
	HOST_CHECK(slow->src.bytes == 64);
	return 0;
}

static void test_unregister_waits_for_a_call(void **state)
{
	slow = add(GOOD, 0);
	slow->delay_ns = 1000000;
	slow->max_read = 16;
	struct fake *good = add(GOOD, 5);
	struct thread *t;
	assert_int_equal(thread_create(&t, "unplug", unregister_thread, NULL, 0), 0);
	uint8_t b[64];
	/* The thread runs while the call waits for the slow source, and
	 * waits in turn. */
	assert_int_equal(entropy_getrandom(b, sizeof(b)), sizeof(b));
	assert_int_equal(good->src.bytes, 64);
	int status = -1;
	assert_int_equal(thread_join(t, &status), 0);
	assert_int_equal(status, 0);
	assert_int_equal(entropy_source_count(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_source_is_enodev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_source_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sources_and_cpu_are_xored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing_source_is_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_failing_is_eio_even_with_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_source_times_out_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_source_alone_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_bound_of_its_own, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_part_way_gives_a_short_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_and_unregister, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unregister_waits_for_a_call, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
