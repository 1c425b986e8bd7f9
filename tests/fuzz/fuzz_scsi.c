/*
 * The SCSI parsers (drivers/virtio/scsi_cdb.c) on whatever a device could
 * return. Byte 0 chooses the parser, byte 1 a length to claim; the rest is
 * the device's bytes. Each parser must stay within the bytes given and
 * return only what it checked: a bounded sense copy, data no longer than
 * asked for, LUNs within max_lun, a sane block size.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/scsi_cdb.h"

#define CHECK(c)                                                                                                       \
	do {                                                                                                           \
		if (!(c))                                                                                              \
			abort();                                                                                       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint8_t which = data[0], claim = data[1];
	data += 2;
	size -= 2;
	/* Each parser gets a copy of exactly size bytes: ASan sees a read
	 * past them. */
	uint8_t *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	const char *why = NULL;
	char line[200];
	switch (which % 6) {
	case 0: {
		struct scsi_sense s;
		if (scsi_sense_decode(buf, size, &s) == 0)
			CHECK(s.valid && s.key < 16);
		scsi_sense_describe(&s, line, sizeof(line));
		CHECK(strlen(line) < sizeof(line));
		break;
	}
	case 1: {
		struct virtio_scsi_cmd_resp r;
		memset(&r, 0, sizeof(r));
		memcpy(&r, buf, size < sizeof(r) ? size : sizeof(r));
		struct scsi_result res;
		uint32_t used = (uint32_t)claim * 4, len = (uint32_t)claim * 16;
		if (scsi_resp_parse(&r, used, which & 8, len, &res) == SCSI_RESP_OK) {
			CHECK(res.sense_len <= VIRTIO_SCSI_SENSE_SIZE);
			CHECK(res.sense_len + VIRTIO_SCSI_RESP_HEADER <= used || res.response != VIRTIO_SCSI_S_OK);
			CHECK(res.transferred <= len);
			int err;
			enum scsi_verdict v = scsi_result_verdict(&res, &err);
			CHECK(v != SCSI_FAIL || err < 0);
			scsi_result_describe(&res, line, sizeof(line));
		}
		break;
	}
	case 2: {
		struct scsi_inquiry inq;
		if (scsi_inquiry_parse(buf, (uint32_t)size, &inq, &why) == 0)
			CHECK(strlen(inq.vendor) <= 8 && strlen(inq.product) <= 16 && strlen(inq.revision) <= 4);
		break;
	}
	case 3: {
		struct scsi_capacity cap;
		if (scsi_capacity_parse(buf, (uint32_t)size, &cap, &why) == 0) {
			CHECK(cap.block_size >= 512 && cap.block_size <= 65536);
			CHECK((cap.block_size & (cap.block_size - 1)) == 0);
			CHECK(cap.blocks > 0 && cap.blocks <= UINT64_MAX / (cap.block_size / 512));
		}
		break;
	}
	case 4: {
		uint16_t luns[16];
		unsigned n;
		bool more;
		unsigned max_lun = (unsigned)claim * 64;
		if (scsi_report_luns_parse(buf, (uint32_t)size, max_lun, luns, 16, &n, &more, &why) == 0) {
			CHECK(n <= 16);
			for (unsigned i = 0; i < n; i++)
				CHECK(luns[i] <= max_lun);
		}
		break;
	}
	default: {
		struct scsi_limits lim = { 0 };
		scsi_vpd_lists(buf, (uint32_t)size, claim);
		scsi_block_limits_parse(buf, (uint32_t)size, &lim, &why);
		scsi_lbp_parse(buf, (uint32_t)size, &lim, &why);
		break;
	}
	}
	free(buf);
	return 0;
}
