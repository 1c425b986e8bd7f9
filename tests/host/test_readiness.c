/*
 * Pipes (sys/pipe.c) and epoll (sys/epoll.c) over the descriptor table's
 * watches (sys/fd.c), the very files the kernel runs, on the host
 * scheduler of tests/host/sched_host.c: a blocked reader or waiter is a
 * thread, and time moves only while every thread waits.
 *
 * Epoll's rules, as Linux has them: level-triggered items report while
 * ready, edge-triggered ones once per change, one-shot ones once until
 * EPOLL_CTL_MOD re-arms them; a deleted item never reports; an item goes
 * with its file's last reference, not with a close() while a dup lives.
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
#include "kernel/thread.h"
#include "sys/epoll.h"
#include "sys/pipe.h"
#include "tests/host/sched_host.h"

#define T0 UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define O_NONBLOCK 04000

static struct file *rd, *wr;
static unsigned broken;

static void count_broken(void) { broken++; }

/* The application's memory as the files see it after a wait (sys/uaccess.c
 * in the kernel): every buffer is the application's but the one a test
 * takes away meanwhile, as another thread's munmap or mprotect would. */
static const void *taken_away;

bool user_writable_ok(const void *p, size_t len) { return len == 0 || p != taken_away; }

static int setup(void **state)
{
	if (!host_reset(T0))
		return -1;
	struct file *ends[2];
	if (pipe_create(ends) != 0)
		return -1;
	rd = ends[0];
	wr = ends[1];
	broken = 0;
	pipe_broken_hook = count_broken;
	return 0;
}

static int teardown(void **state)
{
	if (rd)
		file_put(rd);
	if (wr)
		file_put(wr);
	return host_quiescent() ? 0 : -1;
}

static void nonblocking(struct file *f) { f->flags |= O_NONBLOCK; }

static long put_str(struct file *f, const char *s) { return f->ops->write(f, s, strlen(s)); }

/* --- pipes ------------------------------------------------------------------------------ */

static void pipe_moves_bytes_in_order_and_wraps(void **state)
{
	nonblocking(rd);
	nonblocking(wr);
	char buf[64];
	assert_int_equal(rd->ops->read(rd, buf, sizeof(buf)), -EAGAIN);
	/* Many rounds through a small ring: the data wraps around its end. */
	assert_int_equal(wr->ops->fcntl(wr, F_SETPIPE_SZ, 1), 4096);
	assert_int_equal(rd->ops->fcntl(rd, F_GETPIPE_SZ, 0), 4096);
	for (int round = 0; round < 200; round++) {
		char out[37], in[37];
		for (size_t i = 0; i < sizeof(out); i++)
			out[i] = (char)(round * 7 + i);
		assert_int_equal(wr->ops->write(wr, out, sizeof(out)), sizeof(out));
		assert_int_equal(rd->ops->read(rd, in, 20), 20);
		assert_int_equal(rd->ops->read(rd, in + 20, 40), 17);
		assert_memory_equal(in, out, sizeof(out));
	}
}

static void pipe_fills_atomically_and_reports_readiness(void **state)
{
	nonblocking(wr);
	static char big[PIPE_DEFAULT_SIZE + 100];
	assert_int_equal(file_poll(rd), 0);
	assert_int_equal(file_poll(wr), FD_POLLOUT | FD_POLLWRNORM);
	assert_int_equal(wr->ops->write(wr, big, PIPE_DEFAULT_SIZE - 100), PIPE_DEFAULT_SIZE - 100);
	assert_int_equal(file_poll(rd), FD_POLLIN | FD_POLLRDNORM);
	/* Less than PIPE_BUF of room: not writable, and a small write that
	 * does not fit whole does not go in part. */
	assert_int_equal(file_poll(wr), 0);
	assert_int_equal(wr->ops->write(wr, big, 200), -EAGAIN);
	/* A large write goes in part. */
	assert_int_equal(wr->ops->write(wr, big, 5000), 100);
	assert_int_equal(wr->ops->write(wr, big, 5000), -EAGAIN);
	/* A smaller size than the data is refused. */
	assert_int_equal(wr->ops->fcntl(wr, F_SETPIPE_SZ, 4096), -EBUSY);
	assert_int_equal(wr->ops->fcntl(wr, F_SETPIPE_SZ, PIPE_MAX_SIZE + 1), -EPERM);
}

static void pipe_eof_and_epipe(void **state)
{
	nonblocking(rd);
	char buf[8];
	assert_int_equal(put_str(wr, "last"), 4);
	file_put(wr);
	wr = NULL;
	assert_int_equal(file_poll(rd), FD_POLLIN | FD_POLLRDNORM | FD_POLLHUP);
	assert_int_equal(rd->ops->read(rd, buf, sizeof(buf)), 4);
	assert_int_equal(rd->ops->read(rd, buf, sizeof(buf)), 0);

	struct file *ends[2];
	assert_int_equal(pipe_create(ends), 0);
	file_put(ends[0]);
	assert_int_equal(file_poll(ends[1]), FD_POLLERR);
	assert_int_equal(put_str(ends[1], "x"), -EPIPE);
	assert_int_equal(broken, 1);
	file_put(ends[1]);
}

static int read_blocking(void *arg)
{
	char buf[16] = { 0 };
	long n = rd->ops->read(rd, buf, sizeof(buf));
	HOST_CHECK(n == 5 && memcmp(buf, "hello", 5) == 0);
	HOST_CHECK(clock_ns() == T0 + 10 * MS);
	/* Then end of file when the writer goes. */
	return (int)rd->ops->read(rd, buf, sizeof(buf));
}

static int write_later(void *arg)
{
	sleep_ns(10 * MS);
	HOST_CHECK(put_str(wr, "hello") == 5);
	sleep_ns(10 * MS);
	file_put(wr);
	wr = NULL;
	return 0;
}

static void pipe_blocks_a_reader_until_data_and_eof(void **state)
{
	struct thread *r, *w;
	assert_int_equal(thread_create(&r, "reader", read_blocking, NULL, 0), 0);
	assert_int_equal(thread_create(&w, "writer", write_later, NULL, 0), 0);
	int status = -1;
	assert_int_equal(thread_join(r, &status), 0);
	assert_int_equal(status, 0);
	assert_int_equal(thread_join(w, NULL), 0);
}

static char vanishing[16];

static int read_into_vanishing(void *arg) { return (int)rd->ops->read(rd, vanishing, sizeof(vanishing)); }

static int take_away_then_write(void *arg)
{
	sleep_ns(10 * MS);
	taken_away = arg;
	HOST_CHECK(put_str(wr, "hello") == 5);
	return 0;
}

/* A buffer checked before the wait and gone after it: EFAULT, and the
 * data stays in the pipe for the next reader. */
static void pipe_reader_whose_buffer_goes_gets_efault(void **state)
{
	struct thread *r, *w;
	taken_away = NULL;
	assert_int_equal(thread_create(&r, "reader", read_into_vanishing, NULL, 0), 0);
	assert_int_equal(thread_create(&w, "writer", take_away_then_write, vanishing, 0), 0);
	int status = 0;
	assert_int_equal(thread_join(r, &status), 0);
	assert_int_equal(status, -EFAULT);
	assert_int_equal(thread_join(w, NULL), 0);
	taken_away = NULL;
	char buf[8];
	assert_int_equal(rd->ops->read(rd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
}

static int drain_later(void *arg)
{
	sleep_ns(5 * MS);
	static char buf[PIPE_DEFAULT_SIZE];
	HOST_CHECK(rd->ops->read(rd, buf, sizeof(buf)) == PIPE_DEFAULT_SIZE);
	return 0;
}

static void pipe_blocks_a_writer_until_room(void **state)
{
	static char big[PIPE_DEFAULT_SIZE + 10];
	struct thread *t;
	assert_int_equal(thread_create(&t, "drain", drain_later, NULL, 0), 0);
	assert_int_equal(wr->ops->write(wr, big, sizeof(big)), sizeof(big));
	assert_int_equal(clock_ns(), T0 + 5 * MS);
	assert_int_equal(thread_join(t, NULL), 0);
}

/* --- watches ---------------------------------------------------------------------------- */

static unsigned notified;
static void count_notify(struct file_watch *w, unsigned events) { notified++; }

static void watchers_hear_every_change(void **state)
{
	struct file_watch w = { .notify = count_notify };
	notified = 0;
	file_watch_add(rd, &w);
	nonblocking(rd);
	assert_int_equal(put_str(wr, "x"), 1);
	assert_true(notified > 0);
	unsigned before = notified;
	char c;
	assert_int_equal(rd->ops->read(rd, &c, 1), 1);
	assert_true(notified > before);
	file_watch_remove(&w);
	before = notified;
	assert_int_equal(put_str(wr, "y"), 1);
	assert_int_equal(notified, before);
	file_watch_remove(&w); /* twice is harmless */
}

/* --- epoll ------------------------------------------------------------------------------ */

static struct file *ep;

static int ep_setup(void **state)
{
	if (setup(state))
		return -1;
	ep = epoll_create();
	nonblocking(rd);
	nonblocking(wr);
	return ep ? 0 : -1;
}

static int ep_teardown(void **state)
{
	file_put(ep);
	return teardown(state);
}

static int ctl(int op, int fd, struct file *f, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data = data };
	return epoll_ctl(ep, op, fd, f, &ev);
}

static int collect(struct epoll_event *out, int max) { return epoll_collect(ep, out, max); }

static void level_triggered_reports_while_ready(void **state)
{
	struct epoll_event out[4];
	assert_int_equal(ctl(EPOLL_CTL_ADD, 3, rd, EPOLLIN, 33), 0);
	assert_int_equal(ctl(EPOLL_CTL_ADD, 3, rd, EPOLLIN, 33), -EEXIST);
	assert_int_equal(collect(out, 4), 0);
	assert_int_equal(file_poll(ep), 0);
	assert_int_equal(put_str(wr, "ab"), 2);
	assert_int_equal(file_poll(ep), EPOLLIN | FD_POLLRDNORM);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(collect(out, 4), 1);
		assert_int_equal(out[0].events, EPOLLIN);
		assert_int_equal(out[0].data, 33);
	}
	char buf[4];
	assert_int_equal(rd->ops->read(rd, buf, sizeof(buf)), 2);
	assert_int_equal(collect(out, 4), 0);
	assert_int_equal(file_poll(ep), 0);
}

static void edge_triggered_reports_once_per_change(void **state)
{
	struct epoll_event out[4];
	assert_int_equal(ctl(EPOLL_CTL_ADD, 3, rd, EPOLLIN | EPOLLET, 1), 0);
	assert_int_equal(put_str(wr, "a"), 1);
	assert_int_equal(collect(out, 4), 1);
	assert_int_equal(collect(out, 4), 0); /* still readable, but no new event */
	assert_int_equal(put_str(wr, "b"), 1);
	assert_int_equal(collect(out, 4), 1);
	assert_int_equal(collect(out, 4), 0);
	/* MOD reports a ready file again. */
	assert_int_equal(ctl(EPOLL_CTL_MOD, 3, rd, EPOLLIN | EPOLLET, 2), 0);
	assert_int_equal(collect(out, 4), 1);
	assert_int_equal(out[0].data, 2);
}

static void oneshot_fires_once_until_rearmed(void **state)
{
	struct epoll_event out[4];
	assert_int_equal(ctl(EPOLL_CTL_ADD, 3, rd, EPOLLIN | EPOLLONESHOT, 1), 0);
	assert_int_equal(put_str(wr, "a"), 1);
	assert_int_equal(collect(out, 4), 1);
	assert_int_equal(put_str(wr, "b"), 1);
	assert_int_equal(collect(out, 4), 0);
	assert_int_equal(file_poll(ep), 0);
	assert_int_equal(ctl(EPOLL_CTL_MOD, 3, rd, EPOLLIN | EPOLLONESHOT, 1), 0);
	assert_int_equal(collect(out, 4), 1);
	assert_int_equal(collect(out, 4), 0);
}

static void deleted_while_ready_never_reports(void **state)
{
	struct epoll_event out[4];
	assert_int_equal(ctl(EPOLL_CTL_ADD, 3, rd, EPOLLIN, 1), 0);
	assert_int_equal(put_str(wr, "a"), 1);
	assert_int_equal(ctl(EPOLL_CTL_DEL, 3, rd, 0, 0), 0);
	assert_int_equal(collect(out, 4), 0);
	assert_int_equal(ctl(EPOLL_CTL_DEL, 3, rd, 0, 0), -ENOENT);
	assert_int_equal(ctl(EPOLL_CTL_MOD, 3, rd, EPOLLIN, 0), -ENOENT);
	assert_int_equal(ctl(9, 3, rd, EPOLLIN, 0), -EINVAL);
}

static void the_last_reference_removes_the_item(void **state)
{
	struct epoll_event out[4];
	assert_int_equal(ctl(EPOLL_CTL_ADD, 3, rd, EPOLLIN, 1), 0);
	assert_int_equal(ctl(EPOLL_CTL_ADD, 4, wr, EPOLLOUT, 2), 0);
	assert_int_equal(put_str(wr, "a"), 1);
	/* A second reference (a dup) keeps the item when one goes. */
	file_get(rd);
	file_put(rd);
	assert_int_equal(collect(out, 4), 2);
	/* The last one takes it away, ready or not; ASan checks nothing
	 * touches the freed item afterwards. */
	file_put(rd);
	rd = NULL;
	assert_int_equal(collect(out, 4), 1);
	assert_int_equal(out[0].data, 2);
	assert_int_equal(out[0].events, EPOLLERR); /* no reader left */
}

static void hangup_and_error_are_always_reported(void **state)
{
	struct epoll_event out[4];
	assert_int_equal(ctl(EPOLL_CTL_ADD, 3, rd, EPOLLRDHUP, 1), 0);
	assert_int_equal(collect(out, 4), 0);
	file_put(wr);
	wr = NULL;
	assert_int_equal(collect(out, 4), 1);
	assert_int_equal(out[0].events, EPOLLHUP);
}

static void a_full_buffer_leaves_the_rest_ready(void **state)
{
	struct epoll_event out[4];
	assert_int_equal(ctl(EPOLL_CTL_ADD, 3, rd, EPOLLIN, 1), 0);
	assert_int_equal(ctl(EPOLL_CTL_ADD, 4, wr, EPOLLOUT, 2), 0);
	assert_int_equal(put_str(wr, "a"), 1);
	assert_int_equal(collect(out, 1), 1);
	uint64_t first = out[0].data;
	assert_int_equal(collect(out, 1), 1);
	assert_int_not_equal(out[0].data, first); /* round robin */
	assert_int_equal(collect(out, 4), 2);
}

static void nesting_is_pollable_and_cycles_are_refused(void **state)
{
	struct epoll_event out[4];
	struct file *outer = epoll_create();
	assert_non_null(outer);
	struct epoll_event ev = { .events = EPOLLIN, .data = 7 };
	assert_int_equal(epoll_ctl(outer, EPOLL_CTL_ADD, 5, ep, &ev), 0);
	assert_int_equal(ctl(EPOLL_CTL_ADD, 3, rd, EPOLLIN, 1), 0);
	assert_int_equal(ctl(EPOLL_CTL_ADD, 6, outer, EPOLLIN, 1), -ELOOP);
	assert_int_equal(ctl(EPOLL_CTL_ADD, 6, ep, EPOLLIN, 1), -EINVAL);
	assert_int_equal(epoll_collect(outer, out, 4), 0);
	assert_int_equal(put_str(wr, "a"), 1);
	assert_int_equal(epoll_collect(outer, out, 4), 1);
	assert_int_equal(out[0].data, 7);
	file_put(outer);
}

static void a_wait_times_out_at_its_deadline(void **state)
{
	struct epoll_event out[4];
	assert_int_equal(ctl(EPOLL_CTL_ADD, 3, rd, EPOLLIN, 1), 0);
	assert_int_equal(epoll_wait_until(ep, out, 4, deadline_after(25 * MS)), 0);
	assert_int_equal(clock_ns(), T0 + 25 * MS);
}

static int write_after_15ms(void *arg)
{
	sleep_ns(15 * MS);
	HOST_CHECK(put_str(wr, "z") == 1);
	return 0;
}

static void a_wait_wakes_when_a_file_becomes_ready(void **state)
{
	struct epoll_event out[4];
	assert_int_equal(ctl(EPOLL_CTL_ADD, 3, rd, EPOLLIN | EPOLLET, 9), 0);
	struct thread *t;
	assert_int_equal(thread_create(&t, "writer", write_after_15ms, NULL, 0), 0);
	assert_int_equal(epoll_wait_until(ep, out, 4, DEADLINE_NEVER), 1);
	assert_int_equal(out[0].data, 9);
	assert_int_equal(clock_ns(), T0 + 15 * MS);
	assert_int_equal(thread_join(t, NULL), 0);
}

static struct epoll_event vanishing_events[4];

/* The events array checked before the wait and gone after it: EFAULT. */
static void a_wait_whose_buffer_goes_gets_efault(void **state)
{
	assert_int_equal(ctl(EPOLL_CTL_ADD, 3, rd, EPOLLIN, 9), 0);
	struct thread *t;
	taken_away = NULL;
	assert_int_equal(thread_create(&t, "writer", take_away_then_write, vanishing_events, 0), 0);
	assert_int_equal(epoll_wait_until(ep, vanishing_events, 4, DEADLINE_NEVER), -EFAULT);
	assert_int_equal(thread_join(t, NULL), 0);
	taken_away = NULL;
	/* Level-triggered: still there for the next wait. */
	assert_int_equal(epoll_wait_until(ep, vanishing_events, 4, DEADLINE_NEVER), 1);
}

#define PIPE_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define EP_TEST(f) cmocka_unit_test_setup_teardown(f, ep_setup, ep_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		PIPE_TEST(pipe_moves_bytes_in_order_and_wraps),
		PIPE_TEST(pipe_fills_atomically_and_reports_readiness),
		PIPE_TEST(pipe_eof_and_epipe),
		PIPE_TEST(pipe_blocks_a_reader_until_data_and_eof),
		PIPE_TEST(pipe_blocks_a_writer_until_room),
		PIPE_TEST(pipe_reader_whose_buffer_goes_gets_efault),
		PIPE_TEST(watchers_hear_every_change),
		EP_TEST(level_triggered_reports_while_ready),
		EP_TEST(edge_triggered_reports_once_per_change),
		EP_TEST(oneshot_fires_once_until_rearmed),
		EP_TEST(deleted_while_ready_never_reports),
		EP_TEST(the_last_reference_removes_the_item),
		EP_TEST(hangup_and_error_are_always_reported),
		EP_TEST(a_full_buffer_leaves_the_rest_ready),
		EP_TEST(nesting_is_pollable_and_cycles_are_refused),
		EP_TEST(a_wait_times_out_at_its_deadline),
		EP_TEST(a_wait_wakes_when_a_file_becomes_ready),
		EP_TEST(a_wait_whose_buffer_goes_gets_efault),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
