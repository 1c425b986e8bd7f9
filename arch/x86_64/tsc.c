/*
 * The TSC's frequency. Asking is exact and free: CPUID leaf 0x15 (the TSC
 * to crystal ratio and the crystal's frequency) or the hypervisor timing
 * leaf 0x40000010 (QEMU/KVM and VMware). Otherwise the TSC is timed
 * against a clock of known frequency: the ACPI PM timer (3.579545 MHz,
 * read without setting anything up), the HPET (its period in its
 * capabilities register), or the PIT's channel 0 (1.193182 MHz), read
 * back as it counts down.
 *
 * Solo5 spends 100 ms of every boot here. With the PM timer or the PIT,
 * Keel spends nothing: the measurement starts once the ACPI tables are
 * read and ends when the interrupt controllers need the frequency, so the
 * interval is the boot itself (a millisecond at least is waited for).
 *
 * Under emulation, code reached for the first time is translated before
 * it runs. A reference read and its TSC timestamp are therefore taken in
 * the same loop, and the first samples are thrown away: the sample that
 * counts is taken by code already translated, not skewed by microseconds.
 */
#include "arch/x86_64/tsc.h"

#include <string.h>

#include "kernel/acpi.h"
#include "kernel/console.h"
#include "kernel/option.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"

#define PM_TIMER_HZ 3579545ull
#define PIT_HZ 1193182ull
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define CALIBRATE_US 1000
#define HPET_CAP 0x00
#define HPET_CONFIG 0x10
#define HPET_COUNTER 0xf0
#define HPET_ENABLE 1u
#define HPET_COUNT_64BIT (1u << 13)
/* A gap between PIT samples that could hide a wrap of its 16-bit count
 * (55 ms): 20 ms at 10 GHz, beyond any TSC. */
#define PIT_SAFE_GAP_TSC (10000000000ull / 50)

static uint64_t hz;
static const char *source = "none";
uint64_t tsc_ns_mult;	  /* ns = ticks * tsc_ns_mult >> 32 (tsc.h) */
static uint64_t tsc_mult; /* ticks = ns * tsc_mult >> 20 (hz below 2^44) */

/* --- asking ---------------------------------------------------------------- */

static uint64_t from_cpuid(const char **src)
{
	struct cpuid_regs r = cpuid(0, 0);
	if (r.eax >= 0x15) {
		struct cpuid_regs t = cpuid(0x15, 0);
		if (t.eax && t.ebx && t.ecx) {
			*src = "CPUID 0x15";
			return (uint64_t)t.ecx * t.ebx / t.eax;
		}
	}
	if (cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR) {
		struct cpuid_regs h = cpuid(0x40000000, 0);
		if (h.eax >= 0x40000010) {
			struct cpuid_regs t = cpuid(0x40000010, 0);
			if (t.eax) {
				*src = "hypervisor CPUID 0x40000010";
				return (uint64_t)t.eax * 1000;
			}
		}
	}
	return 0;
}

/* --- reference clocks, each read paired with a TSC read ------------------- */

struct sample {
	uint64_t ref;
	uint64_t tsc;
};

typedef uint64_t (*ref_read_fn)(void *ctx);

/* Edges waited for before the sample is taken: under emulation each new
 * path through the loop (into the reader, back, round again, on to the
 * next edge) is translated the first time it runs, and one warm-up edge
 * was measured to leave the sample skewed by 0.4%; with two warm-up
 * edges it is within 0.01%. */
#define EDGES 3

/* The first reading of a reference clock after its EDGES-th tick edge (the
 * earlier edges only warm the path up), with the TSC read right after it.
 * False when the clock does not move within max_spins readings. */
static bool edge_sample(ref_read_fn read, void *ctx, unsigned long max_spins, struct sample *out)
{
	uint64_t prev = read(ctx), now, t;
	unsigned long spins = 0;
	for (int edge = 0; edge < EDGES; edge++) {
		do {
			now = read(ctx);
			t = rdtsc();
			if (++spins > max_spins)
				return false;
		} while (now == prev);
		prev = now;
	}
	out->ref = now;
	out->tsc = t;
	return true;
}

struct pm_timer {
	uint16_t port;
	uint32_t mask;
};

static uint64_t pm_read(void *ctx)
{
	struct pm_timer *pm = ctx;
	return inl(pm->port) & pm->mask;
}

/* Channel 0's count, latched so the two bytes belong together. */
static uint16_t pit_count(void)
{
	outb(PIT_CMD, 0x00);
	uint8_t lo = inb(PIT_CH0);
	uint8_t hi = inb(PIT_CH0);
	return (uint16_t)(lo | hi << 8);
}

/* Channel 0 as a rate generator over the full 65536 counts, read back
 * rather than watched through port 0x61: that port belongs to the PC
 * speaker, which machines like microvm leave out. Nothing is routed from
 * the PIT's interrupt yet. Then a reading after the second edge; false
 * when there is no PIT (it reads as all ones and never moves). */
static uint64_t pit_read(void *ctx) { return pit_count(); }

static bool pit_start(struct sample *out)
{
	outb(PIT_CMD, 0x34); /* channel 0, lo/hi byte, mode 2 */
	outb(PIT_CH0, 0);
	outb(PIT_CH0, 0);
	return edge_sample(pit_read, NULL, 4000, out);
}

static void pit_stop(void) { outb(PIT_CMD, 0x30); /* mode 0, no count loaded: stopped */ }

/* --- measuring across the boot --------------------------------------------- */

static struct {
	enum { RUN_NONE, RUN_PM, RUN_PIT } kind;
	bool valid;
	struct pm_timer pm;
	struct sample start, last;
	uint32_t pit_elapsed; /* PIT ticks added up across wraps */
} run;

/* Kernel option tsc-calibrate=cpuid|pmtimer|hpet|pit: the source tried
 * first, for testing each. */
static const char *forced_source;
static void set_forced_source(const char *value) { forced_source = value; }
KERNEL_OPTION("tsc-calibrate=", set_forced_source);

void tsc_calibration_begin(const struct acpi_info *ai)
{
	const char *force = forced_source;
	const char *ignored;
	if (from_cpuid(&ignored) != 0)
		return;
	bool want_pit = force && strcmp(force, "pit") == 0;
	if (ai->pm_timer_port && !want_pit) {
		run.pm.port = ai->pm_timer_port;
		run.pm.mask = ai->pm_timer_32bit ? 0xffffffffu : 0xffffffu;
		if (edge_sample(pm_read, &run.pm, 10000000, &run.start)) {
			run.kind = RUN_PM;
			run.valid = true;
		}
	} else if (pit_start(&run.start)) {
		run.kind = RUN_PIT;
		run.valid = true;
		run.last = run.start;
	}
}

static void pit_sample(void)
{
	uint16_t now = pit_count();
	uint64_t t = rdtsc();
	if (t - run.last.tsc > PIT_SAFE_GAP_TSC)
		run.valid = false;
	run.pit_elapsed += (uint16_t)(run.last.ref - now); /* counts down, wrapping */
	run.last.ref = now;
	run.last.tsc = t;
}

void tsc_calibration_sample(void)
{
	/* The PM timer wraps after 4.7 s (24 bits): it needs no help. */
	if (run.kind == RUN_PIT && run.valid)
		pit_sample();
}

/* Ends the measurement begun at boot: at least a millisecond after it. */
static uint64_t finish_run(void)
{
	if (run.kind == RUN_PM && run.valid) {
		uint64_t want = PM_TIMER_HZ * CALIBRATE_US / 1000000, elapsed, t;
		/* Two passes at least: by the boot's end the interval is long
		 * enough, and the first pass only warms the path up (see the
		 * top of this file). */
		int passes = 0;
		do {
			uint64_t now = pm_read(&run.pm);
			t = rdtsc();
			elapsed = (now - run.start.ref) & run.pm.mask;
		} while (elapsed < want || ++passes < 2);
		uint64_t f = (t - run.start.tsc) * PM_TIMER_HZ / elapsed;
		/* A boot slow enough for the timer to wrap shows as an
		 * impossible frequency: then measure again. */
		return f >= 100000000ull && f <= 20000000000ull ? f : 0;
	}
	if (run.kind == RUN_PIT && run.valid) {
		uint32_t want = (uint32_t)(PIT_HZ * CALIBRATE_US / 1000000);
		do
			pit_sample();
		while (run.valid && run.pit_elapsed < want);
		pit_stop();
		run.kind = RUN_NONE;
		if (run.valid)
			return (run.last.tsc - run.start.tsc) * PIT_HZ / run.pit_elapsed;
	}
	return 0;
}

/* --- measuring now, for a millisecond -------------------------------------- */

/* A millisecond of a reference clock of hz ticks a second whose readings
 * wrap at mask, after an edge: the TSC's frequency. */
static uint64_t measure(ref_read_fn read, void *ctx, uint64_t mask, uint64_t ref_hz)
{
	struct sample s;
	if (!edge_sample(read, ctx, 10000000, &s))
		return 0;
	uint64_t want = ref_hz * CALIBRATE_US / 1000000, elapsed, t;
	do {
		uint64_t now = read(ctx);
		t = rdtsc();
		elapsed = (now - s.ref) & mask;
	} while (elapsed < want);
	return (t - s.tsc) * ref_hz / elapsed;
}

static uint64_t from_pm_timer(uint16_t port, uint32_t mask)
{
	struct pm_timer pm = { port, mask };
	return measure(pm_read, &pm, mask, PM_TIMER_HZ);
}

static uint64_t hpet_read(void *ctx) { return ((volatile uint64_t *)ctx)[HPET_COUNTER / 8]; }

static uint64_t from_hpet(uint64_t phys)
{
	volatile uint64_t *h = mmio_map(phys, 1024);
	if (h == NULL)
		return 0;
	uint64_t cap = h[HPET_CAP / 8];
	uint64_t period_fs = cap >> 32;
	/* The specification caps the period at 100 ns; 0 or more is not an
	 * HPET (or not one to trust). */
	if (period_fs == 0 || period_fs > 100000000)
		return 0;
	uint64_t mask = (cap & HPET_COUNT_64BIT) ? ~0ull : 0xffffffffull;
	uint64_t config = h[HPET_CONFIG / 8];
	h[HPET_CONFIG / 8] = config | HPET_ENABLE;
	uint64_t f = measure(hpet_read, (void *)(uintptr_t)h, mask, 1000000000000000ull / period_fs);
	h[HPET_CONFIG / 8] = config;
	return f;
}

/* The PIT for a millisecond. It counts down and wraps at 16 bits, so it
 * is not one of measure()'s clocks. */
static uint64_t from_pit(void)
{
	struct sample s;
	if (!pit_start(&s))
		return 0;
	uint32_t want = (uint32_t)(PIT_HZ * CALIBRATE_US / 1000000), elapsed = 0;
	uint16_t prev = (uint16_t)s.ref, now;
	uint64_t t;
	do {
		now = pit_count();
		t = rdtsc();
		elapsed += (uint16_t)(prev - now);
		prev = now;
	} while (elapsed < want);
	pit_stop();
	return (t - s.tsc) * PIT_HZ / elapsed;
}

/* --- choosing --------------------------------------------------------------- */

static uint64_t try_source(const char *which, const struct acpi_info *ai, const char **src)
{
	uint64_t f = 0;
	if (strcmp(which, "cpuid") == 0) {
		f = from_cpuid(src);
	} else if (strcmp(which, "pmtimer") == 0 && ai->pm_timer_port) {
		*src = "ACPI PM timer";
		f = run.kind == RUN_PM ? finish_run() : 0;
		if (f == 0)
			f = from_pm_timer(ai->pm_timer_port, ai->pm_timer_32bit ? 0xffffffffu : 0xffffffu);
	} else if (strcmp(which, "hpet") == 0 && ai->hpet_phys) {
		*src = "HPET";
		f = from_hpet(ai->hpet_phys);
	} else if (strcmp(which, "pit") == 0) {
		*src = "PIT";
		f = run.kind == RUN_PIT ? finish_run() : 0;
		if (f == 0)
			f = from_pit();
	}
	return f;
}

void tsc_init(const struct acpi_info *ai)
{
	const char *force = forced_source;
	/* The measurement that ran during the boot first. */
	static const char *const order[] = { "cpuid", "pmtimer", "pit", "hpet" };
	hz = 0;
	if (force && (hz = try_source(force, ai, &source)) == 0)
		kwarn("clock: cannot calibrate the TSC with '%s'; trying the others\n", force);
	for (unsigned i = 0; hz == 0 && i < sizeof(order) / sizeof(order[0]); i++)
		hz = try_source(order[i], ai, &source);
	if (run.kind == RUN_PIT)
		pit_stop();
	if (hz == 0) {
		/* Nothing to measure against: CPUID 0x16's nominal base
		 * frequency is the last estimate left. */
		if (cpuid(0, 0).eax >= 0x16 && (cpuid(0x16, 0).eax & 0xffff)) {
			hz = (uint64_t)(cpuid(0x16, 0).eax & 0xffff) * 1000000;
			source = "CPUID 0x16 (nominal)";
		} else {
			hz = 1000000000;
			source = "a guess (no reference clock)";
			kwarn("clock: no way to measure the TSC; assuming 1 GHz, times will be wrong\n");
		}
	}
	tsc_ns_mult = (1000000000ull << 32) / hz;
	tsc_mult = (hz << 20) / 1000000000ull;
}

uint64_t tsc_hz(void) { return hz; }
const char *tsc_source(void) { return source; }

uint64_t ns_to_tsc(uint64_t ns) { return (uint64_t)(((unsigned __int128)ns * tsc_mult) >> 20); }

uint64_t clock_ns(void) { return clock_ns_inline(); }
