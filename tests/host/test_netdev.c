/*
 * The network device class (kernel/netdev.c) against a fake driver: the
 * checks every frame passes on its way down, transmit completions inline
 * and from a timer (as from an interrupt handler), received frames lent
 * to a fake stack and given back, the link, the counters, and hot-unplug
 * while the device is open.
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
#include "kernel/netdev.h"
#include "tests/host/sched_host.h"

#define T0 UINT64_C(1000000000)
#define MS UINT64_C(1000000)

/* --- the fake driver ---------------------------------------------------------------------- */

struct fake {
	struct netdev nd;
	int open_err;
	bool opened, later, busy;
	unsigned long transmits, stops, flushes;
	const struct net_seg *last_segs;
	unsigned last_nsegs;
	struct net_offload last_off;
	void *pending; /* a cookie whose completion a timer will report */
	struct timer timer;
};

static int fake_open(struct netdev *nd)
{
	struct fake *f = nd->driver;
	if (f->open_err)
		return f->open_err;
	f->opened = true;
	return 0;
}

static void complete_later(struct timer *t, void *ctx)
{
	struct fake *f = ctx;
	HOST_CHECK(host_in_interrupt());
	void *c = f->pending;
	f->pending = NULL;
	netdev_tx_complete(&f->nd, c, 0);
}

static void fake_stop(struct netdev *nd)
{
	struct fake *f = nd->driver;
	f->stops++;
	f->opened = false;
	/* Frames in flight fail before stop returns. */
	if (f->pending && arch_timer_cancel(&f->timer)) {
		void *c = f->pending;
		f->pending = NULL;
		netdev_tx_complete(nd, c, -EIO);
	}
}

static int fake_transmit(struct netdev *nd, const struct net_seg *segs, unsigned nsegs, const struct net_offload *off,
			 void *cookie)
{
	struct fake *f = nd->driver;
	HOST_CHECK(f->opened);
	if (f->busy)
		return -EAGAIN;
	f->transmits++;
	f->last_segs = segs;
	f->last_nsegs = nsegs;
	f->last_off = *off;
	if (f->later) {
		HOST_CHECK(f->pending == NULL);
		f->pending = cookie;
		arch_timer_arm(&f->timer, host_clock() + MS, complete_later, f);
	} else {
		netdev_tx_complete(nd, cookie, 0);
	}
	return 0;
}

static void fake_tx_flush(struct netdev *nd) { ((struct fake *)nd->driver)->flushes++; }

static const struct netdev_ops fake_ops = { fake_open, fake_stop, fake_transmit, fake_tx_flush };
/* A driver that does not hold back notifications. */
static const struct netdev_ops fake_ops_no_flush = { fake_open, fake_stop, fake_transmit, NULL };

static struct fake fakes[2];

static struct fake *make(unsigned i, const char *name)
{
	struct fake *f = &fakes[i];
	memset(f, 0, sizeof(*f));
	snprintf(f->nd.reg.name, sizeof(f->nd.reg.name), "%s", name);
	f->nd.ops = &fake_ops;
	f->nd.driver = f;
	f->nd.mtu = 1500;
	f->nd.max_tx_segs = 4;
	memcpy(f->nd.mac, "\x52\x54\x00\x12\x34\x56", 6);
	return f;
}

/* --- the fake stack ------------------------------------------------------------------------ */

static char log_[512];
static struct net_rxframe *held; /* a frame the stack keeps for now */
static bool hold_frames;

static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = strlen(log_);
	vsnprintf(log_ + n, sizeof(log_) - n, fmt, ap);
	va_end(ap);
}

static void stack_rx(struct netdev *nd, struct net_rxframe *f)
{
	HOST_CHECK(f->dev == nd);
	say("rx%u ", (unsigned)f->len);
	if (hold_frames)
		held = f;
	else
		f->release(f);
}

static void stack_tx_done(struct netdev *nd, void *cookie, int status) { say("done:%s:%d ", (char *)cookie, status); }

static void stack_link(struct netdev *nd, bool up) { say("link:%s ", up ? "up" : "down"); }

static const struct netdev_stack stack = { stack_rx, stack_tx_done, stack_link };

static unsigned long released;
static void release_frame(struct net_rxframe *f) { released++; }

static int setup(void **state)
{
	log_[0] = '\0';
	held = NULL;
	hold_frames = false;
	released = 0;
	return host_reset(T0) ? 0 : -1;
}

static int teardown(void **state)
{
	for (unsigned i = 0; i < 2; i++)
		if (fakes[i].nd.reg.registered)
			netdev_unregister(&fakes[i].nd);
	if (netdev_find("eth0") || !host_quiescent()) {
		print_error("the test left devices, threads or timers behind\n");
		return -1;
	}
	return 0;
}

static uint8_t frame[70000];

/* --- tests ----------------------------------------------------------------------------------- */

static void test_register_and_open(void **state)
{
	struct fake *f = make(0, "eth0");
	f->nd.mtu = 20;
	assert_int_equal(netdev_register(&f->nd), -EINVAL);
	f = make(0, "eth0");
	f->nd.max_tx_segs = 0;
	assert_int_equal(netdev_register(&f->nd), -EINVAL);
	f = make(0, "eth0");
	assert_int_equal(netdev_register(&f->nd), 0);
	struct fake *g = make(1, "eth0");
	assert_int_equal(netdev_register(&g->nd), -EEXIST);
	assert_ptr_equal(netdev_find("eth0"), &f->nd);

	static const struct netdev_stack no_rx = { NULL, stack_tx_done, NULL };
	assert_int_equal(netdev_open(&f->nd, &no_rx, NULL), -EINVAL);
	f->open_err = -EIO;
	assert_int_equal(netdev_open(&f->nd, &stack, NULL), -EIO);
	assert_false(f->nd.open);
	f->open_err = 0;
	assert_int_equal(netdev_open(&f->nd, &stack, (void *)1), 0);
	assert_ptr_equal(f->nd.stack_ctx, (void *)1);
	assert_int_equal(netdev_open(&f->nd, &stack, NULL), -EBUSY);
	netdev_close(&f->nd);
	assert_false(f->opened);
	assert_int_equal(f->stops, 1);
	netdev_close(&f->nd); /* closed already: nothing */
	assert_int_equal(f->stops, 1);
}

static void test_transmit_checks(void **state)
{
	struct fake *f = make(0, "eth0");
	assert_int_equal(netdev_register(&f->nd), 0);
	struct net_seg seg = { frame, 60 };
	assert_int_equal(netdev_transmit(&f->nd, &seg, 1, NULL, "a"), -ENETDOWN);
	assert_int_equal(netdev_open(&f->nd, &stack, NULL), 0);

	struct net_seg five[5] = { { frame, 20 }, { frame, 20 }, { frame, 20 }, { frame, 20 }, { frame, 20 } };
	assert_int_equal(netdev_transmit(&f->nd, five, 5, NULL, "a"), -EINVAL); /* max_tx_segs */
	assert_int_equal(netdev_transmit(&f->nd, five, 0, NULL, "a"), -EINVAL);
	struct net_seg tiny = { frame, 10 };
	assert_int_equal(netdev_transmit(&f->nd, &tiny, 1, NULL, "a"), -EINVAL); /* shorter than a header */
	struct net_seg empty[2] = { { frame, 60 }, { frame, 0 } };
	assert_int_equal(netdev_transmit(&f->nd, empty, 2, NULL, "a"), -EINVAL);
	struct net_seg full = { frame, 1500 + 14 + 4 }, over = { frame, 1500 + 14 + 5 };
	assert_int_equal(netdev_transmit(&f->nd, &full, 1, NULL, "full"), 0);
	assert_int_equal(netdev_transmit(&f->nd, &over, 1, NULL, "a"), -EINVAL);

	/* Checksum offload: only when offered, and inside the frame. */
	struct net_offload csum = { .flags = NET_OFF_CSUM_PARTIAL, .csum_start = 34, .csum_offset = 16 };
	assert_int_equal(netdev_transmit(&f->nd, &seg, 1, &csum, "a"), -EINVAL);
	f->nd.features = NETDEV_F_TX_CSUM;
	assert_int_equal(netdev_transmit(&f->nd, &seg, 1, &csum, "csum"), 0);
	assert_int_equal(f->last_off.csum_start, 34);
	csum.csum_offset = 25; /* 34 + 25 + 2 > 60 */
	assert_int_equal(netdev_transmit(&f->nd, &seg, 1, &csum, "a"), -EINVAL);
	struct net_offload valid = { .flags = NET_OFF_CSUM_VALID };
	assert_int_equal(netdev_transmit(&f->nd, &seg, 1, &valid, "a"), -EINVAL);

	/* Segmentation: offered, with a partial checksum and headers. */
	struct net_seg jumbo = { frame, 65000 };
	struct net_offload tso = { .flags = NET_OFF_CSUM_PARTIAL,
				   .gso_type = NET_GSO_TCPV4,
				   .hdr_len = 54,
				   .gso_size = 1448,
				   .csum_start = 34,
				   .csum_offset = 16 };
	assert_int_equal(netdev_transmit(&f->nd, &jumbo, 1, &tso, "a"), -EINVAL);
	f->nd.features |= NETDEV_F_TSO4;
	assert_int_equal(netdev_transmit(&f->nd, &jumbo, 1, &tso, "tso"), 0);
	tso.gso_type = NET_GSO_TCPV6;
	assert_int_equal(netdev_transmit(&f->nd, &jumbo, 1, &tso, "a"), -EINVAL);
	tso.gso_type = NET_GSO_TCPV4;
	tso.flags = 0;
	assert_int_equal(netdev_transmit(&f->nd, &jumbo, 1, &tso, "a"), -EINVAL);
	tso.flags = NET_OFF_CSUM_PARTIAL;
	tso.gso_size = 0;
	assert_int_equal(netdev_transmit(&f->nd, &jumbo, 1, &tso, "a"), -EINVAL);
	tso.gso_size = 1448;
	tso.gso_type = 9;
	assert_int_equal(netdev_transmit(&f->nd, &jumbo, 1, &tso, "a"), -EINVAL);
	tso.gso_type = NET_GSO_TCPV4;
	struct net_seg too_big = { frame, 65535 + 14 + 5 };
	assert_int_equal(netdev_transmit(&f->nd, &too_big, 1, &tso, "a"), -EINVAL);
	f->nd.max_gso_len = 32768;
	assert_int_equal(netdev_transmit(&f->nd, &jumbo, 1, &tso, "a"), -EINVAL);

	assert_int_equal(f->transmits, 3);
	assert_string_equal(log_, "done:full:0 done:csum:0 done:tso:0 ");
	assert_int_equal(f->nd.stats.tx_packets, 3);
	assert_int_equal(f->nd.stats.tx_bytes, 1518 + 60 + 65000);
	assert_int_equal(f->nd.stats.tx_rejected, 15);
	netdev_close(&f->nd);
}

/* Completions from interrupt context, a full queue, and the frames in
 * flight when the device stops. */
/* NET_OFF_MORE passes to the driver; netdev_tx_flush reaches a driver
 * that has the operation, while the device is open, and is harmless for
 * one without it. */
static void test_transmit_more_and_flush(void **state)
{
	struct fake *f = make(0, "eth0");
	assert_int_equal(netdev_register(&f->nd), 0);
	struct net_seg seg = { frame, 60 };
	netdev_tx_flush(&f->nd); /* not open: nothing */
	assert_int_equal(f->flushes, 0);
	assert_int_equal(netdev_open(&f->nd, &stack, NULL), 0);
	struct net_offload more = { .flags = NET_OFF_MORE };
	assert_int_equal(netdev_transmit(&f->nd, &seg, 1, &more, "a"), 0);
	assert_int_equal(f->last_off.flags, NET_OFF_MORE);
	assert_int_equal(f->flushes, 0);
	netdev_tx_flush(&f->nd);
	assert_int_equal(f->flushes, 1);
	netdev_close(&f->nd);
	netdev_tx_flush(&f->nd);
	assert_int_equal(f->flushes, 1);
	f->nd.ops = &fake_ops_no_flush;
	assert_int_equal(netdev_open(&f->nd, &stack, NULL), 0);
	netdev_tx_flush(&f->nd);
	netdev_close(&f->nd);
	f->nd.ops = &fake_ops;
}

static void test_transmit_completion_later(void **state)
{
	struct fake *f = make(0, "eth0");
	assert_int_equal(netdev_register(&f->nd), 0);
	assert_int_equal(netdev_open(&f->nd, &stack, NULL), 0);
	f->later = true;
	struct net_seg segs[2] = { { frame, 14 }, { frame + 14, 100 } };
	assert_int_equal(netdev_transmit(&f->nd, segs, 2, NULL, "one"), 0);
	assert_ptr_equal(f->last_segs, segs);
	assert_int_equal(f->last_nsegs, 2);
	assert_string_equal(log_, "");
	sleep_ns(2 * MS);
	assert_string_equal(log_, "done:one:0 ");
	f->busy = true;
	assert_int_equal(netdev_transmit(&f->nd, segs, 2, NULL, "x"), -EAGAIN);
	assert_int_equal(f->nd.stats.tx_busy, 1);
	f->busy = false;
	assert_int_equal(netdev_transmit(&f->nd, segs, 2, NULL, "two"), 0);
	netdev_close(&f->nd);
	assert_string_equal(log_, "done:one:0 done:two:-5 ");
	assert_int_equal(f->nd.stats.tx_errors, 1);
	assert_int_equal(host_timers_armed(), 0);
}

static void test_receive(void **state)
{
	struct fake *f = make(0, "eth0");
	assert_int_equal(netdev_register(&f->nd), 0);
	struct net_seg segs[2] = { { frame, 14 }, { frame + 14, 86 } };
	struct net_rxframe rx = { .segs = segs, .nsegs = 2, .len = 100, .release = release_frame };

	/* Nobody listening: given back at once. */
	netdev_input(&f->nd, &rx);
	assert_int_equal(released, 1);
	assert_int_equal(f->nd.stats.rx_dropped, 1);

	assert_int_equal(netdev_open(&f->nd, &stack, NULL), 0);
	hold_frames = true;
	netdev_input(&f->nd, &rx);
	assert_ptr_equal(held, &rx); /* lent, not copied */
	assert_int_equal(released, 1);
	held->release(held);
	assert_int_equal(released, 2);
	hold_frames = false;

	/* What does not add up never reaches the stack. */
	rx.len = 101;
	netdev_input(&f->nd, &rx);
	rx.len = 100;
	rx.off.flags = NET_OFF_CSUM_VALID; /* the device does not offer it */
	netdev_input(&f->nd, &rx);
	f->nd.features = NETDEV_F_RX_CSUM;
	netdev_input(&f->nd, &rx);
	rx.off = (struct net_offload){ .flags = NET_OFF_CSUM_PARTIAL, .csum_start = 90, .csum_offset = 16 };
	netdev_input(&f->nd, &rx);
	rx.off = (struct net_offload){ 0 };
	struct net_seg big[2] = { { frame, 14 }, { frame + 14, 9000 } };
	struct net_rxframe lro = { .segs = big, .nsegs = 2, .len = 9014, .release = release_frame };
	netdev_input(&f->nd, &lro);
	lro.off.gso_type = NET_GSO_TCPV4;
	netdev_input(&f->nd, &lro);
	f->nd.features |= NETDEV_F_LRO4;
	netdev_input(&f->nd, &lro);
	lro.off.gso_type = NET_GSO_UDP_L4;
	netdev_input(&f->nd, &lro);
	struct net_rxframe none = { .segs = segs, .nsegs = 0, .len = 0, .release = release_frame };
	netdev_input(&f->nd, &none);

	assert_string_equal(log_, "rx100 rx100 rx9014 ");
	assert_int_equal(released, 11); /* every frame given back */
	assert_int_equal(f->nd.stats.rx_errors, 7);
	assert_int_equal(f->nd.stats.rx_packets, 3);
	assert_int_equal(f->nd.stats.rx_bytes, 100 + 100 + 9014);
	netdev_close(&f->nd);
}

static void test_link_changes(void **state)
{
	struct fake *f = make(0, "eth0");
	assert_int_equal(netdev_register(&f->nd), 0);
	netdev_set_link(&f->nd, true); /* recorded, nobody told */
	assert_true(f->nd.link_up);
	assert_int_equal(netdev_open(&f->nd, &stack, NULL), 0);
	netdev_set_link(&f->nd, true); /* no change */
	netdev_set_link(&f->nd, false);
	netdev_set_link(&f->nd, true);
	assert_string_equal(log_, "link:down link:up ");
	netdev_close(&f->nd);
}

struct seen {
	struct netdev_notifier n;
	unsigned added, removed;
};

/* The stack lets go of a device that goes. */
static void stack_added(struct netdev_notifier *n, struct netdev *nd)
{
	((struct seen *)n)->added++;
	HOST_CHECK(netdev_open(nd, &stack, NULL) == 0);
}

static void stack_removed(struct netdev_notifier *n, struct netdev *nd)
{
	((struct seen *)n)->removed++;
	netdev_close(nd);
}

static int count(struct netdev *nd, void *arg)
{
	++*(unsigned *)arg;
	return 0;
}

static void test_hot_plug(void **state)
{
	struct seen s = { .n = { stack_added, stack_removed } };
	netdev_notifier_register(&s.n);
	struct fake *f = make(0, "eth0");
	assert_int_equal(netdev_register(&f->nd), 0);
	assert_int_equal(s.added, 1);
	assert_true(f->opened);
	struct fake *g = make(1, "eth1");
	assert_int_equal(netdev_register(&g->nd), 0);
	unsigned n = 0;
	netdev_foreach(count, &n);
	assert_int_equal(n, 2);
	f->later = true;
	struct net_seg seg = { frame, 60 };
	assert_int_equal(netdev_transmit(&f->nd, &seg, 1, NULL, "inflight"), 0);
	assert_int_equal(netdev_unregister(&f->nd), 0);
	assert_int_equal(s.removed, 1);
	assert_false(f->opened);
	assert_string_equal(log_, "done:inflight:-5 ");
	assert_null(netdev_find("eth0"));
	assert_int_equal(netdev_notifier_unregister(&s.n), 0);
	/* Unplugged while open, with no notifier to close it: closed anyway. */
	assert_true(g->opened);
	assert_int_equal(netdev_unregister(&g->nd), 0);
	assert_false(g->opened);
	assert_false(g->nd.open);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_and_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transmit_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transmit_completion_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transmit_more_and_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_plug, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
