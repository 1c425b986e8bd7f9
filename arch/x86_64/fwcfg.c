/*
 * QEMU's firmware configuration device (docs/specs/fw_cfg.rst in QEMU),
 * through its I/O ports. run-qemu.sh passes the kernel command line as
 * the file opt/keel/cmdline so that an ISO, whose command line is fixed
 * in grub.cfg, can still be given arguments. Elsewhere (bhyve) there is
 * no such device and the loader's command line stands.
 */
#include "arch/x86_64/fwcfg.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/cpu.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019
#define FW_CFG_MAX_FILES 4096 /* the directory is the host's input: bound it */

struct fw_cfg_file {
	uint32_t size;	 /* big-endian */
	uint16_t select; /* big-endian */
	uint16_t reserved;
	char name[56];
};
_Static_assert(sizeof(struct fw_cfg_file) == 64, "fw_cfg file entry");

static void read_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < n; i++)
		p[i] = inb(FW_CFG_PORT_DATA);
}

static int present(void)
{
	char sig[4];
	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	read_bytes(sig, 4);
	return memcmp(sig, "QEMU", 4) == 0;
}

long fwcfg_read_file(const char *name, void *buf, size_t size)
{
	if (!present())
		return -ENODEV;
	uint32_t count;
	outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
	read_bytes(&count, 4);
	count = __builtin_bswap32(count);
	if (count > FW_CFG_MAX_FILES)
		return -ENOENT;
	for (uint32_t i = 0; i < count; i++) {
		struct fw_cfg_file f;
		read_bytes(&f, sizeof(f));
		f.name[sizeof(f.name) - 1] = '\0';
		if (strcmp(f.name, name) != 0)
			continue;
		uint32_t len = __builtin_bswap32(f.size);
		outw(FW_CFG_PORT_SEL, __builtin_bswap16(f.select));
		read_bytes(buf, len < size ? len : size);
		return len;
	}
	return -ENOENT;
}
