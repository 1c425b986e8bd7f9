#!/usr/bin/env bash
# TCP through lwIP on a tap in a network namespace made for the test,
# where virtio-net offers its offloads: the guest's TCP checksums are the
# device's to complete (the glue stores the pseudo-header's sum), the
# host's checked ones arrive marked valid, and the host's large segments
# arrive merged over several buffers (lent to lwIP without a copy), and
# the guest's runs of TCP segments go down gathered for the device to cut
# (net/tso.h). The
# host sends four megabytes to nettest's echo and compares what returns.
#
# Before that, the host pings the guest 200 times at 10 ms intervals and
# with 1,472-byte payloads (a full 1,500-byte frame), none lost, and sends
# three frames longer than the MTU, which the driver drops and names once.
#
#   t-net-tap-echo.sh [DEVICE-OPTIONS [offload|none]]
# none: the options turn the offloads off, and the glue must not use them.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
BYTES=4194304
opts=${1:-}
expect=${2:-offload}
ns=keel-net-$$
ip netns add "$ns" || fail "cannot make a network namespace"
trap 'cleanup; ip netns del "$ns" 2>/dev/null' EXIT
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
in_ns ip tuntap add dev ktap0 mode tap || fail "cannot make a tap"
# Room for the oversized frames the host sends.
in_ns ip link set ktap0 mtu 4000 up
in_ns ip addr add 10.0.3.1/24 dev ktap0
head -c $BYTES /dev/urandom >"$tmp/sent"

in_ns ./run-qemu.sh --kernel build/nettest.elf --accel tcg --timeout 240 \
	--append "net.en0=ip=10.0.3.15/24,gw=10.0.3.1 -- echo 7 $BYTES" -- \
	-netdev tap,id=n0,ifname=ktap0,script=no,downscript=no,vhost=off \
	-device "virtio-net-pci,netdev=n0,romfile=$opts" </dev/null >"$tmp/out" 2>&1 &
qemu=$!
wait_for_line "$tmp/out" 'nettest: listening on port 7' 120 || { cat "$tmp/out"; fail "nettest did not listen"; }
in_ns python3 - <<'PY' || echo "the host could not send its oversized frames"
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ktap0", 0))
dst = bytes.fromhex("525400123456")
src = bytes.fromhex("020000000001")
for size in (1600, 2200, 3500):
    s.send(dst + src + b"\x08\x00" + bytes(size - 14))
PY
in_ns ping -c 200 -i 0.01 -W 2 -q 10.0.3.15 >"$tmp/ping" 2>&1
in_ns ping -c 5 -i 0.1 -s 1472 -M do -W 2 -q 10.0.3.15 >"$tmp/ping-big" 2>&1
in_ns timeout 180 bash -c '
	exec 3<>/dev/tcp/10.0.3.15/7 || exit 1
	cat "$1" >&3 &
	head -c "$2" <&3 >"$3"
	wait
	exec 3<&-' _ "$tmp/sent" $BYTES "$tmp/back" || echo "the host's side of the connection failed"
wait $qemu
rc=$?
tr -d '\r' <"$tmp/out"
[ $rc = 0 ] || fail "exit status $rc"
grep -Eq 'eth0: virtio-net0 .*features 0x[0-9a-f]*' "$tmp/out" || fail "no virtio-net device"
cat "$tmp/ping" "$tmp/ping-big"
grep -q '200 packets transmitted, 200 received' "$tmp/ping" || fail "pings were lost"
grep -q '5 packets transmitted, 5 received' "$tmp/ping-big" || fail "full-size pings were lost"
[ "$(grep -c 'dropped a frame longer than the MTU' "$tmp/out")" = 1 ] || fail "the oversized frames' drop was not named once"
cmp -s "$tmp/sent" "$tmp/back" || fail "the echo differs from what was sent ($(stat -c %s "$tmp/back") bytes back)"
grep -q "nettest: echoed $BYTES of $BYTES bytes" "$tmp/out" || fail "nettest did not echo everything"
# Frames were lent, none copied; the device took the checksums when it
# offers to. With every offload, the host's segments arrive merged, the
# echo writes them back in large pieces, and the device cuts gathered
# runs of segments (with single segments received, the echo sends each
# back alone, pushed: nothing to gather).
if [ "$expect" = offload ]; then
	grep -Eq 'nettest: en0 rx lent [1-9][0-9]* copied 0 .*TCP checksums offloaded [1-9]' "$tmp/out" ||
		fail "the offloads or the zero-copy receive were not used"
	[ -n "$opts" ] || grep -Eq 'nettest: en0 .*segments gathered [1-9]' "$tmp/out" ||
		fail "no segments were gathered for the device to cut"
else
	grep -Eq 'nettest: en0 rx lent [1-9][0-9]* copied 0 .*TCP checksums offloaded 0, segments gathered 0 ' "$tmp/out" ||
		fail "an offload the device lacks was used, or frames were copied"
fi
echo PASS
