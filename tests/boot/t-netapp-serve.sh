#!/usr/bin/env bash
# A network server built unmodified on musl serves Debian's clients on the
# host, over virtio-net on a tap in a network namespace this script makes
# (root, ip and /dev/net/tun needed; the guest is 10.0.3.2, the host's end
# 10.0.3.1, set on the kernel command line):
#
#   t-netapp-serve.sh redis   redis-cli stores 10,000 keys in one pipe and
#                             reads each back; redis-benchmark -q -n 10000
#                             completes with no error
#   t-netapp-serve.sh iperf   iperf3 sends for 5 s, then receives for 5 s
#                             (the server reading TCP_INFO as it sends);
#                             four streams at once; UDP at 50 Mbit/s; over
#                             IPv6; with a segment size set (TCP_MAXSEG)
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
app=$1
HOST_IP=10.0.3.1 GUEST_IP=10.0.3.2 HOST_IP6=fd00:3::1 GUEST_IP6=fd00:3::2
case $app in
redis)
	args="--save --appendonly no --protected-mode no --port 6379 --bind 0.0.0.0"
	ready='Ready to accept connections'
	need=(redis-cli redis-benchmark)
	;;
iperf)
	args="-s"
	ready='Server listening on 5201'
	need=(iperf3)
	;;
*) fail "no such server: $app" ;;
esac
for c in "${need[@]}" ip; do
	command -v "$c" >/dev/null || fail "$c is not installed"
done

ns=keel-serve-$$
in_ns() { ip netns exec "$ns" "$@"; }
ip netns add "$ns" || fail "cannot make a network namespace"
# QEMU itself is stopped (run-qemu.sh would leave it running), then the
# namespace removed.
trap 'kill "$(qemu_pid_with "$tmp/serial.log")" 2>/dev/null; cleanup; ip netns del "$ns" 2>/dev/null' EXIT
in_ns ip link set lo up
in_ns ip tuntap add dev tap0 mode tap
in_ns ip addr add "$HOST_IP/24" dev tap0
in_ns ip addr add "$HOST_IP6/64" dev tap0 nodad
in_ns ip link set tap0 up

in_ns ./run-qemu.sh --kernel "build/$app.elf" --accel tcg --timeout 280 --mem 256M --serial-log "$tmp/serial.log" \
	--append "net.en0=ip=$GUEST_IP/24,gw=$HOST_IP,ip6=$GUEST_IP6/64 -- $args" -- \
	-netdev tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=off -device virtio-net-pci,netdev=n0 \
	</dev/null >"$tmp/out" 2>&1 &
qemu=$!
shown() { tr -d '\r' <"$tmp/out" | sed -n '/^keel: main after /,$p' | tail -30; }
wait_for_line "$tmp/out" "$ready|keel: exit status" 120 || { shown; fail "the server did not start in 120 s"; }
grep -aq -- "$ready" "$tmp/out" || { shown; fail "the server stopped"; }

case $app in
redis)
	# 10,000 keys in one pipe, in Redis's own protocol.
	for i in $(seq 1 10000); do
		printf '*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$%d\r\nvalue:%d\r\n' $((4 + ${#i})) "$i" $((6 + ${#i})) "$i"
	done >"$tmp/set.resp"
	in_ns redis-cli -h "$GUEST_IP" --pipe <"$tmp/set.resp" >"$tmp/pipe" 2>&1 || { cat "$tmp/pipe"; shown; fail "redis-cli --pipe failed"; }
	grep -q 'errors: 0, replies: 10000' "$tmp/pipe" || { cat "$tmp/pipe"; fail "the pipe's replies were not 10,000 without error"; }
	n=$(in_ns redis-cli -h "$GUEST_IP" DBSIZE)
	[ "$n" = 10000 ] || fail "DBSIZE is '$n', not 10000"
	# Each key read back, one command per line.
	seq 1 10000 | sed 's/^/GET key:/' | in_ns redis-cli -h "$GUEST_IP" >"$tmp/got" 2>&1
	seq 1 10000 | sed 's/^/value:/' >"$tmp/want"
	diff -q "$tmp/want" "$tmp/got" >/dev/null || { diff "$tmp/want" "$tmp/got" | head; fail "GET answered other values"; }
	in_ns timeout 240 redis-benchmark -h "$GUEST_IP" -q -n 10000 >"$tmp/bench" 2>&1
	rc=$?
	tr '\r' '\n' <"$tmp/bench" | grep -a 'requests per second' >"$tmp/rps"
	cat "$tmp/rps"
	[ $rc = 0 ] || { tail -5 "$tmp/bench"; fail "redis-benchmark exited $rc"; }
	grep -aiq -e error -e reset -e refused "$tmp/bench" && { grep -ai -e error -e reset -e refused "$tmp/bench" | head -3; fail "redis-benchmark met errors"; }
	[ "$(wc -l <"$tmp/rps")" -ge 10 ] || fail "redis-benchmark finished only $(wc -l <"$tmp/rps") tests"
	echo "PASS: 10,000 keys set through a pipe and read back, redis-benchmark -n 10000 without error"
	;;
iperf)
	# Each run: its arguments, then what its last receiver line must show.
	runs=(
		"-c $GUEST_IP -t 5" '^\[  5\] .* [0-9.]+ [KMG]bits/sec +receiver$'
		"-c $GUEST_IP -t 5 -R --get-server-output" '^\[  5\] .* [0-9.]+ [KMG]bits/sec +receiver$'
		"-c $GUEST_IP -t 3 -P 4" '^\[SUM\] .* [0-9.]+ [KMG]bits/sec +receiver$'
		"-c $GUEST_IP -t 3 -u -b 50M" '^\[  5\] .* [0-9.]+ [KMG]bits/sec .* [0-9]+/[0-9]+ .*receiver$'
		"-6 -c $GUEST_IP6 -t 3" '^\[  5\] .* [0-9.]+ [KMG]bits/sec +receiver$'
		"-c $GUEST_IP -t 3 -R -M 1000" '^\[  5\] .* [0-9.]+ [KMG]bits/sec +receiver$'
	)
	for ((i = 0; i < ${#runs[@]}; i += 2)); do
		how=${runs[i]}
		# With a segment size set (the client asks for it in its
		# handshake, the server sets it on its listener), the host's
		# socket sees the guest's segments that large (ss: rcvmss).
		[[ $how == *"-M 1000"* ]] && (sleep 1.5; in_ns ss -tin dst "$GUEST_IP") >"$tmp/ss" 2>&1 &
		in_ns timeout 60 iperf3 $how >"$tmp/iperf" 2>&1 || { cat "$tmp/iperf"; shown; fail "iperf3 $how failed"; }
		if [[ $how == *"-M 1000"* ]]; then
			wait $!
			grep -q 'rcvmss:1000\b' "$tmp/ss" || { cat "$tmp/ss"; fail "the guest's segments were not 1000 bytes under -M 1000"; }
		fi
		line=$(grep -E 'receiver$' "$tmp/iperf" | tail -1)
		echo "iperf3 $how: $line"
		grep -Eq -- "${runs[i + 1]}" <<<"$line" || { cat "$tmp/iperf"; fail "iperf3 $how reported no throughput"; }
	done
	# Sending (-R), the server reads TCP_INFO of its connection every
	# interval, for its Retr and Cwnd columns, and names a failed read.
	! grep -aq -e 'getsockopt' -e 'iperf3: error' "$tmp/out" || { grep -a -e getsockopt -e 'iperf3: error' "$tmp/out" | head -3; fail "the server met errors"; }
	echo "PASS: iperf3 for 5 s each way, four streams, UDP, IPv6, a set segment size"
	;;
esac
# The server is still there, and made no call Keel does not know.
kill -0 $qemu 2>/dev/null || { shown; fail "the guest ended during the test"; }
! grep -aq 'is not implemented' "$tmp/out" || { grep -a 'is not implemented' "$tmp/out"; fail "a system call Keel does not know"; }
exit 0
