#!/usr/bin/env bash
# virtio-net on a tap in a network namespace made for the test, whose
# kernel answers ARP and ping and passes the device's offloads (checksum,
# segmentation) through: the exchange of ktest net-tap; a datagram whose
# checksum the device completes; a 6,000-byte TCP segment sent with
# segmentation offload that the host acknowledges whole; frames longer
# than the MTU sent from the host into the tap with a packet socket, which
# the driver drops, counts and names once; a TCP segment of 6,000 bytes
# the host hands in whole (its segmentation offload: GUEST_TSO4, which the
# driver takes with mergeable buffers), received over several buffers;
# then a second round of echoes that still works.
#
# Frames shorter than the Ethernet header or with a malformed virtio
# header cannot be made from the host (its kernel and QEMU write those
# headers); the host tests give the driver those.
#
#   t-vnet-tap.sh MACHINE [DEVICE-OPTIONS [MERGED]]
# MERGED: how many merged segments the guest must receive whole (1, or 0
# when the options turn the offload off: the host then cuts the segment).
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
m=${1:-q35}
opts=${2:-}
merged=${3:-1}
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
	--append "net-tap 10.0.3.15 10.0.3.1 $hostile $merged" -- \
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
# A TCP segment of 6,000 bytes with a virtio header asking for
# segmentation (PACKET_VNET_HDR): the tap passes it whole to a guest that
# takes TSO4, and cuts it for one that does not.
import struct
t = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
t.setsockopt(263, 15, 1)  # SOL_PACKET, PACKET_VNET_HDR
t.bind(("ktap0", 0))
payload = bytes(i * 7 & 255 for i in range(6000 - 54))
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 6000 - 14, 1, 0x4000, 64, 6, 0,
                 bytes([10, 0, 3, 1]), bytes([10, 0, 3, 15]))
csum = sum(struct.unpack("!10H", ip))
while csum >> 16:
    csum = (csum & 0xFFFF) + (csum >> 16)
ip = ip[:10] + struct.pack("!H", ~csum & 0xFFFF) + ip[12:]
# TCP header: ports, seq, ack, offset 5 + ACK, window, checksum = the
# pseudo-header's sum (the offload completes it), urgent.
tcp_len = 6000 - 34
pseudo = sum(struct.unpack("!4H", bytes([10, 0, 3, 1, 10, 0, 3, 15]))) + 6 + tcp_len
while pseudo >> 16:
    pseudo = (pseudo & 0xFFFF) + (pseudo >> 16)
tcp = struct.pack("!HHIIBBHHH", 5001, 40001, 1000, 1, 0x50, 0x10, 65535, pseudo, 0)
vnet = struct.pack("<BBHHHH", 1, 1, 54, 1448, 34, 16)  # NEEDS_CSUM, TCPV4
t.send(vnet + dst + src + b"\x08\x00" + ip + tcp + payload)
PY
fi
wait $qemu
rc=$?
cat "$tmp/out"
[ $rc = 0 ] || fail "exit status $rc"
grep -q 'ktest: eth0: ok' "$tmp/out" || fail "the interface did not work throughout"
grep -q "ktest: eth0: $hostile malformed frames dropped" "$tmp/out" || fail "the malformed frames were not all dropped"
if [ "$merged" -gt 0 ]; then
	grep -Eq "ktest: eth0: $merged merged segments received; the largest frame 6000 bytes in [2-9] buffers" "$tmp/out" ||
		fail "the merged segment did not arrive whole over several buffers"
fi
[ "$(grep -c 'dropped a frame longer than the MTU' "$tmp/out")" = 1 ] || fail "the drops were not named exactly once"
grep -q 'checksum offloaded reached the host whole' "$tmp/out" || fail "transmit checksum offload was not tried"
grep -q 'TCP segment with segmentation offloaded reached the host whole' "$tmp/out" ||
	fail "transmit segmentation offload was not tried"
echo PASS
