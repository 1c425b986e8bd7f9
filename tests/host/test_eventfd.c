/*
 * eventfd objects (sys/eventfd.c) over the descriptor table's watches
 * (sys/fd.c) and epoll (sys/epoll.c), on the host scheduler of
 * tests/host/sched_host.c: a blocked reader or writer is a thread, and
 * time moves only while every thread waits.
 *
 * Linux's fs/eventfd.c and eventfd(2) are the reference: a write adds its
 * 8-byte value (UINT64_MAX is EINVAL), waiting while the sum would pass
 * 2^64 - 2; a read takes the whole count (1 with EFD_SEMAPHORE), waiting
 * while it is 0; both want at least 8 bytes; a non-blocking file answers
 * EAGAIN instead of waiting, a signal ERESTARTSYS; readable while the
 * count is above 0, writable while 1 more fits. Every file is put, so the
 * sanitizer's leak check covers the objects.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/clock.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "sys/epoll.h"
#include "sys/eventfd.h"
#include "sys/sigframe.h"
#include "tests/host/sched_host.h"

#define T0 UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define O_NONBLOCK 04000

/* The application's memory as the files see it after a wait (sys/uaccess.c
 * in the kernel): every buffer is the application's but the one a test
 * takes away meanwhile, as another thread's munmap or mprotect would. */
static const void *taken_away;

bool user_writable_ok(const void *p, size_t len) { return len == 0 || p != taken_away; }

/* The eventfd under test (put at teardown) and an epoll set some tests
 * watch it with. */
static struct file *efd, *ep;

static int setup(void **state)
{
	if (!host_reset(T0))
		return -1;
	efd = NULL;
	ep = NULL;
	taken_away = NULL;
	return 0;
}

static int teardown(void **state)
{
	if (ep)
		file_put(ep);
	if (efd)
		file_put(efd);
	ep = efd = NULL;
	taken_away = NULL;
	return host_quiescent() ? 0 : -1;
}

static struct file *make(uint64_t initval, bool semaphore)
{
	struct file *f = NULL;
	assert_int_equal(eventfd_create(initval, semaphore, &f), 0);
	assert_non_null(f);
	efd = f;
	return f;
}

static void nonblocking(struct file *f) { f->flags |= O_NONBLOCK; }

static long put_val(struct file *f, uint64_t v) { return f->ops->write(f, &v, sizeof(v)); }

/* A read of 8 bytes into *v (left alone on an error). */
static long get_val(struct file *f, uint64_t *v) { return f->ops->read(f, v, sizeof(*v)); }

/* The value a non-blocking read takes, or fails the test. */
static uint64_t take(struct file *f)
{
	uint64_t v = 0;
	assert_int_equal(get_val(f, &v), sizeof(v));
	return v;
}

static bool readable(struct file *f) { return (file_poll(f) & FD_POLLIN) != 0; }
static bool writable(struct file *f) { return (file_poll(f) & FD_POLLOUT) != 0; }

/* --- counter and semaphore ------------------------------------------------------------ */

static void counter_writes_add_and_a_read_takes_the_sum(void **state)
{
	struct file *f = make(0, false);
	nonblocking(f);
	assert_int_equal(put_val(f, 3), 8);
	assert_int_equal(put_val(f, 4), 8);
	assert_int_equal(put_val(f, 1000000), 8);
	/* A larger buffer still gets 8 bytes, the rest untouched. */
	unsigned char buf[16];
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(f->ops->read(f, buf, sizeof(buf)), 8);
	uint64_t v;
	memcpy(&v, buf, sizeof(v));
	assert_int_equal(v, 1000007);
	for (size_t i = 8; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xa5);
	/* Reset to 0: the next read would wait. */
	v = 77;
	assert_int_equal(get_val(f, &v), -EAGAIN);
	assert_int_equal(v, 77);
	assert_false(readable(f));
	/* A longer write adds its first 8 bytes. */
	uint64_t two[2] = { 5, 9 };
	assert_int_equal(f->ops->write(f, two, sizeof(two)), 8);
	assert_int_equal(take(f), 5);
}

static void the_initial_value_is_readable(void **state)
{
	struct file *f = make(42, false);
	nonblocking(f);
	assert_true(readable(f));
	assert_int_equal(take(f), 42);
	assert_int_equal(get_val(f, &(uint64_t){ 0 }), -EAGAIN);
	/* A large initial value too (eventfd(2) gives 32 bits; the object
	 * takes any). */
	file_put(f);
	f = make(EVENTFD_MAX, false);
	nonblocking(f);
	assert_int_equal(take(f), EVENTFD_MAX);
}

static void semaphore_reads_take_one_each(void **state)
{
	struct file *f = make(3, true);
	nonblocking(f);
	for (int i = 0; i < 3; i++) {
		assert_true(readable(f));
		assert_int_equal(take(f), 1);
	}
	assert_false(readable(f));
	assert_int_equal(get_val(f, &(uint64_t){ 0 }), -EAGAIN);
	assert_int_equal(put_val(f, 2), 8);
	assert_int_equal(take(f), 1);
	assert_int_equal(take(f), 1);
	assert_int_equal(get_val(f, &(uint64_t){ 0 }), -EAGAIN);
}

/* --- invalid arguments and writes of 0 ------------------------------------------------ */

static void reads_and_writes_under_8_bytes_are_einval(void **state)
{
	struct file *f = make(5, false);
	nonblocking(f);
	uint64_t v = 1;
	for (size_t len = 0; len < sizeof(v); len++) {
		assert_int_equal(f->ops->read(f, &v, len), -EINVAL);
		assert_int_equal(f->ops->write(f, &v, len), -EINVAL);
	}
	assert_int_equal(take(f), 5); /* nothing taken, nothing added */
	/* Even an empty eventfd answers EINVAL, not EAGAIN, to a short read. */
	assert_int_equal(f->ops->read(f, &v, 4), -EINVAL);
}

static void writing_uint64_max_is_einval(void **state)
{
	struct file *f = make(0, false);
	nonblocking(f);
	assert_int_equal(put_val(f, UINT64_MAX), -EINVAL);
	assert_false(readable(f));
	/* Also when the counter is not empty, and without waiting. */
	assert_int_equal(put_val(f, 1), 8);
	f->flags &= ~O_NONBLOCK;
	assert_int_equal(put_val(f, UINT64_MAX), -EINVAL);
	nonblocking(f);
	assert_int_equal(take(f), 1);
	/* The largest value that is not UINT64_MAX fits in an empty counter. */
	assert_int_equal(put_val(f, EVENTFD_MAX), 8);
	assert_int_equal(take(f), EVENTFD_MAX);
}

static unsigned notified;
static void count_notify(struct file_watch *w, unsigned events) { notified++; }

static uint64_t got;

static int read_blocking(void *arg)
{
	uint64_t v = 0;
	long n = get_val(efd, &v);
	got = v;
	return (int)n;
}

/* What the checks look at is noted while the reader waits and checked
 * once it is gone, so a failure leaves no thread behind. */
/* A write of 0 tells the watchers to look again, as Linux's wakes its
 * queue, but nothing is ready: the reader sleeps on. */
static void a_write_of_zero_leaves_a_reader_waiting(void **state)
{
	struct file *f = make(0, false);
	struct file_watch w = { .notify = count_notify };
	notified = 0;
	file_watch_add(f, &w);
	struct thread *r;
	got = 0;
	assert_int_equal(thread_create(&r, "reader", read_blocking, NULL, 0), 0);
	thread_yield();
	bool blocked_before = r->state == THREAD_BLOCKED;

	long zero = put_val(f, 0);
	thread_yield();
	bool blocked_after = r->state == THREAD_BLOCKED; /* still waiting */
	unsigned heard = notified;
	unsigned ev = file_poll(f);

	/* A real write lets it go. */
	assert_int_equal(put_val(f, 6), 8);
	int status = 0;
	assert_int_equal(thread_join(r, &status), 0);
	file_watch_remove(&w);
	assert_true(blocked_before);
	assert_int_equal(zero, 8);
	assert_true(blocked_after);
	assert_int_equal(heard, 1);
	assert_false(ev & FD_POLLIN);
	assert_true(ev & FD_POLLOUT);
	assert_int_equal(status, 8);
	assert_int_equal(got, 6);
	assert_false(readable(f));
}

/* --- overflow and blocking ------------------------------------------------------------ */

static void a_write_past_the_maximum_would_block(void **state)
{
	struct file *f = make(EVENTFD_MAX - 1, false);
	nonblocking(f);
	assert_true(writable(f));
	assert_int_equal(put_val(f, 2), -EAGAIN);
	assert_int_equal(put_val(f, EVENTFD_MAX), -EAGAIN);
	/* Exactly to the maximum fits; then not even 1 more. */
	assert_int_equal(put_val(f, 1), 8);
	assert_false(writable(f));
	assert_true(readable(f));
	assert_int_equal(put_val(f, 1), -EAGAIN);
	/* 0 always fits. */
	assert_int_equal(put_val(f, 0), 8);
	assert_int_equal(take(f), EVENTFD_MAX);
	assert_true(writable(f));
}

static int write_two_blocking(void *arg) { return (int)put_val(efd, 2); }

static void a_blocked_writer_is_woken_by_a_read(void **state)
{
	struct file *f = make(EVENTFD_MAX - 1, false);
	struct thread *t;
	assert_int_equal(thread_create(&t, "writer", write_two_blocking, NULL, 0), 0);
	thread_yield();
	bool blocked = t->state == THREAD_BLOCKED;
	nonblocking(f); /* for the test's reads; the writer already waits */
	uint64_t v = 0;
	long n = get_val(f, &v);
	int status = 0;
	assert_int_equal(thread_join(t, &status), 0);
	assert_true(blocked);
	assert_int_equal(n, 8);
	assert_int_equal(v, EVENTFD_MAX - 1);
	assert_int_equal(status, 8);
	assert_int_equal(take(f), 2);
}

static int write_after_10ms(void *arg)
{
	sleep_ns(10 * MS);
	HOST_CHECK(put_val(efd, 5) == 8);
	return 0;
}

static void a_blocked_reader_is_woken_by_a_write(void **state)
{
	make(0, false);
	struct thread *r, *w;
	got = 0;
	assert_int_equal(thread_create(&r, "reader", read_blocking, NULL, 0), 0);
	assert_int_equal(thread_create(&w, "writer", write_after_10ms, NULL, 0), 0);
	int status = 0;
	assert_int_equal(thread_join(r, &status), 0);
	uint64_t woke = clock_ns();
	assert_int_equal(thread_join(w, NULL), 0);
	assert_int_equal(status, 8);
	assert_int_equal(got, 5);
	assert_int_equal(woke, T0 + 10 * MS);
	assert_false(readable(efd));
}

static uint64_t vanishing;

static int read_into_vanishing(void *arg) { return (int)get_val(efd, &vanishing); }

static int take_away_then_write(void *arg)
{
	sleep_ns(10 * MS);
	taken_away = &vanishing;
	HOST_CHECK(put_val(efd, 3) == 8);
	return 0;
}

/* A buffer checked before the wait and gone after it: EFAULT, and the
 * count is taken all the same, as Linux copies after it takes. */
static void a_reader_whose_buffer_goes_gets_efault(void **state)
{
	struct file *f = make(0, false);
	struct thread *r, *w;
	vanishing = 99;
	assert_int_equal(thread_create(&r, "reader", read_into_vanishing, NULL, 0), 0);
	assert_int_equal(thread_create(&w, "writer", take_away_then_write, NULL, 0), 0);
	int status = 0;
	assert_int_equal(thread_join(r, &status), 0);
	assert_int_equal(thread_join(w, NULL), 0);
	assert_int_equal(status, -EFAULT);
	assert_int_equal(vanishing, 99);
	assert_false(readable(f));
}

/* --- readiness ------------------------------------------------------------------------ */

static void poll_is_readable_above_zero_and_writable_below_the_maximum(void **state)
{
	struct file *f = make(0, false);
	nonblocking(f);
	unsigned ev = file_poll(f);
	assert_int_equal(ev & (FD_POLLIN | FD_POLLOUT | FD_POLLERR | FD_POLLHUP), FD_POLLOUT);
	assert_int_equal(put_val(f, 1), 8);
	ev = file_poll(f);
	assert_int_equal(ev & (FD_POLLIN | FD_POLLOUT | FD_POLLERR | FD_POLLHUP), FD_POLLIN | FD_POLLOUT);
	assert_int_equal(put_val(f, EVENTFD_MAX - 2), 8); /* EVENTFD_MAX - 1 */
	ev = file_poll(f);
	assert_int_equal(ev & (FD_POLLIN | FD_POLLOUT | FD_POLLERR | FD_POLLHUP), FD_POLLIN | FD_POLLOUT);
	assert_int_equal(put_val(f, 1), 8); /* EVENTFD_MAX */
	ev = file_poll(f);
	assert_int_equal(ev & (FD_POLLIN | FD_POLLOUT | FD_POLLERR | FD_POLLHUP), FD_POLLIN);
	assert_int_equal(take(f), EVENTFD_MAX);
	ev = file_poll(f);
	assert_int_equal(ev & (FD_POLLIN | FD_POLLOUT | FD_POLLERR | FD_POLLHUP), FD_POLLOUT);
}

static void a_watcher_is_notified_on_write_and_on_read(void **state)
{
	struct file *f = make(0, false);
	nonblocking(f);
	struct file_watch w = { .notify = count_notify };
	notified = 0;
	file_watch_add(f, &w);
	assert_int_equal(put_val(f, 1), 8);
	assert_true(notified > 0);
	unsigned before = notified;
	assert_int_equal(take(f), 1);
	assert_true(notified > before);
	/* A failed read or write says nothing. */
	before = notified;
	assert_int_equal(get_val(f, &(uint64_t){ 0 }), -EAGAIN);
	assert_int_equal(put_val(f, UINT64_MAX), -EINVAL);
	assert_int_equal(notified, before);
	file_watch_remove(&w);
	assert_int_equal(put_val(f, 1), 8);
	assert_int_equal(notified, before);
}

static int ctl(int op, int fd, struct file *f, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data = data };
	return epoll_ctl(ep, op, fd, f, &ev);
}

static void epoll_edge_triggered_reports_once_per_write(void **state)
{
	struct file *f = make(0, false);
	nonblocking(f);
	ep = epoll_create();
	assert_non_null(ep);
	struct epoll_event out[4];
	assert_int_equal(ctl(EPOLL_CTL_ADD, 3, f, EPOLLIN | EPOLLET, 33), 0);
	assert_int_equal(epoll_collect(ep, out, 4), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(put_val(f, 1), 8);
		assert_int_equal(epoll_collect(ep, out, 4), 1);
		assert_int_equal(out[0].events, EPOLLIN);
		assert_int_equal(out[0].data, 33);
		assert_int_equal(epoll_collect(ep, out, 4), 0); /* still readable, no new event */
	}
	/* Emptied: the read's notification finds nothing to report. */
	assert_int_equal(take(f), 3);
	assert_int_equal(epoll_collect(ep, out, 4), 0);
	/* A wait wakes for the next write. */
	assert_int_equal(put_val(f, 7), 8);
	assert_int_equal(epoll_wait_until(ep, out, 4, DEADLINE_NEVER), 1);
	assert_int_equal(out[0].data, 33);
	assert_int_equal(epoll_collect(ep, out, 4), 0);
	/* The eventfd's last reference takes its item away (ASan watches). */
	file_put(f);
	efd = NULL;
	assert_int_equal(epoll_collect(ep, out, 4), 0);
}

/* --- signals -------------------------------------------------------------------------- */

/* A signal for t as sys/signals.c sends one: work on its way back, and
 * its interruptible wait ended. */
static void signal_thread(struct thread *t)
{
	bool irq = sched_lock();
	t->sig_work = 1;
	sched_interrupt(t);
	sched_unlock(irq);
}

static void a_signal_ends_a_blocked_read_with_erestartsys(void **state)
{
	struct file *f = make(0, false);
	struct thread *r;
	assert_int_equal(thread_create(&r, "reader", read_blocking, NULL, 0), 0);
	thread_yield();
	bool blocked = r->state == THREAD_BLOCKED;
	signal_thread(r);
	int status = 0;
	assert_int_equal(thread_join(r, &status), 0);
	assert_true(blocked);
	assert_int_equal(status, -ERESTARTSYS);
	assert_int_equal(clock_ns(), T0);
	/* Nothing taken; the next write is there for the next read. */
	nonblocking(f);
	assert_int_equal(put_val(f, 4), 8);
	assert_int_equal(take(f), 4);
}

static void a_signal_ends_a_blocked_write_with_erestartsys(void **state)
{
	struct file *f = make(EVENTFD_MAX, false);
	struct thread *t;
	assert_int_equal(thread_create(&t, "writer", write_two_blocking, NULL, 0), 0);
	thread_yield();
	bool blocked = t->state == THREAD_BLOCKED;
	signal_thread(t);
	int status = 0;
	assert_int_equal(thread_join(t, &status), 0);
	assert_true(blocked);
	assert_int_equal(status, -ERESTARTSYS);
	/* Nothing added. */
	nonblocking(f);
	assert_int_equal(take(f), EVENTFD_MAX);
	assert_int_equal(get_val(f, &(uint64_t){ 0 }), -EAGAIN);
}

#define EFD_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		EFD_TEST(counter_writes_add_and_a_read_takes_the_sum),
		EFD_TEST(the_initial_value_is_readable),
		EFD_TEST(semaphore_reads_take_one_each),
		EFD_TEST(reads_and_writes_under_8_bytes_are_einval),
		EFD_TEST(writing_uint64_max_is_einval),
		EFD_TEST(a_write_of_zero_leaves_a_reader_waiting),
		EFD_TEST(a_write_past_the_maximum_would_block),
		EFD_TEST(a_blocked_writer_is_woken_by_a_read),
		EFD_TEST(a_blocked_reader_is_woken_by_a_write),
		EFD_TEST(a_reader_whose_buffer_goes_gets_efault),
		EFD_TEST(poll_is_readable_above_zero_and_writable_below_the_maximum),
		EFD_TEST(a_watcher_is_notified_on_write_and_on_read),
		EFD_TEST(epoll_edge_triggered_reports_once_per_write),
		EFD_TEST(a_signal_ends_a_blocked_read_with_erestartsys),
		EFD_TEST(a_signal_ends_a_blocked_write_with_erestartsys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
