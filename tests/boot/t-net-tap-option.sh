#!/usr/bin/env bash
# run-qemu.sh --net tap=IFNAME: a virtio-net device on a tap the test
# makes in a network namespace of its own; the host pings the guest and
# has nettest echo a line back over TCP, after which the guest exits 0.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
tap_netns keel-tapopt
in_ns ip addr add 10.0.7.1/24 dev ktap0
msg="a line through --net tap"
in_ns ./run-qemu.sh --kernel build/nettest.elf --accel tcg --timeout 120 --net tap=ktap0 \
	--append "net.en0=ip=10.0.7.15/24,gw=10.0.7.1 -- echo 7 $((${#msg} + 1))" </dev/null >"$tmp/out" 2>&1 &
qemu=$!
wait_for_line "$tmp/out" 'nettest: listening on port 7' 60 || { cat "$tmp/out"; fail "nettest did not listen"; }
in_ns ping -c 3 -i 0.2 -W 2 -q 10.0.7.15 >"$tmp/ping" 2>&1 || { cat "$tmp/ping"; fail "the guest did not answer pings on the tap"; }
back=$(in_ns timeout 30 bash -c 'exec 3<>/dev/tcp/10.0.7.15/7 && echo "$1" >&3 && head -n 1 <&3' _ "$msg")
wait $qemu
rc=$?
[ "$back" = "$msg" ] || { tr -d '\r' <"$tmp/out" | tail -20; fail "the echo returned '$back'"; }
[ $rc = 0 ] || fail "exit status $rc"
echo "PASS: pings and a TCP echo through the tap --net tap= attached"
