/*
 * SCSI CDBs, sense data and answers (drivers/virtio/scsi_cdb.c): the bytes
 * of each CDB as SBC-3 and SPC-4 lay them out, sense data of both formats
 * decoded and refused when short or unknown, a virtio-scsi response whose
 * lengths lie refused, and the answers of the scan parsed within the bytes
 * the device wrote.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio/scsi_cdb.h"

/* --- CDBs --- */

static void test_cdb_rw_16(void **state)
{
	uint8_t cdb[SCSI_CDB_MAX];
	assert_int_equal(scsi_cdb_rw_16(cdb, false, 0x0102030405060708ull, 0x0a0b0c0d), 16);
	const uint8_t want[16] = { 0x88, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0 };
	assert_memory_equal(cdb, want, 16);
	assert_int_equal(scsi_cdb_rw_16(cdb, true, 7, 1), 16);
	assert_int_equal(cdb[0], SCSI_WRITE_16);
	assert_int_equal(cdb[9], 7);
	assert_int_equal(cdb[13], 1);
}

static void test_cdb_queries(void **state)
{
	uint8_t cdb[SCSI_CDB_MAX];
	memset(cdb, 0xee, sizeof(cdb));
	assert_int_equal(scsi_cdb_test_unit_ready(cdb), 6);
	assert_memory_equal(cdb, (uint8_t[6]){ 0 }, 6);

	assert_int_equal(scsi_cdb_inquiry(cdb, false, 0xb0, 96), 6);
	const uint8_t std[6] = { 0x12, 0, 0, 0, 96, 0 }; /* no page code without EVPD */
	assert_memory_equal(cdb, std, 6);
	assert_int_equal(scsi_cdb_inquiry(cdb, true, 0xb0, 0x1234), 6);
	const uint8_t vpd[6] = { 0x12, 1, 0xb0, 0x12, 0x34, 0 };
	assert_memory_equal(cdb, vpd, 6);

	assert_int_equal(scsi_cdb_report_luns(cdb, 4096), 12);
	const uint8_t rl[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0 };
	assert_memory_equal(cdb, rl, 12);

	assert_int_equal(scsi_cdb_read_capacity_16(cdb, 32), 16);
	const uint8_t rc[16] = { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0 };
	assert_memory_equal(cdb, rc, 16);

	assert_int_equal(scsi_cdb_synchronize_cache(cdb), 10);
	assert_memory_equal(cdb, ((uint8_t[10]){ 0x35 }), 10);
}

static void test_cdb_unmap(void **state)
{
	uint8_t cdb[SCSI_CDB_MAX], param[SCSI_UNMAP_PARAM_LEN];
	assert_int_equal(scsi_cdb_unmap(cdb), 10);
	const uint8_t want[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 };
	assert_memory_equal(cdb, want, 10);
	scsi_unmap_param(param, 0x1122334455667788ull, 0x99aabbcc);
	const uint8_t p[24] = { 0,    22,   0,	  16,	0,    0,    0,	  0,	0x11, 0x22, 0x33, 0x44,
				0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0,    0,    0,	  0 };
	assert_memory_equal(param, p, 24);
}

/* --- sense data --- */

static void test_sense_fixed(void **state)
{
	uint8_t s[18] = { 0x70, 0, SCSI_KEY_MEDIUM_ERROR, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x11, 0x00 };
	struct scsi_sense d;
	assert_int_equal(scsi_sense_decode(s, sizeof(s), &d), 0);
	assert_true(d.valid);
	assert_false(d.descriptor);
	assert_false(d.deferred);
	assert_int_equal(d.key, SCSI_KEY_MEDIUM_ERROR);
	assert_int_equal(d.asc, 0x11);
	assert_int_equal(d.ascq, 0);
	char line[96];
	scsi_sense_describe(&d, line, sizeof(line));
	assert_string_equal(line, "MEDIUM ERROR, ASC 0x11 ASCQ 0x00 (unrecovered read error)");

	/* The valid bit (0x80) and a deferred error (0x71). */
	s[0] = 0xf1;
	assert_int_equal(scsi_sense_decode(s, sizeof(s), &d), 0);
	assert_true(d.deferred);
	scsi_sense_describe(&d, line, sizeof(line));
	assert_string_equal(line, "deferred MEDIUM ERROR, ASC 0x11 ASCQ 0x00 (unrecovered read error)");
}

static void test_sense_descriptor(void **state)
{
	const uint8_t s[8] = { 0x72, SCSI_KEY_UNIT_ATTENTION, 0x29, 0x00, 0, 0, 0, 0 };
	struct scsi_sense d;
	assert_int_equal(scsi_sense_decode(s, sizeof(s), &d), 0);
	assert_true(d.descriptor);
	assert_int_equal(d.key, SCSI_KEY_UNIT_ATTENTION);
	assert_int_equal(d.asc, 0x29);
	char line[96];
	scsi_sense_describe(&d, line, sizeof(line));
	assert_string_equal(line, "UNIT ATTENTION, ASC 0x29 ASCQ 0x00 (power on, reset, or bus device reset occurred)");
	/* An unknown code: no name, the numbers. */
	const uint8_t u[4] = { 0x72, 0x3, 0x77, 0x01 };
	assert_int_equal(scsi_sense_decode(u, 4, &d), 0);
	scsi_sense_describe(&d, line, sizeof(line));
	assert_string_equal(line, "MEDIUM ERROR, ASC 0x77 ASCQ 0x01");
	/* A small buffer is cut, still terminated. */
	char small[8];
	scsi_sense_describe(&d, small, sizeof(small));
	assert_string_equal(small, "MEDIUM ");
}

static void test_sense_truncated(void **state)
{
	struct scsi_sense d;
	const uint8_t fixed[18] = { 0x70, 0, 3, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x11, 0 };
	/* Every length short of ASCQ, and none at all. */
	for (size_t n = 0; n < 14; n++) {
		assert_int_equal(scsi_sense_decode(fixed, n, &d), -EIO);
		assert_false(d.valid);
	}
	const uint8_t desc[4] = { 0x72, 3, 0x11, 0 };
	for (size_t n = 0; n < 4; n++)
		assert_int_equal(scsi_sense_decode(desc, n, &d), -EIO);
	/* A fixed header whose additional length does not reach ASC. */
	uint8_t shortlen[18];
	memcpy(shortlen, fixed, sizeof(fixed));
	shortlen[7] = 5;
	assert_int_equal(scsi_sense_decode(shortlen, sizeof(shortlen), &d), -EIO);
	/* Unknown response codes. */
	const uint8_t odd[18] = { 0x7f, 0, 3 };
	assert_int_equal(scsi_sense_decode(odd, sizeof(odd), &d), -EIO);
	const uint8_t zero[18] = { 0 };
	assert_int_equal(scsi_sense_decode(zero, sizeof(zero), &d), -EIO);
	char line[64];
	scsi_sense_describe(&d, line, sizeof(line));
	assert_string_equal(line, "no usable sense data");
}

/* --- responses --- */

static struct virtio_scsi_cmd_resp check_condition(uint8_t key, uint8_t asc, uint8_t ascq)
{
	struct virtio_scsi_cmd_resp r;
	memset(&r, 0, sizeof(r));
	r.response = VIRTIO_SCSI_S_OK;
	r.status = SCSI_STATUS_CHECK_CONDITION;
	r.sense_len = 18;
	r.sense[0] = 0x70;
	r.sense[2] = key;
	r.sense[7] = 10;
	r.sense[12] = asc;
	r.sense[13] = ascq;
	return r;
}

static void test_resp_good(void **state)
{
	struct virtio_scsi_cmd_resp r = { 0 };
	struct scsi_result res;
	/* A read of 4096 bytes: the response, then the data. */
	assert_int_equal(scsi_resp_parse(&r, 108 + 4096, true, 4096, &res), SCSI_RESP_OK);
	assert_int_equal(res.transferred, 4096);
	int err = 1;
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_DONE);
	assert_int_equal(err, 0);
	/* A short read the residual admits. */
	r.residual = 4000;
	assert_int_equal(scsi_resp_parse(&r, 108 + 96, true, 4096, &res), SCSI_RESP_OK);
	assert_int_equal(res.transferred, 96);
	/* A write: only the response is written. */
	r.residual = 0;
	assert_int_equal(scsi_resp_parse(&r, 108, false, 4096, &res), SCSI_RESP_OK);
}

static void test_resp_lies(void **state)
{
	struct virtio_scsi_cmd_resp r = { 0 };
	struct scsi_result res;
	/* Used lengths short of the fixed fields. */
	for (uint32_t len = 0; len < VIRTIO_SCSI_RESP_HEADER; len++)
		assert_int_equal(scsi_resp_parse(&r, len, true, 512, &res), SCSI_RESP_SHORT);
	/* A read that says it succeeded but wrote less than its data. */
	assert_int_equal(scsi_resp_parse(&r, 108 + 511, true, 512, &res), SCSI_RESP_DATA_SHORT);
	/* A residual past the data. */
	r.residual = 513;
	assert_int_equal(scsi_resp_parse(&r, 108 + 512, true, 512, &res), SCSI_RESP_RESIDUAL);
	r.residual = 0;
	/* A sense length past the buffer. */
	r = check_condition(3, 0x11, 0);
	r.sense_len = 97;
	assert_int_equal(scsi_resp_parse(&r, 108, true, 512, &res), SCSI_RESP_SENSE_LEN);
	r.sense_len = 0xffffffffu;
	assert_int_equal(scsi_resp_parse(&r, 108, true, 512, &res), SCSI_RESP_SENSE_LEN);
	/* A response value no specification has. */
	r.response = 42;
	assert_int_equal(scsi_resp_parse(&r, 108, true, 512, &res), SCSI_RESP_BAD_RESPONSE);
	assert_string_equal(scsi_resp_fault_name(SCSI_RESP_BAD_RESPONSE), "a response value outside the specification");
}

static void test_resp_sense_bounded(void **state)
{
	/* The sense length says 18 but the device wrote only 12 + 13 bytes:
	 * the copy stops at what was written, and ASCQ is missing. */
	struct virtio_scsi_cmd_resp r = check_condition(3, 0x11, 0);
	memset(r.sense + 14, 0xab, sizeof(r.sense) - 14);
	struct scsi_result res;
	assert_int_equal(scsi_resp_parse(&r, 12 + 13, false, 512, &res), SCSI_RESP_OK);
	assert_int_equal(res.sense_len, 13);
	assert_false(res.sense.valid);
	int err;
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_FAIL);
	assert_int_equal(err, -EIO);
	/* Written in full: decoded. */
	assert_int_equal(scsi_resp_parse(&r, 108, false, 512, &res), SCSI_RESP_OK);
	assert_int_equal(res.sense_len, 18);
	assert_true(res.sense.valid);
	assert_int_equal(res.sense.asc, 0x11);
	char line[160];
	scsi_result_describe(&res, line, sizeof(line));
	assert_string_equal(line, "CHECK CONDITION: MEDIUM ERROR, ASC 0x11 ASCQ 0x00 (unrecovered read error)");
}

static void test_verdicts(void **state)
{
	struct scsi_result res;
	int err;
	struct virtio_scsi_cmd_resp r = check_condition(SCSI_KEY_UNIT_ATTENTION, 0x29, 0);
	scsi_resp_parse(&r, 108, false, 0, &res);
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_RETRY);
	r = check_condition(SCSI_KEY_NOT_READY, 0x04, 0x01);
	scsi_resp_parse(&r, 108, false, 0, &res);
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_RETRY);
	r = check_condition(SCSI_KEY_NOT_READY, 0x3a, 0x00);
	scsi_resp_parse(&r, 108, false, 0, &res);
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_FAIL);
	assert_int_equal(err, -EIO);
	r = check_condition(SCSI_KEY_ILLEGAL_REQUEST, 0x20, 0);
	scsi_resp_parse(&r, 108, false, 0, &res);
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_FAIL);
	assert_int_equal(err, -EOPNOTSUPP);
	r = check_condition(SCSI_KEY_ILLEGAL_REQUEST, 0x25, 0);
	scsi_resp_parse(&r, 108, false, 0, &res);
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_FAIL);
	assert_int_equal(err, -ENODEV);
	r = check_condition(SCSI_KEY_DATA_PROTECT, 0x27, 0);
	scsi_resp_parse(&r, 108, false, 0, &res);
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_FAIL);
	assert_int_equal(err, -EROFS);
	r = check_condition(SCSI_KEY_RECOVERED_ERROR, 0x17, 0);
	scsi_resp_parse(&r, 108, false, 0, &res);
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_DONE);

	memset(&r, 0, sizeof(r));
	r.status = SCSI_STATUS_BUSY;
	scsi_resp_parse(&r, 108, false, 0, &res);
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_RETRY);
	r.status = SCSI_STATUS_RESERVATION_CONFLICT;
	scsi_resp_parse(&r, 108, false, 0, &res);
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_FAIL);
	char line[64];
	scsi_result_describe(&res, line, sizeof(line));
	assert_string_equal(line, "status 0x18");
	r.status = 0;
	r.response = VIRTIO_SCSI_S_BAD_TARGET;
	scsi_resp_parse(&r, 108, false, 0, &res);
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_FAIL);
	assert_int_equal(err, -ENODEV);
	scsi_result_describe(&res, line, sizeof(line));
	assert_string_equal(line, "virtio-scsi response BAD_TARGET");
	r.response = VIRTIO_SCSI_S_BUSY;
	scsi_resp_parse(&r, 108, false, 0, &res);
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_RETRY);
	r.response = VIRTIO_SCSI_S_TARGET_FAILURE;
	scsi_resp_parse(&r, 108, false, 0, &res);
	assert_int_equal(scsi_result_verdict(&res, &err), SCSI_FAIL);
	assert_int_equal(err, -EIO);
}

/* --- answers --- */

static void inquiry_data(uint8_t *b, uint8_t byte0, uint8_t add_len)
{
	memset(b, 0, 96);
	b[0] = byte0;
	b[1] = 0x80;
	b[4] = add_len;
	memcpy(b + 8, "QEMU    QEMU HARDDISK   2.5+", 28);
}

static void test_inquiry(void **state)
{
	uint8_t b[96];
	struct scsi_inquiry inq;
	const char *why = NULL;
	inquiry_data(b, 0x00, 31);
	assert_int_equal(scsi_inquiry_parse(b, 96, &inq, &why), 0);
	assert_int_equal(inq.qualifier, 0);
	assert_int_equal(inq.type, SCSI_TYPE_DISK);
	assert_true(inq.removable);
	assert_string_equal(inq.vendor, "QEMU");
	assert_string_equal(inq.product, "QEMU HARDDISK");
	assert_string_equal(inq.revision, "2.5+");
	/* No LUN: qualifier 3, type 0x1f. */
	inquiry_data(b, 0x7f, 31);
	assert_int_equal(scsi_inquiry_parse(b, 96, &inq, &why), 0);
	assert_int_equal(inq.qualifier, SCSI_QUALIFIER_NO_LUN);
	assert_int_equal(inq.type, 0x1f);
	/* Strings the device did not write, or says it has not: none. */
	inquiry_data(b, 0, 31);
	assert_int_equal(scsi_inquiry_parse(b, 35, &inq, &why), 0);
	assert_string_equal(inq.vendor, "");
	inquiry_data(b, 0, 30);
	assert_int_equal(scsi_inquiry_parse(b, 96, &inq, &why), 0);
	assert_string_equal(inq.product, "");
	/* Unprintable bytes are shown as '?'. */
	inquiry_data(b, 0, 31);
	b[9] = 0x01;
	b[10] = 0xff;
	assert_int_equal(scsi_inquiry_parse(b, 96, &inq, &why), 0);
	assert_string_equal(inq.vendor, "Q??U");
	/* Shorter than the header. */
	assert_int_equal(scsi_inquiry_parse(b, 4, &inq, &why), -EIO);
	assert_non_null(why);
}

static void capacity_data(uint8_t *b, uint64_t last, uint32_t bs, uint8_t b14)
{
	memset(b, 0, 32);
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(last >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		b[8 + i] = (uint8_t)(bs >> (24 - 8 * i));
	b[14] = b14;
}

static void test_capacity(void **state)
{
	uint8_t b[32];
	struct scsi_capacity cap;
	const char *why = NULL;
	capacity_data(b, 131071, 512, 0x80);
	assert_int_equal(scsi_capacity_parse(b, 32, &cap, &why), 0);
	assert_int_equal(cap.blocks, 131072);
	assert_int_equal(cap.block_size, 512);
	assert_true(cap.lbpme);
	capacity_data(b, 4095, 4096, 0);
	assert_int_equal(scsi_capacity_parse(b, 32, &cap, &why), 0);
	assert_int_equal(cap.block_size, 4096);
	assert_false(cap.lbpme);
	capacity_data(b, 0, 65536, 0);
	assert_int_equal(scsi_capacity_parse(b, 32, &cap, &why), 0);
	/* Impossible block sizes. */
	const uint32_t bad[] = { 0, 1, 256, 511, 520, 3000, 131072, 0xffffffffu };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capacity_data(b, 100, bad[i], 0);
		assert_int_equal(scsi_capacity_parse(b, 32, &cap, &why), -EIO);
		assert_string_equal(why, "an impossible block size");
	}
	/* Capacities that overflow in blocks or in 512-byte sectors. */
	capacity_data(b, UINT64_MAX, 512, 0);
	assert_int_equal(scsi_capacity_parse(b, 32, &cap, &why), -EIO);
	assert_string_equal(why, "a capacity that overflows");
	capacity_data(b, UINT64_MAX / 8, 4096, 0);
	assert_int_equal(scsi_capacity_parse(b, 32, &cap, &why), -EIO);
	capacity_data(b, UINT64_MAX / 8 - 1, 4096, 0);
	assert_int_equal(scsi_capacity_parse(b, 32, &cap, &why), 0);
	/* Too short. */
	capacity_data(b, 100, 512, 0);
	assert_int_equal(scsi_capacity_parse(b, 14, &cap, &why), -EIO);
}

static void test_report_luns(void **state)
{
	uint8_t b[8 + 6 * 8] = { 0 };
	b[3] = 6 * 8;
	/* Peripheral LUN 0, flat LUN 1, flat LUN 300, a LUN past max_lun,
	 * a two-level address, flat LUN 1 again. */
	uint8_t *e = b + 8;
	e[1] = 0;
	e += 8;
	e[0] = 0x40, e[1] = 1;
	e += 8;
	e[0] = 0x41, e[1] = 300 - 256;
	e += 8;
	e[0] = 0x40, e[1] = 200;
	e += 8;
	e[0] = 0x40, e[1] = 2, e[2] = 0x40, e[3] = 1;
	e += 8;
	e[0] = 0x40, e[1] = 1;
	uint16_t luns[8];
	unsigned n;
	bool more;
	const char *why;
	assert_int_equal(scsi_report_luns_parse(b, sizeof(b), 511, luns, 8, &n, &more, &why), 0);
	assert_int_equal(n, 4);
	assert_false(more);
	assert_int_equal(luns[0], 0);
	assert_int_equal(luns[1], 1);
	assert_int_equal(luns[2], 300);
	assert_int_equal(luns[3], 200);
	assert_int_equal(scsi_report_luns_parse(b, sizeof(b), 255, luns, 8, &n, &more, &why), 0);
	assert_int_equal(n, 3); /* 300 is past max_lun */
	/* A list longer than the bytes returned: only those read. */
	b[2] = 0x10;
	assert_int_equal(scsi_report_luns_parse(b, 8 + 2 * 8 + 5, 511, luns, 8, &n, &more, &why), 0);
	assert_int_equal(n, 2);
	assert_true(more);
	/* More than max. */
	b[2] = 0;
	assert_int_equal(scsi_report_luns_parse(b, sizeof(b), 511, luns, 2, &n, &more, &why), 0);
	assert_int_equal(n, 2);
	assert_true(more);
	/* A length not a multiple of 8, and a short header. */
	b[3] = 13;
	assert_int_equal(scsi_report_luns_parse(b, sizeof(b), 511, luns, 8, &n, &more, &why), -EIO);
	assert_int_equal(scsi_report_luns_parse(b, 7, 511, luns, 8, &n, &more, &why), -EIO);
	/* A huge length with nothing behind it. */
	b[0] = 0xff, b[3] = 0xf8;
	assert_int_equal(scsi_report_luns_parse(b, 8, 511, luns, 8, &n, &more, &why), 0);
	assert_int_equal(n, 0);
	assert_true(more);
}

static void test_vpd(void **state)
{
	const uint8_t supported[8] = { 0, 0, 0, 3, 0x00, 0xb0, 0xb2 };
	assert_true(scsi_vpd_lists(supported, sizeof(supported), SCSI_VPD_BLOCK_LIMITS));
	assert_true(scsi_vpd_lists(supported, sizeof(supported), SCSI_VPD_LB_PROVISIONING));
	assert_false(scsi_vpd_lists(supported, sizeof(supported), 0x83));
	/* Cut by the bytes returned, or by the length it gives. */
	assert_false(scsi_vpd_lists(supported, 6, SCSI_VPD_LB_PROVISIONING));
	const uint8_t says2[8] = { 0, 0, 0, 2, 0x00, 0xb0, 0xb2 };
	assert_false(scsi_vpd_lists(says2, sizeof(says2), SCSI_VPD_LB_PROVISIONING));
	/* Another page's header. */
	const uint8_t other[8] = { 0, 0x83, 0, 3, 0x00, 0xb0, 0xb2 };
	assert_false(scsi_vpd_lists(other, sizeof(other), SCSI_VPD_BLOCK_LIMITS));

	uint8_t bl[64] = { 0, 0xb0, 0, 0x3c };
	bl[8 + 2] = 0x10;  /* max transfer 4096 blocks */
	bl[20 + 3] = 0x80; /* max unmap 128 blocks */
	bl[24 + 3] = 1;	   /* one descriptor */
	struct scsi_limits lim = { 0 };
	const char *why;
	assert_int_equal(scsi_block_limits_parse(bl, sizeof(bl), &lim, &why), 0);
	assert_int_equal(lim.max_transfer, 4096);
	assert_int_equal(lim.max_unmap_blocks, 128);
	assert_int_equal(lim.max_unmap_descs, 1);
	/* An old, short page: no UNMAP fields. */
	memset(&lim, 0, sizeof(lim));
	bl[3] = 12;
	assert_int_equal(scsi_block_limits_parse(bl, sizeof(bl), &lim, &why), 0);
	assert_int_equal(lim.max_unmap_blocks, 0);
	assert_int_equal(scsi_block_limits_parse(bl, 10, &lim, &why), -EIO);

	uint8_t lbp[8] = { 0, 0xb2, 0, 4, 0, 0x80 };
	memset(&lim, 0, sizeof(lim));
	assert_int_equal(scsi_lbp_parse(lbp, sizeof(lbp), &lim, &why), 0);
	assert_true(lim.lbpu);
	lbp[5] = 0x40;
	assert_int_equal(scsi_lbp_parse(lbp, sizeof(lbp), &lim, &why), 0);
	assert_false(lim.lbpu);
	assert_int_equal(scsi_lbp_parse(lbp, 5, &lim, &why), -EIO);
}

static void test_lun_field(void **state)
{
	uint8_t f[8];
	unsigned t, l;
	virtio_scsi_lun(f, 3, 5);
	const uint8_t want[8] = { 1, 3, 0x40, 5, 0, 0, 0, 0 };
	assert_memory_equal(f, want, 8);
	assert_int_equal(virtio_scsi_lun_decode(f, &t, &l), 0);
	assert_int_equal(t, 3);
	assert_int_equal(l, 5);
	virtio_scsi_lun(f, 255, 16383);
	assert_int_equal(virtio_scsi_lun_decode(f, &t, &l), 0);
	assert_int_equal(t, 255);
	assert_int_equal(l, 16383);
	/* QEMU's events: peripheral addressing below 256. */
	const uint8_t qemu[8] = { 1, 0, 0, 7, 0, 0, 0, 0 };
	assert_int_equal(virtio_scsi_lun_decode(qemu, &t, &l), 0);
	assert_int_equal(l, 7);
	const uint8_t bad0[8] = { 2, 0, 0x40, 7 };
	assert_int_equal(virtio_scsi_lun_decode(bad0, &t, &l), -1);
	const uint8_t bad1[8] = { 1, 0, 0x80, 7 };
	assert_int_equal(virtio_scsi_lun_decode(bad1, &t, &l), -1);
	const uint8_t bad2[8] = { 1, 0, 0x40, 7, 0, 1 };
	assert_int_equal(virtio_scsi_lun_decode(bad2, &t, &l), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdb_rw_16),
		cmocka_unit_test(test_cdb_queries),
		cmocka_unit_test(test_cdb_unmap),
		cmocka_unit_test(test_sense_fixed),
		cmocka_unit_test(test_sense_descriptor),
		cmocka_unit_test(test_sense_truncated),
		cmocka_unit_test(test_resp_good),
		cmocka_unit_test(test_resp_lies),
		cmocka_unit_test(test_resp_sense_bounded),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_inquiry),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_report_luns),
		cmocka_unit_test(test_vpd),
		cmocka_unit_test(test_lun_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
