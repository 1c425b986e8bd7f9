# iperf 2 (apps/iperf2: Debian's iperf 2.1.8, C++ on musl): sourced by
# tests/boot/cases.sh. An image whose source could not be fetched was not
# built (tests/run.sh says so): its cases are skipped.

if [ -f build/iperf2.elf ]; then
	# iperf 2 exits 1 after its version, on Linux too.
	boot_test iperf2-version 1 'iperf version 2\.1\.[0-9]+ \([^)]*\) pthreads' 'keel: exit status 1' \
		'!is not implemented' -- --kernel build/iperf2.elf --append "-- -v"
	if command -v iperf >/dev/null; then
		script_test iperf2-tcp tests/boot/t-iperf2.sh tcp
		script_test iperf2-udp tests/boot/t-iperf2.sh udp
	else
		skip_test iperf2-serve "needs iperf on the host (Debian's iperf 2)"
	fi
else
	skip_test iperf2 "build/iperf2.elf was not built"
fi
