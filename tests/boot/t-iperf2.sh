#!/usr/bin/env bash
# iperf 2 (apps/iperf2) serves Debian's iperf on the host, through a port
# QEMU's user network forwards to the guest:
#
#   t-iperf2.sh tcp   "iperf -s -e": the host sends for 3 s, receives for
#                     3 s (-R), then both at once (--full-duplex), each
#                     from a server booted afresh; the server names the
#                     interface of each connection
#                     (getifaddrs, over Keel's rtnetlink)
#   t-iperf2.sh udp   "iperf -s -u": the host sends 3 s at 5 Mbit/s;
#                     then, from a server booted afresh, receives as much
#                     (-R)
#
# Every transfer must end with a rate above zero and no error or warning
# on either side; the server must still be there at the end, having made
# no call Keel does not know. Each transfer has a server booted afresh:
# iperf 2.1.8's server frees a client host's sum report when a test ends
# while the host stays in its table of active hosts until the test's
# thread has closed its socket, and a connection from that host accepted
# in between takes the freed report (an ASan build of Debian's source on
# Linux, driven the same way: 3 heap-use-after-free deaths in 60 rounds
# of three tests, 5 in 40 with the CPU loaded; none with a server per
# round). Under Keel the stale write landed in a thread's report and the
# guest jumped to 0x100000001. Its UDP server also frees a report twice
# when a reverse test follows another test (Debian's own build crashes
# so on Linux too, at the same free).
# The UDP rate is modest because iperf 2.1.8's server, when the client's
# last datagrams keep coming after its report (a guest slowed by a busy
# host), sends again a buffer it has meanwhile read those datagrams into:
# the client then prints a report of nonsense.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
mode=$1
SECS=3
# A free port on the host: the kernel picks it for a listener we close.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
	echo $((20000 + RANDOM % 20000)))
case $mode in
tcp) args="-s -e" fwd="tcp" ready='Server listening on TCP port 5001' ;;
udp) args="-s -u" fwd="udp" ready='Server listening on UDP port 5001' ;;
*) fail "usage: t-iperf2.sh tcp|udp" ;;
esac
command -v iperf >/dev/null || fail "iperf (Debian's iperf 2) is not installed"

# serve ARGS: boots the server; false when it does not come to listen.
qemu=
serve() {
	# Emptied here, not only by the redirection below, which the
	# background job may make after the wait has read the last guest's
	# output (its exit line) and the check has found no listening line.
	: >"$tmp/out"
	./run-qemu.sh --kernel build/iperf2.elf --accel tcg --timeout 240 --serial-log "$tmp/serial.log" \
		--net "user,hostfwd=$fwd:127.0.0.1:$port-:5001" --append "-- $*" </dev/null >"$tmp/out" 2>&1 &
	qemu=$!
	wait_for_line "$tmp/out" "$ready|keel: exit status" 120 || { shown; fail "the server did not start in 120 s"; }
	grep -aq -- "$ready" "$tmp/out" || { shown; fail "the server stopped"; }
}
stop() {
	kill "$(qemu_pid_with "$tmp/serial.log")" 2>/dev/null
	wait $qemu 2>/dev/null
}
trap 'stop; cleanup' EXIT
shown() { app_output "$tmp/out" | tail -30; }

# A rate above zero: "1.23 Mbits/sec" and the like, not "0.000 bits/sec".
rate_re=' [0-9]*[1-9][0-9]*(\.[0-9]+)? [KMG]?bits/sec|0\.[0-9]*[1-9][0-9]* [KMG]bits/sec'
# transfer DIR: one run of the host's client, checked.
transfer() {
	local dir=$1
	local opts=(-c 127.0.0.1 -p "$port" -t "$SECS")
	[ "$mode" = udp ] && opts+=(-u -b 5M)
	[ -n "$dir" ] && opts+=("$dir")
	timeout 60 iperf "${opts[@]}" >"$tmp/client" 2>&1
	local rc=$? want
	grep -E 'bits/sec' "$tmp/client" | sed "s/^/iperf ${dir:-(host sends)}: /"
	[ $rc = 0 ] || { cat "$tmp/client"; shown; fail "iperf ${opts[*]} exited $rc"; }
	! grep -Eiq 'error|fail|warning|refused|reset|did not' "$tmp/client" || { cat "$tmp/client"; shown; fail "iperf ${opts[*]} reported a problem"; }
	case "$mode,$dir" in
	tcp,) want='^\[ *[0-9]+\] [0-9.]+-[0-9.]+ sec' ;;
	tcp,-R) want='^\[ \*[0-9]+\] [0-9.]+-[0-9.]+ sec' ;;
	tcp,--full-duplex) want='^\[SUM\] [0-9.]+-[0-9.]+ sec' ;;
	udp,) want='^\[ *[0-9]+\] [0-9.]+-[0-9.]+ sec .* [0-9]+/[1-9][0-9]* \(' ;; # the server's report: datagrams arrived
	udp,-R) want='^\[ \*[0-9]+\] [0-9.]+-[0-9.]+ sec .* [0-9]+/[1-9][0-9]* \(' ;;
	esac
	grep -E -- "$want" "$tmp/client" | grep -Eq -- "$rate_re" || { cat "$tmp/client"; shown; fail "iperf ${opts[*]}: no rate above zero"; }
}
# check_server CONNECTIONS: the server's side, then it is stopped.
check_server() {
	sleep 1
	app_output "$tmp/out" | grep -E 'bits/sec|connected' | sed 's/^/guest: /'
	! app_output "$tmp/out" | grep -Eiq 'error|fail|warning' || { shown; fail "the server reported a problem"; }
	if [ "$mode" = tcp ]; then
		local n
		n=$(app_output "$tmp/out" | grep -Ec 'local 10\.0\.2\.15%en0 port 5001 connected with 10\.0\.2\.2')
		[ "$n" -ge "$1" ] || { shown; fail "the server named the interface of $n connections, not $1 (getifaddrs)"; }
	fi
	kill -0 $qemu 2>/dev/null || { shown; fail "the guest ended during the test"; }
	! grep -aq 'is not implemented' "$tmp/out" || { grep -a 'is not implemented' "$tmp/out"; fail "a system call Keel does not know"; }
	stop
}

if [ "$mode" = tcp ]; then
	for dir in "" -R --full-duplex; do
		serve $args
		transfer "$dir"
		check_server 1
	done
	echo "PASS: iperf 2 over TCP, host to guest, guest to host, both at once, ${SECS} s each"
else
	for dir in "" -R; do
		serve $args
		transfer "$dir"
		check_server 1
	done
	echo "PASS: iperf 2 over UDP, host to guest and guest to host, ${SECS} s each"
fi
