/*
 * The virtio-console driver (drivers/virtio/virtio_console.c, built in
 * here so its static functions can be called) over the fake transport:
 * an attach that fails at any step, the control handshake included,
 * undoes itself; a port write to a device that keeps its buffer ends with
 * -ETIMEDOUT after the driver's bound.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio/virtio_console.c"
#include "tests/host/virtio_fake.h"

/* --- what the driver needs of the kernel beyond the fake's ---------------------------- */

void sem_init(struct sem *s, unsigned long count) { s->count = count; }
void sem_post(struct sem *s) { s->count++; }
void mutex_init(struct mutex *m) { m->owner = NULL; }
bool sched_lock(void) { return false; }
void sched_unlock(bool state) {}
int mutex_lock(struct mutex *m) { return 0; }
int mutex_unlock(struct mutex *m) { return 0; }
void cond_init(struct cond *c) {}
void cond_broadcast(struct cond *c) {}
int cond_timedwait(struct cond *c, struct mutex *m, uint64_t timeout_ns)
{
	now_ns += timeout_ns;
	return -ETIMEDOUT;
}
/* The control thread is not run here: the handshake at attach is. */
int thread_create(struct thread **out, const char *name, int (*fn)(void *arg), void *arg, size_t stack_size)
{
	return 0;
}
static unsigned sinks;
int console_add_sink(console_sink_fn fn, void (*flush)(void))
{
	sinks++;
	return 0;
}
void console_set_emergency(console_sink_fn fn) {}
/* What reached the console's input. */
static uint8_t input[4096];
static size_t input_len;
void console_input(const void *s, size_t n)
{
	assert_true(input_len + n <= sizeof(input));
	memcpy(input + input_len, s, n);
	input_len += n;
}
/* The character device class: what the driver tells it, recorded. */
static unsigned notified;
void chardev_notify(struct chardev *cd) { notified++; }
int chardev_register(struct chardev *cd)
{
	cd->reg.registered = true;
	return 0;
}
int chardev_unregister(struct chardev *cd)
{
	cd->reg.registered = false;
	return 0;
}
void chardev_set_host_connected(struct chardev *cd, bool connected) { cd->host_connected = connected; }
/* A misused DMA pool panics: the test fails. */
void panic_at(const char *file, int line, const char *fmt, ...)
{
	fail_msg("panic at %s:%d: %s", file, line, fmt);
	abort();
}

#define MULTIPORT_OFFER (VIRTIO_F_VERSION_1 | VIRTIO_CONSOLE_F_MULTIPORT | VIRTIO_RING_F_INDIRECT_DESC)

/* A device with max_nr_ports ports; it answers what is posted (the
 * control messages) while the driver waits, unless silenced. */
static bool device_silent;

static void device_answers(void)
{
	struct vtcon *c = vd.driver;
	if (device_silent || c == NULL)
		return;
	/* The transmit queues: port 0's and the control one. The device's
	 * own memory is not the driver's to fail. */
	bool was = counting;
	counting = false;
	for (int q = 1; q < NQ; q += 2)
		if (fk.sim_live[q] && vdev_sim_run(&fk.sim[q])) {
			c->ctrl_tx_used.count++;
			c->port[0].tx_used.count++;
		}
	counting = was;
}

static void fresh_console(uint32_t ports)
{
	fresh(false, MULTIPORT_OFFER);
	memcpy(fk.config + CFG_MAX_NR_PORTS, &ports, 4);
	device_silent = false;
	while_waiting = device_answers;
}

/* Undoes a successful attach, as the kernel never does. */
static void console_release(struct vtcon *c)
{
	virtio_detach(&vd);
	dma_uncarve(c->ctrl_rxbuf, CTRL_BUFS, CTRL_BUF_SIZE);
	dma_uncarve(&c->ctrl_txbuf, 1, sizeof(struct virtio_console_control));
	for (uint32_t id = 0; id < c->nports; id++) {
		if (c->port[id].txbuf.p)
			dma_free_pages(c->port[id].txbuf.p, TX_BUF_SIZE);
		dma_uncarve(c->port[id].rxbuf, RX_BUFS, RX_BUF_SIZE);
		if (c->port[id].console)
			dma_uncarve(c->port[id].ctx, CONSOLE_TX_BUFS, CONSOLE_TX_SIZE);
	}
	console_port = NULL;
	free(c->port);
	free(c);
	vd.driver = NULL;
	emergency_con = NULL;
	/* Every buffer back: the pools go too, and nothing is left. */
	pools_trim();
	assert_null(small_pool);
	assert_null(rx_pool);
	assert_int_equal(dma_live, 0);
}

static void attach_unwinds(void **state)
{
	fresh_console(1);
	counting = true;
	assert_int_equal(vtcon_attach(&vd), 0);
	counting = false;
	unsigned total = allocs;
	struct vtcon *c = vd.driver;
	assert_non_null(c);
	assert_int_equal(c->nports, 1);
	console_release(c);

	for (unsigned n = 1; n <= total; n++) {
		fresh_console(1);
		counting = true;
		fail_alloc_at = n;
		int err = vtcon_attach(&vd);
		counting = false;
		assert_int_equal(err, -ENOMEM);
		assert_null(vd.driver);
		/* The pools it filled are gone with it. */
		assert_null(small_pool);
		assert_null(rx_pool);
		if (fk.nstatus == 0)
			assert_int_equal(dma_live, 0);
		else
			assert_detached(err);
	}
	/* What the device can refuse or get wrong. */
	fresh_console(0); /* no ports */
	assert_detached(vtcon_attach(&vd));
	fresh_console(1);
	fk.refuse_features = true;
	assert_detached(vtcon_attach(&vd));
	for (int q = 0; q < NQ; q++) {
		fresh_console(1);
		fk.qsize[q] = 0; /* a queue missing */
		assert_detached(vtcon_attach(&vd));
		fresh_console(1);
		fk.fail_queue_enable = q + 1;
		assert_detached(vtcon_attach(&vd));
	}
	fresh_console(1);
	fk.fail_irq = true;
	assert_detached(vtcon_attach(&vd));
	/* The device never takes DEVICE_READY: 5 s, then undone, the
	 * message's buffer freed only after the reset. */
	fresh_console(1);
	device_silent = true;
	uint64_t t = now_ns;
	assert_detached(vtcon_attach(&vd));
	assert_int_equal(now_ns - t, CONTROL_TIMEOUT_NS);
	assert_null(vd.driver);
}

/* More ports than the fixed table had, bounded by the device's word:
 * max_nr_ports beyond the 16-bit queue index is refused. */
static void ports_follow_the_device(void **state)
{
	fresh_console(MAX_PORTS + 1);
	assert_detached(vtcon_attach(&vd));
	assert_non_null(strstr(log_text, "max_nr_ports is 32768"));
}

/* A named port becomes a character device; a second name is refused and
 * the device going away unregisters it. */
static void named_port_is_a_chardev(void **state)
{
	fresh_console(1);
	assert_int_equal(vtcon_attach(&vd), 0);
	struct vtcon *c = vd.driver;
	struct vtcon_port *p = &c->port[0];
	uint8_t msg[8 + 5];
	struct virtio_console_control m = { 0, VIRTIO_CONSOLE_DEVICE_ADD, 0 };
	memcpy(msg, &m, sizeof(m));
	handle_control(c, msg, sizeof(m));
	assert_true(p->present);
	assert_false(p->cd.reg.registered); /* no name yet */
	m.event = VIRTIO_CONSOLE_PORT_NAME;
	memcpy(msg, &m, sizeof(m));
	memcpy(msg + sizeof(m), "alpha", 5);
	handle_control(c, msg, sizeof(msg));
	assert_true(p->cd.reg.registered);
	assert_string_equal(p->cd.reg.name, "alpha");
	memcpy(msg + sizeof(m), "bravo", 5);
	handle_control(c, msg, sizeof(msg));
	assert_string_equal(p->cd.reg.name, "alpha");
	assert_non_null(strstr(log_text, "named again"));
	m.event = VIRTIO_CONSOLE_PORT_OPEN;
	m.value = 1;
	handle_control(c, (uint8_t *)&m, sizeof(m));
	assert_true(p->cd.host_connected);
	m.event = VIRTIO_CONSOLE_DEVICE_REMOVE;
	handle_control(c, (uint8_t *)&m, sizeof(m));
	assert_false(p->cd.reg.registered);
	assert_false(p->cd.host_connected);
	assert_int_equal(port_poll(&p->cd), CHARDEV_ERROR);
	console_release(c);
}

static void port_write_bounded(void **state)
{
	fresh_console(1);
	assert_int_equal(vtcon_attach(&vd), 0);
	struct vtcon *c = vd.driver;
	struct vtcon_port *p = &c->port[0];
	c->port[0].present = true;
	assert_int_equal(dma(&p->txbuf, TX_BUF_SIZE), 0);

	/* A device that takes what is written. */
	static uint8_t data[10000];
	assert_int_equal(port_write(&p->cd, data, sizeof(data)), sizeof(data));

	/* One that stops: the write ends after the bound, with what was
	 * taken before or the error, and the next write is bounded too. */
	device_silent = true;
	uint64_t t = now_ns;
	unsigned before = notified;
	assert_int_equal(port_write(&p->cd, data, sizeof(data)), -ETIMEDOUT);
	assert_true(notified > before);				   /* pollers hear the write ended */
	assert_int_equal(port_poll(&p->cd) & CHARDEV_WRITABLE, 0); /* the device kept the buffer */
	assert_int_equal(now_ns - t, VIRTIO_TIMEOUT_DEFAULT_NS);
	t = now_ns;
	assert_int_equal(port_write(&p->cd, data, 10), -ETIMEDOUT);
	assert_int_equal(now_ns - t, VIRTIO_TIMEOUT_DEFAULT_NS);
	/* The device takes the kept buffer: writing works again. */
	device_silent = false;
	assert_int_equal(port_write(&p->cd, data, 10), 10);
	assert_false(p->tx_pending);
	assert_true(port_poll(&p->cd) & CHARDEV_WRITABLE);
	console_release(c);
}

/* Without MULTIPORT port 0 is the console: what the host types there is
 * console input, and each buffer goes back to the device. A length past
 * the buffer gives the buffer, no more; a used id that names no buffer
 * breaks the queue, and input stops. */
static void console_port_input(void **state)
{
	fresh(false, VIRTIO_F_VERSION_1);
	while_waiting = NULL;
	assert_int_equal(vtcon_attach(&vd), 0);
	struct vtcon *c = vd.driver;
	struct vtcon_port *p = &c->port[0];
	assert_true(p->console);
	struct vdev_sim *d = &fk.sim[0];
	assert_int_equal(vdev_sim_fetch(d), RX_BUFS);
	input_len = 0;
	struct vdev_done done;
	d->fill = 'a';
	vdev_sim_complete(d, 0, 5, &done);
	d->fill = 'A';
	vdev_sim_complete(d, 0, 3, &done);
	vdev_sim_publish(d);
	on_port_rx(p->rx);
	assert_int_equal(input_len, 8);
	assert_memory_equal(input, "abcdeABC", 8);
	/* Both buffers were posted again. */
	assert_int_equal(vdev_sim_fetch(d), 2);
	assert_null(d->error);

	assert_true(vdev_sim_misbehave(d, VDEV_LEN_BEYOND));
	on_port_rx(p->rx);
	assert_int_equal(input_len, 8 + RX_BUF_SIZE);
	assert_false(p->rx->broken);
	assert_true(vdev_sim_misbehave(d, VDEV_ID_BEYOND));
	on_port_rx(p->rx);
	assert_int_equal(input_len, 8 + RX_BUF_SIZE);
	assert_true(p->rx->broken);
	console_release(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attach_unwinds),	   cmocka_unit_test(ports_follow_the_device),
		cmocka_unit_test(named_port_is_a_chardev), cmocka_unit_test(port_write_bounded),
		cmocka_unit_test(console_port_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
