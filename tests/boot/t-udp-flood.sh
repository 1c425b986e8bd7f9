#!/usr/bin/env bash
# Datagrams sent by the guest faster than its virtio-net device takes
# them (mtest udpflood, through QEMU's user network to a receiver on the
# host): the sender waits, or gets EAGAIN and then EPOLLOUT, and never
# an error; and every datagram that arrives is one the guest sent,
# unaltered (a send retried after the device refused it once went out
# with lwIP's headers in front of its data).
#
#   t-udp-flood.sh COUNT
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
count=${1:-20000}
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The receiver: counts the datagrams, and names the first that is not as
# mtest made it (1400 bytes: its index, then (index + k) & 0xff).
# It stops once the guest has ended (the file "done") and a second has
# passed without a datagram, or after 150 s.
python3 - "$port" "$tmp/rx" "$tmp/done" <<'PY' &
import os, socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(1)
good = bad = 0
first_bad = ""
end = time.monotonic() + 150
while time.monotonic() < end:
    try:
        d = s.recv(65536)
    except socket.timeout:
        if os.path.exists(sys.argv[3]):
            break
        continue
    i = struct.unpack("<q", d[:8])[0] if len(d) >= 8 else -1
    if len(d) == 1400 and i >= 0 and all(d[k] == (i + k) & 0xff for k in range(8, 1400, 97)):
        good += 1
    else:
        bad += 1
        first_bad = first_bad or "%d bytes beginning %s" % (len(d), d[:16].hex())
open(sys.argv[2], "w").write("%d %d %s\n" % (good, bad, first_bad))
PY
rx=$!
trap 'kill $rx 2>/dev/null; cleanup' EXIT
./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 120 --net user \
	--append "udpflood 10.0.2.2 $port $count" </dev/null >"$tmp/out" 2>&1
status=$?
touch "$tmp/done"
wait $rx
grep -a 'mtest: udpflood' "$tmp/out"
[ $status = 0 ] && grep -aq 'mtest: udpflood done, 0 failures' "$tmp/out" || { tail -20 "$tmp/out"; fail "the guest's sends failed"; }
read -r good bad first_bad <"$tmp/rx"
echo "received: $good datagrams whole, $bad altered"
[ "$bad" = 0 ] || fail "$bad datagrams arrived altered; the first: $first_bad"
# QEMU's user network may drop some under the flood, but not most.
[ "$good" -ge "$count" ] || fail "only $good datagrams arrived of the $((2 * count)) or more sent"
echo "PASS: $good datagrams through the device whole, the sender never refused"
