#!/usr/bin/env bash
# A static IPv6 address and router from the command line (net.en0=
# ip6=fd00::15/64,gw6=ROUTER), on a tap in a network namespace made for
# the test, with no router advertisements on the link. The host is
# fd00::1 on the tap and also fd01::1, an address off the guest's prefix:
# the echo application answers pings, TCP and UDP from both, the answers
# to fd01::1 going through the router. Without gw6= those answers have
# nowhere to go.
#
#   t-net-tap-ip6-static.sh ROUTER   fd00::1, or the host's link-local
#                                    address (fe80::ff:fe00:1) with "link"
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
router=${1:-fd00::1}
[ "$router" = link ] && router=fe80::ff:fe00:1
tap_netns keel-ip6
# A fixed MAC, so the host's link-local address is known (fe80::ff:fe00:1).
in_ns ip link set ktap0 address 02:00:00:00:00:01
in_ns ip addr add fd00::1/64 dev ktap0 nodad
in_ns ip addr add fd01::1/128 dev lo

in_ns ./run-qemu.sh --kernel build/echo.elf --accel tcg --timeout 180 --serial-log "$tmp/serial.log" \
	--append "net.en0=ip=10.0.3.15/24,ip6=fd00::15/64,gw6=$router -- 7" -- \
	-netdev tap,id=n0,ifname=ktap0,script=no,downscript=no,vhost=off \
	-device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56 </dev/null >"$tmp/out" 2>&1 &
stop_qemu() { stop_qemu_logging_to "$tmp/serial.log"; }
wait_for_line "$tmp/out" 'echo: ready on port 7 \(IPv6 and IPv4\)' 120 ||
	{ stop_qemu; tr -d '\r' <"$tmp/out"; fail "echo did not serve IPv6"; }
# The address is tentative for a second (duplicate detection): one ping
# waits for it, then three count from each of the host's addresses.
in_ns ping -6 -c 1 -w 30 fd00::15 >/dev/null 2>&1
in_ns ping -6 -c 3 -i 0.2 -W 2 fd00::15 >"$tmp/ping" 2>&1
in_ns ping -6 -c 3 -i 0.2 -W 2 -I fd01::1 fd00::15 >"$tmp/ping-far" 2>&1
in_ns timeout 60 python3 - >"$tmp/client" 2>&1 <<'PY'
import os, socket, sys
fails = 0
for src in ("fd00::1", "fd01::1"):
    try:
        data = os.urandom(100000)
        s = socket.socket(socket.AF_INET6)
        s.settimeout(10)
        s.bind((src, 0))
        s.connect(("fd00::15", 7))
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        back = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            back += b
        u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        u.settimeout(5)
        u.bind((src, 0))
        u.sendto(b"datagram from " + src.encode(), ("fd00::15", 7))
        d, _ = u.recvfrom(100)
        ok = back == data and d == b"datagram from " + src.encode()
    except OSError as e:
        print("from %s: %s" % (src, e))
        ok = False
    print("from %s: TCP and UDP %s" % (src, "echoed" if ok else "FAILED"))
    fails += not ok
sys.exit(1 if fails else 0)
PY
client=$?
stop_qemu
tr -d '\r' <"$tmp/out" | grep -a 'net: en0'
cat "$tmp/ping" "$tmp/ping-far" "$tmp/client"
tr -d '\r' <"$tmp/out" | grep -aq 'net: en0: inet6 fd00::15' || fail "the static address was not listed"
tr -d '\r' <"$tmp/out" | grep -aq "net: en0: IPv6 router $router (static)" || fail "the router was not listed"
grep -q '3 packets transmitted, 3 received' "$tmp/ping" || fail "pings on the link were lost"
grep -q '3 packets transmitted, 3 received' "$tmp/ping-far" || fail "pings from off the prefix were lost"
[ $client = 0 ] || fail "the echo failed"
echo "PASS: static IPv6 address and router ($router): on the link and through the router"
