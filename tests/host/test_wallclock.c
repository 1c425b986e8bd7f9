/*
 * The RTC's registers to seconds since the epoch (kernel/wallclock.c),
 * checked against glibc's timegm over every day of four centuries and
 * against the clock's own encodings: BCD and binary, 12- and 24-hour,
 * with and without a century register, and values no clock can hold.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "kernel/wallclock.h"

static uint8_t bcd(int v) { return (uint8_t)((v / 10) << 4 | (v % 10)); }

static struct rtc_raw raw_bcd24(int y, int mon, int d, int h, int mi, int s)
{
	return (struct rtc_raw){ .sec = bcd(s),
				 .min = bcd(mi),
				 .hour = bcd(h),
				 .mday = bcd(d),
				 .mon = bcd(mon),
				 .year = bcd(y % 100),
				 .century = bcd(y / 100),
				 .binary = false,
				 .hour24 = true };
}

static int64_t timegm_of(int y, int mon, int d, int h, int mi, int s)
{
	struct tm tm = {
		.tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s
	};
	return (int64_t)timegm(&tm);
}

static void every_day_matches_timegm(void **state)
{
	static const uint8_t days_in[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned checked = 0;
	for (int y = 1900; y < 2300; y++) {
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		for (int m = 1; m <= 12; m++) {
			for (int d = 1; d <= days_in[m - 1] + (m == 2 && leap); d++) {
				struct rtc_raw r = raw_bcd24(y, m, d, 13, 37, 42);
				int64_t got = -1;
				assert_int_equal(rtc_to_epoch(&r, &got), 0);
				assert_int_equal(got, timegm_of(y, m, d, 13, 37, 42));
				checked++;
			}
		}
	}
	assert_int_equal(checked, 146097);
}

static void binary_and_twelve_hour_modes(void **state)
{
	int64_t t;
	struct rtc_raw r = { .sec = 5,
			     .min = 4,
			     .hour = 23,
			     .mday = 26,
			     .mon = 11,
			     .year = 26,
			     .century = 20,
			     .binary = true,
			     .hour24 = true };
	assert_int_equal(rtc_to_epoch(&r, &t), 0);
	assert_int_equal(t, timegm_of(2026, 11, 26, 23, 4, 5));

	/* 12-hour: 12 AM is midnight, 12 PM noon, bit 7 the PM flag. */
	r.hour24 = false;
	r.hour = 12;
	assert_int_equal(rtc_to_epoch(&r, &t), 0);
	assert_int_equal(t, timegm_of(2026, 11, 26, 0, 4, 5));
	r.hour = 0x80 | 12;
	assert_int_equal(rtc_to_epoch(&r, &t), 0);
	assert_int_equal(t, timegm_of(2026, 11, 26, 12, 4, 5));
	r.hour = 0x80 | 11;
	assert_int_equal(rtc_to_epoch(&r, &t), 0);
	assert_int_equal(t, timegm_of(2026, 11, 26, 23, 4, 5));
	r.binary = false;
	r.hour = 0x80 | bcd(11);
	r.sec = bcd(5), r.min = bcd(4), r.mday = bcd(26), r.mon = bcd(11), r.year = bcd(26), r.century = bcd(20);
	assert_int_equal(rtc_to_epoch(&r, &t), 0);
	assert_int_equal(t, timegm_of(2026, 11, 26, 23, 4, 5));
}

static void without_a_century_register(void **state)
{
	int64_t t;
	struct rtc_raw r = raw_bcd24(2026, 1, 1, 0, 0, 0);
	r.century = 0;
	assert_int_equal(rtc_to_epoch(&r, &t), 0);
	assert_int_equal(t, timegm_of(2026, 1, 1, 0, 0, 0));
	r.year = bcd(70);
	assert_int_equal(rtc_to_epoch(&r, &t), 0);
	assert_int_equal(t, 0);
	r.year = bcd(69);
	assert_int_equal(rtc_to_epoch(&r, &t), 0);
	assert_int_equal(t, timegm_of(2069, 1, 1, 0, 0, 0));
}

static void values_no_clock_holds(void **state)
{
	int64_t t = 12345;
	struct rtc_raw ok = raw_bcd24(2024, 2, 29, 23, 59, 59), r;
	assert_int_equal(rtc_to_epoch(&ok, &t), 0);
#define BAD(field, value)                                                                                              \
	do {                                                                                                           \
		r = ok;                                                                                                \
		r.field = (value);                                                                                     \
		assert_int_equal(rtc_to_epoch(&r, &t), -EINVAL);                                                       \
	} while (0)
	BAD(sec, bcd(60));
	BAD(sec, 0x0a); /* not a BCD digit */
	BAD(min, 0xff); /* a chip that is not there */
	BAD(hour, bcd(24));
	BAD(mday, 0);
	BAD(mon, bcd(13));
	BAD(mon, 0);
	BAD(year, 0xa0);
	BAD(century, bcd(18));
	r = raw_bcd24(2023, 2, 29, 0, 0, 0); /* not a leap year */
	assert_int_equal(rtc_to_epoch(&r, &t), -EINVAL);
	r = raw_bcd24(2100, 2, 29, 0, 0, 0);
	assert_int_equal(rtc_to_epoch(&r, &t), -EINVAL);
	r = raw_bcd24(2000, 2, 29, 0, 0, 0);
	assert_int_equal(rtc_to_epoch(&r, &t), 0);
	r = raw_bcd24(2024, 4, 31, 0, 0, 0);
	assert_int_equal(rtc_to_epoch(&r, &t), -EINVAL);
	r = ok;
	r.hour24 = false;
	r.hour = 0; /* 12-hour clocks count 1 to 12 */
	assert_int_equal(rtc_to_epoch(&r, &t), -EINVAL);
	r.hour = bcd(13);
	assert_int_equal(rtc_to_epoch(&r, &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_day_matches_timegm),
		cmocka_unit_test(binary_and_twelve_hour_modes),
		cmocka_unit_test(without_a_century_register),
		cmocka_unit_test(values_no_clock_holds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
