/*
 * The TSC's frequency. Asking is exact and free: CPUID leaf 0x15 (the TSC
 * to crystal ratio and the crystal's frequency) or the hypervisor timing
 * leaf 0x40000010 (QEMU/KVM and VMware). Otherwise the TSC is timed
 * against a clock of known frequency for a millisecond: the HPET (its
 * period in its capabilities register, 10 ns on QEMU), the ACPI PM timer
 * (3.579545 MHz, read without setting anything up), or else the PIT's
 * channel 0 (1.193182 MHz), read back as it counts down.
 * Solo5 spends 100 ms here; a millisecond is enough for 0.05% (the
 * error is a tick or two of the reference over the interval).
 */
#include "kernel/tsc.h"

#include <string.h>

#include "include/keel.h"
#include "kernel/acpi.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/paging.h"

#define PM_TIMER_HZ 3579545ull
#define PIT_HZ 1193182ull
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define CALIBRATE_US 1000

static uint64_t hz;
static const char *source = "none";
static uint64_t ns_mult; /* ns = ticks * ns_mult >> 32 */
static uint64_t tsc_mult; /* ticks = ns * tsc_mult >> 20 (hz below 2^44) */

static uint64_t from_cpuid(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	if (r.eax >= 0x15) {
		struct cpuid_regs t = cpuid(0x15, 0);
		if (t.eax && t.ebx && t.ecx) {
			source = "CPUID 0x15";
			return (uint64_t)t.ecx * t.ebx / t.eax;
		}
	}
	if (cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR) {
		struct cpuid_regs h = cpuid(0x40000000, 0);
		if (h.eax >= 0x40000010) {
			struct cpuid_regs t = cpuid(0x40000010, 0);
			if (t.eax) {
				source = "hypervisor CPUID 0x40000010";
				return (uint64_t)t.eax * 1000;
			}
		}
	}
	return 0;
}

static uint64_t from_pm_timer(uint16_t port, int is32)
{
	uint32_t mask = is32 ? 0xffffffffu : 0xffffffu;
	uint32_t want = (uint32_t)(PM_TIMER_HZ * CALIBRATE_US / 1000000);
	uint32_t start = inl(port) & mask, now;
	uint64_t spins = 0, t0, t1;
	/* Start on a tick edge and end on the read that passed the interval,
	 * counting what elapsed rather than what was asked for. Each read is
	 * paired with the TSC read right after it, in the same loop: under
	 * emulation, code reached for the first time is translated first,
	 * and that must not fall between a read and its timestamp. */
	do {
		now = inl(port) & mask;
		t0 = rdtsc();
		if (++spins > 10000000)
			return 0; /* the timer is not counting */
	} while (now == start);
	uint32_t elapsed;
	start = now;
	do {
		now = inl(port);
		t1 = rdtsc();
		elapsed = (now - start) & mask;
	} while (elapsed < want);
	return (t1 - t0) * PM_TIMER_HZ / elapsed;
}

/* Channel 0's count, latched so the two bytes belong together. */
static uint16_t pit_count(void)
{
	outb(PIT_CMD, 0x00); /* latch channel 0 */
	uint8_t lo = inb(PIT_CH0);
	uint8_t hi = inb(PIT_CH0);
	return (uint16_t)(lo | hi << 8);
}

static uint64_t from_pit(void)
{
	/* Channel 0 as a rate generator over the full 65536 counts, read
	 * back rather than watched through port 0x61: that port belongs to
	 * the PC speaker, which machines like microvm leave out. Nothing
	 * is routed from the PIT's interrupt yet. */
	outb(PIT_CMD, 0x34); /* channel 0, lo/hi byte, mode 2 */
	outb(PIT_CH0, 0);
	outb(PIT_CH0, 0);
	uint16_t prev = pit_count(), now;
	int spins = 0;
	uint64_t t0;
	/* A missing PIT reads as all ones and never moves. Each read pairs
	 * with a TSC read in the same loop (see from_pm_timer). */
	do {
		now = pit_count();
		t0 = rdtsc();
		if (++spins > 2000)
			return 0;
	} while (now == prev);
	uint32_t want = (uint32_t)(PIT_HZ * CALIBRATE_US / 1000000), elapsed = 0;
	prev = now;
	uint64_t t1;
	do {
		now = pit_count();
		t1 = rdtsc();
		elapsed += (uint16_t)(prev - now); /* counts down, wrapping */
		prev = now;
	} while (elapsed < want);
	outb(PIT_CMD, 0x30); /* mode 0 with no count loaded: stopped */
	return (t1 - t0) * PIT_HZ / elapsed;
}

#define HPET_CAP 0x00
#define HPET_CONFIG 0x10
#define HPET_COUNTER 0xf0
#define HPET_ENABLE 1u
#define HPET_COUNT_64BIT (1u << 13)

static uint64_t from_hpet(uint64_t phys)
{
	volatile uint64_t *h = mmio_map(phys, 1024);
	if (h == NULL)
		return 0;
	uint64_t cap = h[HPET_CAP / 8];
	uint64_t period_fs = cap >> 32;
	/* The specification caps the period at 100 ns; 0 or more is not
	 * an HPET (or not one to trust). */
	if (period_fs == 0 || period_fs > 100000000)
		return 0;
	uint64_t mask = (cap & HPET_COUNT_64BIT) ? ~0ull : 0xffffffffull;
	uint64_t config = h[HPET_CONFIG / 8];
	h[HPET_CONFIG / 8] = config | HPET_ENABLE;
	uint64_t want = (uint64_t)CALIBRATE_US * 1000000000ull / period_fs;
	uint64_t start = h[HPET_COUNTER / 8] & mask, now;
	uint64_t spins = 0, t0;
	do { /* reads paired with TSC reads: see from_pm_timer */
		now = h[HPET_COUNTER / 8] & mask;
		t0 = rdtsc();
		if (++spins > 10000000)
			return 0;
	} while (now == start);
	start = now;
	uint64_t elapsed, t1;
	do {
		now = h[HPET_COUNTER / 8] & mask;
		t1 = rdtsc();
		elapsed = (now - start) & mask;
	} while (elapsed < want);
	h[HPET_CONFIG / 8] = config;
	uint64_t hpet_hz = 1000000000000000ull / period_fs;
	return (t1 - t0) * hpet_hz / elapsed;
}

static bool try_source(const char *which, const struct acpi_info *ai)
{
	if (strcmp(which, "cpuid") == 0) {
		hz = from_cpuid(); /* sets source */
	} else if (strcmp(which, "pmtimer") == 0 && ai->pm_timer_port) {
		hz = from_pm_timer(ai->pm_timer_port, ai->pm_timer_32bit);
		source = "ACPI PM timer";
	} else if (strcmp(which, "hpet") == 0 && ai->hpet_phys) {
		hz = from_hpet(ai->hpet_phys);
		source = "HPET";
	} else if (strcmp(which, "pit") == 0) {
		hz = from_pit();
		source = "PIT";
	}
	return hz != 0;
}

void tsc_init(const struct acpi_info *ai, const char *force)
{
	static const char *const order[] = { "cpuid", "hpet", "pmtimer", "pit" };
	hz = 0;
	if (force && !try_source(force, ai))
		kwarn("clock: cannot calibrate the TSC with '%s'; trying the others\n", force);
	for (unsigned i = 0; hz == 0 && i < sizeof(order) / sizeof(order[0]); i++)
		try_source(order[i], ai);
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
	ns_mult = (1000000000ull << 32) / hz;
	tsc_mult = (hz << 20) / 1000000000ull;
}

uint64_t tsc_hz(void) { return hz; }
const char *tsc_source(void) { return source; }

uint64_t tsc_to_ns(uint64_t ticks) { return (uint64_t)(((unsigned __int128)ticks * ns_mult) >> 32); }
uint64_t ns_to_tsc(uint64_t ns) { return (uint64_t)(((unsigned __int128)ns * tsc_mult) >> 20); }

uint64_t clock_ns(void) { return tsc_to_ns(rdtsc() - boot_tsc); }

uint64_t keel_clock_ns(void) { return clock_ns(); }
uint64_t keel_tsc_hz(void) { return hz; }
const char *keel_tsc_source(void) { return source; }
