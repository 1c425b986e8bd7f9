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
	boot_test iperf-version 0 'iperf 3\.[0-9]+ \(cJSON' 'Linux keel ' 'keel: exit status 0' '!is not implemented' \
		-- --kernel build/iperf.elf --append "-- --version"
	script_test iperf-start tests/boot/t-netapp-start.sh build/iperf.elf 'Server listening on 5201' \
		'unable to start listener' -- -s -1
else
	skip_test iperf "build/iperf.elf was not built"
fi

# Serving Debian's clients on the host, over virtio-net on a tap in a
# network namespace: only for images with the network stack (lwIP's
# thread in their symbols), and where the test can make the namespace.
netapp_serve_case() { # NAME APP CLIENT...
	local name=$1 app=$2
	shift 2
	if ! grep -q ' tcpip_thread$' "build/$app.syms" 2>/dev/null; then
		skip_test "$name" "build/$app.elf has no network stack"
	elif [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || [ ! -c /dev/net/tun ]; then
		skip_test "$name" "needs root, ip and /dev/net/tun to make a tap in a network namespace"
	elif ! command -v "$@" >/dev/null; then
		skip_test "$name" "needs $* on the host (Debian's redis-tools, iperf3)"
	else
		script_test "$name" tests/boot/t-netapp-serve.sh "$app"
	fi
}
if [ -f build/redis.elf ]; then netapp_serve_case redis-serve redis redis-cli redis-benchmark; fi
# Redis's own test suite against the guest (tests/boot/t-redis-suite.sh).
if ! [ -f build/redis.elf ]; then
	skip_test redis-suite "build/redis.elf was not built"
elif ! command -v tclsh >/dev/null; then
	skip_test redis-suite "needs tclsh on the host (Debian's tcl) for Redis's runtest"
else
	script_test redis-suite tests/boot/t-redis-suite.sh
fi
if [ -f build/iperf.elf ]; then netapp_serve_case iperf-serve iperf iperf3; fi
