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
stop_qemu() {
	local pid
	pid=$(qemu_pid_with "$tmp/serial.log")
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	wait
}
out() { tr -d '\r' <"$tmp/out"; }
trap 'stop_qemu; cleanup' EXIT

# echo_once TAG: one round trip through hostfwd, retried for up to 30 s
# (the guest's DHCP may still be binding).
echo_once() {
	timeout 40 python3 - "$port" "$1" <<'PY'
import socket, sys, time
port, tag = int(sys.argv[1]), sys.argv[2].encode()
end = time.monotonic() + 30
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(tag)
        got = b""
        while len(got) < len(tag):
            b = s.recv(100)
            if not b:
                break
            got += b
        if got == tag:
            print("echoed", tag.decode())
            sys.exit(0)
    except OSError:
        pass
    if time.monotonic() > end:
        print("no echo of", tag.decode())
        sys.exit(1)
    time.sleep(0.5)
PY
}

wait_for_line "$tmp/out" '^echo: ready' 90 || { out | tail -20; fail "the echo server did not start"; }
echo_once before || { out | tail -20; fail "no echo before the link changed"; }
python3 tests/boot/qmp.py "$tmp/qmp" set_link '{"name": "net0", "up": false}' >/dev/null || fail "set_link off"
wait_for_line "$tmp/out" 'net: en0: link down' 30 || { out | tail -20; fail "the guest did not see its link go down"; }
python3 tests/boot/qmp.py "$tmp/qmp" set_link '{"name": "net0", "up": true}' >/dev/null || fail "set_link on"
wait_for_line "$tmp/out" 'net: en0: link up' 30 || { out | tail -20; fail "the guest did not see its link come back"; }
echo_once after || { out | tail -20; fail "no echo after the link came back"; }
out | grep -a 'net: en0'
echo "PASS: link down and up seen, echo before and after"
