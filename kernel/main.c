/*
 * kernel_main: from the loader's hand-over to the application's main and
 * back out through the VM's exit. This file only sequences the boot: what
 * each part does, and which options it takes, is registered where that
 * part is defined (kernel/init.h, kernel/option.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/fwcfg.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/tsc.h"
#include "boot/boot.h"
#include "kernel/acpi.h"
#include "kernel/app.h"
#include "kernel/bootinfo.h"
#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/exit.h"
#include "kernel/init.h"
#include "kernel/mm/mm.h"
#include "kernel/option.h"
#include "kernel/panic.h"
#include "kernel/sched.h"
#include "kernel/thread.h"

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

static void set_boottime(const char *value) { show_boottime = true; }
KERNEL_OPTION("boottime", set_boottime);

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

/* Room for as many words as the command line can hold (no fixed limit
 * below its size); filled before it is read, so not zeroed at boot. */
static char *words[CMDLINE_WORDS_MAX(BOOTINFO_CMDLINE_MAX) + 2] __attribute__((section(".bss.nozero")));
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

/* Every word before "--" is a kernel option, applied by the part of the
 * kernel that registered it. */
static void apply_kernel_options(const struct cmdline *cl)
{
	for (int i = 0; i < cl->kargc; i++)
		if (kernel_option_apply(__kernel_options_start, __kernel_options_end, cl->kargv[i]) != 0)
			kwarn("boot: unknown kernel option '%s' (ignored)\n", cl->kargv[i]);
}

/* The boot-time mark of each level names it. */
static const char *const level_name[INIT_LEVELS] = {
	[INIT_ARCH] = "init: arch",	[INIT_CORE] = "init: core",   [INIT_BUS] = "init: bus",
	[INIT_DEVICE] = "init: device", [INIT_BOUND] = "init: bound", [INIT_LATE] = "init: late",
};

/* Runs the init calls of one level that this image holds; a level with
 * none costs nothing and leaves no mark. */
static void run_init_level(enum init_level level)
{
	bool ran = false;
	for (const struct init_call *c = __init_calls_start; c < __init_calls_end; c++) {
		if (c->level == level) {
			kdebug("init: %s\n", c->name);
			c->fn();
			ran = true;
		}
	}
	if (ran)
		mark(level_name[level]);
}

uint64_t boot_time_us(void) { return boot_us; }

static struct cmdline cl;

/* The application's main, in a thread of its own: with a guard page under
 * its stack, like every thread but the boot one. */
/* The system-call layer starts the application (sys/start.c); an image
 * without it (a keel application that does not ask for it) calls main
 * itself. */
extern __typeof__(app_run) app_run __attribute__((weak));
int main(int argc, char **argv);

static int run_main(void *arg)
{
	(void)arg;
	if (!app_run)
		return main(cl.argc, cl.argv);
	return app_run(&cl);
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
	int err = cmdline_parse(cmdline, keel_app_name, words, CMDLINE_WORDS_MAX(BOOTINFO_CMDLINE_MAX), &cl);
	if (err)
		panic("boot: cannot parse the command line '%s': %s", boot_info.cmdline,
		      err == -E2BIG ? "too many words" : "unterminated quote");
	apply_kernel_options(&cl);

	kinfo("keel: %s boot (%s)%s%s\n", boot_info.protocol == BOOT_PROTOCOL_PVH ? "PVH" : "multiboot2",
	      boot_info.loader, boot_info.cmdline[0] ? ", command line: " : "", boot_info.cmdline);
	read_acpi();
	tsc_calibration_begin(&acpi);
	mark("ACPI tables");

	mark("boot log");
	mm_init(&boot_info);
	mark("page allocator");
	paging_init(&boot_info.memmap);
	mark("page tables");
	mm_heap_init();
	print_memory_map();
	mark("heap, memory log");

	tsc_init(&acpi);
	mark("TSC frequency");

	fpu_init();
	sched_init((uintptr_t)boot_stack, BOOT_STACK_SIZE);
	run_init_level(INIT_ARCH);
	run_init_level(INIT_CORE);
	kinfo("cpu: TSC %lu.%03lu MHz (%s), %s %u, %d I/O APIC%s in use, timer %s", tsc_hz() / 1000000,
	      tsc_hz() / 1000 % 1000, tsc_source(), lapic_x2apic() ? "x2APIC" : "xAPIC", lapic_id(), ioapic_count,
	      ioapic_count == 1 ? "" : "s", lapic_timer_mode());
	if (lapic_timer_hz())
		kinfo(" %lu MHz", lapic_timer_hz() / 1000000);
	kinfo("\n");
	run_init_level(INIT_BUS);
	run_init_level(INIT_DEVICE);
	run_init_level(INIT_BOUND);
	run_init_level(INIT_LATE);

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
