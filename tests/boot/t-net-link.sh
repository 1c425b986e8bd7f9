#!/usr/bin/env bash
# The link of a virtio-net device going down and coming back (QMP's
# set_link, which the device reports through its status and a
# configuration interrupt): the guest logs each change, and the echo
# application, reached through the user network's hostfwd, answers before
# and after.
set -u
cd "$(dirname "$0")/../.."
if [ -z "${KEEL_SOCK_NETNS:-}" ] && unshare -n true 2>/dev/null; then
	exec unshare -n env KEEL_SOCK_NETNS=1 "$0" "$@"
fi
[ -n "${KEEL_SOCK_NETNS:-}" ] && { ip link set lo up || exit 1; }
source tests/boot/lib.sh
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

./run-qemu.sh --kernel build/echo.elf --accel tcg --timeout 240 --serial-log "$tmp/serial.log" \
	--qmp "$tmp/qmp" --net "user,hostfwd=tcp:127.0.0.1:$port-:7" --append "7" </dev/null >"$tmp/out" 2>&1 &
stop_qemu() { stop_qemu_logging_to "$tmp/serial.log"; }
out() { tr -d '\r' <"$tmp/out"; }
trap 'stop_qemu; cleanup' EXIT

# echo_once: one round trip through hostfwd (tests/boot/sockclient.py),
# retried for up to 30 s (the guest's DHCP may still be binding).
echo_once() { timeout 40 python3 tests/boot/sockclient.py wait "$port" 30; }

wait_for_line "$tmp/out" '^echo: ready' 90 || { out | tail -20; fail "the echo server did not start"; }
echo_once || { out | tail -20; fail "no echo before the link changed"; }
python3 tests/boot/qmp.py "$tmp/qmp" set_link '{"name": "net0", "up": false}' >/dev/null || fail "set_link off"
wait_for_line "$tmp/out" 'net: en0: link down' 30 || { out | tail -20; fail "the guest did not see its link go down"; }
python3 tests/boot/qmp.py "$tmp/qmp" set_link '{"name": "net0", "up": true}' >/dev/null || fail "set_link on"
wait_for_line "$tmp/out" 'net: en0: link up' 30 || { out | tail -20; fail "the guest did not see its link come back"; }
echo_once || { out | tail -20; fail "no echo after the link came back"; }
out | grep -a 'net: en0'
echo "PASS: link down and up seen, echo before and after"
