/*
 * The scan of a target and its LUNs (drivers/virtio/scsi_scan.c) against a
 * simulated SCSI target played here: it answers each CDB as SPC-4 and SBC-3
 * say a disk does, writing a virtio-scsi response that goes through the
 * driver's own checks (scsi_resp_parse), or misbehaves as told: UNIT
 * ATTENTION, BUSY, CHECK CONDITION, no such target, short or lying data.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio/scsi_scan.h"

/* --- the simulated target --- */

struct sim_lun {
	bool present;
	uint8_t type;
	uint64_t blocks;
	uint32_t block_size;
	bool lbpme, lbpu, vpd;
	uint32_t max_unmap;
	unsigned unit_attentions; /* answered before anything else */
	unsigned busy;
	bool capacity_error;   /* READ CAPACITY fails with MEDIUM ERROR */
	uint32_t inquiry_cut;  /* INQUIRY returns this many bytes (0: all) */
	uint32_t capacity_cut; /* READ CAPACITY likewise */
	bool sense_len_lie;    /* CHECK CONDITION with a sense length of 200 */
};

#define SIM_LUNS 16

static struct sim {
	bool present;
	bool report_luns; /* knows REPORT LUNS */
	bool no_answer;	  /* exec fails as a timeout would */
	struct sim_lun lun[SIM_LUNS];
	unsigned commands;
	uint8_t opcodes[256];
} sim;

static uint8_t buf[4096];

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void sense(struct virtio_scsi_cmd_resp *r, uint8_t key, uint8_t asc, uint8_t ascq)
{
	r->status = SCSI_STATUS_CHECK_CONDITION;
	r->sense_len = 18;
	r->sense[0] = 0x70;
	r->sense[2] = key;
	r->sense[7] = 10;
	r->sense[12] = asc;
	r->sense[13] = ascq;
}

/* Plays one command; returns the data bytes written. */
static uint32_t play(const struct scsi_cmd *cmd, struct virtio_scsi_cmd_resp *r)
{
	uint8_t *d = cmd->data;
	uint32_t n = 0;
	if (!sim.present) {
		r->response = VIRTIO_SCSI_S_BAD_TARGET;
		return 0;
	}
	assert_true(cmd->lun < SIM_LUNS);
	struct sim_lun *l = &sim.lun[cmd->lun];
	if (l->present && l->busy) {
		l->busy--;
		r->status = SCSI_STATUS_BUSY;
		return 0;
	}
	/* SPC-4 6.6 and 6.33: INQUIRY and REPORT LUNS do not report a UNIT
	 * ATTENTION; everything else does, once per condition. */
	if (l->present && l->unit_attentions && cmd->cdb[0] != SCSI_INQUIRY && cmd->cdb[0] != SCSI_REPORT_LUNS) {
		l->unit_attentions--;
		sense(r, SCSI_KEY_UNIT_ATTENTION, 0x29, 0);
		if (l->sense_len_lie)
			r->sense_len = 200;
		return 0;
	}
	switch (cmd->cdb[0]) {
	case SCSI_INQUIRY:
		if (cmd->cdb[1] & 1) {
			if (!l->present || !l->vpd) {
				sense(r, SCSI_KEY_ILLEGAL_REQUEST, 0x24, 0);
				return 0;
			}
			memset(d, 0, 64);
			d[1] = cmd->cdb[2];
			switch (cmd->cdb[2]) {
			case SCSI_VPD_SUPPORTED:
				d[3] = 3;
				d[4] = 0x00, d[5] = 0xb0, d[6] = 0xb2;
				return 7;
			case SCSI_VPD_BLOCK_LIMITS:
				d[3] = 0x3c;
				put_be32(d + 8, 2048);
				put_be32(d + 20, l->max_unmap);
				put_be32(d + 24, l->max_unmap ? 1 : 0);
				return 64;
			case SCSI_VPD_LB_PROVISIONING:
				d[3] = 4;
				d[5] = l->lbpu ? 0x80 : 0;
				return 8;
			default: sense(r, SCSI_KEY_ILLEGAL_REQUEST, 0x24, 0); return 0;
			}
		}
		memset(d, 0, 96);
		d[0] = l->present ? l->type : 0x7f;
		d[4] = 31;
		memcpy(d + 8, "KEEL    SIMULATED DISK  0.1 ", 28);
		n = l->inquiry_cut ? l->inquiry_cut : 36;
		return n < cmd->data_len ? n : cmd->data_len;
	case SCSI_REPORT_LUNS: {
		if (!sim.report_luns) {
			sense(r, SCSI_KEY_ILLEGAL_REQUEST, 0x20, 0);
			return 0;
		}
		uint32_t k = 0;
		for (unsigned i = 0; i < SIM_LUNS; i++) {
			if (!sim.lun[i].present)
				continue;
			memset(d + 8 + 8 * k, 0, 8);
			d[8 + 8 * k] = i < 256 ? 0 : 0x40;
			d[9 + 8 * k] = (uint8_t)i;
			k++;
		}
		memset(d, 0, 8);
		put_be32(d, 8 * k);
		return 8 + 8 * k;
	}
	case SCSI_TEST_UNIT_READY:
		if (!l->present)
			sense(r, SCSI_KEY_ILLEGAL_REQUEST, 0x25, 0);
		return 0;
	case SCSI_SERVICE_ACTION_IN_16:
		if (!l->present) {
			sense(r, SCSI_KEY_ILLEGAL_REQUEST, 0x25, 0);
			return 0;
		}
		if (l->capacity_error) {
			sense(r, SCSI_KEY_MEDIUM_ERROR, 0x11, 0);
			return 0;
		}
		memset(d, 0, 32);
		for (int i = 0; i < 8; i++)
			d[i] = (uint8_t)((l->blocks - 1) >> (56 - 8 * i));
		put_be32(d + 8, l->block_size);
		d[14] = l->lbpme ? 0x80 : 0;
		return l->capacity_cut ? l->capacity_cut : 32;
	default: sense(r, SCSI_KEY_ILLEGAL_REQUEST, 0x20, 0); return 0;
	}
}

static int sim_exec(void *ctx, const struct scsi_cmd *cmd, struct scsi_result *res)
{
	assert_ptr_equal(ctx, &sim);
	assert_true(cmd->cdb_len == 6 || cmd->cdb_len == 10 || cmd->cdb_len == 12 || cmd->cdb_len == 16);
	assert_true(cmd->data == NULL || cmd->data == buf);
	assert_true(cmd->data_len <= sizeof(buf));
	sim.opcodes[sim.commands++ % 256] = cmd->cdb[0];
	if (sim.no_answer)
		return -ETIMEDOUT;
	struct virtio_scsi_cmd_resp r;
	memset(&r, 0, sizeof(r));
	uint32_t n = play(cmd, &r);
	assert_true(n <= cmd->data_len);
	r.residual = cmd->data_len - n;
	/* What a device reports: the response and every data byte offered. */
	uint32_t used = (uint32_t)sizeof(r) + cmd->data_len;
	if (scsi_resp_parse(&r, used, true, cmd->data_len, res) != SCSI_RESP_OK) {
		memset(res, 0, sizeof(*res));
		res->response = VIRTIO_SCSI_S_FAILURE;
	}
	return 0;
}

static struct scsi_scan scan;

static void disk(unsigned lun)
{
	struct sim_lun *l = &sim.lun[lun];
	memset(l, 0, sizeof(*l));
	l->present = true;
	l->type = SCSI_TYPE_DISK;
	l->blocks = 131072;
	l->block_size = 512;
	l->vpd = true;
}

static int setup(void **state)
{
	memset(&sim, 0, sizeof(sim));
	sim.present = true;
	sim.report_luns = true;
	memset(&scan, 0, sizeof(scan));
	scan.exec = sim_exec;
	scan.ctx = &sim;
	scan.buf = buf;
	scan.buf_len = sizeof(buf);
	scan.max_lun = 16383;
	return 0;
}

/* --- tests --- */

static void test_two_luns_reported(void **state)
{
	disk(0);
	disk(3);
	sim.lun[3].block_size = 4096;
	sim.lun[3].blocks = 1000;
	uint16_t luns[8];
	bool reported;
	assert_int_equal(scsi_scan_target(&scan, 0, luns, 8, &reported), 2);
	assert_true(reported);
	assert_int_equal(luns[0], 0);
	assert_int_equal(luns[1], 3);
	struct scsi_lun_info info;
	assert_int_equal(scsi_probe_lun(&scan, 0, 3, &info), 0);
	assert_string_equal(info.inq.vendor, "KEEL");
	assert_string_equal(info.inq.product, "SIMULATED DISK");
	assert_string_equal(info.inq.revision, "0.1");
	assert_int_equal(info.cap.blocks, 1000);
	assert_int_equal(info.cap.block_size, 4096);
	assert_int_equal(info.lim.max_transfer, 2048);
	assert_false(info.unmap);
	assert_int_equal(scan.retries, 0);
}

static void test_no_target(void **state)
{
	sim.present = false;
	uint16_t luns[8];
	bool reported;
	assert_int_equal(scsi_scan_target(&scan, 7, luns, 8, &reported), -ENODEV);
	assert_int_equal(sim.commands, 1); /* INQUIRY only */
}

static void test_unit_attention_retried(void **state)
{
	disk(0);
	sim.lun[0].unit_attentions = 3;
	struct scsi_lun_info info;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), 0);
	assert_int_equal(scan.retries, 3);
	assert_int_equal(info.cap.blocks, 131072);
}

static void test_unit_attention_forever(void **state)
{
	disk(0);
	sim.lun[0].unit_attentions = 1000;
	struct scsi_lun_info info;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), -EIO);
	assert_int_equal(scan.retries, SCSI_SCAN_RETRIES - 1);
	assert_non_null(strstr(scan.why, "TEST UNIT READY: CHECK CONDITION: UNIT ATTENTION"));
}

static void test_busy_retried(void **state)
{
	disk(0);
	sim.lun[0].busy = 2;
	struct scsi_lun_info info;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), 0);
	assert_int_equal(scan.retries, 2);
}

static void test_probe_without_report_luns(void **state)
{
	sim.report_luns = false;
	disk(0);
	disk(5);
	uint16_t luns[16];
	bool reported;
	int n = scsi_scan_target(&scan, 0, luns, 16, &reported);
	assert_false(reported);
	assert_int_equal(n, SCSI_SCAN_PROBE_LUNS + 1);
	unsigned found = 0;
	for (int i = 0; i < n; i++) {
		struct scsi_lun_info info;
		int err = scsi_probe_lun(&scan, 0, luns[i], &info);
		if (err == 0) {
			found++;
			assert_true(luns[i] == 0 || luns[i] == 5);
		} else {
			assert_int_equal(err, -ENODEV);
			assert_non_null(strstr(scan.why, "qualifier 3"));
		}
	}
	assert_int_equal(found, 2);
	/* max_lun bounds the probing. */
	scan.max_lun = 2;
	assert_int_equal(scsi_scan_target(&scan, 0, luns, 16, &reported), 3);
}

static void test_lun_0_absent(void **state)
{
	/* A target whose LUN 0 holds nothing but which has LUN 1: found
	 * through REPORT LUNS. */
	disk(1);
	uint16_t luns[8];
	bool reported;
	assert_int_equal(scsi_scan_target(&scan, 0, luns, 8, &reported), 1);
	assert_int_equal(luns[0], 1);
	struct scsi_lun_info info;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), -ENODEV);
}

static void test_not_a_disk(void **state)
{
	disk(0);
	sim.lun[0].type = 0x05; /* CD/DVD */
	struct scsi_lun_info info;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), -ENODEV);
	assert_string_equal(scan.why, "not a disk (device type 0x05)");
}

static void test_check_condition(void **state)
{
	disk(0);
	sim.lun[0].capacity_error = true;
	struct scsi_lun_info info;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), -EIO);
	assert_string_equal(scan.why, "READ CAPACITY (16): CHECK CONDITION: MEDIUM ERROR, ASC 0x11 ASCQ 0x00 "
				      "(unrecovered read error)");
}

static void test_short_data(void **state)
{
	struct scsi_lun_info info;
	disk(0);
	sim.lun[0].inquiry_cut = 4;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), -EIO);
	assert_string_equal(scan.why, "INQUIRY data shorter than its header");

	disk(0);
	sim.lun[0].inquiry_cut = 20; /* no strings, still a disk */
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), 0);
	assert_string_equal(info.inq.vendor, "");

	disk(0);
	sim.lun[0].capacity_cut = 8;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), -EIO);
	assert_string_equal(scan.why, "READ CAPACITY (16): READ CAPACITY data too short");
}

static void test_lying_capacity(void **state)
{
	struct scsi_lun_info info;
	disk(0);
	sim.lun[0].block_size = 1000;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), -EIO);
	assert_string_equal(scan.why, "READ CAPACITY (16): an impossible block size");
	disk(0);
	sim.lun[0].blocks = 0; /* last LBA UINT64_MAX */
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), -EIO);
	assert_string_equal(scan.why, "READ CAPACITY (16): a capacity that overflows");
}

static void test_lying_sense_length(void **state)
{
	/* A UNIT ATTENTION whose sense length is past the buffer is not
	 * believed: the command fails rather than retried on a guess. */
	disk(0);
	sim.lun[0].unit_attentions = 1;
	sim.lun[0].sense_len_lie = true;
	struct scsi_lun_info info;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), -EIO);
	assert_non_null(strstr(scan.why, "FAILURE"));
}

static void test_unmap_detection(void **state)
{
	struct scsi_lun_info info;
	disk(0);
	sim.lun[0].lbpme = sim.lun[0].lbpu = true;
	sim.lun[0].max_unmap = 4096;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), 0);
	assert_true(info.unmap);
	assert_int_equal(info.lim.max_unmap_blocks, 4096);
	/* Each of the three missing: no UNMAP. */
	sim.lun[0].lbpu = false;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), 0);
	assert_false(info.unmap);
	sim.lun[0].lbpu = true;
	sim.lun[0].lbpme = false;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), 0);
	assert_false(info.unmap);
	sim.lun[0].lbpme = true;
	sim.lun[0].max_unmap = 0;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), 0);
	assert_false(info.unmap);
	/* No VPD pages at all: a disk without limits. */
	sim.lun[0].vpd = false;
	sim.lun[0].max_unmap = 4096;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), 0);
	assert_false(info.unmap);
	assert_int_equal(info.lim.max_transfer, 0);
}

static void test_no_answer(void **state)
{
	disk(0);
	sim.no_answer = true;
	uint16_t luns[8];
	bool reported;
	assert_int_equal(scsi_scan_target(&scan, 0, luns, 8, &reported), -ETIMEDOUT);
	assert_true(scan.no_answer);
	assert_int_equal(sim.commands, 1);
	struct scsi_lun_info info;
	assert_int_equal(scsi_probe_lun(&scan, 0, 0, &info), -ETIMEDOUT);
	assert_string_equal(scan.why, "INQUIRY: no answer (-110)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_two_luns_reported, setup),
		cmocka_unit_test_setup(test_no_target, setup),
		cmocka_unit_test_setup(test_unit_attention_retried, setup),
		cmocka_unit_test_setup(test_unit_attention_forever, setup),
		cmocka_unit_test_setup(test_busy_retried, setup),
		cmocka_unit_test_setup(test_probe_without_report_luns, setup),
		cmocka_unit_test_setup(test_lun_0_absent, setup),
		cmocka_unit_test_setup(test_not_a_disk, setup),
		cmocka_unit_test_setup(test_check_condition, setup),
		cmocka_unit_test_setup(test_short_data, setup),
		cmocka_unit_test_setup(test_lying_capacity, setup),
		cmocka_unit_test_setup(test_lying_sense_length, setup),
		cmocka_unit_test_setup(test_unmap_detection, setup),
		cmocka_unit_test_setup(test_no_answer, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
