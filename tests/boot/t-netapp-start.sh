#!/usr/bin/env bash
# A network server built unmodified on musl starts as far as Keel lets
# it: every system call it makes on the way is known, except those of
# the socket family while the image has no network stack. Without
# sockets it must stop with its own error message; with them, it must
# come to the line that says it serves (and is then stopped here).
#   t-netapp-start.sh IMAGE READY-PATTERN NO-SOCKET-PATTERN -- APP-ARGS...
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
image=$1 ready=$2 nosock=$3
shift 3
[ "${1:-}" = -- ] && shift
# The calls a program makes for networking, which the socket layer answers.
socket_calls='socket|socketpair|bind|listen|accept|accept4|connect|getsockname|getpeername|setsockopt|getsockopt|shutdown|sendto|recvfrom|sendmsg|recvmsg|sendmmsg|recvmmsg'

./run-qemu.sh --kernel "$image" --accel tcg --timeout 90 --serial-log "$tmp/serial.log" --append "-- $*" \
	</dev/null >"$tmp/out" 2>&1 &
qemu=$!
for _ in $(seq 1 900); do
	grep -Eaq -- "$ready|keel: exit status" "$tmp/out" && break
	sleep 0.1
done
served=0
if grep -Eaq -- "$ready" "$tmp/out"; then
	served=1
	# QEMU itself: run-qemu.sh would leave it running.
	kill "$(qemu_pid_with "$tmp/serial.log")" 2>/dev/null
fi
wait "$qemu"
rc=$?
tr -d '\r' <"$tmp/out" | sed -n '/^keel: main after /,$p'
unknown=$(tr -d '\r' <"$tmp/out" | sed -n 's/^syscall: \([a-z0-9_]*\) ([0-9]*) is not implemented.*/\1/p' |
	grep -Evx "$socket_calls")
[ -z "$unknown" ] || fail "system calls Keel does not know: $(echo $unknown)"
if [ $served = 1 ]; then
	echo "PASS: serving, every system call known"
	exit 0
fi
grep -Eaq -- "$nosock" "$tmp/out" || fail "neither serving nor stopped for want of sockets (status $rc)"
grep -Eaq 'syscall: socket \(41\) is not implemented' "$tmp/out" || fail "stopped, but not for want of sockets"
echo "PASS: stopped at its first socket, every other system call known"
