# Network servers from Debian's source packages, built unmodified on musl
# (apps/redis, apps/iperf): sourced by tests/boot/cases.sh. These need no
# network: each prints its version and exits, and starts as far as the
# image's network stack lets it. An image whose source could not be
# fetched was not built (tests/run.sh says so): its cases are skipped.

if [ -f build/redis.elf ]; then
	boot_test redis-version 0 'Redis server v=7\.0\.[0-9]+ sha=[0-9a-f]+:0 malloc=libc bits=64' 'keel: exit status 0' \
		'!is not implemented' -- --kernel build/redis.elf --append "-- --version"
	script_test redis-start tests/boot/t-netapp-start.sh build/redis.elf 'Ready to accept connections' \
		'Failed listening on port 6379' -- --save --appendonly no --protected-mode no --port 6379 --bind 0.0.0.0
else
	skip_test redis "build/redis.elf was not built"
fi
if [ -f build/iperf.elf ]; then
	boot_test iperf-version 0 'iperf 3\.1[0-9]+ \(cJSON' 'Linux keel ' 'keel: exit status 0' '!is not implemented' \
		-- --kernel build/iperf.elf --append "-- --version"
	script_test iperf-start tests/boot/t-netapp-start.sh build/iperf.elf 'Server listening on 5201' \
		'unable to start listener' -- -s -1
else
	skip_test iperf "build/iperf.elf was not built"
fi
