/*
 * SCSI CDBs, sense data and answers (scsi_cdb.h). Multi-byte fields of
 * SCSI are big-endian; those of virtio-scsi's response little-endian.
 */
#include "drivers/virtio/scsi_cdb.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

/* --- CDBs --- */

unsigned scsi_cdb_test_unit_ready(uint8_t *cdb)
{
	memset(cdb, 0, SCSI_CDB_MAX);
	return 6;
}

unsigned scsi_cdb_inquiry(uint8_t *cdb, bool evpd, uint8_t page, uint16_t alloc)
{
	memset(cdb, 0, SCSI_CDB_MAX);
	cdb[0] = SCSI_INQUIRY;
	cdb[1] = evpd ? 1 : 0;
	cdb[2] = evpd ? page : 0; /* SPC-4 6.6: a page code without EVPD is an error */
	put_be16(cdb + 3, alloc);
	return 6;
}

unsigned scsi_cdb_report_luns(uint8_t *cdb, uint32_t alloc)
{
	memset(cdb, 0, SCSI_CDB_MAX);
	cdb[0] = SCSI_REPORT_LUNS;
	cdb[2] = 0; /* select report 0: the logical units of the target */
	put_be32(cdb + 6, alloc);
	return 12;
}

unsigned scsi_cdb_read_capacity_16(uint8_t *cdb, uint32_t alloc)
{
	memset(cdb, 0, SCSI_CDB_MAX);
	cdb[0] = SCSI_SERVICE_ACTION_IN_16;
	cdb[1] = SCSI_SAI_READ_CAPACITY_16;
	put_be32(cdb + 10, alloc);
	return 16;
}

unsigned scsi_cdb_rw_16(uint8_t *cdb, bool write, uint64_t lba, uint32_t blocks)
{
	memset(cdb, 0, SCSI_CDB_MAX);
	cdb[0] = write ? SCSI_WRITE_16 : SCSI_READ_16;
	put_be64(cdb + 2, lba);
	put_be32(cdb + 10, blocks);
	return 16;
}

unsigned scsi_cdb_synchronize_cache(uint8_t *cdb)
{
	/* LBA 0 and 0 blocks: the whole medium (SBC-3 5.22). */
	memset(cdb, 0, SCSI_CDB_MAX);
	cdb[0] = SCSI_SYNCHRONIZE_CACHE_10;
	return 10;
}

unsigned scsi_cdb_unmap(uint8_t *cdb)
{
	memset(cdb, 0, SCSI_CDB_MAX);
	cdb[0] = SCSI_UNMAP;
	put_be16(cdb + 7, SCSI_UNMAP_PARAM_LEN);
	return 10;
}

void scsi_unmap_param(uint8_t *out, uint64_t lba, uint32_t blocks)
{
	/* SBC-3 5.28.2: data length (what follows it), block descriptor
	 * data length, 4 reserved bytes, then the descriptor. */
	memset(out, 0, SCSI_UNMAP_PARAM_LEN);
	put_be16(out, SCSI_UNMAP_PARAM_LEN - 2);
	put_be16(out + 2, 16);
	put_be64(out + 8, lba);
	put_be32(out + 16, blocks);
}

/* --- sense data --- */

int scsi_sense_decode(const uint8_t *sense, size_t len, struct scsi_sense *s)
{
	memset(s, 0, sizeof(*s));
	if (len < 1)
		return -EIO;
	uint8_t code = sense[0] & 0x7f;
	switch (code) {
	case 0x70:
	case 0x71:
		/* Fixed format (SPC-4 4.5.3): the key in byte 2, ASC and
		 * ASCQ in 12 and 13, present when the additional length
		 * (byte 7) reaches them and the device wrote them. */
		if (len < 14 || sense[7] < 6)
			return -EIO;
		s->key = sense[2] & 0xf;
		s->asc = sense[12];
		s->ascq = sense[13];
		break;
	case 0x72:
	case 0x73:
		/* Descriptor format (SPC-4 4.5.2): key, ASC, ASCQ in 1 to 3. */
		if (len < 4)
			return -EIO;
		s->key = sense[1] & 0xf;
		s->asc = sense[2];
		s->ascq = sense[3];
		s->descriptor = true;
		break;
	default: return -EIO;
	}
	s->deferred = code == 0x71 || code == 0x73;
	s->valid = true;
	return 0;
}

const char *scsi_sense_key_name(uint8_t key)
{
	static const char *const names[16] = {
		"NO SENSE",	  "RECOVERED ERROR", "NOT READY",      "MEDIUM ERROR",
		"HARDWARE ERROR", "ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT",
		"BLANK CHECK",	  "VENDOR SPECIFIC", "COPY ABORTED",   "ABORTED COMMAND",
		"RESERVED (0xc)", "VOLUME OVERFLOW", "MISCOMPARE",     "COMPLETED",
	};
	return names[key & 0xf];
}

/* The additional sense codes a disk answers most, for a readable log. */
static const char *asc_name(uint8_t asc, uint8_t ascq)
{
	static const struct {
		uint8_t asc, ascq;
		const char *name;
	} known[] = {
		{ 0x04, 0x01, "becoming ready" },
		{ 0x04, 0x02, "initializing command required" },
		{ 0x11, 0x00, "unrecovered read error" },
		{ 0x0c, 0x00, "write error" },
		{ 0x20, 0x00, "invalid command operation code" },
		{ 0x21, 0x00, "logical block address out of range" },
		{ 0x24, 0x00, "invalid field in CDB" },
		{ 0x25, 0x00, "logical unit not supported" },
		{ 0x27, 0x00, "write protected" },
		{ 0x28, 0x00, "not ready to ready change, medium may have changed" },
		{ 0x29, 0x00, "power on, reset, or bus device reset occurred" },
		{ 0x2a, 0x09, "capacity data has changed" },
		{ 0x3a, 0x00, "medium not present" },
		{ 0x3f, 0x0e, "reported luns data has changed" },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].asc == asc && known[i].ascq == ascq)
			return known[i].name;
	return NULL;
}

void scsi_sense_describe(const struct scsi_sense *s, char *out, size_t n)
{
	if (n == 0)
		return;
	if (!s->valid) {
		snprintf(out, n, "no usable sense data");
		return;
	}
	const char *what = asc_name(s->asc, s->ascq);
	snprintf(out, n, "%s%s, ASC 0x%02x ASCQ 0x%02x%s%s%s", s->deferred ? "deferred " : "",
		 scsi_sense_key_name(s->key), s->asc, s->ascq, what ? " (" : "", what ? what : "", what ? ")" : "");
}

/* --- a virtio-scsi response --- */

enum scsi_resp_fault scsi_resp_parse(const struct virtio_scsi_cmd_resp *resp, uint32_t used_len, bool data_in,
				     uint32_t data_len, struct scsi_result *res)
{
	memset(res, 0, sizeof(*res));
	if (used_len < VIRTIO_SCSI_RESP_HEADER)
		return SCSI_RESP_SHORT;
	res->response = resp->response;
	res->status = resp->status;
	res->residual = resp->residual;
	if (res->response > VIRTIO_SCSI_S_FAILURE)
		return SCSI_RESP_BAD_RESPONSE;
	if (res->residual > data_len)
		return SCSI_RESP_RESIDUAL;
	res->transferred = data_len - res->residual;
	if (res->response != VIRTIO_SCSI_S_OK)
		return SCSI_RESP_OK;
	/* Sense: no more than the buffer holds, nor than the device wrote. */
	uint32_t sense_len = resp->sense_len;
	if (sense_len > VIRTIO_SCSI_SENSE_SIZE)
		return SCSI_RESP_SENSE_LEN;
	uint32_t written = used_len - VIRTIO_SCSI_RESP_HEADER;
	if (sense_len > written)
		sense_len = written;
	memcpy(res->sense_bytes, resp->sense, sense_len);
	res->sense_len = sense_len;
	if (res->status == SCSI_STATUS_CHECK_CONDITION)
		scsi_sense_decode(res->sense_bytes, sense_len, &res->sense);
	/* Data in follows the whole response in the writable part: a read
	 * that succeeded must have written what the residual leaves. */
	if (data_in && res->status == SCSI_STATUS_GOOD &&
	    used_len < sizeof(struct virtio_scsi_cmd_resp) + (uint64_t)res->transferred)
		return SCSI_RESP_DATA_SHORT;
	return SCSI_RESP_OK;
}

const char *scsi_resp_fault_name(enum scsi_resp_fault f)
{
	switch (f) {
	case SCSI_RESP_OK: return "no fault";
	case SCSI_RESP_SHORT: return "a used length that does not cover the response";
	case SCSI_RESP_SENSE_LEN: return "a sense length beyond the sense buffer";
	case SCSI_RESP_RESIDUAL: return "a residual beyond the data";
	case SCSI_RESP_DATA_SHORT: return "less data written than the command succeeded with";
	case SCSI_RESP_BAD_RESPONSE: return "a response value outside the specification";
	}
	return "an unknown fault";
}

enum scsi_verdict scsi_result_verdict(const struct scsi_result *res, int *err)
{
	*err = -EIO;
	switch (res->response) {
	case VIRTIO_SCSI_S_OK: break;
	case VIRTIO_SCSI_S_BAD_TARGET:
	case VIRTIO_SCSI_S_INCORRECT_LUN: *err = -ENODEV; return SCSI_FAIL;
	case VIRTIO_SCSI_S_BUSY:
	case VIRTIO_SCSI_S_RESET: return SCSI_RETRY;
	default: return SCSI_FAIL;
	}
	switch (res->status) {
	case SCSI_STATUS_GOOD: *err = 0; return SCSI_DONE;
	case SCSI_STATUS_BUSY:
	case SCSI_STATUS_TASK_SET_FULL: return SCSI_RETRY;
	case SCSI_STATUS_CHECK_CONDITION: break;
	default: return SCSI_FAIL;
	}
	const struct scsi_sense *s = &res->sense;
	if (!s->valid)
		return SCSI_FAIL;
	switch (s->key) {
	case SCSI_KEY_RECOVERED_ERROR: *err = 0; return SCSI_DONE;
	case SCSI_KEY_UNIT_ATTENTION: return SCSI_RETRY;
	case SCSI_KEY_NOT_READY:
		/* "becoming ready" passes; "medium not present" does not. */
		return s->asc == 0x04 && s->ascq == 0x01 ? SCSI_RETRY : SCSI_FAIL;
	case SCSI_KEY_ILLEGAL_REQUEST:
		if (s->asc == 0x25)
			*err = -ENODEV;
		else if (s->asc == 0x20 || s->asc == 0x24)
			*err = -EOPNOTSUPP;
		return SCSI_FAIL;
	case SCSI_KEY_DATA_PROTECT: *err = -EROFS; return SCSI_FAIL;
	case SCSI_KEY_ABORTED_COMMAND: return SCSI_RETRY;
	default: return SCSI_FAIL;
	}
}

static const char *response_name(uint8_t r)
{
	static const char *const names[] = {
		"OK",	"OVERRUN",	     "ABORTED",	       "BAD_TARGET",	"RESET",
		"BUSY", "TRANSPORT_FAILURE", "TARGET_FAILURE", "NEXUS_FAILURE", "FAILURE"
	};
	return r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

void scsi_result_describe(const struct scsi_result *res, char *out, size_t n)
{
	if (n == 0)
		return;
	if (res->response != VIRTIO_SCSI_S_OK) {
		snprintf(out, n, "virtio-scsi response %s", response_name(res->response));
		return;
	}
	if (res->status != SCSI_STATUS_CHECK_CONDITION) {
		snprintf(out, n, "status 0x%02x", res->status);
		return;
	}
	char sense[96];
	scsi_sense_describe(&res->sense, sense, sizeof(sense));
	snprintf(out, n, "CHECK CONDITION: %s", sense);
}

/* --- answers --- */

/* n bytes of text from the device: printable ones kept, others '?',
 * trailing blanks cut. */
static void ascii(char *out, const uint8_t *in, unsigned n)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++)
		out[k++] = in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
	while (k > 0 && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
}

int scsi_inquiry_parse(const uint8_t *buf, uint32_t len, struct scsi_inquiry *inq, const char **why)
{
	memset(inq, 0, sizeof(*inq));
	if (len < 5) {
		*why = "INQUIRY data shorter than its header";
		return -EIO;
	}
	inq->qualifier = buf[0] >> 5;
	inq->type = buf[0] & 0x1f;
	inq->removable = (buf[1] & 0x80) != 0;
	/* The strings are in the first 36 bytes (SPC-4 6.6.2); a device
	 * that says it has fewer, or wrote fewer, has none. */
	uint32_t avail = (uint32_t)buf[4] + 5;
	if (avail > len)
		avail = len;
	if (avail >= 36) {
		ascii(inq->vendor, buf + 8, 8);
		ascii(inq->product, buf + 16, 16);
		ascii(inq->revision, buf + 32, 4);
	}
	return 0;
}

int scsi_capacity_parse(const uint8_t *buf, uint32_t len, struct scsi_capacity *cap, const char **why)
{
	memset(cap, 0, sizeof(*cap));
	if (len < 15) {
		*why = "READ CAPACITY data too short";
		return -EIO;
	}
	uint64_t last = be64(buf);
	uint32_t bs = be32(buf + 8);
	if (bs < 512 || bs > 65536 || (bs & (bs - 1)) != 0) {
		*why = "an impossible block size";
		return -EIO;
	}
	/* Blocks, and the same in 512-byte sectors, must fit 64 bits. */
	if (last == UINT64_MAX || last + 1 > UINT64_MAX / (bs / 512)) {
		*why = "a capacity that overflows";
		return -EIO;
	}
	cap->blocks = last + 1;
	cap->block_size = bs;
	cap->lbpme = (buf[14] & 0x80) != 0;
	return 0;
}

int scsi_lun_decode(const uint8_t b[8], unsigned *lun)
{
	/* SAM-5 4.7: levels two to four must be empty. */
	for (int i = 2; i < 8; i++)
		if (b[i])
			return -1;
	switch (b[0] >> 6) {
	case 0: /* peripheral device addressing: bus 0 only */
		if (b[0] & 0x3f)
			return -1;
		*lun = b[1];
		return 0;
	case 1: /* flat space */ *lun = (unsigned)(b[0] & 0x3f) << 8 | b[1]; return 0;
	default: return -1;
	}
}

int scsi_report_luns_parse(const uint8_t *buf, uint32_t len, unsigned max_lun, uint16_t *luns, unsigned max,
			   unsigned *n, bool *more, const char **why)
{
	*n = 0;
	*more = false;
	if (len < 8) {
		*why = "REPORT LUNS data shorter than its header";
		return -EIO;
	}
	uint32_t list = be32(buf);
	if (list % 8 != 0) {
		*why = "a LUN list length not a multiple of 8";
		return -EIO;
	}
	/* The list length is the whole list's, even when the allocation
	 * cut it (SPC-4 6.33): only what was returned is read. */
	uint32_t have = (len - 8) / 8 * 8;
	if (list > have) {
		*more = true;
		list = have;
	}
	for (uint32_t off = 8; off < 8 + list; off += 8) {
		unsigned lun;
		if (scsi_lun_decode(buf + off, &lun) != 0 || lun > max_lun)
			continue;
		bool dup = false;
		for (unsigned i = 0; i < *n; i++)
			dup |= luns[i] == lun;
		if (dup)
			continue;
		if (*n == max) {
			*more = true;
			break;
		}
		luns[(*n)++] = (uint16_t)lun;
	}
	return 0;
}

/* The page's length as it says and as it was returned; -1 when the
 * header is missing or names another page. */
static int vpd_len(const uint8_t *buf, uint32_t len, uint8_t page)
{
	if (len < 4 || buf[1] != page)
		return -1;
	uint32_t n = (uint32_t)be16(buf + 2) + 4;
	return (int)(n < len ? n : len);
}

bool scsi_vpd_lists(const uint8_t *buf, uint32_t len, uint8_t page)
{
	int n = vpd_len(buf, len, SCSI_VPD_SUPPORTED);
	for (int i = 4; i < n; i++)
		if (buf[i] == page)
			return true;
	return false;
}

int scsi_block_limits_parse(const uint8_t *buf, uint32_t len, struct scsi_limits *lim, const char **why)
{
	int n = vpd_len(buf, len, SCSI_VPD_BLOCK_LIMITS);
	if (n < 16) {
		*why = "a Block Limits page too short";
		return -EIO;
	}
	lim->max_transfer = be32(buf + 8);
	/* The UNMAP fields come later (SBC-3 6.6.4): an older, shorter
	 * page offers no UNMAP. */
	if (n >= 32) {
		lim->max_unmap_blocks = be32(buf + 20);
		lim->max_unmap_descs = be32(buf + 24);
	}
	return 0;
}

int scsi_lbp_parse(const uint8_t *buf, uint32_t len, struct scsi_limits *lim, const char **why)
{
	int n = vpd_len(buf, len, SCSI_VPD_LB_PROVISIONING);
	if (n < 6) {
		*why = "a Logical Block Provisioning page too short";
		return -EIO;
	}
	lim->lbpu = (buf[5] & 0x80) != 0;
	return 0;
}
