/*
 * virtio-scsi's wire format (virtio 1.2, section 5.6): feature bits, the
 * configuration's layout, the request, task management and event
 * structures. Little-endian on x86; the LUN field is SAM's 8-byte form,
 * big-endian inside. Only <stdint.h> so the host tests use it unchanged.
 */
#ifndef KEEL_VIRTIO_SCSI_H
#define KEEL_VIRTIO_SCSI_H

#include <stddef.h>
#include <stdint.h>

/* Section 5.6.2: the queues. Request queues start at 2. */
#define VIRTIO_SCSI_VQ_CONTROL 0
#define VIRTIO_SCSI_VQ_EVENT 1
#define VIRTIO_SCSI_VQ_REQUEST 2

/* Section 5.6.3: feature bits. */
#define VIRTIO_SCSI_F_INOUT (1ull << 0)
#define VIRTIO_SCSI_F_HOTPLUG (1ull << 1)
#define VIRTIO_SCSI_F_CHANGE (1ull << 2)
#define VIRTIO_SCSI_F_T10_PI (1ull << 3)

/* Section 5.6.4: offsets in the configuration. */
#define VIRTIO_SCSI_CFG_NUM_QUEUES 0
#define VIRTIO_SCSI_CFG_SEG_MAX 4
#define VIRTIO_SCSI_CFG_MAX_SECTORS 8
#define VIRTIO_SCSI_CFG_CMD_PER_LUN 12
#define VIRTIO_SCSI_CFG_EVENT_INFO_SIZE 16
#define VIRTIO_SCSI_CFG_SENSE_SIZE 20
#define VIRTIO_SCSI_CFG_CDB_SIZE 24
#define VIRTIO_SCSI_CFG_MAX_CHANNEL 28
#define VIRTIO_SCSI_CFG_MAX_TARGET 30
#define VIRTIO_SCSI_CFG_MAX_LUN 32
#define VIRTIO_SCSI_CFG_BYTES 36

/* The sizes Keel sets in the configuration (section 5.6.4: the driver
 * may write sense_size and cdb_size), which are also the defaults. */
#define VIRTIO_SCSI_CDB_SIZE 32
#define VIRTIO_SCSI_SENSE_SIZE 96

/* Section 5.6.6.1: the response values of a request. */
#define VIRTIO_SCSI_S_OK 0
#define VIRTIO_SCSI_S_OVERRUN 1
#define VIRTIO_SCSI_S_ABORTED 2
#define VIRTIO_SCSI_S_BAD_TARGET 3
#define VIRTIO_SCSI_S_RESET 4
#define VIRTIO_SCSI_S_BUSY 5
#define VIRTIO_SCSI_S_TRANSPORT_FAILURE 6
#define VIRTIO_SCSI_S_TARGET_FAILURE 7
#define VIRTIO_SCSI_S_NEXUS_FAILURE 8
#define VIRTIO_SCSI_S_FAILURE 9
/* Section 5.6.6.2: task management responses. */
#define VIRTIO_SCSI_S_FUNCTION_COMPLETE 0
#define VIRTIO_SCSI_S_FUNCTION_SUCCEEDED 10
#define VIRTIO_SCSI_S_FUNCTION_REJECTED 11
#define VIRTIO_SCSI_S_INCORRECT_LUN 12

#define VIRTIO_SCSI_S_SIMPLE 0 /* task attribute */

/* Section 5.6.6.1: a request; the device reads the first part, writes the second. */
struct __attribute__((packed)) virtio_scsi_cmd_req {
	uint8_t lun[8];
	uint64_t id;
	uint8_t task_attr;
	uint8_t prio;
	uint8_t crn;
	uint8_t cdb[VIRTIO_SCSI_CDB_SIZE];
};
_Static_assert(sizeof(struct virtio_scsi_cmd_req) == 51, "virtio_scsi_cmd_req");
_Static_assert(offsetof(struct virtio_scsi_cmd_req, id) == 8, "virtio_scsi_cmd_req.id");
_Static_assert(offsetof(struct virtio_scsi_cmd_req, cdb) == 19, "virtio_scsi_cmd_req.cdb");

struct virtio_scsi_cmd_resp {
	uint32_t sense_len;
	uint32_t residual;
	uint16_t status_qualifier;
	uint8_t status;
	uint8_t response;
	uint8_t sense[VIRTIO_SCSI_SENSE_SIZE];
};
_Static_assert(sizeof(struct virtio_scsi_cmd_resp) == 108, "virtio_scsi_cmd_resp");
_Static_assert(offsetof(struct virtio_scsi_cmd_resp, status) == 10, "virtio_scsi_cmd_resp.status");
_Static_assert(offsetof(struct virtio_scsi_cmd_resp, sense) == 12, "virtio_scsi_cmd_resp.sense");
/* What a device must write before anything else counts: the fixed fields. */
#define VIRTIO_SCSI_RESP_HEADER 12u

/* Section 5.6.6.2: task management on the control queue. */
#define VIRTIO_SCSI_T_TMF 0
#define VIRTIO_SCSI_T_TMF_ABORT_TASK 0
#define VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET 5

struct virtio_scsi_ctrl_tmf {
	uint32_t type;
	uint32_t subtype;
	uint8_t lun[8];
	uint64_t id;
};
_Static_assert(sizeof(struct virtio_scsi_ctrl_tmf) == 24, "virtio_scsi_ctrl_tmf");
_Static_assert(offsetof(struct virtio_scsi_ctrl_tmf, lun) == 8, "virtio_scsi_ctrl_tmf.lun");
_Static_assert(offsetof(struct virtio_scsi_ctrl_tmf, id) == 16, "virtio_scsi_ctrl_tmf.id");

/* Section 5.6.6.3: events. */
#define VIRTIO_SCSI_T_NO_EVENT 0
#define VIRTIO_SCSI_T_TRANSPORT_RESET 1
#define VIRTIO_SCSI_T_ASYNC_NOTIFY 2
#define VIRTIO_SCSI_T_PARAM_CHANGE 3
#define VIRTIO_SCSI_T_EVENTS_MISSED 0x80000000u
#define VIRTIO_SCSI_EVT_RESET_HARD 0
#define VIRTIO_SCSI_EVT_RESET_RESCAN 1
#define VIRTIO_SCSI_EVT_RESET_REMOVED 2

struct virtio_scsi_event {
	uint32_t event;
	uint8_t lun[8];
	uint32_t reason;
};
_Static_assert(sizeof(struct virtio_scsi_event) == 16, "virtio_scsi_event");
_Static_assert(offsetof(struct virtio_scsi_event, reason) == 12, "virtio_scsi_event.reason");

/* Section 5.6.6.1: the LUN field addresses target and LUN: byte 0 is 1,
 * byte 1 the target, bytes 2 and 3 the LUN in SAM's flat space
 * (0x4000 | lun, big-endian), the rest zero. */
static inline void virtio_scsi_lun(uint8_t out[8], unsigned target, unsigned lun)
{
	out[0] = 1;
	out[1] = (uint8_t)target;
	out[2] = (uint8_t)(0x40 | ((lun >> 8) & 0x3f));
	out[3] = (uint8_t)lun;
	out[4] = out[5] = out[6] = out[7] = 0;
}

/* The reverse, for events: 0 with *target and *lun set, or -1 when the
 * field is not of that form. QEMU writes LUNs below 256 with peripheral
 * addressing (byte 2 zero), as REPORT LUNS does: both forms are taken. */
static inline int virtio_scsi_lun_decode(const uint8_t in[8], unsigned *target, unsigned *lun)
{
	if (in[0] != 1 || in[4] | in[5] | in[6] | in[7])
		return -1;
	if ((in[2] & 0xc0) == 0x40)
		*lun = (unsigned)(in[2] & 0x3f) << 8 | in[3];
	else if (in[2] == 0)
		*lun = in[3];
	else
		return -1;
	*target = in[1];
	return 0;
}

#endif
