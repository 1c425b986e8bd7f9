/*
 * include/keel.h through kernel/keel_api.c, on the host's scheduler
 * (tests/host/sched_host.c): the public API's opaque types initialised
 * statically (zeros and the _INIT macros) behave as the kernel types they
 * stand for, each wrapper reaches its kernel call with its arguments, and
 * the counters are copied field by field; keel_getrandom and keel_port_*
 * reach the real device classes (kernel/entropy.c, kernel/chardev.c)
 * with a fake source and a fake device. The layouts themselves are
 * checked at compile time in keel_api.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "include/keel.h"
#include "kernel/chardev.h"
#include "kernel/entropy.h"
#include "kernel/exit.h"
#include "kernel/init.h"
#include "kernel/mm/mm.h"
#include "kernel/thread.h"
#include "tests/host/sched_host.h"

#define T0 UINT64_C(1000000000)

/* --- what keel_api.c needs beyond the scheduler -------------------------------- */

uint64_t tsc_hz(void) { return 2000000000; }
const char *tsc_source(void) { return "host"; }
uint64_t boot_time_us(void) { return 4321; }

static int exit_status = -1;
void kernel_exit(int status)
{
	exit_status = status;
	/* kernel_exit does not return: the test leaves through cmocka. */
	mock_assert(0, "kernel_exit", __FILE__, __LINE__);
	__builtin_unreachable();
}

void mm_stats(struct mm_stats *s)
{
	*s = (struct mm_stats){ .ram_bytes = 1, .free_bytes = 2, .ram_top = 3, .heap_bytes = 4, .heap_used = 5 };
}

void sched_stats(struct sched_stats *s)
{
	*s = (struct sched_stats){
		.switches = 10, .idle_halts = 20, .timer_interrupts = 30, .interrupts = 40, .spurious = 50
	};
}

/* No CPU generator: a source's bytes come out as they are. */
bool cpu_rdseed64(uint64_t *v) { return false; }
bool cpu_rdrand64(uint64_t *v) { return false; }

/* An entropy source of 0x5a bytes, or a silent one. */
static bool source_silent;
static long source_read(struct entropy_source *src, void *buf, size_t len, uint64_t deadline)
{
	if (source_silent) {
		sleep_ns(deadline - clock_ns());
		return -ETIMEDOUT;
	}
	memset(buf, 0x5a, len);
	return (long)len;
}

/* A character device that takes what is written and reads back "hi". */
static char written[16];
static long cd_read(struct chardev *cd, void *buf, size_t len, uint64_t deadline)
{
	memcpy(buf, "hi", len < 2 ? len : 2);
	return len < 2 ? (long)len : 2;
}
static long cd_write(struct chardev *cd, const void *buf, size_t len)
{
	memcpy(written, buf, len < sizeof(written) ? len : sizeof(written));
	return (long)len;
}
static unsigned cd_poll(struct chardev *cd) { return CHARDEV_READABLE | CHARDEV_WRITABLE; }
static const struct chardev_ops cd_ops = { .read = cd_read, .write = cd_write, .poll = cd_poll };

/* --- the tests ----------------------------------------------------------------- */

static int setup(void **state) { return host_reset(T0) ? 0 : -1; }
static int teardown(void **state) { return host_quiescent() ? 0 : -1; }

static keel_sem_t two = KEEL_SEM_INIT(2);
static keel_sem_t zeros;

static void semaphores_from_static_initialisers(void **state)
{
	assert_int_equal(keel_sem_trywait(&two), 0);
	assert_int_equal(keel_sem_trywait(&two), 0);
	assert_int_equal(keel_sem_trywait(&two), -EAGAIN);

	assert_int_equal(keel_sem_trywait(&zeros), -EAGAIN);
	keel_sem_post(&zeros);
	keel_sem_wait(&zeros);
	assert_int_equal(keel_sem_timedwait(&zeros, 250), -ETIMEDOUT);
	assert_int_equal(keel_clock_ns(), T0 + 250);
}

static keel_mutex_t m = KEEL_MUTEX_INIT;
static keel_cond_t c = KEEL_COND_INIT;

static void mutex_and_condition_from_static_initialisers(void **state)
{
	assert_int_equal(keel_mutex_unlock(&m), -EPERM);
	assert_int_equal(keel_mutex_lock(&m), 0);
	assert_int_equal(keel_mutex_lock(&m), -EDEADLK);
	assert_int_equal(keel_mutex_trylock(&m), -EBUSY);
	assert_int_equal(keel_cond_timedwait(&c, &m, 100), -ETIMEDOUT);
	assert_int_equal(keel_clock_ns(), T0 + 100);
	keel_cond_signal(&c);
	keel_cond_broadcast(&c);
	assert_int_equal(keel_mutex_unlock(&m), 0);
	assert_int_equal(keel_cond_wait(&c, &m), -EPERM); /* not held */
}

static void mailbox(void **state)
{
	keel_mbox_t mb;
	void *got;
	assert_int_equal(keel_mbox_init(&mb, 0), -EINVAL);
	assert_int_equal(keel_mbox_init(&mb, 2), 0);
	assert_int_equal(keel_mbox_trypost(&mb, &mb), 0);
	keel_mbox_post(&mb, &got);
	assert_int_equal(keel_mbox_trypost(&mb, NULL), -EAGAIN);
	assert_int_equal(keel_mbox_fetch(&mb, &got, 0), 0);
	assert_ptr_equal(got, &mb);
	assert_int_equal(keel_mbox_tryfetch(&mb, &got), 0);
	assert_ptr_equal(got, &got);
	assert_int_equal(keel_mbox_tryfetch(&mb, &got), -EAGAIN);
	assert_int_equal(keel_mbox_fetch(&mb, &got, 70), -ETIMEDOUT);
	assert_int_equal(keel_clock_ns(), T0 + 70);
	keel_mbox_destroy(&mb);
}

static int child(void *arg)
{
	keel_sleep_ns(1000);
	return strcmp(keel_thread_name(keel_thread_self()), arg) == 0 ? 42 : 1;
}

static void threads(void **state)
{
	assert_string_equal(keel_thread_name(keel_thread_self()), "boot");
	keel_thread_t *t;
	assert_int_equal(keel_thread_create(&t, "child", child, "child", 0), 0);
	keel_thread_yield();
	int status = 0;
	assert_int_equal(keel_thread_join(t, &status), 0);
	assert_int_equal(status, 42);
	assert_int_equal(keel_clock_ns(), T0 + 1000);
	assert_int_equal(keel_thread_join(keel_thread_self(), NULL), -EDEADLK);
	assert_int_equal(keel_thread_create(&t, "x", NULL, NULL, 0), -EINVAL);
}

static void reports(void **state)
{
	struct keel_meminfo mi;
	keel_meminfo(&mi);
	assert_int_equal(mi.ram_bytes, 1);
	assert_int_equal(mi.free_bytes, 2);
	assert_int_equal(mi.ram_top, 3);
	assert_int_equal(mi.heap_bytes, 4);
	assert_int_equal(mi.heap_used, 5);
	struct keel_sched_stats ss;
	keel_sched_stats(&ss);
	assert_int_equal(ss.switches, 10);
	assert_int_equal(ss.idle_halts, 20);
	assert_int_equal(ss.timer_interrupts, 30);
	assert_int_equal(ss.interrupts, 40);
	assert_int_equal(ss.spurious, 50);
	assert_int_equal(keel_tsc_hz(), 2000000000);
	assert_string_equal(keel_tsc_source(), "host");
	assert_int_equal(keel_boot_us(), 4321);
	expect_assert_failure(keel_exit(7));
	assert_int_equal(exit_status, 7);
}

static void random_bytes(void **state)
{
	uint8_t b[300];
	assert_int_equal(keel_getrandom(b, sizeof(b)), -ENODEV);
	struct entropy_source src = { .name = "fake", .read = source_read, .timeout_ns = 500 };
	assert_int_equal(entropy_register(&src), 0);
	assert_int_equal(keel_getrandom(b, sizeof(b)), sizeof(b));
	for (size_t k = 0; k < sizeof(b); k++)
		assert_int_equal(b[k], 0x5a);
	source_silent = true;
	assert_int_equal(keel_getrandom(b, 4), -ETIMEDOUT);
	assert_int_equal(keel_clock_ns(), T0 + 500);
	source_silent = false;
	assert_int_equal(entropy_unregister(&src), 0);
}

static void named_ports(void **state)
{
	keel_port_t *p = NULL;
	assert_int_equal(keel_port_open(&p, "port", 0), -ENOENT);
	assert_int_equal(keel_port_open(&p, NULL, 0), -EINVAL);
	struct chardev cd = { .ops = &cd_ops };
	strcpy(cd.reg.name, "port");
	assert_int_equal(chardev_register(&cd), 0);
	assert_int_equal(keel_port_open(&p, "port", 0), 0);
	assert_string_equal(keel_port_name(p), "port");
	assert_false(keel_port_host_connected(p));
	chardev_set_host_connected(&cd, true);
	assert_true(keel_port_host_connected(p));
	assert_int_equal(keel_port_write(p, "abc", 3), 3);
	assert_memory_equal(written, "abc", 3);
	char buf[4];
	assert_int_equal(keel_port_read(p, buf, sizeof(buf), 0), 2);
	assert_memory_equal(buf, "hi", 2);
	keel_port_t *q;
	assert_int_equal(keel_port_open(&q, "port", 0), -EBUSY);
	assert_int_equal(keel_port_close(p), 0);
	assert_int_equal(keel_port_close(p), -EINVAL);
	assert_int_equal(keel_port_read(p, buf, 1, 0), -EBADF);
	assert_int_equal(chardev_unregister(&cd), 0);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(semaphores_from_static_initialisers),
		TEST(mutex_and_condition_from_static_initialisers),
		TEST(mailbox),
		TEST(threads),
		TEST(reports),
		TEST(random_bytes),
		TEST(named_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
