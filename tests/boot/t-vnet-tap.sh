#!/usr/bin/env bash
# virtio-net on a tap in a network namespace made for the test, whose
# kernel answers ARP and ping and passes the device's offloads (checksum,
# segmentation) through: the exchange of ktest net-tap, a datagram whose
# checksum the device completes, then frames longer than the MTU sent
# from the host into the tap with a packet socket, which the driver drops,
# counts and names once, and a second round of echoes that still works.
#
# Frames shorter than the Ethernet header or with a malformed virtio
# header cannot be made from the host (its kernel and QEMU write those
# headers); the host tests give the driver those.
#
#   t-vnet-tap.sh MACHINE [DEVICE-OPTIONS]
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
m=${1:-q35}
opts=${2:-}
ns=keel-vnet-$$
ip netns add "$ns" || fail "cannot make a network namespace"
trap 'cleanup; ip netns del "$ns" 2>/dev/null' EXIT
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
in_ns ip tuntap add dev ktap0 mode tap || fail "cannot make a tap"
# Room for the oversized frames the host sends.
in_ns ip link set ktap0 mtu 4000 up
in_ns ip addr add 10.0.3.1/24 dev ktap0

hostile=3
in_ns ./run-qemu.sh --kernel "$KTEST" --accel tcg --machine "$m" --timeout 120 \
	--append "net-tap 10.0.3.15 10.0.3.1 $hostile" -- \
	-netdev tap,id=n0,ifname=ktap0,script=no,downscript=no,vhost=off \
	-device "virtio-net-pci,netdev=n0,romfile=$opts" </dev/null >"$tmp/out" 2>&1 &
qemu=$!
if wait_for_line "$tmp/out" 'ready for malformed frames' 90; then
	# Three frames to the guest's address, each beyond 1,500 + 18 bytes.
	in_ns python3 - <<'PY' || echo "the host could not send its frames"
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ktap0", 0))
dst = bytes.fromhex("525400123456")
src = bytes.fromhex("020000000001")
for size in (1600, 2200, 3500):
    s.send(dst + src + b"\x88\xb5" + bytes(size - 14))
PY
fi
wait $qemu
rc=$?
cat "$tmp/out"
[ $rc = 0 ] || fail "exit status $rc"
grep -q 'ktest: eth0: ok' "$tmp/out" || fail "the interface did not work throughout"
grep -q "ktest: eth0: $hostile malformed frames dropped" "$tmp/out" || fail "the malformed frames were not all dropped"
[ "$(grep -c 'dropped a frame longer than the MTU' "$tmp/out")" = 1 ] || fail "the drops were not named exactly once"
grep -q 'checksum offloaded reached the host whole' "$tmp/out" || fail "transmit checksum offload was not tried"
echo PASS
