#ifndef KEEL_FWCFG_H
#define KEEL_FWCFG_H

#include <stddef.h>

/* Reads the QEMU firmware configuration file `name` (e.g. "opt/keel/cmdline")
 * into buf (at most size bytes). Returns its length (which may exceed
 * size: only size bytes are read), or -ENODEV without fw_cfg, -ENOENT
 * when there is no such file. */
long fwcfg_read_file(const char *name, void *buf, size_t size);

#endif
