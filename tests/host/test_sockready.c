/*
 * A socket's readiness (sys/sockready.c) from lwIP's netconn events, and
 * through the descriptor table's watches into epoll (sys/epoll.c), the
 * way the socket layer wires them: an event that may make the socket
 * readier notifies its watchers. Poll bits as Linux's tcp_poll and
 * udp_poll answer them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sys/epoll.h"
#include "sys/sockready.h"
#include "tests/host/sched_host.h"

#define IN (FD_POLLIN | FD_POLLRDNORM)
#define OUT (FD_POLLOUT | FD_POLLWRNORM)

static struct sock_ready r;

static void fresh_stream_is_hung_up_and_writable(void **state)
{
	sock_ready_init(&r, true);
	assert_int_equal(sock_ready_poll(&r), OUT | FD_POLLHUP);
	/* A connect under way: nothing until it ends. */
	r.connecting = true;
	assert_int_equal(sock_ready_poll(&r), 0);
	assert_true(sock_ready_event(&r, SOCK_EVT_SENDPLUS, 0));
	assert_false(r.connecting);
	assert_true(r.connected);
	assert_int_equal(sock_ready_poll(&r), OUT);
}

static void data_counts_messages(void **state)
{
	sock_ready_init(&r, true);
	r.connected = r.send = true;
	assert_true(sock_ready_event(&r, SOCK_EVT_RCVPLUS, 100));
	assert_true(sock_ready_event(&r, SOCK_EVT_RCVPLUS, 30));
	assert_int_equal(r.bytes, 130);
	assert_int_equal(sock_ready_poll(&r), IN | OUT);
	assert_false(sock_ready_event(&r, SOCK_EVT_RCVMINUS, 100));
	assert_int_equal(r.bytes, 30);
	assert_int_equal(sock_ready_poll(&r), IN | OUT);
	assert_false(sock_ready_event(&r, SOCK_EVT_RCVMINUS, 30));
	assert_int_equal(sock_ready_poll(&r), OUT);
	/* A stray minus never goes below zero. */
	sock_ready_event(&r, SOCK_EVT_RCVMINUS, 5);
	assert_int_equal(r.rcv, 0);
	assert_int_equal(r.bytes, 0);
	/* Data the layer holds keeps the socket readable. */
	r.held = true;
	assert_int_equal(sock_ready_poll(&r), IN | OUT);
	assert_true(sock_ready_can_read(&r));
}

static void send_buffer_full_and_drained(void **state)
{
	sock_ready_init(&r, true);
	r.connected = r.send = true;
	assert_false(sock_ready_event(&r, SOCK_EVT_SENDMINUS, 0));
	assert_int_equal(sock_ready_poll(&r), 0);
	assert_true(sock_ready_event(&r, SOCK_EVT_SENDPLUS, 0));
	assert_int_equal(sock_ready_poll(&r), OUT);
}

static void fin_shows_before_it_is_read(void **state)
{
	sock_ready_init(&r, true);
	r.connected = r.send = true;
	sock_ready_event(&r, SOCK_EVT_RCVPLUS, 10);
	assert_int_equal(sock_ready_poll(&r), IN | OUT);
	/* lwIP's FIN: a message of no bytes. */
	sock_ready_event(&r, SOCK_EVT_RCVPLUS, 0);
	assert_int_equal(sock_ready_poll(&r), IN | FD_POLLRDHUP | OUT);
	/* A listening socket's connections are messages of no bytes too. */
	sock_ready_init(&r, true);
	r.listening = true;
	sock_ready_event(&r, SOCK_EVT_RCVPLUS, 0);
	assert_false(r.fin);
	/* So is an empty datagram. */
	sock_ready_init(&r, false);
	sock_ready_event(&r, SOCK_EVT_RCVPLUS, 0);
	assert_int_equal(sock_ready_poll(&r), IN | OUT);
}

static void eof_and_shutdown(void **state)
{
	sock_ready_init(&r, true);
	r.connected = r.send = true;
	r.eof = true;
	assert_int_equal(sock_ready_poll(&r), IN | FD_POLLRDHUP | OUT);
	r.wr_shut = true;
	assert_int_equal(sock_ready_poll(&r), IN | FD_POLLRDHUP | OUT | FD_POLLHUP);
	sock_ready_init(&r, true);
	r.connected = r.send = true;
	r.rd_shut = true;
	assert_int_equal(sock_ready_poll(&r), IN | FD_POLLRDHUP | OUT);
}

static void an_error_reports_everything(void **state)
{
	sock_ready_init(&r, true);
	r.connecting = true;
	/* err_tcp's order: ERROR, then RCVPLUS and SENDPLUS. */
	assert_true(sock_ready_event(&r, SOCK_EVT_ERROR, 0));
	sock_ready_event(&r, SOCK_EVT_RCVPLUS, 0);
	sock_ready_event(&r, SOCK_EVT_SENDPLUS, 0);
	assert_int_equal(sock_ready_poll(&r), FD_POLLERR | FD_POLLHUP | IN | FD_POLLRDHUP | OUT);
	/* SO_ERROR takes the error; the connection stays gone. */
	r.error = false;
	assert_int_equal(sock_ready_poll(&r), FD_POLLHUP | IN | FD_POLLRDHUP | OUT);
}

static void listening_counts_connections(void **state)
{
	sock_ready_init(&r, true);
	r.listening = true;
	assert_int_equal(sock_ready_poll(&r), 0);
	sock_ready_event(&r, SOCK_EVT_RCVPLUS, 0);
	assert_int_equal(sock_ready_poll(&r), IN);
	sock_ready_event(&r, SOCK_EVT_RCVMINUS, 0);
	assert_int_equal(sock_ready_poll(&r), 0);
}

static void datagram_is_writable_at_once(void **state)
{
	sock_ready_init(&r, false);
	assert_int_equal(sock_ready_poll(&r), OUT);
	sock_ready_event(&r, SOCK_EVT_RCVPLUS, 0);
	assert_int_equal(sock_ready_poll(&r), IN | OUT);
}

/* --- through epoll ------------------------------------------------------------------- */

static struct file sock_file, *ep;

static unsigned fake_poll(struct file *f) { return sock_ready_poll(f->priv); }
static void fake_close(struct file *f) {}
static const struct file_ops fake_ops = { .kind = "socket", .poll = fake_poll, .close = fake_close };

/* What the socket layer's netconn callback does, for a message of one
 * byte. */
static void event(enum sock_evt evt)
{
	if (sock_ready_event(&r, evt, 1))
		file_notify(&sock_file, sock_ready_poll(&r));
}

static int ep_setup(void **state)
{
	if (!host_reset(1000000000))
		return -1;
	sock_ready_init(&r, true);
	r.connected = r.send = true;
	file_init(&sock_file, &fake_ops, &r);
	ep = epoll_create();
	return ep ? 0 : -1;
}

static int ep_teardown(void **state)
{
	file_put(ep);
	return host_quiescent() ? 0 : -1;
}

static int ctl(int op, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data = 42 };
	return epoll_ctl(ep, op, 5, &sock_file, &ev);
}

static void edge_triggered_once_per_arrival(void **state)
{
	struct epoll_event out[2];
	assert_int_equal(ctl(EPOLL_CTL_ADD, EPOLLIN | EPOLLET), 0);
	assert_int_equal(epoll_collect(ep, out, 2), 0);
	event(SOCK_EVT_RCVPLUS);
	assert_int_equal(epoll_collect(ep, out, 2), 1);
	assert_int_equal(out[0].events, EPOLLIN);
	assert_int_equal(out[0].data, 42);
	assert_int_equal(epoll_collect(ep, out, 2), 0);
	/* A second segment while the first is unread: a new edge. */
	event(SOCK_EVT_RCVPLUS);
	assert_int_equal(epoll_collect(ep, out, 2), 1);
	/* Taking data is no edge. */
	event(SOCK_EVT_RCVMINUS);
	assert_int_equal(epoll_collect(ep, out, 2), 0);
}

static void level_triggered_until_drained(void **state)
{
	struct epoll_event out[2];
	assert_int_equal(ctl(EPOLL_CTL_ADD, EPOLLIN), 0);
	event(SOCK_EVT_RCVPLUS);
	assert_int_equal(epoll_collect(ep, out, 2), 1);
	assert_int_equal(epoll_collect(ep, out, 2), 1);
	event(SOCK_EVT_RCVMINUS);
	assert_int_equal(epoll_collect(ep, out, 2), 0);
}

static void oneshot_until_rearmed(void **state)
{
	struct epoll_event out[2];
	assert_int_equal(ctl(EPOLL_CTL_ADD, EPOLLIN | EPOLLONESHOT), 0);
	event(SOCK_EVT_RCVPLUS);
	assert_int_equal(epoll_collect(ep, out, 2), 1);
	event(SOCK_EVT_RCVPLUS);
	assert_int_equal(epoll_collect(ep, out, 2), 0);
	assert_int_equal(ctl(EPOLL_CTL_MOD, EPOLLIN | EPOLLONESHOT), 0);
	assert_int_equal(epoll_collect(ep, out, 2), 1);
}

static void writable_edge_after_a_full_buffer(void **state)
{
	struct epoll_event out[2];
	assert_int_equal(ctl(EPOLL_CTL_ADD, EPOLLOUT | EPOLLET), 0);
	assert_int_equal(epoll_collect(ep, out, 2), 1); /* writable when added */
	event(SOCK_EVT_SENDMINUS);
	assert_int_equal(epoll_collect(ep, out, 2), 0);
	event(SOCK_EVT_SENDPLUS);
	assert_int_equal(epoll_collect(ep, out, 2), 1);
	assert_int_equal(out[0].events, EPOLLOUT);
}

static void a_reset_wakes_a_reader_with_hangup(void **state)
{
	struct epoll_event out[2];
	assert_int_equal(ctl(EPOLL_CTL_ADD, EPOLLIN | EPOLLET), 0);
	event(SOCK_EVT_ERROR);
	event(SOCK_EVT_RCVPLUS);
	event(SOCK_EVT_SENDPLUS);
	assert_int_equal(epoll_collect(ep, out, 2), 1);
	/* Errors and hang-ups are reported whether asked for or not;
	 * EPOLLRDHUP only when asked. */
	assert_int_equal(out[0].events, EPOLLIN | EPOLLERR | EPOLLHUP);
}

#define EP_TEST(f) cmocka_unit_test_setup_teardown(f, ep_setup, ep_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fresh_stream_is_hung_up_and_writable),
		cmocka_unit_test(data_counts_messages),
		cmocka_unit_test(send_buffer_full_and_drained),
		cmocka_unit_test(fin_shows_before_it_is_read),
		cmocka_unit_test(eof_and_shutdown),
		cmocka_unit_test(an_error_reports_everything),
		cmocka_unit_test(listening_counts_connections),
		cmocka_unit_test(datagram_is_writable_at_once),
		EP_TEST(edge_triggered_once_per_arrival),
		EP_TEST(level_triggered_until_drained),
		EP_TEST(oneshot_until_rearmed),
		EP_TEST(writable_edge_after_a_full_buffer),
		EP_TEST(a_reset_wakes_a_reader_with_hangup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
