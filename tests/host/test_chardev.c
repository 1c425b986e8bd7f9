/*
 * Character devices (kernel/chardev.c) and the application's named ports
 * over them, against a fake driver: a byte queue filled by timers (as
 * an interrupt handler would), on the host scheduler
 * (tests/host/sched_host.c), whose clock moves only while threads wait,
 * so every timeout is checked to the nanosecond.
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

#include "kernel/sync.h"
#include "kernel/thread.h"
#include "kernel/chardev.h"
#include "tests/host/sched_host.h"

#define T0 UINT64_C(1000000000)
#define MS UINT64_C(1000000)

/* --- the fake driver ---------------------------------------------------------------------- */

struct fake {
	struct chardev cd;
	uint8_t in[256];
	size_t in_len;
	char out[256];
	size_t out_len;
	bool broken;
	struct sem arrived;
	unsigned long opens, closes;
	struct timer timer;
	const char *to_deliver;
};

static long fake_read(struct chardev *cd, void *buf, size_t len, uint64_t deadline)
{
	struct fake *f = cd->driver;
	while (f->in_len == 0) {
		if (f->broken)
			return -EIO;
		uint64_t now = host_clock();
		if (deadline <= now || sem_timedwait(&f->arrived, deadline - now) == -ETIMEDOUT)
			if (f->in_len == 0)
				return -ETIMEDOUT;
	}
	size_t n = len < f->in_len ? len : f->in_len;
	memcpy(buf, f->in, n);
	memmove(f->in, f->in + n, f->in_len - n);
	f->in_len -= n;
	return (long)n;
}

static long fake_write(struct chardev *cd, const void *buf, size_t len)
{
	struct fake *f = cd->driver;
	if (f->broken)
		return -EIO;
	HOST_CHECK(f->out_len + len < sizeof(f->out));
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
	return (long)len;
}

static unsigned fake_poll(struct chardev *cd)
{
	struct fake *f = cd->driver;
	HOST_CHECK(!host_irq_enabled());
	if (f->broken)
		return CHARDEV_ERROR;
	return (f->in_len ? CHARDEV_READABLE : 0) | CHARDEV_WRITABLE;
}

static int fake_open(struct chardev *cd)
{
	((struct fake *)cd->driver)->opens++;
	return 0;
}

static int fake_close(struct chardev *cd)
{
	((struct fake *)cd->driver)->closes++;
	return 0;
}

static const struct chardev_ops fake_ops = { fake_read, fake_write, fake_poll, fake_open, fake_close };

/* From a timer: interrupt context, as the device's would be. */
static void deliver(struct timer *t, void *ctx)
{
	struct fake *f = ctx;
	HOST_CHECK(host_in_interrupt());
	size_t n = strlen(f->to_deliver);
	memcpy(f->in + f->in_len, f->to_deliver, n);
	f->in_len += n;
	sem_post(&f->arrived);
	chardev_notify(&f->cd);
}

static void deliver_at(struct fake *f, uint64_t when, const char *what)
{
	f->to_deliver = what;
	arch_timer_arm(&f->timer, when, deliver, f);
}

static struct fake fakes[2];

static struct fake *make(unsigned i, const char *name)
{
	struct fake *f = &fakes[i];
	memset(f, 0, sizeof(*f));
	snprintf(f->cd.reg.name, sizeof(f->cd.reg.name), "%s", name);
	f->cd.ops = &fake_ops;
	f->cd.driver = f;
	sem_init(&f->arrived, 0);
	return f;
}

static struct fake *add(unsigned i, const char *name)
{
	struct fake *f = make(i, name);
	assert_int_equal(chardev_register(&f->cd), 0);
	return f;
}

static int setup(void **state) { return host_reset(T0) ? 0 : -1; }

static int teardown(void **state)
{
	for (unsigned i = 0; i < 2; i++)
		if (fakes[i].cd.reg.registered)
			chardev_unregister(&fakes[i].cd);
	if (chardev_find_wait("port", 0) || !host_quiescent()) {
		print_error("the test left devices, threads or timers behind\n");
		return -1;
	}
	return 0;
}

/* --- tests ----------------------------------------------------------------------------------- */

static void test_register_checks(void **state)
{
	struct fake *f = make(0, "port");
	static const struct chardev_ops no_poll = { fake_read, fake_write, NULL, NULL, NULL };
	f->cd.ops = &no_poll;
	assert_int_equal(chardev_register(&f->cd), -EINVAL);
	f = add(0, "port");
	struct fake *g = make(1, "port");
	assert_int_equal(chardev_register(&g->cd), -EEXIST);
	assert_ptr_equal(chardev_find_wait("port", 0), &f->cd);
	assert_null(chardev_find_wait("other", 0));
	assert_int_equal(host_clock(), T0);
}

static int register_later(void *arg)
{
	sleep_ns(5 * MS);
	/* Another name first: the waiter looks again and waits on. */
	HOST_CHECK(chardev_register(&fakes[1].cd) == 0);
	sleep_ns(2 * MS);
	HOST_CHECK(chardev_register(&fakes[0].cd) == 0);
	return 0;
}

/* A port announced after the application asked for it. */
static void test_open_waits_for_the_name(void **state)
{
	struct chardev *p = NULL;
	assert_int_equal(chardev_open_name(&p, "port", 10 * MS), -ENOENT);
	assert_int_equal(host_clock(), T0 + 10 * MS);
	assert_int_equal(chardev_open_name(&p, "", 10 * MS), -EINVAL);
	assert_int_equal(chardev_open_name(&p, NULL, 10 * MS), -EINVAL);

	make(0, "port");
	make(1, "else");
	struct thread *t;
	assert_int_equal(thread_create(&t, "announce", register_later, NULL, 0), 0);
	uint64_t start = host_clock();
	assert_int_equal(chardev_open_name(&p, "port", 100 * MS), 0);
	assert_int_equal(host_clock(), start + 7 * MS);
	assert_string_equal(p->reg.name, "port");
	assert_int_equal(thread_join(t, NULL), 0);
	assert_int_equal(chardev_close(p), 0);
}

static void test_open_is_exclusive(void **state)
{
	struct fake *f = add(0, "port");
	struct chardev *p, *q;
	assert_int_equal(chardev_open_name(&p, "port", 0), 0);
	assert_int_equal(chardev_open_name(&q, "port", 0), -EBUSY);
	assert_int_equal(f->opens, 1);
	assert_int_equal(chardev_close(p), 0);
	assert_int_equal(chardev_close(p), -EINVAL);
	assert_int_equal(f->closes, 1);
	char c;
	assert_int_equal(chardev_read(p, &c, 1, 0), -EBADF);
	assert_int_equal(chardev_write(p, "x", 1), -EBADF);
	assert_int_equal(chardev_open_name(&q, "port", 0), 0);
	assert_int_equal(chardev_close(q), 0);
	/* A port the kernel uses (the console) is not the application's. */
	f->cd.kernel_owned = true;
	assert_int_equal(chardev_open_name(&q, "port", 0), -EBUSY);
	assert_int_equal(f->opens, 2);
}

static void test_read_and_write(void **state)
{
	struct fake *f = add(0, "port");
	struct chardev *p;
	assert_int_equal(chardev_open_name(&p, "port", 0), 0);
	char buf[16];
	assert_int_equal(chardev_read(p, buf, sizeof(buf), 4 * MS), -ETIMEDOUT);
	assert_int_equal(host_clock(), T0 + 4 * MS);
	deliver_at(f, T0 + 6 * MS, "hello");
	memset(buf, 0, sizeof(buf));
	assert_int_equal(chardev_read(p, buf, 3, UINT64_MAX), 3);
	assert_int_equal(host_clock(), T0 + 6 * MS);
	assert_int_equal(chardev_read(p, buf + 3, sizeof(buf), 0), 2);
	assert_string_equal(buf, "hello");
	assert_int_equal(chardev_read(p, buf, 0, 0), 0);
	assert_int_equal(chardev_write(p, "abc", 3), 3);
	assert_int_equal(chardev_write(p, "de", 2), 2);
	assert_memory_equal(f->out, "abcde", 5);
	assert_false(p->host_connected);
	chardev_set_host_connected(&f->cd, true);
	assert_true(p->host_connected);
	f->broken = true;
	assert_int_equal(chardev_read(p, buf, 1, 0), -EIO);
	assert_int_equal(chardev_write(p, "x", 1), -EIO);
	assert_int_equal(chardev_close(p), 0);
}

static void test_poll_and_wait(void **state)
{
	struct fake *f = add(0, "port");
	assert_int_equal(chardev_open(&f->cd), 0);
	assert_int_equal(chardev_poll(&f->cd), CHARDEV_WRITABLE | CHARDEV_HANGUP);
	chardev_set_host_connected(&f->cd, true);
	assert_int_equal(chardev_poll(&f->cd), CHARDEV_WRITABLE);
	/* Nothing to read: the whole timeout, then 0. */
	assert_int_equal(chardev_wait(&f->cd, CHARDEV_READABLE, 5 * MS), 0);
	assert_int_equal(host_clock(), T0 + 5 * MS);
	/* Woken by the driver's notification from interrupt context. */
	deliver_at(f, T0 + 8 * MS, "x");
	assert_int_equal(chardev_wait(&f->cd, CHARDEV_READABLE, 100 * MS), CHARDEV_READABLE | CHARDEV_WRITABLE);
	assert_int_equal(host_clock(), T0 + 8 * MS);
	/* Ready already: no wait at all. */
	assert_int_equal(chardev_wait(&f->cd, CHARDEV_READABLE, 100 * MS), CHARDEV_READABLE | CHARDEV_WRITABLE);
	assert_int_equal(host_clock(), T0 + 8 * MS);
	char c;
	assert_int_equal(chardev_read(&f->cd, &c, 1, 0), 1);
	assert_int_equal(chardev_poll(&f->cd), CHARDEV_WRITABLE);
	assert_int_equal(chardev_close(&f->cd), 0);
}

/* Unplugged while open and waited on: the waiter hears of it at once,
 * and reads fail instead of waiting. */
static int unplug(void *arg)
{
	sleep_ns(3 * MS);
	HOST_CHECK(chardev_unregister(&fakes[0].cd) == 0);
	return 0;
}

static void test_unplug_wakes_waiters(void **state)
{
	struct fake *f = add(0, "port");
	chardev_set_host_connected(&f->cd, true);
	assert_int_equal(chardev_open(&f->cd), 0);
	struct thread *t;
	assert_int_equal(thread_create(&t, "unplug", unplug, NULL, 0), 0);
	assert_int_equal(chardev_wait(&f->cd, CHARDEV_READABLE, 100 * MS), CHARDEV_ERROR);
	assert_int_equal(host_clock(), T0 + 3 * MS);
	assert_int_equal(thread_join(t, NULL), 0);
	char c;
	assert_int_equal(chardev_read(&f->cd, &c, 1, 100 * MS), -EIO);
	assert_int_equal(chardev_write(&f->cd, "x", 1), -EIO);
	assert_null(chardev_find_wait("port", 0));
	assert_int_equal(chardev_close(&f->cd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_waits_for_the_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_is_exclusive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_and_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_and_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unplug_wakes_waiters, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
