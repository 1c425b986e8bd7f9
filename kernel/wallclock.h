/*
 * The wall clock: CLOCK_REALTIME. The machine's battery-backed clock (on
 * x86, the CMOS RTC) is read once, the first time the time of day is
 * asked for, and the TSC carries it on from there, so the boot pays
 * nothing for it and the clock never jumps. The RTC counts whole
 * seconds: the time of day is right to within one.
 */
#ifndef KEEL_WALLCLOCK_H
#define KEEL_WALLCLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* What the RTC's registers hold, undecoded. */
struct rtc_raw {
	uint8_t sec, min, hour, mday, mon, year;
	uint8_t century; /* 0: the machine has no century register */
	bool binary;	 /* status B's DM bit: binary, not BCD */
	bool hour24;	 /* status B's 24/12 bit */
};

/* Seconds since 1970-01-01 00:00:00 UTC for raw (the RTC keeps UTC, as
 * QEMU's does by default). Returns 0, or -EINVAL for a value no clock can
 * hold (a field out of range, a bad BCD digit). Without a century
 * register, years 70 to 99 are 19xx and 00 to 69 are 20xx. */
int rtc_to_epoch(const struct rtc_raw *raw, int64_t *secs);

/* Days from 1970-01-01 to year-mon-mday of the proleptic Gregorian
 * calendar (mon 1 to 12). */
int64_t days_from_civil(int64_t year, unsigned mon, unsigned mday);

/* Nanoseconds since the epoch; the boot counts as the epoch when the
 * machine has no RTC or it reads nonsense (said once on the console). */
uint64_t wallclock_ns(void);

/* Whether the RTC has been read, and the wall clock's reading at
 * clock_ns() == 0 in *epoch: wallclock_ns() is then that plus clock_ns(),
 * which any thread may take with interrupts on; the first call of
 * wallclock_ns() reads the RTC's registers, one at a time, and needs
 * them off. */
static inline bool wallclock_epoch(uint64_t *epoch)
{
	/* Inline: the vDSO's clock_gettime (sys/time.c) reads it on every
	 * call, and under an emulator a call and return cost more than it. */
	extern uint64_t wallclock_epoch_at_boot;
	extern bool wallclock_read_once;
	*epoch = wallclock_epoch_at_boot;
	return wallclock_read_once;
}

/* The arch's RTC (arch/x86_64/rtc.c): false when there is none. */
bool arch_rtc_read(struct rtc_raw *raw);

#endif
