/*
 * The scan of a target and its LUNs (scsi_scan.h).
 */
#include "drivers/virtio/scsi_scan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * Sends a command, again while the target answers with a condition that
 * passes (UNIT ATTENTION after a reset or a hot-plug, BUSY, becoming
 * ready), at most SCSI_SCAN_RETRIES times. Returns 0 with *got the data
 * bytes returned, or a negative errno, s->why set.
 */
static int run(struct scsi_scan *s, struct scsi_cmd *cmd, uint32_t *got)
{
	const char *name = "command";
	switch (cmd->cdb[0]) {
	case SCSI_INQUIRY: name = "INQUIRY"; break;
	case SCSI_TEST_UNIT_READY: name = "TEST UNIT READY"; break;
	case SCSI_REPORT_LUNS: name = "REPORT LUNS"; break;
	case SCSI_SERVICE_ACTION_IN_16: name = "READ CAPACITY (16)"; break;
	}
	for (unsigned attempt = 0;; attempt++) {
		if (cmd->data)
			memset(cmd->data, 0, cmd->data_len);
		s->commands++;
		struct scsi_result res;
		int err = s->exec(s->ctx, cmd, &res);
		s->no_answer = err != 0;
		if (err) {
			snprintf(s->why, sizeof(s->why), "%s: no answer (%d)", name, err);
			return err;
		}
		enum scsi_verdict v = scsi_result_verdict(&res, &err);
		if (v == SCSI_DONE) {
			*got = res.transferred;
			return 0;
		}
		s->last = res;
		char what[112];
		scsi_result_describe(&res, what, sizeof(what));
		snprintf(s->why, sizeof(s->why), "%s: %s", name, what);
		if (v == SCSI_FAIL)
			return err;
		if (attempt + 1 >= SCSI_SCAN_RETRIES)
			return -EIO; /* still not ready: s->why says how */
		s->retries++;
	}
}

static void command(struct scsi_scan *s, struct scsi_cmd *cmd, unsigned target, unsigned lun, uint32_t data_len)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->target = target;
	cmd->lun = lun;
	cmd->data = data_len ? s->buf : NULL;
	cmd->data_len = data_len;
}

static int inquiry(struct scsi_scan *s, unsigned target, unsigned lun, struct scsi_inquiry *inq)
{
	struct scsi_cmd cmd;
	uint32_t got;
	command(s, &cmd, target, lun, SCSI_INQUIRY_LEN);
	cmd.cdb_len = scsi_cdb_inquiry(cmd.cdb, false, 0, SCSI_INQUIRY_LEN);
	int err = run(s, &cmd, &got);
	if (err)
		return err;
	const char *why = "";
	if (scsi_inquiry_parse(s->buf, got, inq, &why) != 0) {
		snprintf(s->why, sizeof(s->why), "%s", why);
		return -EIO;
	}
	return 0;
}

/* A VPD page into s->buf; the bytes returned, or 0 when it failed (the
 * pages are optional: a target without them has no limits). */
static uint32_t vpd(struct scsi_scan *s, unsigned target, unsigned lun, uint8_t page)
{
	struct scsi_cmd cmd;
	uint32_t got;
	command(s, &cmd, target, lun, SCSI_VPD_LEN);
	cmd.cdb_len = scsi_cdb_inquiry(cmd.cdb, true, page, SCSI_VPD_LEN);
	return run(s, &cmd, &got) == 0 ? got : 0;
}

int scsi_scan_target(struct scsi_scan *s, unsigned target, uint16_t *luns, unsigned max, bool *reported)
{
	*reported = false;
	s->why[0] = '\0';
	/* INQUIRY of LUN 0 says whether the target is there (SAM-5: LUN 0
	 * answers even when it holds no device, with qualifier 3). */
	struct scsi_inquiry inq;
	int err = inquiry(s, target, 0, &inq);
	if (err && s->no_answer)
		return err;
	if (err == -ENODEV && s->last.response == VIRTIO_SCSI_S_BAD_TARGET)
		return -ENODEV;

	struct scsi_cmd cmd;
	uint32_t got;
	command(s, &cmd, target, 0, s->buf_len);
	cmd.cdb_len = scsi_cdb_report_luns(cmd.cdb, s->buf_len);
	err = run(s, &cmd, &got);
	if (err == 0) {
		unsigned n;
		bool more;
		const char *why = "";
		if (scsi_report_luns_parse(s->buf, got, s->max_lun, luns, max, &n, &more, &why) != 0) {
			snprintf(s->why, sizeof(s->why), "REPORT LUNS: %s", why);
			return -EIO;
		}
		if (more)
			snprintf(s->why, sizeof(s->why), "REPORT LUNS: more LUNs than the %u taken", n);
		*reported = true;
		return (int)n;
	}
	if (err == -ENODEV && s->last.response == VIRTIO_SCSI_S_BAD_TARGET)
		return -ENODEV; /* gone meanwhile */
	if (s->no_answer)
		return err; /* the device is in trouble */
	/* REPORT LUNS not supported: LUNs probed one by one. */
	unsigned n = 0;
	for (unsigned lun = 0; lun <= s->max_lun && lun <= SCSI_SCAN_PROBE_LUNS && n < max; lun++)
		luns[n++] = (uint16_t)lun;
	return (int)n;
}

int scsi_read_capacity(struct scsi_scan *s, unsigned target, unsigned lun, struct scsi_capacity *cap)
{
	struct scsi_cmd cmd;
	uint32_t got;
	command(s, &cmd, target, lun, SCSI_READ_CAPACITY_16_LEN);
	cmd.cdb_len = scsi_cdb_read_capacity_16(cmd.cdb, SCSI_READ_CAPACITY_16_LEN);
	int err = run(s, &cmd, &got);
	if (err)
		return err;
	const char *why = "";
	if (scsi_capacity_parse(s->buf, got, cap, &why) != 0) {
		snprintf(s->why, sizeof(s->why), "READ CAPACITY (16): %s", why);
		return -EIO;
	}
	return 0;
}

int scsi_probe_lun(struct scsi_scan *s, unsigned target, unsigned lun, struct scsi_lun_info *info)
{
	memset(info, 0, sizeof(*info));
	info->target = target;
	info->lun = lun;
	s->why[0] = '\0';

	int err = inquiry(s, target, lun, &info->inq);
	if (err)
		return err;
	if (info->inq.qualifier != SCSI_QUALIFIER_CONNECTED) {
		snprintf(s->why, sizeof(s->why), "no logical unit (qualifier %u)", info->inq.qualifier);
		return -ENODEV;
	}
	if (info->inq.type != SCSI_TYPE_DISK) {
		snprintf(s->why, sizeof(s->why), "not a disk (device type 0x%02x)", info->inq.type);
		return -ENODEV;
	}

	struct scsi_cmd cmd;
	uint32_t got;
	command(s, &cmd, target, lun, 0);
	cmd.cdb_len = scsi_cdb_test_unit_ready(cmd.cdb);
	err = run(s, &cmd, &got);
	if (err)
		return err;

	err = scsi_read_capacity(s, target, lun, &info->cap);
	if (err)
		return err;
	const char *why = "";

	/* The VPD pages, when the target lists them; a page that fails or
	 * makes no sense leaves the defaults (no limit, no UNMAP). */
	uint32_t n = vpd(s, target, lun, SCSI_VPD_SUPPORTED);
	uint8_t pages[2] = { 0, 0 };
	if (n) {
		pages[0] = scsi_vpd_lists(s->buf, n, SCSI_VPD_BLOCK_LIMITS);
		pages[1] = scsi_vpd_lists(s->buf, n, SCSI_VPD_LB_PROVISIONING);
	}
	struct scsi_limits lim = { 0 };
	if (pages[0] && (n = vpd(s, target, lun, SCSI_VPD_BLOCK_LIMITS)) != 0 &&
	    scsi_block_limits_parse(s->buf, n, &lim, &why) != 0)
		memset(&lim, 0, sizeof(lim));
	if (pages[1] && (n = vpd(s, target, lun, SCSI_VPD_LB_PROVISIONING)) != 0)
		scsi_lbp_parse(s->buf, n, &lim, &why);
	info->lim = lim;
	info->unmap = info->cap.lbpme && lim.lbpu && lim.max_unmap_blocks > 0 && lim.max_unmap_descs > 0;
	s->why[0] = '\0';
	return 0;
}
