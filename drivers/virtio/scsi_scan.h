/*
 * The scan of a SCSI target and its logical units (SPC-4, SBC-3), as
 * Linux's scsi_scan does it: INQUIRY of LUN 0 says whether the target
 * exists; REPORT LUNS lists its LUNs, or, when the target does not know
 * that command, LUNs 0 to 7 are probed. Each LUN is then asked INQUIRY
 * (a disk must be connected and of type 0), TEST UNIT READY (a UNIT
 * ATTENTION, BUSY or "becoming ready" is retried, a bounded number of
 * times), READ CAPACITY (16), and the VPD pages that say whether UNMAP
 * works and how much one command may carry.
 *
 * The scan knows no transport: it sends each command through the
 * caller's exec function, so the driver runs it over its virtqueue and
 * the host tests over a simulated target.
 */
#ifndef KEEL_SCSI_SCAN_H
#define KEEL_SCSI_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/virtio/scsi_cdb.h"

/* A command of the scan: a CDB for target:lun, reading at most data_len
 * bytes into data. */
struct scsi_cmd {
	unsigned target, lun;
	uint8_t cdb[SCSI_CDB_MAX];
	unsigned cdb_len;
	void *data;
	uint32_t data_len;
};

/* Runs cmd and fills *res (checked: scsi_resp_parse). Returns 0, or a
 * negative errno when no answer came (a timeout, a broken device): the
 * scan then stops. */
typedef int (*scsi_exec_fn)(void *ctx, const struct scsi_cmd *cmd, struct scsi_result *res);

/* How many times a command answered with SCSI_RETRY is sent again. */
#define SCSI_SCAN_RETRIES 8
/* LUNs probed when REPORT LUNS is not supported: 0 to this. */
#define SCSI_SCAN_PROBE_LUNS 7

struct scsi_scan {
	scsi_exec_fn exec;
	void *ctx;
	/* The data buffer of every command (the driver's DMA memory): at
	 * least SCSI_VPD_LEN bytes; REPORT LUNS asks for all of it. */
	uint8_t *buf;
	uint32_t buf_len;
	unsigned max_lun;
	/* What the last command that failed said, for the caller's log. */
	struct scsi_result last;
	char why[192];
	bool no_answer; /* the last command got none: exec failed */
	unsigned long commands, retries;
};

struct scsi_lun_info {
	unsigned target, lun;
	struct scsi_inquiry inq;
	struct scsi_capacity cap;
	struct scsi_limits lim;
	bool unmap; /* LBPME, LBPU and a non-zero UNMAP limit */
};

/*
 * The LUNs of target, at most max, in *luns. Returns how many (0: none
 * answers), -ENODEV when there is no such target, or another negative
 * errno (s->why says why). *reported: REPORT LUNS gave the list (else
 * LUNs were probed).
 */
int scsi_scan_target(struct scsi_scan *s, unsigned target, uint16_t *luns, unsigned max, bool *reported);

/*
 * Probes target:lun. Returns 0 with *info filled for a disk that is
 * ready; -ENODEV when no disk is there (no LUN, another device type);
 * -EIO when its answers cannot be believed; another negative errno when
 * a command failed. s->why says why.
 */
int scsi_probe_lun(struct scsi_scan *s, unsigned target, unsigned lun, struct scsi_lun_info *info);

/* READ CAPACITY (16) of target:lun, again (its capacity changed): 0,
 * -EIO when the answer cannot be believed, another negative errno when
 * the command failed; s->why says why. */
int scsi_read_capacity(struct scsi_scan *s, unsigned target, unsigned lun, struct scsi_capacity *cap);

#endif
