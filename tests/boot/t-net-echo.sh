#!/usr/bin/env bash
# TCP through lwIP end to end: nettest echoes on a guest port that QEMU's
# user network forwards from the host, and the host (bash's /dev/tcp)
# sends a megabyte of random bytes and compares what comes back. With a
# virtio-net that offers them, the guest's TCP checksums are the device's
# to complete and the host's large segments arrive merged over several
# buffers: the user network checks every checksum, so a wrong one stalls
# the transfer.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
BYTES=1048576
head -c $BYTES /dev/urandom >"$tmp/sent"
# A free port on the host: the kernel picks it for a listener we close.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
	echo $((20000 + RANDOM % 20000)))
./run-qemu.sh --kernel build/nettest.elf --accel tcg --timeout 240 --net "user,hostfwd=tcp:127.0.0.1:$port-:7" \
	--append "-- echo 7 $BYTES" </dev/null >"$tmp/out" 2>&1 &
qemu=$!
wait_for_line "$tmp/out" 'nettest: listening on port 7' 120 || { cat "$tmp/out"; fail "nettest did not listen"; }
exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "cannot connect to the forwarded port"
cat "$tmp/sent" >&3 &
writer=$!
timeout 180 head -c $BYTES <&3 >"$tmp/back"
wait $writer
# Everything back: our close lets nettest end.
exec 3<&-
wait $qemu
rc=$?
tr -d '\r' <"$tmp/out"
[ $rc = 0 ] || fail "exit status $rc"
cmp -s "$tmp/sent" "$tmp/back" || fail "the echo differs from what was sent ($(stat -c %s "$tmp/back") bytes back)"
grep -q "nettest: echoed $BYTES of $BYTES bytes" "$tmp/out" || fail "nettest did not echo everything"
echo PASS
