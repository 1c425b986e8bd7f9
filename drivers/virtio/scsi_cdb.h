/*
 * SCSI commands as Keel sends them and their answers as it reads them
 * (SPC-4, SBC-3): CDBs built into a caller's buffer, sense data decoded
 * (fixed and descriptor formats), INQUIRY, READ CAPACITY (16), REPORT
 * LUNS and VPD pages parsed, and a virtio-scsi response checked. Pure
 * logic, no kernel services: the host tests run it as it is.
 *
 * Nothing a device returns is believed: every parser is given the bytes
 * the device really wrote and fails with -EIO (and a reason) rather than
 * read past them or accept impossible values.
 */
#ifndef KEEL_SCSI_CDB_H
#define KEEL_SCSI_CDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/virtio/virtio_scsi.h"

/* Operation codes (SPC-4, SBC-3). */
#define SCSI_TEST_UNIT_READY 0x00
#define SCSI_INQUIRY 0x12
#define SCSI_SYNCHRONIZE_CACHE_10 0x35
#define SCSI_UNMAP 0x42
#define SCSI_READ_16 0x88
#define SCSI_WRITE_16 0x8a
#define SCSI_SERVICE_ACTION_IN_16 0x9e
#define SCSI_SAI_READ_CAPACITY_16 0x10
#define SCSI_REPORT_LUNS 0xa0

/* Status (SAM-5). */
#define SCSI_STATUS_GOOD 0x00
#define SCSI_STATUS_CHECK_CONDITION 0x02
#define SCSI_STATUS_BUSY 0x08
#define SCSI_STATUS_RESERVATION_CONFLICT 0x18
#define SCSI_STATUS_TASK_SET_FULL 0x28
#define SCSI_STATUS_TASK_ABORTED 0x40

/* Sense keys (SPC-4, 4.5.6). */
#define SCSI_KEY_NO_SENSE 0x0
#define SCSI_KEY_RECOVERED_ERROR 0x1
#define SCSI_KEY_NOT_READY 0x2
#define SCSI_KEY_MEDIUM_ERROR 0x3
#define SCSI_KEY_HARDWARE_ERROR 0x4
#define SCSI_KEY_ILLEGAL_REQUEST 0x5
#define SCSI_KEY_UNIT_ATTENTION 0x6
#define SCSI_KEY_DATA_PROTECT 0x7
#define SCSI_KEY_ABORTED_COMMAND 0xb

/* Peripheral device types and qualifiers (INQUIRY byte 0). */
#define SCSI_TYPE_DISK 0x00
#define SCSI_QUALIFIER_CONNECTED 0
#define SCSI_QUALIFIER_NO_LUN 3

/* VPD pages. */
#define SCSI_VPD_SUPPORTED 0x00
#define SCSI_VPD_BLOCK_LIMITS 0xb0
#define SCSI_VPD_LB_PROVISIONING 0xb2

/* The longest CDB built here, and the bytes asked for by each query. */
#define SCSI_CDB_MAX 16
#define SCSI_INQUIRY_LEN 96
#define SCSI_VPD_LEN 252
#define SCSI_READ_CAPACITY_16_LEN 32
#define SCSI_UNMAP_PARAM_LEN 24 /* header and one block descriptor */

/* --- CDBs: each fills cdb (SCSI_CDB_MAX bytes) and returns its length --- */

unsigned scsi_cdb_test_unit_ready(uint8_t *cdb);
unsigned scsi_cdb_inquiry(uint8_t *cdb, bool evpd, uint8_t page, uint16_t alloc);
unsigned scsi_cdb_report_luns(uint8_t *cdb, uint32_t alloc);
unsigned scsi_cdb_read_capacity_16(uint8_t *cdb, uint32_t alloc);
unsigned scsi_cdb_rw_16(uint8_t *cdb, bool write, uint64_t lba, uint32_t blocks);
unsigned scsi_cdb_synchronize_cache(uint8_t *cdb);
unsigned scsi_cdb_unmap(uint8_t *cdb);
/* UNMAP's parameter list for one range: SCSI_UNMAP_PARAM_LEN bytes. */
void scsi_unmap_param(uint8_t *out, uint64_t lba, uint32_t blocks);

/* --- sense data --- */

struct scsi_sense {
	bool valid;	 /* a known response code with key, ASC and ASCQ present */
	bool descriptor; /* descriptor format (0x72, 0x73), else fixed (0x70, 0x71) */
	bool deferred;	 /* 0x71, 0x73: about an earlier command */
	uint8_t key, asc, ascq;
};

/* Decodes len bytes of sense data (at most what the device wrote).
 * Returns 0, or -EIO when they are too short for their format or of an
 * unknown response code (s->valid false). */
int scsi_sense_decode(const uint8_t *sense, size_t len, struct scsi_sense *s);
/* The sense key's name ("MEDIUM ERROR"). */
const char *scsi_sense_key_name(uint8_t key);
/* A line for logs, e.g. "MEDIUM ERROR, ASC 0x11 ASCQ 0x00 (unrecovered
 * read error)", always NUL-terminated within n bytes. */
void scsi_sense_describe(const struct scsi_sense *s, char *out, size_t n);

/* --- a virtio-scsi response --- */

enum scsi_resp_fault {
	SCSI_RESP_OK,
	SCSI_RESP_SHORT,	/* the used length does not cover the response's fixed fields */
	SCSI_RESP_SENSE_LEN,	/* a sense length beyond the buffer */
	SCSI_RESP_RESIDUAL,	/* a residual beyond the data */
	SCSI_RESP_DATA_SHORT,	/* GOOD, but less data written than the residual claims */
	SCSI_RESP_BAD_RESPONSE, /* a response value outside the specification */
};

struct scsi_result {
	uint8_t response; /* VIRTIO_SCSI_S_ */
	uint8_t status;	  /* SCSI status, when response is OK */
	uint32_t residual;
	uint32_t transferred; /* data bytes the device returned: data_len - residual */
	struct scsi_sense sense;
	uint8_t sense_bytes[VIRTIO_SCSI_SENSE_SIZE]; /* the bounded copy */
	uint32_t sense_len;
};

/*
 * Checks resp (already copied out of shared memory) against what the
 * device could have written: used_len bytes of the writable part (the
 * response, then data_in bytes of data) and data_len bytes of data in
 * either direction. Fills *res, sense decoded from a bounded copy.
 * Returns SCSI_RESP_OK or the first lie found.
 */
enum scsi_resp_fault scsi_resp_parse(const struct virtio_scsi_cmd_resp *resp, uint32_t used_len, bool data_in,
				     uint32_t data_len, struct scsi_result *res);
const char *scsi_resp_fault_name(enum scsi_resp_fault f);

/* What to do with a result. */
enum scsi_verdict {
	SCSI_DONE,  /* GOOD */
	SCSI_RETRY, /* UNIT ATTENTION, BUSY, TASK SET FULL, becoming ready, a transport reset */
	SCSI_FAIL,
};
/* The verdict, and in *err the errno of a failure: -ENODEV (no such
 * target or LUN), -EOPNOTSUPP (ILLEGAL REQUEST: invalid command), -EROFS
 * (DATA PROTECT), -EIO otherwise. */
enum scsi_verdict scsi_result_verdict(const struct scsi_result *res, int *err);
/* A line for logs saying what went wrong. */
void scsi_result_describe(const struct scsi_result *res, char *out, size_t n);

/* --- answers to the scan's queries (each: 0, or -EIO with *why set) --- */

struct scsi_inquiry {
	uint8_t qualifier, type;
	bool removable;
	char vendor[9], product[17], revision[5]; /* printable, trailing blanks cut */
};
int scsi_inquiry_parse(const uint8_t *buf, uint32_t len, struct scsi_inquiry *inq, const char **why);

struct scsi_capacity {
	uint64_t blocks;
	uint32_t block_size; /* 512 .. 65536, a power of two */
	bool lbpme;	     /* logical block provisioning enabled (UNMAP may work) */
};
int scsi_capacity_parse(const uint8_t *buf, uint32_t len, struct scsi_capacity *cap, const char **why);

/* REPORT LUNS: the LUNs of single-level addresses (peripheral or flat,
 * bus 0) up to max_lun, at most max of them, in *luns; *n their number.
 * *more: the list was longer than the bytes returned (ask again with a
 * larger buffer) or held more than max. */
int scsi_report_luns_parse(const uint8_t *buf, uint32_t len, unsigned max_lun, uint16_t *luns, unsigned max,
			   unsigned *n, bool *more, const char **why);

/* Whether the Supported VPD Pages page lists page. */
bool scsi_vpd_lists(const uint8_t *buf, uint32_t len, uint8_t page);

struct scsi_limits {
	uint32_t max_transfer;	   /* blocks per command, 0: no limit given */
	uint32_t max_unmap_blocks; /* 0: UNMAP not offered */
	uint32_t max_unmap_descs;
	bool lbpu; /* Logical Block Provisioning page: UNMAP supported */
};
/* Block Limits (0xb0) and Logical Block Provisioning (0xb2) pages into *lim. */
int scsi_block_limits_parse(const uint8_t *buf, uint32_t len, struct scsi_limits *lim, const char **why);
int scsi_lbp_parse(const uint8_t *buf, uint32_t len, struct scsi_limits *lim, const char **why);

/* The first level of an 8-byte SAM LUN: peripheral (bus 0) or flat
 * addressing into *lun; -1 for any other form or a deeper level. */
int scsi_lun_decode(const uint8_t b[8], unsigned *lun);

#endif
