# Helpers for scripted boot tests (tests/boot/t-*.sh), sourced by them.

KTEST=build/ktest.elf

# A private temporary folder, removed with everything started from the
# script when it exits.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-test.XXXXXX")
cleanup() {
	local pids
	pids=$(jobs -p)
	[ -n "$pids" ] && kill $pids 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

# The QEMU process whose command line contains $1.
qemu_pid_with() {
	ps -eo pid=,comm=,args= | awk -v m="$1" '$2 ~ /^qemu-system/ && index($0, m) { print $1; exit }'
}

# Stops the QEMU whose serial log is $1 (run-qemu.sh --serial-log) and
# waits for the script's jobs: run-qemu.sh leaves a serving guest running.
stop_qemu_logging_to() {
	local pid
	pid=$(qemu_pid_with "$1")
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	wait
}

# tap_netns PREFIX: a network namespace of the test's own ($ns, removed
# when the script ends, after cleanup) holding the tap ktap0, up, with no
# address; in_ns runs a command in it. Needs root, ip and /dev/net/tun.
tap_netns() {
	ns=$1-$$
	ip netns add "$ns" || fail "cannot make a network namespace"
	trap 'cleanup; ip netns del "$ns" 2>/dev/null' EXIT
	in_ns ip link set lo up
	in_ns ip tuntap add dev ktap0 mode tap || fail "cannot make a tap"
	in_ns ip link set ktap0 up
}
in_ns() { ip netns exec "$ns" "$@"; }

# Waits until file $1 has a line matching $2, at most $3 seconds.
wait_for_line() {
	local file=$1 pattern=$2 limit=$3 start=$SECONDS
	while ! grep -Eaq -- "$pattern" "$file" 2>/dev/null; do
		[ $((SECONDS - start)) -ge "$limit" ] && return 1
		sleep 0.05
	done
}

# CPU time (user + system, clock ticks) a process has used so far.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# What the application printed: the console's lines between the kernel's
# "main after" and "main ran" lines (run it with tty.echo=off when input
# is typed, so the console does not show the input too).
app_output() {
	tr -d '\r' <"$1" | sed -n '/^keel: main after /,/^keel: main ran /{/^keel: main after /d;/^keel: main ran /d;p}'
}
