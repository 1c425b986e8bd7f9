/*
 * The local APIC (Intel SDM vol. 3, chapter 11). In x2APIC mode its
 * registers are MSRs 0x800 + offset / 16; in xAPIC mode, memory at the
 * APIC base. Everything above this file uses the register offsets.
 */
#include "arch/x86_64/lapic.h"

#include <errno.h>

#include "kernel/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/tsc.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define MSR_TSC_DEADLINE 0x6e0

#define REG_ID 0x20
#define REG_VERSION 0x30
#define REG_TPR 0x80
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ESR 0x280
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_LVT_ERROR 0x370
#define REG_TIMER_INITIAL 0x380
#define REG_TIMER_CURRENT 0x390
#define REG_TIMER_DIVIDE 0x3e0

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)
#define DIVIDE_BY_1 0xb

static volatile uint32_t *mmio;
static bool x2apic, tsc_deadline;
static uint64_t timer_hz;
static uint64_t tsc_to_apic; /* APIC ticks = TSC ticks * tsc_to_apic >> 24 */
volatile unsigned long lapic_spurious_count, lapic_error_count;

static uint32_t rd(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(0x800 + (reg >> 4));
	return mmio[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		mmio[reg / 4] = v;
}

bool lapic_x2apic(void) { return x2apic; }

uint32_t lapic_id(void) { return x2apic ? rd(REG_ID) : rd(REG_ID) >> 24; }

void lapic_eoi(void) { wr(REG_EOI, 0); }

/* What REG_LVT_TIMER holds. */
static uint32_t lvt_timer;

static void on_spurious(void *ctx) { lapic_spurious_count++; }

static void on_error(void *ctx)
{
	wr(REG_ESR, 0); /* the write latches the errors into ESR */
	uint32_t esr = rd(REG_ESR);
	lapic_error_count++;
	kwarn("lapic: error interrupt, ESR 0x%x\n", esr);
}

/* The APIC timer's frequency, for one-shot mode: its current count read
 * with the TSC right after, twice over 200 microseconds, the first pair
 * taken by code already run once (under emulation, first runs are slowed
 * by translation, which would skew the pairing; see arch/x86_64/tsc.c). */
static void calibrate_timer(void)
{
	wr(REG_TIMER_DIVIDE, DIVIDE_BY_1);
	wr(REG_LVT_TIMER, LVT_MASKED | LAPIC_TIMER_VECTOR);
	wr(REG_TIMER_INITIAL, 0xffffffff);
	uint32_t c[3];
	uint64_t t[3];
	uint64_t span = tsc_hz() / 5000;
	for (int i = 0; i < 3; i++) {
		if (i == 2) /* the interval, between the second and third */
			while (rdtsc() - t[1] < span)
				;
		c[i] = rd(REG_TIMER_CURRENT);
		t[i] = rdtsc();
	}
	wr(REG_TIMER_INITIAL, 0);
	timer_hz = (uint64_t)(c[1] - c[2]) * tsc_hz() / (t[2] - t[1]);
	tsc_to_apic = (timer_hz << 24) / tsc_hz();
}

int lapic_init(uint64_t phys)
{
	if (!(cpuid(1, 0).edx & CPUID_1_EDX_APIC))
		return -ENODEV;
	uint64_t base = rdmsr(MSR_APIC_BASE);
	x2apic = (cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC) != 0;
	if (x2apic) {
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	} else {
		if (phys == 0)
			phys = base & ~0xfffull;
		wrmsr(MSR_APIC_BASE, (base & 0xfff) | phys | APIC_BASE_ENABLE);
		mmio = mmio_map(phys, 4096);
		if (mmio == NULL)
			return -ENOMEM;
	}
	tsc_deadline = (cpuid(1, 0).ecx & CPUID_1_ECX_TSC_DEADLINE) != 0;

	trap_set_handler(LAPIC_SPURIOUS_VECTOR, on_spurious, NULL);
	trap_set_handler(LAPIC_ERROR_VECTOR, on_error, NULL);
	wr(REG_TPR, 0);
	wr(REG_LVT_LINT0, LVT_MASKED);
	wr(REG_LVT_LINT1, LVT_MASKED);
	wr(REG_LVT_ERROR, LAPIC_ERROR_VECTOR);
	wr(REG_ESR, 0);
	wr(REG_SVR, SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
	if (!tsc_deadline)
		calibrate_timer();
	wr(REG_LVT_TIMER, LVT_MASKED | LAPIC_TIMER_VECTOR);
	lvt_timer = LVT_MASKED | LAPIC_TIMER_VECTOR;
	lapic_eoi();
	return 0;
}

/* The timer's LVT written only when its mode changes: under a hypervisor
 * each write is a trap, and the timer is set at every wait. */
static void set_lvt_timer(uint32_t v)
{
	if (v != lvt_timer)
		wr(REG_LVT_TIMER, v);
	lvt_timer = v;
}

void lapic_timer_set(uint64_t deadline_tsc)
{
	if (tsc_deadline) {
		set_lvt_timer(LVT_TIMER_TSC_DEADLINE | LAPIC_TIMER_VECTOR);
		wrmsr(MSR_TSC_DEADLINE, deadline_tsc ? deadline_tsc : 1);
		return;
	}
	uint64_t now = rdtsc();
	uint64_t ticks = deadline_tsc > now ? deadline_tsc - now : 0;
	/* TSC ticks to APIC ticks, one more so the timer never fires early
	 * (a count of 0 would stop it). */
	uint64_t count = (uint64_t)(((unsigned __int128)ticks * tsc_to_apic) >> 24) + 1;
	if (count > 0xffffffffu)
		count = 0xffffffffu;	   /* the handler re-arms for the rest */
	set_lvt_timer(LAPIC_TIMER_VECTOR); /* one-shot */
	wr(REG_TIMER_INITIAL, (uint32_t)count);
}

void lapic_timer_stop(void)
{
	if (tsc_deadline)
		wrmsr(MSR_TSC_DEADLINE, 0);
	else
		wr(REG_TIMER_INITIAL, 0);
}

const char *lapic_timer_mode(void) { return tsc_deadline ? "TSC-deadline" : "one-shot"; }

uint64_t lapic_timer_hz(void) { return timer_hz; }
