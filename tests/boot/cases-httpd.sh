# The default appliance (apps/httpd: lighttpd serving a site from a KeelFS
# disk): sourced by tests/boot/cases.sh. Served to curl and wrk over a tap
# in a network namespace (tests/boot/t-httpd-serve.sh), and booted by
# `make run` itself (tests/boot/t-httpd-run.sh). An image whose source
# could not be fetched was not built (tests/run.sh says so): its cases
# are skipped.
if [ ! -f build/httpd.elf ]; then
	skip_test httpd "build/httpd.elf was not built"
elif [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || [ ! -c /dev/net/tun ]; then
	skip_test httpd "needs root, ip and /dev/net/tun to make a network namespace"
else
	boot_test httpd-version 0 'lighttpd/1\.4\.69' 'keel: exit status 0' '!is not implemented' \
		-- --kernel build/httpd.elf --mem 16M --append "-- -v"
	for check in site big wrk; do
		if [ $check = wrk ] && ! command -v wrk >/dev/null; then
			skip_test httpd-wrk "needs wrk on the host (Debian's wrk)"
		elif ! command -v curl >/dev/null; then
			skip_test httpd-$check "needs curl on the host"
		else
			script_test httpd-$check tests/boot/t-httpd-serve.sh $check
		fi
	done
	script_test httpd-make-run tests/boot/t-httpd-run.sh
fi
