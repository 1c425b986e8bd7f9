#!/usr/bin/env bash
# virtio-balloon driven through QMP while the guest serves: the echo
# server answers over QEMU's user network, half the memory goes into the
# balloon (query-balloon's actual follows to the target), then a target
# past all memory (the guest keeps a floor free, and says so once), and
# all of it comes back; the guest's statistics reach QMP (guest-stats,
# polled every second). $1: more properties for the device (e.g.
# disable-modern=on: the legacy interface).
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
MEM=256
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
	echo $((20000 + RANDOM % 20000)))
./run-qemu.sh --kernel build/echo.elf --accel tcg --mem ${MEM}M --timeout 400 --qmp "$tmp/qmp" \
	--net "user,hostfwd=tcp:127.0.0.1:$port-:7" --device "virtio-balloon-pci,id=balloon0${1:+,$1}" --append 7 \
	</dev/null >"$tmp/out" 2>&1 &
wait_for_line "$tmp/out" 'echo: ready on port 7' 120 || { cat "$tmp/out"; fail "echo did not start"; }
timeout 360 python3 tests/boot/balloon_drive.py "$tmp/qmp" serve $MEM "$port"
rc=$?
timeout 30 python3 tests/boot/qmp.py "$tmp/qmp" quit >/dev/null
wait
tr -d '\r' <"$tmp/out"
[ $rc = 0 ] || fail "the balloon was not driven to half the memory and back"
grep -Eq 'virtio-balloon0: balloon of up to 255 MiB, 16 MiB kept free; statistics on' "$tmp/out" ||
	fail "no attach line"
grep -q 'virtio-balloon0: at the target, 32768 pages (128 MiB)' "$tmp/out" || fail "no line at half"
grep -q 'virtio-balloon0: at the target, 0 pages (0 MiB)' "$tmp/out" || fail "no line back at none"
[ "$(grep -c 'virtio-balloon0: the device asks for 65280 pages; .* taken, the last 16 MiB kept free' "$tmp/out")" = 1 ] ||
	fail "a target past all memory was not logged once"
grep -Eq 'device fault|request failed|stops with' "$tmp/out" && fail "the device or the balloon failed"
echo PASS
