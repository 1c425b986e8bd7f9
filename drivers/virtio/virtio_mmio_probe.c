/*
 * Finding virtio-mmio devices and attaching their drivers: from the
 * command line's virtio_mmio.device= words (QEMU's microvm without ACPI)
 * and from the DSDT's "LNRO0005" devices (microvm with ACPI); a window
 * named by both is probed once, as the DSDT describes it. Each window is mapped, checked
 * (virtio_mmio_init), listed in the boot log like a PCI device, and given
 * to the driver of its DeviceID. Its one interrupt line goes through the
 * I/O APIC; a line that cannot be routed is replaced by a timer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "drivers/virtio/virtio_mmio.h"
#include "kernel/acpi.h"
#include "kernel/acpi_aml.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/init.h"
#include "kernel/option.h"
#include "kernel/timer.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/paging.h"

#define VM(vd) ((struct virtio_mmio *)(vd)->transport)
#define POLL_INTERVAL_NS 1000000ull
/* The _HID of a virtio-mmio transport in ACPI (Linux's and QEMU's). */
#define VIRTIO_MMIO_HID "LNRO0005"

/* The command line's virtio_mmio.device= values. Options are recorded
 * before there is a heap, so a fixed table: QEMU's microvm has at most 8
 * transports without ACPI, and a word beyond the table is reported. */
#define CMDLINE_DEVICES_MAX 32
static const char *cmdline_device[CMDLINE_DEVICES_MAX];
static unsigned ncmdline_devices, cmdline_devices_dropped;

static void add_cmdline_device(const char *value)
{
	if (ncmdline_devices < CMDLINE_DEVICES_MAX)
		cmdline_device[ncmdline_devices++] = value;
	else
		cmdline_devices_dropped++;
}
KERNEL_OPTION("virtio_mmio.device=", add_cmdline_device);

/* --- register access over the mapped window --- */

static uint32_t win_read32(struct virtio_mmio *vm, unsigned off) { return *(volatile uint32_t *)(vm->base + off); }
static void win_write32(struct virtio_mmio *vm, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(vm->base + off) = v;
}
static uint8_t win_read8(struct virtio_mmio *vm, unsigned off) { return vm->base[off]; }
static void win_write8(struct virtio_mmio *vm, unsigned off, uint8_t v) { vm->base[off] = v; }
static const struct virtio_mmio_io window_io = { win_read32, win_write32, win_read8, win_write8 };

/* --- interrupts --- */

/* Devices whose line could not be routed, looked at by one timer. The
 * list changes with interrupts off, since the timer walks it from its
 * handler. */
static struct timer poll_timer;
static struct virtio_mmio *polled;

static void on_poll(struct timer *t, void *ctx)
{
	for (struct virtio_mmio *vm = polled; vm; vm = vm->next_polled)
		virtio_mmio_interrupt(vm->vd);
	if (polled)
		timer_arm(t, deadline_after(POLL_INTERVAL_NS), on_poll, NULL);
}

int virtio_mmio_setup_irq(struct virtio_device *vd)
{
	struct virtio_mmio *vm = VM(vd);
	if (irq_attach_gsi(vm->gsi, vm->level, vm->active_low, virtio_mmio_interrupt, vd) >= 0) {
		vm->irq_on = true;
		vd->irq_mode = VIRTIO_IRQ_INTX;
		return 0;
	}
	kwarn("%s: GSI %u cannot be routed; the device is polled\n", vd->name, vm->gsi);
	bool irq = irq_save();
	bool first = polled == NULL;
	vm->next_polled = polled;
	polled = vm;
	vm->polled = true;
	irq_restore(irq);
	if (first)
		timer_arm(&poll_timer, deadline_after(POLL_INTERVAL_NS), on_poll, NULL);
	vd->irq_mode = VIRTIO_IRQ_NONE;
	return 0;
}

void virtio_mmio_teardown_irq(struct virtio_device *vd)
{
	struct virtio_mmio *vm = VM(vd);
	if (vm->irq_on) {
		irq_detach_gsi(vm->gsi, virtio_mmio_interrupt, vd);
		vm->irq_on = false;
	}
	if (vm->polled) {
		bool irq = irq_save();
		for (struct virtio_mmio **p = &polled; *p; p = &(*p)->next_polled)
			if (*p == vm) {
				*p = vm->next_polled;
				break;
			}
		irq_restore(irq);
		vm->polled = false;
	}
}

/* --- probing --- */

/* The windows to look at, from both sources; a window already listed
 * (the same address) is not listed again. */
struct window {
	struct virtio_mmio_desc d;
	bool level, active_low;
	const char *source;
};

static bool listed(const struct window *w, unsigned n, uint64_t base)
{
	for (unsigned i = 0; i < n; i++)
		if (w[i].d.base == base)
			return true;
	return false;
}

/* Reads ACPI tables where they are, mapping them read-only where they are
 * not mapped yet (the firmware's tables sit in reserved memory). */
static const void *map_for_reading(uint64_t phys, size_t len)
{
	if (phys == 0 || phys + len < phys)
		return NULL;
	for (uint64_t page = phys & ~0xfffull; page < phys + len; page += 4096)
		if (!paging_is_mapped(page) && paging_map(page, 4096, MAP_READ) != 0)
			return NULL;
	return (const void *)(uintptr_t)phys;
}

__attribute__((format(printf, 1, 2))) static void acpi_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (console_log_level >= LOG_WARN)
		kvprintf(fmt, ap);
	va_end(ap);
}

/* Sets up the window for the driver of its type, or leaves it as found:
 * no memory kept, nothing claimed. */
static void attach(const struct window *w)
{
	struct virtio_device *vd = calloc(1, sizeof(*vd));
	struct virtio_mmio *vm = calloc(1, sizeof(*vm));
	if (vd == NULL || vm == NULL) {
		kwarn("virtio-mmio: out of memory; the window at 0x%lx is ignored\n", w->d.base);
		goto fail;
	}
	vm->io = &window_io;
	vm->phys = w->d.base;
	vm->size = (uint32_t)w->d.size;
	vm->gsi = w->d.gsi;
	vm->level = w->level;
	vm->active_low = w->active_low;
	vm->base = mmio_map(w->d.base, w->d.size);
	if (vm->base == NULL) {
		kwarn("virtio-mmio: the window at 0x%lx (%lu bytes) cannot be mapped; ignored\n", w->d.base, w->d.size);
		goto fail;
	}
	enum virtio_mmio_verdict v = virtio_mmio_init(vd, vm);
	if (v != VIRTIO_MMIO_OK) {
		/* QEMU's microvm lists every transport in ACPI, and most
		 * have no device behind them: not worth a warning. */
		if (v == VIRTIO_MMIO_NO_DEVICE)
			kdebug("virtio-mmio: mmio@0x%lx (%s): no device\n", w->d.base, w->source);
		else
			kwarn("virtio-mmio: mmio@0x%lx (%s) holds %s; ignored\n", w->d.base, w->source,
			      virtio_mmio_verdict_name(v));
		goto fail;
	}
	uint16_t type = vm->device_id <= 0xffff ? (uint16_t)vm->device_id : 0;
	/* What lspci would say: where, what, which interface. */
	kinfo("virtio-mmio: mmio@0x%lx GSI %u %s: virtio %s (type %u), version %u, vendor 0x%x (%s)\n", w->d.base,
	      w->d.gsi, w->level ? "level" : "edge", virtio_type_name(type), vm->device_id, vm->version, vm->vendor_id,
	      w->source);
	const struct virtio_driver *drv = virtio_driver_find(type);
	if (drv == NULL || type == 0) {
		kinfo("virtio-mmio: mmio@0x%lx: no driver for a virtio %s; left alone\n", w->d.base,
		      virtio_type_name(type));
		goto fail;
	}
	vd->type = type;
	vd->timeout_ns = drv->timeout_ns ? drv->timeout_ns : VIRTIO_TIMEOUT_DEFAULT_NS;
	snprintf(vd->name, sizeof(vd->name), "virtio-%s%u", drv->name, virtio_device_number(type));
	snprintf(vd->location, sizeof(vd->location), "mmio@0x%lx %s", w->d.base, virtio_type_name(type));
	int err = drv->attach(vd);
	if (err) {
		kwarn("%s: attach failed (%d); the device is left reset and alone\n", vd->name, err);
		/* A device that would not reset may still use its rings
		 * (virtio_detach left them): vd and vm stay with it. */
		if (vd->nvqs)
			return;
		goto fail;
	}
	kinfo("%s: mmio@0x%lx, %s interface, GSI %u (%s), features 0x%lx\n", vd->name, w->d.base, vd->ops->name,
	      vm->gsi,
	      vd->irq_mode == VIRTIO_IRQ_NONE ? "polled"
	      : vm->level		      ? "level"
					      : "edge",
	      vd->features);
	virtio_device_add(vd);
	return;

fail:
	free(vm);
	free(vd);
}

static unsigned from_cmdline(struct window *w, unsigned n)
{
	if (cmdline_devices_dropped)
		kwarn("virtio-mmio: %u virtio_mmio.device= words beyond the first %u ignored\n",
		      cmdline_devices_dropped, CMDLINE_DEVICES_MAX);
	for (unsigned i = 0; i < ncmdline_devices; i++) {
		const char *why;
		struct virtio_mmio_desc d;
		if (virtio_mmio_parse_device(cmdline_device[i], &d, &why) != 0) {
			kwarn("virtio-mmio: virtio_mmio.device=%s: %s; ignored\n", cmdline_device[i], why);
			continue;
		}
		if (listed(w, n, d.base))
			continue;
		/* Linux takes these lines as ISA-style ones: edge, active high. */
		w[n++] = (struct window){ .d = d, .level = false, .active_low = false, .source = "command line" };
	}
	return n;
}

static void virtio_mmio_probe_all(void)
{
	size_t aml_len = 0;
	const uint8_t *aml = acpi_load_dsdt(&acpi, map_for_reading, acpi_warn, &aml_len);
	unsigned nacpi = aml ? acpi_find_mmio_devices(aml, aml_len, VIRTIO_MMIO_HID, NULL, 0) : 0;
	if (ncmdline_devices == 0 && nacpi == 0)
		return;
	struct acpi_mmio_device *ad = nacpi ? calloc(nacpi, sizeof(*ad)) : NULL;
	struct window *w = calloc(ncmdline_devices + nacpi, sizeof(*w));
	if (w == NULL || (nacpi && ad == NULL)) {
		kwarn("virtio-mmio: out of memory; no device probed\n");
		free(ad);
		free(w);
		return;
	}
	/* ACPI first: where both name a window, the table's description
	 * of its line (level or edge) is the one kept. */
	unsigned n = 0;
	if (nacpi)
		acpi_find_mmio_devices(aml, aml_len, VIRTIO_MMIO_HID, ad, nacpi);
	for (unsigned i = 0; i < nacpi; i++) {
		if (ad[i].length > VIRTIO_MMIO_MAX_SIZE || ad[i].base + ad[i].length < ad[i].base || ad[i].base == 0) {
			kwarn("virtio-mmio: ACPI device %s has an impossible window (0x%lx, %u bytes); ignored\n",
			      ad[i].name, ad[i].base, ad[i].length);
			continue;
		}
		if (listed(w, n, ad[i].base))
			continue;
		w[n++] = (struct window){ .d = { .base = ad[i].base, .size = ad[i].length, .gsi = ad[i].gsi, .id = -1 },
					  .level = ad[i].level,
					  .active_low = ad[i].active_low,
					  .source = "ACPI" };
	}
	n = from_cmdline(w, n);
	/* The transports in address order: the boot log and the devices'
	 * numbering then follow the machine, not the source's order. */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && w[j - 1].d.base > w[j].d.base; j--) {
			struct window t = w[j];
			w[j] = w[j - 1];
			w[j - 1] = t;
		}
	for (unsigned i = 0; i < n; i++)
		attach(&w[i]);
	free(ad);
	free(w);
}
INIT_CALL(INIT_DEVICE, virtio_mmio_probe_all);
