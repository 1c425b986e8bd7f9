/*
 * The calls of include/keel.h that drivers still serve themselves, until
 * the kernel's device classes serve them: virtio-rng defines
 * keel_getrandom, virtio-console the named ports. These prototypes let a
 * driver define them without including the application's header;
 * kernel/keel_api.c includes both headers, so the compiler checks that
 * they agree.
 */
#ifndef KEEL_PUBLIC_DEVICES_H
#define KEEL_PUBLIC_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

long keel_getrandom(void *buf, size_t len);

typedef struct keel_port keel_port_t;
int keel_port_open(keel_port_t **out, const char *name, uint64_t timeout_ns);
int keel_port_close(keel_port_t *p);
long keel_port_read(keel_port_t *p, void *buf, size_t len, uint64_t timeout_ns);
long keel_port_write(keel_port_t *p, const void *buf, size_t len);
bool keel_port_host_connected(const keel_port_t *p);
const char *keel_port_name(const keel_port_t *p);

#endif
