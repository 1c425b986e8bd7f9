/*
 * The virtio-scsi driver (drivers/virtio/virtio_scsi.c, virtio_scsi_queue.c
 * and virtio_scsi_tmf.c, built in here so their static functions can be
 * called) over the fake transport, under the block device class. The
 * device is played here: its request queue reads each chain the simulated
 * ring hands it as a virtio-scsi request to a target of RAM disks, its
 * control queue answers task management, its event queue is given events
 * by the tests; or it misbehaves as told.
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

#include "drivers/virtio/virtio_scsi.c"
#include "drivers/virtio/virtio_scsi_queue.c"
#include "drivers/virtio/virtio_scsi_tmf.c"
#include "tests/host/blk_sim.h"

/* --- what the driver needs of the kernel beyond blk_sim's --------------------------------- */

static unsigned threads;
int thread_create(struct thread **out, const char *name, int (*fn)(void *arg), void *arg, size_t stack_size)
{
	/* The event thread is not run: the tests call run_events. */
	threads++;
	*out = NULL;
	return 0;
}

/* --- the device --------------------------------------------------------------------------- */

#define LUNS 4
#define DISK_BYTES (4u << 20)

struct sim_lun {
	bool present;
	uint32_t bytes; /* the capacity it reports */
	uint32_t block_size;
	bool unmap;
	uint8_t *data;
};
static struct sim_lun lun[LUNS];

enum behaviour {
	HONEST,
	SILENT,	       /* takes READs and WRITEs and never answers */
	SHORT_USED,    /* a used length short of the response's fixed fields */
	SENSE_LEN_LIE, /* CHECK CONDITION with a sense length of 1000 */
	RESIDUAL_LIE,  /* a residual past the data */
	READ_SHORT,    /* GOOD for a read with half its data */
	MEDIUM_ERROR,  /* READs and WRITEs fail */
	UA_ONCE,       /* the next READ or WRITE gets a UNIT ATTENTION */
	SILENT_ALL,    /* takes every command and never answers */
	UA_CAPACITY,   /* the next READ or WRITE: UNIT ATTENTION, capacity data has changed */
};
static enum behaviour behaviour;
/* What task management does with a silent command. */
static bool abort_works, lun_reset_works;

/* What the device saw. */
struct seen {
	uint8_t op;
	unsigned target, lun;
	uint64_t lba;
	uint32_t blocks;
	uint32_t bytes;
	unsigned ndata;
	uint8_t param[24];
};
static struct seen seen[4096];
static unsigned nseen;
static unsigned tmfs[8]; /* by subtype */

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

static void check_condition(struct virtio_scsi_cmd_resp *r, uint8_t key, uint8_t asc)
{
	r->status = SCSI_STATUS_CHECK_CONDITION;
	r->sense_len = 18;
	r->sense[0] = 0x70;
	r->sense[2] = key;
	r->sense[7] = 10;
	r->sense[12] = asc;
}

/* Data in: the writable segments after the response, filled from src. */
static uint32_t put_data(struct vdev_chain *c, unsigned first, const uint8_t *src, uint32_t n)
{
	uint32_t done = 0;
	for (unsigned k = first; k < c->nsegs && done < n; k++) {
		uint32_t m = c->seg[k].len < n - done ? c->seg[k].len : n - done;
		memcpy((void *)(uintptr_t)c->seg[k].addr, src + done, m);
		done += m;
	}
	return done;
}

/* Plays a request chain; returns the used length, or -1 to keep it. */
static long play(struct vdev_chain *c)
{
	assert_true(c->nsegs >= 2);
	assert_false(c->seg[0].write);
	assert_int_equal(c->seg[0].len, sizeof(struct virtio_scsi_cmd_req));
	struct virtio_scsi_cmd_req req;
	memcpy(&req, (void *)(uintptr_t)c->seg[0].addr, sizeof(req));
	/* The readable data, the response, the writable data. */
	unsigned k = 1, nout = 0, resp_at;
	uint64_t out_bytes = 0, in_bytes = 0;
	while (k < c->nsegs && !c->seg[k].write) {
		out_bytes += c->seg[k].len;
		k++, nout++;
	}
	assert_true(k < c->nsegs);
	resp_at = k++;
	assert_int_equal(c->seg[resp_at].len, sizeof(struct virtio_scsi_cmd_resp));
	for (unsigned i = k; i < c->nsegs; i++)
		in_bytes += c->seg[i].len;
	assert_true(nout == 0 || in_bytes == 0); /* one direction */
	struct virtio_scsi_cmd_resp *r = (void *)(uintptr_t)c->seg[resp_at].addr;
	if ((behaviour == SILENT && (req.cdb[0] == SCSI_READ_16 || req.cdb[0] == SCSI_WRITE_16)) ||
	    behaviour == SILENT_ALL)
		return -1;				      /* kept, as many times as it is looked at */
	assert_int_equal(r->response, VIRTIO_SCSI_S_FAILURE); /* preset by the driver */
	memset(r, 0, sizeof(*r));
	unsigned target, l;
	assert_int_equal(virtio_scsi_lun_decode(req.lun, &target, &l), 0);
	struct seen *s = &seen[nseen++ % 4096];
	memset(s, 0, sizeof(*s));
	s->op = req.cdb[0];
	s->target = target;
	s->lun = l;
	s->ndata = c->nsegs - 2;
	uint8_t data[4096];
	memset(data, 0, sizeof(data));
	uint32_t n = 0;
	long used = sizeof(*r) + (long)in_bytes;
	if (target != 0) {
		r->response = VIRTIO_SCSI_S_BAD_TARGET;
		return used;
	}
	struct sim_lun *u = l < LUNS ? &lun[l] : NULL;
	bool here = u && u->present;
	uint8_t op = req.cdb[0];
	if ((op == SCSI_READ_16 || op == SCSI_WRITE_16) && here) {
		s->lba = be64(req.cdb + 2);
		s->blocks = be32(req.cdb + 10);
		s->bytes = (uint32_t)(in_bytes + out_bytes);
		assert_int_equal((uint64_t)s->blocks * u->block_size, s->bytes);
		assert_true((s->lba + s->blocks) * u->block_size <= DISK_BYTES);
		switch (behaviour) {
		case SHORT_USED: return 11;
		case SENSE_LEN_LIE:
			check_condition(r, SCSI_KEY_MEDIUM_ERROR, 0x11);
			r->sense_len = 1000;
			return used;
		case RESIDUAL_LIE: r->residual = s->bytes + 1; return used;
		case READ_SHORT:
			if (op == SCSI_READ_16)
				return sizeof(*r) + (long)in_bytes / 2;
			break;
		case MEDIUM_ERROR: check_condition(r, SCSI_KEY_MEDIUM_ERROR, 0x11); return used;
		case UA_ONCE:
			behaviour = HONEST;
			check_condition(r, SCSI_KEY_UNIT_ATTENTION, 0x29);
			return used;
		case UA_CAPACITY:
			behaviour = HONEST;
			check_condition(r, SCSI_KEY_UNIT_ATTENTION, 0x2a);
			r->sense[13] = 0x09;
			return used;
		default: break;
		}
		uint64_t at = s->lba * u->block_size;
		blk_sim_move(c, 1, c->nsegs, resp_at, u->data + at, DISK_BYTES - at, NULL);
		return used;
	}
	switch (op) {
	case SCSI_INQUIRY:
		if (req.cdb[1] & 1) {
			if (!here) {
				check_condition(r, SCSI_KEY_ILLEGAL_REQUEST, 0x25);
				break;
			}
			data[1] = req.cdb[2];
			if (req.cdb[2] == SCSI_VPD_SUPPORTED) {
				data[3] = 3, data[4] = 0, data[5] = 0xb0, data[6] = 0xb2;
				n = 7;
			} else if (req.cdb[2] == SCSI_VPD_BLOCK_LIMITS) {
				data[3] = 0x3c;
				put_be32(data + 20, u->unmap ? 64 : 0);
				put_be32(data + 24, u->unmap ? 1 : 0);
				n = 64;
			} else if (req.cdb[2] == SCSI_VPD_LB_PROVISIONING) {
				data[3] = 4;
				data[5] = u->unmap ? 0x80 : 0;
				n = 8;
			} else {
				check_condition(r, SCSI_KEY_ILLEGAL_REQUEST, 0x24);
			}
			break;
		}
		data[0] = here ? 0 : 0x7f;
		data[4] = 31;
		memcpy(data + 8, "KEEL    SIMULATED DISK  0.1 ", 28);
		n = 36;
		break;
	case SCSI_REPORT_LUNS: {
		unsigned k2 = 0;
		for (unsigned i = 0; i < LUNS; i++)
			if (lun[i].present)
				data[8 + 8 * k2++ + 1] = (uint8_t)i;
		put_be32(data, 8 * k2);
		n = 8 + 8 * k2;
		break;
	}
	case SCSI_TEST_UNIT_READY:
	case SCSI_SYNCHRONIZE_CACHE_10:
		if (!here)
			check_condition(r, SCSI_KEY_ILLEGAL_REQUEST, 0x25);
		break;
	case SCSI_SERVICE_ACTION_IN_16:
		if (!here) {
			check_condition(r, SCSI_KEY_ILLEGAL_REQUEST, 0x25);
			break;
		}
		for (int i = 0; i < 8; i++)
			data[i] = (uint8_t)((uint64_t)(u->bytes / u->block_size - 1) >> (56 - 8 * i));
		put_be32(data + 8, u->block_size);
		data[14] = u->unmap ? 0x80 : 0;
		n = 32;
		break;
	case SCSI_UNMAP: {
		assert_true(here && u->unmap);
		assert_int_equal(out_bytes, 24);
		memcpy(s->param, (void *)(uintptr_t)c->seg[1].addr, 24);
		s->lba = be64(s->param + 8);
		s->blocks = be32(s->param + 16);
		assert_true(s->blocks <= 64);
		memset(u->data + s->lba * u->block_size, 0, (size_t)s->blocks * u->block_size);
		break;
	}
	default: check_condition(r, SCSI_KEY_ILLEGAL_REQUEST, 0x20); break;
	}
	uint32_t wrote = put_data(c, resp_at + 1, data, n < in_bytes ? n : (uint32_t)in_bytes);
	r->residual = (uint32_t)in_bytes - wrote;
	return used;
}

/* Completes the held request chain whose tag is id with response. */
static bool complete_tag(uint64_t id, unsigned target, unsigned l, bool all_of_lun)
{
	struct vdev_sim *d = &fk.sim[VIRTIO_SCSI_VQ_REQUEST];
	bool any = false;
	for (unsigned i = 0; i < d->nchains;) {
		struct vdev_chain *c = &d->chain[i];
		struct virtio_scsi_cmd_req req;
		memcpy(&req, (void *)(uintptr_t)c->seg[0].addr, sizeof(req));
		unsigned t, u;
		virtio_scsi_lun_decode(req.lun, &t, &u);
		if (all_of_lun ? t == target && u == l : req.id == id) {
			struct virtio_scsi_cmd_resp *r = NULL;
			for (unsigned k = 1; k < c->nsegs && !r; k++)
				if (c->seg[k].write)
					r = (void *)(uintptr_t)c->seg[k].addr;
			memset(r, 0, sizeof(*r));
			r->response = all_of_lun ? VIRTIO_SCSI_S_RESET : VIRTIO_SCSI_S_ABORTED;
			vdev_sim_put_used(d, c->head, sizeof(*r));
			vdev_sim_drop(d, i);
			any = true;
			continue;
		}
		i++;
	}
	return any;
}

static void play_control(void)
{
	struct vdev_sim *d = &fk.sim[VIRTIO_SCSI_VQ_CONTROL];
	vdev_sim_fetch(d);
	while (d->nchains) {
		struct vdev_chain *c = &d->chain[0];
		assert_int_equal(c->nsegs, 2);
		struct virtio_scsi_ctrl_tmf tmf;
		memcpy(&tmf, (void *)(uintptr_t)c->seg[0].addr, sizeof(tmf));
		assert_int_equal(tmf.type, VIRTIO_SCSI_T_TMF);
		unsigned t, l;
		assert_int_equal(virtio_scsi_lun_decode(tmf.lun, &t, &l), 0);
		tmfs[tmf.subtype & 7]++;
		uint8_t *resp = (void *)(uintptr_t)c->seg[1].addr;
		*resp = VIRTIO_SCSI_S_FUNCTION_COMPLETE;
		if (tmf.subtype == VIRTIO_SCSI_T_TMF_ABORT_TASK && abort_works)
			complete_tag(tmf.id, t, l, false);
		if (tmf.subtype == VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET && lun_reset_works)
			complete_tag(0, t, l, true);
		vdev_sim_put_used(d, c->head, 1);
		vdev_sim_drop(d, 0);
	}
	if (vdev_sim_publish(&fk.sim[VIRTIO_SCSI_VQ_REQUEST]))
		vtscsi_request_interrupt(vd.vq[VIRTIO_SCSI_VQ_REQUEST]);
	if (vdev_sim_publish(d))
		vtscsi_control_interrupt(vd.vq[VIRTIO_SCSI_VQ_CONTROL]);
}

/* The device takes what is posted on each queue and answers it. */
static void device_runs(void)
{
	bool was = counting;
	counting = false;
	if (fk.sim_live[VIRTIO_SCSI_VQ_CONTROL])
		play_control();
	if (fk.sim_live[VIRTIO_SCSI_VQ_EVENT])
		assert_int_not_equal(vdev_sim_fetch(&fk.sim[VIRTIO_SCSI_VQ_EVENT]), -1);
	blk_sim_run(VIRTIO_SCSI_VQ_REQUEST, play, behaviour == SILENT || behaviour == SILENT_ALL);
	counting = was;
}

/* The device sends an event on its oldest buffer, of len bytes. */
static void send_event(uint32_t event, unsigned target, unsigned l, uint32_t reason, uint32_t len)
{
	struct vdev_sim *d = &fk.sim[VIRTIO_SCSI_VQ_EVENT];
	vdev_sim_fetch(d);
	assert_true(d->nchains > 0);
	struct vdev_chain *c = &d->chain[0];
	assert_int_equal(c->nsegs, 1);
	assert_true(c->seg[0].write);
	struct virtio_scsi_event ev = { event, { 1, (uint8_t)target, 0, (uint8_t)l }, reason };
	memcpy((void *)(uintptr_t)c->seg[0].addr, &ev, sizeof(ev));
	vdev_sim_put_used(d, c->head, len);
	vdev_sim_drop(d, 0);
	if (vdev_sim_publish(d))
		vtscsi_event_interrupt(vd.vq[VIRTIO_SCSI_VQ_EVENT]);
}

#define FEATURES (VIRTIO_F_VERSION_1 | VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX | VIRTIO_SCSI_F_HOTPLUG)
#define SEC 1000000000ull

static void config_put(unsigned off, uint64_t v, unsigned len) { memcpy(fk.config + off, &v, len); }

static uint8_t ram[LUNS][DISK_BYTES];

/* A new adapter with disks on LUNs 0 and 1 of target 0, not attached. */
static void device(bool legacy, uint64_t features)
{
	fresh(legacy, features);
	config_put(VIRTIO_SCSI_CFG_NUM_QUEUES, 1, 4);
	config_put(VIRTIO_SCSI_CFG_SEG_MAX, 62, 4);
	config_put(VIRTIO_SCSI_CFG_MAX_SECTORS, 0xffff, 4);
	config_put(VIRTIO_SCSI_CFG_EVENT_INFO_SIZE, 16, 4);
	config_put(VIRTIO_SCSI_CFG_SENSE_SIZE, 96, 4);
	config_put(VIRTIO_SCSI_CFG_CDB_SIZE, 32, 4);
	config_put(VIRTIO_SCSI_CFG_MAX_TARGET, 3, 2);
	config_put(VIRTIO_SCSI_CFG_MAX_LUN, 16383, 4);
	memset(lun, 0, sizeof(lun));
	for (unsigned i = 0; i < LUNS; i++) {
		lun[i].data = ram[i];
		lun[i].block_size = 512;
		lun[i].bytes = DISK_BYTES;
		memset(ram[i], 0, DISK_BYTES);
	}
	lun[0].present = lun[1].present = true;
	lun[1].block_size = 4096;
	lun[1].unmap = true;
	memset(name_used, 0, sizeof(name_used));
	/* A test that failed left its disks behind. */
	const char *names[] = { "sda", "sdb", "sdc", "sdd" };
	for (int i = 0; i < 4; i++) {
		struct blkdev *old = blkdev_find(names[i]);
		if (old)
			blkdev_unregister(old);
	}
	behaviour = HONEST;
	abort_works = lun_reset_works = false;
	nseen = 0;
	memset(tmfs, 0, sizeof(tmfs));
	lock_depth = 0;
	threads = 0;
	while_waiting = device_runs;
	console_log_level = LOG_INFO;
}

static struct vtscsi *hba(void) { return vd.driver; }

static void attached(void)
{
	assert_int_equal(vtscsi_attach(&vd), 0);
	assert_non_null(blkdev_find("sda"));
}

/* Everything given back: disks unregistered and freed, the device
 * detached, every buffer freed. */
static void scsi_release(void)
{
	struct vtscsi *h = hba();
	while (h->disks) {
		struct vtscsi_disk *d = h->disks;
		h->disks = d->next;
		if (!d->removed)
			assert_int_equal(blkdev_unregister(&d->bd), 0);
		free(d);
	}
	virtio_detach(&vd);
	vtscsi_free(h);
	assert_int_equal(dma_live, 0);
}

/* --- tests -------------------------------------------------------------------------------- */

static void attach_scans(void **state)
{
	device(false, FEATURES);
	attached();
	struct blkdev *a = blkdev_find("sda"), *b = blkdev_find("sdb");
	assert_non_null(b);
	assert_null(blkdev_find("sdc"));
	assert_int_equal(a->sectors, DISK_BYTES / 512);
	assert_int_equal(a->block_size, 512);
	assert_int_equal(a->features, BLKDEV_F_FLUSH);
	assert_int_equal(b->block_size, 4096);
	assert_int_equal(b->features, BLKDEV_F_FLUSH | BLKDEV_F_DISCARD);
	assert_non_null(strstr(log_text, "sda: scsi 0:0 on fake0: Direct-Access KEEL SIMULATED DISK 0.1, 8192 "
					 "512-byte logical blocks (4 MiB)\n"));
	assert_non_null(strstr(log_text, "sdb: scsi 0:1 on fake0: Direct-Access KEEL SIMULATED DISK 0.1, 1024 "
					 "4096-byte logical blocks (4 MiB), unmap\n"));
	/* The sizes Keel lays its structures out for were set. */
	uint32_t v;
	memcpy(&v, fk.config + VIRTIO_SCSI_CFG_CDB_SIZE, 4);
	assert_int_equal(v, 32);
	assert_int_equal(threads, 1);
	/* Targets 1 to 3 answered BAD_TARGET to their INQUIRY only. */
	unsigned bad = 0;
	for (unsigned i = 0; i < nseen; i++)
		bad += seen[i].target != 0;
	assert_int_equal(bad, 3);
	scsi_release();
}

static void attach_unwinds(void **state)
{
	device(false, FEATURES);
	counting = true;
	attached();
	counting = false;
	unsigned total = allocs;
	scsi_release();
	for (unsigned n = 1; n <= total; n++) {
		device(false, FEATURES);
		counting = true;
		fail_alloc_at = n;
		int err = vtscsi_attach(&vd);
		counting = false;
		if (err == 0) {
			/* A disk's own allocation failed: the adapter stays. */
			scsi_release();
			continue;
		}
		assert_int_equal(err, -ENOMEM);
		assert_null(blkdev_find("sda"));
		if (fk.nstatus == 0)
			assert_int_equal(dma_live, 0);
		else
			assert_detached(err);
	}
	/* A device without a request queue. */
	device(false, FEATURES);
	config_put(VIRTIO_SCSI_CFG_NUM_QUEUES, 0, 4);
	assert_detached(vtscsi_attach(&vd));
}

static void read_write(bool legacy, uint64_t features)
{
	device(legacy, features);
	attached();
	struct blkdev *bd = blkdev_find("sda");
	static uint8_t out[1 << 20], in[1 << 20];
	blk_sim_pattern(out, sizeof(out), 3);
	nseen = 0;
	assert_int_equal(blkdev_write(bd, 4096, out, sizeof(out), SEC), 0);
	assert_int_equal(seen[0].op, SCSI_WRITE_16);
	assert_int_equal(seen[0].lba, 8);
	assert_int_equal(seen[0].blocks, 2048);
	assert_memory_equal(ram[0] + 4096, out, sizeof(out));
	nseen = 0;
	assert_int_equal(blkdev_read(bd, 4096, in, sizeof(in), SEC), 0);
	assert_int_equal(seen[0].op, SCSI_READ_16);
	assert_memory_equal(in, out, sizeof(out));
	assert_int_equal(blkdev_flush(bd, SEC), 0);
	assert_int_equal(seen[nseen - 1].op, SCSI_SYNCHRONIZE_CACHE_10);
	/* The 4096-byte disk: LBAs in its blocks. */
	struct blkdev *b = blkdev_find("sdb");
	nseen = 0;
	assert_int_equal(blkdev_write(b, 8192, out, 65536, SEC), 0);
	assert_int_equal(seen[0].lba, 2);
	assert_int_equal(seen[0].blocks, 16);
	assert_int_equal(seen[0].lun, 1);
	assert_memory_equal(ram[1] + 8192, out, 65536);
	assert_int_equal(bd->errors + b->errors, 0);
	scsi_release();
}

static void modern_and_legacy(void **state)
{
	read_write(false, FEATURES);
	read_write(true, FEATURES & ~VIRTIO_F_VERSION_1);
	read_write(false, FEATURES & ~(VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX));
}

/* Requests larger than max_sectors, and of more pieces than seg_max, are
 * cut into commands within both that carry it all, in order. */
static void split_by_limits(void **state)
{
	device(false, FEATURES);
	config_put(VIRTIO_SCSI_CFG_MAX_SECTORS, 16, 4); /* 8 KiB */
	config_put(VIRTIO_SCSI_CFG_SEG_MAX, 3, 4);
	attached();
	struct blkdev *bd = blkdev_find("sda");
	static uint8_t buf[1 << 20];
	blk_sim_pattern(buf, sizeof(buf), 11);
	nseen = 0;
	assert_int_equal(blkdev_write(bd, 512 * 100, buf, sizeof(buf), SEC), 0);
	assert_int_equal(nseen, 128);
	uint64_t lba = 100;
	for (unsigned i = 0; i < nseen; i++) {
		assert_int_equal(seen[i].lba, lba);
		lba += seen[i].blocks;
	}
	assert_memory_equal(ram[0] + 512 * 100, buf, sizeof(buf));
	/* 300 segments of 1536 bytes: at most 3 pieces a command, whole
	 * blocks each. */
	static struct blk_seg segs[300];
	for (unsigned i = 0; i < 300; i++)
		segs[i] = (struct blk_seg){ buf + i * 1536, 1536 };
	memset(ram[0], 0, DISK_BYTES);
	nseen = 0;
	struct blkreq req = { .op = BLK_WRITE, .sector = 0, .segs = segs, .nsegs = 300 };
	assert_int_equal(blkdev_submit_wait(bd, &req, SEC), 0);
	for (unsigned i = 0; i < nseen; i++) {
		assert_int_equal(seen[i].bytes % 512, 0);
		assert_true(seen[i].ndata <= 3);
	}
	assert_memory_equal(ram[0], buf, 300 * 1536);
	scsi_release();
}

static void discard_is_unmap(void **state)
{
	device(false, FEATURES);
	attached();
	struct blkdev *b = blkdev_find("sdb");
	memset(ram[1], 0xaa, DISK_BYTES);
	nseen = 0;
	/* 100 blocks of 4 KiB at block 3: two UNMAPs (64 blocks at most). */
	struct blkreq req = { .op = BLK_DISCARD, .sector = 24, .nsectors = 800 };
	assert_int_equal(blkdev_submit_wait(b, &req, SEC), 0);
	assert_int_equal(nseen, 2);
	assert_int_equal(seen[0].op, SCSI_UNMAP);
	const uint8_t want[24] = { 0, 22, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 64 };
	assert_memory_equal(seen[0].param, want, 24);
	assert_int_equal(seen[1].lba, 67);
	assert_int_equal(seen[1].blocks, 36);
	assert_int_equal(ram[1][3 * 4096 - 1], 0xaa);
	assert_int_equal(ram[1][3 * 4096], 0);
	assert_int_equal(ram[1][103 * 4096 - 1], 0);
	assert_int_equal(ram[1][103 * 4096], 0xaa);
	/* The disk without UNMAP refuses before the device sees it. */
	req = (struct blkreq){ .op = BLK_DISCARD, .sector = 0, .nsectors = 8 };
	assert_int_equal(blkdev_submit_wait(blkdev_find("sda"), &req, SEC), -EOPNOTSUPP);
	scsi_release();
}

/* A device whose response lies fails the request with -EIO, once logged. */
static void lying_responses(void **state)
{
	const enum behaviour lies[] = { SHORT_USED, SENSE_LEN_LIE, RESIDUAL_LIE, READ_SHORT };
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		device(false, FEATURES);
		attached();
		struct blkdev *bd = blkdev_find("sda");
		static uint8_t buf[8192];
		behaviour = lies[i];
		log_text[0] = '\0';
		assert_int_equal(blkdev_read(bd, 0, buf, sizeof(buf), SEC), -EIO);
		assert_int_equal(blkdev_read(bd, 0, buf, sizeof(buf), SEC), -EIO);
		assert_int_equal(hba()->faults[VTSCSI_FAULT_RESP], 2);
		assert_non_null(strstr(log_text, "fake0 (fake slot 3): device fault: "));
		assert_null(strstr(strstr(log_text, "device fault") + 1, "device fault")); /* once */
		behaviour = HONEST;
		assert_int_equal(blkdev_read(bd, 0, buf, sizeof(buf), SEC), 0);
		scsi_release();
	}
}

static void sense_and_retry(void **state)
{
	device(false, FEATURES);
	attached();
	struct blkdev *bd = blkdev_find("sda");
	static uint8_t buf[4096];
	behaviour = UA_ONCE;
	nseen = 0;
	assert_int_equal(blkdev_read(bd, 0, buf, sizeof(buf), SEC), 0);
	assert_int_equal(nseen, 2);
	assert_int_equal(hba()->retries, 1);
	behaviour = MEDIUM_ERROR;
	log_text[0] = '\0';
	assert_int_equal(blkdev_write(bd, 0, buf, sizeof(buf), SEC), -EIO);
	assert_non_null(strstr(log_text, "sda: command 0x8a failed: CHECK CONDITION: MEDIUM ERROR, ASC 0x11 ASCQ 0x00 "
					 "(unrecovered read error)\n"));
	scsi_release();
}

/* A command that never comes back: ABORT TASK, then LOGICAL UNIT RESET,
 * then a reset of the device, each only when what came before failed. */
static void timeouts(void **state)
{
	static uint8_t buf[4096];
	for (int level = 0; level < 3; level++) {
		device(false, FEATURES);
		attached();
		struct blkdev *bd = blkdev_find("sda");
		behaviour = SILENT;
		abort_works = level == 0;
		lun_reset_works = level == 1;
		assert_int_equal(blkdev_read(bd, 0, buf, sizeof(buf), SEC), -ETIMEDOUT);
		assert_int_equal(tmfs[VIRTIO_SCSI_T_TMF_ABORT_TASK], 1);
		assert_int_equal(tmfs[VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET], level >= 1);
		assert_int_equal(hba()->resets, level == 2);
		assert_int_equal(vbreq_taken(&hba()->q), 0);
		/* The disk works again. */
		behaviour = HONEST;
		assert_int_equal(blkdev_read(bd, 0, buf, sizeof(buf), SEC), 0);
		scsi_release();
	}
}

/* A device whose reset does not finish, after a command it keeps: the
 * disk fails with -EIO from then on, nothing crashes or waits forever. */
static void reset_stuck(void **state)
{
	static uint8_t buf[4096];
	device(false, FEATURES);
	attached();
	struct blkdev *bd = blkdev_find("sda");
	behaviour = SILENT;
	fk.reset_stuck = true;
	assert_int_equal(blkdev_read(bd, 0, buf, sizeof(buf), SEC), -ETIMEDOUT);
	assert_int_equal(hba()->resets, 1);
	assert_non_null(strstr(log_text, "the device did not reset"));
	assert_int_equal(blkdev_read(bd, 0, buf, sizeof(buf), SEC), -EIO);
	struct blkreq req = { .op = BLK_FLUSH };
	assert_int_equal(blkdev_submit_wait(bd, &req, SEC), -EIO);
	fk.reset_stuck = false;
	scsi_release();
}

/* A device that never answers the scan: attach ends, bounded, with no
 * disk; the commands it kept were taken back. */
static void silent_scan(void **state)
{
	device(false, FEATURES);
	behaviour = SILENT_ALL;
	abort_works = true;
	assert_int_equal(vtscsi_attach(&vd), 0);
	assert_null(blkdev_find("sda"));
	assert_non_null(strstr(log_text, "fake0: the scan stops at target 0: INQUIRY: no answer (-110)"));
	assert_int_equal(tmfs[VIRTIO_SCSI_T_TMF_ABORT_TASK], 1);
	assert_true(now_ns < 60 * SEC);
	scsi_release();
}

/* A capacity that changed, said by an event or by a UNIT ATTENTION, is
 * read again; a block size that changed is not taken. */
static void capacity_change(void **state)
{
	device(false, FEATURES | VIRTIO_SCSI_F_CHANGE);
	attached();
	struct vtscsi *h = hba();
	struct blkdev *a = blkdev_find("sda"), *b = blkdev_find("sdb");
	assert_true(virtio_has(&vd, VIRTIO_SCSI_F_CHANGE));
	lun[0].bytes = 2u << 20;
	send_event(VIRTIO_SCSI_T_PARAM_CHANGE, 0, 0, 0x2a | 0x09 << 8, 16);
	run_events(h);
	assert_int_equal(a->sectors, 4096);
	assert_non_null(strstr(log_text, "sda: capacity changed from 8192 to 4096 sectors\n"));
	/* Another sense code in the event: nothing read. */
	lun[0].bytes = 3u << 20;
	send_event(VIRTIO_SCSI_T_PARAM_CHANGE, 0, 0, 0x29, 16);
	run_events(h);
	assert_int_equal(a->sectors, 4096);
	/* A UNIT ATTENTION: the command passes on its retry, the capacity
	 * is read again by the thread. */
	static uint8_t buf[4096];
	behaviour = UA_CAPACITY;
	assert_int_equal(blkdev_read(a, 0, buf, sizeof(buf), SEC), 0);
	assert_true(h->disks->next->capacity_changed || h->disks->capacity_changed);
	run_events(h);
	assert_int_equal(a->sectors, 6144);
	/* sdb's blocks become 512 bytes: refused, logged. */
	lun[1].block_size = 512;
	send_event(VIRTIO_SCSI_T_PARAM_CHANGE, 0, 1, 0x2a | 0x09 << 8, 16);
	run_events(h);
	assert_int_equal(b->block_size, 4096);
	assert_non_null(strstr(log_text, "sdb: the block size changed from 4096 to 512 bytes"));
	scsi_release();
}

static void hotplug(void **state)
{
	device(false, FEATURES);
	attached();
	struct vtscsi *h = hba();
	struct blkdev *b = blkdev_find("sdb");
	static uint8_t buf[4096];
	/* LUN 3 comes. */
	lun[3].present = true;
	send_event(VIRTIO_SCSI_T_TRANSPORT_RESET, 0, 3, VIRTIO_SCSI_EVT_RESET_RESCAN, 16);
	run_events(h);
	struct blkdev *c = blkdev_find("sdc");
	assert_non_null(c);
	assert_int_equal(blkdev_write(c, 0, buf, sizeof(buf), SEC), 0);
	/* LUN 1 goes: sdb is gone, its requests fail at once; its name is
	 * free for the next disk. */
	lun[1].present = false;
	log_text[0] = '\0';
	send_event(VIRTIO_SCSI_T_TRANSPORT_RESET, 0, 1, VIRTIO_SCSI_EVT_RESET_REMOVED, 16);
	run_events(h);
	assert_null(blkdev_find("sdb"));
	assert_non_null(strstr(log_text, "sdb: scsi 0:1 removed from fake0\n"));
	nseen = 0;
	assert_int_equal(blkdev_read(b, 0, buf, sizeof(buf), SEC), -ENODEV);
	assert_int_equal(nseen, 0);
	lun[2].present = true;
	log_text[0] = '\0';
	send_event(VIRTIO_SCSI_T_TRANSPORT_RESET, 0, 2, VIRTIO_SCSI_EVT_RESET_RESCAN, 16);
	run_events(h);
	assert_non_null(strstr(log_text, "sdb: scsi 0:2 on fake0"));
	/* Events missed: LUN 3 went, LUN 1 came back; a full rescan finds
	 * both. */
	lun[3].present = false;
	lun[1].present = true;
	log_text[0] = '\0';
	send_event(VIRTIO_SCSI_T_NO_EVENT | VIRTIO_SCSI_T_EVENTS_MISSED, 0, 0, 0, 16);
	run_events(h);
	assert_non_null(strstr(log_text, "sdc: scsi 0:3 removed from fake0\n"));
	assert_non_null(strstr(log_text, "sdc: scsi 0:1 on fake0"));
	/* An event shorter than its structure is a fault, and a rescan. */
	log_text[0] = '\0';
	send_event(VIRTIO_SCSI_T_TRANSPORT_RESET, 0, 3, VIRTIO_SCSI_EVT_RESET_RESCAN, 15);
	run_events(h);
	assert_int_equal(h->faults[VTSCSI_FAULT_EVENT], 1);
	assert_non_null(strstr(log_text, "every target is scanned again"));
	/* An event naming a LUN of another form. */
	struct vdev_sim *d = &fk.sim[VIRTIO_SCSI_VQ_EVENT];
	vdev_sim_fetch(d);
	struct virtio_scsi_event ev = { VIRTIO_SCSI_T_TRANSPORT_RESET, { 1, 0, 0x80, 1 }, 1 };
	memcpy((void *)(uintptr_t)d->chain[0].seg[0].addr, &ev, sizeof(ev));
	vdev_sim_put_used(d, d->chain[0].head, 16);
	vdev_sim_drop(d, 0);
	vdev_sim_publish(d);
	run_events(h);
	assert_int_equal(h->faults[VTSCSI_FAULT_EVENT], 2);
	/* The event buffers are all posted again. */
	vdev_sim_fetch(d);
	assert_int_equal(d->nchains, VTSCSI_EVENT_BUFS);
	scsi_release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attach_scans),	     cmocka_unit_test(attach_unwinds),
		cmocka_unit_test(modern_and_legacy), cmocka_unit_test(split_by_limits),
		cmocka_unit_test(discard_is_unmap),  cmocka_unit_test(lying_responses),
		cmocka_unit_test(sense_and_retry),   cmocka_unit_test(timeouts),
		cmocka_unit_test(reset_stuck),	     cmocka_unit_test(silent_scan),
		cmocka_unit_test(capacity_change),   cmocka_unit_test(hotplug),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
