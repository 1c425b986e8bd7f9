/*
 * The wall clock (kernel/wallclock.h): the RTC read once, carried on by
 * the monotonic clock.
 */
#include "kernel/wallclock.h"

#include <errno.h>

#include "kernel/clock.h"
#include "kernel/console.h"

#define NS_PER_S 1000000000ull

/* Howard Hinnant's days_from_civil: exact for every Gregorian date, with
 * the year counted from March so that February's leap day comes last. */
int64_t days_from_civil(int64_t year, unsigned mon, unsigned mday)
{
	year -= mon <= 2;
	int64_t era = (year >= 0 ? year : year - 399) / 400;
	unsigned yoe = (unsigned)(year - era * 400);
	unsigned doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + mday - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* A register's value, BCD unless the clock is in binary mode; -1 for a
 * digit a BCD clock cannot hold. */
static int decode(uint8_t v, bool binary)
{
	if (binary)
		return v;
	if ((v & 0x0f) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0x0f);
}

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int rtc_to_epoch(const struct rtc_raw *raw, int64_t *secs)
{
	/* In 12-hour mode bit 7 of the hour is PM, and the rest counts 1 to 12. */
	bool pm = !raw->hour24 && (raw->hour & 0x80);
	int hour = decode(raw->hour24 ? raw->hour : (uint8_t)(raw->hour & 0x7f), raw->binary);
	int sec = decode(raw->sec, raw->binary), min = decode(raw->min, raw->binary);
	int mday = decode(raw->mday, raw->binary), mon = decode(raw->mon, raw->binary);
	int yy = decode(raw->year, raw->binary);
	int cc = raw->century ? decode(raw->century, raw->binary) : (yy >= 70 ? 19 : 20);
	if (sec < 0 || sec > 59 || min < 0 || min > 59 || hour < 0 || mon < 1 || mon > 12 || mday < 1 || yy < 0 ||
	    yy > 99 || cc < 19 || cc > 99)
		return -EINVAL;
	if (raw->hour24) {
		if (hour > 23)
			return -EINVAL;
	} else {
		if (hour < 1 || hour > 12)
			return -EINVAL;
		hour = hour % 12 + (pm ? 12 : 0);
	}
	int64_t year = cc * 100 + yy;
	static const uint8_t days_in[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (mday > days_in[mon - 1] + (mon == 2 && leap(year)))
		return -EINVAL;
	*secs = days_from_civil(year, (unsigned)mon, (unsigned)mday) * 86400 + hour * 3600 + min * 60 + sec;
	return 0;
}

#ifndef KEEL_HOST_TEST
/* The wall-clock time at clock_ns() == 0, and whether the RTC was read
 * (at the first call): kernel/wallclock.h's wallclock_epoch reads them. */
uint64_t wallclock_epoch_at_boot;
bool wallclock_read_once;

uint64_t wallclock_ns(void)
{
	if (!wallclock_read_once) {
		struct rtc_raw raw;
		int64_t secs;
		uint64_t now = clock_ns();
		if (!arch_rtc_read(&raw))
			kwarn("wallclock: no RTC: the time of day counts from the boot\n");
		else if (rtc_to_epoch(&raw, &secs) != 0 || secs < 0)
			kwarn("wallclock: the RTC reads %02x-%02x-%02x %02x:%02x:%02x, no date: the time of day counts "
			      "from the boot\n",
			      raw.year, raw.mon, raw.mday, raw.hour, raw.min, raw.sec);
		else if ((uint64_t)secs * NS_PER_S > now)
			wallclock_epoch_at_boot = (uint64_t)secs * NS_PER_S - now;
		wallclock_read_once = true;
	}
	return wallclock_epoch_at_boot + clock_ns();
}

#endif
