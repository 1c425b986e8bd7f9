#!/usr/bin/env bash
# The echo application over IPv6 from a host on the same link: a tap in a
# network namespace made for the test, the host reaching the guest at its
# link-local address (fe80::, formed from its MAC) on that link. Six
# pings; TCP, 256 KiB echoed with the same SHA-256; UDP, datagrams of
# mixed sizes each echoed whole. A reply to a link-local peer goes out only
# when the guest keeps the link the peer was met on (the scope id
# recvfrom gives, sendto takes): without it, every UDP answer was refused
# with EHOSTUNREACH.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
tap_netns keel-v6
guest=fe80::5054:ff:fe12:3456

in_ns ./run-qemu.sh --kernel build/echo.elf --accel tcg --timeout 180 --serial-log "$tmp/serial.log" \
	--append "net.en0=ip=10.0.3.15/24,gw=10.0.3.1 -- 7" -- \
	-netdev tap,id=n0,ifname=ktap0,script=no,downscript=no,vhost=off \
	-device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56 </dev/null >"$tmp/out" 2>&1 &
stop_qemu() { stop_qemu_logging_to "$tmp/serial.log"; }
wait_for_line "$tmp/out" 'echo: ready on port 7 \(IPv6 and IPv4\)' 120 || { stop_qemu; tr -d '\r' <"$tmp/out"; fail "echo did not serve IPv6"; }
# The guest's link-local address stays tentative for a second (duplicate
# detection): one ping waits for it, then six count.
in_ns ping -6 -c 1 -w 30 "$guest%ktap0" >/dev/null 2>&1
in_ns ping -6 -c 6 -i 0.2 -W 2 "$guest%ktap0" >"$tmp/ping" 2>&1
in_ns timeout 120 python3 - "$guest%ktap0" >"$tmp/client" 2>&1 <<'PY'
import hashlib, os, socket, sys
addr = sys.argv[1]
fails = 0
data = os.urandom(256 * 1024)
s = socket.create_connection((addr, 7), timeout=30)
s.sendall(data)
s.shutdown(socket.SHUT_WR)
back = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    back += b
same = hashlib.sha256(back).digest() == hashlib.sha256(data).digest()
print("tcp: %d of %d bytes back, %s" % (len(back), len(data), "same SHA-256" if same else "DIFFERENT"))
fails += not same
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.settimeout(5)
u.connect(socket.getaddrinfo(addr, 7, socket.AF_INET6, socket.SOCK_DGRAM)[0][4])
answered = 0
sizes = [1, 64, 512, 1200, 1452, 3000, 8000]
for n in sizes:
    d = os.urandom(n)
    u.send(d)
    try:
        r = u.recv(65536)
    except socket.timeout:
        print("udp: no answer to %d bytes" % n)
        continue
    answered += r == d
print("udp: %d of %d datagrams echoed whole" % (answered, len(sizes)))
fails += answered != len(sizes)
sys.exit(1 if fails else 0)
PY
client=$?
stop_qemu
tr -d '\r' <"$tmp/out" | grep -a 'net: en0'
cat "$tmp/ping" "$tmp/client"
grep -q '6 packets transmitted, 6 received' "$tmp/ping" || fail "pings to the link-local address were lost"
[ $client = 0 ] || fail "the IPv6 echo failed"
grep -aq 'sendto:' "$tmp/out" && fail "the guest could not answer: $(grep -a -m1 'sendto:' "$tmp/out")"
echo "PASS: ping, TCP and UDP echo over IPv6 on the link"
