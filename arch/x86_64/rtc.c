/*
 * The CMOS real-time clock (MC146818 and its descendants), for the wall
 * clock (kernel/wallclock.h). It is read through index and data ports;
 * while it updates its registers (the UIP bit warns of it 244 us ahead)
 * a read could mix two seconds, so the registers are read until two
 * passes agree.
 */
#include "kernel/wallclock.h"

#include "arch/x86_64/cpu.h"
#include "kernel/acpi.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_OFF 0x80 /* the index port's top bit masks NMIs: keep it set */
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_UIP 0x80
#define RTC_DM_BINARY 0x04
#define RTC_24H 0x02
#define TRIES 8
/* ACPI's IAPC_BOOT_ARCH: "CMOS RTC not present". */
#define IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, CMOS_NMI_OFF | reg);
	return inb(CMOS_DATA);
}

static bool update_in_progress(void) { return cmos_read(RTC_STATUS_A) & RTC_UIP; }

static void read_pass(struct rtc_raw *r)
{
	r->sec = cmos_read(0x00);
	r->min = cmos_read(0x02);
	r->hour = cmos_read(0x04);
	r->mday = cmos_read(0x07);
	r->mon = cmos_read(0x08);
	r->year = cmos_read(0x09);
	r->century = acpi.rtc_century_reg ? cmos_read(acpi.rtc_century_reg) : 0;
}

bool arch_rtc_read(struct rtc_raw *raw)
{
	if (acpi.iapc_boot_arch & IAPC_CMOS_RTC_NOT_PRESENT)
		return false;
	/* No chip answers with all ones: nothing is there (microvm's rtc=off). */
	uint8_t b = cmos_read(RTC_STATUS_B);
	if (b == 0xff)
		return false;
	raw->binary = b & RTC_DM_BINARY;
	raw->hour24 = b & RTC_24H;
	struct rtc_raw again = *raw;
	for (int i = 0; i < TRIES; i++) {
		/* An update takes under 2 ms; the wait is bounded by the tries. */
		for (int spin = 0; spin < 100000 && update_in_progress(); spin++)
			cpu_pause();
		read_pass(raw);
		read_pass(&again);
		if (raw->sec == again.sec && raw->min == again.min && raw->hour == again.hour &&
		    raw->mday == again.mday && raw->mon == again.mon && raw->year == again.year &&
		    raw->century == again.century)
			return true;
	}
	return false;
}
