/*
 * kernel_main: from the loader's hand-over to the application's main and
 * back out through the VM's exit.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "boot/boot.h"
#include "drivers/pci/pci.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_pci.h"
#include "kernel/clock.h"
#include "kernel/exit.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "kernel/acpi.h"
#include "kernel/bootinfo.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/fwcfg.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/lapic.h"
#include "kernel/mm/mm.h"
#include "arch/x86_64/paging.h"
#include "kernel/panic.h"
#include "arch/x86_64/power.h"
#include "kernel/sched.h"
#include "arch/x86_64/serial.h"
#include "kernel/timer.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/tsc.h"

/* The application's name, argv[0]: generated for each image by the
 * Makefile. */
extern const char keel_app_name[];
extern const char boot_stack[];

int main(int argc, char **argv);
__attribute__((noreturn)) void kernel_main(uint32_t magic, uint32_t info);

/* Filled by the parser before anything reads it: not zeroed at boot. */
static struct boot_info boot_info __attribute__((section(".bss.nozero")));

/* The boot's stages, timed with the TSC and printed on request (kernel
 * option "boottime"): what bench/ reports as one number, broken down. */
#define MAX_MARKS 16
struct boot_mark {
	const char *what;
	uint64_t tsc;
};
static struct boot_mark marks[MAX_MARKS];
static unsigned nmarks;
static bool show_boottime;
static const char *calibrate_with; /* kernel option tsc-calibrate=pit|pmtimer|hpet */

static void mark(const char *what)
{
	if (nmarks < MAX_MARKS)
		marks[nmarks++] = (struct boot_mark){ what, rdtsc() };
	tsc_calibration_sample();
}

static void print_boottime(void)
{
	uint64_t prev = boot_tsc;
	for (unsigned i = 0; i < nmarks; i++) {
		kprintf("boottime: %-22s %6lu us (at %6lu us)\n", marks[i].what, tsc_to_ns(marks[i].tsc - prev) / 1000,
			tsc_to_ns(marks[i].tsc - boot_tsc) / 1000);
		prev = marks[i].tsc;
	}
}
static char *words[CMDLINE_MAX_WORDS + 2];
static uint64_t boot_us;

/* Until the final page tables are built, the boot tables map the first
 * 4 GiB one to one: that is all the loader's structures may use. */
static const void *boot_phys_reader(uint64_t phys, size_t len)
{
	if (phys == 0 || phys >= (1ull << 32) || len > (1ull << 32) - phys)
		return NULL;
	return (const void *)(uintptr_t)phys;
}

static void parse_boot_info(uint32_t magic, uint32_t info)
{
	const char *why = "";
	int err;
	if (magic == PVH_START_MAGIC)
		err = bootinfo_parse_pvh(&boot_info, info, boot_phys_reader, &why);
	else if (magic == MB2_BOOTLOADER_MAGIC)
		err = bootinfo_parse_multiboot2(&boot_info, info, boot_phys_reader, &why);
	else
		panic("boot: unknown loader (magic 0x%x): Keel boots through multiboot2 or PVH", magic);
	if (err)
		panic("boot: %s", why);
}

__attribute__((format(printf, 1, 2))) static void acpi_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (console_log_level >= LOG_WARN)
		kvprintf(fmt, ap);
	va_end(ap);
}

/* ACPI is read while the boot mapping (the first 4 GiB) is in place,
 * before anything of the tables' memory could be handed out. */
static void read_acpi(void)
{
	uint8_t buf[ACPI_RSDP_COPY_MAX];
	const void *rsdp = NULL;
	size_t len = 0;
	const char *how = "";
	if (boot_info.rsdp_copy_len) {
		rsdp = boot_info.rsdp_copy;
		len = boot_info.rsdp_copy_len;
		how = "from the loader";
	} else {
		uint64_t phys = boot_info.rsdp_phys;
		how = "from the loader";
		if (phys == 0) {
			phys = acpi_find_rsdp_bios(boot_phys_reader);
			how = "found in BIOS memory";
		}
		const uint8_t *p = phys ? boot_phys_reader(phys, sizeof(buf)) : NULL;
		if (p) {
			memcpy(buf, p, sizeof(buf));
			rsdp = buf;
			len = sizeof(buf);
		}
	}
	if (rsdp == NULL) {
		kinfo("acpi: no RSDP: no ACPI tables\n");
		return;
	}
	if (acpi_parse_tables(&acpi, rsdp, len, boot_phys_reader, acpi_log) != 0)
		return;
	kdebug("acpi: RSDP %s\n", how);
	kinfo("acpi: %s revision %u, %s:", acpi.oem_id, acpi.revision, acpi.use_xsdt ? "XSDT" : "RSDT");
	for (unsigned i = 0; i < acpi.ntables; i++)
		kinfo(" %s", acpi.table[i].signature);
	if (acpi.nbad)
		kinfo(" (%u refused)", acpi.nbad);
	kinfo("\n");
}

static void print_memory_map(void)
{
	const struct memmap *m = &boot_info.memmap;
	for (unsigned i = 0; i < m->count; i++)
		kdebug("  [0x%012lx-0x%012lx] %s\n", m->region[i].base, m->region[i].base + m->region[i].length - 1,
		       memmap_type_name(m->region[i].type));
	if (boot_info.memmap_truncated)
		kwarn("memory: the loader's map has more than %d regions; the rest were ignored\n", MEMMAP_MAX);
	kinfo("memory: %lu MiB usable of %lu MiB, top 0x%lx\n", mm_free_bytes() >> 20,
	      memmap_total(m, MEMMAP_RAM) >> 20, memmap_ram_end(m));
}

/* The command line: QEMU's fw_cfg file opt/keel/cmdline when present (so
 * run-qemu.sh --append works on an ISO, whose command line is fixed in
 * grub.cfg), else the loader's. A PVH loader takes it from -append, so
 * only a multiboot2 boot looks. */
static void read_command_line(void)
{
	static char fw[BOOTINFO_CMDLINE_MAX] __attribute__((section(".bss.nozero")));
	if (boot_info.protocol != BOOT_PROTOCOL_MULTIBOOT2) {
		if (boot_info.cmdline_truncated)
			panic("boot: the command line is longer than %d bytes", BOOTINFO_CMDLINE_MAX - 1);
		return;
	}
	long n = fwcfg_read_file("opt/keel/cmdline", fw, sizeof(fw) - 1);
	if (n >= (long)sizeof(fw))
		panic("boot: the fw_cfg command line is longer than %zu bytes", sizeof(fw) - 1);
	if (n >= 0) {
		fw[n] = '\0';
		memcpy(boot_info.cmdline, fw, (size_t)n + 1);
	} else if (boot_info.cmdline_truncated) {
		panic("boot: the command line is longer than %d bytes", BOOTINFO_CMDLINE_MAX - 1);
	}
}

/* The drivers are optional parts of an image. */
extern enum virtio_irq_mode virtio_irq_limit __attribute__((weak));
void pci_init(void) __attribute__((weak));
void virtio_pci_probe_all(void) __attribute__((weak));

static void set_virtio_irq(const char *mode)
{
	static const struct {
		const char *name;
		enum virtio_irq_mode mode;
	} modes[] = {
		{ "msix", VIRTIO_IRQ_MSIX_PER_VQ }, { "msix-shared", VIRTIO_IRQ_MSIX_SHARED },
		{ "msi", VIRTIO_IRQ_MSI },	    { "intx", VIRTIO_IRQ_INTX },
		{ "poll", VIRTIO_IRQ_NONE },
	};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(mode, modes[i].name) == 0) {
			if (&virtio_irq_limit)
				virtio_irq_limit = modes[i].mode;
			return;
		}
	}
	kwarn("boot: virtio.irq=%s is none of msix, msix-shared, msi, intx, poll (ignored)\n", mode);
}

static void apply_kernel_options(const struct cmdline *cl)
{
	for (int i = 0; i < cl->kargc; i++) {
		const char *opt = cl->kargv[i];
		if (strcmp(opt, "quiet") == 0)
			console_log_level = LOG_WARN;
		else if (strcmp(opt, "debug") == 0)
			console_log_level = LOG_DEBUG;
		else if (strcmp(opt, "boottime") == 0)
			show_boottime = true;
		else if (strncmp(opt, "tsc-calibrate=", 14) == 0)
			calibrate_with = opt + 14;
		else if (strncmp(opt, "virtio.irq=", 11) == 0)
			set_virtio_irq(opt + 11);
		else
			kwarn("boot: unknown kernel option '%s' (ignored)\n", opt);
	}
}

uint64_t boot_time_us(void) { return boot_us; }

static struct cmdline cl;

/* The application's main, in a thread of its own: with a guard page under
 * its stack, like every thread but the boot one. */
static int run_main(void *arg)
{
	(void)arg;
	return main(cl.argc, cl.argv);
}

void kernel_exit(int status)
{
	if (status < 0 || status > KERNEL_EXIT_MAX_APP) {
		kprintf("keel: exit status %d is outside 0..%d; reporting %d\n", status, KERNEL_EXIT_MAX_APP,
			KERNEL_EXIT_OUT_OF_RANGE);
		status = KERNEL_EXIT_OUT_OF_RANGE;
	}
	power_exit(status);
}

void exit(int status) __attribute__((noreturn));
void exit(int status) { kernel_exit(status); }

void abort(void) __attribute__((noreturn));
void abort(void) { panic("abort() called"); }

char *getenv(const char *name);
char *getenv(const char *name)
{
	(void)name;
	return NULL;
}

void kernel_main(uint32_t magic, uint32_t info)
{
	mark("entry to C");
	serial_init();
	gdt_init();
	idt_init();
	mark("console, GDT, IDT");
	parse_boot_info(magic, info);
	mark("boot information");
	read_command_line();
	mark("fw_cfg command line");

	/* Options first, so "quiet" applies to the whole boot log. */
	static char cmdline[BOOTINFO_CMDLINE_MAX] __attribute__((section(".bss.nozero")));
	memcpy(cmdline, boot_info.cmdline, sizeof(cmdline));
	int err = cmdline_parse(cmdline, keel_app_name, words, &cl);
	if (err)
		panic("boot: cannot parse the command line '%s': %s", boot_info.cmdline,
		      err == -E2BIG ? "too many words" : "unterminated quote");
	apply_kernel_options(&cl);

	kinfo("keel: %s boot (%s)%s%s\n", boot_info.protocol == BOOT_PROTOCOL_PVH ? "PVH" : "multiboot2",
	      boot_info.loader, boot_info.cmdline[0] ? ", command line: " : "", boot_info.cmdline);
	read_acpi();
	tsc_calibration_begin(&acpi, calibrate_with);
	mark("ACPI tables");

	mark("boot log");
	mm_init(&boot_info);
	mark("page allocator");
	paging_init(&boot_info.memmap);
	mark("page tables");
	mm_heap_init();
	print_memory_map();
	mark("heap, memory log");

	tsc_init(&acpi, calibrate_with);
	mark("TSC frequency");

	fpu_init();
	sched_init((uintptr_t)boot_stack, BOOT_STACK_SIZE);
	timer_init();
	irq_init();
	mark("interrupts, timers");
	kinfo("cpu: TSC %lu.%03lu MHz (%s), %s %u, %d I/O APIC%s, timer %s", tsc_hz() / 1000000, tsc_hz() / 1000 % 1000,
	      tsc_source(), lapic_x2apic() ? "x2APIC" : "xAPIC", lapic_id(), ioapic_count, ioapic_count == 1 ? "" : "s",
	      lapic_timer_mode());
	if (lapic_timer_hz())
		kinfo(" %lu MHz", lapic_timer_hz() / 1000000);
	kinfo("\n");
	/* Present when the application was linked with drivers (app.mk). */
	if (pci_init) {
		pci_init();
		mark("PCI");
	}
	if (virtio_pci_probe_all) {
		virtio_pci_probe_all();
		mark("virtio devices");
	}

	boot_us = clock_ns() / 1000;
	if (show_boottime)
		print_boottime();
	kinfo("keel: main after %lu us\n", boot_us);

	struct thread *app;
	err = thread_create(&app, "main", run_main, NULL, 256 * 1024);
	if (err)
		panic("boot: cannot start the application's thread (%d)", err);
	int status;
	thread_join(app, &status);
	kernel_exit(status);
}
