#!/usr/bin/env bash
# A virtio-console port whose host end connects and then never reads:
# once the host's socket buffer is full QEMU keeps the guest's buffers,
# and the guest's writes must end with -ETIMEDOUT after their bound, not
# hang; the kernel goes on.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
sock=$tmp/stall.sock
./run-qemu.sh --kernel "$KTEST" --accel tcg --timeout 120 --append "port-stall keel.stall" \
	--device virtio-serial-pci \
	-- -chardev "socket,id=stall,path=$sock,server=on,wait=off" -device virtserialport,chardev=stall,name=keel.stall \
	</dev/null >"$tmp/out" 2>&1 &
qemu=$!
# The client: connects, reads nothing, holds on until QEMU ends.
python3 - "$sock" <<'PY' &
import socket, sys, time
deadline = time.time() + 60
while True:
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[1])
        break
    except OSError:
        if time.time() > deadline:
            sys.exit(1)
        time.sleep(0.05)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
time.sleep(110)
PY
wait $qemu
rc=$?
cat "$tmp/out"
[ $rc = 0 ] || fail "the guest exited with $rc"
grep -q 'writes to a port that stopped draining end with -ETIMEDOUT: ok' "$tmp/out" || fail "a write did not end with -ETIMEDOUT in its bound"
grep -q 'the kernel is alive after the stalled port' "$tmp/out" || fail "the kernel did not go on"
echo PASS
