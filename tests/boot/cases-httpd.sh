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
		-- --kernel build/httpd.elf --mem 8M --append "stack=1M -- -v"
	# The stack is as big as stack= says: 8 MiB does not fit in 8 MiB of
	# memory, and a size Keel cannot use is named and left at 8 MiB.
	boot_test httpd-stack-default 125 "no memory for the application's 8192 KiB stack" \
		-- --kernel build/httpd.elf --mem 8M --append "-- -v"
	boot_test httpd-stack-bad 0 'stack=12Q is not a size' 'lighttpd/1\.4\.69' \
		-- --kernel build/httpd.elf --mem 16M --append "stack=12Q -- -v"
	for check in site big many wrk; do
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
