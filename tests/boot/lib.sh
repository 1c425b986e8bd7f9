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
