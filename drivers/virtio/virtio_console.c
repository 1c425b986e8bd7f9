/*
 * virtio-console (virtio 1.2, section 5.3). Port 0 is a console beside the
 * serial port; with VIRTIO_CONSOLE_F_MULTIPORT the device announces more
 * ports, with names, through a pair of control queues; each named port
 * is registered as a character device (kernel/chardev.h), which is how
 * applications open them (include/keel.h: keel_port_*). With
 * VIRTIO_CONSOLE_F_EMERG_WRITE a panic report also goes out through the
 * emergency write register.
 *
 * A thread per device handles control messages; interrupt handlers only
 * post semaphores. Everything the device sends is checked: port ids
 * against the ports the driver set up, lengths against the buffers, names
 * against their buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio.h"
#include "kernel/chardev.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/mm/dma.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "arch/x86_64/cpu.h"

#define VIRTIO_CONSOLE_F_SIZE (1ull << 0)
#define VIRTIO_CONSOLE_F_MULTIPORT (1ull << 1)
#define VIRTIO_CONSOLE_F_EMERG_WRITE (1ull << 2)

/* Section 5.3.4: the configuration. */
#define CFG_MAX_NR_PORTS 4
#define CFG_EMERG_WR 8

/* Section 5.3.6.2: control messages. */
struct virtio_console_control {
	uint32_t id;
	uint16_t event;
	uint16_t value;
};
_Static_assert(sizeof(struct virtio_console_control) == 8, "virtio_console_control");

enum {
	VIRTIO_CONSOLE_DEVICE_READY = 0,
	VIRTIO_CONSOLE_DEVICE_ADD = 1,
	VIRTIO_CONSOLE_DEVICE_REMOVE = 2,
	VIRTIO_CONSOLE_PORT_READY = 3,
	VIRTIO_CONSOLE_CONSOLE_PORT = 4,
	VIRTIO_CONSOLE_RESIZE = 5,
	VIRTIO_CONSOLE_PORT_OPEN = 6,
	VIRTIO_CONSOLE_PORT_NAME = 7,
};

/* Keel sets up queues for every port the device declares (max_nr_ports,
 * two queues each), bounded by the 16-bit queue index and by memory. */
#define MAX_PORTS ((VIRTIO_MAX_QUEUES - 2) / 2)
#define QUEUE_ENTRIES 32
/* Small buffers come from DMA pools shared by every port and device, one
 * per size; a transmit buffer is a page of its own. */
#define RX_BUFS 8
#define RX_BUF_SIZE 512
#define TX_BUF_SIZE 4096
#define CTRL_BUFS 16
#define CTRL_BUF_SIZE 256  /* a control message and a port name */
#define CONSOLE_TX_BUFS 32 /* room for the history a new console is given */
#define CONSOLE_TX_SIZE 256

struct dma_buf {
	uint8_t *p;
	uint64_t phys;
};

struct vtcon_port {
	struct chardev cd;
	struct vtcon *con;
	uint32_t id;
	bool present, console;
	bool tx_busy; /* a write is under way */
	char name[DEVREG_NAME_MAX];
	struct virtqueue *rx, *tx;
	struct dma_buf rxbuf[RX_BUFS];
	/* The buffer being read from, and how far. */
	struct dma_buf *cur;
	uint32_t cur_len, cur_off;
	struct dma_buf txbuf;
	bool tx_pending; /* txbuf is the device's: a write it has not taken yet */
	struct sem rx_used, tx_used;
	struct mutex rx_lock, tx_lock;
	/* For the console on this port (interrupt context allowed). */
	struct dma_buf ctx[CONSOLE_TX_BUFS];
	bool ctx_busy[CONSOLE_TX_BUFS];
	unsigned long console_dropped;
};

struct vtcon {
	struct virtio_device *vd;
	bool multiport;
	uint32_t nports;
	struct vtcon_port *port; /* nports of them, from the heap */
	struct virtqueue *ctrl_rx, *ctrl_tx;
	struct dma_buf ctrl_rxbuf[CTRL_BUFS];
	struct dma_buf ctrl_txbuf;
	struct sem ctrl_used, ctrl_tx_used;
	struct mutex ctrl_tx_lock;
	struct mutex lock;   /* port table */
	struct cond changed; /* a port appeared, got a name, opened */
	struct thread *thread;
};

static struct vtcon *emergency_con;
static struct vtcon_port *console_port;

static int dma(struct dma_buf *b, size_t size)
{
	b->p = dma_alloc_pages(size, &b->phys);
	return b->p ? 0 : -ENOMEM;
}

#define SMALL_BUF_SIZE 256
_Static_assert(CTRL_BUF_SIZE <= SMALL_BUF_SIZE && CONSOLE_TX_SIZE <= SMALL_BUF_SIZE, "small buffers");
static struct dma_pool *small_pool, *rx_pool;

static struct dma_pool **pool_for(size_t size) { return size <= SMALL_BUF_SIZE ? &small_pool : &rx_pool; }

/* n buffers of size bytes (SMALL_BUF_SIZE or RX_BUF_SIZE at most), each
 * within a page: a descriptor's buffer is physically contiguous. All or
 * none: on -ENOMEM every b[i].p is NULL. */
static int dma_carve(struct dma_buf *b, unsigned n, size_t size)
{
	bool small = size <= SMALL_BUF_SIZE;
	struct dma_pool **pool = pool_for(size);
	if (*pool == NULL)
		*pool = dma_pool_create(small ? "virtio-console small" : "virtio-console rx",
					small ? SMALL_BUF_SIZE : RX_BUF_SIZE, 16, DMA_POOL_NO_PAGE_CROSS);
	if (*pool == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		b[i].p = dma_pool_alloc(*pool, &b[i].phys);
		if (b[i].p == NULL) {
			while (i-- > 0) {
				dma_pool_free(*pool, b[i].p);
				b[i].p = NULL;
			}
			return -ENOMEM;
		}
	}
	return 0;
}

/* Gives back what dma_carve handed out (the NULL ones skipped). */
static void dma_uncarve(struct dma_buf *b, unsigned n, size_t size)
{
	for (unsigned i = 0; i < n; i++) {
		if (b[i].p)
			dma_pool_free(*pool_for(size), b[i].p);
		b[i].p = NULL;
	}
}

/* The pools, once no buffer of theirs is in use (an attach that failed
 * with no other device), go back to the page allocator. */
static void pools_trim(void)
{
	if (small_pool && dma_pool_destroy(small_pool) == 0)
		small_pool = NULL;
	if (rx_pool && dma_pool_destroy(rx_pool) == 0)
		rx_pool = NULL;
}

static const struct chardev_ops port_ops;

static int rx_queue_index(uint32_t port) { return port == 0 ? 0 : (int)(2 + 2 * port); }

/* --- interrupt handlers: they only wake threads --- */

static void console_take_input(struct vtcon_port *p);

static void on_port_rx(struct virtqueue *vq)
{
	struct vtcon_port *p = vq->owner;
	/* The console port is nobody's to open (keel_port_open refuses it):
	 * what is typed there is console input, taken at once. */
	if (p->console) {
		console_take_input(p);
		return;
	}
	sem_post(&p->rx_used);
	chardev_notify(&p->cd);
}

static void on_port_tx(struct virtqueue *vq)
{
	struct vtcon_port *p = vq->owner;
	sem_post(&p->tx_used);
	chardev_notify(&p->cd);
}
static void on_ctrl_rx(struct virtqueue *vq) { sem_post(&((struct vtcon *)vq->owner)->ctrl_used); }
static void on_ctrl_tx(struct virtqueue *vq) { sem_post(&((struct vtcon *)vq->owner)->ctrl_tx_used); }

static int post_rx(struct virtqueue *vq, struct dma_buf *b, uint32_t size)
{
	struct vq_seg seg = { b->phys, size };
	return virtqueue_enqueue(vq, b, &seg, 0, 1);
}

/* --- control messages --- */

/* A control message the device has not taken by then never will be: it
 * costs no more than a host's main loop iteration. Without the bound, a
 * device that stays silent would hold the boot (attach waits for it). */
#define CONTROL_TIMEOUT_NS (5ull * 1000 * 1000 * 1000)

static int send_control(struct vtcon *c, uint32_t id, uint16_t event, uint16_t value)
{
	mutex_lock(&c->ctrl_tx_lock);
	struct virtio_console_control m = { id, event, value };
	memcpy(c->ctrl_txbuf.p, &m, sizeof(m));
	struct vq_seg seg = { c->ctrl_txbuf.phys, sizeof(m) };
	int err = virtqueue_enqueue(c->ctrl_tx, &c->ctrl_txbuf, &seg, 1, 0);
	if (!err) {
		virtqueue_kick(c->ctrl_tx);
		uint32_t len;
		if (virtio_wait_used(c->vd, c->ctrl_tx, &c->ctrl_tx_used, CONTROL_TIMEOUT_NS, &len) == NULL) {
			/* The buffer stays the device's: no more control
			 * messages on this device. */
			virtqueue_break(c->ctrl_tx, "a control message was not taken in 5 s");
			kwarn("%s: the device did not take a control message; its ports are not set up\n", c->vd->name);
			err = -EIO;
		}
	}
	mutex_unlock(&c->ctrl_tx_lock);
	return err;
}

static void console_sink(const char *s, size_t n);
static void console_flush_port(void);

/* A port's buffers, when the device first announces it: receive buffers
 * posted, a transmit buffer. */
static int port_buffers(struct vtcon_port *p)
{
	if (p->txbuf.p)
		return 0;
	int err = dma_carve(p->rxbuf, RX_BUFS, RX_BUF_SIZE);
	for (int i = 0; i < RX_BUFS && !err; i++)
		err = post_rx(p->rx, &p->rxbuf[i], RX_BUF_SIZE);
	if (!err)
		err = dma(&p->txbuf, TX_BUF_SIZE);
	if (err)
		kwarn("%s: no memory for port %u's buffers\n", p->con->vd->name, p->id);
	else
		virtqueue_kick(p->rx);
	return err;
}

/* Sends the console's output to port p from now on. */
static void become_console(struct vtcon_port *p)
{
	if (console_port != NULL || dma_carve(p->ctx, CONSOLE_TX_BUFS, CONSOLE_TX_SIZE) != 0)
		return;
	p->console = true;
	p->cd.kernel_owned = true;
	console_port = p;
	console_add_sink(console_sink, console_flush_port);
	/* Input typed before the port became the console. */
	bool irq = sched_lock();
	console_take_input(p);
	sched_unlock(irq);
}

/* A port that is present and named becomes a character device of that
 * name (once: a second name for it is ignored). */
static void port_publish(struct vtcon_port *p)
{
	if (!p->present || p->name[0] == '\0' || p->cd.reg.registered)
		return;
	memcpy(p->cd.reg.name, p->name, sizeof(p->cd.reg.name));
	int err = chardev_register(&p->cd);
	if (err)
		kwarn("%s: port %u cannot be registered as '%s' (%d)\n", p->con->vd->name, p->id, p->name, err);
}

static void port_gone(struct vtcon_port *p)
{
	p->present = false;
	if (p->cd.reg.registered)
		chardev_unregister(&p->cd);
	chardev_set_host_connected(&p->cd, false);
}

static void handle_control(struct vtcon *c, const uint8_t *msg, uint32_t len)
{
	struct virtio_console_control m;
	if (len < sizeof(m)) {
		kwarn("%s: control message of %u bytes ignored\n", c->vd->name, len);
		return;
	}
	memcpy(&m, msg, sizeof(m));
	if (m.id >= c->nports) {
		kwarn("%s: control message %u for port %u, which was not set up; ignored\n", c->vd->name, m.event,
		      m.id);
		return;
	}
	struct vtcon_port *p = &c->port[m.id];
	mutex_lock(&c->lock);
	switch (m.event) {
	case VIRTIO_CONSOLE_DEVICE_ADD:
		if (!p->present) {
			int ok = port_buffers(p) == 0;
			p->present = ok;
			port_publish(p);
			mutex_unlock(&c->lock);
			send_control(c, m.id, VIRTIO_CONSOLE_PORT_READY, (uint16_t)ok);
			mutex_lock(&c->lock);
		}
		break;
	case VIRTIO_CONSOLE_DEVICE_REMOVE: port_gone(p); break;
	case VIRTIO_CONSOLE_CONSOLE_PORT:
		if (p->present && console_port == NULL) {
			become_console(p);
			mutex_unlock(&c->lock);
			send_control(c, m.id, VIRTIO_CONSOLE_PORT_OPEN, 1);
			mutex_lock(&c->lock);
		}
		break;
	case VIRTIO_CONSOLE_PORT_OPEN: chardev_set_host_connected(&p->cd, m.value != 0); break;
	case VIRTIO_CONSOLE_PORT_NAME: {
		/* The name follows the message, unterminated. */
		uint32_t n = len - (uint32_t)sizeof(m);
		if (n >= sizeof(p->name))
			n = sizeof(p->name) - 1;
		if (p->cd.reg.registered) {
			kwarn("%s: port %u named again; it keeps its name '%s'\n", c->vd->name, m.id, p->name);
			break;
		}
		memcpy(p->name, msg + sizeof(m), n);
		p->name[n] = '\0';
		kinfo("%s: port %u is '%s'\n", c->vd->name, m.id, p->name);
		port_publish(p);
		break;
	}
	case VIRTIO_CONSOLE_RESIZE: break;
	default: kwarn("%s: unknown control event %u ignored\n", c->vd->name, m.event); break;
	}
	cond_broadcast(&c->changed);
	mutex_unlock(&c->lock);
}

/* Handles one control message if one is there; returns whether it did. */
static bool control_poll(struct vtcon *c)
{
	uint32_t len;
	struct dma_buf *b = virtqueue_dequeue(c->ctrl_rx, &len);
	if (b == NULL)
		return false;
	handle_control(c, b->p, len);
	if (post_rx(c->ctrl_rx, b, CTRL_BUF_SIZE) == 0)
		virtqueue_kick(c->ctrl_rx);
	return true;
}

static int control_thread(void *arg)
{
	struct vtcon *c = arg;
	for (;;) {
		uint32_t len;
		struct dma_buf *b = virtio_wait_used(c->vd, c->ctrl_rx, &c->ctrl_used, UINT64_MAX, &len);
		if (b == NULL) {
			kwarn("%s: the control queue broke (%s); no more port events\n", c->vd->name,
			      c->ctrl_rx->broken_why ? c->ctrl_rx->broken_why : "?");
			return 1;
		}
		handle_control(c, b->p, len);
		if (post_rx(c->ctrl_rx, b, CTRL_BUF_SIZE) == 0)
			virtqueue_kick(c->ctrl_rx);
	}
}

/* --- the console on port 0 (or the port the device names) --- */

/* Takes back the console's buffers the device is done with; returns how
 * many are still the device's. */
static unsigned console_reclaim(struct vtcon_port *p)
{
	uint32_t len;
	struct dma_buf *done;
	while ((done = virtqueue_dequeue(p->tx, &len)) != NULL)
		for (unsigned i = 0; i < CONSOLE_TX_BUFS; i++)
			if (done == &p->ctx[i])
				p->ctx_busy[i] = false;
	unsigned busy = 0;
	for (unsigned i = 0; i < CONSOLE_TX_BUFS; i++)
		busy += p->ctx_busy[i];
	return busy;
}

/* Before the VM ends: the device takes the console's buffers in its own
 * time (QEMU, from its main loop), so wait for it, at most 200 ms. */
static void console_flush_port(void)
{
	struct vtcon_port *p = console_port;
	if (p == NULL)
		return;
	uint64_t deadline = deadline_after(200000000ull);
	while (!p->tx->broken && console_reclaim(p) > 0 && clock_ns() < deadline)
		cpu_pause();
}

/* From any context, interrupts off: reclaim finished buffers, then queue
 * the text without waiting. What does not fit is dropped and counted. */
static void console_sink(const char *s, size_t n)
{
	struct vtcon_port *p = console_port;
	if (p == NULL || p->tx->broken)
		return;
	console_reclaim(p);
	while (n > 0) {
		unsigned i = 0;
		while (i < CONSOLE_TX_BUFS && p->ctx_busy[i])
			i++;
		if (i == CONSOLE_TX_BUFS) {
			p->console_dropped += n;
			break;
		}
		size_t k = n < CONSOLE_TX_SIZE ? n : CONSOLE_TX_SIZE;
		memcpy(p->ctx[i].p, s, k);
		struct vq_seg seg = { p->ctx[i].phys, (uint32_t)k };
		if (virtqueue_enqueue(p->tx, &p->ctx[i], &seg, 1, 0) != 0)
			break;
		p->ctx_busy[i] = true;
		s += k;
		n -= k;
	}
	virtqueue_kick(p->tx);
}

/* Interrupts off: hands what arrived on the console port to the
 * console's input and gives the buffers back. The engine vouches for
 * what the device returns: only buffers in flight, lengths clamped to
 * what each offered. */
static void console_take_input(struct vtcon_port *p)
{
	uint32_t len;
	struct dma_buf *b;
	bool posted = false;
	while ((b = virtqueue_dequeue(p->rx, &len)) != NULL) {
		console_input(b->p, len);
		posted |= post_rx(p->rx, b, RX_BUF_SIZE) == 0;
	}
	if (posted)
		virtqueue_kick(p->rx);
}

static void emergency_sink(const char *s, size_t n)
{
	struct vtcon *c = emergency_con;
	for (size_t i = 0; i < n; i++) {
		uint32_t ch = (uint8_t)s[i];
		c->vd->ops->write_config(c->vd, CFG_EMERG_WR, &ch, 4);
	}
}

/* --- setup --- */

static int setup_port(struct vtcon *c, uint32_t id)
{
	struct vtcon_port *p = &c->port[id];
	p->con = c;
	p->id = id;
	p->cd.ops = &port_ops;
	p->cd.driver = p;
	sem_init(&p->rx_used, 0);
	sem_init(&p->tx_used, 0);
	mutex_init(&p->rx_lock);
	mutex_init(&p->tx_lock);
	struct virtio_device *vd = c->vd;
	int rxq = rx_queue_index(id);
	int err = virtio_queue_setup(vd, (unsigned)rxq, QUEUE_ENTRIES, on_port_rx, p);
	if (!err)
		err = virtio_queue_setup(vd, (unsigned)rxq + 1, QUEUE_ENTRIES, on_port_tx, p);
	if (err)
		return err;
	p->rx = vd->vq[rxq];
	p->tx = vd->vq[rxq + 1];
	return 0;
}

static int vtcon_attach(struct virtio_device *vd)
{
	struct vtcon *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->vd = vd;
	vd->driver = c;
	mutex_init(&c->lock);
	cond_init(&c->changed);
	mutex_init(&c->ctrl_tx_lock);
	sem_init(&c->ctrl_used, 0);
	sem_init(&c->ctrl_tx_used, 0);

	int err = virtio_negotiate(vd, VIRTIO_CONSOLE_F_MULTIPORT | VIRTIO_CONSOLE_F_EMERG_WRITE |
					   VIRTIO_RING_F_EVENT_IDX | VIRTIO_RING_F_INDIRECT_DESC);
	if (err)
		goto fail;
	c->multiport = virtio_has(vd, VIRTIO_CONSOLE_F_MULTIPORT);
	c->nports = 1;
	if (c->multiport) {
		uint32_t max;
		err = -EIO;
		if (virtio_config_read(vd, CFG_MAX_NR_PORTS, &max, 4) != 0) {
			kwarn("%s: cannot read max_nr_ports\n", vd->name);
			goto fail;
		}
		/* The device's number: at least port 0, at most what queue
		 * indexes can reach. */
		if (max == 0 || max > MAX_PORTS) {
			kwarn("%s: max_nr_ports is %u\n", vd->name, max);
			goto fail;
		}
		c->nports = max;
	}
	err = -ENOMEM;
	c->port = calloc(c->nports, sizeof(*c->port));
	if (c->port == NULL)
		goto fail;
	err = setup_port(c, 0);
	if (err)
		goto fail;
	if (c->multiport) {
		err = virtio_queue_setup(vd, 2, QUEUE_ENTRIES, on_ctrl_rx, c);
		if (err)
			goto fail;
		err = virtio_queue_setup(vd, 3, QUEUE_ENTRIES, on_ctrl_tx, c);
		if (err)
			goto fail;
		c->ctrl_rx = vd->vq[2];
		c->ctrl_tx = vd->vq[3];
		err = dma_carve(c->ctrl_rxbuf, CTRL_BUFS, CTRL_BUF_SIZE);
		if (err)
			goto fail;
		for (int i = 0; i < CTRL_BUFS && !err; i++)
			err = post_rx(c->ctrl_rx, &c->ctrl_rxbuf[i], CTRL_BUF_SIZE);
		if (err)
			goto fail;
		err = dma_carve(&c->ctrl_txbuf, 1, sizeof(struct virtio_console_control));
		if (err)
			goto fail;
		for (uint32_t id = 1; id < c->nports && !err; id++)
			err = setup_port(c, id);
		if (err)
			goto fail;
	}
	err = virtio_finish(vd);
	if (err)
		goto fail;
	if (c->multiport) {
		/* The device announces its ports once told the driver is
		 * ready. */
		err = send_control(c, 0, VIRTIO_CONSOLE_DEVICE_READY, 1);
		if (err)
			goto fail;
	}

	/* From here the device is in use: nothing below fails the attach. */
	if (virtio_has(vd, VIRTIO_CONSOLE_F_EMERG_WRITE) && emergency_con == NULL) {
		emergency_con = c;
		console_set_emergency(emergency_sink);
	}
	if (!c->multiport) {
		/* Without ports, port 0 is the console. */
		c->port[0].present = port_buffers(&c->port[0]) == 0;
		if (c->port[0].present)
			become_console(&c->port[0]);
		return 0;
	}
	/* The handshake is done here, before the application runs, so its
	 * first lines find the console port and its ports by name: a device
	 * queues its answers to a control message (the ports for
	 * DEVICE_READY; console, name and open state for each PORT_READY)
	 * before it hands the message's buffer back, which send_control
	 * waits for, so draining until nothing is left sees them all. (A
	 * device that answers later is heard by the thread.) */
	while (control_poll(c))
		;
	if (thread_create(&c->thread, "virtio-console", control_thread, c, 0) != 0)
		kwarn("%s: no thread for control messages; ports announced from now on are not seen\n", vd->name);
	return 0;

fail:
	/* The device reset first: then nothing of it points at the buffers.
	 * A device that did not reset may still write them: left to it. */
	bool reset = virtio_detach(vd);
	vd->driver = NULL;
	if (!reset)
		return err;
	dma_uncarve(c->ctrl_rxbuf, CTRL_BUFS, CTRL_BUF_SIZE);
	dma_uncarve(&c->ctrl_txbuf, 1, sizeof(struct virtio_console_control));
	pools_trim();
	free(c->port);
	free(c);
	return err;
}

/* A port's write waits this long for a host end that stopped draining;
 * control messages have their own bound (CONTROL_TIMEOUT_NS). */
static const struct virtio_driver virtio_console_driver = { "console", VIRTIO_ID_CONSOLE, vtcon_attach,
							    VIRTIO_TIMEOUT_DEFAULT_NS };
VIRTIO_DRIVER(virtio_console_driver);

/* --- the named ports, as character devices --- */

static struct vtcon_port *port_of(struct chardev *cd) { return cd->driver; }

static int port_open(struct chardev *cd)
{
	struct vtcon_port *p = port_of(cd);
	/* The host learns the guest end is open; a device that does not
	 * take the message still carries data. */
	send_control(p->con, p->id, VIRTIO_CONSOLE_PORT_OPEN, 1);
	return 0;
}

static int port_close(struct chardev *cd)
{
	struct vtcon_port *p = port_of(cd);
	return send_control(p->con, p->id, VIRTIO_CONSOLE_PORT_OPEN, 0);
}

static bool port_failed(const struct vtcon_port *p) { return !p->present || p->rx->broken || p->con->vd->broken; }

static long port_read(struct chardev *cd, void *buf, size_t len, uint64_t deadline)
{
	struct vtcon_port *p = port_of(cd);
	mutex_lock(&p->rx_lock);
	long ret;
	if (p->cur == NULL) {
		uint64_t now = clock_ns();
		uint64_t timeout = deadline == UINT64_MAX ? UINT64_MAX : deadline > now ? deadline - now : 0;
		uint32_t got;
		p->cur = virtio_wait_used(p->con->vd, p->rx, &p->rx_used, timeout, &got);
		p->cur_len = got;
		p->cur_off = 0;
	}
	if (p->cur == NULL) {
		ret = port_failed(p) ? -EIO : -ETIMEDOUT;
	} else {
		size_t n = p->cur_len - p->cur_off;
		if (n > len)
			n = len;
		memcpy(buf, p->cur->p + p->cur_off, n);
		p->cur_off += (uint32_t)n;
		ret = (long)n;
		if (p->cur_off == p->cur_len) {
			/* Emptied: back to the device. */
			if (post_rx(p->rx, p->cur, RX_BUF_SIZE) == 0)
				virtqueue_kick(p->rx);
			p->cur = NULL;
		}
	}
	mutex_unlock(&p->rx_lock);
	return ret;
}

/* Takes back the transmit buffer from the device, waiting at most the
 * device's bound. Returns 0, -ETIMEDOUT (a host end that stopped
 * draining: the buffer stays the device's) or -EIO. */
static int tx_reclaim(struct vtcon_port *p)
{
	if (!p->tx_pending)
		return 0;
	void *cookie;
	uint32_t used;
	int err = virtio_wait(p->con->vd, p->tx, &p->tx_used, &cookie, &used);
	if (err == 0)
		p->tx_pending = false;
	return err;
}

static long port_write(struct chardev *cd, const void *buf, size_t len)
{
	struct vtcon_port *p = port_of(cd);
	const uint8_t *in = buf;
	size_t done = 0;
	int err = 0;
	mutex_lock(&p->tx_lock);
	p->tx_busy = true;
	while (done < len) {
		/* A write that timed out left its buffer with the device. */
		err = tx_reclaim(p);
		if (err)
			break;
		size_t n = len - done < TX_BUF_SIZE ? len - done : TX_BUF_SIZE;
		memcpy(p->txbuf.p, in + done, n);
		struct vq_seg seg = { p->txbuf.phys, (uint32_t)n };
		err = virtqueue_enqueue(p->tx, &p->txbuf, &seg, 1, 0);
		if (err)
			break;
		p->tx_pending = true;
		virtqueue_kick(p->tx);
		/* A host that reads slowly holds the write back, but not
		 * past the device's bound. */
		err = tx_reclaim(p);
		if (err)
			break;
		done += n;
	}
	p->tx_busy = false;
	mutex_unlock(&p->tx_lock);
	chardev_notify(cd);
	return done ? (long)done : err;
}

/* With interrupts disabled. The used indexes are read as hints only: a
 * device that lies about them makes a read or a write wait, nothing
 * worse. A transmit buffer the device kept past a write's bound makes
 * the port writable again once the device hands it back. */
static unsigned port_poll(struct chardev *cd)
{
	struct vtcon_port *p = port_of(cd);
	if (port_failed(p) || p->tx->broken)
		return CHARDEV_ERROR;
	unsigned r = 0;
	if (p->cur != NULL || p->rx->used->idx != p->rx->last_used_idx)
		r |= CHARDEV_READABLE;
	if (!p->tx_busy && (!p->tx_pending || p->tx->used->idx != p->tx->last_used_idx))
		r |= CHARDEV_WRITABLE;
	return r;
}

static const struct chardev_ops port_ops = {
	.read = port_read,
	.write = port_write,
	.poll = port_poll,
	.open = port_open,
	.close = port_close,
};
