#!/usr/bin/env bash
# The echo application (apps/echo) on QEMU's user network, driven by real
# clients on the host through hostfwd (tests/boot/sockclient.py):
#   t-sock-echo.sh stream MIB     MIB MiB through TCP, the same SHA-256 back
#   t-sock-echo.sh udp COUNT      COUNT datagrams of mixed sizes echoed
#   t-sock-echo.sh many COUNT     COUNT TCP connections open at once, all served
#   t-sock-echo.sh ipv4 0         the IPv4-only server (echo -4) answers
#   t-sock-echo.sh MODE COUNT DEVOPTS [MACHINE]
#                                 the same with the virtio-net device's
#                                 options (mrg_rxbuf=off, disable-modern=on...)
#                                 and machine (pc, q35)
#
# Each run has a network namespace of its own (unshare -n): its ports
# cannot clash with another test's, and its TCP has SYN cookies off. The
# user network's hostfwd listens with a backlog of one; with cookies on,
# the host's kernel would complete handshakes slirp never accepts and
# those clients would stall, while without them a late client's SYN is
# retried after a second, as on a loaded server.
set -u
cd "$(dirname "$0")/../.."
if [ -z "${KEEL_SOCK_NETNS:-}" ] && unshare -n true 2>/dev/null; then
	exec unshare -n env KEEL_SOCK_NETNS=1 "$0" "$@"
fi
if [ -n "${KEEL_SOCK_NETNS:-}" ]; then
	ip link set lo up || exit 1
	sysctl -q -w net.ipv4.tcp_syncookies=0
fi
source tests/boot/lib.sh
mode=$1 count=$2 devopts=${3:-} machine=${4:-q35}
args=7
[ "$mode" = ipv4 ] && args="-4 7"

# A free port of this namespace, for TCP and UDP alike.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fwd="hostfwd=tcp:127.0.0.1:$port-:7,hostfwd=udp:127.0.0.1:$port-:7"
if [ -n "$devopts" ]; then
	net=(-- -netdev "user,id=n0,$fwd" -device "virtio-net-pci,netdev=n0,$devopts")
else
	net=(--net "user,$fwd")
fi
./run-qemu.sh --kernel build/echo.elf --accel tcg --timeout 300 --serial-log "$tmp/serial.log" --machine "$machine" \
	--append "$args" "${net[@]}" </dev/null >"$tmp/out" 2>&1 &
stop_qemu() {
	local pid
	pid=$(qemu_pid_with "$tmp/serial.log")
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	wait
}

if ! wait_for_line "$tmp/out" '^echo: ready' 60; then
	stop_qemu
	tr -d '\r' <"$tmp/out" | tail -30
	fail "the echo server did not start"
fi
if ! timeout 60 python3 tests/boot/sockclient.py wait "$port" 40 >"$tmp/client" 2>&1; then
	stop_qemu
	cat "$tmp/client"
	tr -d '\r' <"$tmp/out" | tail -30
	fail "no echo through hostfwd"
fi
rc=0
if [ "$mode" = ipv4 ]; then
	echo "the IPv4-only server echoed through hostfwd" >"$tmp/client"
else
	timeout 240 python3 tests/boot/sockclient.py "$mode" "$port" "$count" >"$tmp/client" 2>&1
	rc=$?
fi
stop_qemu
cat "$tmp/client"
if [ $rc != 0 ]; then
	tr -d '\r' <"$tmp/out" | grep -v '^echo: connection closed' | tail -30
	fail "$mode $count: the client saw an error"
fi
grep -q '^echo: ready on port 7 (IPv6 and IPv4)' "$tmp/out" || [ "$mode" = ipv4 ] || fail "not dual-stack"
grep -aq 'panic' "$tmp/out" && fail "the kernel panicked"
echo "PASS: $(tail -1 "$tmp/client")"
