/*
 * AF_UNIX sockets (sys/unix.c) over the descriptor table's files
 * (sys/fd.c), on the host scheduler of tests/host/sched_host.c: a blocked
 * reader, writer, accept or connect is a thread, and time moves only
 * while every thread waits.
 *
 * Linux's net/unix/af_unix.c is the reference: a stream keeps its bytes'
 * order and no boundaries (but a message carrying files ends a read), a
 * datagram or packet socket its messages (MSG_TRUNC when one is cut); a
 * closed peer is end of file, a write to it EPIPE and SIGPIPE
 * (unix_broken_hook), unread data left at close ECONNRESET; names are
 * found by key and freed at close or unlink; connections wait in the
 * listener's backlog; files sent with a message are held by it until
 * received or dropped with the socket. Every file is put, so the
 * sanitizer's leak check covers the references messages hold.
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
#include "sys/pipe.h"
#include "sys/process.h"
#include "sys/unix.h"
#include "tests/host/sched_host.h"

#define T0 UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define O_NONBLOCK 04000
#define FIONREAD 0x541B
#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
/* Linux's net.core.wmem_default: a unix socket's send buffer. */
#define SNDBUF 212992

/* The application's memory as the sockets see it: all of it is. */
bool user_range_ok(const void *p, size_t len) { return true; }
bool user_writable_ok(const void *p, size_t len) { return true; }
bool user_iov_ok(const struct linux_iovec *iov, size_t count, bool into) { return true; }

static unsigned broken;

static void count_broken(void) { broken++; }

/* The test's own references (its descriptors): whatever a test leaves
 * open, even when a check fails, is put at teardown. */
static struct file *held[32];

static struct file *hold(struct file *f)
{
	for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++) {
		if (held[i] == NULL) {
			held[i] = f;
			return f;
		}
	}
	fail_msg("too many files held");
	return f;
}

/* close(): the test's reference goes. */
static void drop(struct file *f)
{
	for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++) {
		if (held[i] == f) {
			held[i] = NULL;
			file_put(f);
			return;
		}
	}
	fail_msg("dropping a file not held");
}

/* Path names stay taken after their socket closes, as its file stays:
 * every one a test makes is unlinked at teardown. */
static struct unix_name paths[16];
static unsigned npaths;

static int setup(void **state)
{
	if (!host_reset(T0))
		return -1;
	broken = 0;
	unix_broken_hook = count_broken;
	return 0;
}

static int teardown(void **state)
{
	for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++) {
		if (held[i]) {
			file_put(held[i]);
			held[i] = NULL;
		}
	}
	unix_broken_hook = NULL;
	while (npaths > 0)
		unix_unbind_path(&paths[--npaths]);
	return host_quiescent() ? 0 : -1;
}

static struct file *sock(int type)
{
	struct file *f = NULL;
	assert_int_equal(unix_socket(type, &f), 0);
	return hold(f);
}

static void pair(int type, struct file **a, struct file **b)
{
	struct file *ends[2];
	assert_int_equal(unix_pair(type, ends), 0);
	*a = hold(ends[0]);
	*b = hold(ends[1]);
}

static void pipe_pair(struct file *p[2])
{
	assert_int_equal(pipe_create(p), 0);
	hold(p[0]);
	hold(p[1]);
}

static void nonblocking(struct file *f) { f->flags |= O_NONBLOCK; }

/* A name in the abstract namespace (a NUL, then s), and a path. */
static struct unix_name abstract(const char *s)
{
	struct unix_name n = { 0 };
	size_t l = strlen(s);
	memcpy(n.path + 1, s, l);
	n.len = (uint32_t)(l + 1);
	return n;
}

static struct unix_name path(const char *s)
{
	struct unix_name n = { 0 };
	n.len = (uint32_t)strlen(s);
	memcpy(n.path, s, n.len);
	if (npaths < sizeof(paths) / sizeof(paths[0]))
		paths[npaths++] = n;
	else
		fail_msg("too many paths");
	return n;
}

static int bind_to(struct file *f, struct unix_name n) { return unix_bind(f, &n, &n); }

static bool same_name(const struct unix_name *a, const struct unix_name *b)
{
	return a->len == b->len && memcmp(a->path, b->path, a->len) == 0;
}

static struct unix_name name_of(struct file *f, bool peer)
{
	struct unix_name n;
	memset(&n, 0x55, sizeof(n));
	assert_int_equal(unix_getname(f, peer, &n), 0);
	return n;
}

static long send_msg(struct file *f, const void *buf, size_t len, int flags, const struct unix_name *to,
		     struct file **fds, unsigned nfds)
{
	struct linux_iovec v = { (uint64_t)(uintptr_t)buf, len };
	return unix_send(f, &v, 1, len, flags, to, fds, nfds);
}

static long put_str(struct file *f, const char *s) { return send_msg(f, s, strlen(s), 0, NULL, NULL, 0); }

static long send_to(struct file *f, const char *s, const struct unix_name *to)
{
	return send_msg(f, s, strlen(s), 0, to, NULL, 0);
}

/* n files in an array of the heap, each with a reference of its own:
 * what the system call hands unix_send, which takes both. */
static struct file **refs_to(struct file *const *files, unsigned n)
{
	struct file **v = malloc(n * sizeof(*v));
	assert_non_null(v);
	for (unsigned i = 0; i < n; i++) {
		v[i] = files[i];
		file_get(v[i]);
	}
	return v;
}

/* What a receive brought. The files that came are noted (with their
 * references as they came) and put at once, so a failing check leaks
 * nothing. */
struct got {
	long n;
	int out_flags;
	struct unix_name from;
	unsigned nfds;
	struct file *fd[4];
	unsigned refs[4];
};

static struct got recv_flags(struct file *f, void *buf, size_t len, int flags)
{
	struct linux_iovec v = { (uint64_t)(uintptr_t)buf, len };
	struct unix_recv r = { .iov = &v, .count = 1, .total = len, .flags = flags };
	struct got g = { 0 };
	g.n = unix_recv(f, &r);
	g.out_flags = r.out_flags;
	g.from = r.from;
	g.nfds = r.nfds;
	for (unsigned i = 0; i < r.nfds; i++) {
		if (i < 4) {
			g.fd[i] = r.fds[i];
			g.refs[i] = r.fds[i]->refs;
		}
		file_put(r.fds[i]);
	}
	free(r.fds);
	return g;
}

static long get(struct file *f, void *buf, size_t len) { return recv_flags(f, buf, len, 0).n; }

static int fionread(struct file *f)
{
	int v = -1;
	long r = f->ops->ioctl(f, FIONREAD, &v);
	return r ? (int)r : v;
}

/* Writes into a's peer until it is full: the bytes that went in. */
static size_t fill(struct file *a)
{
	static char chunk[4096];
	int saved = a->flags;
	nonblocking(a);
	size_t total = 0;
	long n;
	while ((n = send_msg(a, chunk, sizeof(chunk), 0, NULL, NULL, 0)) > 0 && total < 4 * SNDBUF)
		total += (size_t)n;
	a->flags = saved;
	assert_int_equal(n, -EAGAIN);
	return total;
}

/* A watcher that counts its notifications and the events they named. */
struct watcher {
	struct file_watch w;
	unsigned calls, events;
};

static void heard(struct file_watch *w, unsigned events)
{
	struct watcher *x = (struct watcher *)w;
	x->calls++;
	x->events |= events;
}

static const int all_types[] = { UNIX_SOCK_STREAM, UNIX_SOCK_DGRAM, UNIX_SOCK_SEQPACKET };
static const int message_types[] = { UNIX_SOCK_DGRAM, UNIX_SOCK_SEQPACKET };
#define NTYPES(a) (sizeof(a) / sizeof((a)[0]))

/* What threads work on. */
static struct file *peer_end, *listener, *accepted;

/* --- stream pairs ----------------------------------------------------------------------- */

static void stream_pair_carries_bytes_in_order_both_ways(void **state)
{
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	assert_true(unix_is(a));
	assert_int_equal(unix_type(b), UNIX_SOCK_STREAM);
	char buf[32];
	assert_int_equal(put_str(a, "hello"), 5);
	assert_int_equal(put_str(b, "world!"), 6);
	assert_int_equal(get(b, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(get(a, buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "world!", 6);
	for (int round = 0; round < 50; round++) {
		unsigned char out[100], in[100];
		for (size_t i = 0; i < sizeof(out); i++)
			out[i] = (unsigned char)(round * 31 + i);
		struct file *from = round & 1 ? a : b, *to = round & 1 ? b : a;
		assert_int_equal(send_msg(from, out, sizeof(out), 0, NULL, NULL, 0), sizeof(out));
		assert_int_equal(get(to, in, sizeof(in)), sizeof(in));
		assert_memory_equal(in, out, sizeof(out));
	}
	/* read(2) and write(2) go the same way. */
	assert_int_equal(a->ops->write(a, "xyz", 3), 3);
	assert_int_equal(b->ops->read(b, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "xyz", 3);
	assert_int_equal(unix_peer_cred(a).pid, unix_own_cred.pid);
}

static void stream_read_spans_writes_and_takes_part_of_one(void **state)
{
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	char buf[16] = { 0 };
	assert_int_equal(put_str(a, "abc"), 3);
	assert_int_equal(put_str(a, "defg"), 4);
	assert_int_equal(put_str(a, "hi"), 2);
	assert_int_equal(get(b, buf, 2), 2);
	assert_memory_equal(buf, "ab", 2);
	/* The rest of the first write and more, in one read. */
	assert_int_equal(get(b, buf, 6), 6);
	assert_memory_equal(buf, "cdefgh", 6);
	assert_int_equal(get(b, buf, sizeof(buf)), 1);
	assert_memory_equal(buf, "i", 1);
	/* Gathered on the way in, scattered on the way out. */
	struct linux_iovec out[2] = { { (uint64_t)(uintptr_t) "12", 2 }, { (uint64_t)(uintptr_t) "345", 3 } };
	assert_int_equal(unix_send(a, out, 2, 5, 0, NULL, NULL, 0), 5);
	char x[1], y[10];
	struct linux_iovec in[2] = { { (uint64_t)(uintptr_t)x, sizeof(x) }, { (uint64_t)(uintptr_t)y, sizeof(y) } };
	struct unix_recv r = { .iov = in, .count = 2, .total = sizeof(x) + sizeof(y) };
	assert_int_equal(unix_recv(b, &r), 5);
	assert_int_equal(x[0], '1');
	assert_memory_equal(y, "2345", 4);
}

static void stream_peek_leaves_the_data(void **state)
{
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	nonblocking(b);
	char buf[16] = { 0 };
	assert_int_equal(put_str(a, "abc"), 3);
	assert_int_equal(put_str(a, "def"), 3);
	assert_int_equal(recv_flags(b, buf, 4, UNIX_MSG_PEEK).n, 4);
	assert_memory_equal(buf, "abcd", 4);
	assert_int_equal(recv_flags(b, buf, sizeof(buf), UNIX_MSG_PEEK).n, 6);
	assert_memory_equal(buf, "abcdef", 6);
	assert_int_equal(fionread(b), 6);
	assert_int_equal(get(b, buf, 2), 2);
	/* A peek after a partial read starts at what is unread. */
	assert_int_equal(recv_flags(b, buf, sizeof(buf), UNIX_MSG_PEEK).n, 4);
	assert_memory_equal(buf, "cdef", 4);
	assert_int_equal(get(b, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "cdef", 4);
	assert_int_equal(recv_flags(b, buf, sizeof(buf), UNIX_MSG_PEEK).n, -EAGAIN);
}

static int write_in_two_parts(void *arg)
{
	sleep_ns(5 * MS);
	HOST_CHECK(put_str(peer_end, "abc") == 3);
	sleep_ns(5 * MS);
	HOST_CHECK(put_str(peer_end, "defghij") == 7);
	return 0;
}

static int write_then_close(void *arg)
{
	sleep_ns(5 * MS);
	HOST_CHECK(put_str(peer_end, "xy") == 2);
	sleep_ns(5 * MS);
	drop(peer_end);
	return 0;
}

static void stream_waitall_waits_for_the_whole_buffer(void **state)
{
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	peer_end = a;
	struct thread *t;
	assert_int_equal(thread_create(&t, "writer", write_in_two_parts, NULL, 0), 0);
	char buf[16] = { 0 };
	assert_int_equal(recv_flags(b, buf, 10, UNIX_MSG_WAITALL).n, 10);
	assert_memory_equal(buf, "abcdefghij", 10);
	assert_int_equal(clock_ns(), T0 + 10 * MS);
	assert_int_equal(thread_join(t, NULL), 0);
	/* The end of the stream ends the wait with what came. */
	assert_int_equal(thread_create(&t, "writer", write_then_close, NULL, 0), 0);
	assert_int_equal(recv_flags(b, buf, 10, UNIX_MSG_WAITALL).n, 2);
	assert_memory_equal(buf, "xy", 2);
	assert_int_equal(clock_ns(), T0 + 20 * MS);
	assert_int_equal(thread_join(t, NULL), 0);
}

static void fionread_counts_what_a_read_would_take(void **state)
{
	struct file *a, *b, *c, *d;
	pair(UNIX_SOCK_STREAM, &a, &b);
	char buf[16];
	assert_int_equal(fionread(b), 0);
	assert_int_equal(put_str(a, "abc"), 3);
	assert_int_equal(put_str(a, "defg"), 4);
	assert_int_equal(fionread(b), 7);
	assert_int_equal(get(b, buf, 2), 2);
	assert_int_equal(fionread(b), 5);
	assert_int_equal(fionread(a), 0);
	/* A datagram's: the size of the next one. */
	pair(UNIX_SOCK_DGRAM, &c, &d);
	assert_int_equal(put_str(c, "abc"), 3);
	assert_int_equal(put_str(c, "defgh"), 5);
	assert_int_equal(fionread(d), 3);
	assert_int_equal(get(d, buf, sizeof(buf)), 3);
	assert_int_equal(fionread(d), 5);
	assert_int_equal(get(d, buf, sizeof(buf)), 5);
	assert_int_equal(fionread(d), 0);
	/* A listener has nothing to read. */
	struct file *l = sock(UNIX_SOCK_STREAM);
	assert_int_equal(bind_to(l, abstract("fionread")), 0);
	assert_int_equal(unix_listen(l, 1), 0);
	assert_int_equal(fionread(l), -EINVAL);
	assert_int_equal(l->ops->ioctl(l, 0x1234, buf), -ENOTTY);
}

/* --- the end of a peer ------------------------------------------------------------------ */

static void stream_close_gives_the_peer_its_data_then_eof(void **state)
{
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	nonblocking(b);
	char buf[16];
	assert_int_equal(put_str(a, "last"), 4);
	drop(a);
	assert_int_equal(get(b, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "last", 4);
	assert_int_equal(get(b, buf, sizeof(buf)), 0);
	assert_int_equal(get(b, buf, sizeof(buf)), 0);
	assert_int_equal(unix_take_error(b), 0);
	/* A packet socket's reader sees the end too. */
	struct file *c, *d;
	pair(UNIX_SOCK_SEQPACKET, &c, &d);
	nonblocking(d);
	assert_int_equal(put_str(c, "pkt"), 3);
	drop(c);
	assert_int_equal(get(d, buf, sizeof(buf)), 3);
	assert_int_equal(get(d, buf, sizeof(buf)), 0);
}

static void stream_write_to_a_closed_peer_is_epipe_and_signals_once(void **state)
{
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	drop(a);
	assert_int_equal(put_str(b, "x"), -EPIPE);
	assert_int_equal(broken, 1);
	assert_int_equal(send_msg(b, "x", 1, UNIX_MSG_NOSIGNAL, NULL, NULL, 0), -EPIPE);
	assert_int_equal(broken, 1);
	assert_int_equal(b->ops->write(b, "x", 1), -EPIPE);
	assert_int_equal(broken, 2);
}

static void close_with_unread_data_resets_the_peer(void **state)
{
	char buf[16];
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	nonblocking(b);
	assert_int_equal(put_str(b, "unread"), 6); /* waits at a */
	drop(a);
	assert_true(file_poll(b) & FD_POLLERR);
	assert_int_equal(get(b, buf, sizeof(buf)), -ECONNRESET);
	/* Once: then the end of the stream. */
	assert_int_equal(get(b, buf, sizeof(buf)), 0);
	assert_int_equal(unix_take_error(b), 0);
	assert_false(file_poll(b) & FD_POLLERR);

	/* SO_ERROR takes it first: the read sees only the end. */
	struct file *c, *d;
	pair(UNIX_SOCK_STREAM, &c, &d);
	nonblocking(d);
	assert_int_equal(put_str(d, "x"), 1);
	drop(c);
	assert_int_equal(unix_take_error(d), ECONNRESET);
	assert_int_equal(unix_take_error(d), 0);
	assert_int_equal(get(d, buf, sizeof(buf)), 0);

	/* Data that came before the reset is read first. */
	struct file *e, *f;
	pair(UNIX_SOCK_STREAM, &e, &f);
	nonblocking(f);
	assert_int_equal(put_str(e, "data"), 4);
	assert_int_equal(put_str(f, "x"), 1);
	drop(e);
	assert_int_equal(get(f, buf, sizeof(buf)), 4);
	assert_int_equal(get(f, buf, sizeof(buf)), -ECONNRESET);
	assert_int_equal(get(f, buf, sizeof(buf)), 0);
}

/* --- non-blocking sockets and readiness ------------------------------------------------- */

static void nonblocking_reads_of_empty_sockets_are_eagain(void **state)
{
	char buf[8];
	for (size_t i = 0; i < NTYPES(all_types); i++) {
		struct file *a, *b;
		pair(all_types[i], &a, &b);
		nonblocking(b);
		assert_int_equal(get(b, buf, sizeof(buf)), -EAGAIN);
		assert_int_equal(b->ops->read(b, buf, sizeof(buf)), -EAGAIN);
		/* MSG_DONTWAIT on a blocking socket. */
		assert_int_equal(recv_flags(a, buf, sizeof(buf), UNIX_MSG_DONTWAIT).n, -EAGAIN);
		drop(a);
		drop(b);
	}
}

static void stream_fills_at_sndbuf_and_is_writable_after_a_drain(void **state)
{
	static struct watcher wa, wb;
	static char sink[SNDBUF + 1];
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	nonblocking(a);
	nonblocking(b);
	assert_int_equal(file_poll(a), FD_POLLOUT | FD_POLLWRNORM);
	assert_int_equal(file_poll(b), FD_POLLOUT | FD_POLLWRNORM);
	wa = (struct watcher){ .w.notify = heard };
	wb = (struct watcher){ .w.notify = heard };
	file_watch_add(a, &wa.w);
	file_watch_add(b, &wb.w);
	assert_int_equal(fill(a), SNDBUF);
	assert_int_equal(put_str(a, "x"), -EAGAIN);
	assert_int_equal(fionread(b), SNDBUF);
	assert_true(wb.calls > 0);
	assert_true(wb.events & FD_POLLIN);
	assert_int_equal(file_poll(a), 0);
	assert_int_equal(file_poll(b), FD_POLLIN | FD_POLLRDNORM | FD_POLLOUT | FD_POLLWRNORM);
	wa.calls = wa.events = 0;
	assert_int_equal(get(b, sink, sizeof(sink)), SNDBUF);
	assert_true(wa.calls > 0);
	assert_true(wa.events & FD_POLLOUT);
	assert_int_equal(file_poll(a), FD_POLLOUT | FD_POLLWRNORM);
	assert_int_equal(file_poll(b), FD_POLLOUT | FD_POLLWRNORM);
	assert_int_equal(put_str(a, "x"), 1);
	file_watch_remove(&wa.w);
	file_watch_remove(&wb.w);
}

static int write_after_10ms(void *arg)
{
	sleep_ns(10 * MS);
	HOST_CHECK(put_str(peer_end, "wake") == 4);
	return 0;
}

static void a_blocked_reader_wakes_on_a_write(void **state)
{
	for (size_t i = 0; i < NTYPES(all_types); i++) {
		struct file *a, *b;
		pair(all_types[i], &a, &b);
		peer_end = a;
		uint64_t start = clock_ns();
		struct thread *t;
		assert_int_equal(thread_create(&t, "writer", write_after_10ms, NULL, 0), 0);
		char buf[16];
		assert_int_equal(get(b, buf, sizeof(buf)), 4);
		assert_memory_equal(buf, "wake", 4);
		assert_int_equal(clock_ns(), start + 10 * MS);
		assert_int_equal(thread_join(t, NULL), 0);
		drop(a);
		drop(b);
	}
}

static int drain_after_5ms(void *arg)
{
	static char sink[SNDBUF];
	sleep_ns(5 * MS);
	HOST_CHECK(get(peer_end, sink, sizeof(sink)) == SNDBUF);
	return 0;
}

static int read_one_after_5ms(void *arg)
{
	char c;
	sleep_ns(5 * MS);
	HOST_CHECK(get(peer_end, &c, 1) == 1);
	return 0;
}

static void a_blocked_writer_wakes_when_the_reader_drains(void **state)
{
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	assert_int_equal(fill(a), SNDBUF);
	peer_end = b;
	struct thread *t;
	assert_int_equal(thread_create(&t, "reader", drain_after_5ms, NULL, 0), 0);
	assert_int_equal(put_str(a, "more"), 4);
	assert_int_equal(clock_ns(), T0 + 5 * MS);
	assert_int_equal(thread_join(t, NULL), 0);
	char buf[8];
	assert_int_equal(get(b, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "more", 4);

	/* A datagram sender waits for a queue with room too. */
	struct file *c, *d;
	pair(UNIX_SOCK_DGRAM, &c, &d);
	nonblocking(c);
	unsigned queued = 0;
	while (put_str(c, "z") == 1 && queued < 100000)
		queued++;
	assert_int_equal(put_str(c, "z"), -EAGAIN);
	assert_false(file_poll(c) & FD_POLLOUT);
	c->flags &= ~O_NONBLOCK;
	peer_end = d;
	assert_int_equal(thread_create(&t, "reader", read_one_after_5ms, NULL, 0), 0);
	assert_int_equal(put_str(c, "z"), 1);
	assert_int_equal(clock_ns(), T0 + 10 * MS);
	assert_int_equal(thread_join(t, NULL), 0);
}

static void timeouts_end_waits_with_eagain(void **state)
{
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	char buf[8];
	unix_opts(b)->rcvtimeo_us = 20000;
	assert_int_equal(get(b, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(clock_ns(), T0 + 20 * MS);
	assert_int_equal(fill(a), SNDBUF);
	unix_opts(a)->sndtimeo_us = 30000;
	assert_int_equal(put_str(a, "x"), -EAGAIN);
	assert_int_equal(clock_ns(), T0 + 50 * MS);
}

/* --- datagram and packet pairs ---------------------------------------------------------- */

static void message_pairs_keep_message_boundaries(void **state)
{
	for (size_t i = 0; i < NTYPES(message_types); i++) {
		struct file *a, *b;
		pair(message_types[i], &a, &b);
		char buf[16] = { 0 };
		assert_int_equal(put_str(a, "abc"), 3);
		assert_int_equal(put_str(a, "defg"), 4);
		assert_int_equal(put_str(a, "hi"), 2);
		assert_int_equal(get(b, buf, sizeof(buf)), 3);
		assert_memory_equal(buf, "abc", 3);
		assert_int_equal(get(b, buf, sizeof(buf)), 4);
		assert_memory_equal(buf, "defg", 4);
		assert_int_equal(get(b, buf, sizeof(buf)), 2);
		assert_memory_equal(buf, "hi", 2);
		/* The other way; a peek takes nothing. */
		assert_int_equal(put_str(b, "xyz"), 3);
		assert_int_equal(put_str(b, "w"), 1);
		assert_int_equal(recv_flags(a, buf, sizeof(buf), UNIX_MSG_PEEK).n, 3);
		assert_int_equal(get(a, buf, sizeof(buf)), 3);
		assert_memory_equal(buf, "xyz", 3);
		assert_int_equal(get(a, buf, sizeof(buf)), 1);
		/* writev's buffers make one message. */
		struct linux_iovec out[2] = { { (uint64_t)(uintptr_t) "12", 2 }, { (uint64_t)(uintptr_t) "345", 3 } };
		assert_int_equal(a->ops->writev(a, out, 2, 5), 5);
		assert_int_equal(get(b, buf, sizeof(buf)), 5);
		assert_memory_equal(buf, "12345", 5);
		drop(a);
		drop(b);
	}
}

static void a_short_buffer_cuts_a_message_with_msg_trunc(void **state)
{
	for (size_t i = 0; i < NTYPES(message_types); i++) {
		struct file *a, *b;
		pair(message_types[i], &a, &b);
		char buf[16] = { 0 };
		assert_int_equal(put_str(a, "hello world"), 11);
		assert_int_equal(put_str(a, "next"), 4);
		struct got g = recv_flags(b, buf, 5, 0);
		assert_int_equal(g.n, 5);
		assert_int_equal(g.out_flags, UNIX_MSG_TRUNC);
		assert_memory_equal(buf, "hello", 5);
		/* The rest of the cut message is gone. */
		g = recv_flags(b, buf, sizeof(buf), 0);
		assert_int_equal(g.n, 4);
		assert_int_equal(g.out_flags, 0);
		assert_memory_equal(buf, "next", 4);
		/* MSG_TRUNC asks for the message's whole length. */
		memset(buf, 0, sizeof(buf));
		assert_int_equal(put_str(a, "hello world"), 11);
		g = recv_flags(b, buf, 5, UNIX_MSG_TRUNC);
		assert_int_equal(g.n, 11);
		assert_int_equal(g.out_flags, UNIX_MSG_TRUNC);
		assert_memory_equal(buf, "hello\0", 6);
		assert_int_equal(fionread(b), 0);
		drop(a);
		drop(b);
	}
}

static void a_zero_length_message_is_delivered(void **state)
{
	for (size_t i = 0; i < NTYPES(message_types); i++) {
		struct file *a, *b;
		pair(message_types[i], &a, &b);
		nonblocking(b);
		char buf[8];
		assert_int_equal(send_msg(a, buf, 0, 0, NULL, NULL, 0), 0);
		assert_true(file_poll(b) & FD_POLLIN);
		assert_int_equal(fionread(b), 0);
		struct got g = recv_flags(b, buf, sizeof(buf), 0);
		assert_int_equal(g.n, 0);
		assert_int_equal(g.out_flags, 0);
		assert_false(file_poll(b) & FD_POLLIN);
		assert_int_equal(get(b, buf, sizeof(buf)), -EAGAIN);
		drop(a);
		drop(b);
	}
}

static void a_message_larger_than_sndbuf_less_32_is_emsgsize(void **state)
{
	static char big[SNDBUF];
	for (size_t i = 0; i < NTYPES(message_types); i++) {
		struct file *a, *b;
		pair(message_types[i], &a, &b);
		assert_int_equal(send_msg(a, big, SNDBUF - 31, 0, NULL, NULL, 0), -EMSGSIZE);
		assert_int_equal(send_msg(a, big, SNDBUF, 0, NULL, NULL, 0), -EMSGSIZE);
		assert_int_equal(send_msg(a, big, SNDBUF - 32, 0, NULL, NULL, 0), SNDBUF - 32);
		assert_int_equal(get(b, big, sizeof(big)), SNDBUF - 32);
		assert_int_equal(broken, 0);
		drop(a);
		drop(b);
	}
}

/* --- names ------------------------------------------------------------------------------ */

static void bind_gives_abstract_and_path_names(void **state)
{
	struct file *s = sock(UNIX_SOCK_STREAM), *d = sock(UNIX_SOCK_DGRAM), *q = sock(UNIX_SOCK_SEQPACKET);
	struct unix_name got = name_of(q, false);
	assert_int_equal(got.len, 0); /* unbound */

	struct unix_name ab = abstract("keel-test");
	assert_false(unix_name_taken(&ab));
	assert_int_equal(bind_to(s, ab), 0);
	assert_true(unix_name_taken(&ab));
	got = name_of(s, false);
	assert_true(same_name(&got, &ab));

	/* The key finds a path; getsockname shows it as it was given. */
	struct unix_name key = path("/tmp/keel.sock"), shown = path("keel.sock");
	assert_int_equal(unix_bind(d, &key, &shown), 0);
	assert_true(unix_name_taken(&key));
	assert_false(unix_name_taken(&shown));
	got = name_of(d, false);
	assert_true(same_name(&got, &shown));

	/* An abstract name is all its bytes, NULs too. */
	struct unix_name z1 = { .len = 4, .path = { 0, 'a', 0, 'b' } };
	struct unix_name z2 = { .len = 4, .path = { 0, 'a', 0, 'c' } };
	struct unix_name z3 = { .len = 3, .path = { 0, 'a', 0 } };
	assert_int_equal(bind_to(q, z1), 0);
	assert_true(unix_name_taken(&z1));
	assert_false(unix_name_taken(&z2));
	assert_false(unix_name_taken(&z3));
}

static void bind_refuses_a_taken_name_and_a_second_bind(void **state)
{
	struct file *s1 = sock(UNIX_SOCK_STREAM), *s2 = sock(UNIX_SOCK_STREAM), *d = sock(UNIX_SOCK_DGRAM);
	struct unix_name n = abstract("dup"), other = abstract("other"), none = { 0 };
	assert_int_equal(bind_to(s1, n), 0);
	assert_int_equal(bind_to(s2, n), -EADDRINUSE);
	assert_int_equal(bind_to(d, n), -EADDRINUSE); /* one namespace for every type */
	assert_int_equal(bind_to(s1, other), -EINVAL);
	assert_int_equal(unix_bind(s1, &none, &none), -EINVAL);
	assert_false(unix_name_taken(&other));
	struct unix_name p = path("/tmp/dup.sock");
	assert_int_equal(bind_to(s2, p), 0);
	assert_int_equal(bind_to(d, p), -EADDRINUSE);
	/* s2's failed bind left it free to bind once. */
	struct unix_name got = name_of(s2, false);
	assert_true(same_name(&got, &p));
	/* A taken path is that even for a socket bound already (Linux
	 * makes the file first); a free one is a second bind. */
	assert_int_equal(bind_to(s1, p), -EADDRINUSE);
	assert_int_equal(bind_to(s1, path("/tmp/free.sock")), -EINVAL);
	assert_false(unix_name_taken(&paths[npaths - 1]));
}

static bool autobind_shape(const struct unix_name *n)
{
	if (n->len != 6 || n->path[0] != 0)
		return false;
	for (int i = 1; i < 6; i++)
		if (n->path[i] == 0 || strchr("0123456789abcdef", n->path[i]) == NULL)
			return false;
	return true;
}

static void autobind_gives_distinct_five_hex_digit_names(void **state)
{
	struct file *a = sock(UNIX_SOCK_DGRAM), *b = sock(UNIX_SOCK_DGRAM);
	struct unix_name none = { 0 };
	assert_int_equal(unix_bind(a, &none, &none), 0);
	assert_int_equal(unix_bind(b, &none, &none), 0);
	struct unix_name na = name_of(a, false), nb = name_of(b, false);
	assert_true(autobind_shape(&na));
	assert_true(autobind_shape(&nb));
	assert_false(same_name(&na, &nb));
	assert_true(unix_name_taken(&na));
	assert_true(unix_name_taken(&nb));
	assert_int_equal(unix_bind(a, &none, &none), -EINVAL);
	/* The name reaches the socket, and is what its messages come from. */
	assert_int_equal(send_to(b, "x", &na), 1);
	char c;
	struct got g = recv_flags(a, &c, 1, 0);
	assert_int_equal(g.n, 1);
	assert_true(same_name(&g.from, &nb));
}

static void unbind_path_frees_the_name_but_getname_keeps_it(void **state)
{
	struct file *old = sock(UNIX_SOCK_STREAM), *new = sock(UNIX_SOCK_STREAM), *c = sock(UNIX_SOCK_STREAM);
	struct unix_name key = path("/run/keel.sock");
	assert_int_equal(bind_to(old, key), 0);
	assert_int_equal(unix_listen(old, 5), 0);
	assert_true(unix_unbind_path(&key));
	assert_false(unix_name_taken(&key));
	assert_false(unix_unbind_path(&key));
	struct unix_name got = name_of(old, false);
	assert_true(same_name(&got, &key));
	/* Unreachable: a connect finds nobody. */
	assert_int_equal(unix_connect(c, &key, true), -ECONNREFUSED);
	/* Free for another socket, which the old one's close leaves bound. */
	assert_int_equal(bind_to(new, key), 0);
	assert_true(unix_name_taken(&key));
	drop(old);
	assert_true(unix_name_taken(&key));
	got = name_of(new, false);
	assert_true(same_name(&got, &key));
	/* An abstract name has no path to unlink. */
	struct file *s = sock(UNIX_SOCK_DGRAM);
	struct unix_name ab = abstract("stays");
	assert_int_equal(bind_to(s, ab), 0);
	assert_false(unix_unbind_path(&ab));
	assert_true(unix_name_taken(&ab));
}

static void close_frees_an_abstract_name(void **state)
{
	struct unix_name n = abstract("gone");
	struct file *s = sock(UNIX_SOCK_STREAM);
	assert_int_equal(bind_to(s, n), 0);
	assert_int_equal(unix_listen(s, 1), 0);
	drop(s);
	assert_false(unix_name_taken(&n));
	struct file *again = sock(UNIX_SOCK_DGRAM);
	assert_int_equal(bind_to(again, n), 0);
	drop(again);
	assert_false(unix_name_taken(&n));
}

/* A path name outlives its socket, as the socket's file does on Linux:
 * bind there is EADDRINUSE, connect ECONNREFUSED, until the unlink. */
static void a_closed_sockets_path_stays_taken_until_unlinked(void **state)
{
	struct unix_name n = path("/tmp/gone.sock");
	struct file *s = sock(UNIX_SOCK_STREAM), *c = sock(UNIX_SOCK_STREAM);
	assert_int_equal(bind_to(s, n), 0);
	assert_int_equal(unix_listen(s, 1), 0);
	drop(s);
	assert_true(unix_name_taken(&n));
	assert_int_equal(unix_connect(c, &n, true), -ECONNREFUSED);
	struct file *again = sock(UNIX_SOCK_DGRAM);
	assert_int_equal(bind_to(again, n), -EADDRINUSE);
	assert_true(unix_unbind_path(&n));
	assert_false(unix_name_taken(&n));
	assert_false(unix_unbind_path(&n));
	assert_int_equal(bind_to(again, n), 0);
	/* A socket that was unlinked leaves nothing behind at its close. */
	assert_true(unix_unbind_path(&n));
	drop(again);
	assert_false(unix_name_taken(&n));
}

/* --- listen, connect, accept ------------------------------------------------------------ */

static void connect_is_refused_without_a_listener_of_its_type(void **state)
{
	struct file *c = sock(UNIX_SOCK_STREAM);
	struct unix_name n = abstract("nobody");
	assert_int_equal(unix_connect(c, &n, true), -ECONNREFUSED);
	assert_int_equal(unix_connect(c, &n, false), -ECONNREFUSED);
	/* Bound, not listening. */
	struct file *l = sock(UNIX_SOCK_STREAM);
	assert_int_equal(bind_to(l, n), 0);
	assert_int_equal(unix_connect(c, &n, true), -ECONNREFUSED);
	/* A listener of another type, a datagram socket. */
	struct file *p = sock(UNIX_SOCK_SEQPACKET), *d = sock(UNIX_SOCK_DGRAM);
	struct unix_name pn = abstract("packets"), dn = abstract("datagrams");
	assert_int_equal(bind_to(p, pn), 0);
	assert_int_equal(unix_listen(p, 5), 0);
	assert_int_equal(bind_to(d, dn), 0);
	assert_int_equal(unix_connect(c, &pn, true), -EPROTOTYPE);
	assert_int_equal(unix_connect(c, &dn, true), -EPROTOTYPE);
	/* listen needs a name; a datagram socket never listens. */
	struct file *u = sock(UNIX_SOCK_STREAM);
	assert_int_equal(unix_listen(u, 5), -EINVAL);
	assert_int_equal(unix_listen(d, 5), -EOPNOTSUPP);
	/* Still unconnected: no peer, reads EINVAL, sends ENOTCONN, and
	 * polls as Linux's closed stream socket. */
	struct unix_name got;
	assert_int_equal(unix_getname(c, true, &got), -ENOTCONN);
	char buf[4];
	assert_int_equal(get(c, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(put_str(c, "x"), -ENOTCONN);
	assert_int_equal(broken, 0);
	assert_int_equal(file_poll(c), FD_POLLOUT | FD_POLLWRNORM | FD_POLLHUP);
	struct file *q = sock(UNIX_SOCK_SEQPACKET);
	assert_int_equal(get(q, buf, sizeof(buf)), -ENOTCONN);
}

static void data_sent_before_accept_reaches_the_accepted_socket(void **state)
{
	struct file *l = sock(UNIX_SOCK_STREAM), *c = sock(UNIX_SOCK_STREAM);
	struct unix_name ln = abstract("server");
	assert_int_equal(bind_to(l, ln), 0);
	assert_int_equal(unix_listen(l, 5), 0);
	assert_true(unix_listening(l));
	assert_int_equal(file_poll(l), 0);
	assert_int_equal(unix_connect(c, &ln, false), 0);
	assert_int_equal(file_poll(l), FD_POLLIN | FD_POLLRDNORM);
	assert_int_equal(put_str(c, "early"), 5);
	assert_int_equal(unix_connect(c, &ln, true), -EISCONN);
	struct file *s = NULL;
	assert_int_equal(unix_accept(l, true, &s), 0);
	hold(s);
	assert_true(unix_is(s));
	assert_int_equal(unix_type(s), UNIX_SOCK_STREAM);
	assert_false(unix_listening(s));
	assert_int_equal(file_poll(l), 0);
	struct file *none;
	assert_int_equal(unix_accept(l, true, &none), -EAGAIN);
	char buf[8];
	assert_int_equal(get(s, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "early", 5);
	assert_int_equal(put_str(s, "reply"), 5);
	assert_int_equal(get(c, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "reply", 5);
	/* The accepted end answers the listener's name; the client has none. */
	struct unix_name n = name_of(s, false);
	assert_true(same_name(&n, &ln));
	n = name_of(c, true);
	assert_true(same_name(&n, &ln));
	n = name_of(c, false);
	assert_int_equal(n.len, 0);
	n = name_of(s, true);
	assert_int_equal(n.len, 0);
	assert_int_equal(unix_peer_cred(s).pid, unix_own_cred.pid);
	assert_int_equal(unix_peer_cred(c).pid, unix_own_cred.pid);
	/* A listener is no reader; a connected socket no listener. */
	assert_int_equal(get(l, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(unix_accept(c, true, &none), -EINVAL);
	assert_int_equal(unix_listen(c, 5), -EINVAL);
}

static int accept_after_5ms(void *arg)
{
	sleep_ns(5 * MS);
	struct file *s = NULL;
	HOST_CHECK(unix_accept(listener, true, &s) == 0);
	accepted = s;
	return 0;
}

static void backlog_zero_admits_one_pending_connection(void **state)
{
	struct file *l = sock(UNIX_SOCK_STREAM);
	struct file *c1 = sock(UNIX_SOCK_STREAM), *c2 = sock(UNIX_SOCK_STREAM), *c3 = sock(UNIX_SOCK_STREAM);
	struct unix_name ln = abstract("narrow");
	assert_int_equal(bind_to(l, ln), 0);
	assert_int_equal(unix_listen(l, 0), 0);
	assert_int_equal(unix_connect(c1, &ln, true), 0);
	assert_int_equal(unix_connect(c2, &ln, true), -EAGAIN);
	struct unix_name n;
	assert_int_equal(unix_getname(c2, true, &n), -ENOTCONN);
	struct file *s1 = NULL;
	assert_int_equal(unix_accept(l, true, &s1), 0);
	hold(s1);
	assert_int_equal(unix_connect(c2, &ln, true), 0);
	/* A blocking connect waits until an accept makes room. */
	listener = l;
	accepted = NULL;
	struct thread *t;
	assert_int_equal(thread_create(&t, "accept", accept_after_5ms, NULL, 0), 0);
	assert_int_equal(unix_connect(c3, &ln, false), 0);
	assert_int_equal(clock_ns(), T0 + 5 * MS);
	assert_int_equal(thread_join(t, NULL), 0);
	struct file *s2 = hold(accepted), *s3 = NULL;
	assert_int_equal(unix_accept(l, true, &s3), 0);
	hold(s3);
	/* Each accepted socket is its own client's other end. */
	char buf[4];
	assert_int_equal(put_str(c1, "1"), 1);
	assert_int_equal(put_str(c2, "2"), 1);
	assert_int_equal(put_str(c3, "3"), 1);
	assert_int_equal(get(s1, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], '1');
	assert_int_equal(get(s2, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], '2');
	assert_int_equal(get(s3, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], '3');
}

static int accept_blocking(void *arg)
{
	struct file *s = NULL;
	int r = unix_accept(listener, false, &s);
	HOST_CHECK(clock_ns() == T0 + 10 * MS);
	accepted = s;
	return r;
}

static void a_blocking_accept_wakes_on_connect(void **state)
{
	struct file *l = sock(UNIX_SOCK_SEQPACKET), *c = sock(UNIX_SOCK_SEQPACKET);
	struct unix_name ln = abstract("waiting");
	assert_int_equal(bind_to(l, ln), 0);
	assert_int_equal(unix_listen(l, 5), 0);
	listener = l;
	accepted = NULL;
	struct thread *t;
	assert_int_equal(thread_create(&t, "accept", accept_blocking, NULL, 0), 0);
	sleep_ns(10 * MS);
	assert_int_equal(unix_connect(c, &ln, true), 0);
	int status = -1;
	assert_int_equal(thread_join(t, &status), 0);
	assert_int_equal(status, 0);
	struct file *s = hold(accepted);
	char buf[4];
	assert_int_equal(put_str(c, "hi"), 2);
	assert_int_equal(get(s, buf, sizeof(buf)), 2);
}

/* Linux's unix_release_sock closes the listener's unaccepted embryos with
 * embrion set: their clients get ECONNRESET, then the end of the stream. */
static void closing_a_listener_resets_its_pending_connections(void **state)
{
	struct file *l = sock(UNIX_SOCK_STREAM), *c = sock(UNIX_SOCK_STREAM);
	struct unix_name ln = abstract("closing");
	assert_int_equal(bind_to(l, ln), 0);
	assert_int_equal(unix_listen(l, 5), 0);
	assert_int_equal(unix_connect(c, &ln, true), 0);
	nonblocking(c);
	drop(l);
	assert_false(unix_name_taken(&ln));
	assert_true(file_poll(c) & FD_POLLHUP);
	char buf[4];
	assert_int_equal(get(c, buf, sizeof(buf)), -ECONNRESET);
	assert_int_equal(get(c, buf, sizeof(buf)), 0);
	assert_int_equal(send_msg(c, "x", 1, UNIX_MSG_NOSIGNAL, NULL, NULL, 0), -EPIPE);
}

/* --- datagrams by name ------------------------------------------------------------------ */

/* A connected datagram sender fills its peer to Linux's max_dgram_qlen:
 * not writable then, and told (an edge for epoll) when a read makes room. */
static void a_full_dgram_peer_makes_room_for_its_connected_sender(void **state)
{
	static struct watcher w;
	struct file *s = sock(UNIX_SOCK_DGRAM), *c = sock(UNIX_SOCK_DGRAM);
	struct unix_name n = abstract("full-dgram");
	assert_int_equal(bind_to(s, n), 0);
	assert_int_equal(unix_connect(c, &n, false), 0);
	nonblocking(c);
	unsigned sent = 0;
	while (put_str(c, "d") == 1)
		sent++;
	assert_int_equal(sent, UNIX_MAX_DGRAM_QLEN);
	assert_int_equal(put_str(c, "d"), -EAGAIN);
	assert_false(file_poll(c) & FD_POLLOUT);
	w = (struct watcher){ .w.notify = heard };
	file_watch_add(c, &w.w);
	char buf[4];
	assert_int_equal(get(s, buf, sizeof(buf)), 1);
	assert_true(w.calls > 0 && (w.events & FD_POLLOUT));
	assert_true(file_poll(c) & FD_POLLOUT);
	assert_int_equal(put_str(c, "d"), 1);
	file_watch_remove(&w.w);
}

static void dgram_sendto_reports_the_senders_name(void **state)
{
	struct file *a = sock(UNIX_SOCK_DGRAM), *b = sock(UNIX_SOCK_DGRAM), *u = sock(UNIX_SOCK_DGRAM);
	struct unix_name an = abstract("dgram-a"), bn = path("/tmp/dgram-b");
	assert_int_equal(bind_to(a, an), 0);
	assert_int_equal(bind_to(b, bn), 0);
	assert_int_equal(send_to(a, "from a", &bn), 6);
	assert_int_equal(send_to(u, "anon", &bn), 4);
	char buf[16];
	struct got g = recv_flags(b, buf, sizeof(buf), 0);
	assert_int_equal(g.n, 6);
	assert_memory_equal(buf, "from a", 6);
	assert_true(same_name(&g.from, &an));
	g = recv_flags(b, buf, sizeof(buf), 0);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.from.len, 0);
	/* The answer goes back to the name seen. */
	assert_int_equal(send_to(b, "back", &an), 4);
	g = recv_flags(a, buf, sizeof(buf), 0);
	assert_int_equal(g.n, 4);
	assert_true(same_name(&g.from, &bn));
	/* Without an address or a peer there is nowhere to send. */
	assert_int_equal(put_str(u, "x"), -ENOTCONN);
	struct unix_name n;
	assert_int_equal(unix_getname(a, true, &n), -ENOTCONN);
	assert_int_equal(broken, 0);
}

static void dgram_sendto_an_unknown_name_is_refused(void **state)
{
	struct file *d = sock(UNIX_SOCK_DGRAM), *s = sock(UNIX_SOCK_STREAM);
	struct unix_name n = abstract("nobody-here"), sn = abstract("a-stream");
	assert_int_equal(send_to(d, "x", &n), -ECONNREFUSED);
	assert_int_equal(unix_connect(d, &n, false), -ECONNREFUSED);
	assert_int_equal(bind_to(s, sn), 0);
	assert_int_equal(send_to(d, "x", &sn), -EPROTOTYPE);
	assert_int_equal(unix_connect(d, &sn, false), -EPROTOTYPE);
	assert_int_equal(broken, 0);
}

static void dgram_peer_close_is_refused_once_then_notconn(void **state)
{
	struct file *d = sock(UNIX_SOCK_DGRAM), *t = sock(UNIX_SOCK_DGRAM);
	struct unix_name tn = abstract("target");
	assert_int_equal(bind_to(t, tn), 0);
	assert_int_equal(unix_connect(d, &tn, false), 0);
	struct unix_name n = name_of(d, true);
	assert_true(same_name(&n, &tn));
	char buf[8];
	assert_int_equal(put_str(d, "one"), 3);
	assert_int_equal(get(t, buf, sizeof(buf)), 3);
	drop(t);
	assert_int_equal(put_str(d, "x"), -ECONNREFUSED);
	assert_int_equal(put_str(d, "x"), -ENOTCONN);
	assert_int_equal(unix_getname(d, true, &n), -ENOTCONN);
	assert_int_equal(broken, 0);
	/* connect(NULL) forgets a peer. */
	struct file *t2 = sock(UNIX_SOCK_DGRAM);
	struct unix_name tn2 = abstract("target2");
	assert_int_equal(bind_to(t2, tn2), 0);
	assert_int_equal(unix_connect(d, &tn2, false), 0);
	assert_int_equal(put_str(d, "y"), 1);
	assert_int_equal(unix_connect(d, NULL, false), 0);
	assert_int_equal(put_str(d, "y"), -ENOTCONN);
}

static void a_connected_dgram_socket_takes_only_its_peers_messages(void **state)
{
	struct file *a = sock(UNIX_SOCK_DGRAM), *b = sock(UNIX_SOCK_DGRAM), *c = sock(UNIX_SOCK_DGRAM);
	struct unix_name an = abstract("only-b"), bn = abstract("b");
	assert_int_equal(bind_to(a, an), 0);
	assert_int_equal(bind_to(b, bn), 0);
	assert_int_equal(unix_connect(a, &bn, false), 0);
	assert_int_equal(send_to(c, "x", &an), -EPERM);
	assert_int_equal(unix_connect(c, &an, false), -EPERM);
	assert_int_equal(send_to(b, "ok", &an), 2);
	char buf[4];
	assert_int_equal(get(a, buf, sizeof(buf)), 2);
}

/* Linux's unix_stream_sendmsg: an address is EISCONN on a connected
 * stream socket, EOPNOTSUPP on any other. */
static void a_stream_send_with_an_address_is_refused(void **state)
{
	struct file *s = sock(UNIX_SOCK_STREAM), *l = sock(UNIX_SOCK_STREAM);
	struct unix_name ln = abstract("stream-target");
	assert_int_equal(bind_to(l, ln), 0);
	assert_int_equal(unix_listen(l, 5), 0);
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	assert_int_equal(send_to(a, "x", &ln), -EISCONN);
	assert_int_equal(send_to(s, "x", &ln), -EOPNOTSUPP);
	assert_int_equal(broken, 0);
}

/* --- shutdown --------------------------------------------------------------------------- */

static void shut_wr_gives_the_peer_eof_after_the_data_and_the_writer_epipe(void **state)
{
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	nonblocking(a);
	nonblocking(b);
	char buf[8];
	assert_int_equal(put_str(a, "bye"), 3);
	assert_int_equal(unix_shutdown(a, SHUT_WR), 0);
	assert_int_equal(get(b, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "bye", 3);
	assert_int_equal(get(b, buf, sizeof(buf)), 0);
	assert_int_equal(put_str(a, "x"), -EPIPE);
	assert_int_equal(broken, 1);
	/* The other way still works. */
	assert_int_equal(put_str(b, "still"), 5);
	assert_int_equal(get(a, buf, sizeof(buf)), 5);
	assert_int_equal(unix_shutdown(a, 3), -EINVAL);
	assert_int_equal(unix_shutdown(a, -1), -EINVAL);
}

static void shut_rd_makes_the_peers_send_epipe(void **state)
{
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	nonblocking(a);
	char buf[8];
	assert_int_equal(put_str(b, "queued"), 6);
	assert_int_equal(unix_shutdown(a, SHUT_RD), 0);
	assert_int_equal(put_str(b, "x"), -EPIPE);
	assert_int_equal(broken, 1);
	/* What was queued is still read, then the end. */
	assert_int_equal(get(a, buf, sizeof(buf)), 6);
	assert_int_equal(get(a, buf, sizeof(buf)), 0);
	/* a may still send. */
	assert_int_equal(put_str(a, "ok"), 2);
	assert_int_equal(get(b, buf, sizeof(buf)), 2);
	/* A datagram socket shut for reading refuses what is sent to it. */
	struct file *c, *d;
	pair(UNIX_SOCK_DGRAM, &c, &d);
	assert_int_equal(unix_shutdown(d, SHUT_RD), 0);
	assert_int_equal(send_msg(c, "x", 1, UNIX_MSG_NOSIGNAL, NULL, NULL, 0), -EPIPE);
	assert_int_equal(broken, 1);
}

#define HUPS (FD_POLLRDHUP | FD_POLLHUP | FD_POLLIN)

static void shutdown_and_close_show_in_poll(void **state)
{
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	assert_int_equal(file_poll(a) & HUPS, 0);
	assert_int_equal(unix_shutdown(a, SHUT_WR), 0);
	assert_int_equal(file_poll(b) & HUPS, FD_POLLRDHUP | FD_POLLIN);
	assert_int_equal(file_poll(a) & HUPS, 0);
	/* Both directions shut: hang-up on both ends. */
	assert_int_equal(unix_shutdown(b, SHUT_WR), 0);
	assert_int_equal(file_poll(a) & HUPS, HUPS);
	assert_int_equal(file_poll(b) & HUPS, HUPS);

	struct file *c, *d;
	pair(UNIX_SOCK_STREAM, &c, &d);
	assert_int_equal(unix_shutdown(c, SHUT_RD), 0);
	assert_int_equal(file_poll(c) & HUPS, FD_POLLRDHUP | FD_POLLIN);
	assert_int_equal(file_poll(d) & HUPS, 0);

	struct file *e, *f;
	pair(UNIX_SOCK_SEQPACKET, &e, &f);
	assert_int_equal(unix_shutdown(e, SHUT_RDWR), 0);
	assert_int_equal(file_poll(e) & HUPS, HUPS);
	assert_int_equal(file_poll(f) & HUPS, HUPS);

	struct file *g, *h;
	pair(UNIX_SOCK_STREAM, &g, &h);
	drop(g);
	assert_int_equal(file_poll(h) & HUPS, HUPS);
	assert_false(file_poll(h) & FD_POLLERR);
}

/* Linux's unix_poll sets POLLOUT whatever the shutdown state ("this
 * prevents stuck sockets"): the write then answers EPIPE at once.
 * select()'s write set has no POLLHUP, so without POLLOUT a select on a
 * broken socket waits for ever (sys/sockready.c answers so for TCP). */
static void a_shut_or_orphaned_stream_stays_writable(void **state)
{
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	assert_int_equal(unix_shutdown(a, SHUT_WR), 0);
	assert_true(file_poll(a) & FD_POLLOUT);

	struct file *c, *d;
	pair(UNIX_SOCK_STREAM, &c, &d);
	assert_int_equal(unix_shutdown(c, SHUT_RD), 0);
	assert_true(file_poll(d) & FD_POLLOUT);

	struct file *e, *f;
	pair(UNIX_SOCK_STREAM, &e, &f);
	drop(e);
	assert_true(file_poll(f) & FD_POLLOUT);
}

/* --- files passed with messages --------------------------------------------------------- */

static void files_ride_with_a_message_and_come_out_with_it(void **state)
{
	for (size_t i = 0; i < NTYPES(all_types); i++) {
		struct file *p[2], *a, *b;
		pipe_pair(p);
		pair(all_types[i], &a, &b);
		assert_int_equal(p[0]->refs, 1);
		assert_int_equal(send_msg(a, "F", 1, 0, NULL, refs_to(p, 2), 2), 1);
		/* The message holds a reference of each. */
		assert_int_equal(p[0]->refs, 2);
		assert_int_equal(p[1]->refs, 2);
		char buf[4];
		struct got g = recv_flags(b, buf, sizeof(buf), 0);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.nfds, 2);
		assert_ptr_equal(g.fd[0], p[0]);
		assert_ptr_equal(g.fd[1], p[1]);
		assert_int_equal(g.refs[0], 2); /* the receiver's and ours */
		assert_int_equal(p[0]->refs, 1);
		assert_int_equal(p[1]->refs, 1);
		/* read(2) has nowhere to put them: they are closed. */
		assert_int_equal(send_msg(a, "G", 1, 0, NULL, refs_to(p, 1), 1), 1);
		assert_int_equal(p[0]->refs, 2);
		assert_int_equal(b->ops->read(b, buf, sizeof(buf)), 1);
		assert_int_equal(p[0]->refs, 1);
		drop(a);
		drop(b);
		drop(p[0]);
		drop(p[1]);
	}
}

static void stream_read_stops_after_a_message_carrying_files(void **state)
{
	struct file *p[2], *a, *b;
	pipe_pair(p);
	pair(UNIX_SOCK_STREAM, &a, &b);
	nonblocking(b);
	char buf[20] = { 0 };
	assert_int_equal(send_msg(a, "e", 1, 0, NULL, refs_to(p, 1), 1), 1);
	assert_int_equal(put_str(a, "fghi"), 4);
	struct got g = recv_flags(b, buf, sizeof(buf), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.nfds, 1);
	assert_ptr_equal(g.fd[0], p[0]);
	g = recv_flags(b, buf, sizeof(buf), 0);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.nfds, 0);
	/* MSG_WAITALL stops there too. */
	assert_int_equal(send_msg(a, "e", 1, 0, NULL, refs_to(p, 1), 1), 1);
	assert_int_equal(put_str(a, "fghi"), 4);
	g = recv_flags(b, buf, sizeof(buf), UNIX_MSG_WAITALL);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.nfds, 1);
	assert_int_equal(get(b, buf, sizeof(buf)), 4);
	assert_int_equal(p[0]->refs, 1);
}

/* unix(7)'s example: four bytes, one byte with files, four bytes; reads
 * of 20 take five bytes with the files, then four. The files end a read,
 * they do not begin one (Linux's unix_stream_read_generic breaks after
 * the message whose files it took). */
static void stream_read_takes_the_data_before_files_with_them(void **state)
{
	struct file *p[2], *a, *b;
	pipe_pair(p);
	pair(UNIX_SOCK_STREAM, &a, &b);
	nonblocking(b);
	char buf[20] = { 0 };
	assert_int_equal(put_str(a, "abcd"), 4);
	assert_int_equal(send_msg(a, "e", 1, 0, NULL, refs_to(p, 1), 1), 1);
	assert_int_equal(put_str(a, "fghi"), 4);
	struct got g = recv_flags(b, buf, sizeof(buf), 0);
	assert_int_equal(g.n, 5);
	assert_memory_equal(buf, "abcde", 5);
	assert_int_equal(g.nfds, 1);
	g = recv_flags(b, buf, sizeof(buf), 0);
	assert_int_equal(g.n, 4);
	assert_memory_equal(buf, "fghi", 4);
	assert_int_equal(g.nfds, 0);
}

static void peek_gives_new_references_to_the_files(void **state)
{
	int types[] = { UNIX_SOCK_STREAM, UNIX_SOCK_DGRAM };
	for (size_t i = 0; i < NTYPES(types); i++) {
		struct file *p[2], *a, *b;
		pipe_pair(p);
		pair(types[i], &a, &b);
		char buf[4];
		assert_int_equal(send_msg(a, "x", 1, 0, NULL, refs_to(p, 1), 1), 1);
		assert_int_equal(p[0]->refs, 2);
		for (int k = 0; k < 2; k++) {
			struct got g = recv_flags(b, buf, sizeof(buf), UNIX_MSG_PEEK);
			assert_int_equal(g.n, 1);
			assert_int_equal(g.nfds, 1);
			assert_ptr_equal(g.fd[0], p[0]);
			assert_int_equal(g.refs[0], 3); /* ours, the message's, the peek's */
			assert_int_equal(p[0]->refs, 2);
		}
		struct got g = recv_flags(b, buf, sizeof(buf), 0);
		assert_int_equal(g.nfds, 1);
		assert_int_equal(g.refs[0], 2);
		assert_int_equal(p[0]->refs, 1);
		drop(a);
		drop(b);
		drop(p[0]);
		drop(p[1]);
	}
}

static void closing_a_socket_drops_the_files_in_flight(void **state)
{
	struct file *p[2], *a, *b, *x, *y;
	pipe_pair(p);
	pair(UNIX_SOCK_STREAM, &a, &b);
	pair(UNIX_SOCK_STREAM, &x, &y);
	nonblocking(y);
	struct file *three[3] = { p[0], p[1], x };
	assert_int_equal(send_msg(a, "F", 1, 0, NULL, refs_to(three, 3), 3), 1);
	assert_int_equal(send_msg(a, "G", 1, 0, NULL, refs_to(p, 1), 1), 1);
	assert_int_equal(p[0]->refs, 3);
	assert_int_equal(p[1]->refs, 2);
	assert_int_equal(x->refs, 2);
	/* Only the message keeps x now. */
	drop(x);
	char buf[4];
	assert_int_equal(get(y, buf, sizeof(buf)), -EAGAIN);
	/* b goes unread: its messages go, and their files with them. */
	drop(b);
	assert_int_equal(p[0]->refs, 1);
	assert_int_equal(p[1]->refs, 1);
	assert_int_equal(get(y, buf, sizeof(buf)), 0); /* x closed */
	/* A datagram socket's queue too. */
	struct file *d = sock(UNIX_SOCK_DGRAM), *t = sock(UNIX_SOCK_DGRAM);
	struct unix_name tn = abstract("holder");
	assert_int_equal(bind_to(t, tn), 0);
	assert_int_equal(send_msg(d, "x", 1, 0, &tn, refs_to(p, 2), 2), 1);
	assert_int_equal(p[0]->refs, 2);
	drop(t);
	assert_int_equal(p[0]->refs, 1);
	assert_int_equal(p[1]->refs, 1);
}

/* A send that fails puts the references it was given: nobody else will. */
static void a_failed_send_puts_its_files(void **state)
{
	struct file *p[2], *a, *b;
	pipe_pair(p);
	pair(UNIX_SOCK_STREAM, &a, &b);
	/* A full peer, non-blocking. */
	assert_int_equal(fill(a), SNDBUF);
	nonblocking(a);
	assert_int_equal(send_msg(a, "x", 1, 0, NULL, refs_to(p, 2), 2), -EAGAIN);
	assert_int_equal(p[0]->refs, 1);
	assert_int_equal(p[1]->refs, 1);
	/* Nothing to send: the files go nowhere. */
	struct file *c, *d;
	pair(UNIX_SOCK_STREAM, &c, &d);
	assert_int_equal(send_msg(c, "", 0, 0, NULL, refs_to(p, 1), 1), 0);
	assert_int_equal(p[0]->refs, 1);
	/* A closed peer. */
	drop(d);
	assert_int_equal(send_msg(c, "x", 1, UNIX_MSG_NOSIGNAL, NULL, refs_to(p, 1), 1), -EPIPE);
	assert_int_equal(p[0]->refs, 1);
	/* An unknown name. */
	struct file *u = sock(UNIX_SOCK_DGRAM);
	struct unix_name n = abstract("nobody");
	assert_int_equal(send_msg(u, "x", 1, 0, &n, refs_to(p, 1), 1), -ECONNREFUSED);
	assert_int_equal(p[0]->refs, 1);
	assert_int_equal(broken, 0);
}

/* The same for a datagram too large to send: that check comes before
 * any other. If the references stayed, the test takes them back itself
 * (they are all-or-nothing), so only the check fails. */
static void an_emsgsize_send_puts_its_files(void **state)
{
	static char big[SNDBUF];
	struct file *p[2], *a, *b;
	pipe_pair(p);
	pair(UNIX_SOCK_DGRAM, &a, &b);
	struct file **v = refs_to(p, 1);
	long n = send_msg(a, big, sizeof(big), 0, NULL, v, 1);
	unsigned refs = p[0]->refs;
	if (n == -EMSGSIZE && refs == 2) {
		file_put(p[0]);
		free(v);
	}
	assert_int_equal(n, -EMSGSIZE);
	assert_int_equal(refs, 1);
}

/* --- waiters on a socket that goes ------------------------------------------------------ */

static bool writer_done, connect_done;
static long writer_result, connect_result;

static int write_into_full(void *arg)
{
	writer_result = put_str(arg, "more");
	writer_done = true;
	return 0;
}

static int connect_to_full(void *arg)
{
	struct unix_name n = abstract("full-listener");
	connect_result = unix_connect(arg, &n, false);
	connect_done = true;
	return 0;
}

/* A thread waiting for room in another socket's queue (a writer into a
 * full peer, a connect into a full backlog) holds no reference to it.
 * When that socket's last reference goes, Linux wakes them (the peer's
 * purged queue frees the writer's memory, unix_release_sock wakes
 * peer_wait): the writer gets EPIPE, the connect ECONNREFUSED. Last of
 * all: a thread left waiting in a freed socket cannot be ended, so when
 * this fails the teardown fails too. */
static void waiters_on_a_closed_socket_are_released(void **state)
{
	struct file *a, *b;
	pair(UNIX_SOCK_STREAM, &a, &b);
	assert_int_equal(fill(a), SNDBUF);
	struct file *l = sock(UNIX_SOCK_STREAM), *c1 = sock(UNIX_SOCK_STREAM), *c2 = sock(UNIX_SOCK_STREAM);
	struct unix_name ln = abstract("full-listener");
	assert_int_equal(bind_to(l, ln), 0);
	assert_int_equal(unix_listen(l, 0), 0);
	assert_int_equal(unix_connect(c1, &ln, true), 0);
	writer_done = connect_done = false;
	struct thread *tw, *tc;
	assert_int_equal(thread_create(&tw, "writer", write_into_full, a, 0), 0);
	assert_int_equal(thread_create(&tc, "connect", connect_to_full, c2, 0), 0);
	sleep_ns(5 * MS);
	assert_false(writer_done);
	assert_false(connect_done);
	drop(b);
	drop(l);
	sleep_ns(5 * MS);
	if (writer_done)
		assert_int_equal(thread_join(tw, NULL), 0);
	if (connect_done)
		assert_int_equal(thread_join(tc, NULL), 0);
	assert_true(writer_done);
	assert_int_equal(writer_result, -EPIPE);
	assert_true(connect_done);
	assert_int_equal(connect_result, -ECONNREFUSED);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(stream_pair_carries_bytes_in_order_both_ways),
		TEST(stream_read_spans_writes_and_takes_part_of_one),
		TEST(stream_peek_leaves_the_data),
		TEST(stream_waitall_waits_for_the_whole_buffer),
		TEST(fionread_counts_what_a_read_would_take),
		TEST(stream_close_gives_the_peer_its_data_then_eof),
		TEST(stream_write_to_a_closed_peer_is_epipe_and_signals_once),
		TEST(close_with_unread_data_resets_the_peer),
		TEST(nonblocking_reads_of_empty_sockets_are_eagain),
		TEST(stream_fills_at_sndbuf_and_is_writable_after_a_drain),
		TEST(a_blocked_reader_wakes_on_a_write),
		TEST(a_blocked_writer_wakes_when_the_reader_drains),
		TEST(timeouts_end_waits_with_eagain),
		TEST(message_pairs_keep_message_boundaries),
		TEST(a_short_buffer_cuts_a_message_with_msg_trunc),
		TEST(a_zero_length_message_is_delivered),
		TEST(a_message_larger_than_sndbuf_less_32_is_emsgsize),
		TEST(bind_gives_abstract_and_path_names),
		TEST(bind_refuses_a_taken_name_and_a_second_bind),
		TEST(autobind_gives_distinct_five_hex_digit_names),
		TEST(unbind_path_frees_the_name_but_getname_keeps_it),
		TEST(close_frees_an_abstract_name),
		TEST(a_closed_sockets_path_stays_taken_until_unlinked),
		TEST(connect_is_refused_without_a_listener_of_its_type),
		TEST(data_sent_before_accept_reaches_the_accepted_socket),
		TEST(backlog_zero_admits_one_pending_connection),
		TEST(a_blocking_accept_wakes_on_connect),
		TEST(closing_a_listener_resets_its_pending_connections),
		TEST(a_full_dgram_peer_makes_room_for_its_connected_sender),
		TEST(dgram_sendto_reports_the_senders_name),
		TEST(dgram_sendto_an_unknown_name_is_refused),
		TEST(dgram_peer_close_is_refused_once_then_notconn),
		TEST(a_connected_dgram_socket_takes_only_its_peers_messages),
		TEST(a_stream_send_with_an_address_is_refused),
		TEST(shut_wr_gives_the_peer_eof_after_the_data_and_the_writer_epipe),
		TEST(shut_rd_makes_the_peers_send_epipe),
		TEST(shutdown_and_close_show_in_poll),
		TEST(a_shut_or_orphaned_stream_stays_writable),
		TEST(files_ride_with_a_message_and_come_out_with_it),
		TEST(stream_read_stops_after_a_message_carrying_files),
		TEST(stream_read_takes_the_data_before_files_with_them),
		TEST(peek_gives_new_references_to_the_files),
		TEST(closing_a_socket_drops_the_files_in_flight),
		TEST(a_failed_send_puts_its_files),
		TEST(an_emsgsize_send_puts_its_files),
		/* Last: when it fails it leaves a thread behind. */
		TEST(waiters_on_a_closed_socket_are_released),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
